#pragma once

#include <stdexcept>
#include <string>

namespace mvi::cli {

/// A failure the user is told about in one line (on standard error) before `mvi` exits with
/// `exitCode`: 1 for a failed operation, 2 for a command line that cannot be understood.
class CliError : public std::runtime_error {
  public:
    /// A failure with its message and the exit status of `mvi`.
    explicit CliError(const std::string& message, int exitCode = 1)
        : std::runtime_error(message), exitCode_(exitCode) {}

    /// The exit status `mvi` ends with.
    int exitCode() const { return exitCode_; }

  private:
    int exitCode_;
};

}  // namespace mvi::cli
