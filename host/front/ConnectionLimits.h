#pragma once

#include <Poco/Net/IPAddress.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "front/Settings.h"
#include "front/Stats.h"

namespace mvi::host::front {

/// Counts open connections, overall and per client address, against `Settings`'
/// `maxConnections` and `maxConnectionsPerAddress`. Thread-safe.
class ConnectionLimits {
  public:
    enum class Admit { Yes, TooMany, TooManyFromAddress };

    ConnectionLimits(const Settings& settings, Stats& stats) : settings_(settings), stats_(stats) {}

    /// Takes a place for a new connection from `address` (Yes), or says which limit it passes
    /// (and takes nothing).
    Admit admit(const Poco::Net::IPAddress& address);
    /// Gives back the place of a connection `admit` let in.
    void release(const Poco::Net::IPAddress& address);

  private:
    static std::string key(const Poco::Net::IPAddress& address);

    const Settings& settings_;
    Stats& stats_;
    std::mutex mutex_;
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> perAddress_;
};

}  // namespace mvi::host::front
