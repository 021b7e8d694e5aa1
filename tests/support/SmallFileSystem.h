#pragma once

#include <cstddef>
#include <string>

namespace mvi::test {

/// A tmpfs of a few megabytes mounted on a folder, to be filled up: writes below it then fail
/// with a real "no space left on device". Mounting needs root; where it fails, `mounted()` is
/// false and `problem()` says why (tests skip then). Unmounted when destroyed.
class SmallFileSystem {
  public:
    /// Mounts a tmpfs of `bytes` on `path` (created when missing).
    SmallFileSystem(std::string path, std::size_t bytes);
    ~SmallFileSystem();

    SmallFileSystem(const SmallFileSystem&) = delete;
    SmallFileSystem& operator=(const SmallFileSystem&) = delete;

    bool mounted() const { return mounted_; }
    const std::string& problem() const { return problem_; }
    const std::string& path() const { return path_; }

    /// Takes every free block with a file of its own (`.filler`): afterwards nothing that needs
    /// a new block can be written (a file's last, partly used block still takes a few bytes).
    void fill();

    /// Removes the filler: the space is free again.
    void release();

    /// Unmounts (also done by the destructor); idempotent.
    void unmount();

  private:
    std::string path_;
    bool mounted_ = false;
    std::string problem_;
};

}  // namespace mvi::test
