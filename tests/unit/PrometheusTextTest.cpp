// The Prometheus text exposition writer and the per-entrypoint call counters behind /metrics.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "metrics/CallStats.h"
#include "metrics/PrometheusText.h"

namespace mvi::host {
namespace {

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
    EXPECT_EQ(PrometheusText::escapeLabelValue(R"(a"b\c)"), R"(a\"b\\c)");
    EXPECT_EQ(PrometheusText::escapeLabelValue("line\nnext"), "line\\nnext");
    EXPECT_EQ(PrometheusText::escapeLabelValue("plain_1.0.0"), "plain_1.0.0");
    // Help text keeps quotes as they are.
    EXPECT_EQ(PrometheusText::escapeHelp("say \"hi\"\\\n"), "say \"hi\"\\\\\\n");
}

TEST(PrometheusText, FormatsValues) {
    EXPECT_EQ(PrometheusText::formatValue(0), "0");
    EXPECT_EQ(PrometheusText::formatValue(42), "42");
    EXPECT_EQ(PrometheusText::formatValue(0.25), "0.25");
    EXPECT_EQ(PrometheusText::formatValue(0.00005), "5e-05");
    EXPECT_EQ(PrometheusText::formatValue(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(PrometheusText::formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(PrometheusText::formatValue(std::nan("")), "NaN");
    EXPECT_EQ(std::stod(PrometheusText::formatValue(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(PrometheusText, WritesFamiliesAndSamples) {
    PrometheusText text;
    text.family("mvi_things_total", "counter", "Things.\nCounted.");
    text.sample("mvi_things_total", {{"service", "he\"llo"}, {"version", "1.0.0"}}, 3);
    text.family("mvi_up", "gauge", "Up.");
    text.sample("mvi_up", {}, 1);
    EXPECT_EQ(text.text(),
              "# HELP mvi_things_total Things.\\nCounted.\n"
              "# TYPE mvi_things_total counter\n"
              "mvi_things_total{service=\"he\\\"llo\",version=\"1.0.0\"} 3\n"
              "# HELP mvi_up Up.\n"
              "# TYPE mvi_up gauge\n"
              "mvi_up 1\n");
}

TEST(PrometheusText, HistogramBucketsAreCumulative) {
    PrometheusText text;
    text.family("latency_seconds", "histogram", "Latency.");
    text.histogram("latency_seconds", {{"entrypoint", "hello"}}, {0.1, 1}, {2, 0, 3}, 4.5);
    EXPECT_EQ(text.text(),
              "# HELP latency_seconds Latency.\n"
              "# TYPE latency_seconds histogram\n"
              "latency_seconds_bucket{entrypoint=\"hello\",le=\"0.1\"} 2\n"
              "latency_seconds_bucket{entrypoint=\"hello\",le=\"1\"} 2\n"
              "latency_seconds_bucket{entrypoint=\"hello\",le=\"+Inf\"} 5\n"
              "latency_seconds_sum{entrypoint=\"hello\"} 4.5\n"
              "latency_seconds_count{entrypoint=\"hello\"} 5\n");
    PrometheusText wrong;
    EXPECT_THROW(wrong.histogram("x", {}, {1, 2}, {1, 2}, 0), std::invalid_argument);
}

TEST(CallStats, CountsRequestsErrorsAndBuckets) {
    using std::chrono::microseconds;
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    CallStats stats;
    stats.record(200, microseconds(10));
    stats.record(200, milliseconds(3));
    stats.record(422, microseconds(100));
    stats.record(500, seconds(60));
    stats.record(418, microseconds(50));
    auto snapshot = stats.snapshot();
    EXPECT_EQ(snapshot.requests, 5U);
    EXPECT_EQ(snapshot.clientErrors, 2U);
    EXPECT_EQ(snapshot.serverErrors, 1U);
    // A value on a bound falls in that bound's bucket (le = "less or equal").
    EXPECT_EQ(CallStats::bucketOf(0.00005), 0U);
    EXPECT_EQ(CallStats::bucketOf(0.0000501), 1U);
    EXPECT_EQ(CallStats::bucketOf(1000), CallStats::kBounds.size());
    EXPECT_EQ(snapshot.buckets[0], 2U);                            // 10 µs, 50 µs
    EXPECT_EQ(snapshot.buckets[CallStats::bucketOf(0.0001)], 1U);  // 100 µs
    EXPECT_EQ(snapshot.buckets[CallStats::bucketOf(0.003)], 1U);   // 3 ms
    EXPECT_EQ(snapshot.buckets.back(), 1U);                        // 60 s
    std::uint64_t total = 0;
    for (auto count : snapshot.buckets) {
        total += count;
    }
    EXPECT_EQ(total, snapshot.requests);
    EXPECT_NEAR(snapshot.sumSeconds, 60.00316, 1e-9);
}

}  // namespace
}  // namespace mvi::host
