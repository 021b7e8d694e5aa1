#include "notifications/NotificationStore.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include <algorithm>

namespace mvi::host {
namespace {

std::string stackId(const ServiceId& service, Severity severity, const std::string& message) {
    Poco::SHA1Engine engine;
    // Length-prefixed fields, so that no two different stacks can produce the same input.
    for (const std::string& part :
         {service.name, service.version, std::to_string(static_cast<int>(severity)), message}) {
        engine.update(std::to_string(part.size()) + ":" + part);
    }
    return Poco::DigestEngine::digestToHex(engine.digest()).substr(0, 16);
}

std::string isoTime(const Poco::Timestamp& time) {
    return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%FZ");
}

}  // namespace

const char* severityName(Severity severity) {
    switch (severity) {
        case Severity::Info:
            return "INFO";
        case Severity::Warning:
            return "WARNING";
        case Severity::Critical:
            return "CRITICAL";
    }
    return "INFO";
}

nlohmann::json Notification::toJson() const {
    return {{"service_name", service.name},
            {"service_version", service.version},
            {"msg", message},
            {"severity", static_cast<int>(severity)},
            {"severity_name", severityName(severity)},
            {"emails", emails},
            {"timer", timerSeconds},
            {"first_timestamp", isoTime(firstTime)},
            {"timestamp", isoTime(lastTime)},
            {"counter", counter}};
}

Notification NotificationStore::raise(const ServiceId& service, Severity severity,
                                      const std::string& message, std::vector<std::string> emails,
                                      double timerSeconds) {
    std::string id = stackId(service, severity, message);
    std::lock_guard lock(mutex_);
    auto [entry, added] = notifications_.try_emplace(id);
    Notification& stack = entry->second;
    if (added) {
        stack.id = id;
        stack.service = service;
        stack.severity = severity;
        stack.message = message;
    } else {
        stack.lastTime.update();
    }
    stack.emails = std::move(emails);
    stack.timerSeconds = timerSeconds;
    ++stack.counter;
    return stack;
}

std::vector<Notification> NotificationStore::list() const {
    std::vector<Notification> result;
    {
        std::lock_guard lock(mutex_);
        for (const auto& entry : notifications_) {
            result.push_back(entry.second);
        }
    }
    std::sort(result.begin(), result.end(), [](const Notification& a, const Notification& b) {
        return a.firstTime < b.firstTime;
    });
    return result;
}

nlohmann::json NotificationStore::toJson() const {
    nlohmann::json result = nlohmann::json::object();
    for (const Notification& notification : list()) {
        result[notification.id] = notification.toJson();
    }
    return result;
}

void NotificationStore::clear() {
    std::lock_guard lock(mutex_);
    notifications_.clear();
}

}  // namespace mvi::host
