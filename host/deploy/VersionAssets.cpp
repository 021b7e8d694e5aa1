#include "deploy/VersionAssets.h"

#include <Poco/Path.h>
#include <Poco/UUIDGenerator.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ext/stdio_filebuf.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/AssetPath.h"

namespace mvi::host {
namespace {

/// What follows `.<name>_<version>` in a hidden folder of the plugins folder, before a UUID.
const std::string kStagingMarker = ".assets-";
const std::string kRemovalMarker = ".removed-";
constexpr std::size_t kUuidLength = 36;

/// An input stream reading an open descriptor, which it closes when destroyed.
class DescriptorStream : public std::istream {
  public:
    explicit DescriptorStream(int descriptor)
        : std::istream(nullptr), buffer_(descriptor, std::ios::in, 1 << 16) {
        rdbuf(&buffer_);
    }

  private:
    __gnu_cxx::stdio_filebuf<char> buffer_;
};

/// Closes a descriptor unless released.
class DescriptorGuard {
  public:
    explicit DescriptorGuard(int descriptor) : descriptor_(descriptor) {}
    ~DescriptorGuard() {
        if (descriptor_ >= 0) {
            ::close(descriptor_);
        }
    }
    DescriptorGuard(const DescriptorGuard&) = delete;
    DescriptorGuard& operator=(const DescriptorGuard&) = delete;

    int get() const { return descriptor_; }
    int release() {
        int descriptor = descriptor_;
        descriptor_ = -1;
        return descriptor;
    }

  private:
    int descriptor_;
};

/// The canonical path of `path`, empty when it cannot be resolved.
std::string canonical(const std::string& path) {
    std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                         &std::free);
    return resolved ? std::string(resolved.get()) : std::string();
}

std::string uuid() {
    return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

std::string inFolder(const std::string& folder, const std::string& name) {
    return Poco::Path(Poco::Path::forDirectory(folder), name).toString();
}

}  // namespace

std::string VersionAssets::versionFolder(const std::string& pluginsDir, const ServiceId& id) {
    return inFolder(pluginsDir, id.str());
}

std::string VersionAssets::besidePlugin(const std::string& pluginFile) {
    const std::string suffix = ".so";
    if (pluginFile.size() <= suffix.size() ||
        pluginFile.compare(pluginFile.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return {};
    }
    return pluginFile.substr(0, pluginFile.size() - suffix.size()) + "/assets";
}

bool VersionAssets::exists(const std::string& assetsFolder) {
    struct stat status {};
    return !assetsFolder.empty() && ::stat(assetsFolder.c_str(), &status) == 0 &&
           S_ISDIR(status.st_mode);
}

std::optional<VersionAssets::File> VersionAssets::open(const std::string& assetsFolder,
                                                       const std::string& relative) {
    std::string root = canonical(assetsFolder);
    if (root.empty() || !exists(root)) {
        return std::nullopt;
    }
    std::string path = root + "/" + relative;
    // Non-blocking, so that opening a FIFO does not wait for a writer; it is refused below.
    DescriptorGuard descriptor(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (descriptor.get() < 0) {
        return std::nullopt;
    }
    struct stat status {};
    if (::fstat(descriptor.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
        return std::nullopt;
    }
    // Where the file opened really is, whatever links led there.
    std::array<char, PATH_MAX> opened{};
    std::string link = "/proc/self/fd/" + std::to_string(descriptor.get());
    ssize_t length = ::readlink(link.c_str(), opened.data(), opened.size() - 1);
    if (length <= 0 || static_cast<std::size_t>(length) >= opened.size() - 1) {
        return std::nullopt;
    }
    std::string openedPath(opened.data(), static_cast<std::size_t>(length));
    if (openedPath == root || !AssetPath::isInside(root, openedPath)) {
        return std::nullopt;
    }
    File file;
    file.size = static_cast<std::uint64_t>(status.st_size);
    file.modifiedSeconds = static_cast<std::int64_t>(status.st_mtim.tv_sec);
    file.modifiedNanoseconds = static_cast<std::int64_t>(status.st_mtim.tv_nsec);
    file.inode = static_cast<std::uint64_t>(status.st_ino);
    file.stream = std::make_unique<DescriptorStream>(descriptor.release());
    return file;
}

std::string VersionAssets::stagingFolder(const std::string& pluginsDir, const ServiceId& id) {
    return inFolder(pluginsDir, "." + id.str() + kStagingMarker + uuid());
}

bool VersionAssets::remove(const std::string& pluginsDir, const ServiceId& id) {
    std::string folder = versionFolder(pluginsDir, id);
    std::string hidden = inFolder(pluginsDir, "." + id.str() + kRemovalMarker + uuid());
    if (std::rename(folder.c_str(), hidden.c_str()) != 0) {
        return errno == ENOENT;
    }
    std::error_code error;
    std::filesystem::remove_all(hidden, error);
    return true;
}

std::vector<std::string> VersionAssets::removeLeftovers(const std::string& pluginsDir) {
    std::vector<std::string> removed;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(pluginsDir, error)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name.front() != '.' || name.size() <= kUuidLength ||
            !entry.is_directory(error) || entry.is_symlink(error)) {
            continue;
        }
        std::string head = name.substr(0, name.size() - kUuidLength);
        for (const std::string& marker : {kStagingMarker, kRemovalMarker}) {
            if (head.size() > marker.size() &&
                head.compare(head.size() - marker.size(), marker.size(), marker) == 0 &&
                parseServiceId(head.substr(1, head.size() - marker.size() - 1))) {
                std::filesystem::remove_all(entry.path(), error);
                removed.push_back(name);
                break;
            }
        }
    }
    return removed;
}

}  // namespace mvi::host
