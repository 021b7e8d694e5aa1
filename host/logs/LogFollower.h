#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "logs/LogQuery.h"
#include "logs/VersionLog.h"

namespace mvi::host {

/// A reader following one version's log (`GET /services/~logs?follow=true`): first the stored
/// lines its query selects, then every line written after them, without gap or repeat, until
/// the version's stream ends. Unregisters itself when destroyed. Used by one thread.
class LogFollower {
  public:
    /// Reads the lines `query` selects and starts following `log` after them.
    LogFollower(std::shared_ptr<VersionLog> log, const LogQuery& query);
    ~LogFollower();

    LogFollower(const LogFollower&) = delete;
    LogFollower& operator=(const LogFollower&) = delete;

    /// The stored lines the query selected, oldest first.
    const std::vector<std::string>& initialLines() const { return initialLines_; }

    /// Waits up to `timeout` for new lines or the end of the stream.
    VersionLog::Batch next(std::chrono::milliseconds timeout);

  private:
    std::shared_ptr<VersionLog> log_;
    std::vector<std::string> initialLines_;
    std::uint64_t cursor_ = 0;
};

}  // namespace mvi::host
