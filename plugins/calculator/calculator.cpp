// The "calculator" example service: a tour of the SDK's type system. Integers and doubles,
// arrays, optional arguments, structs (MVI_STRUCT) as argument and result, string-keyed maps, a
// GET entrypoint, error answers with mvi::HttpError, and an unsigned integer parameter.
#include <mvi/service.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace calculator {

/// A point in the plane, optionally labelled.
struct Point {
    double x = 0;
    double y = 0;
    std::optional<std::string> label;
};
MVI_STRUCT(Point, x, y, label);

/// Summary statistics of a list of numbers.
struct Stats {
    std::uint64_t count = 0;
    double sum = 0;
    double mean = 0;
    double min = 0;
    double max = 0;
};
MVI_STRUCT(Stats, count, sum, mean, min, max);

}  // namespace calculator

MVI_SERVICE(service) {
    using calculator::Point;
    using calculator::Stats;

    service.add_parameter<std::uint32_t>("max_values", 1000);

    // Refuses lists longer than the max_values parameter allows.
    auto check_length = [&service](const std::vector<double>& values) {
        const auto limit = service.get_parameter<std::uint32_t>("max_values");
        if (values.size() > limit) {
            throw mvi::HttpError(
                413, fmt::format("At most {} values are accepted, got {}", limit, values.size()));
        }
    };

    service
        .entrypoint("add", {"a", "b"},
                    [](std::int64_t a, std::int64_t b) {
                        std::int64_t sum = 0;
                        if (__builtin_add_overflow(a, b, &sum)) {
                            throw mvi::HttpError(400, "Integer overflow");
                        }
                        return sum;
                    })
        .description("Adds two integers.");

    service
        .entrypoint("divide", {"dividend", "divisor"},
                    [](double dividend, double divisor) {
                        if (divisor == 0.0) {
                            throw mvi::HttpError(400, "Division by zero");
                        }
                        return dividend / divisor;
                    })
        .description("Divides two numbers; dividing by zero answers 400.");

    service
        .entrypoint("sum", {"values"},
                    [check_length](const std::vector<double>& values) {
                        check_length(values);
                        mvi::log::debug("Summing {} values", values.size());
                        return std::accumulate(values.begin(), values.end(), 0.0);
                    })
        .description("Sums a list of numbers.");

    service
        .entrypoint("round", {"value", "digits"},
                    [](double value, std::optional<int> digits) {
                        const int places = digits.value_or(0);
                        if (places < 0 || places > 15) {
                            throw mvi::HttpError(400, "digits must be between 0 and 15");
                        }
                        const double scale = std::pow(10.0, places);
                        return std::round(value * scale) / scale;
                    })
        .description("Rounds a number to `digits` decimals (0 when omitted).");

    service
        .entrypoint("stats", {"values"},
                    [check_length](const std::vector<double>& values) {
                        check_length(values);
                        if (values.empty()) {
                            throw mvi::HttpError(400, "At least one value is required");
                        }
                        Stats stats;
                        stats.count = values.size();
                        stats.sum = std::accumulate(values.begin(), values.end(), 0.0);
                        stats.mean = stats.sum / static_cast<double>(values.size());
                        const auto [low, high] = std::minmax_element(values.begin(), values.end());
                        stats.min = *low;
                        stats.max = *high;
                        return stats;
                    })
        .description("Count, sum, mean, minimum and maximum of a list of numbers.");

    service
        .entrypoint("scale", {"point", "factor"},
                    [](Point point, std::optional<double> factor) {
                        point.x *= factor.value_or(2.0);
                        point.y *= factor.value_or(2.0);
                        return point;
                    })
        .description("Scales a point away from the origin (by 2 when no factor is given).");

    service
        .entrypoint("total", {"amounts"},
                    [](const std::map<std::string, double>& amounts) {
                        double total = 0;
                        for (const auto& [name, amount] : amounts) {
                            mvi::log::debug("{}: {}", name, amount);
                            total += amount;
                        }
                        return total;
                    })
        .description("Adds up named amounts.");

    service
        .entrypoint(
            "constants",
            [] {
                return std::map<std::string, double>{{"e", std::exp(1.0)}, {"pi", std::acos(-1.0)}};
            })
        .method(mvi::Method::Get)
        .description("Mathematical constants.");

    service
        .entrypoint("power", {"base", "exponent"},
                    [](double base, std::int32_t exponent) { return std::pow(base, exponent); })
        .method(mvi::Method::Get)
        .description("`base` to the power `exponent`, with arguments in the query string.");
}
