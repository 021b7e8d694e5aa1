#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace mvi::cli {

/// `mvi init [PATH] [--name NAME]`: creates the service project NAME in the folder PATH/NAME
/// (PATH defaults to the current folder and is created when missing). Without `--name` (or
/// `-n`), asks for the name on `out` with `project_name [my_project]: ` and reads one line from
/// `in`; an empty answer takes the default. The name must be a valid service name (lowercase
/// letters, digits and underscores, not starting or ending with `_`). An existing PATH/NAME that
/// is not an empty folder is never touched. The project appears complete or not at all: it is
/// written to a temporary folder beside it and renamed into place.
///
/// The project: `service.cpp` (the tutorial's hello service), `CMakeLists.txt` (builds it with
/// `mvi_add_plugin` against the installed `mvi` package, and its tests), `README.md`,
/// `tests/test_service.cpp` (GoogleTest with the SDK's fake host) and `.gitignore`. Its
/// templates (tools/cli/templates) are compiled into the program.
///
/// `args` are the words after `init`; messages go to `out`, errors to `err`. Returns 0 when the
/// project was created, 1 when it could not be (the folder exists, a write failed) and 2 for
/// invalid arguments or an invalid name.
int runInit(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err);

}  // namespace mvi::cli
