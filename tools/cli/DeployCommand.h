#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi deploy NAME VERSION SOURCE [-e NAME=VALUE]...`: builds a service project folder with
/// CMake (or takes a ready `.so`, or a `.tar.gz` holding one), uploads it to the host as that
/// name and version (`POST /services/~tar`, with the environment variables of the -e options in
/// the original platform's `run_args` field) and shows the `ls` table of the service.
///
/// Checks what it can before the build, so a mistake costs no build time: the name and the
/// version are valid, the source exists, the host answers and does not have that version yet.
void addDeployCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
