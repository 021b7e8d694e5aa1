#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "logs/HeldBytes.h"
#include "logs/LogLine.h"
#include "logs/LogQuery.h"

namespace mvi::host {

/// The log of one service version: a file on disk, `<path>`, rotated to `<path>.1`, `<path>.2`,
/// ... when it would grow past `maxFileBytes`, keeping at most `maxFiles` files (the size cap).
/// The disk is the truth: reads come from the files, so they see what an earlier run of the host
/// wrote. Without a `HeldBytes` each append's lines are written and flushed before it returns,
/// so a killed host loses no line it has already reported. With one (`logs.flush = interval`),
/// an append only holds its lines in memory while they fit in the store's bound, and `flush`
/// (the store's background writer) writes everything held in one write; reads and followers see
/// held lines at once, as if they were on disk. A write that fails (a full disk) never merges
/// two lines: before the next write the file is cut back to its last complete line, and the
/// first line written again is a warning that counts the lines lost.
///
/// Followers (readers waiting for new lines) are served from a bounded list of the lines
/// written since they started, kept only while someone follows. The log's *stream* is live
/// while at least one build of the version is loaded; a follower ends once it is not.
///
/// Thread-safe: any number of writers, readers and followers.
class VersionLog {
  public:
    /// Limits of one version's log.
    struct Settings {
        /// A file is rotated before a line would make it larger than this.
        std::uint64_t maxFileBytes = 10 * 1024 * 1024;
        /// Files kept: the current one and `maxFiles - 1` rotated ones.
        std::size_t maxFiles = 5;
        /// Lines kept in memory for followers; one further behind skips lines.
        std::size_t followLines = 10000;
    };

    /// What a follower receives at one wake-up.
    struct Batch {
        /// New lines, oldest first.
        std::vector<std::string> lines;
        /// Lines written since the previous batch that were no longer in memory.
        std::uint64_t skipped = 0;
        /// The stream has ended: no build of the version is loaded (or the store closed), and
        /// every line written before that was handed out.
        bool ended = false;
    };

    /// A log whose current file is `path`; nothing is created until the first line. A file
    /// that cannot be written is reported to `logger` (once until writing works again). With
    /// `held`, appended lines are held in memory, within its bound, until `flush`.
    VersionLog(std::string path, Settings settings, Poco::Logger& logger,
               std::shared_ptr<HeldBytes> held = nullptr);
    /// Writes the lines still held.
    ~VersionLog();

    VersionLog(const VersionLog&) = delete;
    VersionLog& operator=(const VersionLog&) = delete;

    /// Records `message` (one line per line it holds) with the current time: written before
    /// this returns, or held when the log has a `HeldBytes` with room for it (lines that do not
    /// fit are written at once, after those held before them). Returns true when the lines are
    /// held and the log held none before: the caller arranges a `flush`. A failed write is not
    /// reported to the caller (see the class comment).
    bool append(LogLevel level, std::string_view message);

    /// Writes the held lines, in one write per file they go to.
    void flush();

    /// The stored lines matching `query`, oldest first.
    std::vector<std::string> read(const LogQuery& query) const;

    /// Reads like `read` and registers a follower in the same step, so that its first `wait`
    /// continues exactly after these lines. Returns the lines and the follower's cursor; the
    /// follower must call `stopFollowing` when done.
    std::pair<std::vector<std::string>, std::uint64_t> startFollowing(const LogQuery& query);

    /// Waits up to `timeout` for lines after `cursor` (or the end of the stream) and returns
    /// them, advancing `cursor`.
    Batch wait(std::uint64_t& cursor, std::chrono::milliseconds timeout);

    /// Unregisters a follower.
    void stopFollowing();

    /// A build of the version was created: the stream is live.
    void beginStream();

    /// A build of the version ended (unloaded or failed); once none is left, followers end.
    void endStream();

    /// The host is stopping: followers end now.
    void close();

    /// True when a log file of this version exists.
    bool exists() const;

    /// Path of the current file.
    const std::string& path() const { return path_; }

  private:
    /// One file of a snapshot and the number of bytes to read from it.
    struct SnapshotFile {
        std::ifstream stream;
        std::uint64_t length = 0;
    };

    /// The lines a query selects, gathered newest first: held lines, then those of the files.
    class Selection;

    /// What a failed write covered: its lines, and the size of the file before it when the
    /// write itself started (so the lines that reached the file whole are known).
    struct Attempt {
        std::size_t lines = 1;
        bool started = false;
        std::uint64_t start = 0;
    };

    /// Selects from the held lines, and opens the files when `selection` wants more lines than
    /// those: files opened under the lock (oldest first) are read after it is released, as a
    /// rotation renames files but does not change what an open file holds.
    std::vector<SnapshotFile> snapshotLocked(Selection& selection) const;

    /// Opens the files of the log, oldest first.
    std::vector<SnapshotFile> openFilesLocked() const;

    /// Adds the lines of `files` that `selection` wants, newest first.
    static void readFiles(std::vector<SnapshotFile>& files, Selection& selection);

    /// `<path>.index` (index 0: the current file).
    std::string filePath(std::size_t index) const;

    /// Writes the held lines and lets go of them.
    void writeHeldLocked();
    /// Writes formatted lines, in order, preceded by a notice of the lines lost since the last
    /// failure; a failure is reported, never thrown.
    void writeLocked(const std::vector<std::string>& lines);
    /// Writes, in one write, the lines from `first` on that fit in the current file (rotating
    /// first when not even the first one does), and returns how many. Throws on failure, with
    /// `attempt` telling what it covered.
    std::size_t putLocked(const std::vector<std::string>& lines, std::size_t first,
                          Attempt& attempt);
    /// Opens the current file for appending; cuts off a torn last line (dropTornLineLocked).
    void openWriterLocked();
    /// Truncates the current file back to its last complete line when it does not end with a
    /// line break.
    void dropTornLineLocked();
    void rotateLocked();
    /// Closes the file after a failed write of `attempt`, counts the lines of `lines` from
    /// `first` on that it lost (those that did not reach the file whole) and keeps the first
    /// failure of a series for reportFailure.
    void failLocked(const std::string& reason, const std::vector<std::string>& lines,
                    std::size_t first, const Attempt& attempt);
    /// Logs the failure `failLocked` kept, after releasing `lock`: the host's own log is a
    /// VersionLog too, so nothing is logged while a log's lock is held.
    void reportFailure(std::unique_lock<std::mutex>& lock);

    const std::string path_;
    const Settings settings_;
    Poco::Logger& logger_;
    /// The store's count of held text; null: every line is written by `append`.
    const std::shared_ptr<HeldBytes> held_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::ofstream writer_;
    bool writerOpen_ = false;
    bool writeFailed_ = false;
    /// Lines not written since the last successful write, and why the last one failed.
    std::uint64_t lostLines_ = 0;
    std::string lastFailure_;
    /// The warning of a failure not logged yet (reportFailure).
    std::string unreported_;
    bool cleanedUp_ = false;
    std::uint64_t currentSize_ = 0;
    /// Sequence number of the next line written by this process.
    std::uint64_t nextSequence_ = 0;
    /// Lines written while someone follows: (sequence number, line).
    std::deque<std::pair<std::uint64_t, std::string>> recent_;
    /// Lines appended but not written yet, oldest first, and the bytes they count in `held_`.
    std::vector<std::string> heldLines_;
    std::uint64_t heldLineBytes_ = 0;
    std::size_t followers_ = 0;
    std::size_t liveBuilds_ = 0;
    bool closed_ = false;
};

}  // namespace mvi::host
