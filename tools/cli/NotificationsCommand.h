#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi notifications [--clear]`: the notifications services raised (oldest first, with how
/// often each was raised), or `--clear` to remove them all.
void addNotificationsCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
