#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi ls [NAME] [VERSION]`: the deployed versions as a table (main, name, version, status,
/// since when it runs or why it failed).
void addListCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
