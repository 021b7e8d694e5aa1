#include "Host.h"

#include <Poco/File.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Path.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "http/DeployHandler.h"
#include "http/RequestHandlerFactory.h"
#include "logs/HostLogChannel.h"

#ifndef MVI_HOST_VERSION
#define MVI_HOST_VERSION "0.0.0"
#endif

namespace mvi::host {
namespace {

/// The service name of the notifications the host raises about itself.
constexpr const char* kHostService = "mvi_host";

/// How long a stopping host lets calls in flight answer before it closes their connections.
constexpr std::chrono::seconds kDrainOnStop{2};

/// How long a stopping host waits for versions to unload when calls are stuck inside plugins.
constexpr std::chrono::seconds kUnloadWaitWithStuckCalls{2};

/// A listening socket made by another process (the supervisor) and inherited as `fd`.
class InheritedServerSocketImpl : public Poco::Net::ServerSocketImpl {
  public:
    explicit InheritedServerSocketImpl(int fd) { reset(fd); }
};

class InheritedServerSocket : public Poco::Net::ServerSocket {
  public:
    explicit InheritedServerSocket(int fd)
        : Poco::Net::ServerSocket(new InheritedServerSocketImpl(fd), true) {}
};

std::string prepareDirectory(const std::string& path) {
    Poco::File(path).createDirectories();
    return path;
}

/// The data folder, ready for the stores to open their files in it.
DataFolder preparedDataFolder(const HostConfig& config, Poco::Logger& logger) {
    DataFolder folder(config.data.dir, {config.plugins.dir}, logger);
    folder.prepare();
    return folder;
}

std::string inDirectory(const std::string& directory, const std::string& name) {
    return Poco::Path(Poco::Path::forDirectory(directory), name).toString();
}

}  // namespace

Host::Host(HostConfig config, Poco::Logger& logger)
    : config_(std::move(config)),
      logger_(logger),
      data_(preparedDataFolder(config_, logger_)),
      database_(Database::open(data_.databasePath())),
      logs_(inDirectory(config_.data.dir, "logs"), config_.logs.store,
            Poco::Logger::get("service")),
      mailer_(config_.smtp, logger_),
      notifications_(database_, mailer_.sender()),
      monitor_(database_, config_.monitor, logger_),
      state_(database_),
      quarantine_(database_),
      authStore_(database_),
      auth_(authStore_, config_.auth.authenticator, logger_),
      watchdog_(
          config_.services.stuckCallsLimit,
          [this](const std::string& reason) {
              logger_.critical(fmt::format("the serving process asks to be replaced: {}", reason));
              if (tooManyStuck_) {
                  tooManyStuck_();
              }
          }),
      scheduler_(config_.scheduler.threads),
      unloader_(logger_),
      registry_(*ServiceRegistry::parsePromotion(config_.reload.promote)),
      probe_(BuildProbe::Settings{
          config_.plugins.probeExecutable.empty() ? std::string("/proc/self/exe")
                                                  : config_.plugins.probeExecutable,
          config_.plugins.registrationTimeout, inDirectory(config_.data.dir, "cache")}),
      dispatcher_(registry_, config_.services.callDepth, config_.mirror),
      loader_(inDirectory(config_.data.dir, "cache"), pluginServices(), pluginVetting(), unloader_,
              logger_),
      deployer_(registry_, loader_, state_, quarantine_, logger_),
      context_{config_,    registry_, logs_,       notifications_, deployer_, dispatcher_.mirror(),
               auth_,      monitor_,  dispatcher_, loader_,        unloader_, watchdog_,
               frontStats_},
      threads_("http", std::min(2, config_.http.maxThreads), config_.http.maxThreads) {
    prepareDirectory(config_.plugins.dir);
    DataFolder::checkPluginsFolder(config_.plugins.dir, logger_);
    auto staged = DeployHandler::removeStagedUploads(config_.plugins.dir);
    if (!staged.empty()) {
        logger_.information(
            fmt::format("plugins folder {}: removed {} upload(s) a crash left "
                        "half unpacked: {}",
                        config_.plugins.dir, staged.size(), fmt::join(staged, ", ")));
    }
    databaseWatch_ = std::make_unique<DatabaseWatch>(
        data_.databasePath(), [this](const std::string& problem) { announce(problem); });
    HostLogChannel::shared()->attach(logs_);
}

HostServices Host::pluginServices() {
    HostServices services{logs_, notifications_};
    services.monitor = &monitor_;
    services.watchdog = &watchdog_;
    services.callTimeout = config_.services.callTimeout;
    services.stopTimeout = config_.plugins.stopTimeout;
    services.streamBufferBytes = config_.http.streamBufferBytes;
    services.timers = &scheduler_;
    services.caller = &dispatcher_;
    return services;
}

PluginLoader::Vetting Host::pluginVetting() {
    PluginLoader::Vetting vetting;
    vetting.allowUniqueSymbols = config_.plugins.allowUniqueSymbols;
    vetting.probe = &probe_;
    vetting.probed = [this](const std::string& key) { return state_.probed(key); };
    vetting.recordProbed = [this](const std::string& key) { state_.recordProbed(key); };
    return vetting;
}

Host::~Host() {
    stop();
    HostLogChannel::shared()->detach(logs_);
}

void Host::announce(const std::string& problem) {
    logger_.critical(problem);
    notifications_.raise(ServiceId{kHostService, MVI_HOST_VERSION}, Severity::Critical, problem);
}

void Host::loadPluginsFolder() {
    if (config_.reload.watch && !watcher_) {
        // Watching starts first, so a file dropped during the scan is not missed.
        watcher_ = std::make_unique<PluginWatcher>(
            config_.plugins.dir,
            [this](const std::string& fileName, PluginWatcher::Change change) {
                onPluginChange(fileName, change);
            },
            [this] { deployer_.syncFolder(config_.plugins.dir); }, config_.reload.watcher);
        watcher_->start();
    }
    deployer_.syncFolder(config_.plugins.dir);
    deployer_.restoreMains();
}

void Host::onPluginChange(const std::string& fileName, PluginWatcher::Change change) {
    auto id = parsePluginFileName(fileName);
    if (!id) {
        return;
    }
    deployer_.fileChanged(*id, inDirectory(config_.plugins.dir, fileName),
                          change == PluginWatcher::Change::Ready);
}

void Host::start() {
    if (server_ || front_) {
        return;
    }
    Poco::Net::ServerSocket socket = listeningSocket();
    if (config_.http.front == "event" && !config_.tls.enabled()) {
        Poco::SharedPtr<RequestHandlerFactory> factory(new RequestHandlerFactory(context_));
        front::BodyLimitFor bodyLimit = [factory](const Poco::Net::HTTPRequest& request) {
            return factory->bodyLimit(request);
        };
        front_ = std::make_unique<front::Server>(socket, factory, config_.http.event,
                                                 std::move(bodyLimit), frontStats_, logger_);
        front_->start();
        logger_.information(
            fmt::format("serving on http://{}:{} (event front)", config_.http.host, port()));
        return;
    }
    if (config_.http.front == "event") {
        logger_.information("with TLS the threads front serves (http.front)");
    }
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config_.http.maxThreads);
    params->setMaxQueued(config_.http.maxQueued);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(config_.http.keepAlive.count(), 0));
    params->setServerName("mvi-host");
    server_ = std::make_unique<Poco::Net::HTTPServer>(new RequestHandlerFactory(context_), threads_,
                                                      socket, params);
    server_->start();
    logger_.information(fmt::format("serving on {}://{}:{}",
                                    config_.tls.enabled() ? "https" : "http", config_.http.host,
                                    port()));
}

Poco::Net::ServerSocket Host::listeningSocket() {
    Poco::Net::SocketAddress address(config_.http.host,
                                     static_cast<Poco::UInt16>(config_.http.port));
    if (!config_.tls.enabled()) {
        return inheritedSocket_ >= 0 ? InheritedServerSocket(inheritedSocket_)
                                     : Poco::Net::ServerSocket(address, config_.http.maxQueued);
    }
    certificates_ = std::make_unique<TlsCertificates>(config_.tls.certificateFile,
                                                      config_.tls.keyFile, logger_);
    return inheritedSocket_ >= 0 ? TlsServerSocket(inheritedSocket_, *certificates_)
                                 : TlsServerSocket(address, config_.http.maxQueued, *certificates_);
}

bool Host::stop(std::chrono::milliseconds timeout) {
    std::lock_guard lock(stopMutex_);
    if (stopped_) {
        return unloadedAll_;
    }
    stopped_ = true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // A build on trial in a probe process is refused rather than waited for.
    probe_.stop();
    // Nothing new arrives: no file is deployed, no connection accepted.
    if (watcher_) {
        watcher_->stop();
    }
    deployer_.stopQueue();
    // Readers following a log end first, so their answers finish cleanly.
    logs_.close();
    if (front_) {
        stopEventFront(deadline);
    }
    if (server_) {
        logger_.information("stopping: no new connections; running requests finish");
        // Calls in flight get a few seconds to answer (calls stuck past their deadline never
        // will), then whatever is left is cut off.
        server_->stop();
        auto drained = std::min(deadline, std::chrono::steady_clock::now() + kDrainOnStop);
        while (server_->currentConnections() > static_cast<int>(watchdog_.stuck()) &&
               std::chrono::steady_clock::now() < drained) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (watchdog_.stuck() > 0) {
            // Poco waits for each connection's request to end before it lets go of it, and a
            // stuck one never ends: the server is left as it is for the process's exit.
            (void)server_.release();
        } else {
            server_->stopAll(true);
            server_.reset();
        }
        waitForRequests(deadline);
    }
    // Copies already queued still reach their shadows, which are still loaded.
    std::size_t droppedCopies = dispatcher_.mirror().stop(deadline);
    if (droppedCopies > 0) {
        logger_.warning(
            fmt::format("{} mirrored copies not sent: the host is stopping", droppedCopies));
    }
    // Every version drains (its periodic tasks stop); a periodic task still running finishes.
    auto versions = registry_.removeAll();
    scheduler_.stop();
    std::size_t count = versions.size();
    versions.clear();
    // A call stuck past its deadline never lets go of its version: with one, the others get a
    // short while to unload instead of the whole timeout.
    auto unloadDeadline =
        watchdog_.stuck() > 0
            ? std::min(deadline, std::chrono::steady_clock::now() + kUnloadWaitWithStuckCalls)
            : deadline;
    unloadedAll_ = unloader_.waitUntilAllUnloaded(unloadDeadline);
    if (unloadedAll_) {
        logger_.information(fmt::format("stopping: {} version(s) unloaded", count));
    }
    // What the services queued is sent and written.
    mailer_.stop(deadline);
    monitor_.stop();
    databaseWatch_->stop();
    watchdog_.stop();
    logger_.information("stopped");
    return unloadedAll_;
}

void Host::stopEventFront(std::chrono::steady_clock::time_point deadline) {
    logger_.information("stopping: no new connections; running requests finish");
    front_->stop();
    // Calls in flight get a few seconds to answer (calls stuck past their deadline never will),
    // then whatever is left is cut off.
    auto drained = std::min(deadline, std::chrono::steady_clock::now() + kDrainOnStop);
    while (front_->busy() > watchdog_.stuck() && std::chrono::steady_clock::now() < drained) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (watchdog_.stuck() > 0 || !front_->stopAll(drained)) {
        // A worker held by a stuck call never ends: the front stays as it is for the process's
        // exit.
        logger_.warning(fmt::format(
            "{} request(s) still running at the stop's deadline: the host stops without them",
            front_->busy()));
        (void)front_.release();
        return;
    }
    front_.reset();
}

void Host::waitForRequests(std::chrono::steady_clock::time_point deadline) {
    // A call stuck past its deadline was answered 504 already and may never return.
    while (threads_.used() > static_cast<int>(watchdog_.stuck())) {
        if (std::chrono::steady_clock::now() >= deadline) {
            logger_.warning(fmt::format(
                "{} request(s) still running at the stop's deadline: the host stops without them",
                threads_.used()));
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

unsigned Host::port() const {
    if (front_) {
        return front_->port();
    }
    return server_ ? server_->port() : 0;
}

}  // namespace mvi::host
