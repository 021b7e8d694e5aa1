#include "state/DatabaseWatch.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/BackgroundTask.h"
#include "state/DatabaseHealth.h"

namespace mvi::host {
namespace {

/// The name the watch reports errors under.
constexpr const char* kThread = "database-watch";

/// What a deleted or replaced database loses, for the problems below.
constexpr const char* kContents =
    "deployments, main versions, parameter values, notifications, users, tokens and monitoring "
    "values";

}  // namespace

DatabaseWatch::DatabaseWatch(std::string path, Announce announce, std::chrono::milliseconds period)
    : path_(std::move(path)),
      announce_(std::move(announce)),
      timer_(static_cast<long>(period.count()), static_cast<long>(period.count())) {
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0) {
        known_ = true;
        device_ = info.st_dev;
        inode_ = info.st_ino;
    }
    BackgroundTask::declare(kThread);
    timer_.start(Poco::TimerCallback<DatabaseWatch>(*this, &DatabaseWatch::onTimer));
}

DatabaseWatch::~DatabaseWatch() {
    stop();
}

void DatabaseWatch::stop() {
    std::call_once(stopped_, [this] { timer_.stop(); });
}

void DatabaseWatch::onTimer(Poco::Timer&) {
    BackgroundTask::guarded(kThread, [this] { check(); });
}

void DatabaseWatch::check() {
    std::lock_guard lock(mutex_);
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0) {
        if (errno == ENOENT && known_) {
            DatabaseHealth::report(
                path_, fmt::format("the database {} was deleted while the host runs: the host goes "
                                   "on writing to the file it opened, which is gone, and "
                                   "everything in it ({}) is lost when the host stops; restore "
                                   "the file from a backup, or restart the host to begin with an "
                                   "empty database",
                                   path_, kContents));
        }
    } else if (!known_) {
        known_ = true;
        device_ = info.st_dev;
        inode_ = info.st_ino;
    } else if (info.st_dev != device_ || info.st_ino != inode_) {
        DatabaseHealth::report(
            path_, fmt::format("the database {} was replaced while the host runs: the host goes on "
                               "writing to the file it opened, which no longer is at that path, "
                               "and everything in it ({}) is lost when the host stops; restart "
                               "the host to use the new file",
                               path_, kContents));
    }
    std::vector<std::string> problems = DatabaseHealth::problems(path_);
    while (announced_ < problems.size()) {
        // Counted first: a problem whose announcement fails is not offered again.
        const std::string& problem = problems[announced_++];
        if (announce_) {
            announce_(problem);
        }
    }
}

}  // namespace mvi::host
