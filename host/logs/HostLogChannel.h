#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Message.h>

#include <deque>
#include <mutex>

namespace mvi::host {

class LogStore;

/// The host's own log as a Poco channel: every message the process logs (at the configured
/// level) is appended to the host log of a LogStore (`GET /logs/`, `/logs/stream`), as
/// `<source>: <text>` at the matching level. The process has one (`shared`), which `main` adds to
/// the loggers' channels before anything is logged; a Host attaches its LogStore for its
/// lifetime. Until a store is attached, the last `kPendingLines` messages are kept and then
/// written, so the start of a run is in the log too. A message logged while this channel is
/// writing (a log file that cannot be written reports itself) goes to the other channels only.
/// Thread-safe.
class HostLogChannel : public Poco::Channel {
  public:
    /// Messages kept until a store is attached.
    static constexpr std::size_t kPendingLines = 256;

    /// The process's channel.
    static Poco::AutoPtr<HostLogChannel> shared();

    void log(const Poco::Message& message) override;

    /// From now on messages go to `store`'s host log, after those kept so far.
    void attach(LogStore& store);

    /// Messages are dropped from now on (`store` is going away); nothing if another store is
    /// attached.
    void detach(LogStore& store);

  protected:
    ~HostLogChannel() override = default;

  private:
    HostLogChannel() = default;

    std::mutex mutex_;
    LogStore* store_ = nullptr;
    std::deque<Poco::Message> pending_;
};

}  // namespace mvi::host
