#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "HttpClient.h"

namespace mvi::test {

/// A real `mvi-host` process on a free loopback port, with its own plugins and data folders
/// under a fresh temporary directory. Stopped (SIGTERM, then SIGKILL after a grace period) when
/// destroyed.
class HostProcess {
  public:
    /// Starts the host with `extraArguments` and waits until it prints its port.
    explicit HostProcess(std::vector<std::string> extraArguments = {},
                         std::string workDirectory = "");
    ~HostProcess();

    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    unsigned port() const { return port_; }
    const std::string& pluginsDir() const { return pluginsDir_; }
    const std::string& dataDir() const { return dataDir_; }
    const std::string& workDirectory() const { return workDirectory_; }
    /// The mvi-host process: the supervisor.
    pid_t pid() const { return pid_; }

    /// The serving process the supervisor runs now (the one that maps the plugins); -1 while
    /// there is none.
    pid_t servingPid() const;

    /// Leaves the work directory in place when this object is destroyed (to start another host
    /// on the same state).
    void keepWorkDirectory() { keepWorkDirectory_ = true; }

    /// Stops the host gracefully (or with SIGKILL when `kill` is set); returns its exit status.
    int stop(bool kill = false);

    /// Sends `signal` to the supervisor and waits for it to end, at most `deadline` (then
    /// SIGKILL). Returns the status from waitpid (WIFEXITED, WEXITSTATUS...); check `timedOut`.
    int stopWith(int signal, std::chrono::milliseconds deadline = std::chrono::seconds(30));

    /// Whether the last `stopWith` (or `stop`) had to kill the host after its deadline.
    bool timedOut() const { return timedOut_; }

    Response post(const std::string& path, const nlohmann::json& body) const {
        return postJson(port_, path, body);
    }
    Response get(const std::string& path) const { return mvi::test::get(port_, path); }

  private:
    std::string workDirectory_;
    std::string pluginsDir_;
    std::string dataDir_;
    pid_t pid_ = -1;
    unsigned port_ = 0;
    bool keepWorkDirectory_ = false;
    bool timedOut_ = false;
};

/// Copies a built plugin into `pluginsDir` as `fileName` (copy to a temporary name, then rename,
/// as a careful deployer would).
void installPlugin(const std::string& builtPath, const std::string& pluginsDir,
                   const std::string& fileName);

/// A fresh empty temporary directory.
std::string makeTemporaryDirectory();

/// A throw-away self-signed certificate made with openssl: `name`.pem and its key `name`.key
/// in `directory`, valid for `altNames` (subjectAltName entries). Returns the certificate's
/// path; throws std::runtime_error with openssl's output when it fails.
std::string makeCertificate(const std::string& directory, const std::string& name,
                            const std::string& altNames = "DNS:localhost,IP:127.0.0.1");

/// Waits until `condition` holds, checking every 10 ms, for at most `deadline`. Returns whether
/// it held.
bool waitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds deadline = std::chrono::seconds(20));

}  // namespace mvi::test

namespace mvi::test {

/// A host whose plugins folder starts with the given (built target, file name) pairs.
std::unique_ptr<HostProcess> startHost(
    const std::vector<std::pair<std::string, std::string>>& plugins,
    std::vector<std::string> arguments = {});

/// Path of a plugin the build produced: an example (`hello`) or a fixture
/// (`fixture_counter_v1`).
std::string builtPlugin(const std::string& target);

}  // namespace mvi::test

namespace mvi::test {

/// The `GET /services/` entry of (name, version) that is not draining; null when absent.
nlohmann::json serviceEntry(const HostProcess& host, const std::string& name,
                            const std::string& version);

/// Whether a notification of `service` with `severity` (e.g. "CRITICAL") has `text` in its
/// message.
bool hasNotification(const HostProcess& host, const std::string& service,
                     const std::string& severity, const std::string& text);

/// Files under `directory` that process `pid` has mapped (from /proc/PID/maps).
std::vector<std::string> mappedFilesUnder(pid_t pid, const std::string& directory);

/// Writes `source` to `destination` in place (no rename) in chunks, pausing between them, as a
/// slow copy would.
void slowCopy(const std::string& source, const std::string& destination,
              std::chrono::milliseconds pause);

}  // namespace mvi::test
