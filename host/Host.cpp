#include "Host.h"

#include <Poco/File.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Path.h>
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "http/RequestHandlerFactory.h"

namespace mvi::host {
namespace {

/// How long a stopping host lets calls in flight answer before it closes their connections.
constexpr std::chrono::seconds kDrainOnStop{2};

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

std::string inDirectory(const std::string& directory, const std::string& name) {
    return Poco::Path(Poco::Path::forDirectory(directory), name).toString();
}

Authenticator::Settings authSettings(const HostConfig& config) {
    Authenticator::Settings settings;
    settings.enabled = Authenticator::enabledFor(config.authEnabled, config.httpHost);
    settings.adminUser = config.authAdminUser;
    settings.adminPassword = config.authAdminPassword;
    if (config.authTokenDays > 0) {
        settings.defaultValidity = Poco::Timespan(config.authTokenDays, 0, 0, 0, 0);
    }
    return settings;
}

}  // namespace

Host::Host(HostConfig config, Poco::Logger& logger)
    : config_(std::move(config)),
      logger_(logger),
      logs_(inDirectory(config_.dataDir, "logs"),
            LogStore::Settings{config_.logsMaxFileBytes, config_.logsMaxFiles,
                               config_.logsMemoryLines},
            Poco::Logger::get("service")),
      mailer_(Mailer::Settings{config_.smtpHost, config_.smtpPort, config_.smtpSender,
                               config_.smtpUsername, config_.smtpPassword,
                               std::chrono::seconds(config_.smtpTimeoutSeconds)},
              logger_),
      notifications_(inDirectory(prepareDirectory(config_.dataDir), "mvi.db"), mailer_.sender()),
      monitor_(inDirectory(prepareDirectory(config_.dataDir), "mvi.db"),
               MonitorStore::Settings{config_.monitorQueueCapacity, config_.monitorRetentionSeconds,
                                      config_.monitorRetentionRows,
                                      std::chrono::seconds(config_.monitorCleanupSeconds)},
               logger_),
      state_(inDirectory(prepareDirectory(config_.dataDir), "mvi.db")),
      quarantine_(inDirectory(config_.dataDir, "mvi.db")),
      authStore_(inDirectory(config_.dataDir, "mvi.db")),
      auth_(authStore_, authSettings(config_), logger_),
      watchdog_(
          static_cast<std::size_t>(config_.servicesStuckCallsLimit),
          [this](const std::string& reason) {
              logger_.critical(fmt::format("the serving process asks to be replaced: {}", reason));
              if (tooManyStuck_) {
                  tooManyStuck_();
              }
          }),
      unloader_(logger_),
      registry_(*ServiceRegistry::parsePromotion(config_.reloadPromote)),
      loader_(inDirectory(config_.dataDir, "cache"),
              HostServices{logs_, notifications_, &monitor_, &watchdog_,
                           std::chrono::seconds(config_.servicesCallTimeoutSeconds),
                           std::chrono::seconds(config_.pluginsStopTimeoutSeconds)},
              unloader_, logger_),
      deployer_(registry_, loader_, state_, quarantine_, logger_),
      dispatcher_(registry_, mirror_, static_cast<std::size_t>(config_.servicesCallDepth)),
      mirror_(config_.mirrorQueueCapacity, static_cast<unsigned>(config_.mirrorThreads)),
      scheduler_(static_cast<unsigned>(config_.schedulerThreads)),
      context_{config_, registry_, logs_,       notifications_, deployer_, mirror_,
               auth_,   monitor_,  dispatcher_, loader_,        unloader_, watchdog_},
      threads_("http", 2, config_.httpMaxThreads) {
    prepareDirectory(config_.pluginsDir);
    loader_.connect(&scheduler_, &dispatcher_);
}

Host::~Host() {
    stop();
}

void Host::loadPluginsFolder() {
    if (config_.reloadWatch && !watcher_) {
        // Watching starts first, so a file dropped during the scan is not missed.
        PluginWatcher::Settings settings;
        settings.closeQuiet = std::chrono::milliseconds(config_.reloadCloseQuietMs);
        settings.openWriteQuiet = std::chrono::milliseconds(config_.reloadOpenWriteQuietMs);
        watcher_ = std::make_unique<PluginWatcher>(
            config_.pluginsDir,
            [this](const std::string& fileName, PluginWatcher::Change change) {
                onPluginChange(fileName, change);
            },
            [this] { deployer_.syncFolder(config_.pluginsDir); }, settings);
        watcher_->start();
    }
    deployer_.syncFolder(config_.pluginsDir);
    deployer_.restoreMains();
}

void Host::onPluginChange(const std::string& fileName, PluginWatcher::Change change) {
    auto id = parsePluginFileName(fileName);
    if (!id) {
        return;
    }
    std::string path = inDirectory(config_.pluginsDir, fileName);
    if (change == PluginWatcher::Change::Ready) {
        deployer_.deployFile(*id, path);
        return;
    }
    // Only a version that was loaded from this very file is undeployed with it.
    auto current = registry_.find(*id);
    if (current && current->artifact().sourcePath == path) {
        deployer_.undeploy(*id);
    }
}

void Host::start() {
    if (server_) {
        return;
    }
    Poco::Net::ServerSocket socket =
        inheritedSocket_ >= 0
            ? InheritedServerSocket(inheritedSocket_)
            : Poco::Net::ServerSocket(
                  Poco::Net::SocketAddress(config_.httpHost,
                                           static_cast<Poco::UInt16>(config_.httpPort)),
                  config_.httpMaxQueued);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config_.httpMaxThreads);
    params->setMaxQueued(config_.httpMaxQueued);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(config_.httpKeepAliveSeconds, 0));
    params->setServerName("mvi-host");
    server_ = std::make_unique<Poco::Net::HTTPServer>(new RequestHandlerFactory(context_), threads_,
                                                      socket, params);
    server_->start();
    logger_.information(fmt::format("serving on http://{}:{}", config_.httpHost, port()));
}

void Host::stop() {
    if (watcher_) {
        watcher_->stop();
    }
    // Readers following a log end first, so their answers finish cleanly.
    logs_.close();
    if (server_) {
        // Stop accepting; calls in flight get a few seconds to answer (calls stuck past their
        // deadline never will), then whatever is left is cut off.
        server_->stop();
        auto deadline = std::chrono::steady_clock::now() + kDrainOnStop;
        while (server_->currentConnections() > static_cast<int>(watchdog_.stuck()) &&
               std::chrono::steady_clock::now() < deadline) {
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
    }
    // No periodic task runs once the host stops: the versions unload after this.
    scheduler_.stop();
}

unsigned Host::port() const {
    return server_ ? server_->port() : 0;
}

}  // namespace mvi::host
