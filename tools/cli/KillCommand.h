#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi kill [NAME] [VERSION] [--all] [--yes]`: undeploys one version, every version of a name,
/// or every service (`--all`). The shadows of a name go first, then its main version. Asks for
/// confirmation unless `--yes` is given.
class KillCommand : public Command {
  public:
    std::string name() const override { return "kill"; }
    std::string summary() const override {
        return "Undeploy a service version, all versions of a service, or every service";
    }
    std::string usage() const override { return "[NAME] [VERSION]"; }
    std::size_t minArguments() const override { return 0; }
    std::size_t maxArguments() const override { return 2; }
    void defineOptions(Poco::Util::OptionSet& options) const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
