#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi call NAME ENTRYPOINT [JSON]`: calls an entrypoint with the arguments in the JSON object
/// (none by default) and prints its JSON answer. NAME may be `<name>_<version>` to call that
/// version rather than the main one. A GET entrypoint gets the arguments as its query.
class CallCommand : public Command {
  public:
    std::string name() const override { return "call"; }
    std::string summary() const override {
        return "Call an entrypoint of a service and print its answer";
    }
    std::string usage() const override { return "NAME ENTRYPOINT [JSON]"; }
    std::size_t minArguments() const override { return 2; }
    std::size_t maxArguments() const override { return 3; }
    std::string details() const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
