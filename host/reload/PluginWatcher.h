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

#include "reload/FolderListing.h"

namespace mvi::host {

/// Watches the plugins folder and reports plugin files that are complete and settled, and
/// plugin files that disappeared.
///
/// Runs on a thread of its own, with one of two sources of news about the folder (`Mode`):
/// the Linux inotify API, or polling (listing the folder every `Settings::pollInterval`). Both
/// feed the same settle rules and the same callbacks. Only names that `parsePluginFileName`
/// accepts (`<name>_<version>.so`) are reported; hidden, temporary and editor names are
/// ignored. Each completed write is reported once, however many events or listings saw it.
///
/// With inotify, a file renamed into the folder is complete and reported at once. A file
/// written in place is reported once its writer has closed it and nothing has touched it for
/// `Settings::closeQuiet`; a file written by a writer that never closes it is reported once no
/// event has arrived for `Settings::openWriteQuiet`. Before reporting, the file's inode, size
/// and modification time must be unchanged since it was last scheduled, so a file that is
/// still growing is never reported.
///
/// Polling is for folders where inotify sees nothing of what other machines write: NFS, SMB,
/// CIFS, FUSE, 9p, Ceph, AFS shares (inotify reports only what this kernel does to the
/// files). A listing cannot see a rename or a close, only each file's inode, size and
/// modification time, so every new or changed file follows one stable-for rule: it is
/// reported once its state has stayed the same across consecutive observations (listings,
/// then a last look at the deadline) spanning at least `max(closeQuiet, pollInterval)`.
/// `closeQuiet` because it is how long the host already waits after the last sign of writing.
/// At least one full interval because a listing is polling's only sign of writing: with
/// `closeQuiet` alone (25 ms by default) a file first seen in one listing would be looked at
/// again 25 ms later, and a remote writer, whose data arrives in bursts, easily pauses that
/// long; waiting a whole interval gives the writer the same chance to show it is still busy
/// as the next listing would. A renamed-in file waits as well: a listing cannot tell it from
/// a file written in place. `openWriteQuiet` does not apply (polling cannot tell an open
/// writer from a closed one): a writer that pauses for longer than the rule looks done, so
/// writers should still rename into place (a file cut short fails to load, and is loaded again
/// when it changes again). Attributes a network client caches (NFS `acregmin`) must not
/// outlive an interval, or a growing file may look unchanged. A vanished file is reported
/// Removed.
///
/// When the kernel's event queue overflows, or the folder itself is deleted, moved, replaced,
/// unmounted or (polling) cannot be listed, news may have been lost: `onRescan` is called so
/// that the owner lists the folder again. A lost folder is watched again as soon as it exists
/// again (checked every `Settings::rewatchInterval`), followed by another `onRescan`. Polling
/// reports no Removed for the files of a folder it lost: a share that is briefly unreachable
/// must not unload every service; the rescan once the folder is back brings the owner in line.
class PluginWatcher {
  public:
    /// What happened to a plugin file.
    enum class Change {
        /// The file is complete and settled: load it (again).
        Ready,
        /// The file was deleted or renamed away.
        Removed,
    };

    /// How the folder is watched (`reload.watcher`).
    enum class Mode {
        /// Polling when the folder is on a network or FUSE file system
        /// (`remoteFileSystemName`) or inotify cannot be started (`inotifyUnavailable`);
        /// inotify otherwise.
        Auto,
        /// inotify; `start` fails when it cannot watch the folder.
        Inotify,
        /// Listing the folder every `Settings::pollInterval`.
        Poll,
    };

    /// Timings of the settle rules, and how the folder is watched.
    struct Settings {
        /// Quiet time after a writer closed the file before it is reported.
        std::chrono::milliseconds closeQuiet{25};
        /// Quiet time after which a file still open for writing is reported anyway, if stable.
        std::chrono::milliseconds openWriteQuiet{2000};
        /// How often to try to watch the folder again after it was lost.
        std::chrono::milliseconds rewatchInterval{1000};
        /// How the folder is watched.
        Mode mode = Mode::Auto;
        /// How often polling lists the folder.
        std::chrono::milliseconds pollInterval{1000};
    };

    /// The watcher a requested mode comes to (`Inotify` or `Poll`), and why, for the log.
    struct Choice {
        Mode mode = Mode::Inotify;
        std::string reason;
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

    /// Chooses how to watch the folder (`choose`, logged), adds the inotify watch or lists the
    /// folder once (what later listings are compared with), and starts the thread.
    ///
    /// Throws std::runtime_error, with the system's reason, when the folder cannot be watched
    /// (missing, not a directory, no permission; with `Mode::Inotify`, inotify limits
    /// reached), and std::logic_error when already started. A stopped watcher may be started
    /// again.
    void start();

    /// Wakes the thread and waits for it to end (after the callback running, if any).
    ///
    /// Pending files are forgotten. Idempotent; does nothing when not started.
    void stop();

    /// The watched folder.
    const std::string& directory() const { return directory_; }

    /// How the folder is watched since `start`: `Mode::Inotify` or `Mode::Poll`.
    Mode activeMode() const { return active_; }

    /// The mode a `reload.watcher` value names (`auto`, `inotify`, `poll`); nothing for
    /// another.
    static std::optional<Mode> parseMode(const std::string& text);

    /// The name of a network or FUSE file system, whose `statfs` type is `type`, on which
    /// inotify misses what other machines write ("nfs", "smb2", "cifs", "fuse", "9p", "ceph",
    /// "afs"...); nullptr for any other file system.
    static const char* remoteFileSystemName(std::int64_t type);

    /// Whether inotify failing with `error` (the errno of inotify_init1 or inotify_add_watch)
    /// means that inotify cannot be used at all (limits on instances or watches reached, no
    /// memory, not in the kernel), rather than that the folder cannot be watched (missing,
    /// not a folder, no permission).
    static bool inotifyUnavailable(int error);

    /// Which watcher `requested` comes to, and why. `fileSystemType` is the folder's `statfs`
    /// type (nothing when unknown); `inotifyError` the errno with which inotify failed to
    /// start on the folder, 0 when it did not fail (or was not tried). `Auto` comes to `Poll`
    /// on a remote file system or when inotify is unavailable, to `Inotify` otherwise (whose
    /// failure for another reason is then the folder's, reported by `start`).
    static Choice choose(Mode requested, std::optional<std::int64_t> fileSystemType,
                         int inotifyError);

  private:
    using FileState = PluginFileState;

    using Clock = std::chrono::steady_clock;

    /// Why a file is waiting to be reported.
    enum class Wait {
        /// Renamed into place: report at once.
        Renamed,
        /// Closed by its writer: report after `closeQuiet`.
        Closed,
        /// Being written, not closed yet: report after `openWriteQuiet` if stable.
        Open,
        /// New or changed in a listing (polling): report once stable for `stableTime`.
        Listed,
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

    /// Starts inotify on the folder (`inotifyFd_`, `watch_`); returns 0, or the errno with
    /// what failed in `failure`, everything opened closed again.
    int startInotify(std::string& failure);

    /// Lists the folder, schedules new and changed files, reports vanished ones; a folder
    /// that cannot be listed or was replaced is lost (`loseWatch`).
    void listFolder();

    /// How long a listed file must stay unchanged: max(closeQuiet, pollInterval).
    std::chrono::milliseconds stableTime() const;

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

    /// Tries to watch the folder again (inotify watch, or a first listing); on success asks
    /// for a rescan.
    void tryRewatch();

    /// Milliseconds until the earliest deadline or listing, for poll(): -1 when there is none.
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
    /// Inotify or Poll, set by `start` before the thread starts.
    Mode active_ = Mode::Inotify;
    /// -1 when polling (poll() then ignores it).
    int inotifyFd_ = -1;
    int wakeFd_ = -1;

    /// Set by `stop`; the thread ends as soon as it sees it.
    std::atomic<bool> stopRequested_{false};

    // Owned by the thread while it runs.
    int watch_ = -1;
    bool rescanRequested_ = false;
    std::optional<Clock::time_point> rewatchAt_;
    /// Polling: when to list the folder next, and the last listing (nothing while the folder
    /// is lost).
    std::optional<Clock::time_point> nextListingAt_;
    std::optional<FolderListing> listing_;
    std::uint64_t nextSequence_ = 0;
    std::map<std::string, Pending> pending_;
    /// Files reported while still open for writing, with the state reported; their later
    /// close is not reported again unless the file changed.
    std::map<std::string, FileState> reportedOpen_;
};

}  // namespace mvi::host
