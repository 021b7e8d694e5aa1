#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mvi::host {

/// Watches the plugins folder and reports plugin files that are complete and settled, and
/// plugin files that disappeared.
///
/// Uses the Linux inotify API on a thread of its own. Only names that `parsePluginFileName`
/// accepts (`<name>_<version>.so`) are reported; hidden, temporary and editor names are
/// ignored. A file renamed into the folder is complete and reported at once. A file written in
/// place is reported once its writer has closed it and nothing has touched it for
/// `Settings::closeQuiet`; a file written by a writer that never closes it is reported once no
/// event has arrived for `Settings::openWriteQuiet`. Before reporting, the file's inode, size
/// and modification time must be unchanged since it was last scheduled, so a file that is
/// still growing is never reported. Each completed write is reported once, however many
/// events it caused.
///
/// When the kernel's event queue overflows, or the folder itself is deleted, moved or
/// unmounted, events may have been lost: `onRescan` is called so that the owner lists the
/// folder again. A lost folder is watched again as soon as it exists again (checked every
/// `Settings::rewatchInterval`), followed by another `onRescan`.
class PluginWatcher {
  public:
    /// What happened to a plugin file.
    enum class Change {
        /// The file is complete and settled: load it (again).
        Ready,
        /// The file was deleted or renamed away.
        Removed,
    };

    /// Timings of the settle rules.
    struct Settings {
        /// Quiet time after a writer closed the file before it is reported.
        std::chrono::milliseconds closeQuiet{25};
        /// Quiet time after which a file still open for writing is reported anyway, if stable.
        std::chrono::milliseconds openWriteQuiet{2000};
        /// How often to try to watch the folder again after it was lost.
        std::chrono::milliseconds rewatchInterval{1000};
    };

    /// Called with a plugin file name (no directory) and what happened to it.
    using ChangeCallback = std::function<void(const std::string& fileName, Change change)>;

    /// Called when events may have been lost and the folder must be listed again.
    using RescanCallback = std::function<void()>;

    /// Prepares a watcher of `directory`; nothing happens before `start`.
    ///
    /// `onChange(fileName, change)` and `onRescan()` run on the watcher's thread, one at a
    /// time. They may take long (load a library, say): events keep queuing meanwhile.
    /// Exceptions they throw are logged and otherwise ignored. They must not destroy the
    /// watcher; calling `stop` from them only asks the thread to end.
    PluginWatcher(std::string directory, ChangeCallback onChange, RescanCallback onRescan,
                  Settings settings);

    /// The same, with the default `Settings`. (A separate overload: a default argument cannot
    /// use the member initialisers of a nested struct inside its enclosing class.)
    PluginWatcher(std::string directory, ChangeCallback onChange, RescanCallback onRescan);

    /// Stops the watcher.
    ~PluginWatcher();

    PluginWatcher(const PluginWatcher&) = delete;
    PluginWatcher& operator=(const PluginWatcher&) = delete;

    /// Adds the inotify watch on the folder and starts the thread.
    ///
    /// Throws std::runtime_error, with the system's reason, when the folder cannot be watched
    /// (missing, not a directory, no permission, inotify limits reached), and std::logic_error
    /// when already started. A stopped watcher may be started again.
    void start();

    /// Wakes the thread and waits for it to end (after the callback running, if any).
    ///
    /// Pending files are forgotten. Idempotent; does nothing when not started.
    void stop();

    /// The watched folder.
    const std::string& directory() const { return directory_; }

  private:
    /// Identity and content state of a file as far as the settle rules need it.
    struct FileState {
        std::uint64_t inode = 0;
        std::int64_t size = 0;
        std::timespec mtime{};

        bool operator==(const FileState& other) const {
            return inode == other.inode && size == other.size &&
                   mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec;
        }
        bool operator!=(const FileState& other) const { return !(*this == other); }
    };

    using Clock = std::chrono::steady_clock;

    /// Why a file is waiting to be reported.
    enum class Wait {
        /// Renamed into place: report at once.
        Renamed,
        /// Closed by its writer: report after `closeQuiet`.
        Closed,
        /// Being written, not closed yet: report after `openWriteQuiet` if stable.
        Open,
    };

    /// A file waiting to be reported as ready.
    struct Pending {
        Wait wait = Wait::Open;
        Clock::time_point deadline;
        /// Orders files with the same deadline by when they were scheduled.
        std::uint64_t sequence = 0;
        /// State when scheduled; reported only if still the same at the deadline.
        std::optional<FileState> state;
    };

    /// The thread: waits for events, the stop signal and deadlines until stopped.
    void run();

    /// Reads and handles every queued inotify event.
    void readEvents();

    /// Handles one event about the folder or a file in it.
    void handleEvent(int watch, std::uint32_t mask, const std::string& name);

    /// (Re)schedules `fileName` for a ready report; `wait` tells which quiet time applies.
    void schedule(const std::string& fileName, Wait wait, Clock::time_point now);

    /// Reports every file whose deadline has passed, in deadline order, or reschedules those
    /// that changed meanwhile.
    void fireDue();

    /// Forgets the folder's watch after it was lost, asks for a rescan and schedules a
    /// rewatch.
    void loseWatch(const std::string& reason);

    /// Tries to watch the folder again; on success asks for a rescan.
    void tryRewatch();

    /// Milliseconds until the earliest deadline, for poll(): -1 when there is none.
    int pollTimeout() const;

    /// Calls `onRescan_` if a rescan was asked for.
    void rescanIfRequested();

    /// Calls `onChange_`, logging anything it throws.
    void report(const std::string& fileName, Change change);

    /// The state of `fileName` in the folder, or nothing if it is missing or not a regular
    /// file.
    std::optional<FileState> fileState(const std::string& fileName) const;

    /// Adds the inotify watch; returns the watch descriptor or -1 with errno set.
    int addWatch() const;

    /// Closes the inotify and wake descriptors.
    void closeDescriptors();

    std::string directory_;
    ChangeCallback onChange_;
    RescanCallback onRescan_;
    Settings settings_;

    std::mutex controlMutex_;
    std::thread thread_;
    /// The watcher thread's id, set by the thread itself: `stop` called from a callback reads it
    /// (not `thread_`, which `start` may still be assigning).
    std::atomic<std::thread::id> runner_{};
    int inotifyFd_ = -1;
    int wakeFd_ = -1;

    /// Set by `stop`; the thread ends as soon as it sees it.
    std::atomic<bool> stopRequested_{false};

    // Owned by the thread while it runs.
    int watch_ = -1;
    bool rescanRequested_ = false;
    std::optional<Clock::time_point> rewatchAt_;
    std::uint64_t nextSequence_ = 0;
    std::map<std::string, Pending> pending_;
    /// Files reported while still open for writing, with the state reported; their later
    /// close is not reported again unless the file changed.
    std::map<std::string, FileState> reportedOpen_;
};

}  // namespace mvi::host
