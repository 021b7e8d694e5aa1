#include "http/TlsSocket.h"

#include "core/Tls.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocketImpl.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <regex>
#include <sstream>

namespace mvi::host {
namespace {

/// The first byte of every TLS connection: a handshake record.
constexpr unsigned char kTlsHandshakeRecord = 0x16;

/// The most of a plain HTTP request head read to answer it.
constexpr std::size_t kMaxPlainHead = 16 * 1024;

/// How long the rest of a plain HTTP request is read and dropped after its answer.
constexpr std::chrono::seconds kPlainLinger{2};

/// Waits up to `milliseconds` for `fd` to be readable; false on a timeout or an error.
bool waitReadable(int fd, int milliseconds) {
    pollfd entry{fd, POLLIN, 0};
    int ready = 0;
    do {
        ready = ::poll(&entry, 1, std::max(milliseconds, 0));
    } while (ready < 0 && errno == EINTR);
    return ready > 0;
}

/// The answer to a plain HTTP request head sent to the HTTPS port: a GET or HEAD is redirected
/// (308) to the same URL over https, anything else answers 400; both say why in `detail`.
std::string plainHttpAnswer(const std::string& head) {
    Poco::Net::HTTPRequest request;
    std::string location;
    try {
        std::istringstream stream(head);
        request.read(stream);
        static const std::regex kHostName(R"([A-Za-z0-9.:\[\]-]{1,255})");
        const std::string& host = request.getHost();
        if (std::regex_match(host, kHostName) && request.getURI().rfind('/', 0) == 0 &&
            request.getURI().find_first_of("\r\n ") == std::string::npos) {
            location = "https://" + host + request.getURI();
        }
    } catch (const Poco::Exception&) {
        // Not even a request head: answered 400 below.
    }
    const bool redirect =
        !location.empty() && (request.getMethod() == Poco::Net::HTTPRequest::HTTP_GET ||
                              request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD);
    std::string detail =
        location.empty()
            ? std::string("this port speaks HTTPS only: a plain HTTP request was sent to it")
            : "this port speaks HTTPS only: use " + location;
    std::string body = nlohmann::json{{"detail", detail}}.dump();
    std::string answer = redirect
                             ? "HTTP/1.1 308 Permanent Redirect\r\nLocation: " + location + "\r\n"
                             : std::string("HTTP/1.1 400 Bad Request\r\n");
    answer += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\nConnection: close\r\n\r\n";
    if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_HEAD) {
        answer += body;
    }
    return answer;
}

/// A connection accepted on the listening socket, about to speak TLS as the server.
///
/// A client that speaks plain HTTP to this port (an `http://` URL with the HTTPS port) gets a
/// plain HTTP answer saying so, instead of a closed connection: its first byte is looked at
/// before the handshake.
class AcceptedTlsSocketImpl : public Poco::Net::SecureStreamSocketImpl {
  public:
    AcceptedTlsSocketImpl(Poco::Net::StreamSocketImpl* plain, Poco::Net::Context::Ptr context)
        : Poco::Net::SecureStreamSocketImpl(plain, std::move(context)) {
        // The handshake itself happens on the connection's first read, in its own thread.
        acceptSSL();
    }

    using Poco::Net::SecureStreamSocketImpl::receiveBytes;
    int receiveBytes(void* buffer, int length, int flags) override {
        if (!looked_) {
            looked_ = true;
            if (answeredPlainHttp()) {
                return 0;  // The end of the stream: the server closes the connection.
            }
        }
        return Poco::Net::SecureStreamSocketImpl::receiveBytes(buffer, length, flags);
    }

  private:
    /// Answers and ends a connection that speaks plain HTTP; false for anything else (TLS, or
    /// nothing yet: the handshake then reports what happened).
    bool answeredPlainHttp() {
        const int fd = sockfd();
        // The server's own timeout for a request (set on the socket before its first read).
        const Poco::Timespan::TimeDiff configured = getReceiveTimeout().totalMilliseconds();
        const int timeout =
            configured > 0
                ? static_cast<int>(std::min<Poco::Timespan::TimeDiff>(configured, 3600 * 1000))
                : 60'000;
        unsigned char first = 0;
        if (!waitReadable(fd, timeout) || ::recv(fd, &first, 1, MSG_PEEK) != 1 ||
            first == kTlsHandshakeRecord) {
            return false;
        }
        std::string head;
        char chunk[2048];
        while (head.size() < kMaxPlainHead && head.find("\r\n\r\n") == std::string::npos &&
               waitReadable(fd, timeout)) {
            ssize_t received = ::recv(fd, chunk, sizeof chunk, 0);
            if (received <= 0) {
                break;
            }
            head.append(chunk, static_cast<std::size_t>(received));
        }
        const std::string answer = plainHttpAnswer(head);
        ssize_t sent = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        (void)sent;  // A client that went away gets nothing; the connection ends either way.
        // What the client still sends (a body) is read and dropped for a moment, so that closing
        // does not reset the connection before the answer is read.
        ::shutdown(fd, SHUT_WR);
        const auto until = std::chrono::steady_clock::now() + kPlainLinger;
        for (auto now = std::chrono::steady_clock::now(); now < until;
             now = std::chrono::steady_clock::now()) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
            if (!waitReadable(fd, static_cast<int>(left.count()) + 1) ||
                ::recv(fd, chunk, sizeof chunk, 0) <= 0) {
                break;
            }
        }
        return true;
    }

    bool looked_ = false;
};

/// A plain listening socket whose accepted connections are wrapped in TLS.
class TlsServerSocketImpl : public Poco::Net::ServerSocketImpl {
  public:
    explicit TlsServerSocketImpl(TlsCertificates& certificates) : certificates_(certificates) {}
    TlsServerSocketImpl(int fd, TlsCertificates& certificates) : certificates_(certificates) {
        reset(fd);
    }

    Poco::Net::SocketImpl* acceptConnection(Poco::Net::SocketAddress& clientAddress) override {
        Poco::Net::StreamSocket plain(ServerSocketImpl::acceptConnection(clientAddress));
        Poco::AutoPtr<Poco::Net::SocketImpl> secure(new AcceptedTlsSocketImpl(
            static_cast<Poco::Net::StreamSocketImpl*>(plain.impl()), certificates_.current()));
        secure->duplicate();
        return secure.get();
    }

  private:
    TlsCertificates& certificates_;
};

TlsServerSocketImpl* boundImpl(const Poco::Net::SocketAddress& address, int backlog,
                               TlsCertificates& certificates) {
    Poco::AutoPtr<TlsServerSocketImpl> impl(new TlsServerSocketImpl(certificates));
    impl->bind(address, true);
    impl->listen(backlog);
    impl->duplicate();
    return impl.get();
}

}  // namespace

bool TlsCertificates::Stamp::operator==(const Stamp& other) const {
    return certificate == other.certificate && key == other.key &&
           certificateSize == other.certificateSize && keySize == other.keySize;
}

TlsCertificates::TlsCertificates(std::string certificateFile, std::string keyFile,
                                 Poco::Logger& logger)
    : certificateFile_(std::move(certificateFile)), keyFile_(std::move(keyFile)), logger_(logger) {
    initializeTls();
    loaded_ = stamp();
    context_ = load();
    nextCheck_ = std::chrono::steady_clock::now() + kCheckInterval;
}

TlsCertificates::Stamp TlsCertificates::stamp() const {
    Poco::File certificate(certificateFile_);
    Poco::File key(keyFile_);
    return Stamp{certificate.getLastModified(), key.getLastModified(), certificate.getSize(),
                 key.getSize()};
}

Poco::Net::Context::Ptr TlsCertificates::load() const {
    Poco::Net::Context::Params params;
    params.certificateFile = certificateFile_;
    params.privateKeyFile = keyFile_;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr context;
    try {
        context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    } catch (const Poco::Exception& error) {
        throw Poco::Net::SSLContextException(
            fmt::format("tls.certificate_file {} and tls.key_file {} cannot be used: {}",
                        certificateFile_, keyFile_, error.displayText()));
    }
    if (SSL_CTX_check_private_key(context->sslContext()) != 1) {
        throw Poco::Net::SSLContextException(
            fmt::format("tls.key_file {} is not the key of tls.certificate_file {}", keyFile_,
                        certificateFile_));
    }
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    return context;
}

Poco::Net::Context::Ptr TlsCertificates::current() {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (now < nextCheck_) {
        return context_;
    }
    nextCheck_ = now + kCheckInterval;
    try {
        Stamp seen = stamp();
        if (seen == loaded_) {
            return context_;
        }
        // Marked as seen first: a broken file is reported once, not on every connection.
        loaded_ = seen;
        context_ = load();
        logger_.information(fmt::format("TLS: certificate {} reloaded", certificateFile_));
    } catch (const Poco::Exception& error) {
        logger_.error(
            fmt::format("TLS: keeping the previous certificate: {}", error.displayText()));
    }
    return context_;
}

TlsServerSocket::TlsServerSocket(int fd, TlsCertificates& certificates)
    : Poco::Net::ServerSocket(new TlsServerSocketImpl(fd, certificates), true) {}

TlsServerSocket::TlsServerSocket(const Poco::Net::SocketAddress& address, int backlog,
                                 TlsCertificates& certificates)
    : Poco::Net::ServerSocket(boundImpl(address, backlog, certificates), true) {}

}  // namespace mvi::host
