#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi user ls|add|update|rm`: the administrator's management of the active host's users
/// (`/admin/user/...`):
///
/// - `mvi user ls`: every user's name, one a line, the administrator included.
/// - `mvi user add NAME [-p PASSWORD]`: adds a user.
/// - `mvi user update NAME [-p PASSWORD]`: gives a user a new password (its tokens are revoked).
/// - `mvi user rm NAME [--yes]`: removes a user (its tokens are revoked), after confirmation
///   unless `--yes` is given.
///
/// Without `-p` the password is asked for twice at the terminal, without echo; when nobody is at
/// the terminal that is an error.
void addUserCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
