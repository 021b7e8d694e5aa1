#include "logs/LogStore.h"

#include <Poco/Exception.h>
#include <Poco/Message.h>
#include <Poco/Path.h>

namespace mvi::host {

std::optional<LogStore::Flush> LogStore::parseFlush(const std::string& text) {
    if (text == "line") {
        return Flush::Line;
    }
    if (text == "interval") {
        return Flush::Interval;
    }
    return std::nullopt;
}

const char* LogStore::flushName(Flush flush) {
    return flush == Flush::Line ? "line" : "interval";
}

const ServiceId LogStore::kHostLog{"~host", "~host"};

LogStore::LogStore(std::string directory, Settings settings, Poco::Logger& hostLogger)
    : directory_(std::move(directory)), settings_(settings), hostLogger_(hostLogger) {
    if (settings_.flush == Flush::Interval) {
        if (settings_.flushInterval.count() <= 0) {
            throw Poco::InvalidArgumentException("the log flush interval must be positive");
        }
        held_ = std::make_shared<HeldBytes>(settings_.maxHeldBytes);
        flusher_ = std::make_unique<LogFlusher>(settings_.flushInterval);
    }
    logFor(kHostLog)->beginStream();
}

LogStore::~LogStore() {
    if (flusher_) {
        held_->close();
        flusher_->stop();
    }
}

std::string LogStore::pathFor(const ServiceId& service) const {
    if (service == kHostLog) {
        Poco::Path path = Poco::Path::forDirectory(directory_);
        path.setFileName("~host.log");
        return path.toString();
    }
    if (!isValidServiceName(service.name) || !isValidVersion(service.version)) {
        throw Poco::InvalidArgumentException("not a service version: " + service.str());
    }
    Poco::Path path = Poco::Path::forDirectory(directory_);
    path.pushDirectory(service.name);
    path.setFileName(service.version + ".log");
    return path.toString();
}

std::shared_ptr<VersionLog> LogStore::logFor(const ServiceId& service) const {
    {
        // The common case, on every line a service logs: its log is open already.
        std::lock_guard lock(mutex_);
        auto found = logs_.find(service);
        if (found != logs_.end() && found->second) {
            return found->second;
        }
    }
    std::string path = pathFor(service);
    std::lock_guard lock(mutex_);
    auto& log = logs_[service];
    if (!log) {
        log = std::make_shared<VersionLog>(path, settings_, hostLogger_, held_);
        if (closed_) {
            log->close();
        }
    }
    return log;
}

void LogStore::append(const ServiceId& service, LogLevel level, std::string message) {
    // Info lines are echoed at the host's debug level: a service logging on every call would
    // otherwise put a console write (under the console's lock) on every request. Its file below
    // has every line; the host logs lifecycle events on its own logger.
    Poco::Message::Priority priority = level == LogLevel::Warning ? Poco::Message::PRIO_WARNING
                                       : level == LogLevel::Error ? Poco::Message::PRIO_ERROR
                                                                  : Poco::Message::PRIO_DEBUG;
    if (!(service == kHostLog) && hostLogger_.is(priority)) {
        hostLogger_.log(Poco::Message(hostLogger_.name(),
                                      "[" + service.name + " " + service.version + "] " + message,
                                      priority));
    }
    std::shared_ptr<VersionLog> log = logFor(service);
    if (log->append(level, message)) {
        flusher_->schedule(std::move(log));
    }
}

std::vector<std::string> LogStore::read(const ServiceId& service, const LogQuery& query) const {
    return logFor(service)->read(query);
}

std::vector<std::string> LogStore::tail(const ServiceId& service, std::size_t count) const {
    LogQuery query;
    query.tail = count;
    return read(service, query);
}

std::vector<std::string> LogStore::since(const ServiceId& service, Poco::Timestamp from) const {
    LogQuery query;
    query.since = from;
    return read(service, query);
}

bool LogStore::contains(const ServiceId& service) const {
    std::string path = pathFor(service);
    {
        std::lock_guard lock(mutex_);
        auto found = logs_.find(service);
        if (found != logs_.end()) {
            return found->second->exists();
        }
    }
    // Asking about any name must not make the store remember it.
    return VersionLog(path, settings_, hostLogger_).exists();
}

std::unique_ptr<LogFollower> LogStore::follow(const ServiceId& service, const LogQuery& query) {
    return std::make_unique<LogFollower>(logFor(service), query);
}

void LogStore::beginStream(const ServiceId& service) {
    logFor(service)->beginStream();
}

void LogStore::endStream(const ServiceId& service) {
    logFor(service)->endStream();
}

void LogStore::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        for (auto& [service, log] : logs_) {
            log->close();
        }
    }
    if (flusher_) {
        // Lines appended from now on are written at once, after what their log holds; the
        // writer writes the rest.
        held_->close();
        flusher_->stop();
    }
}

}  // namespace mvi::host
