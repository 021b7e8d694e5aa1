#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi parameters NAME [VERSION] [set PARAMETER VALUE]`: a service's parameters and their
/// values, or sets one. Without VERSION it reads the main version and a value set reaches the
/// main version and every shadow.
void addParametersCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
