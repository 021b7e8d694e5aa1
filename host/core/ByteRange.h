#pragma once

#include <cstdint>
#include <string_view>

namespace mvi::host {

/// What a request's `Range` header asks of a file of a known size (RFC 9110, section 14).
///
/// Only the `bytes` unit and a single range are served: `a-b`, `a-` (from `a` to the end) and
/// `-n` (the last `n` bytes). A header that is not a valid `bytes` range set, or names another
/// unit, is ignored (the whole file), as the RFC asks. Several ranges are answered with the
/// whole file too (the RFC allows it), so no multipart answer is ever built.
struct ByteRange {
    enum class Kind {
        /// Serve the whole file (no header, one to ignore, or several ranges).
        Whole,
        /// Serve bytes `first` to `last` (both included) with 206.
        Single,
        /// The one range asked for starts past the end: 416.
        Unsatisfiable,
    };

    Kind kind = Kind::Whole;
    std::uint64_t first = 0;
    std::uint64_t last = 0;

    /// The number of bytes of a Single range.
    std::uint64_t length() const { return last - first + 1; }

    /// Reads `header` (the value of `Range`, empty when absent) for a file of `size` bytes.
    static ByteRange parse(std::string_view header, std::uint64_t size);
};

}  // namespace mvi::host
