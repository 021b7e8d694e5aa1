#include "logs/VersionLog.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <limits>
#include <system_error>

namespace mvi::host {
namespace {

/// Read size when scanning a file backwards.
constexpr std::uint64_t kBlockBytes = 64 * 1024;

/// Appended to a line cut to fit `maxFileBytes`.
constexpr std::string_view kTruncated = " [line truncated]";

/// Cuts `line` so that it and its line break fit in `maxBytes`, never inside a UTF-8 sequence.
void truncateToFit(std::string& line, std::uint64_t maxBytes) {
    if (line.size() + 1 <= maxBytes) {
        return;
    }
    if (maxBytes <= kTruncated.size() + 1) {
        line.resize(maxBytes > 0 ? static_cast<std::size_t>(maxBytes - 1) : 0);
        return;
    }
    auto keep = static_cast<std::size_t>(maxBytes - 1 - kTruncated.size());
    while (keep > 0 && (static_cast<unsigned char>(line[keep]) & 0xC0) == 0x80) {
        --keep;
    }
    line.resize(keep);
    line += kTruncated;
}

}  // namespace

class VersionLog::Selection {
  public:
    explicit Selection(const LogQuery& query)
        : limit_(query.tail.value_or(std::numeric_limits<std::size_t>::max())),
          since_(query.since ? LogLine::formatTime(*query.since) : std::string()) {}

    /// Whether further (older) lines are wanted.
    bool wantsMore() const { return !done_ && newestFirst_.size() < limit_; }

    /// Offers the next older line; returns `wantsMore()`. Lines are in time order, so the first
    /// one older than `since` ends the selection.
    bool take(std::string line) {
        if (!wantsMore()) {
            return false;
        }
        if (line.empty()) {
            return true;
        }
        if (!since_.empty() && line.compare(0, since_.size(), since_) < 0) {
            done_ = true;
            return false;
        }
        newestFirst_.push_back(std::move(line));
        return wantsMore();
    }

    /// The selected lines, oldest first.
    std::vector<std::string> lines() && { return {newestFirst_.rbegin(), newestFirst_.rend()}; }

  private:
    const std::size_t limit_;
    const std::string since_;
    std::vector<std::string> newestFirst_;
    bool done_ = false;
};

VersionLog::VersionLog(std::string path, Settings settings, Poco::Logger& logger,
                       std::shared_ptr<HeldBytes> held)
    : path_(std::move(path)), settings_(settings), logger_(logger), held_(std::move(held)) {
    if (settings_.maxFileBytes == 0 || settings_.maxFiles == 0 || settings_.followLines == 0) {
        throw Poco::InvalidArgumentException("log limits must be positive");
    }
}

VersionLog::~VersionLog() {
    std::unique_lock lock(mutex_);
    writeHeldLocked();
    reportFailure(lock);
}

std::string VersionLog::filePath(std::size_t index) const {
    return index == 0 ? path_ : fmt::format("{}.{}", path_, index);
}

bool VersionLog::append(LogLevel level, std::string_view message) {
    std::vector<std::string> lines = LogLine::splitMessage(message);
    std::unique_lock lock(mutex_);
    Poco::Timestamp now;
    std::uint64_t bytes = 0;
    for (std::string& line : lines) {
        line = LogLine{now, level, std::move(line)}.format();
        truncateToFit(line, settings_.maxFileBytes);
        bytes += line.size() + 1;
    }
    if (followers_ > 0) {
        for (const std::string& line : lines) {
            recent_.emplace_back(nextSequence_++, line);
        }
        while (recent_.size() > settings_.followLines) {
            recent_.pop_front();
        }
        changed_.notify_all();
    } else {
        nextSequence_ += lines.size();
    }
    if (held_ && held_->take(bytes)) {
        const bool first = heldLines_.empty();
        heldLines_.insert(heldLines_.end(), std::make_move_iterator(lines.begin()),
                          std::make_move_iterator(lines.end()));
        heldLineBytes_ += bytes;
        return first;
    }
    // Written at once: after the lines held before them.
    writeHeldLocked();
    writeLocked(lines);
    reportFailure(lock);
    return false;
}

void VersionLog::flush() {
    std::unique_lock lock(mutex_);
    writeHeldLocked();
    reportFailure(lock);
}

void VersionLog::writeHeldLocked() {
    if (heldLines_.empty()) {
        return;
    }
    writeLocked(heldLines_);
    held_->release(heldLineBytes_);
    heldLines_.clear();
    heldLineBytes_ = 0;
}

void VersionLog::writeLocked(const std::vector<std::string>& lines) {
    std::size_t next = 0;
    while (next < lines.size()) {
        // Until the write itself starts, a failure costs the next line alone.
        Attempt attempt;
        try {
            if (!writerOpen_) {
                openWriterLocked();
            }
            if (lostLines_ > 0) {
                std::vector<std::string> notice{
                    LogLine{Poco::Timestamp(), LogLevel::Warning,
                            fmt::format("{} line(s) of this log could not be written: {}",
                                        lostLines_, lastFailure_)}
                        .format()};
                truncateToFit(notice.front(), settings_.maxFileBytes);
                Attempt noticeAttempt;
                putLocked(notice, 0, noticeAttempt);
                lostLines_ = 0;
            }
            next += putLocked(lines, next, attempt);
            writeFailed_ = false;
        } catch (const Poco::Exception& error) {
            failLocked(error.displayText(), lines, next, attempt);
            next += attempt.lines;
        } catch (const std::exception& error) {
            failLocked(error.what(), lines, next, attempt);
            next += attempt.lines;
        }
    }
}

std::size_t VersionLog::putLocked(const std::vector<std::string>& lines, std::size_t first,
                                  Attempt& attempt) {
    if (currentSize_ > 0 && currentSize_ + lines[first].size() + 1 > settings_.maxFileBytes) {
        rotateLocked();
        openWriterLocked();
    }
    // Every line fits in an empty file (truncateToFit); the first one goes in whatever it holds.
    std::uint64_t size = currentSize_;
    std::size_t end = first;
    while (end < lines.size() &&
           (end == first || size + lines[end].size() + 1 <= settings_.maxFileBytes)) {
        size += lines[end].size() + 1;
        ++end;
    }
    std::string text;
    text.reserve(static_cast<std::size_t>(size - currentSize_));
    for (std::size_t index = first; index < end; ++index) {
        text += lines[index];
        text += '\n';
    }
    attempt.lines = end - first;
    attempt.started = true;
    attempt.start = currentSize_;
    if (!writer_.write(text.data(), static_cast<std::streamsize>(text.size())) ||
        !writer_.flush()) {
        const int error = errno;
        throw Poco::WriteFileException(path_, error != 0 ? std::strerror(error) : "");
    }
    currentSize_ = size;
    return end - first;
}

void VersionLog::failLocked(const std::string& reason, const std::vector<std::string>& lines,
                            std::size_t first, const Attempt& attempt) {
    writer_.close();
    writer_.clear();
    writerOpen_ = false;
    // Lines that reached the file whole stay; a part of one is cut off when the file is opened
    // again.
    std::size_t whole = 0;
    if (attempt.started) {
        std::error_code error;
        const std::uintmax_t size = std::filesystem::file_size(path_, error);
        const std::uint64_t written = !error && size > attempt.start ? size - attempt.start : 0;
        std::uint64_t end = 0;
        while (whole < attempt.lines) {
            end += lines[first + whole].size() + 1;
            if (end > written) {
                break;
            }
            ++whole;
        }
    }
    lostLines_ += attempt.lines - whole;
    lastFailure_ = reason;
    if (!writeFailed_) {
        writeFailed_ = true;
        unreported_ = fmt::format("cannot write the service log {}: {}", path_, reason);
    }
}

void VersionLog::reportFailure(std::unique_lock<std::mutex>& lock) {
    if (unreported_.empty()) {
        return;
    }
    std::string warning = std::move(unreported_);
    unreported_.clear();
    lock.unlock();
    logger_.warning(warning);
}

void VersionLog::dropTornLineLocked() {
    if (currentSize_ == 0) {
        return;
    }
    std::ifstream file(path_, std::ios::binary);
    std::uint64_t end = currentSize_;
    char last = '\n';
    if (!file.seekg(static_cast<std::streamoff>(end - 1)) || !file.get(last) || last == '\n') {
        return;
    }
    // Back to the last line break; a line is at most `maxFileBytes` long, so is the scan.
    std::uint64_t keep = 0;
    std::string block;
    while (end > 0 && keep == 0) {
        std::uint64_t size = std::min(kBlockBytes, end);
        end -= size;
        block.assign(static_cast<std::size_t>(size), '\0');
        file.seekg(static_cast<std::streamoff>(end));
        if (!file.read(block.data(), static_cast<std::streamsize>(size))) {
            throw Poco::ReadFileException(path_);
        }
        std::size_t lineBreak = block.rfind('\n');
        if (lineBreak != std::string::npos) {
            keep = end + lineBreak + 1;
        }
    }
    std::filesystem::resize_file(path_, keep);
    currentSize_ = keep;
}

void VersionLog::openWriterLocked() {
    Poco::File(Poco::Path(path_).parent()).createDirectories();
    if (!cleanedUp_) {
        // Files beyond the cap, left by a run with a larger `maxFiles`.
        for (std::size_t index = settings_.maxFiles;; ++index) {
            Poco::File extra(filePath(index));
            if (!extra.exists()) {
                break;
            }
            extra.remove();
        }
        cleanedUp_ = true;
    }
    writer_.open(path_, std::ios::binary | std::ios::app);
    if (!writer_.is_open()) {
        writer_.clear();
        throw Poco::CreateFileException(path_);
    }
    writerOpen_ = true;
    currentSize_ = Poco::File(path_).getSize();
    // A line cut short by a failed write (a full disk) or a killed process is not continued:
    // the next line starts on a line of its own.
    dropTornLineLocked();
}

void VersionLog::rotateLocked() {
    writer_.close();
    writer_.clear();
    writerOpen_ = false;
    currentSize_ = 0;
    if (settings_.maxFiles == 1) {
        Poco::File(path_).remove();
        return;
    }
    Poco::File oldest(filePath(settings_.maxFiles - 1));
    if (oldest.exists()) {
        oldest.remove();
    }
    for (std::size_t index = settings_.maxFiles - 1; index-- > 1;) {
        Poco::File older(filePath(index));
        if (older.exists()) {
            older.renameTo(filePath(index + 1));
        }
    }
    Poco::File(path_).renameTo(filePath(1));
}

std::vector<VersionLog::SnapshotFile> VersionLog::openFilesLocked() const {
    std::vector<SnapshotFile> files;
    // Newest first: the current file (absent right after a rotation), then `.1`, `.2`, ...
    // up to the first one missing.
    for (std::size_t index = 0; index < settings_.maxFiles; ++index) {
        SnapshotFile file;
        file.stream.open(filePath(index), std::ios::binary);
        if (!file.stream.is_open()) {
            if (index == 0) {
                continue;
            }
            break;
        }
        file.stream.seekg(0, std::ios::end);
        std::streamoff end = file.stream.tellg();
        file.length = end > 0 ? static_cast<std::uint64_t>(end) : 0;
        files.push_back(std::move(file));
    }
    std::reverse(files.begin(), files.end());
    return files;
}

std::vector<VersionLog::SnapshotFile> VersionLog::snapshotLocked(Selection& selection) const {
    // Held lines are the newest: they come after everything in the files.
    for (auto line = heldLines_.rbegin(); line != heldLines_.rend(); ++line) {
        if (!selection.take(*line)) {
            return {};
        }
    }
    return selection.wantsMore() ? openFilesLocked() : std::vector<SnapshotFile>{};
}

void VersionLog::readFiles(std::vector<SnapshotFile>& files, Selection& selection) {
    if (!selection.wantsMore()) {
        return;
    }
    for (auto file = files.rbegin(); file != files.rend(); ++file) {
        std::uint64_t position = file->length;
        std::string partial;  // the start of a line that began in an earlier block
        while (position > 0) {
            std::uint64_t size = std::min(kBlockBytes, position);
            position -= size;
            std::string block(static_cast<std::size_t>(size), '\0');
            file->stream.seekg(static_cast<std::streamoff>(position));
            file->stream.read(block.data(), static_cast<std::streamsize>(size));
            if (file->stream.gcount() != static_cast<std::streamsize>(size)) {
                break;
            }
            block += partial;
            std::size_t end = block.size();
            for (std::size_t i = block.size(); i-- > 0;) {
                if (block[i] == '\n') {
                    if (!selection.take(block.substr(i + 1, end - i - 1))) {
                        return;
                    }
                    end = i;
                }
            }
            partial = block.substr(0, end);
        }
        if (!selection.take(std::move(partial))) {
            return;
        }
    }
}

std::vector<std::string> VersionLog::read(const LogQuery& query) const {
    Selection selection(query);
    std::vector<SnapshotFile> files;
    {
        std::lock_guard lock(mutex_);
        files = snapshotLocked(selection);
    }
    readFiles(files, selection);
    return std::move(selection).lines();
}

std::pair<std::vector<std::string>, std::uint64_t> VersionLog::startFollowing(
    const LogQuery& query) {
    Selection selection(query);
    std::vector<SnapshotFile> files;
    std::uint64_t cursor = 0;
    {
        std::lock_guard lock(mutex_);
        files = snapshotLocked(selection);
        ++followers_;
        cursor = nextSequence_;
    }
    try {
        readFiles(files, selection);
        return {std::move(selection).lines(), cursor};
    } catch (...) {
        stopFollowing();
        throw;
    }
}

VersionLog::Batch VersionLog::wait(std::uint64_t& cursor, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout,
                      [&] { return nextSequence_ > cursor || closed_ || liveBuilds_ == 0; });
    Batch batch;
    if (nextSequence_ > cursor) {
        std::uint64_t first = recent_.empty() ? nextSequence_ : recent_.front().first;
        if (first > cursor) {
            batch.skipped = first - cursor;
        }
        for (auto it =
                 recent_.begin() + static_cast<std::ptrdiff_t>(first > cursor ? 0 : cursor - first);
             it != recent_.end(); ++it) {
            batch.lines.push_back(it->second);
        }
        cursor = nextSequence_;
    }
    batch.ended = closed_ || liveBuilds_ == 0;
    return batch;
}

void VersionLog::stopFollowing() {
    std::lock_guard lock(mutex_);
    if (followers_ > 0 && --followers_ == 0) {
        recent_.clear();
    }
}

void VersionLog::beginStream() {
    std::lock_guard lock(mutex_);
    ++liveBuilds_;
}

void VersionLog::endStream() {
    std::unique_lock lock(mutex_);
    if (liveBuilds_ > 0 && --liveBuilds_ == 0) {
        // Nothing more is expected: write what is held and free the file until a build writes
        // again.
        writeHeldLocked();
        writer_.close();
        writer_.clear();
        writerOpen_ = false;
    }
    changed_.notify_all();
    reportFailure(lock);
}

void VersionLog::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
}

bool VersionLog::exists() const {
    std::lock_guard lock(mutex_);
    // Rotated files are numbered from 1 without gaps.
    return !heldLines_.empty() || Poco::File(filePath(0)).exists() ||
           (settings_.maxFiles > 1 && Poco::File(filePath(1)).exists());
}

}  // namespace mvi::host
