#pragma once

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <mutex>
#include <string>

namespace mvi::host {

/// The certificate and private key the HTTPS listener presents, read from two PEM files and read
/// again when either file changes, so that a renewed certificate is served without a restart.
///
/// A change that cannot be loaded (a half-written file, a key that does not match the
/// certificate) is logged and the previous certificate stays in use.
class TlsCertificates {
  public:
    /// Loads both files; throws Poco::Exception naming the file when they cannot be used.
    TlsCertificates(std::string certificateFile, std::string keyFile, Poco::Logger& logger);

    /// The context for a new connection: reloaded first when a file changed since the last look
    /// (looked at most once per `kCheckInterval`).
    Poco::Net::Context::Ptr current();

    /// How often the files' modification times are compared.
    static constexpr std::chrono::milliseconds kCheckInterval{500};

  private:
    struct Stamp {
        Poco::Timestamp certificate;
        Poco::Timestamp key;
        Poco::File::FileSize certificateSize = 0;
        Poco::File::FileSize keySize = 0;
        bool operator==(const Stamp& other) const;
    };

    Stamp stamp() const;
    Poco::Net::Context::Ptr load() const;

    std::string certificateFile_;
    std::string keyFile_;
    Poco::Logger& logger_;
    std::mutex mutex_;
    Poco::Net::Context::Ptr context_;
    Stamp loaded_;
    std::chrono::steady_clock::time_point nextCheck_;
};

/// A listening socket whose accepted connections speak TLS with the current certificate of
/// `certificates`. It listens on an inherited descriptor (the supervisor's) or on its own.
class TlsServerSocket : public Poco::Net::ServerSocket {
  public:
    /// Serves TLS on the listening socket `fd` made by another process.
    TlsServerSocket(int fd, TlsCertificates& certificates);

    /// Binds and listens on `address`.
    TlsServerSocket(const Poco::Net::SocketAddress& address, int backlog,
                    TlsCertificates& certificates);
};

}  // namespace mvi::host
