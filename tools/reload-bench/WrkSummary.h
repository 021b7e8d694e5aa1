#pragma once

#include <cstdint>
#include <string>

namespace mvi::bench {

/// What wrk measured in one run.
///
/// Read from the lines `mvi-reload-bench <key> <value>` that the done() hook of
/// `post_version.lua` prints after wrk's own report.
struct WrkSummary {
    /// How long wrk ran.
    double durationSeconds = 0;
    /// Responses received.
    std::uint64_t requests = 0;
    /// Responses whose status was not 2xx.
    std::uint64_t non2xx = 0;
    /// Connections that could not be opened.
    std::uint64_t connectErrors = 0;
    /// Failed socket reads (including connections closed by the server).
    std::uint64_t readErrors = 0;
    /// Failed socket writes.
    std::uint64_t writeErrors = 0;
    /// Requests without an answer within wrk's timeout.
    std::uint64_t timeoutErrors = 0;
    /// Request latency, in milliseconds.
    double latencyP50Ms = 0;
    double latencyP99Ms = 0;
    double latencyMaxMs = 0;
    double latencyMeanMs = 0;

    /// Socket errors of every kind together.
    std::uint64_t socketErrors() const {
        return connectErrors + readErrors + writeErrors + timeoutErrors;
    }

    /// Reads the figures from wrk's standard output.
    ///
    /// Throws std::runtime_error naming the first figure that is missing or not a number.
    static WrkSummary parse(const std::string& output);
};

}  // namespace mvi::bench
