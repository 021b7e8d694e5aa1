#pragma once

#include <Poco/Timestamp.h>

#include <cstddef>
#include <optional>

namespace mvi::host {

/// Which lines of a version's log to read. With both set: the last `tail` of the lines written
/// at or after `since`. With neither: every stored line.
struct LogQuery {
    /// At most this many lines, the newest ones.
    std::optional<std::size_t> tail;
    /// Only lines written at or after this time.
    std::optional<Poco::Timestamp> since;
};

}  // namespace mvi::host
