#include "reload/PluginWatcher.h"

#include <Poco/Logger.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "core/BackgroundTask.h"

// Added to <linux/magic.h> only in recent kernels' headers.
#ifndef CIFS_SUPER_MAGIC
#define CIFS_SUPER_MAGIC 0xFF534D42
#endif
#ifndef SMB2_SUPER_MAGIC
#define SMB2_SUPER_MAGIC 0xFE534D42
#endif

namespace mvi::host {
namespace {

/// The name the watcher's thread reports errors under.
constexpr const char* kThread = "plugin-watcher";

/// Events about files in the folder.
constexpr std::uint32_t kFileEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM;

/// Everything the watch asks for: file events, plus the folder itself going away. Files that
/// left the folder (deleted or renamed over) but are still open stay silent: a writer still
/// busy with a replaced file must not make its successor look changed.
constexpr std::uint32_t kWatchMask =
    kFileEvents | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

Poco::Logger& logger() {
    return Poco::Logger::get("mvi");
}

std::string systemError(const std::string& what, int error) {
    return what + ": " + std::strerror(error);
}

/// The folder's `statfs` type; nothing when it cannot be read (missing folder, say).
std::optional<std::int64_t> fileSystemType(const std::string& directory) {
    struct statfs info {};
    if (::statfs(directory.c_str(), &info) != 0) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(info.f_type);
}

/// What the folder event in `mask` means for the watch, or nullptr for a file event.
const char* folderLoss(std::uint32_t mask) {
    if (mask & IN_DELETE_SELF) {
        return "was deleted";
    }
    if (mask & IN_MOVE_SELF) {
        return "was moved away";
    }
    if (mask & IN_UNMOUNT) {
        return "was unmounted";
    }
    if (mask & IN_IGNORED) {
        return "is no longer watched";
    }
    return nullptr;
}

}  // namespace

PluginWatcher::PluginWatcher(std::string directory, ChangeCallback onChange,
                             RescanCallback onRescan, Settings settings)
    : directory_(std::move(directory)),
      onChange_(std::move(onChange)),
      onRescan_(std::move(onRescan)),
      settings_(settings) {}

PluginWatcher::PluginWatcher(std::string directory, ChangeCallback onChange,
                             RescanCallback onRescan)
    : PluginWatcher(std::move(directory), std::move(onChange), std::move(onRescan), Settings{}) {}

PluginWatcher::~PluginWatcher() {
    stop();
}

void PluginWatcher::start() {
    std::lock_guard lock(controlMutex_);
    if (thread_.joinable()) {
        throw std::logic_error("the watcher of " + directory_ + " is already started");
    }
    wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd_ < 0) {
        throw std::runtime_error(systemError("cannot create an eventfd", errno));
    }
    const std::optional<std::int64_t> type = fileSystemType(directory_);
    Choice choice = choose(settings_.mode, type, 0);
    if (choice.mode == Mode::Inotify) {
        std::string failure;
        if (int error = startInotify(failure); error != 0) {
            if (settings_.mode == Mode::Auto) {
                choice = choose(Mode::Auto, type, error);
            }
            if (choice.mode != Mode::Poll) {
                closeDescriptors();
                throw std::runtime_error(failure);
            }
        }
    }
    listing_.reset();
    nextListingAt_.reset();
    if (choice.mode == Mode::Poll) {
        // The first listing is what the next one is compared with: files already there are
        // the owner's to load, as with inotify.
        int error = 0;
        listing_ = FolderListing::read(directory_, error);
        if (!listing_) {
            closeDescriptors();
            throw std::runtime_error(systemError("cannot list " + directory_, error));
        }
        nextListingAt_ = Clock::now() + settings_.pollInterval;
        logger().information("Polling plugins folder " + directory_ + " every " +
                             std::to_string(settings_.pollInterval.count()) +
                             " ms (reload.watcher): " + choice.reason);
    } else {
        logger().information("Watching plugins folder " + directory_ +
                             " with inotify (reload.watcher): " + choice.reason);
    }
    active_ = choice.mode;
    stopRequested_ = false;
    rescanRequested_ = false;
    rewatchAt_.reset();
    pending_.clear();
    reportedOpen_.clear();
    try {
        BackgroundTask::declare(kThread);
        thread_ = std::thread([this] {
            runner_.store(std::this_thread::get_id(), std::memory_order_release);
            BackgroundTask::loop(kThread, [this] { run(); });
        });
    } catch (const std::system_error& e) {
        closeDescriptors();
        throw std::runtime_error(std::string("cannot start the watcher's thread: ") + e.what());
    }
}

int PluginWatcher::startInotify(std::string& failure) {
    inotifyFd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotifyFd_ < 0) {
        int error = errno;
        failure = systemError("cannot create an inotify instance", error);
        return error;
    }
    watch_ = addWatch();
    if (watch_ < 0) {
        int error = errno;
        failure = systemError("cannot watch " + directory_, error);
        ::close(inotifyFd_);
        inotifyFd_ = -1;
        return error;
    }
    return 0;
}

void PluginWatcher::stop() {
    if (runner_.load(std::memory_order_acquire) == std::this_thread::get_id()) {
        // Called from a callback: the thread ends when the callback returns.
        stopRequested_ = true;
        return;
    }
    std::lock_guard lock(controlMutex_);
    if (!thread_.joinable()) {
        return;
    }
    stopRequested_ = true;
    const std::uint64_t one = 1;
    // Fails only when the counter is full, and then the thread is being woken anyway.
    [[maybe_unused]] const ssize_t written = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
    runner_.store(std::thread::id(), std::memory_order_release);
    closeDescriptors();
    watch_ = -1;
    pending_.clear();
    reportedOpen_.clear();
    listing_.reset();
    nextListingAt_.reset();
}

void PluginWatcher::run() {
    while (!stopRequested_) {
        // When polling, inotifyFd_ is -1, which poll() ignores.
        pollfd fds[2] = {{inotifyFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
        if (::poll(fds, 2, pollTimeout()) < 0) {
            if (errno == EINTR) {
                continue;
            }
            logger().error(systemError("Plugin watcher of " + directory_ + " stopped", errno));
            return;
        }
        if (stopRequested_ || fds[1].revents != 0) {
            return;
        }
        if (fds[0].revents & (POLLERR | POLLNVAL)) {
            logger().error("Plugin watcher of " + directory_ +
                           " stopped: the inotify descriptor failed");
            return;
        }
        // A failure while handling one turn's events is logged and counted; watching goes on.
        BackgroundTask::guarded(kThread, [this, &fds] {
            if (fds[0].revents & POLLIN) {
                readEvents();
            }
            if (nextListingAt_ && Clock::now() >= *nextListingAt_) {
                listFolder();
            }
            if (rewatchAt_ && Clock::now() >= *rewatchAt_) {
                tryRewatch();
            }
            rescanIfRequested();
            fireDue();
        });
    }
}

void PluginWatcher::readEvents() {
    // One read per turn of the loop, so that deadlines are served between large bursts.
    alignas(inotify_event) char buffer[64 * 1024];
    ssize_t length = ::read(inotifyFd_, buffer, sizeof buffer);
    if (length < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            logger().error(systemError("Plugin watcher of " + directory_ + " cannot read", errno));
        }
        return;
    }
    for (ssize_t offset = 0; offset < length && !stopRequested_;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        // The name is padded with NULs to an aligned length.
        std::string name = event->len > 0 ? std::string(event->name) : std::string();
        handleEvent(event->wd, event->mask, name);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
}

void PluginWatcher::handleEvent(int watch, std::uint32_t mask, const std::string& name) {
    if (mask & IN_Q_OVERFLOW) {
        logger().warning("Plugin watcher of " + directory_ +
                         ": the event queue overflowed, listing the folder again");
        rescanRequested_ = true;
        return;
    }
    if (watch_ < 0 || watch != watch_) {
        // Left over from a watch that was lost.
        return;
    }
    if (const char* loss = folderLoss(mask)) {
        loseWatch(loss);
        return;
    }
    if ((mask & IN_ISDIR) || !FolderListing::isPluginFileName(name)) {
        return;
    }
    if (mask & (IN_DELETE | IN_MOVED_FROM)) {
        pending_.erase(name);
        reportedOpen_.erase(name);
        report(name, Change::Removed);
    } else if (mask & IN_MOVED_TO) {
        reportedOpen_.erase(name);
        schedule(name, Wait::Renamed, Clock::now());
    } else if (mask & IN_CLOSE_WRITE) {
        schedule(name, Wait::Closed, Clock::now());
    } else if (mask & IN_CREATE) {
        reportedOpen_.erase(name);
        schedule(name, Wait::Open, Clock::now());
    } else if (mask & IN_MODIFY) {
        schedule(name, Wait::Open, Clock::now());
    }
}

void PluginWatcher::schedule(const std::string& fileName, Wait wait, Clock::time_point now) {
    Pending& entry = pending_[fileName];
    entry.wait = wait;
    switch (wait) {
        case Wait::Renamed:
            entry.deadline = now;
            break;
        case Wait::Closed:
            entry.deadline = now + settings_.closeQuiet;
            break;
        case Wait::Open:
            entry.deadline = now + settings_.openWriteQuiet;
            break;
        case Wait::Listed:
            entry.deadline = now + stableTime();
            break;
    }
    entry.sequence = nextSequence_++;
    entry.state = fileState(fileName);
}

void PluginWatcher::listFolder() {
    const Clock::time_point now = Clock::now();
    nextListingAt_ = now + settings_.pollInterval;
    int error = 0;
    std::optional<FolderListing> current = FolderListing::read(directory_, error);
    if (!current) {
        loseWatch(error == ENOENT ? std::string("was deleted or moved away")
                                  : systemError("cannot be listed", error));
        return;
    }
    if (!listing_ || !current->sameFolder(*listing_)) {
        loseWatch("was replaced by another folder");
        return;
    }
    const FolderListing::Difference difference = current->since(*listing_);
    listing_ = std::move(current);
    for (const std::string& fileName : difference.changed) {
        schedule(fileName, Wait::Listed, now);
    }
    for (const std::string& fileName : difference.removed) {
        if (stopRequested_) {
            return;
        }
        pending_.erase(fileName);
        report(fileName, Change::Removed);
    }
}

std::chrono::milliseconds PluginWatcher::stableTime() const {
    return std::max(settings_.closeQuiet, settings_.pollInterval);
}

void PluginWatcher::fireDue() {
    const Clock::time_point now = Clock::now();
    std::vector<std::pair<std::pair<Clock::time_point, std::uint64_t>, std::string>> due;
    for (const auto& [fileName, entry] : pending_) {
        if (entry.deadline <= now) {
            due.push_back({{entry.deadline, entry.sequence}, fileName});
        }
    }
    std::sort(due.begin(), due.end());
    for (const auto& item : due) {
        if (stopRequested_) {
            return;
        }
        const std::string& fileName = item.second;
        auto found = pending_.find(fileName);
        if (found == pending_.end()) {
            continue;
        }
        std::optional<FileState> current = fileState(fileName);
        if (!current) {
            // Gone or not a regular file; a deletion, if any, is reported by its own event.
            pending_.erase(found);
            continue;
        }
        Pending& entry = found->second;
        if (entry.wait != Wait::Renamed && current != entry.state) {
            // Changed since it was scheduled: still being written. Wait again.
            schedule(fileName, entry.wait, Clock::now());
            continue;
        }
        const Wait wait = entry.wait;
        pending_.erase(found);
        if (wait == Wait::Open) {
            reportedOpen_[fileName] = *current;
        } else if (auto reported = reportedOpen_.find(fileName); reported != reportedOpen_.end()) {
            // Already reported while open; its close alone is not a new write.
            const bool unchanged = reported->second == *current;
            reportedOpen_.erase(reported);
            if (unchanged) {
                continue;
            }
        }
        report(fileName, Change::Ready);
    }
}

void PluginWatcher::loseWatch(const std::string& reason) {
    logger().warning("Plugins folder " + directory_ + " " + reason +
                     "; listing it again, and watching it again once it exists");
    if (watch_ >= 0) {
        // Already gone after a deletion or unmount; needed after a move, which keeps the watch.
        ::inotify_rm_watch(inotifyFd_, watch_);
        watch_ = -1;
    }
    listing_.reset();
    nextListingAt_.reset();
    pending_.clear();
    reportedOpen_.clear();
    rescanRequested_ = true;
    rewatchAt_ = Clock::now() + settings_.rewatchInterval;
}

void PluginWatcher::tryRewatch() {
    if (active_ == Mode::Poll) {
        int error = 0;
        listing_ = FolderListing::read(directory_, error);
        if (!listing_) {
            rewatchAt_ = Clock::now() + settings_.rewatchInterval;
            return;
        }
        nextListingAt_ = Clock::now() + settings_.pollInterval;
    } else {
        int watch = addWatch();
        if (watch < 0) {
            rewatchAt_ = Clock::now() + settings_.rewatchInterval;
            return;
        }
        watch_ = watch;
    }
    rewatchAt_.reset();
    logger().information("Watching plugins folder " + directory_ + " again");
    rescanRequested_ = true;
}

int PluginWatcher::pollTimeout() const {
    std::optional<Clock::time_point> next = rewatchAt_;
    if (nextListingAt_ && (!next || *nextListingAt_ < *next)) {
        next = nextListingAt_;
    }
    for (const auto& entry : pending_) {
        if (!next || entry.second.deadline < *next) {
            next = entry.second.deadline;
        }
    }
    if (!next) {
        return -1;
    }
    const Clock::time_point now = Clock::now();
    if (*next <= now) {
        return 0;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::min<decltype(wait)>(wait, INT_MAX));
}

void PluginWatcher::rescanIfRequested() {
    if (!rescanRequested_ || stopRequested_) {
        return;
    }
    rescanRequested_ = false;
    if (!onRescan_) {
        return;
    }
    try {
        onRescan_();
    } catch (const std::exception& e) {
        logger().error("Listing plugins folder " + directory_ + " again failed: " + e.what());
    } catch (...) {
        logger().error("Listing plugins folder " + directory_ +
                       " again failed with an unknown exception");
    }
}

void PluginWatcher::report(const std::string& fileName, Change change) {
    if (!onChange_) {
        return;
    }
    const char* what = change == Change::Ready ? "ready" : "removed";
    try {
        onChange_(fileName, change);
    } catch (const std::exception& e) {
        logger().error("Handling plugin file " + fileName + " (" + what + ") failed: " + e.what());
    } catch (...) {
        logger().error("Handling plugin file " + fileName + " (" + what +
                       ") failed with an unknown exception");
    }
}

std::optional<PluginWatcher::FileState> PluginWatcher::fileState(
    const std::string& fileName) const {
    return PluginFileState::of(directory_ + "/" + fileName);
}

int PluginWatcher::addWatch() const {
    return ::inotify_add_watch(inotifyFd_, directory_.c_str(), kWatchMask);
}

void PluginWatcher::closeDescriptors() {
    if (inotifyFd_ >= 0) {
        ::close(inotifyFd_);
        inotifyFd_ = -1;
    }
    if (wakeFd_ >= 0) {
        ::close(wakeFd_);
        wakeFd_ = -1;
    }
}

std::optional<PluginWatcher::Mode> PluginWatcher::parseMode(const std::string& text) {
    if (text == "auto") {
        return Mode::Auto;
    }
    if (text == "inotify") {
        return Mode::Inotify;
    }
    if (text == "poll") {
        return Mode::Poll;
    }
    return std::nullopt;
}

const char* PluginWatcher::remoteFileSystemName(std::int64_t type) {
    // f_type is a 32-bit magic number, sign-extended where the field is a signed long.
    switch (static_cast<std::uint32_t>(type)) {
        case NFS_SUPER_MAGIC:
            return "nfs";
        case SMB_SUPER_MAGIC:
            return "smb";
        case SMB2_SUPER_MAGIC:
            return "smb2";
        case CIFS_SUPER_MAGIC:
            return "cifs";
        case FUSE_SUPER_MAGIC:
            return "fuse";
        case V9FS_MAGIC:
            return "9p";
        case CEPH_SUPER_MAGIC:
            return "ceph";
        case AFS_SUPER_MAGIC:
        case AFS_FS_MAGIC:
            return "afs";
        case CODA_SUPER_MAGIC:
            return "coda";
        case NCP_SUPER_MAGIC:
            return "ncp";
        case OCFS2_SUPER_MAGIC:
            return "ocfs2";
        default:
            return nullptr;
    }
}

bool PluginWatcher::inotifyUnavailable(int error) {
    switch (error) {
        case EMFILE:  // instances per user (max_user_instances) or descriptors per process
        case ENFILE:  // descriptors of the system
        case ENOSPC:  // watches per user (max_user_watches)
        case ENOMEM:
        case ENOSYS:  // a kernel without inotify
            return true;
        default:
            return false;
    }
}

PluginWatcher::Choice PluginWatcher::choose(Mode requested,
                                            std::optional<std::int64_t> fileSystemType,
                                            int inotifyError) {
    switch (requested) {
        case Mode::Inotify:
            return {Mode::Inotify, "inotify was asked for"};
        case Mode::Poll:
            return {Mode::Poll, "polling was asked for"};
        case Mode::Auto:
            break;
    }
    if (fileSystemType) {
        if (const char* remote = remoteFileSystemName(*fileSystemType)) {
            return {Mode::Poll, std::string("the folder is on a network or FUSE file system (") +
                                    remote + "), where inotify misses what other machines write"};
        }
    }
    if (inotifyError != 0 && inotifyUnavailable(inotifyError)) {
        return {Mode::Poll, systemError("inotify cannot be started", inotifyError)};
    }
    return {Mode::Inotify, "the folder is on a local file system"};
}

}  // namespace mvi::host
