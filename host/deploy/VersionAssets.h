#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ServiceId.h"

namespace mvi::host {

/// The static files shipped with a version: the folder `<name>_<version>/assets/` next to
/// `<name>_<version>.so` in the plugins folder, made by a `.tar.gz` deploy holding `assets/` or
/// by hand. The plugins folder's watcher never looks inside a folder, so nothing in it is taken
/// for a plugin.
class VersionAssets {
  public:
    VersionAssets() = delete;

    /// The folder of `id`'s own files in `pluginsDir`: `<pluginsDir>/<name>_<version>`.
    static std::string versionFolder(const std::string& pluginsDir, const ServiceId& id);

    /// The assets folder of the build loaded from `pluginFile` (`<dir>/<name>_<version>.so`):
    /// `<dir>/<name>_<version>/assets`. Empty when `pluginFile` does not end in `.so`.
    static std::string besidePlugin(const std::string& pluginFile);

    /// Whether `assetsFolder` exists and is a folder (a symbolic link to one counts).
    static bool exists(const std::string& assetsFolder);

    /// One file opened for serving.
    struct File {
        /// Reads the file from its start; owns the descriptor.
        std::unique_ptr<std::istream> stream;
        std::uint64_t size = 0;
        /// Last modification, seconds and nanoseconds since the epoch.
        std::int64_t modifiedSeconds = 0;
        std::int64_t modifiedNanoseconds = 0;
        std::uint64_t inode = 0;
    };

    /// Opens the regular file `relative` (already checked by `AssetPath::problem`) below
    /// `assetsFolder`. The file is opened once; what was opened (after any symbolic link) must
    /// then lie inside the folder's canonical path, so a link leading out of the folder, or a
    /// folder swapped for a link meanwhile, is never served. Nothing when the folder or the file
    /// is missing, the file is not a regular file (a folder, a FIFO) or lies outside.
    static std::optional<File> open(const std::string& assetsFolder, const std::string& relative);

    /// A fresh hidden name in `pluginsDir` to unpack `id`'s folder under before it is renamed
    /// into place: `<pluginsDir>/.<name>_<version>.assets-<uuid>`.
    static std::string stagingFolder(const std::string& pluginsDir, const ServiceId& id);

    /// Removes `id`'s folder from `pluginsDir`, if there is one: it is renamed to a hidden name
    /// first (so it disappears at once, whole), then deleted. Returns false when it is still
    /// there.
    static bool remove(const std::string& pluginsDir, const ServiceId& id);

    /// Deletes the hidden folders that an unpacking or a removal cut short (by a crash) left in
    /// `pluginsDir`; returns their names. Nothing else is touched.
    static std::vector<std::string> removeLeftovers(const std::string& pluginsDir);
};

}  // namespace mvi::host
