#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi notifications [--clear]`: the notifications services raised (oldest first, with how
/// often each was raised), or `--clear` to remove them all.
class NotificationsCommand : public Command {
  public:
    std::string name() const override { return "notifications"; }
    std::string summary() const override {
        return "Show the notifications raised by services, or clear them";
    }
    std::string usage() const override { return ""; }
    std::size_t minArguments() const override { return 0; }
    std::size_t maxArguments() const override { return 0; }
    void defineOptions(Poco::Util::OptionSet& options) const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
