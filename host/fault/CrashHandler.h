#pragma once

namespace mvi::host::fault {

/// Records in the PhaseTable's fault record which thread died of which fatal signal, where, and
/// its backtrace, then lets the signal kill the process as it would have without the handler.
/// Also records which thread called `exit()` when the exit was not planned, so the supervisor can
/// blame a plugin that calls `exit(3)`.
///
/// The handler runs on an alternate stack (a stack overflow still gets reported) and uses only
/// async-signal-safe calls plus `backtrace`, which is primed at install.
class CrashHandler {
  public:
    /// Installs the handlers for SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL and SIGSYS and the exit
    /// recorder. Call once, early, in the serving process.
    static void install();

    /// Gives the calling thread an alternate signal stack (once per thread; cheap afterwards).
    static void prepareThread();

    /// Frees the calling thread's alternate signal stack (when it ends).
    static void releaseThread();

    /// Marks the coming exit as planned (a stop or a replacement), so it is not blamed on anyone.
    static void planExit(bool replace);
};

}  // namespace mvi::host::fault
