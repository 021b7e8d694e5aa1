#pragma once

#include <Poco/Clock.h>

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>

#include "BenchReport.h"
#include "BenchSettings.h"

namespace mvi::bench {

class ChildProcess;
class ServiceProbe;

/// A run that could not be completed: the host did not start or died, wrk failed, or a swap
/// was never answered by the new build. The message says which, with the program's last output.
class BenchError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The reload-under-load scenario at full speed.
///
/// In a fresh temporary folder, build A is deployed as `counter_1.0.0.so` and an `mvi-host` is
/// started on a free loopback port. wrk then calls `POST /services/counter/version` for the
/// configured duration while this object swaps builds A and B in turn: it drops the other build
/// in as `counter_1.0.0.so` (copied under a hidden name, then renamed), and calls
/// `POST /services/counter_1.0.0/version` on one keep-alive connection, as fast as it answers,
/// until the new build answers; the time from the rename to that answer is the swap's latency.
/// The next swap follows at once. Finally the host is stopped and the folder removed.
class ReloadBench {
  public:
    explicit ReloadBench(BenchSettings settings);

    /// Runs the scenario, writing a line about each stage to `progress`. Throws BenchError when
    /// the run cannot be completed.
    BenchReport run(std::ostream& progress);

  private:
    /// Puts `build` in `pluginsDir` as the plugin file: copied under a hidden name, then
    /// renamed. Returns a clock started the moment the file landed.
    static Poco::Clock installBuild(const std::string& build, const std::string& pluginsDir);

    /// Calls `probe` until it answers 200 with a body other than `previous` (and equal to
    /// `expected` unless that is empty); returns that body. Calls that fail or answer another
    /// status are counted in `failures`. Throws BenchError, naming the awaited build as `what`,
    /// when the host exits or the deadline passes.
    std::string waitForBuild(ServiceProbe& probe, ChildProcess& host, const std::string& what,
                             const std::string& previous, const std::string& expected,
                             std::uint64_t& failures) const;

    BenchSettings settings_;
};

}  // namespace mvi::bench
