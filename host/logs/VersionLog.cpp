#include "logs/VersionLog.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

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

VersionLog::VersionLog(std::string path, Settings settings, Poco::Logger& logger)
    : path_(std::move(path)), settings_(settings), logger_(logger) {
    if (settings_.maxFileBytes == 0 || settings_.maxFiles == 0 || settings_.followLines == 0) {
        throw Poco::InvalidArgumentException("log limits must be positive");
    }
}

std::string VersionLog::filePath(std::size_t index) const {
    return index == 0 ? path_ : fmt::format("{}.{}", path_, index);
}

void VersionLog::append(LogLevel level, std::string_view message) {
    std::vector<std::string> pieces = LogLine::splitMessage(message);
    std::lock_guard lock(mutex_);
    Poco::Timestamp now;
    for (std::string& piece : pieces) {
        std::string line = LogLine{now, level, std::move(piece)}.format();
        truncateToFit(line, settings_.maxFileBytes);
        writeLocked(line);
        std::uint64_t sequence = nextSequence_++;
        if (followers_ > 0) {
            recent_.emplace_back(sequence, std::move(line));
            while (recent_.size() > settings_.followLines) {
                recent_.pop_front();
            }
        }
    }
    if (followers_ > 0) {
        changed_.notify_all();
    }
}

void VersionLog::writeLocked(const std::string& line) {
    try {
        if (!writerOpen_) {
            openWriterLocked();
        }
        if (lostLines_ > 0) {
            putLocked(LogLine{Poco::Timestamp(), LogLevel::Warning,
                              fmt::format("{} line(s) of this log could not be written: {}",
                                          lostLines_, lastFailure_)}
                          .format());
            lostLines_ = 0;
        }
        putLocked(line);
        writeFailed_ = false;
    } catch (const Poco::Exception& error) {
        failLocked(error.displayText());
    } catch (const std::exception& error) {
        failLocked(error.what());
    }
}

void VersionLog::putLocked(std::string line) {
    truncateToFit(line, settings_.maxFileBytes);
    const std::uint64_t bytes = line.size() + 1;
    line += '\n';
    if (currentSize_ > 0 && currentSize_ + bytes > settings_.maxFileBytes) {
        rotateLocked();
        openWriterLocked();
    }
    if (!writer_.write(line.data(), static_cast<std::streamsize>(line.size())) ||
        !writer_.flush()) {
        const int error = errno;
        throw Poco::WriteFileException(path_, error != 0 ? std::strerror(error) : "");
    }
    currentSize_ += bytes;
}

void VersionLog::failLocked(const std::string& reason) {
    writer_.close();
    writer_.clear();
    writerOpen_ = false;
    // Whatever part of the line reached the file is cut off when the file is opened again.
    ++lostLines_;
    lastFailure_ = reason;
    if (!writeFailed_) {
        writeFailed_ = true;
        logger_.warning(fmt::format("cannot write the service log {}: {}", path_, reason));
    }
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

std::vector<std::string> VersionLog::readFiles(std::vector<SnapshotFile>& files,
                                               const LogQuery& query) {
    const std::size_t limit = query.tail.value_or(std::numeric_limits<std::size_t>::max());
    const std::string since = query.since ? LogLine::formatTime(*query.since) : std::string();
    std::vector<std::string> newestFirst;
    if (limit == 0) {
        return newestFirst;
    }
    // Lines are in time order, so reading backwards stops at the first line older than `since`.
    // Returns false once no more lines are wanted.
    auto take = [&](std::string line) {
        if (line.empty()) {
            return true;
        }
        if (!since.empty() && line.compare(0, since.size(), since) < 0) {
            return false;
        }
        newestFirst.push_back(std::move(line));
        return newestFirst.size() < limit;
    };
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
                    if (!take(block.substr(i + 1, end - i - 1))) {
                        return {newestFirst.rbegin(), newestFirst.rend()};
                    }
                    end = i;
                }
            }
            partial = block.substr(0, end);
        }
        if (!take(std::move(partial))) {
            break;
        }
    }
    return {newestFirst.rbegin(), newestFirst.rend()};
}

std::vector<std::string> VersionLog::read(const LogQuery& query) const {
    std::vector<SnapshotFile> files;
    {
        std::lock_guard lock(mutex_);
        files = openFilesLocked();
    }
    return readFiles(files, query);
}

std::pair<std::vector<std::string>, std::uint64_t> VersionLog::startFollowing(
    const LogQuery& query) {
    std::vector<SnapshotFile> files;
    std::uint64_t cursor = 0;
    {
        std::lock_guard lock(mutex_);
        files = openFilesLocked();
        ++followers_;
        cursor = nextSequence_;
    }
    try {
        return {readFiles(files, query), cursor};
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
    std::lock_guard lock(mutex_);
    if (liveBuilds_ > 0 && --liveBuilds_ == 0) {
        // Nothing more is expected: free the file until a build writes again.
        writer_.close();
        writer_.clear();
        writerOpen_ = false;
    }
    changed_.notify_all();
}

void VersionLog::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
}

bool VersionLog::exists() const {
    std::lock_guard lock(mutex_);
    // Rotated files are numbered from 1 without gaps.
    return Poco::File(filePath(0)).exists() ||
           (settings_.maxFiles > 1 && Poco::File(filePath(1)).exists());
}

}  // namespace mvi::host
