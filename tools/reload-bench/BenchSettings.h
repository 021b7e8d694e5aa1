#pragma once

#include <string>
#include <vector>

namespace mvi::bench {

/// What one benchmark run uses and how hard it loads the host.
struct BenchSettings {
    /// The `mvi-host` executable.
    std::string hostBinary;
    /// The two builds deployed in turn as `counter_1.0.0.so`; A is deployed first. Each must
    /// answer its `version` entrypoint with a value of its own.
    std::string buildA;
    std::string buildB;
    /// The wrk Lua script (post_version.lua).
    std::string script;
    /// The wrk executable.
    std::string wrk;
    /// How long wrk loads the host, in seconds.
    unsigned durationSeconds = 10;
    /// wrk's open connections and threads.
    unsigned connections = 32;
    unsigned threads = 2;
    /// Longest wait, in seconds, for a swap to be answered by the new build (and for the host
    /// to start) before the run is given up.
    unsigned swapDeadlineSeconds = 30;
    /// Configuration given to the host as `--define KEY=VALUE`.
    std::vector<std::string> hostDefines;
};

}  // namespace mvi::bench
