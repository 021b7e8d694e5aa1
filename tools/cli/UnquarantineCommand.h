#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi unquarantine NAME VERSION`: ends the quarantine of a build that took the host's serving
/// process down, so the host loads it again (and quarantines it again if it crashes again).
class UnquarantineCommand : public Command {
  public:
    std::string name() const override { return "unquarantine"; }
    std::string summary() const override {
        return "Load a quarantined version again (after it crashed the host)";
    }
    std::string usage() const override { return "NAME VERSION"; }
    std::size_t minArguments() const override { return 2; }
    std::size_t maxArguments() const override { return 2; }
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
