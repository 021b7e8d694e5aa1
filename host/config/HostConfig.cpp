#include "config/HostConfig.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Timespan.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <istream>
#include <limits>
#include <stdexcept>

namespace mvi::host {
namespace {

std::string environmentName(const std::string& key) {
    std::string name = "MVI_";
    for (char c : key) {
        name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
}

/// The items of a comma-separated list, without surrounding blanks; empty items are left out.
std::vector<std::string> listOf(const std::string& text) {
    std::vector<std::string> items;
    Poco::StringTokenizer tokens(
        text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    items.assign(tokens.begin(), tokens.end());
    return items;
}

/// The first line of the file at `path`, the secret that configuration key `key` names.
std::string secretFromFile(const std::string& key, const std::string& path) {
    std::string secret;
    try {
        Poco::FileInputStream file(path);
        std::getline(file, secret);
        if (file.bad()) {
            throw Poco::ReadFileException(path);
        }
    } catch (const Poco::Exception& error) {
        throw Poco::FileException("configuration key " + key + ": cannot read " + path + ": " +
                                  error.displayText());
    }
    if (!secret.empty() && secret.back() == '\r') {
        secret.pop_back();
    }
    if (secret.empty()) {
        throw Poco::FileException("configuration key " + key + ": " + path +
                                  " is empty; its first line is the password");
    }
    return secret;
}

constexpr long long kIntMax = std::numeric_limits<int>::max();
constexpr long long kLongMax = std::numeric_limits<long long>::max();

/// The configuration's values by key, each checked for its form; an absent key takes its
/// default from HostConfig::defaults().
class Keys {
  public:
    explicit Keys(const Poco::Util::AbstractConfiguration& config) : config_(config) {}

    std::string text(const std::string& key) const {
        const auto& keys = HostConfig::defaults();
        auto found = std::find_if(
            keys.begin(), keys.end(),
            [&key](const HostConfig::Key& candidate) { return candidate.name == key; });
        return config_.getString(key, found->defaultValue);
    }

    long long integer(const std::string& key, long long low, long long high) const {
        std::string value = text(key);
        long long number = 0;
        try {
            std::size_t used = 0;
            number = std::stoll(value, &used);
            if (used != value.size()) {
                throw std::invalid_argument(value);
            }
        } catch (const std::exception&) {
            throw Poco::SyntaxException("configuration key " + key + " must be an integer, not '" +
                                        value + "'");
        }
        if (number < low || number > high) {
            throw Poco::SyntaxException("configuration key " + key + " must be within " +
                                        std::to_string(low) + ".." + std::to_string(high));
        }
        return number;
    }

    std::chrono::seconds seconds(const std::string& key, long long low, long long high) const {
        return std::chrono::seconds(integer(key, low, high));
    }

    bool boolean(const std::string& key) const {
        std::string value = text(key);
        if (value != "true" && value != "false") {
            throw Poco::SyntaxException("configuration key " + key + " must be true or false");
        }
        return value == "true";
    }

  private:
    const Poco::Util::AbstractConfiguration& config_;
};

HttpSettings httpSettings(const Keys& keys) {
    // What the host does with a value recurses once per level; this many stay far within a
    // thread's stack.
    constexpr long long kMaxJsonDepth = 4096;
    HttpSettings http;
    http.host = keys.text("http.host");
    http.port = static_cast<unsigned>(keys.integer("http.port", 0, 65535));
    http.maxThreads = static_cast<int>(keys.integer("http.max_threads", 1, kIntMax));
    http.maxQueued = static_cast<int>(keys.integer("http.max_queued", 1, kIntMax));
    http.maxBodyBytes = static_cast<std::size_t>(keys.integer("http.max_body_bytes", 1, kLongMax));
    http.maxUploadBytes =
        static_cast<std::size_t>(keys.integer("http.max_upload_bytes", 1, kLongMax));
    http.maxJsonDepth =
        static_cast<std::size_t>(keys.integer("http.max_json_depth", 1, kMaxJsonDepth));
    http.streamBufferBytes =
        static_cast<std::size_t>(keys.integer("http.stream_buffer_bytes", 1024, kLongMax));
    http.linger = keys.seconds("http.linger_seconds", 0, 300);
    http.keepAlive = keys.seconds("http.keep_alive_seconds", 1, kIntMax);
    http.allowedHosts = listOf(keys.text("http.allowed_hosts"));
    http.front = keys.text("http.front");
    if (http.front != "event" && http.front != "threads") {
        throw Poco::SyntaxException("configuration key http.front must be event or threads");
    }
    front::Settings& event = http.event;
    event.loops = static_cast<unsigned>(keys.integer("http.event_loops", 0, 256));
    event.workers = static_cast<unsigned>(http.maxThreads);
    event.maxQueued = static_cast<std::size_t>(http.maxQueued);
    event.maxStreams = static_cast<unsigned>(keys.integer("http.max_streams", 1, 65536));
    event.maxConnections =
        static_cast<std::size_t>(keys.integer("http.max_connections", 1, kIntMax));
    event.maxConnectionsPerAddress =
        static_cast<std::size_t>(keys.integer("http.max_connections_per_address", 1, kIntMax));
    event.maxHeadBytes =
        static_cast<std::size_t>(keys.integer("http.max_head_bytes", 1024, 1048576));
    event.headTimeout = keys.seconds("http.head_timeout_seconds", 1, 3600);
    event.bodyTimeout = keys.seconds("http.body_timeout_seconds", 1, 86400);
    event.bodyMinRate = static_cast<std::uint64_t>(keys.integer("http.body_min_rate", 0, kLongMax));
    event.idleTimeout = http.keepAlive;
    event.sendTimeout = keys.seconds("http.send_timeout_seconds", 1, 86400);
    event.linger = http.linger;
    event.maxBufferedBytes =
        static_cast<std::uint64_t>(keys.integer("http.max_buffered_bytes", 1024, kLongMax));
    return http;
}

PluginSettings pluginSettings(const Keys& keys) {
    PluginSettings plugins;
    plugins.dir = keys.text("plugins.dir");
    plugins.stopTimeout = keys.seconds("plugins.stop_timeout_seconds", 0, 3600);
    plugins.allowUniqueSymbols = keys.boolean("plugins.allow_unique_symbols");
    plugins.probeExecutable = keys.text("plugins.probe_executable");
    plugins.registrationTimeout = keys.seconds("plugins.registration_timeout_seconds", 1, 3600);
    plugins.maxAssetFiles =
        static_cast<std::size_t>(keys.integer("plugins.max_asset_files", 1, kIntMax));
    return plugins;
}

LogSettings logSettings(const Keys& keys) {
    LogSettings logs;
    logs.store.followLines =
        static_cast<std::size_t>(keys.integer("logs.memory_lines", 1, kIntMax));
    logs.store.maxFileBytes =
        static_cast<std::uint64_t>(keys.integer("logs.max_file_bytes", 1024, kLongMax));
    logs.store.maxFiles = static_cast<std::size_t>(keys.integer("logs.max_files", 1, 1000));
    auto flush = LogStore::parseFlush(keys.text("logs.flush"));
    if (!flush) {
        throw Poco::SyntaxException("configuration key logs.flush must be line or interval");
    }
    logs.store.flush = *flush;
    logs.store.flushInterval =
        std::chrono::milliseconds(keys.integer("logs.flush_interval_ms", 1, 1000));
    logs.level = keys.text("logs.level");
    static const std::vector<std::string> levels = {"trace",   "debug", "information", "notice",
                                                    "warning", "error", "critical",    "fatal"};
    if (std::find(levels.begin(), levels.end(), logs.level) == levels.end()) {
        throw Poco::SyntaxException(
            "configuration key logs.level must be one of trace, debug, "
            "information, notice, warning, error, critical, fatal");
    }
    return logs;
}

ReloadSettings reloadSettings(const Keys& keys) {
    ReloadSettings reload;
    reload.watch = keys.boolean("reload.watch");
    reload.promote = keys.text("reload.promote");
    if (reload.promote != "first" && reload.promote != "newest") {
        throw Poco::SyntaxException("configuration key reload.promote must be first or newest");
    }
    reload.watcher.closeQuiet =
        std::chrono::milliseconds(keys.integer("reload.close_quiet_ms", 0, 60000));
    reload.watcher.openWriteQuiet =
        std::chrono::milliseconds(keys.integer("reload.open_write_quiet_ms", 1, 3600000));
    auto mode = PluginWatcher::parseMode(keys.text("reload.watcher"));
    if (!mode) {
        throw Poco::SyntaxException(
            "configuration key reload.watcher must be auto, inotify or poll");
    }
    reload.watcher.mode = *mode;
    reload.watcher.pollInterval =
        std::chrono::milliseconds(keys.integer("reload.poll_interval_ms", 10, 3600000));
    return reload;
}

ServicesSettings servicesSettings(const Keys& keys) {
    ServicesSettings services;
    services.callDepth = static_cast<std::size_t>(keys.integer("services.call_depth", 1, 64));
    services.callTimeout = keys.seconds("services.call_timeout_seconds", 1, 86400);
    services.stuckCallsLimit =
        static_cast<std::size_t>(keys.integer("services.stuck_calls_limit", 1, 100000));
    return services;
}

/// The `auth.*` keys; whether auth is on depends on `httpHost`, and a generated password is
/// written in `dataDir`.
AuthSettings authSettings(const Keys& keys, const std::string& httpHost,
                          const std::string& dataDir) {
    AuthSettings auth;
    Authenticator::Settings& settings = auth.authenticator;
    std::string enabled = keys.text("auth.enabled");
    if (enabled != "auto" && enabled != "true" && enabled != "false") {
        throw Poco::SyntaxException("configuration key auth.enabled must be auto, true or false");
    }
    settings.enabled = Authenticator::enabledFor(enabled, httpHost);
    settings.adminUser = keys.text("auth.admin_user");
    if (settings.adminUser.empty()) {
        throw Poco::SyntaxException("configuration key auth.admin_user must not be empty");
    }
    settings.adminPassword = keys.text("auth.admin_password");
    std::string passwordFile = keys.text("auth.admin_password_file");
    if (!passwordFile.empty()) {
        if (!settings.adminPassword.empty()) {
            throw Poco::SyntaxException(
                "configuration keys auth.admin_password and auth.admin_password_file are both "
                "set: keep one");
        }
        settings.adminPassword = secretFromFile("auth.admin_password_file", passwordFile);
    }
    settings.generatedPasswordFile =
        Poco::Path(Poco::Path::forDirectory(dataDir), "admin_password").absolute().toString();
    int tokenDays = static_cast<int>(keys.integer("auth.token_days", 0, 36500));
    if (tokenDays > 0) {
        settings.defaultValidity = Poco::Timespan(tokenDays, 0, 0, 0, 0);
    }
    settings.throttle.freeFailures =
        static_cast<int>(keys.integer("auth.login_free_failures", 1, 1000000));
    int backoffSeconds = static_cast<int>(keys.integer("auth.login_backoff_seconds", 1, 3600));
    int backoffMaxSeconds =
        static_cast<int>(keys.integer("auth.login_backoff_max_seconds", 1, 3600));
    if (backoffMaxSeconds < backoffSeconds) {
        throw Poco::SyntaxException(
            "configuration key auth.login_backoff_max_seconds must not be below "
            "auth.login_backoff_seconds");
    }
    settings.throttle.backoff = Poco::Timespan(backoffSeconds, 0);
    settings.throttle.maxBackoff = Poco::Timespan(backoffMaxSeconds, 0);
    settings.throttle.concurrentChecks =
        static_cast<int>(keys.integer("auth.login_concurrency", 1, 64));
    auth.requireTls = keys.boolean("auth.require_tls");
    return auth;
}

TlsSettings tlsSettings(const Keys& keys) {
    TlsSettings tls;
    tls.certificateFile = keys.text("tls.certificate_file");
    tls.keyFile = keys.text("tls.key_file");
    if (tls.certificateFile.empty() != tls.keyFile.empty()) {
        throw Poco::SyntaxException(
            "configuration keys tls.certificate_file and tls.key_file go together: set both "
            "(HTTPS) or neither (plain HTTP)");
    }
    return tls;
}

Mailer::Settings smtpSettings(const Keys& keys) {
    Mailer::Settings smtp;
    smtp.host = keys.text("smtp.host");
    smtp.port = static_cast<unsigned>(keys.integer("smtp.port", 1, 65535));
    smtp.sender = keys.text("smtp.sender");
    smtp.username = keys.text("smtp.username");
    smtp.password = keys.text("smtp.password");
    smtp.timeout = keys.seconds("smtp.timeout_seconds", 1, 3600);
    smtp.tls = keys.text("smtp.tls");
    if (smtp.tls != "auto" && smtp.tls != "required" && smtp.tls != "off") {
        throw Poco::SyntaxException("configuration key smtp.tls must be auto, required or off");
    }
    smtp.caFile = keys.text("smtp.ca_file");
    return smtp;
}

MonitorStore::Settings monitorSettings(const Keys& keys) {
    MonitorStore::Settings monitor;
    auto durability = MonitorStore::parseDurability(keys.text("monitor.durability"));
    if (!durability) {
        throw Poco::SyntaxException(
            "configuration key monitor.durability must be durable or queued");
    }
    monitor.durability = *durability;
    monitor.queueCapacity =
        static_cast<std::size_t>(keys.integer("monitor.queue_capacity", 1, kIntMax));
    monitor.retentionSeconds = keys.integer("monitor.retention_seconds", 0, kLongMax / 1000000);
    monitor.retentionRows =
        static_cast<std::uint64_t>(keys.integer("monitor.retention_rows", 0, kLongMax));
    monitor.cleanupInterval = keys.seconds("monitor.cleanup_seconds", 1, 86400);
    return monitor;
}

}  // namespace

const std::vector<HostConfig::Key>& HostConfig::defaults() {
    static const std::vector<Key> keys = {
        {"http.host", "127.0.0.1", "Address to listen on."},
        {"http.port", "8080", "Port to listen on; 0 picks a free one and prints it."},
        {"http.front", "event",
         "The HTTP front: event (event loops own the connections, a worker pool runs the "
         "handlers) or threads (Poco's server, a thread per connection; kept for one release "
         "to compare). With TLS the threads front serves."},
        {"http.max_threads", "256",
         "Most requests served at once: the event front's workers, started as the load needs "
         "them (threads front: one thread per keep-alive connection)."},
        {"http.max_queued", "1024",
         "Complete requests waiting for a worker; beyond, 503 with Retry-After (threads "
         "front: connections waiting for a thread)."},
        {"http.event_loops", "0", "Event loops of the event front; 0: one per core."},
        {"http.max_streams", "64",
         "Streaming answers (logs followed) served at once, each on a thread of its own; "
         "beyond, 503 with Retry-After."},
        {"http.stream_buffer_bytes", "1048576",
         "Bytes a service's streamed answer (a route's chunked answer, server-sent events) "
         "holds for a client that reads slower than the service writes; a write beyond is "
         "refused (MVI_BUSY) and the service decides whether to drop or retry it."},
        {"http.max_connections", "16384",
         "Open connections at most (event front); a new one beyond gets 503 and is closed."},
        {"http.max_connections_per_address", "4096",
         "Open connections from one client address at most (event front); beyond, 503 and "
         "closed."},
        {"http.max_head_bytes", "16384",
         "Largest request head (request line and header fields); larger ones get 431 (event "
         "front)."},
        {"http.head_timeout_seconds", "10",
         "Seconds from a request's first byte (a new connection's accept) to the end of its "
         "head; slower ones get 408 and the connection closes (event front)."},
        {"http.body_timeout_seconds", "30",
         "Seconds a request body may take beyond what http.body_min_rate allows; slower ones "
         "get 408 and the connection closes (event front)."},
        {"http.body_min_rate", "16384",
         "Bytes per second a request body must arrive at on average after its first "
         "http.body_timeout_seconds (event front); 0: only the timeout counts."},
        {"http.send_timeout_seconds", "60",
         "Seconds an answer may wait for the client to read any of it before the connection "
         "closes (event front)."},
        {"http.max_buffered_bytes", "1073741824",
         "Request body bytes the event front holds in memory, all connections together; a body "
         "beyond gets 503 with Retry-After."},
        {"http.max_body_bytes", "10485760", "Largest request body; larger ones get 413."},
        {"http.max_upload_bytes", "268435456",
         "Largest deployment upload (POST /services/~tar) and unpacked plugin; larger ones get "
         "413."},
        {"http.max_json_depth", "256",
         "Most arrays and objects nested in one another in a JSON body or query value; deeper "
         "ones get 422 (at most 4096; JSON a service hands to the host may nest 4096 levels)."},
        {"http.linger_seconds", "5",
         "Seconds a connection whose request body was refused (413) keeps reading and dropping "
         "what the client still sends before it closes, so the client reads the answer instead "
         "of a reset."},
        {"http.keep_alive_seconds", "60", "Idle time after which a keep-alive connection closes."},
        {"http.allowed_hosts", "",
         "Host names and addresses the host answers to (in the Host header, any port), "
         "comma-separated, besides localhost, 127.0.0.1, [::1] and http.host (with the machine's "
         "name and addresses when http.host is 0.0.0.0 or ::); * answers any. Other names get "
         "421, so a web page cannot reach the host through DNS rebinding."},
        {"plugins.dir", "var/plugins", "Folder holding <name>_<version>.so files to serve."},
        {"plugins.stop_timeout_seconds", "5",
         "Seconds unloading a version waits, after its on_stop hook, for the threads its plugin "
         "started to end; a library whose threads still run is not closed but stays mapped "
         "(reported) until the host restarts."},
        {"plugins.allow_unique_symbols", "false",
         "Load a build that has STB_GNU_UNIQUE symbols (shared with other builds, never "
         "unloaded) with a Warning notification instead of refusing it."},
        {"plugins.probe_executable", "",
         "Program that tries a new build's constructors and registration in a probe process "
         "(run as PROGRAM --probe=FILE); empty: this mvi-host itself."},
        {"plugins.registration_timeout_seconds", "10",
         "Seconds a new build's constructors and registration may run in its probe process "
         "before it is killed and the build refused."},
        {"plugins.max_asset_files", "10000",
         "Most files and folders the assets/ folder of an uploaded .tar.gz may hold (the "
         "version's static files); an archive with more is refused with 422."},
        {"data.dir", "var/data",
         "Folder for the host's state (mvi.db, logs, cache of loaded libraries, uploads), kept "
         "private (0700, files 0600)."},
        {"logs.memory_lines", "10000",
         "Log lines of a version kept in memory for readers following its log (follow=true); "
         "a reader further behind is told how many lines it skipped."},
        {"logs.max_file_bytes", "10485760",
         "Size at which a version's log file (data.dir/logs/<name>/<version>.log) is rotated."},
        {"logs.max_files", "5",
         "Log files kept per version, the current one included: with logs.max_file_bytes, the "
         "cap on a version's log on disk."},
        {"logs.flush", LogStore::flushName(LogStore::kDefaultFlush),
         "How a service's log lines reach its file: line (each written and flushed before the "
         "call that logs it goes on; a crash loses none) or interval (held in memory and written "
         "by a background thread at most every logs.flush_interval_ms; reads see them at once, "
         "but a crash or kill -9 of the serving process loses the lines of the last interval)."},
        {"logs.flush_interval_ms", "5",
         "With logs.flush = interval: the shortest time between two writes of a log's held "
         "lines (1..1000)."},
        {"logs.level", "information",
         "Host log level: trace, debug, information, notice, warning, error, critical, fatal."},
        {"reload.watch", "true", "Watch the plugins folder and deploy changes live."},
        {"reload.promote", "first",
         "Which version is main: first (the first loaded; later ones are shadows) or newest "
         "(every newly loaded higher version becomes main)."},
        {"reload.close_quiet_ms", "25",
         "Quiet time after a writer closes a plugin file before it is loaded."},
        {"reload.open_write_quiet_ms", "2000",
         "Quiet time before loading a file whose writer never closed it."},
        {"reload.watcher", "auto",
         "How the plugins folder is watched: inotify, poll (list it every "
         "reload.poll_interval_ms; for network and FUSE file systems, where inotify misses "
         "what other machines write) or auto (poll when the folder is on NFS, SMB/CIFS, FUSE, "
         "9p, Ceph, AFS and the like, or when inotify cannot be started; inotify otherwise). "
         "The host log says which one watches and why."},
        {"reload.poll_interval_ms", "1000",
         "When polling: how often the plugins folder is listed (10..3600000). A new or changed "
         "file is loaded once it stayed unchanged for reload.close_quiet_ms and at least one "
         "interval."},
        {"mirror.queue_capacity", "1024",
         "Mirrored copies waiting for a shadow; beyond this they are dropped and counted."},
        {"mirror.threads", "2", "Threads serving mirrored copies to shadows."},
        {"mirror.max_body_bytes", "1048576",
         "A call of a service's own route with a larger body is not mirrored to the shadows "
         "(counted as dropped)."},
        {"scheduler.threads", "4",
         "Threads running the periodic tasks of services (call_every); a task never runs twice "
         "at once."},
        {"services.call_depth", "8",
         "Most calls between services (call_service) nested in one another; a deeper call is "
         "answered 508."},
        {"services.call_timeout_seconds", "60",
         "Seconds an entrypoint call may run before its caller gets 504 and the call is counted "
         "as stuck (an entrypoint may declare its own with .timeout())."},
        {"services.stuck_calls_limit", "16",
         "Stuck calls (past their deadline, still running) the serving process tolerates; past "
         "it the supervisor replaces it with a fresh one."},
        {"auth.enabled", "auto",
         "Require a token on every route but /auth/login, /~health, /~ready and /~version: true, "
         "false, or auto (on unless http.host is a loopback address)."},
        {"auth.admin_user", "admin", "Name of the administrator."},
        {"auth.admin_password", "",
         "Password of the administrator (stored as a bcrypt hash; changing it revokes the "
         "administrator's tokens); empty (and no auth.admin_password_file): a random one is "
         "generated at the first start with auth on and written to data.dir/admin_password."},
        {"auth.admin_password_file", "",
         "File holding the administrator's password (its first line), instead of "
         "auth.admin_password, so that it never shows on a command line."},
        {"auth.token_days", "30",
         "Days a token from /auth/login (or /auth/token without an expiry) is valid; 0: never "
         "expires."},
        {"auth.login_free_failures", "5",
         "Failed logins from one client address, or for one user name, before further attempts "
         "must wait (429 with Retry-After)."},
        {"auth.login_backoff_seconds", "1",
         "Wait after the last free failed login; it doubles with each further failure."},
        {"auth.login_backoff_max_seconds", "300",
         "Longest wait between login attempts (at most 3600)."},
        {"auth.login_concurrency", "2",
         "Password checks (bcrypt) run at once; a login finding them busy for a second gets "
         "503 with Retry-After."},
        {"auth.require_tls", "false",
         "Refuse to start when auth is on, the host listens on a non-loopback address and TLS "
         "is not configured (false: start with a warning in the log and in /~health)."},
        {"tls.certificate_file", "",
         "PEM file of the host's certificate (and its chain): with tls.key_file, the port "
         "serves HTTPS only. Both files are read again when they change (new connections get "
         "the new certificate)."},
        {"tls.key_file", "", "PEM file of the private key of tls.certificate_file."},
        {"smtp.host", "",
         "SMTP server that notifications with e-mail addresses are sent through; empty turns "
         "e-mail off."},
        {"smtp.port", "25", "Port of the SMTP server."},
        {"smtp.sender", "mvi@localhost", "From address of notification e-mails."},
        {"smtp.username", "",
         "User to log in to the SMTP server as (AUTH LOGIN); empty: no login."},
        {"smtp.password", "", "Password for smtp.username."},
        {"smtp.timeout_seconds", "10",
         "Limit on connecting to the SMTP server and on each of its replies."},
        {"smtp.tls", "auto",
         "STARTTLS to the SMTP server: auto (when the server offers it; its certificate is not "
         "checked), required (always, with the certificate checked against the system's CA "
         "store or smtp.ca_file and smtp.host; no e-mail otherwise) or off."},
        {"smtp.ca_file", "",
         "PEM file of the certificates trusted for the SMTP server with smtp.tls = required "
         "(empty: the system's CA store)."},
        {"monitor.durability", "durable",
         "When a monitoring value counts as kept: durable (a monitored call answers and store "
         "returns only once its values are committed; they survive a crash) or queued (as soon "
         "as they are queued; a crash loses what is still queued)."},
        {"monitor.queue_capacity", "1024",
         "Calls of store (and monitored calls and parameter changes) waiting for the monitoring "
         "writer; in queued mode, beyond this they are refused (MVI_BUSY) and counted."},
        {"monitor.retention_seconds", "0",
         "Monitoring values older than this many seconds are removed; 0 keeps them."},
        {"monitor.retention_rows", "0",
         "Newest monitoring values kept per service name and variable; 0 keeps all."},
        {"monitor.cleanup_seconds", "60", "Time between two monitoring retention cleanups."},
        {"docs.assets_dir", "",
         "Folder holding the API viewer's files (swagger-ui-dist) served under /~docs/; empty: "
         "share/mvi/docs beside the mvi-host executable's folder (build tree and install)."},
        {"dashboard.assets_dir", "",
         "Folder holding the dashboard's files served at / and under /~web/; empty: "
         "share/mvi/web beside the mvi-host executable's folder (build tree and install)."},
    };
    return keys;
}

HostConfig HostConfig::from(const Poco::Util::AbstractConfiguration& config) {
    Keys keys(config);
    HostConfig result;
    result.http = httpSettings(keys);
    result.plugins = pluginSettings(keys);
    result.data.dir = keys.text("data.dir");
    result.logs = logSettings(keys);
    result.reload = reloadSettings(keys);
    result.mirror.queueCapacity =
        static_cast<std::size_t>(keys.integer("mirror.queue_capacity", 1, kIntMax));
    result.mirror.threads = static_cast<unsigned>(keys.integer("mirror.threads", 1, 64));
    result.mirror.maxBodyBytes =
        static_cast<std::size_t>(keys.integer("mirror.max_body_bytes", 0, kIntMax));
    result.scheduler.threads = static_cast<unsigned>(keys.integer("scheduler.threads", 1, 64));
    result.services = servicesSettings(keys);
    result.auth = authSettings(keys, result.http.host, result.data.dir);
    result.tls = tlsSettings(keys);
    result.smtp = smtpSettings(keys);
    result.monitor = monitorSettings(keys);
    result.docs.assetsDir = keys.text("docs.assets_dir");
    result.dashboard.assetsDir = keys.text("dashboard.assets_dir");
    return result;
}

std::string HostConfig::plainTextWarning() const {
    bool loopback = !Authenticator::enabledFor("auto", http.host);
    if (tls.enabled() || loopback || !auth.authenticator.enabled) {
        return "";
    }
    return fmt::format(
        "auth is on but {} is served over plain HTTP: passwords and tokens cross the network in "
        "clear; set tls.certificate_file and tls.key_file, or serve it behind a TLS reverse "
        "proxy on a loopback address",
        http.host);
}

void HostConfig::applyEnvironment(Poco::Util::AbstractConfiguration& config) {
    for (const Key& key : defaults()) {
        std::string variable = environmentName(key.name);
        if (Poco::Environment::has(variable)) {
            config.setString(key.name, Poco::Environment::get(variable));
        }
    }
}

}  // namespace mvi::host
