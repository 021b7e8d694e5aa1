#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "auth/AuthStore.h"
#include "auth/Authenticator.h"
#include "config/HostConfig.h"
#include "dispatch/Dispatcher.h"
#include "fault/CallWatchdog.h"
#include "front/Server.h"
#include "front/Stats.h"
#include "http/HostContext.h"
#include "http/TlsSocket.h"
#include "lifecycle/Deployer.h"
#include "logs/LogStore.h"
#include "monitor/MonitorStore.h"
#include "notifications/Mailer.h"
#include "notifications/NotificationStore.h"
#include "plugin/BuildProbe.h"
#include "plugin/PluginLoader.h"
#include "plugin/ServiceRegistry.h"
#include "plugin/Unloader.h"
#include "reload/PluginWatcher.h"
#include "schedule/Scheduler.h"
#include "state/DataFolder.h"
#include "state/Database.h"
#include "state/DatabaseWatch.h"
#include "state/StateStore.h"

namespace mvi::host {

/// The whole host: stores, registry, loader, watcher and HTTP server, in the order they must be
/// built and torn down. `mvi-host`'s main and the tests both drive it through this class.
class Host {
  public:
    /// Prepares the data folder (DataFolder::prepare: created when missing, writable, emptied of
    /// what a crash left, private), creates the plugins folder when missing and checks it
    /// (DataFolder::checkPluginsFolder), removes uploads a crash left in it half unpacked, opens
    /// the database (Database: its schema brought to this host's) and starts watching it
    /// (DatabaseWatch: a problem raises a Critical notification of the service `mvi_host`).
    /// Throws DataFolder::Unusable when a folder cannot be used. Serves nothing until `start`.
    explicit Host(HostConfig config, Poco::Logger& logger = Poco::Logger::get("mvi"));

    /// What to do when more calls are stuck than `services.stuck_calls_limit` (the serving
    /// process asks its supervisor to replace it). Without it, only a log line.
    void onTooManyStuckCalls(std::function<void()> action) { tooManyStuck_ = std::move(action); }

    /// Calls past their deadline that have not returned.
    std::size_t stuckCalls() const { return watchdog_.stuck(); }
    ~Host();

    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    /// Watches the plugins folder (when `reload.watch` is on), loads every
    /// `<name>_<version>.so` in it and restores the recorded main versions. Other files are
    /// ignored with a log line; a file that fails to load is recorded as a failed version.
    void loadPluginsFolder();

    /// Serves on `fd`, a listening socket inherited from the supervisor, instead of binding the
    /// configured address. Call before `start`.
    void adoptListeningSocket(int fd) { inheritedSocket_ = fd; }

    /// Binds the configured address (or takes the adopted socket) and starts serving: HTTPS
    /// when `tls.certificate_file` and `tls.key_file` are set (Poco::Exception when they cannot
    /// be used), through Poco's threaded server; plain HTTP otherwise, through the front that
    /// `http.front` names.
    void start();

    /// Stops the host, in this order: probe processes trying a new build are killed (their
    /// builds are refused); the plugins folder is no longer watched and log followers
    /// end; the HTTP server accepts nothing more and running requests finish; mirrored copies
    /// already queued are served; every version leaves the routing table and drains (its
    /// periodic tasks stop) and the scheduler stops; every version unloads; queued e-mails are
    /// sent; every accepted monitoring value is written; the database watch and the call watchdog
    /// stop. Waiting for requests, copies, unloads and e-mails ends after `timeout` in all (what is
    /// left is dropped with a log line); calls stuck past their deadline are not waited for.
    /// Returns whether every version was unloaded: false when a call that never returned still
    /// holds one. Idempotent.
    bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));

    /// The bound port (useful when the configured port is 0).
    unsigned port() const;

    const HostConfig& config() const { return config_; }
    ServiceRegistry& registry() { return registry_; }
    Deployer& deployer() { return deployer_; }
    QuarantineStore& quarantine() { return quarantine_; }

  private:
    /// What every loaded version is given of the host (stores, watchdog, timers, call router).
    HostServices pluginServices();
    /// How the loader checks a build (unique symbols, the probe and its record).
    PluginLoader::Vetting pluginVetting();
    void onPluginChange(const std::string& fileName, PluginWatcher::Change change);
    /// Logs a problem of the database and raises a Critical notification of `mvi_host`.
    void announce(const std::string& problem);
    /// The socket to serve on: the adopted one or the configured address, with TLS when set.
    Poco::Net::ServerSocket listeningSocket();
    /// Waits until no HTTP thread runs a request any more, or `deadline`.
    void waitForRequests(std::chrono::steady_clock::time_point deadline);
    /// Stops the event front: requests being served get until `deadline`.
    void stopEventFront(std::chrono::steady_clock::time_point deadline);

    // Members are destroyed in reverse order: whatever a member uses is declared before it.
    HostConfig config_;
    /// The event front's counts; before the context that shows them.
    front::Stats frontStats_;
    Poco::Logger& logger_;
    /// Prepared before anything opens a file in it.
    DataFolder data_;
    /// `mvi.db` with its schema migrated; before every store, which each connect to it.
    std::shared_ptr<Database> database_;
    LogStore logs_;
    /// Before the notification store, which queues e-mails on it.
    Mailer mailer_;
    NotificationStore notifications_;
    /// Before the unloader: versions store values until they unload.
    MonitorStore monitor_;
    StateStore state_;
    QuarantineStore quarantine_;
    AuthStore authStore_;
    Authenticator auth_;
    /// After every store: it watches the file they opened, and notifies through one of them.
    std::unique_ptr<DatabaseWatch> databaseWatch_;
    std::function<void()> tooManyStuck_;
    fault::CallWatchdog watchdog_;
    /// Before the unloader: a version cancels its periodic tasks when it unloads.
    Scheduler scheduler_;
    /// Before every holder of a version (registry, mirror, HTTP threads): the last one to let
    /// go hands the version to it.
    Unloader unloader_;
    ServiceRegistry registry_;
    /// Tries new builds in probe processes for the loader; stopped before anything else.
    BuildProbe probe_;
    /// Before the loader, whose versions call services through it; it owns the mirror, whose
    /// queued copies hold versions (so after the unloader).
    Dispatcher dispatcher_;
    PluginLoader loader_;
    Deployer deployer_;
    HostContext context_;
    Poco::ThreadPool threads_;
    std::unique_ptr<PluginWatcher> watcher_;
    /// The HTTPS listener's certificate when TLS is configured; before the server that uses it.
    std::unique_ptr<TlsCertificates> certificates_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    /// The event front (`http.front = event`, without TLS), or null.
    std::unique_ptr<front::Server> front_;
    int inheritedSocket_ = -1;
    std::mutex stopMutex_;
    bool stopped_ = false;
    bool unloadedAll_ = true;
};

}  // namespace mvi::host
