#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mvi::host {

/// Writes metrics in the Prometheus text exposition format 0.0.4: one `# HELP` and `# TYPE`
/// header per metric family followed by its samples, label values escaped, histograms as
/// cumulative `_bucket{le=...}` samples with `_sum` and `_count`. Samples of a family must be
/// written right after its header. Not thread-safe (one writer per answer).
class PrometheusText {
  public:
    /// Label names and values of one sample, in the order written.
    using Labels = std::vector<std::pair<std::string, std::string>>;

    /// The content type of the format.
    static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// Starts the family `name` of `type` (counter, gauge, histogram) described by `help`.
    void family(const std::string& name, const std::string& type, const std::string& help);

    /// Writes one sample of a counter or gauge.
    void sample(const std::string& name, const Labels& labels, double value);

    /// Writes one histogram: `counts` holds one count per bucket (not cumulative), one more than
    /// `bounds` (the last is the +Inf bucket); the written buckets are cumulative.
    void histogram(const std::string& name, const Labels& labels, const std::vector<double>& bounds,
                   const std::vector<std::uint64_t>& counts, double sum);

    /// Everything written so far.
    const std::string& text() const { return text_; }

    /// A label value with `\`, `"` and line feeds escaped.
    static std::string escapeLabelValue(const std::string& value);

    /// A help text with `\` and line feeds escaped.
    static std::string escapeHelp(const std::string& help);

    /// A sample value: integers without a decimal point, `+Inf`, `-Inf`, `NaN`, otherwise the
    /// shortest text that reads back as the same double.
    static std::string formatValue(double value);

  private:
    void writeLabels(const Labels& labels);

    std::string text_;
};

}  // namespace mvi::host
