#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi login [--host URL] [--username U] [--password P | --token T]`: logs in to a host (the
/// active one by default) and makes it the active host. With a user name and password it asks
/// the host for a session token (`POST /auth/login`); with `--token` it checks and keeps a
/// token made earlier (`mvi token`). Missing credentials are asked for at the terminal; a
/// password may also come on standard input. A host that does not require a login only becomes
/// the active host.
void addLoginCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
