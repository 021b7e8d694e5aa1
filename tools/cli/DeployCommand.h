#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi deploy NAME VERSION SOURCE`: builds a service project folder with CMake (or takes a
/// ready `.so`, or a `.tar.gz` holding one), uploads it to the host as that name and version
/// (`POST /services/~tar`) and shows the `ls` table of the service.
///
/// Checks what it can before the build, so a mistake costs no build time: the name and the
/// version are valid, the source exists, the host answers and does not have that version yet.
class DeployCommand : public Command {
  public:
    std::string name() const override { return "deploy"; }
    std::string summary() const override {
        return "Build a service project (or take a .so) and deploy it as NAME VERSION";
    }
    std::string usage() const override { return "NAME VERSION SOURCE"; }
    std::size_t minArguments() const override { return 3; }
    std::size_t maxArguments() const override { return 3; }
    std::string details() const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
