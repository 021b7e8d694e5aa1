// mvi/route.hpp -- a service's own routes (ABI 1.5): any method, raw bodies, own status,
// headers and content types.
//
//     service.route(mvi::Method::Put, "/images/{id}", [](const mvi::Request& request) {
//         save(request.param("id"), request.body);
//         return mvi::Response::text("stored\n").with_status(201);
//     });
//
// The route answers `PUT /services/<svc>/images/7`. Included by mvi/service.hpp; declare routes
// with Service::route inside the MVI_SERVICE body.
#ifndef MVI_ROUTE_HPP
#define MVI_ROUTE_HPP

#include <mvi/plugin.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mvi {

/// The HTTP method an entrypoint (Post or Get) or a route (any of them) is called with.
enum class Method : std::int32_t {
    Post = MVI_METHOD_POST,     ///< Entrypoint arguments come from the JSON body (the default).
    Get = MVI_METHOD_GET,       ///< Entrypoint arguments come from the query string.
    Put = MVI_METHOD_PUT,       ///< Routes only.
    Delete = MVI_METHOD_DELETE  ///< Routes only.
};

/// Named text values in order (headers, path parameters).
using Fields = std::vector<std::pair<std::string, std::string>>;

namespace detail {

/// Whether `a` and `b` are equal ignoring ASCII case.
inline bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        x = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
        y = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

/// The value of hex digit `c`, or -1.
inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// Decodes one query component (`+` is a space, `%XX` a byte; a malformed escape stays as it is).
inline std::string decode_query_component(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace detail

/// One request to a route: everything the HTTP request carried.
struct Request {
    Method method = Method::Get;
    /// The path below the service, decoded: `/images/7`.
    std::string path;
    /// The values of the route's `{name}` segments, in order.
    Fields path_parameters;
    /// The raw query string, without `?` (still percent-encoded).
    std::string query;
    /// The headers as the client sent them.
    Fields headers;
    /// The body's bytes.
    std::string body;

    /// The value of path parameter `name`; an empty string when the route has none.
    const std::string& param(std::string_view name) const {
        static const std::string none;
        for (const auto& [key, value] : path_parameters) {
            if (key == name) {
                return value;
            }
        }
        return none;
    }

    /// The first header `name` (any case), or std::nullopt.
    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (detail::iequal(key, name)) {
                return value;
            }
        }
        return std::nullopt;
    }

    /// The decoded value of the first query parameter `name`, or std::nullopt.
    std::optional<std::string> query_value(std::string_view name) const {
        std::string_view rest = query;
        while (!rest.empty()) {
            const std::size_t end = rest.find('&');
            const std::string_view pair = rest.substr(0, end);
            const std::size_t equals = pair.find('=');
            if (detail::decode_query_component(pair.substr(0, equals)) == name) {
                return equals == std::string_view::npos
                           ? std::string()
                           : detail::decode_query_component(pair.substr(equals + 1));
            }
            if (end == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(end + 1);
        }
        return std::nullopt;
    }
};

/// What a route answers: a status (200..599), headers and the body's bytes. Without a
/// `Content-Type` header the host sends `application/octet-stream`. `Content-Length`,
/// `Transfer-Encoding` and `Connection` are the host's: an answer carrying one, or a malformed
/// header or status, is replaced by the host's 500.
struct Response {
    int status = 200;
    Fields headers;
    std::string body;

    /// A text answer (`text/plain; charset=utf-8` unless `content_type` says otherwise).
    static Response text(std::string body, std::string content_type = "text/plain; charset=utf-8") {
        return Response{200, {{"Content-Type", std::move(content_type)}}, std::move(body)};
    }

    /// A JSON answer.
    static Response json(const nlohmann::json& value) {
        return Response{200,
                        {{"Content-Type", "application/json"}},
                        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }

    /// This answer with status `code`.
    Response&& with_status(int code) && {
        status = code;
        return std::move(*this);
    }

    /// This answer with header `name: value` added.
    Response&& with_header(std::string name, std::string value) && {
        headers.emplace_back(std::move(name), std::move(value));
        return std::move(*this);
    }
};

}  // namespace mvi

#endif  // MVI_ROUTE_HPP
