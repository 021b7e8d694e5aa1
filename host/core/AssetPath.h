#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mvi::host {

/// The checks that keep a static file asked for over HTTP inside its folder.
class AssetPath {
  public:
    AssetPath() = delete;

    /// Why a request cannot name a file of an assets folder; nothing when it can. `rawTarget` is
    /// the request target as sent (before any decoding), `relative` the decoded path below the
    /// folder (its segments joined with `/`). Refused: an encoded slash or backslash (`%2F`,
    /// `%5C`) anywhere in the raw path, which would let one segment reach into another folder;
    /// a `.` or `..` segment; a NUL byte; an empty path.
    static std::optional<std::string> problem(std::string_view rawTarget,
                                              std::string_view relative);

    /// Whether `path` is `root` itself or lies below it. Both must be canonical (absolute, no
    /// `.`, `..` or symbolic link in them); the comparison is on whole segments, so `/a/bc` is not
    /// inside `/a/b`.
    static bool isInside(std::string_view root, std::string_view path);
};

}  // namespace mvi::host
