#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mvi::host {

/// The host's settings, read once at start from Poco's layered configuration.
///
/// Every key, its default and its meaning are listed in `HostConfig::defaults()`; the README's
/// configuration table is that list. Each key can be overridden by an environment variable
/// `MVI_<KEY>` (dots become underscores, upper case: `http.port` -> `MVI_HTTP_PORT`) and by the
/// command line.
struct HostConfig {
    std::string httpHost;
    unsigned httpPort = 0;
    int httpMaxThreads = 0;
    int httpMaxQueued = 0;
    std::size_t httpMaxBodyBytes = 0;
    std::size_t httpMaxUploadBytes = 0;
    /// Most arrays and objects nested in one another in JSON the host reads.
    std::size_t httpMaxJsonDepth = 0;
    /// How long a connection whose request body was refused keeps reading (and dropping) what
    /// the client still sends before it closes.
    int httpLingerSeconds = 0;
    int httpKeepAliveSeconds = 0;
    /// Host names (and addresses) served besides the loopback names and `http.host`; "*" serves
    /// any (see BrowserGuard).
    std::vector<std::string> httpAllowedHosts;
    std::string pluginsDir;
    int pluginsStopTimeoutSeconds = 0;
    /// Load builds with STB_GNU_UNIQUE symbols (with a warning) instead of refusing them.
    bool pluginsAllowUniqueSymbols = false;
    /// The program run as a new build's probe process; empty: this mvi-host itself.
    std::string pluginsProbeExecutable;
    /// How long a new build's constructors and registration may run in its probe process.
    int pluginsRegistrationTimeoutSeconds = 0;
    std::string dataDir;
    std::size_t logsMemoryLines = 0;
    std::uint64_t logsMaxFileBytes = 0;
    std::size_t logsMaxFiles = 0;
    std::string logsLevel;
    bool reloadWatch = true;
    std::string reloadPromote;
    int reloadCloseQuietMs = 0;
    int reloadOpenWriteQuietMs = 0;
    std::size_t mirrorQueueCapacity = 0;
    int mirrorThreads = 0;
    int schedulerThreads = 0;
    int servicesCallDepth = 0;
    int servicesCallTimeoutSeconds = 0;
    int servicesStuckCallsLimit = 0;
    /// `auth.enabled` as written: auto, true or false (see Authenticator::enabledFor).
    std::string authEnabled;
    std::string authAdminUser;
    /// `auth.admin_password`, or the content of `auth.admin_password_file`.
    std::string authAdminPassword;
    int authTokenDays = 0;
    int authLoginFreeFailures = 0;
    int authLoginBackoffSeconds = 0;
    int authLoginBackoffMaxSeconds = 0;
    int authLoginConcurrency = 0;
    /// `auth.require_tls`: refuse to start with auth on, no TLS and a non-loopback address.
    bool authRequireTls = false;
    /// PEM certificate (chain) and private key of the HTTPS listener; both empty: plain HTTP.
    std::string tlsCertificateFile;
    std::string tlsKeyFile;
    std::string smtpHost;
    unsigned smtpPort = 25;
    std::string smtpSender;
    std::string smtpUsername;
    std::string smtpPassword;
    int smtpTimeoutSeconds = 0;
    /// `smtp.tls`: auto, required or off (see Mailer::Settings::tls).
    std::string smtpTls;
    std::string smtpCaFile;
    /// `monitor.durability` as written: durable or queued (MonitorStore::parseDurability).
    std::string monitorDurability;
    std::size_t monitorQueueCapacity = 0;
    std::int64_t monitorRetentionSeconds = 0;
    std::uint64_t monitorRetentionRows = 0;
    int monitorCleanupSeconds = 0;
    /// Folder of the API viewer's files; empty: `<bin>/../share/mvi/docs` beside mvi-host.
    std::string docsAssetsDir;

    /// Whether the host serves HTTPS (`tls.certificate_file` and `tls.key_file` are set).
    bool tls() const { return !tlsCertificateFile.empty(); }

    /// What is wrong when auth is on but tokens and passwords would cross the network in clear
    /// (a non-loopback `http.host` without TLS); empty when nothing is.
    std::string plainTextWarning() const;

    /// One configuration key with its default value and a one-line description.
    struct Key {
        std::string name;
        std::string defaultValue;
        std::string description;
    };

    /// All keys the host reads, with defaults, in one place.
    static const std::vector<Key>& defaults();

    /// Reads every key from `config`; a key that is absent takes its default. Throws
    /// Poco::SyntaxException with the key's name for a value of the wrong form, and
    /// Poco::FileException naming the key for a secret file that cannot be read.
    static HostConfig from(const Poco::Util::AbstractConfiguration& config);

    /// Copies `MVI_<KEY>` environment variables over the matching keys of `config`.
    static void applyEnvironment(Poco::Util::AbstractConfiguration& config);
};

}  // namespace mvi::host
