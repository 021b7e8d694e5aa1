#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include <sys/types.h>

#include "core/Environment.h"

namespace mvi::host {

/// Tries a new build in a throw-away process before the serving process opens it (DESIGN.md §9).
///
/// The probe process is `mvi-host --probe FILE` (by default the running executable itself): it
/// opens the file with the host's own loader, runs the build's constructors and its registration,
/// prints one line of JSON with the outcome and exits. A build whose constructors or registration
/// crash, call `exit`, or do not return within the deadline takes only the probe process down;
/// the serving process never maps it.
///
/// `run` may be called from several threads at once; `stop` kills every probe process still
/// running, so stopping the host never waits for a build that hangs.
class BuildProbe {
  public:
    struct Settings {
        /// The program run as `EXECUTABLE --probe=FILE --probe-dir=DIR`.
        std::string executable = "/proc/self/exe";
        /// How long a probe may run before it is killed and the build refused.
        std::chrono::seconds timeout{10};
        /// Folder under which each probe gets a scratch folder of its own (removed afterwards).
        std::string scratchDir;
    };

    /// The outcome of one probe.
    struct Outcome {
        /// The build's constructors and registration returned in time (whether or not the
        /// registration succeeded).
        bool passed = false;
        /// Why the build is refused ("its constructors or registration crashed with SIGSEGV
        /// (Segmentation fault) in a probe process"); empty when it passed.
        std::string reason;
        /// When it passed but its registration reported a failure in the probe process: the
        /// loader's reason. The probe has no other services to call, so the serving process
        /// still gets to try it.
        std::string registrationError;
        /// Not passed because the host is stopping (the probe was cut short or never started):
        /// nothing is known about the build.
        bool stopped = false;
    };

    explicit BuildProbe(Settings settings);

    /// Kills the probe processes still running.
    ~BuildProbe();

    BuildProbe(const BuildProbe&) = delete;
    BuildProbe& operator=(const BuildProbe&) = delete;

    /// Probes the build at `path` in a child process and waits for it (at most the timeout).
    /// Its registration runs with `environment` as the version's environment (what `get_env`
    /// answers), as it will in the serving process; the probe process's own environment stays
    /// the host's.
    Outcome run(const std::string& path, const Environment& environment = {});

    /// Kills every running probe process (their builds are refused: the host is stopping) and
    /// refuses to start new ones. Idempotent.
    void stop();

    /// The deadline of one probe.
    std::chrono::seconds timeout() const { return settings_.timeout; }

    /// The probe process's side (`mvi-host --probe FILE`): loads `path` with the host's loader
    /// in scratch folder `scratchDir` (a temporary one when empty), with the environment in the
    /// JSON file `environmentFile` (`--probe-env`; none when empty), writes one line of JSON to
    /// standard output, `{"probe": "passed", "entrypoints": N}` or `{"probe": "failed",
    /// "error": "..."}`, and ends the process with status 0 without running any destructor of
    /// the build. Whatever the build itself writes to standard output goes to standard error.
    [[noreturn]] static void probeHere(const std::string& path, const std::string& scratchDir,
                                       const std::string& environmentFile = "");

  private:
    /// Starts the probe process with its standard output on `outputFd` (and `--probe-env` when
    /// `environmentFile` is not empty); returns its pid or throws std::runtime_error.
    pid_t spawn(const std::string& path, const std::string& scratch,
                const std::string& environmentFile, int outputFd);

    Settings settings_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> probes_{0};
    std::mutex mutex_;
    /// Probe processes started and not reaped yet.
    std::set<pid_t> running_;
};

}  // namespace mvi::host
