#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi call NAME ENTRYPOINT [JSON]`: calls an entrypoint with the arguments in the JSON object
/// (none by default) and prints its JSON answer. NAME may be `<name>_<version>` to call that
/// version rather than the main one. A GET entrypoint gets the arguments as its query.
void addCallCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
