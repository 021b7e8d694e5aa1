#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi init [PATH] [--name NAME]`: creates the service project NAME in the folder PATH/NAME
/// (PATH defaults to the current folder and is created when missing). Without `--name` (or
/// `-n`), asks for the name on standard output with `project_name [my_project]: ` and reads one
/// line from standard input; an empty answer takes the default. The name must be a valid service
/// name (lowercase letters, digits and underscores, not starting or ending with `_`). An existing
/// PATH/NAME that is not an empty folder is never touched. The project appears complete or not at
/// all: it is written to a temporary folder beside it and renamed into place.
///
/// The project: `service.cpp` (the tutorial's hello service), `CMakeLists.txt` (builds it with
/// `mvi_add_plugin` against the installed `mvi` package, and its tests), `README.md`,
/// `tests/test_service.cpp` (GoogleTest with the SDK's fake host) and `.gitignore`. Its
/// templates (tools/cli/templates) are compiled into the program.
///
/// Ends with status 0 when the project was created, 1 when it could not be (the folder exists,
/// a write failed) and 2 for an invalid name. Needs no host.
void addInitCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
