#pragma once

#include <mvi/plugin.h>
#include <mvi/registration.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/StreamFeed.h"
#include "metrics/CallStats.h"

namespace mvi::host {

class ServiceVersion;

/// Named values in order: a route's path parameters, a request's or an answer's headers.
using Fields = std::vector<std::pair<std::string, std::string>>;

/// One route of a service as its plugin declared it (ABI 1.5): the service answers
/// `METHOD /services/<svc><path>` itself, with any status, headers and body.
struct ServiceRoute {
    registration::RouteDeclaration declaration;
    /// Requests, errors and latency of its calls (kept for `/metrics` and `GET /services/`).
    std::shared_ptr<CallStats> stats = std::make_shared<CallStats>();

    /// "GET", "POST", "PUT" or "DELETE".
    const char* method() const { return registration::method_name(declaration.method); }
    /// "GET /images/{id}".
    std::string describe() const;
    /// Whether its path matches the path `segments` (below the service, decoded); when it does
    /// and `parameters` is given, sets the values of its `{name}` segments there, in order.
    bool matches(const std::vector<std::string>& segments, Fields* parameters = nullptr) const;
    /// Whether its path is more specific than `other`'s (both match one path): the first segment
    /// where they differ is literal in this one.
    bool moreSpecificThan(const ServiceRoute& other) const;
};

/// One call of a route: what its HTTP request carried.
struct RouteCall {
    mvi_http_method method = MVI_METHOD_GET;
    /// The path below the service, decoded: `/images/7`.
    std::string path;
    /// Its segments: `images`, `7`.
    std::vector<std::string> segments;
    /// The values of the route's `{name}` segments.
    Fields parameters;
    /// The raw query string, without `?`.
    std::string query;
    Fields headers;
    std::string body;
};

/// What a route call was answered.
struct RouteAnswer {
    int status = 200;
    Fields headers;
    std::string body;
    /// A streamed answer: its body comes from this feed (and `body` is empty).
    std::shared_ptr<StreamFeed> stream;
    /// The call passed its deadline and the caller was answered already (504).
    bool answered = false;

    /// An answer with a JSON body (`application/json`).
    static RouteAnswer json(int status, const nlohmann::json& body);
};

/// The route method named `name` ("GET", "POST", "PUT", "DELETE"); nothing for another.
std::optional<mvi_http_method> routeMethodNamed(std::string_view name);

/// Why a service may not answer with header `name: value`: a name that is not an HTTP token, a
/// value with a control character other than tab, a header the host sets itself
/// (`Content-Length`, `Transfer-Encoding`, `Connection`), or one past the size bounds of
/// mvi/limits.hpp. Nothing when it may.
std::optional<std::string> answerHeaderProblem(std::string_view name, std::string_view value);

}  // namespace mvi::host

/// The host's side of the `mvi_stream` handle (ABI 1.6): a streamed answer's feed, owned by the
/// version whose route opened it.
struct mvi_stream {
    std::shared_ptr<mvi::host::StreamFeed> feed;
    mvi::host::ServiceVersion* version = nullptr;
};
