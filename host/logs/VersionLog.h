#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "logs/LogLine.h"
#include "logs/LogQuery.h"

namespace mvi::host {

/// The log of one service version: a file on disk, `<path>`, rotated to `<path>.1`, `<path>.2`,
/// ... when it would grow past `maxFileBytes`, keeping at most `maxFiles` files (the size cap).
/// The disk is the truth: reads come from the files, so they see what an earlier run of the host
/// wrote. Each line is written and flushed on its own, so a killed host loses no line it has
/// already reported. A write that fails (a full disk) never merges two lines: before the next
/// write the file is cut back to its last complete line, and the first line written again is a
/// warning that counts the lines lost.
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
    /// that cannot be written is reported to `logger` (once until writing works again).
    VersionLog(std::string path, Settings settings, Poco::Logger& logger);

    VersionLog(const VersionLog&) = delete;
    VersionLog& operator=(const VersionLog&) = delete;

    /// Writes `message` (one line per line it holds) with the current time.
    void append(LogLevel level, std::string_view message);

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

    /// Files opened under the lock (oldest first), read after it is released: a rotation renames
    /// files but does not change what an open file holds.
    std::vector<SnapshotFile> openFilesLocked() const;

    /// The lines of `files` matching `query`, oldest first.
    static std::vector<std::string> readFiles(std::vector<SnapshotFile>& files,
                                              const LogQuery& query);

    /// `<path>.index` (index 0: the current file).
    std::string filePath(std::size_t index) const;

    /// Writes one formatted line, preceded by a notice of the lines lost since the last failure;
    /// a failure is reported, never thrown.
    void writeLocked(const std::string& line);
    /// Writes one formatted line (rotating first when it would not fit); throws on failure.
    void putLocked(std::string line);
    /// Opens the current file for appending; cuts off a torn last line (dropTornLineLocked).
    void openWriterLocked();
    /// Truncates the current file back to its last complete line when it does not end with a
    /// line break.
    void dropTornLineLocked();
    void rotateLocked();
    /// Closes the file after a failed write and reports the first failure of a series.
    void failLocked(const std::string& reason);

    const std::string path_;
    const Settings settings_;
    Poco::Logger& logger_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::ofstream writer_;
    bool writerOpen_ = false;
    bool writeFailed_ = false;
    /// Lines not written since the last successful write, and why the last one failed.
    std::uint64_t lostLines_ = 0;
    std::string lastFailure_;
    bool cleanedUp_ = false;
    std::uint64_t currentSize_ = 0;
    /// Sequence number of the next line written by this process.
    std::uint64_t nextSequence_ = 0;
    /// Lines written while someone follows: (sequence number, line).
    std::deque<std::pair<std::uint64_t, std::string>> recent_;
    std::size_t followers_ = 0;
    std::size_t liveBuilds_ = 0;
    bool closed_ = false;
};

}  // namespace mvi::host
