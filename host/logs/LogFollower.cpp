#include "logs/LogFollower.h"

namespace mvi::host {

LogFollower::LogFollower(std::shared_ptr<VersionLog> log, const LogQuery& query)
    : log_(std::move(log)) {
    auto [lines, cursor] = log_->startFollowing(query);
    initialLines_ = std::move(lines);
    cursor_ = cursor;
}

LogFollower::~LogFollower() {
    log_->stopFollowing();
}

VersionLog::Batch LogFollower::next(std::chrono::milliseconds timeout) {
    return log_->wait(cursor_, timeout);
}

}  // namespace mvi::host
