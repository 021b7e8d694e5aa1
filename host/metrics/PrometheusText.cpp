#include "metrics/PrometheusText.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace mvi::host {

std::string PrometheusText::escapeLabelValue(const std::string& value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '"') {
            escaped += "\\\"";
        } else if (c == '\n') {
            escaped += "\\n";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string PrometheusText::escapeHelp(const std::string& help) {
    std::string escaped;
    escaped.reserve(help.size());
    for (char c : help) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '\n') {
            escaped += "\\n";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string PrometheusText::formatValue(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return fmt::format("{}", static_cast<long long>(value));
    }
    return fmt::format("{}", value);
}

void PrometheusText::family(const std::string& name, const std::string& type,
                            const std::string& help) {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escapeHelp(help), name, type);
}

void PrometheusText::writeLabels(const Labels& labels) {
    if (labels.empty()) {
        return;
    }
    text_ += '{';
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (!first) {
            text_ += ',';
        }
        first = false;
        text_ += fmt::format("{}=\"{}\"", name, escapeLabelValue(value));
    }
    text_ += '}';
}

void PrometheusText::sample(const std::string& name, const Labels& labels, double value) {
    text_ += name;
    writeLabels(labels);
    text_ += ' ';
    text_ += formatValue(value);
    text_ += '\n';
}

void PrometheusText::histogram(const std::string& name, const Labels& labels,
                               const std::vector<double>& bounds,
                               const std::vector<std::uint64_t>& counts, double sum) {
    if (counts.size() != bounds.size() + 1) {
        throw std::invalid_argument("a histogram needs one count per bound plus the +Inf bucket");
    }
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        Labels bucketLabels = labels;
        bucketLabels.emplace_back("le", i < bounds.size() ? formatValue(bounds[i]) : "+Inf");
        sample(name + "_bucket", bucketLabels, static_cast<double>(cumulative));
    }
    sample(name + "_sum", labels, sum);
    sample(name + "_count", labels, static_cast<double>(cumulative));
}

}  // namespace mvi::host
