#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mvi::host {

/// Reads JSON text that comes from outside the host's own code: request bodies, query values
/// and what services hand over. Nesting is bounded while parsing, so a value deeper than the
/// limit is never built (what the host later does with a value, dumping, copying, validating,
/// recurses once per level). Numbers must fit a double, strings must be valid UTF-8.
class JsonInput {
  public:
    /// What was wrong with the text.
    enum class Problem {
        /// Not JSON (a syntax error).
        Syntax,
        /// Arrays and objects nested deeper than the limit.
        TooDeep,
        /// A number beyond the range of a double (`1e400`).
        NumberOverflow,
        /// A string that is not valid UTF-8.
        InvalidUtf8,
    };

    /// Why a text was refused. `what()` is a short message for the sender (never the offending
    /// text itself, always valid UTF-8).
    class Error : public std::runtime_error {
      public:
        Error(Problem problem, const std::string& message, nlohmann::json path, std::size_t byte)
            : std::runtime_error(message), problem_(problem), path_(std::move(path)), byte_(byte) {}

        Problem problem() const { return problem_; }

        /// Object keys and array indexes leading from the top value to the value at fault, as
        /// far as known (a JSON array; empty when the top value itself is at fault or the place
        /// is unknown).
        const nlohmann::json& path() const { return path_; }

        /// Byte offset in the text where parsing stopped (0 when unknown).
        std::size_t byte() const { return byte_; }

      private:
        Problem problem_;
        nlohmann::json path_;
        std::size_t byte_;
    };

    /// Parses `text`, allowing at most `maxDepth` arrays and objects nested in one another
    /// (`[]` is one level, a number none). Throws Error; parsing stops at the first array or
    /// object past the limit, so the time taken is bounded by the text's length.
    static nlohmann::json parse(std::string_view text, std::size_t maxDepth);

    /// Whether `text` is valid UTF-8.
    static bool isValidUtf8(std::string_view text);

    /// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD, for messages
    /// that quote what a client sent.
    static std::string withValidUtf8(std::string_view text);
};

}  // namespace mvi::host
