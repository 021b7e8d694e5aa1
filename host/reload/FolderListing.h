#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mvi::host {

/// Identity and content state of a plugin file, as far as the watcher's settle rules need it:
/// a file whose state is unchanged has not been written (or replaced) meanwhile.
struct PluginFileState {
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::timespec mtime{};

    bool operator==(const PluginFileState& other) const {
        return inode == other.inode && size == other.size && mtime.tv_sec == other.mtime.tv_sec &&
               mtime.tv_nsec == other.mtime.tv_nsec;
    }
    bool operator!=(const PluginFileState& other) const { return !(*this == other); }

    /// The state of the file at `path`, or nothing if it is missing or not a regular file.
    static std::optional<PluginFileState> of(const std::string& path);
};

/// The plugin files of a folder as one listing saw them: what the plugin watcher compares, one
/// listing with the next, when it watches a folder by polling (PluginWatcher, `Mode::Poll`).
///
/// Only names that `isPluginFileName` accepts are listed, and only regular files (a link is
/// followed). A listing also knows which folder it read (device and inode), so that a folder
/// replaced by another of the same path is told apart from the one listed before.
class FolderListing {
  public:
    /// What changed from one listing to the next.
    struct Difference {
        /// Files that are new or whose state changed (written, or replaced by another file).
        std::vector<std::string> changed;
        /// Files that are gone (deleted, renamed away, or no longer regular files).
        std::vector<std::string> removed;
    };

    /// Whether `name` may be reported as a plugin file: `<name>_<version>.so`
    /// (`parsePluginFileName`), never hidden.
    static bool isPluginFileName(const std::string& name);

    /// Lists `directory`. Returns nothing, with `error` set to the errno, when the folder
    /// cannot be listed (missing, not a folder, no permission, an I/O error of a share).
    static std::optional<FolderListing> read(const std::string& directory, int& error);

    /// Whether `other` is a listing of the same folder (not of another one at the same path).
    bool sameFolder(const FolderListing& other) const;

    /// What changed from `before` to this listing, each list in name order.
    Difference since(const FolderListing& before) const;

    /// The plugin files listed, by name.
    const std::map<std::string, PluginFileState>& files() const { return files_; }

  private:
    dev_t device_ = 0;
    ino_t inode_ = 0;
    std::map<std::string, PluginFileState> files_;
};

}  // namespace mvi::host
