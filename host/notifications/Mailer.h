#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/WorkQueue.h"
#include "notifications/NotificationStore.h"

namespace mvi::host {

/// Sends the e-mails of notifications through an SMTP server with Poco's SMTP client, from a
/// background thread of its own: queueing never waits on the network, so a service's `notify`
/// never does either. A message that cannot be sent is logged on the host log and dropped.
class Mailer {
  public:
    /// Where and how to send (the `smtp.*` configuration keys).
    struct Settings {
        /// SMTP server; empty turns e-mail off.
        std::string host;
        unsigned port = 25;
        /// The `From` address.
        std::string sender = "mvi@localhost";
        /// When not empty, the session logs in (AUTH LOGIN) with this name and `password`.
        std::string username;
        std::string password;
        /// Limit on connecting and on each reply of the server.
        std::chrono::seconds timeout{10};
        /// STARTTLS: "auto" (when the server offers it, without checking its certificate),
        /// "required" (always, with the certificate checked against the system's CA store or
        /// `caFile`, and the server's name) or "off".
        std::string tls = "auto";
        std::string caFile;
    };

    /// Most messages waiting to be sent; beyond this new ones are dropped with a log line.
    static constexpr std::size_t QUEUE_CAPACITY = 1000;

    /// Starts the sending thread when e-mail is on. Logs on `logger`.
    Mailer(Settings settings, Poco::Logger& logger);
    /// Stops at once (see stop).
    ~Mailer();

    Mailer(const Mailer&) = delete;
    Mailer& operator=(const Mailer&) = delete;

    /// Whether an SMTP server is configured.
    bool enabled() const { return !settings_.host.empty(); }

    /// Queues one e-mail about `notification` to all of its addresses. False (and logged when it
    /// had addresses) when e-mail is off, there is no address or the queue is full.
    bool send(const Notification& notification);

    /// Stops sending: new messages are refused (logged) at once; queued messages are still sent
    /// until `deadline`; what is left then is dropped with a log line, and the thread ends after
    /// the message it is sending. Returns how many were dropped. Idempotent.
    std::size_t stop(std::chrono::steady_clock::time_point deadline);

    /// The sender to hand to NotificationStore: queues on this mailer; empty when e-mail is off.
    NotificationStore::EmailSender sender();

    /// Messages the server accepted.
    std::uint64_t sent() const;
    /// Messages that could not be sent or were dropped.
    std::uint64_t failed() const;

    /// Subject of the e-mail about `notification`: `[MVI] WARNING hello 1.0.0`.
    static std::string subject(const Notification& notification);

    /// Plain-text body of the e-mail about `notification`: message, service, version, severity,
    /// counter and times.
    static std::string body(const Notification& notification);

  private:
    void deliver(const Notification& notification);
    /// The TLS context of STARTTLS, made on first use (by the sending thread only).
    Poco::Net::Context::Ptr tlsContext();

    Settings settings_;
    Poco::Logger& logger_;
    /// Set by `stop`: nothing is queued any more.
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> failed_{0};
    Poco::Net::Context::Ptr tlsContext_;
    /// The messages waiting to be sent, and the sending thread; none when e-mail is off.
    std::unique_ptr<WorkQueue<Notification>> queue_;
};

}  // namespace mvi::host
