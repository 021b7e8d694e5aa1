#include "SmallFileSystem.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace mvi::test {
namespace {

namespace fs = std::filesystem;

std::string fillerPath(const std::string& path) {
    return (fs::path(path) / ".filler").string();
}

}  // namespace

SmallFileSystem::SmallFileSystem(std::string path, std::size_t bytes) : path_(std::move(path)) {
    fs::create_directories(path_);
    std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
        problem_ = "cannot mount a tmpfs on " + path_ + " (" + std::strerror(errno) +
                   "); a full file system needs root";
        return;
    }
    mounted_ = true;
}

SmallFileSystem::~SmallFileSystem() {
    unmount();
}

void SmallFileSystem::fill() {
    int fd = ::open(fillerPath(path_).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot create the filler: " + std::string(std::strerror(errno)));
    }
    // Large blocks first, then single bytes for the last block.
    for (std::size_t size : {std::size_t(1) << 20, std::size_t(4096), std::size_t(1)}) {
        std::vector<char> block(size, 'f');
        while (::write(fd, block.data(), block.size()) > 0) {
        }
    }
    ::close(fd);
}

void SmallFileSystem::release() {
    std::error_code ignored;
    fs::remove(fillerPath(path_), ignored);
}

void SmallFileSystem::unmount() {
    if (mounted_) {
        ::umount2(path_.c_str(), MNT_DETACH);
        mounted_ = false;
    }
}

}  // namespace mvi::test
