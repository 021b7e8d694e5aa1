#include "plugin/ServiceRoute.h"

#include <Poco/String.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <array>

namespace mvi::host {

std::string ServiceRoute::describe() const {
    return fmt::format("{} {}", method(), declaration.path);
}

bool ServiceRoute::matches(const std::vector<std::string>& segments, Fields* parameters) const {
    const auto& declared = declaration.segments;
    if (declared.size() != segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (!declared[i].parameter && declared[i].text != segments[i]) {
            return false;
        }
    }
    if (parameters != nullptr) {
        parameters->clear();
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (declared[i].parameter) {
                parameters->emplace_back(declared[i].text, segments[i]);
            }
        }
    }
    return true;
}

bool ServiceRoute::moreSpecificThan(const ServiceRoute& other) const {
    const auto& mine = declaration.segments;
    const auto& theirs = other.declaration.segments;
    for (std::size_t i = 0; i < mine.size() && i < theirs.size(); ++i) {
        if (mine[i].parameter != theirs[i].parameter) {
            return !mine[i].parameter;
        }
    }
    return false;
}

RouteAnswer RouteAnswer::json(int status, const nlohmann::json& body) {
    RouteAnswer answer;
    answer.status = status;
    answer.headers = {{"Content-Type", "application/json"}};
    answer.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return answer;
}

std::optional<mvi_http_method> routeMethodNamed(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, mvi_http_method>, 4> kMethods{
        {{"GET", MVI_METHOD_GET},
         {"POST", MVI_METHOD_POST},
         {"PUT", MVI_METHOD_PUT},
         {"DELETE", MVI_METHOD_DELETE}}};
    for (const auto& [text, method] : kMethods) {
        if (text == name) {
            return method;
        }
    }
    return std::nullopt;
}

std::optional<std::string> answerHeaderProblem(std::string_view name, std::string_view value) {
    if (name.empty() || name.size() + value.size() > limits::kMaxAnswerHeaderBytes) {
        return fmt::format("a header name must not be empty, and a header at most {} bytes",
                           limits::kMaxAnswerHeaderBytes);
    }
    // RFC 9110 token characters.
    constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";
    for (const char c : name) {
        const bool alphanumeric =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alphanumeric && kTokenSymbols.find(c) == std::string_view::npos) {
            return fmt::format("header name '{}' is not an HTTP token", limits::shorten(name));
        }
    }
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7F) {
            return fmt::format("the value of header '{}' holds a control character",
                               limits::shorten(name));
        }
    }
    const std::string lower = Poco::toLower(std::string(name));
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
        return fmt::format("header '{}' is set by the host, not by a service", name);
    }
    return std::nullopt;
}

}  // namespace mvi::host
