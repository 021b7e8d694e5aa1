#include "notifications/NotificationStore.h"

#include "state/SqliteDatabase.h"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>
#include <Poco/Tuple.h>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>

#include "core/IsoTime.h"
#include "notifications/EmailAddress.h"

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// The columns `list` reads, in the order of `Row`.
const char* const SELECT_COLUMNS =
    "SELECT id, service_name, service_version, severity, msg, emails, timer, first_time, "
    "last_time, counter FROM notifications";

using Row = Poco::Tuple<std::string, std::string, std::string, int, std::string, std::string,
                        double, Poco::Int64, Poco::Int64, Poco::Int64>;

std::string stackId(const ServiceId& service, Severity severity, const std::string& message) {
    Poco::SHA1Engine engine;
    // Length-prefixed fields, so that no two different stacks can produce the same input.
    for (const std::string& part :
         {service.name, service.version, std::to_string(static_cast<int>(severity)), message}) {
        engine.update(std::to_string(part.size()) + ":" + part);
    }
    return Poco::DigestEngine::digestToHex(engine.digest()).substr(0, 16);
}

Notification fromRow(const Row& row) {
    Notification notification;
    notification.id = row.get<0>();
    notification.service = ServiceId{row.get<1>(), row.get<2>()};
    notification.severity = static_cast<Severity>(row.get<3>());
    notification.message = row.get<4>();
    nlohmann::json emails = nlohmann::json::parse(row.get<5>(), nullptr, false);
    if (emails.is_array()) {
        for (const auto& email : emails) {
            if (email.is_string()) {
                notification.emails.push_back(email.get<std::string>());
            }
        }
    }
    notification.timerSeconds = row.get<6>();
    notification.firstTime = Poco::Timestamp(row.get<7>());
    notification.lastTime = Poco::Timestamp(row.get<8>());
    notification.counter = static_cast<std::uint64_t>(row.get<9>());
    return notification;
}

/// How errors name this database.
const std::string kWhat = "notifications database";

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

std::optional<Severity> parseSeverity(std::string_view name) {
    for (Severity severity : {Severity::Info, Severity::Warning, Severity::Critical}) {
        if (Poco::icompare(std::string(name), severityName(severity)) == 0) {
            return severity;
        }
    }
    return std::nullopt;
}

nlohmann::json Notification::toJson() const {
    return {{"service_name", service.name},
            {"service_version", service.version},
            {"msg", message},
            {"severity", static_cast<int>(severity)},
            {"severity_name", severityName(severity)},
            {"emails", emails},
            {"timer", timerSeconds},
            {"first_timestamp", formatIsoTime(firstTime)},
            {"timestamp", formatIsoTime(lastTime)},
            {"counter", counter}};
}

NotificationStore::NotificationStore() : NotificationStore(Database::open(":memory:")) {}

NotificationStore::NotificationStore(std::shared_ptr<Database> database, EmailSender sendEmail,
                                     Clock clock)
    : database_(std::move(database)),
      path_(database_->path()),
      sendEmail_(std::move(sendEmail)),
      clock_(clock ? std::move(clock) : [] { return Poco::Timestamp(); }),
      session_(database_->connect(kWhat)) {}

Notification NotificationStore::raise(const ServiceId& service, Severity severity,
                                      const std::string& message, std::vector<std::string> emails,
                                      double timerSeconds) {
    for (const std::string& email : emails) {
        if (!isEmailAddress(email)) {
            throw std::invalid_argument("'" + email + "' is not an e-mail address");
        }
    }
    if (!std::isfinite(timerSeconds) || timerSeconds < 0) {
        throw std::invalid_argument("the e-mail timer must be a non-negative number of seconds");
    }
    Notification stack;
    stack.id = stackId(service, severity, message);
    stack.service = service;
    stack.severity = severity;
    stack.message = message;
    stack.emails = std::move(emails);
    stack.timerSeconds = timerSeconds;
    const std::string emailsText = nlohmann::json(stack.emails).dump();
    const int severityNumber = static_cast<int>(severity);
    bool emailDue = false;
    {
        std::lock_guard lock(mutex_);
        const Poco::Timestamp time = clock_();
        const Poco::Int64 timeValue = time.epochMicroseconds();
        SqliteDatabase::guarded(kWhat, path_, "record a notification", [&] {
            SqliteDatabase::inWriteTransaction(session_, [&] {
                std::vector<Poco::Tuple<Poco::Int64, Poco::Int64, Poco::Nullable<Poco::Int64>>>
                    existing;
                session_ << "SELECT counter, first_time, emailed_time FROM notifications "
                            "WHERE id = ?",
                    useRef(stack.id), into(existing), now;
                std::optional<Poco::Int64> emailedTime;
                if (existing.empty()) {
                    stack.counter = 1;
                    stack.firstTime = time;
                } else {
                    stack.counter = static_cast<std::uint64_t>(existing[0].get<0>()) + 1;
                    stack.firstTime = Poco::Timestamp(existing[0].get<1>());
                    if (!existing[0].get<2>().isNull()) {
                        emailedTime = existing[0].get<2>().value();
                    }
                }
                stack.lastTime = time;
                if (sendEmail_ && !stack.emails.empty()) {
                    // The original's rule: silent while `timer` seconds have not passed since the
                    // last e-mail (a clock that went back does not silence it).
                    const double sinceEmail =
                        emailedTime ? static_cast<double>(timeValue - *emailedTime) / 1e6 : 0;
                    emailDue = !emailedTime || timerSeconds == 0 || sinceEmail < 0 ||
                               sinceEmail > timerSeconds;
                }
                if (emailDue) {
                    emailedTime = timeValue;
                }
                const Poco::Int64 firstValue = stack.firstTime.epochMicroseconds();
                const auto counterValue = static_cast<Poco::Int64>(stack.counter);
                Poco::Nullable<Poco::Int64> emailedValue;
                if (emailedTime) {
                    emailedValue = *emailedTime;
                }
                session_ << "INSERT INTO notifications (id, service_name, service_version, "
                            "severity, msg, emails, timer, first_time, last_time, counter, "
                            "emailed_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (id) DO UPDATE SET emails = excluded.emails, "
                            "timer = excluded.timer, last_time = excluded.last_time, "
                            "counter = excluded.counter, emailed_time = excluded.emailed_time",
                    useRef(stack.id), useRef(service.name), useRef(service.version),
                    useRef(severityNumber), useRef(message), useRef(emailsText),
                    useRef(timerSeconds), useRef(firstValue), useRef(timeValue),
                    useRef(counterValue), useRef(emailedValue), now;
            });
        });
    }
    if (emailDue) {
        sendEmail_(stack);
    }
    return stack;
}

std::vector<Notification> NotificationStore::list() const {
    std::vector<Row> rows;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "list notifications", [&] {
            session_ << std::string(SELECT_COLUMNS) + " ORDER BY first_time, id", into(rows), now;
        });
    }
    std::vector<Notification> result;
    result.reserve(rows.size());
    for (const Row& row : rows) {
        result.push_back(fromRow(row));
    }
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
    SqliteDatabase::guarded(kWhat, path_, "clear notifications",
                            [&] { session_ << "DELETE FROM notifications", now; });
}

}  // namespace mvi::host
