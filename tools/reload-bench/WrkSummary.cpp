#include "WrkSummary.h"

#include <map>
#include <sstream>
#include <stdexcept>

namespace mvi::bench {
namespace {

/// The prefix of every line the script's done() hook prints.
const std::string kLinePrefix = "mvi-reload-bench ";

}  // namespace

WrkSummary WrkSummary::parse(const std::string& output) {
    std::map<std::string, double> figures;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(kLinePrefix, 0) != 0) {
            continue;
        }
        std::istringstream fields(line.substr(kLinePrefix.size()));
        std::string key;
        double value = 0;
        if (fields >> key >> value) {
            figures[key] = value;
        }
    }
    auto figure = [&](const std::string& key) {
        auto found = figures.find(key);
        if (found == figures.end()) {
            throw std::runtime_error("wrk's output has no '" + kLinePrefix + key +
                                     "' line (was the run's script post_version.lua?)");
        }
        return found->second;
    };
    auto count = [&](const std::string& key) { return static_cast<std::uint64_t>(figure(key)); };

    WrkSummary summary;
    summary.durationSeconds = figure("duration_us") / 1e6;
    summary.requests = count("requests");
    summary.non2xx = count("non_2xx");
    summary.connectErrors = count("errors_connect");
    summary.readErrors = count("errors_read");
    summary.writeErrors = count("errors_write");
    summary.timeoutErrors = count("errors_timeout");
    summary.latencyP50Ms = figure("latency_p50_us") / 1e3;
    summary.latencyP99Ms = figure("latency_p99_us") / 1e3;
    summary.latencyMaxMs = figure("latency_max_us") / 1e3;
    summary.latencyMeanMs = figure("latency_mean_us") / 1e3;
    return summary;
}

}  // namespace mvi::bench
