#pragma once

#include <mvi/plugin.h>

#include <memory>
#include <string>

namespace mvi::host {

class ServiceVersion;

/// A periodic task as a plugin declared it through `call_every`.
struct TimerSpec {
    /// Shown in log lines and notifications about the task (may be empty).
    std::string name;
    /// Seconds from the start of one run to the start of the next; finite and > 0.
    double intervalSeconds = 1.0;
    /// The first run starts one interval after the task is started rather than at once.
    bool waitFirst = false;
    /// The plugin's task and the pointer it gets back.
    mvi_plugin_timer_fn callback = nullptr;
    mvi_plugin_userdata* userdata = nullptr;
};

/// What a loaded version needs of the host to run its periodic tasks. The plugin runtime owns
/// this interface; the scheduler (a layer above) implements it.
class TimerService {
  public:
    virtual ~TimerService() = default;

    /// Adds a task `version` declared (the version is held weakly: a task never keeps it
    /// alive). It is scheduled at once when the version is ready, when it becomes ready (`ready`)
    /// while it is loading, and never once it is out of service.
    virtual void add(const std::shared_ptr<ServiceVersion>& version, TimerSpec spec) = 0;

    /// `version` became ready: the tasks it declared while loading are scheduled.
    virtual void ready(const std::shared_ptr<ServiceVersion>& version) = 0;

    /// Takes every task of `version` out of the schedule, those waiting for it to be ready too;
    /// a run in progress finishes.
    virtual void cancel(const ServiceVersion* version) = 0;
};

}  // namespace mvi::host
