// A service that exercises the SDK's edges: the exception barrier, every supported argument
// type, parameters of several types, logging and notifications, and (selected by
// barrier_setup_mode before a FakeHost registers it) each way a registration can fail.
#include "barrier_service.hpp"

#include <mvi/service.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

int barrier_setup_mode = kSetupNormal;
double barrier_threshold_seen_in_setup = 0;

namespace barrier {

/// A type that only nlohmann::json knows how to convert (no MVI_STRUCT).
struct Legacy {
    int value = 0;
};
inline void to_json(nlohmann::json& json, const Legacy& legacy) {
    json = {{"value", legacy.value}};
}
inline void from_json(const nlohmann::json& json, Legacy& legacy) {
    json.at("value").get_to(legacy.value);
}

/// A nested struct for the type tour.
struct Inner {
    std::string name;
    std::vector<std::int32_t> numbers;
    std::optional<bool> flag;
};
MVI_STRUCT(Inner, name, numbers, flag);

/// A type whose declared schema disagrees with its JSON form, so the host refuses it.
struct Mismatch {
    int value = 1;
};
inline void to_json(nlohmann::json& json, const Mismatch& mismatch) {
    json = mismatch.value;
}
inline nlohmann::json mvi_schema(mvi::type_tag<Mismatch>) {
    return {{"type", "string"}};
}

std::string shout(std::string text) {
    return text + "!";
}

}  // namespace barrier

MVI_SERVICE(service) {
    using barrier::Inner;
    using barrier::Legacy;

    switch (barrier_setup_mode) {
        case kSetupArgumentCount:
            // Names in a std::vector are counted when the service registers.
            service.entrypoint("bad", std::vector<std::string>{"a", "b"}, [](int a) { return a; });
            break;
        case kSetupThrows:
            throw std::runtime_error("setup exploded");
        case kSetupThrowsNonStd:
            throw 42;
        case kSetupBadName:
            service.entrypoint("Bad-Name", [] {});
            break;
        case kSetupDuplicateParameter:
            service.add_parameter("twice", 1);
            service.add_parameter("twice", 2);
            break;
        case kSetupBadArgumentName:
            service.entrypoint("first", {"1st"}, [](int first) { return first; });
            break;
        case kSetupHostRefuses:
            service.add_parameter("mismatch", barrier::Mismatch{});
            break;
        default:
            break;
    }

    service.add_parameter("threshold", 0.5);
    service.add_parameter("hidden", 7, false);
    service.add_parameter("names", std::vector<std::string>{"a", "b"});
    service.add_parameter("config", Inner{"cfg", {1, 2}, std::nullopt});
    service.add_parameter<std::uint8_t>("limit", 10);
    barrier_threshold_seen_in_setup = service.get_parameter<double>("threshold");

    service.entrypoint("fail", []() -> int { throw std::runtime_error("boom"); });
    service.entrypoint("teapot", []() -> int { throw mvi::HttpError(418, "I'm a teapot"); });
    service.entrypoint("conflict", [] {
        throw mvi::HttpError(409, {{"reason", "busy"}, {"retry_after", 5}});
    });
    service.entrypoint("bad_status", [] { throw mvi::HttpError(200, "not an error"); });
    service.entrypoint("weird", [] { throw 42; });
    service.entrypoint("nothing", [] {});
    service.entrypoint("echo_json", {"value"}, [](const nlohmann::json& value) { return value; });
    service.entrypoint("small", {"value"}, [](std::int8_t value) { return value; });
    service.entrypoint("legacy", {"item"}, [](Legacy item) {
        item.value += 1;
        return item;
    });
    service.entrypoint("shout", {"text"}, &barrier::shout);
    service.entrypoint(
        "types", {"flag", "count", "ratio", "tags", "triple", "lookup", "inner", "size"},
        [](bool flag, unsigned count, float ratio,
           const std::vector<std::optional<std::string>>& tags, std::array<int, 3> triple,
           const std::unordered_map<std::string, std::vector<int>>& lookup,
           std::optional<Inner> inner, std::optional<std::size_t> size) {
            return nlohmann::json{{"flag", flag},
                                  {"count", count},
                                  {"ratio", ratio},
                                  {"tags", mvi::to_json_value(tags)},
                                  {"triple", triple},
                                  {"lookup", mvi::to_json_value(lookup)},
                                  {"inner", mvi::to_json_value(inner)},
                                  {"size", mvi::to_json_value(size)}};
        });
    service.entrypoint("counter", [count = 0]() mutable { return ++count; });
    service.entrypoint("log_levels", [] {
        mvi::log::debug("debug {}", 1);
        mvi::log::info("info {}", "two");
        mvi::log::warning("warning {:.1f}", 3.0);
        mvi::log::error("error");
    });
    service.entrypoint("notify_all", {"emails"}, [](const std::vector<std::string>& emails) {
        return mvi::notify("Everything is on fire", mvi::Severity::Critical, emails, 60);
    });
    service.entrypoint("read_parameters", [&service] {
        return nlohmann::json{{"threshold", service.get_parameter<double>("threshold")},
                              {"hidden", service.get_parameter<int>("hidden")},
                              {"names", service.get_parameter<std::vector<std::string>>("names")},
                              {"config", service.get_parameter<Inner>("config").name},
                              {"limit", service.get_parameter<std::uint8_t>("limit")},
                              {"any", service.get_parameter("names")}};
    });
    service.entrypoint("set_threshold", {"value"},
                       [&service](double value) { service.set_parameter("threshold", value); });
    service.entrypoint("set_threshold_wrong",
                       [&service] { service.set_parameter("threshold", "not a number"); });
    service.entrypoint("read_missing", [&service] { return service.get_parameter<int>("nope"); });
    service.entrypoint("read_wrong_type",
                       [&service] { return service.get_parameter<int>("names"); });
    service.entrypoint("late_declare", [&service] { service.entrypoint("later", [] {}); });
    service.entrypoint("get_entry", [] { return 1; })
        .method(mvi::Method::Get)
        .description("A GET entrypoint.");
}
