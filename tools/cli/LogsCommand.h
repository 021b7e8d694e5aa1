#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi logs NAME [VERSION] [-n N|all] [-f] [--since TIME]`: a version's log (the main
/// version's when VERSION is left out); `-f` keeps printing new lines as they are logged.
class LogsCommand : public Command {
  public:
    std::string name() const override { return "logs"; }
    std::string summary() const override {
        return "Show the log of a service version (the main one by default)";
    }
    std::string usage() const override { return "NAME [VERSION]"; }
    std::size_t minArguments() const override { return 1; }
    std::size_t maxArguments() const override { return 2; }
    void defineOptions(Poco::Util::OptionSet& options) const override;
    std::string details() const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
