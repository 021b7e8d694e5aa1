#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace mvi::cli {

/// The help of `mvi` and its commands, made by CLI11 from each command's declarations, with the
/// usage line first:
///
///     usage: mvi logs NAME [VERSION] [--tail N|all] [--follow] [--since TIME]
///     Show the log of a service version (the main one by default)
///
/// followed by CLI11's lists of positionals, options and commands, and the command's footer.
class HelpFormatter : public CLI::Formatter {
  public:
    /// The usage of `command` in one line, without `usage: `: its path from `mvi`, its
    /// positionals (optional ones in brackets), its commands and its options (in brackets, each
    /// with its value's name), e.g. `mvi assign NAME VERSION [--yes]`.
    static std::string usage(const CLI::App& command);

    /// The words that name `command`, from `mvi` on: `mvi parameters set`.
    static std::string path(const CLI::App& command);

    std::string make_usage(const CLI::App* app, std::string name) const override;
    std::string make_help(const CLI::App* app, std::string name,
                          CLI::AppFormatMode mode) const override;
};

}  // namespace mvi::cli
