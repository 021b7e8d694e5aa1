#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi token [DAYS]`: makes a long-lived token on the active host (`POST /auth/token`) for a
/// program or another machine, valid for DAYS days, for ever with `never`, or for the host's
/// default validity (`auth.token_days`) without DAYS.
/// Prints the token alone on standard output, and its id and expiry on standard error.
class TokenCommand : public Command {
  public:
    std::string name() const override { return "token"; }
    std::string summary() const override {
        return "Make a long-lived API token on the active host";
    }
    std::string usage() const override { return "[DAYS|never]"; }
    std::size_t minArguments() const override { return 0; }
    std::size_t maxArguments() const override { return 1; }
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
