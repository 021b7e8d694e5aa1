#include "notifications/Mailer.h"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "core/Tls.h"

#include "core/BackgroundTask.h"

namespace mvi::host {
namespace {

/// The name the mailer's thread reports errors under.
constexpr const char* kThread = "mailer";

}  // namespace

Poco::Net::Context::Ptr Mailer::tlsContext() {
    if (tlsContext_) {
        return tlsContext_;
    }
    initializeTls();
    Poco::Net::Context::Params params;
    bool verify = settings_.tls == "required";
    params.verificationMode =
        verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
    params.caLocation = settings_.caFile;
    params.loadDefaultCAs = verify && settings_.caFile.empty();
    tlsContext_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    // OpenSSL checks the server's name itself; with "auto", any certificate is taken: STARTTLS
    // then keeps passive listeners out.
    tlsContext_->enableExtendedCertificateVerification(false);
    if (verify) {
        X509_VERIFY_PARAM* check = SSL_CTX_get0_param(tlsContext_->sslContext());
        Poco::Net::IPAddress address;
        if (Poco::Net::IPAddress::tryParse(settings_.host, address)) {
            X509_VERIFY_PARAM_set1_ip_asc(check, settings_.host.c_str());
        } else {
            X509_VERIFY_PARAM_set1_host(check, settings_.host.c_str(), 0);
        }
    }
    return tlsContext_;
}

Mailer::Mailer(Settings settings, Poco::Logger& logger)
    : settings_(std::move(settings)), logger_(logger) {
    if (enabled()) {
        queue_ = std::make_unique<WorkQueue<Notification>>(
            WorkQueue<Notification>::Settings{kThread, 1, QUEUE_CAPACITY},
            [this](std::vector<Notification>& notifications) {
                for (const Notification& notification : notifications) {
                    if (!BackgroundTask::guarded(kThread,
                                                 [this, &notification] { deliver(notification); }))
                        ++failed_;
                }
            });
    }
}

Mailer::~Mailer() {
    stop(std::chrono::steady_clock::now());
}

std::size_t Mailer::stop(std::chrono::steady_clock::time_point deadline) {
    stopping_ = true;
    if (!queue_) {
        return 0;
    }
    // What is queued is still sent, until the deadline.
    const std::size_t dropped = queue_->stop(deadline).size();
    failed_ += dropped;
    if (dropped > 0) {
        logger_.warning(
            fmt::format("{} notification e-mail(s) not sent: the host is stopping", dropped));
    }
    return dropped;
}

bool Mailer::send(const Notification& notification) {
    if (!enabled() || notification.emails.empty()) {
        return false;
    }
    if (queue_->push(notification)) {
        return true;
    }
    ++failed_;
    std::string reason = stopping_ ? std::string("the host is stopping")
                                   : fmt::format("{} messages already wait", QUEUE_CAPACITY);
    logger_.error(fmt::format("notification {} of {} {} not e-mailed: {}", notification.id,
                              notification.service.name, notification.service.version, reason));
    return false;
}

NotificationStore::EmailSender Mailer::sender() {
    if (!enabled()) {
        return {};
    }
    return [this](const Notification& notification) { send(notification); };
}

std::uint64_t Mailer::sent() const {
    return sent_;
}

std::uint64_t Mailer::failed() const {
    return failed_;
}

std::string Mailer::subject(const Notification& notification) {
    return fmt::format("[MVI] {} {} {}", severityName(notification.severity),
                       notification.service.name, notification.service.version);
}

std::string Mailer::body(const Notification& notification) {
    nlohmann::json fields = notification.toJson();
    return fmt::format(
        "{} notification from service {} {}:\r\n"
        "\r\n"
        "{}\r\n"
        "\r\n"
        "Service: {}\r\n"
        "Version: {}\r\n"
        "Severity: {}\r\n"
        "Counter: {}\r\n"
        "First raised: {}\r\n"
        "Last raised: {}\r\n"
        "Notification id: {}\r\n",
        severityName(notification.severity), notification.service.name,
        notification.service.version, notification.message, notification.service.name,
        notification.service.version, severityName(notification.severity), notification.counter,
        fields["first_timestamp"].get<std::string>(), fields["timestamp"].get<std::string>(),
        notification.id);
}

void Mailer::deliver(const Notification& notification) {
    std::string recipients;
    for (const std::string& email : notification.emails) {
        recipients += (recipients.empty() ? "" : ", ") + email;
    }
    try {
        Poco::Net::MailMessage message;
        message.setSender(settings_.sender);
        for (const std::string& email : notification.emails) {
            message.addRecipient(
                Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, email));
        }
        message.setSubject(Poco::Net::MailMessage::encodeWord(subject(notification)));
        message.setContentType("text/plain; charset=UTF-8");
        message.setContent(body(notification), Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);

        const Poco::Timespan timeout(static_cast<long>(settings_.timeout.count()), 0);
        Poco::Net::StreamSocket socket;
        socket.connect(
            Poco::Net::SocketAddress(settings_.host, static_cast<Poco::UInt16>(settings_.port)),
            timeout);
        Poco::Net::SecureSMTPClientSession session(socket);
        session.setTimeout(timeout);
        if (settings_.tls != "off") {
            session.login();
            if (!session.startTLS(tlsContext())) {
                if (settings_.tls == "required") {
                    throw Poco::Net::SSLException(
                        "the server does not offer STARTTLS (smtp.tls is required)");
                }
                logger_.debug(fmt::format("{}:{} offers no STARTTLS: the e-mail goes in clear",
                                          settings_.host, settings_.port));
            }
        }
        if (settings_.username.empty()) {
            session.login();
        } else {
            session.login(Poco::Net::SMTPClientSession::AUTH_LOGIN, settings_.username,
                          settings_.password);
        }
        session.sendMessage(message);
        session.close();
        ++sent_;
        logger_.information(fmt::format("notification {} of {} {} e-mailed to {}", notification.id,
                                        notification.service.name, notification.service.version,
                                        recipients));
    } catch (const Poco::Exception& error) {
        ++failed_;
        logger_.error(fmt::format("cannot e-mail notification {} of {} {} to {} through {}:{}: {}",
                                  notification.id, notification.service.name,
                                  notification.service.version, recipients, settings_.host,
                                  settings_.port, error.displayText()));
    } catch (const std::exception& error) {
        ++failed_;
        logger_.error(fmt::format("cannot e-mail notification {} of {} {} to {}: {}",
                                  notification.id, notification.service.name,
                                  notification.service.version, recipients, error.what()));
    }
}

}  // namespace mvi::host
