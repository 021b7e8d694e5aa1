#include "reload/PluginWatcher.h"

#include <Poco/Logger.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
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
#include "core/ServiceId.h"

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

/// A name that may be reported: `<name>_<version>.so`, never hidden.
bool isPluginFileName(const std::string& name) {
    return !name.empty() && name.front() != '.' && parsePluginFileName(name).has_value();
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
    inotifyFd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotifyFd_ < 0) {
        throw std::runtime_error(systemError("cannot create an inotify instance", errno));
    }
    wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd_ < 0) {
        int error = errno;
        closeDescriptors();
        throw std::runtime_error(systemError("cannot create an eventfd", error));
    }
    watch_ = addWatch();
    if (watch_ < 0) {
        int error = errno;
        closeDescriptors();
        throw std::runtime_error(systemError("cannot watch " + directory_, error));
    }
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
}

void PluginWatcher::run() {
    while (!stopRequested_) {
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
    if ((mask & IN_ISDIR) || !isPluginFileName(name)) {
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
    }
    entry.sequence = nextSequence_++;
    entry.state = fileState(fileName);
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
    // Already gone after a deletion or unmount; needed after a move, which keeps the watch.
    ::inotify_rm_watch(inotifyFd_, watch_);
    watch_ = -1;
    pending_.clear();
    reportedOpen_.clear();
    rescanRequested_ = true;
    rewatchAt_ = Clock::now() + settings_.rewatchInterval;
}

void PluginWatcher::tryRewatch() {
    int watch = addWatch();
    if (watch < 0) {
        rewatchAt_ = Clock::now() + settings_.rewatchInterval;
        return;
    }
    watch_ = watch;
    rewatchAt_.reset();
    logger().information("Watching plugins folder " + directory_ + " again");
    rescanRequested_ = true;
}

int PluginWatcher::pollTimeout() const {
    std::optional<Clock::time_point> next = rewatchAt_;
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
    struct stat info {};
    if (::stat((directory_ + "/" + fileName).c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return std::nullopt;
    }
    FileState state;
    state.inode = info.st_ino;
    state.size = info.st_size;
    state.mtime = info.st_mtim;
    return state;
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

}  // namespace mvi::host
