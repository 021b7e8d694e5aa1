#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi token [DAYS]`: makes a long-lived token on the active host (`POST /auth/token`) for a
/// program or another machine, valid for DAYS days, for ever with `never`, or for the host's
/// default validity (`auth.token_days`) without DAYS.
/// Prints the token alone on standard output, and its id and expiry on standard error.
void addTokenCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
