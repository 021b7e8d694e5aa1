#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "WrkSummary.h"

namespace mvi::bench {

/// The figures of one benchmark run, printed for people and written as JSON.
struct BenchReport {
    /// The URL wrk loaded.
    std::string url;
    /// wrk's threads and connections.
    unsigned threads = 0;
    unsigned connections = 0;
    /// What wrk measured.
    WrkSummary wrk;
    /// One entry per swap done: milliseconds from the new file landing in the plugins folder to
    /// the first response from the new build.
    std::vector<double> swapLatenciesMs;
    /// Calls of the swap probe that failed or answered a status other than 200.
    std::uint64_t probeFailures = 0;

    /// Writes the report as a few aligned lines.
    void print(std::ostream& out) const;

    /// The report as a JSON object, keys in the order above (listed in README.md).
    nlohmann::ordered_json toJson() const;
};

/// The `percent` percentile of `values` by the nearest-rank method; nothing when `values` is
/// empty.
std::optional<double> percentile(std::vector<double> values, double percent);

}  // namespace mvi::bench
