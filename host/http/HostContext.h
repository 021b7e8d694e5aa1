#pragma once

#include "auth/Authenticator.h"
#include "config/HostConfig.h"
#include "dispatch/Dispatcher.h"
#include "fault/CallWatchdog.h"
#include "front/Stats.h"
#include "lifecycle/Deployer.h"
#include "logs/LogStore.h"
#include "mirror/Mirror.h"
#include "monitor/MonitorStore.h"
#include "notifications/NotificationStore.h"
#include "plugin/PluginLoader.h"
#include "plugin/ServiceRegistry.h"
#include "plugin/Unloader.h"

namespace mvi::host {

/// What request handlers reach: the host's configuration and stores. Owned by `Host`, which
/// outlives every handler.
struct HostContext {
    const HostConfig& config;
    ServiceRegistry& registry;
    LogStore& logs;
    NotificationStore& notifications;
    Deployer& deployer;
    Mirror& mirror;
    Authenticator& auth;
    MonitorStore& monitor;
    Dispatcher& dispatcher;
    /// Counts of loads and load failures, for `/metrics`.
    const PluginLoader& loader;
    /// Counts of unloads, for `/metrics`.
    const Unloader& unloader;
    /// Stuck calls, for `/metrics`.
    const fault::CallWatchdog& watchdog;
    /// The event front's connections and refusals, for `/metrics` (zero under the threads front).
    const front::Stats& http;
};

}  // namespace mvi::host
