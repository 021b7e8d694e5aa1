// mvi/registration.hpp -- the checks every declaration a plugin makes must pass.
//
// mvi-host runs these checks on each mvi_host_api.add_entrypoint and add_parameter call, and the
// fake host of mvi/testing.hpp runs the very same code, so a service under unit test is accepted
// or refused exactly as the server accepts or refuses it, with the same status and reason:
//
//   - the declaration's size: at least the ABI 1.0 size of its struct; a field added in a later
//     minor is read only when the size covers it and the plugin reported that minor (see the
//     policy at the top of mvi/plugin.h), otherwise it takes its default;
//   - names: lowercase letters, digits and underscores, not starting with a digit;
//   - the bounds of mvi/limits.hpp (name and text lengths, JSON nesting, how many entrypoints and
//     parameters a service declares);
//   - handler, method and deadline of an entrypoint; arguments and schemas in the subset of
//     mvi/validation.hpp; a parameter's initial value against its schema;
//   - a name declared twice (declared_twice(), once the caller found the name taken).
//
// A refusal carries the status the plugin receives and a reason; the host keeps the first
// kKeptProblems reasons of a registration and shows them as the version's reason
// (failure_reason()).
//
// Header-only (C++17, every function inline); needs nlohmann_json and fmt. Every function is
// stateless and may be called from any thread.
#ifndef MVI_REGISTRATION_HPP
#define MVI_REGISTRATION_HPP

#include <mvi/plugin.h>
#include <mvi/limits.hpp>
#include <mvi/validation.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mvi::registration {

/// The longest deadline an entrypoint may declare, in seconds (one day).
inline constexpr double kMaxTimeoutSeconds = 86400;

/// The most refused declarations one registration keeps (the version's reason lists them).
inline constexpr std::size_t kKeptProblems = 16;

/// Why a declaration was refused: the status handed back to the plugin and a reason for the
/// version's error (never longer than a few hundred bytes: quoted names are shortened).
struct Refusal {
    mvi_status status = MVI_ERROR;  ///< MVI_INVALID_ARGUMENT, MVI_TYPE_MISMATCH, ...
    std::string reason;             ///< E.g. "entrypoint 'x' has no handler".
};

/// An entrypoint declaration that passed the checks, copied out of the plugin's struct.
struct EntrypointDeclaration {
    std::string name;                  ///< Route segment.
    mvi_http_method method;            ///< MVI_METHOD_POST or MVI_METHOD_GET.
    nlohmann::json arguments;          ///< Array of {"name", "schema", "required"}.
    nlohmann::json result_schema;      ///< Schema of the result ({} when none was given).
    std::string description;           ///< Description for the docs.
    mvi_plugin_entrypoint_fn handler;  ///< The C handler (not NULL).
    mvi_plugin_userdata* userdata;     ///< Passed back to the handler.
    bool monitor = false;              ///< 1.1: successful calls are stored as monitoring values.
    double timeout_seconds = 0;        ///< 1.2: the call's deadline; 0: the host's default.
    bool strict_arguments = false;     ///< 1.3: undeclared arguments are refused, not ignored.
};

/// One segment of a route's path: literal text or a `{name}` parameter.
struct RouteSegment {
    std::string text;        ///< The literal text, or the parameter's name.
    bool parameter = false;  ///< Whether it is a parameter.
};

/// A route declaration that passed the checks, copied out of the plugin's struct.
struct RouteDeclaration {
    mvi_http_method method;              ///< GET, POST, PUT or DELETE.
    std::string path;                    ///< As declared: `/images/{id}`.
    std::vector<RouteSegment> segments;  ///< Its segments (at least one, the first literal).
    std::string description;             ///< Description for the docs.
    std::string content_type;            ///< Declared answer content type (may be empty).
    mvi_plugin_route_fn handler;         ///< The C handler (not NULL).
    mvi_plugin_userdata* userdata;       ///< Passed back to the handler.
    double timeout_seconds = 0;          ///< The call's deadline; 0: the host's default.

    /// The path with every parameter written `{}`: two routes of one method with the same shape
    /// are the same route.
    std::string shape() const {
        std::string result;
        for (const RouteSegment& segment : segments) {
            result += segment.parameter ? "/{}" : "/" + segment.text;
        }
        return result;
    }
};

/// The name of a method of a route ("GET"); "?" for an unknown one.
inline const char* method_name(mvi_http_method method) noexcept {
    switch (method) {
        case MVI_METHOD_GET:
            return "GET";
        case MVI_METHOD_POST:
            return "POST";
        case MVI_METHOD_PUT:
            return "PUT";
        case MVI_METHOD_DELETE:
            return "DELETE";
        default:
            return "?";
    }
}

/// A parameter declaration that passed the checks, copied out of the plugin's struct.
struct ParameterDeclaration {
    std::string name;              ///< Parameter name.
    nlohmann::json initial_value;  ///< Matches `schema`.
    nlohmann::json schema;         ///< The declared schema ({} when none was given).
    bool exposed = true;           ///< Settable over HTTP.
    bool monitor = false;          ///< 1.1: every value it takes is stored.
};

/// The result of a check: the declaration, or why it was refused.
template <class Declaration>
struct Checked {
    std::optional<Declaration> declaration;  ///< Set when the declaration was accepted.
    Refusal refusal;                         ///< Why not, when `declaration` is empty.
};

/// What the checks need to know about the registration a declaration belongs to.
struct Registration {
    /// The ABI minor the plugin reported (mvi_plugin_abi_version): fields added in a later minor
    /// are not read from its declarations.
    std::uint32_t abi_minor = MVI_ABI_VERSION_MINOR;
    /// How many entrypoints were accepted so far.
    std::size_t entrypoints = 0;
    /// How many parameters were accepted so far.
    std::size_t parameters = 0;
    /// How many routes were accepted so far.
    std::size_t routes = 0;
};

/// Checks entrypoint declaration `decl` (which may be NULL) of `registration`. A name that is
/// taken already is not detected here: see declared_twice().
inline Checked<EntrypointDeclaration> check_entrypoint(const mvi_entrypoint_decl* decl,
                                                       const Registration& registration);

/// Checks parameter declaration `decl` (which may be NULL) of `registration`. A name that is
/// taken already is not detected here: see declared_twice().
inline Checked<ParameterDeclaration> check_parameter(const mvi_parameter_decl* decl,
                                                     const Registration& registration);

/// Checks route declaration `decl` (which may be NULL) of `registration`. A route declared
/// twice, or one whose path is an entrypoint's, is not detected here: see route_taken().
inline Checked<RouteDeclaration> check_route(const mvi_route_decl* decl,
                                             const Registration& registration);

/// The refusal of route `route` because `what` ("route GET /x", "entrypoint 'x'") has its
/// method and path.
inline Refusal route_taken(const RouteDeclaration& route, std::string_view what);

/// The refusal of a declaration whose name (`kind`: "entrypoint" or "parameter") is taken.
inline Refusal declared_twice(std::string_view kind, std::string_view name);

/// The reason a version fails after its plugin's registration returned `status`, given what the
/// plugin said through registration_error (`plugin_error`) and the reasons of the declarations
/// that were refused (`problems`, at most kKeptProblems); std::nullopt when the version is
/// accepted (MVI_OK and nothing refused).
inline std::optional<std::string> failure_reason(mvi_status status, std::string_view plugin_error,
                                                 const std::vector<std::string>& problems);

namespace detail {

inline std::string_view view(mvi_str text) noexcept {
    return text.data == nullptr ? std::string_view() : std::string_view(text.data, text.size);
}

/// Whether a plugin of ABI minor `abi_minor` filled a field added in minor `since` that its
/// declaration's size `covered`.
inline bool has_field(bool covered, std::uint32_t abi_minor, std::uint32_t since) noexcept {
    return covered && abi_minor >= since;
}

/// Whether `name` is a valid entrypoint or parameter name (its length is checked apart).
inline bool is_member_name(std::string_view name) noexcept {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

// Refuses `name` (of a `kind`: "entrypoint", "parameter") unless it is a valid name no longer
// than a name may be.
inline void require_name(std::string_view kind, std::string_view name) {
    if (name.size() > limits::kMaxNameBytes) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} name '{}' is {} bytes long, more than the {} allowed", kind,
                                  limits::shorten(name), name.size(), limits::kMaxNameBytes)};
    }
    if (!is_member_name(name)) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} name '{}' is invalid (lowercase letters, digits and "
                                  "underscores, not starting with a digit)",
                                  kind, limits::shorten(name))};
    }
}

// Refuses text `text` (`what` names it, e.g. "entrypoint 'x': description") when it is longer
// than `max_bytes`.
inline void require_size(const std::string& what, mvi_str text, std::size_t max_bytes) {
    if (text.size > max_bytes) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {} bytes, more than the {} allowed",
                                                        what, text.size, max_bytes)};
    }
}

// Parses declared JSON text (an empty text gives `empty` when there is one), refusing text that
// is longer than `max_bytes`, nested deeper than the declaration limit or not JSON (numbers
// beyond a double and strings that are not UTF-8 are not JSON either).
inline nlohmann::json parse_declared(const std::string& what, mvi_str text, std::size_t max_bytes,
                                     std::optional<nlohmann::json> empty = std::nullopt) {
    require_size(what, text, max_bytes);
    if (text.size == 0 && empty) {
        return *empty;
    }
    const std::string_view source = view(text);
    const std::size_t depth = limits::json_depth(source);
    if (depth > limits::kMaxDeclarationDepth) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: nested {} levels deep, more than the {} allowed", what,
                                  depth, limits::kMaxDeclarationDepth)};
    }
    // The depth is bounded above, so the parser's recursion is too.
    nlohmann::json value = nlohmann::json::parse(source.begin(), source.end(), nullptr, false);
    if (value.is_discarded()) {
        throw Refusal{MVI_INVALID_ARGUMENT, what + ": not valid JSON"};
    }
    return value;
}

// Refuses a schema outside the supported subset.
inline void require_schema(const std::string& what, const nlohmann::json& schema) {
    if (auto problem = validation::check_schema(schema)) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {}", what, *problem)};
    }
}

// Refuses a deadline (of `quoted`) that is not a finite number of seconds from 0 to
// kMaxTimeoutSeconds; returns it.
inline double require_timeout(double seconds, const std::string& quoted) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxTimeoutSeconds) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: timeout_seconds must be a number of seconds from 0 (the "
                                  "host's default) to {:g}, not {}",
                                  quoted, kMaxTimeoutSeconds, seconds)};
    }
    return seconds;
}

// The deadline `decl` declares (0: the host's default; a plugin before ABI 1.2 declares none).
inline double declared_timeout(const mvi_entrypoint_decl& decl, const Registration& registration,
                               const std::string& quoted) {
    if (!has_field(MVI_HAS_FIELD(mvi_entrypoint_decl, &decl, timeout_seconds),
                   registration.abi_minor, 2)) {
        return 0;
    }
    return require_timeout(decl.timeout_seconds, quoted);
}

inline EntrypointDeclaration entrypoint(const mvi_entrypoint_decl& decl,
                                        const Registration& registration) {
    const std::string_view raw_name = view(decl.name);
    require_name("entrypoint", raw_name);
    std::string name(raw_name);
    const std::string quoted = fmt::format("entrypoint '{}'", name);
    if (registration.entrypoints >= limits::kMaxEntrypoints) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: a service declares at most {} entrypoints", quoted,
                                  limits::kMaxEntrypoints)};
    }
    if (decl.handler == nullptr) {
        throw Refusal{MVI_INVALID_ARGUMENT, quoted + " has no handler"};
    }
    if (decl.method != MVI_METHOD_POST && decl.method != MVI_METHOD_GET) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} has unknown method {}", quoted, decl.method)};
    }
    nlohmann::json arguments =
        parse_declared(quoted + ": arguments", decl.arguments, limits::kMaxSchemaBytes);
    if (auto problem = validation::check_arguments(arguments)) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {}", quoted, *problem)};
    }
    nlohmann::json result_schema =
        parse_declared(quoted + ": result schema", decl.result_schema, limits::kMaxSchemaBytes,
                       nlohmann::json::object());
    require_schema(quoted + ": result schema", result_schema);
    require_size(quoted + ": description", decl.description, limits::kMaxDescriptionBytes);

    EntrypointDeclaration result{std::move(name),
                                 decl.method,
                                 std::move(arguments),
                                 std::move(result_schema),
                                 std::string(view(decl.description)),
                                 decl.handler,
                                 decl.userdata};
    result.monitor =
        has_field(MVI_HAS_FIELD(mvi_entrypoint_decl, &decl, monitor), registration.abi_minor, 1) &&
        decl.monitor;
    result.timeout_seconds = declared_timeout(decl, registration, quoted);
    result.strict_arguments = has_field(MVI_HAS_FIELD(mvi_entrypoint_decl, &decl, strict_arguments),
                                        registration.abi_minor, 3) &&
                              decl.strict_arguments;
    return result;
}

inline ParameterDeclaration parameter(const mvi_parameter_decl& decl,
                                      const Registration& registration) {
    const std::string_view raw_name = view(decl.name);
    require_name("parameter", raw_name);
    std::string name(raw_name);
    const std::string quoted = fmt::format("parameter '{}'", name);
    if (registration.parameters >= limits::kMaxParameters) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: a service declares at most {} parameters", quoted,
                                  limits::kMaxParameters)};
    }
    nlohmann::json value = parse_declared(quoted + ": initial value", decl.initial_value,
                                          limits::kMaxInitialValueBytes);
    nlohmann::json schema = parse_declared(quoted + ": schema", decl.schema,
                                           limits::kMaxSchemaBytes, nlohmann::json::object());
    require_schema(quoted + ": schema", schema);
    std::vector<validation::ValidationError> errors;
    validation::validate(schema, value, nlohmann::json::array({"value"}), errors);
    if (!errors.empty()) {
        throw Refusal{MVI_TYPE_MISMATCH,
                      fmt::format("{}: initial value does not match its schema: {}", quoted,
                                  errors.front().msg)};
    }
    const bool monitor =
        has_field(MVI_HAS_FIELD(mvi_parameter_decl, &decl, monitor), registration.abi_minor, 1) &&
        decl.monitor;
    return {std::move(name), std::move(value), std::move(schema), decl.exposed, monitor};
}

/// The segments of route path `path`, or the reason it is refused.
inline std::vector<RouteSegment> route_segments(std::string_view path, const std::string& quoted) {
    auto refuse = [&quoted](const std::string& why) {
        return Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {}", quoted, why)};
    };
    if (path.size() > limits::kMaxRoutePathBytes) {
        throw refuse(fmt::format("the path is longer than {} bytes", limits::kMaxRoutePathBytes));
    }
    if (path.empty() || path.front() != '/') {
        throw refuse("the path must start with /");
    }
    std::vector<RouteSegment> segments;
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        const std::string_view text = path.substr(start, end - start);
        if (text.empty()) {
            throw refuse("the path has an empty segment");
        }
        if (text.front() == '{') {
            if (text.size() < 3 || text.back() != '}' ||
                !is_member_name(text.substr(1, text.size() - 2))) {
                throw refuse(
                    fmt::format("'{}' is not a parameter: {{name}} with a name of "
                                "lowercase letters, digits and underscores",
                                limits::shorten(text)));
            }
            const std::string name(text.substr(1, text.size() - 2));
            for (const RouteSegment& other : segments) {
                if (other.parameter && other.text == name) {
                    throw refuse(fmt::format("parameter '{}' is named twice", name));
                }
            }
            segments.push_back({name, true});
        } else {
            for (const char c : text) {
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.')) {
                    throw refuse(
                        fmt::format("segment '{}' may hold only letters, digits, '-', "
                                    "'_' and '.'",
                                    limits::shorten(text)));
                }
            }
            if (text == "." || text == "..") {
                throw refuse("a segment must not be . or ..");
            }
            segments.push_back({std::string(text), false});
        }
        start = end + 1;
    }
    if (segments.size() > limits::kMaxRouteSegments) {
        throw refuse(fmt::format("the path has more than {} segments", limits::kMaxRouteSegments));
    }
    const RouteSegment& first = segments.front();
    if (first.parameter) {
        throw refuse(
            "the first segment must be literal (a parameter there would take the "
            "names of entrypoints and of the host's own routes)");
    }
    if (first.text == "docs" || first.text == "openapi.json" || first.text == "static") {
        throw refuse(
            fmt::format("/{} belongs to the host (the API docs, the OpenAPI document "
                        "and static files of the version)",
                        first.text));
    }
    return segments;
}

inline RouteDeclaration route(const mvi_route_decl& decl, const Registration& registration) {
    const std::string_view path = view(decl.path);
    const std::string quoted =
        fmt::format("route {} {}", method_name(decl.method), limits::shorten(path));
    if (registration.routes >= limits::kMaxRoutes) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: a service declares at most {} routes",
                                                        quoted, limits::kMaxRoutes)};
    }
    if (decl.method != MVI_METHOD_GET && decl.method != MVI_METHOD_POST &&
        decl.method != MVI_METHOD_PUT && decl.method != MVI_METHOD_DELETE) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} has unknown method {}", quoted, decl.method)};
    }
    if (decl.handler == nullptr) {
        throw Refusal{MVI_INVALID_ARGUMENT, quoted + " has no handler"};
    }
    std::vector<RouteSegment> segments = route_segments(path, quoted);
    require_size(quoted + ": description", decl.description, limits::kMaxDescriptionBytes);
    require_size(quoted + ": content type", decl.content_type, limits::kMaxNameBytes);
    const double seconds = require_timeout(decl.timeout_seconds, quoted);
    return {decl.method,
            std::string(path),
            std::move(segments),
            std::string(view(decl.description)),
            std::string(view(decl.content_type)),
            decl.handler,
            decl.userdata,
            seconds};
}

// Runs `check` and turns what it throws into the refusal of a Checked result.
template <class Declaration, class Check>
Checked<Declaration> checked(Check&& check) noexcept {
    try {
        try {
            return {check(), {}};
        } catch (Refusal& refusal) {
            return {std::nullopt, std::move(refusal)};
        } catch (const std::exception& error) {
            return {std::nullopt, {MVI_ERROR, error.what()}};
        }
    } catch (...) {
        // Out of memory while copying a reason: the status still refuses the declaration.
        return {std::nullopt, {MVI_ERROR, {}}};
    }
}

}  // namespace detail

inline Checked<EntrypointDeclaration> check_entrypoint(const mvi_entrypoint_decl* decl,
                                                       const Registration& registration) {
    if (decl == nullptr || !MVI_HAS_FIELD(mvi_entrypoint_decl, decl, userdata)) {
        return {std::nullopt,
                {MVI_INVALID_ARGUMENT, "entrypoint declaration is NULL or smaller than the ABI's"}};
    }
    return detail::checked<EntrypointDeclaration>(
        [&] { return detail::entrypoint(*decl, registration); });
}

inline Checked<ParameterDeclaration> check_parameter(const mvi_parameter_decl* decl,
                                                     const Registration& registration) {
    if (decl == nullptr || !MVI_HAS_FIELD(mvi_parameter_decl, decl, exposed)) {
        return {std::nullopt,
                {MVI_INVALID_ARGUMENT, "parameter declaration is NULL or smaller than the ABI's"}};
    }
    return detail::checked<ParameterDeclaration>(
        [&] { return detail::parameter(*decl, registration); });
}

inline Checked<RouteDeclaration> check_route(const mvi_route_decl* decl,
                                             const Registration& registration) {
    if (decl == nullptr || !MVI_HAS_FIELD(mvi_route_decl, decl, timeout_seconds)) {
        return {std::nullopt,
                {MVI_INVALID_ARGUMENT, "route declaration is NULL or smaller than the ABI's"}};
    }
    if (registration.abi_minor < 5) {
        return {std::nullopt,
                {MVI_INVALID_ARGUMENT, "routes need a plugin built for ABI 1.5 or later"}};
    }
    return detail::checked<RouteDeclaration>([&] { return detail::route(*decl, registration); });
}

inline Refusal route_taken(const RouteDeclaration& route, std::string_view what) {
    return {MVI_ALREADY_EXISTS, fmt::format("route {} {} is taken by {}", method_name(route.method),
                                            limits::shorten(route.path), what)};
}

inline Refusal declared_twice(std::string_view kind, std::string_view name) {
    return {MVI_ALREADY_EXISTS, fmt::format("{} '{}' is declared twice", kind, name)};
}

inline std::optional<std::string> failure_reason(mvi_status status, std::string_view plugin_error,
                                                 const std::vector<std::string>& problems) {
    if (status != MVI_OK) {
        // The plugin's message takes at most half a reason, so the host's own problem fits.
        std::string reason = plugin_error.empty()
                                 ? fmt::format("registration failed with status {}", status)
                                 : "registration failed: " +
                                       limits::shorten(plugin_error, limits::kMaxReasonBytes / 2);
        if (!problems.empty()) {
            reason += " (" + problems.front() + ")";
        }
        return reason;
    }
    if (problems.empty()) {
        return std::nullopt;
    }
    std::string reason = "invalid declaration: " + problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) {
        reason += "; " + problems[i];
    }
    return reason;
}

}  // namespace mvi::registration

#endif  // MVI_REGISTRATION_HPP
