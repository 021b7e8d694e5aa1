#pragma once

#include <Poco/Timestamp.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/ServiceId.h"

namespace mvi::host {

/// Severity of a notification, numbered as in the original platform.
enum class Severity { Info = 0, Warning = 1, Critical = 2 };

/// Upper-case name of a severity ("WARNING").
const char* severityName(Severity severity);

/// A notification raised by a service (or by the host about a service), stacked: repeats of the
/// same (service, version, message, severity) raise `counter` and move `lastTime`.
struct Notification {
    std::string id;
    ServiceId service;
    Severity severity = Severity::Info;
    std::string message;
    std::vector<std::string> emails;
    double timerSeconds = 0;
    Poco::Timestamp firstTime;
    Poco::Timestamp lastTime;
    std::uint64_t counter = 0;

    /// The JSON shape of `GET /notifications/`.
    nlohmann::json toJson() const;
};

/// All notifications, keyed by a stable id derived from what identifies a stack. Thread-safe.
class NotificationStore {
  public:
    /// Adds a notification or stacks it onto an equal one. Returns the stack after the change.
    Notification raise(const ServiceId& service, Severity severity, const std::string& message,
                       std::vector<std::string> emails = {}, double timerSeconds = 0);

    /// All stacks, oldest first.
    std::vector<Notification> list() const;

    /// `{"<id>": {...}, ...}`, the shape of `GET /notifications/`.
    nlohmann::json toJson() const;

    /// Removes every notification.
    void clear();

  private:
    mutable std::mutex mutex_;
    std::map<std::string, Notification> notifications_;
};

}  // namespace mvi::host
