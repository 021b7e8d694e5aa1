#include "http/TlsSocket.h"

#include <Poco/Exception.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocketImpl.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <fmt/format.h>
#include <openssl/ssl.h>

namespace mvi::host {
namespace {

/// A connection accepted on the listening socket, about to speak TLS as the server.
class AcceptedTlsSocketImpl : public Poco::Net::SecureStreamSocketImpl {
  public:
    AcceptedTlsSocketImpl(Poco::Net::StreamSocketImpl* plain, Poco::Net::Context::Ptr context)
        : Poco::Net::SecureStreamSocketImpl(plain, std::move(context)) {
        // The handshake itself happens on the connection's first read, in its own thread.
        acceptSSL();
    }
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

void initializeTls() {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        // A certificate that fails a check is refused, never asked about on a console.
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject(
            new Poco::Net::RejectCertificateHandler(false));
        Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
    });
}

}  // namespace mvi::host
