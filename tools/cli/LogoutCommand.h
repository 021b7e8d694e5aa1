#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi logout`: ends the session on the active host (`POST /auth/logout`) and forgets its
/// token.
void addLogoutCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
