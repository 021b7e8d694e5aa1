// mvi/limits.hpp -- the bounds on what a service declares and on the environment a version is
// given, and how long a text is quoted.
//
// mvi-host refuses a registration that declares more than these allow (the version is then
// `failed` with a reason naming the limit), and the fake host of mvi/testing.hpp refuses the
// same declarations, so a unit test finds the problem before a deployment does. The bounds are
// generous for real services; they exist so that no declaration can make the host keep, send or
// print an unbounded amount of text.
//
// shorten() is how the host and the SDK quote a text they did not write (a name from a request,
// a plugin's error message) in an error detail or a log line: at most a fixed number of bytes,
// cut on a UTF-8 character boundary and marked with an ellipsis.
//
// Header-only and self-contained (the standard library only); everything may be used from any
// thread.
#ifndef MVI_LIMITS_HPP
#define MVI_LIMITS_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace mvi::limits {

/// The longest service, entrypoint, parameter, argument, timer or monitoring variable name, in
/// bytes.
inline constexpr std::size_t kMaxNameBytes = 128;

/// The most entrypoints one service declares.
inline constexpr std::size_t kMaxEntrypoints = 1024;

/// The most routes one service declares (ABI 1.5).
inline constexpr std::size_t kMaxRoutes = 256;

/// The most segments of a route's path, and its longest text.
inline constexpr std::size_t kMaxRouteSegments = 16;
inline constexpr std::size_t kMaxRoutePathBytes = 1024;

/// The most headers a route's answer carries, and the most bytes of one header's name and value.
inline constexpr std::size_t kMaxAnswerHeaders = 64;
inline constexpr std::size_t kMaxAnswerHeaderBytes = 8 * 1024;

/// The most runtime parameters one service declares.
inline constexpr std::size_t kMaxParameters = 1024;

/// The most arguments one entrypoint declares.
inline constexpr std::size_t kMaxArguments = 256;

/// The longest entrypoint description, in bytes (16 KiB).
inline constexpr std::size_t kMaxDescriptionBytes = 16 * 1024;

/// The longest JSON text of one declared schema: an entrypoint's arguments declaration, its
/// result schema, a parameter's schema (256 KiB each).
inline constexpr std::size_t kMaxSchemaBytes = 256 * 1024;

/// The longest JSON text of a parameter's initial value (1 MiB).
inline constexpr std::size_t kMaxInitialValueBytes = 1024 * 1024;

/// The deepest nesting of arrays and objects in a declared JSON text (schemas, initial values).
inline constexpr std::size_t kMaxDeclarationDepth = 64;

/// The most bytes of a name or value quoted in an error detail or a log line.
inline constexpr std::size_t kMaxQuotedBytes = 256;

/// The most bytes of a reason kept and shown for a version that failed (registration and
/// loading errors).
inline constexpr std::size_t kMaxReasonBytes = 4096;

/// The most environment variables one deployed version is given (`mvi deploy -e`, the
/// `environment` of an upload's `run_args`).
inline constexpr std::size_t kMaxEnvironmentVariables = 256;

/// The longest name of an environment variable, in bytes.
inline constexpr std::size_t kMaxEnvironmentNameBytes = 256;

/// The longest value of an environment variable, in bytes (16 KiB).
inline constexpr std::size_t kMaxEnvironmentValueBytes = 16 * 1024;

/// The longest `run_args` form field of an upload, in bytes (256 KiB): the JSON text that
/// carries a version's environment.
inline constexpr std::size_t kMaxRunArgsBytes = 256 * 1024;

/// Returns `text` when it is at most `max_bytes` long. A longer text is cut on a UTF-8 character
/// boundary and ends with "…" (U+2026, 3 bytes); the result is then at most `max_bytes` long
/// (given `max_bytes` >= 3).
inline std::string shorten(std::string_view text, std::size_t max_bytes = kMaxQuotedBytes) {
    constexpr std::string_view ellipsis = "\xE2\x80\xA6";
    if (text.size() <= max_bytes) {
        return std::string(text);
    }
    std::size_t keep = max_bytes > ellipsis.size() ? max_bytes - ellipsis.size() : 0;
    // A byte 10xxxxxx continues the character before it: cut before that character starts.
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0u) == 0x80u) {
        --keep;
    }
    std::string result(text.substr(0, keep));
    result += ellipsis;
    return result;
}

/// The deepest nesting of arrays and objects in JSON text `text` (0 for a scalar), read without
/// parsing: brackets inside strings do not count. Meant for text that is checked for being
/// valid JSON as well; for other text it is only an estimate.
inline std::size_t json_depth(std::string_view text) noexcept {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) {
                deepest = depth;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

}  // namespace mvi::limits

#endif  // MVI_LIMITS_HPP
