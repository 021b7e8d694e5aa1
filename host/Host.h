#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>
#include <string>

#include "config/HostConfig.h"
#include "http/HostContext.h"
#include "logs/LogStore.h"
#include "notifications/NotificationStore.h"
#include "plugin/PluginLoader.h"
#include "plugin/ServiceRegistry.h"

namespace mvi::host {

/// The whole host: stores, registry, loader and HTTP server, in the order they must be built
/// and torn down. `mvi-host`'s main and the tests both drive it through this class.
class Host {
public:
    /// Creates the data and plugins folders when missing. Serves nothing until `start`.
    explicit Host(HostConfig config, Poco::Logger& logger = Poco::Logger::get("mvi"));
    ~Host();

    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    /// Loads every `<name>_<version>.so` in the plugins folder; other files are ignored with a
    /// log line. A file that fails to load is recorded as a failed version.
    void loadPluginsFolder();

    /// Loads one plugin file as `id` and publishes it.
    std::shared_ptr<ServiceVersion> deploy(const ServiceId& id, const std::string& path);

    /// Binds the configured address and starts serving.
    void start();

    /// Stops accepting and waits for running requests to finish.
    void stop();

    /// The bound port (useful when the configured port is 0).
    unsigned port() const;

    const HostConfig& config() const { return config_; }
    ServiceRegistry& registry() { return registry_; }
    LogStore& logs() { return logs_; }
    NotificationStore& notifications() { return notifications_; }

private:
    HostConfig config_;
    Poco::Logger& logger_;
    LogStore logs_;
    NotificationStore notifications_;
    ServiceRegistry registry_;
    PluginLoader loader_;
    HostContext context_;
    Poco::ThreadPool threads_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace mvi::host
