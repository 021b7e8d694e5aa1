#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mvi::host {

struct RouteRequest;

/// The host's routes as data: one row per `{method, path pattern}`, each with who may call it and
/// the handler that serves it. A request is matched once against the whole table, which decides
/// 404 (no pattern matches the path) and 405 (the path matches, the method does not; `Allow`
/// lists the methods the path has) before any handler runs.
///
/// A pattern is a path of segments, each literal (`~logs`) or a named parameter (`{svc}`); the
/// last one may be a rest parameter (`{path...}`), which matches one or more segments and whose
/// value is those segments joined with `/`. Matching compares decoded segments, so empty
/// segments and a trailing slash do not count. A parameter never matches a segment starting with
/// `~` (nor does a rest parameter match a path with such a segment): those names belong to the
/// host. When several patterns match a path, the one whose first differing segment is the more
/// specific wins (a literal before a parameter before a rest parameter:
/// `/services/{svc}/openapi.json` before `/services/{svc}/{entrypoint}` before
/// `/services/{svc}/{path...}`), and only its methods count: a method it lacks is 405 even if a
/// less specific pattern has it.
///
/// Built once, then only read: matching is thread-safe. A `Route` pointer from `match` stays
/// valid while the table lives and no row is added.
class RouteTable {
  public:
    /// Makes the handler of one request that matched a row; Poco's server owns and deletes it.
    using Factory = std::function<Poco::Net::HTTPRequestHandler*(const RouteRequest&)>;

    /// The values of a pattern's named segments, by name.
    using Parameters = std::map<std::string, std::string>;

    /// Who may call a route when auth is on, and whether its handler learns who calls.
    enum class Access {
        /// Only with a valid token.
        Token,
        /// Also without a token (liveness, readiness, version, login).
        Public,
        /// Only with a valid token; with auth off too, the token presented (if any) is checked
        /// and handed to the handler (the `/auth/...` routes say who is logged in with it).
        Caller,
    };

    struct Route {
        std::string method;
        std::string pattern;
        Access access;
        Factory factory;
    };

    struct Match {
        /// The row of the path and method; null for 404 (no path) and 405 (no such method).
        const Route* route = nullptr;
        /// Whether a pattern matched the path (so a null `route` is a 405).
        bool pathFound = false;
        /// The methods of the matched pattern in the order they were added, comma-separated:
        /// the `Allow` header of a 405.
        std::string allowed;
        /// The named segments of the matched pattern.
        Parameters parameters;

        /// Whether the request may be served (or refused with 404/405) without a token: its row is
        /// Public, or, for a 405, every row of its path is.
        bool isPublic() const { return isPublic_; }

      private:
        friend class RouteTable;
        bool isPublic_ = false;
    };

    /// Adds a row. Throws std::invalid_argument for a pattern that does not start with `/`, has an
    /// empty or unterminated parameter name, a parameter named twice, a rest parameter that is not
    /// the last segment, or that repeats a row (same
    /// method, same pattern up to parameter names) or another pattern's shape under other
    /// parameter names.
    void add(const std::string& method, const std::string& pattern, Access access, Factory factory);

    /// Matches a request's method and decoded path (see `segments`).
    Match match(const std::string& method, const std::vector<std::string>& segments) const;

    /// The non-empty segments of a decoded path: `//services/hello/` gives `services`, `hello`.
    static std::vector<std::string> segments(const std::string& path);

  private:
    /// How a segment of a pattern matches, from the most specific.
    enum class Kind { Literal, Parameter, Rest };

    struct Segment {
        /// The literal text, or the parameter's name.
        std::string text;
        Kind kind = Kind::Literal;
    };

    /// One pattern and its rows, in the order they were added.
    struct Path {
        std::vector<Segment> segments;
        std::vector<Route> routes;

        bool endsWithRest() const {
            return !segments.empty() && segments.back().kind == Kind::Rest;
        }
    };

    static bool matches(const Path& path, const std::vector<std::string>& segments);
    /// Whether `a` is more specific than `b` (both match the same path).
    static bool moreSpecific(const Path& a, const Path& b);

    std::vector<Path> paths_;
};

}  // namespace mvi::host
