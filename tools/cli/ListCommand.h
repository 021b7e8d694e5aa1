#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi ls [NAME] [VERSION]`: the deployed versions as a table (main, name, version, status,
/// since when it runs or why it failed).
class ListCommand : public Command {
  public:
    std::string name() const override { return "ls"; }
    std::string summary() const override {
        return "List the deployed services (all, one name's versions, or one version)";
    }
    std::string usage() const override { return "[NAME] [VERSION]"; }
    std::size_t minArguments() const override { return 0; }
    std::size_t maxArguments() const override { return 2; }
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
