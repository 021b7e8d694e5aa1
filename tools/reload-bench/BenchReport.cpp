#include "BenchReport.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace mvi::bench {
namespace {

/// A figure in milliseconds with two decimals, or "-" when there is none.
std::string milliseconds(std::optional<double> value) {
    if (!value) {
        return "-";
    }
    std::ostringstream text;
    text << std::fixed << std::setprecision(2) << *value << " ms";
    return text.str();
}

/// A figure for JSON, rounded to microseconds; null when there is none.
nlohmann::ordered_json jsonMilliseconds(std::optional<double> value) {
    if (!value) {
        return nullptr;
    }
    return std::round(*value * 1000.0) / 1000.0;
}

}  // namespace

std::optional<double> percentile(std::vector<double> values, double percent) {
    if (values.empty()) {
        return std::nullopt;
    }
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * values.size()));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void BenchReport::print(std::ostream& out) const {
    const double perSecond = wrk.durationSeconds > 0 ? wrk.requests / wrk.durationSeconds : 0;
    auto row = [&out](const char* label) -> std::ostream& {
        return out << "  " << std::left << std::setw(19) << label;
    };
    out << "POST " << url << " for " << std::fixed << std::setprecision(1) << wrk.durationSeconds
        << " s, " << threads << " wrk threads, " << connections << " connections\n";
    row("requests") << wrk.requests << " (" << std::setprecision(0) << perSecond << "/s)\n";
    row("non-2xx responses") << wrk.non2xx << "\n";
    row("socket errors") << wrk.socketErrors() << " (connect " << wrk.connectErrors << ", read "
                         << wrk.readErrors << ", write " << wrk.writeErrors << ", timeout "
                         << wrk.timeoutErrors << ")\n";
    row("swaps done") << swapLatenciesMs.size() << " (probe failures " << probeFailures << ")\n";
    row("swap latency") << "p50 " << milliseconds(percentile(swapLatenciesMs, 50)) << ", p99 "
                        << milliseconds(percentile(swapLatenciesMs, 99)) << ", max "
                        << milliseconds(percentile(swapLatenciesMs, 100))
                        << "  (file landed -> first answer from the new build)\n";
    row("request latency") << "p50 " << milliseconds(wrk.latencyP50Ms) << ", p99 "
                           << milliseconds(wrk.latencyP99Ms) << ", max "
                           << milliseconds(wrk.latencyMaxMs) << "\n";
}

nlohmann::ordered_json BenchReport::toJson() const {
    const double perSecond = wrk.durationSeconds > 0 ? wrk.requests / wrk.durationSeconds : 0;
    return {
        {"url", url},
        {"threads", threads},
        {"connections", connections},
        {"duration_seconds", std::round(wrk.durationSeconds * 1000.0) / 1000.0},
        {"requests", wrk.requests},
        {"requests_per_second", std::round(perSecond * 10.0) / 10.0},
        {"non_2xx", wrk.non2xx},
        {"socket_errors",
         {{"connect", wrk.connectErrors},
          {"read", wrk.readErrors},
          {"write", wrk.writeErrors},
          {"timeout", wrk.timeoutErrors}}},
        {"swaps", swapLatenciesMs.size()},
        {"probe_failures", probeFailures},
        {"swap_latency_ms",
         {{"p50", jsonMilliseconds(percentile(swapLatenciesMs, 50))},
          {"p99", jsonMilliseconds(percentile(swapLatenciesMs, 99))},
          {"max", jsonMilliseconds(percentile(swapLatenciesMs, 100))}}},
        {"request_latency_ms",
         {{"p50", jsonMilliseconds(wrk.latencyP50Ms)},
          {"p99", jsonMilliseconds(wrk.latencyP99Ms)},
          {"max", jsonMilliseconds(wrk.latencyMaxMs)},
          {"mean", jsonMilliseconds(wrk.latencyMeanMs)}}},
    };
}

}  // namespace mvi::bench
