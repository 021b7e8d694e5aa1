#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "auth/Authenticator.h"
#include "front/Settings.h"
#include "logs/LogStore.h"
#include "monitor/MonitorStore.h"
#include "notifications/Mailer.h"
#include "reload/PluginWatcher.h"

namespace mvi::host {

/// The `http.*` keys: the listener and the limits on what a request may send.
struct HttpSettings {
    std::string host;
    unsigned port = 0;
    int maxThreads = 0;
    int maxQueued = 0;
    std::size_t maxBodyBytes = 0;
    std::size_t maxUploadBytes = 0;
    /// Bytes a route's streamed answer holds for a client that reads slower than it is written.
    std::size_t streamBufferBytes = 0;
    /// Most arrays and objects nested in one another in JSON the host reads.
    std::size_t maxJsonDepth = 0;
    /// How long a connection whose request body was refused keeps reading (and dropping) what
    /// the client still sends before it closes.
    std::chrono::seconds linger{0};
    std::chrono::seconds keepAlive{0};
    /// Host names (and addresses) served besides the loopback names and `http.host`; "*" serves
    /// any (see BrowserGuard).
    std::vector<std::string> allowedHosts;
    /// `http.front`: `event` (front::Server) or `threads` (Poco's thread-per-connection server,
    /// kept for one release to compare). With TLS the threaded front serves.
    std::string front;
    /// The event front's settings (its sizes and limits from the keys above and its own).
    front::Settings event;
};

/// The `plugins.*` keys: the plugins folder and how a build is loaded and unloaded.
struct PluginSettings {
    std::string dir;
    /// How long unloading a version waits for the threads its plugin started.
    std::chrono::seconds stopTimeout{0};
    /// Load builds with STB_GNU_UNIQUE symbols (with a warning) instead of refusing them.
    bool allowUniqueSymbols = false;
    /// The program run as a new build's probe process; empty: this mvi-host itself.
    std::string probeExecutable;
    /// How long a new build's constructors and registration may run in its probe process.
    std::chrono::seconds registrationTimeout{0};
    /// Most files and folders an uploaded archive's `assets/` folder may hold.
    std::size_t maxAssetFiles = 0;
};

/// The `data.*` keys: where the host keeps its state.
struct DataSettings {
    std::string dir;
};

/// The `logs.*` keys: the limits of each version's log, how its lines reach the file
/// (`logs.flush`), and the host's own log level.
struct LogSettings {
    LogStore::Settings store;
    /// trace, debug, information, notice, warning, error, critical or fatal.
    std::string level;
};

/// The `reload.*` keys: watching the plugins folder and choosing the main version.
struct ReloadSettings {
    bool watch = true;
    /// "first" or "newest" (ServiceRegistry::parsePromotion).
    std::string promote;
    /// The quiet times before a changed file is loaded.
    PluginWatcher::Settings watcher;
};

/// The `mirror.*` keys: the pool serving mirrored copies to shadows.
struct MirrorSettings {
    std::size_t queueCapacity = 0;
    unsigned threads = 0;
    /// A call of a route whose body is larger is not mirrored (counted as dropped).
    std::size_t maxBodyBytes = 1 << 20;
};

/// The `scheduler.*` keys: the pool running the periodic tasks of services.
struct SchedulerSettings {
    unsigned threads = 0;
};

/// The `services.*` keys: limits on entrypoint calls.
struct ServicesSettings {
    /// Most calls between services nested in one another.
    std::size_t callDepth = 0;
    std::chrono::seconds callTimeout{0};
    /// Stuck calls the serving process tolerates before it asks to be replaced.
    std::size_t stuckCallsLimit = 0;
};

/// The `auth.*` keys.
struct AuthSettings {
    /// What the authenticator is set up with: `enabled` is `auth.enabled` decided for
    /// `http.host` (Authenticator::enabledFor), and a generated password goes to
    /// `data.dir/admin_password`.
    Authenticator::Settings authenticator;
    /// `auth.require_tls`: refuse to start with auth on, no TLS and a non-loopback address.
    bool requireTls = false;
};

/// The `tls.*` keys: PEM certificate (chain) and private key of the HTTPS listener; both empty:
/// plain HTTP.
struct TlsSettings {
    std::string certificateFile;
    std::string keyFile;

    /// Whether the host serves HTTPS (both files are set).
    bool enabled() const { return !certificateFile.empty(); }
};

/// The `docs.*` keys.
struct DocsSettings {
    /// Folder of the API viewer's files; empty: `<bin>/../share/mvi/docs` beside mvi-host.
    std::string assetsDir;
};

/// The `dashboard.*` keys.
struct DashboardSettings {
    /// Folder of the dashboard's files; empty: `<bin>/../share/mvi/web` beside mvi-host.
    std::string assetsDir;
};

/// The host's settings, read once at start from Poco's layered configuration: one section per
/// key prefix, each the settings of the part of the host that uses them (the stores' own
/// `Settings` where they have one).
///
/// Every key, its default and its meaning are listed in `HostConfig::defaults()`; the README's
/// configuration table is that list. Each key can be overridden by an environment variable
/// `MVI_<KEY>` (dots become underscores, upper case: `http.port` -> `MVI_HTTP_PORT`) and by the
/// command line. `from` sets every member that a key stands for, so the keys' defaults are those
/// of that list, not the sections' member initialisers.
struct HostConfig {
    HttpSettings http;
    PluginSettings plugins;
    DataSettings data;
    LogSettings logs;
    ReloadSettings reload;
    MirrorSettings mirror;
    SchedulerSettings scheduler;
    ServicesSettings services;
    AuthSettings auth;
    TlsSettings tls;
    Mailer::Settings smtp;
    MonitorStore::Settings monitor;
    DocsSettings docs;
    DashboardSettings dashboard;

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
