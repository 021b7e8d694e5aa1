#pragma once

#include <optional>
#include <string>

#include "fault/PhaseTable.h"

namespace mvi::host::fault {

/// How the serving process ended, as waitpid reported it.
struct Death {
    /// Killed by a signal (else it exited).
    bool signaled = false;
    int signal = 0;
    /// Exit status when it exited.
    int status = 0;
};

/// The build a death is blamed on, and why, in words a person reads in `GET /services/`.
struct Blame {
    std::string name;
    std::string version;
    std::string sha256;
    std::string reason;
};

/// Words for a death: "SIGSEGV (Segmentation fault)", "exit status 3".
std::string describeDeath(const Death& death);

/// Decides which build caused the death of the serving process whose table is `table`:
/// - the thread the fatal-signal handler saw, when it was running plugin code;
/// - the thread that called `exit()` unplanned, when it was running plugin code;
/// - otherwise (SIGKILL from the kernel's OOM killer, `_exit`, a signal no handler sees) the
///   thread that has been inside plugin code the longest.
/// No blame when the exit was planned, or when the process died in the host's own code with no
/// thread inside a plugin. The reason names the signal or exit status, the phase (registration,
/// entrypoint NAME, periodic task NAME, unload, on_stop hook, a thread it started), the fault
/// address and a backtrace where one was recorded (frames inside the build named as
/// `file+0xOFFSET`, symbolised with addr2line when the library file is still there).
std::optional<Blame> attribute(PhaseTable& table, const Death& death);

}  // namespace mvi::host::fault
