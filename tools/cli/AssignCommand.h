#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi assign NAME VERSION [--yes]`: makes that version the main one, which answers the calls
/// made by name (the previous main becomes a shadow). Asks for confirmation unless `--yes`.
void addAssignCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
