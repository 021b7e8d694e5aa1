#include "reload/FolderListing.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>

#include "core/ServiceId.h"

namespace mvi::host {
namespace {

PluginFileState stateOf(const struct stat& info) {
    PluginFileState state;
    state.inode = info.st_ino;
    state.size = info.st_size;
    state.mtime = info.st_mtim;
    return state;
}

struct DirectoryCloser {
    void operator()(DIR* directory) const { ::closedir(directory); }
};

}  // namespace

std::optional<PluginFileState> PluginFileState::of(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return std::nullopt;
    }
    return stateOf(info);
}

bool FolderListing::isPluginFileName(const std::string& name) {
    return !name.empty() && name.front() != '.' && parsePluginFileName(name).has_value();
}

std::optional<FolderListing> FolderListing::read(const std::string& directory, int& error) {
    std::unique_ptr<DIR, DirectoryCloser> folder(::opendir(directory.c_str()));
    if (!folder) {
        error = errno;
        return std::nullopt;
    }
    const int folderFd = ::dirfd(folder.get());
    struct stat folderInfo {};
    if (::fstat(folderFd, &folderInfo) != 0) {
        error = errno;
        return std::nullopt;
    }
    FolderListing listing;
    listing.device_ = folderInfo.st_dev;
    listing.inode_ = folderInfo.st_ino;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(folder.get());
        if (entry == nullptr) {
            if (errno != 0) {
                error = errno;
                return std::nullopt;
            }
            break;
        }
        const std::string name = entry->d_name;
        if (!isPluginFileName(name)) {
            continue;
        }
        // Relative to the folder opened, so every file is of the folder whose identity is kept.
        struct stat info {};
        if (::fstatat(folderFd, name.c_str(), &info, 0) != 0 || !S_ISREG(info.st_mode)) {
            // Gone since it was listed, a dangling link, or not a file: not a plugin file now.
            continue;
        }
        listing.files_.emplace(name, stateOf(info));
    }
    return listing;
}

bool FolderListing::sameFolder(const FolderListing& other) const {
    return device_ == other.device_ && inode_ == other.inode_;
}

FolderListing::Difference FolderListing::since(const FolderListing& before) const {
    Difference difference;
    for (const auto& [name, state] : files_) {
        auto previous = before.files_.find(name);
        if (previous == before.files_.end() || previous->second != state) {
            difference.changed.push_back(name);
        }
    }
    for (const auto& [name, state] : before.files_) {
        if (files_.count(name) == 0) {
            difference.removed.push_back(name);
        }
    }
    return difference;
}

}  // namespace mvi::host
