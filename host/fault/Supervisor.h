#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <string>
#include <vector>

namespace mvi::host::fault {

/// The tiny parent process of `mvi-host`: holds the listening socket, starts the serving process
/// (the same executable with `--serve`), and when it dies starts another on the same socket, so
/// new connections wait in the kernel's backlog instead of being refused. It runs no plugin code.
///
/// After a death it reads the serving process's PhaseTable (memory both share), blames the build
/// that was running (see `attribute`) and quarantines it in the state database before the next
/// serving process starts, so that one never loads it. Deaths with nobody to blame are restarted
/// with a growing pause; after `maxUnblamedDeaths` of them in a row (none reaching
/// `stableAfter` of serving) it gives up with a clear message and a non-zero exit.
///
/// SIGTERM and SIGINT are passed to the serving process; the supervisor then exits with its
/// status. A serving process that asks to be replaced (stuck calls piled up) is restarted at
/// once, without blame.
class Supervisor {
  public:
    struct Settings {
        /// The executable to run as the serving process, and its arguments (the supervisor adds
        /// `--serve`, `--listen-fd` and `--phase-fd`).
        std::string executable;
        std::vector<std::string> arguments;
        std::string httpHost;
        unsigned httpPort = 0;
        int backlog = 64;
        /// A listening socket already bound (socket activation: takeActivatedSocket()); -1: the
        /// supervisor binds httpHost:httpPort itself.
        int listenFd = -1;
        /// The state database the quarantine is written to.
        std::string databasePath;
        int maxUnblamedDeaths = 5;
        std::chrono::milliseconds stableAfter{10000};
        /// How long a stopping serving process may take before it is killed.
        std::chrono::milliseconds stopTimeout{30000};
    };

    Supervisor(Settings settings, Poco::Logger& logger);

    /// Binds the socket (or takes Settings::listenFd) and supervises until a termination request
    /// or giving up. Returns the process exit status. Throws Poco::Exception when the address
    /// cannot be bound.
    int run();

  private:
    Settings settings_;
    Poco::Logger& logger_;
};

}  // namespace mvi::host::fault
