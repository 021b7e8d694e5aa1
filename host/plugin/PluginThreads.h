#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mvi::host {

/// The threads plugin libraries started, counted per library.
///
/// The loader tracks each library before it opens it and tells where it was mapped once it is
/// open. `pthread_create` in the mvi-host executable (plugin/ThreadInterposer.cpp) asks `owner`
/// which tracked library the code creating a thread belongs to, and counts the thread against it
/// from before it starts until its start routine has returned. Unloading waits for a library's
/// count to reach zero before it closes the library, and keeps it mapped when it does not.
/// Without the interposer (unit tests link the host's library alone) nothing is counted.
/// Thread-safe.
class PluginThreads {
  public:
    /// One tracked library.
    class Library {
      public:
        Library(std::string path, std::uint32_t phaseIndex)
            : path_(std::move(path)), phaseIndex_(phaseIndex) {}

        Library(const Library&) = delete;
        Library& operator=(const Library&) = delete;

        /// The path the library is opened from.
        const std::string& path() const { return path_; }

        /// The build's record in the fault::PhaseTable: its threads are marked with it.
        std::uint32_t phaseIndex() const { return phaseIndex_; }

        /// Threads it started that have not returned from their start routine yet.
        std::size_t running() const;

        /// Threads it started since it was opened.
        std::size_t started() const;

        /// Waits until none of its threads runs, at most `timeout`; returns how many still run.
        std::size_t waitUntilNone(std::chrono::milliseconds timeout) const;

        /// Counts a thread that is about to start.
        void threadStarting();

        /// Counts a thread whose start routine returned (or that could not be started).
        void threadEnded();

      private:
        friend class PluginThreads;

        std::string path_;
        std::uint32_t phaseIndex_;
        /// Where it is mapped, [begin, end); both 0 until the loader says.
        std::uintptr_t begin_ = 0;
        std::uintptr_t end_ = 0;
        mutable std::mutex mutex_;
        mutable std::condition_variable ended_;
        std::size_t running_ = 0;
        std::size_t started_ = 0;
    };

    /// The registry of this process.
    static PluginThreads& instance();

    /// Tracks the library about to be opened from `path` (threads its constructors start are
    /// counted already).
    std::shared_ptr<Library> track(const std::string& path, std::uint32_t phaseIndex);

    /// Records that `library` is mapped at [begin, end).
    void setMapping(const std::shared_ptr<Library>& library, std::uintptr_t begin,
                    std::uintptr_t end);

    /// Stops tracking `library` (it was unmapped).
    void untrack(const std::shared_ptr<Library>& library);

    /// The tracked library holding the first of `frames` (return addresses, innermost first)
    /// that lies in one; null when none does.
    std::shared_ptr<Library> owner(void* const* frames, std::size_t count) const;

    /// Tracked libraries.
    std::size_t tracked() const;

  private:
    PluginThreads() = default;

    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Library>> libraries_;
    /// Tracked libraries whose mapping is not known (being opened).
    std::size_t unmapped_ = 0;
};

}  // namespace mvi::host
