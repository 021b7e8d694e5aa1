#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Timestamp.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ServiceId.h"
#include "state/Database.h"

namespace mvi::host {

/// Severity of a notification, numbered as in the original platform.
enum class Severity { Info = 0, Warning = 1, Critical = 2 };

/// Upper-case name of a severity ("WARNING").
const char* severityName(Severity severity);

/// The severity named `name` ("INFO", "WARNING", "CRITICAL", in any case).
std::optional<Severity> parseSeverity(std::string_view name);

/// A notification raised by a service (or by the host about a service), stacked: repeats of the
/// same (service, version, message, severity) raise `counter` and move `lastTime`. `emails` and
/// `timerSeconds` are those of the latest raise.
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

/// All notifications, keyed by a stable id derived from what identifies a stack, kept in the
/// table `notifications` of an SQLite file (the host's `data.dir/mvi.db`, through a connection
/// of its own). Every change is committed before the call returns, so the stacks, their counters
/// and timestamps survive a restart, even after `kill -9`.
///
/// E-mail follows the original's timer rule: a raise that names addresses hands the stack to the
/// e-mail sender unless an e-mail for the same stack was handed over less than the raise's
/// `timerSeconds` ago (a timer of 0 e-mails every raise). The time of the last e-mail is stored
/// with the stack, so the rule holds across restarts.
///
/// Thread-safe: all calls share one connection behind a mutex. Other connections to the same
/// file (the state store, another process) are waited for (busy timeout) rather than failed.
class NotificationStore {
  public:
    /// Receives a stack whose e-mail is due. Called after the change is committed, outside the
    /// store's lock; it must return quickly (queue the message, do not send it).
    using EmailSender = std::function<void(const Notification&)>;

    /// The current time; tests pass their own.
    using Clock = std::function<Poco::Timestamp()>;

    /// A store in a private in-memory database that sends no e-mail (for tests).
    NotificationStore();

    /// Opens a connection of its own to `database` (not null; its schema holds the table). An
    /// empty `sendEmail` turns e-mail off; an empty `clock` uses the system clock. Throws
    /// std::runtime_error naming the path and SQLite's message on failure.
    explicit NotificationStore(std::shared_ptr<Database> database, EmailSender sendEmail = {},
                               Clock clock = {});

    NotificationStore(const NotificationStore&) = delete;
    NotificationStore& operator=(const NotificationStore&) = delete;

    /// Adds a notification or stacks it onto an equal one, and hands it to the e-mail sender
    /// when the timer rule says so. Returns the stack after the change. Throws
    /// std::invalid_argument for an address that is not an e-mail address or a timer that is
    /// negative or not finite (nothing is changed), StorageError when the data folder refuses the
    /// write (disk full, read-only, ...; nothing is changed), std::runtime_error for another
    /// database failure.
    Notification raise(const ServiceId& service, Severity severity, const std::string& message,
                       std::vector<std::string> emails = {}, double timerSeconds = 0);

    /// All stacks, oldest first.
    std::vector<Notification> list() const;

    /// `{"<id>": {...}, ...}`, the shape of `GET /notifications/`.
    nlohmann::json toJson() const;

    /// Removes every notification. Throws StorageError when the data folder refuses the write.
    void clear();

  private:
    std::shared_ptr<Database> database_;
    std::string path_;
    EmailSender sendEmail_;
    Clock clock_;
    mutable std::mutex mutex_;
    mutable Poco::Data::Session session_;
};

}  // namespace mvi::host
