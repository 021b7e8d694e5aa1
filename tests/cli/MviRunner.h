#pragma once

#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mvi::test {

/// What one run of `mvi` did.
struct MviResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

/// A run of `mvi` in the background whose standard output is collected as it comes (for
/// `mvi logs -f`). Killed when destroyed.
class MviBackground {
  public:
    /// Starts `mvi` with `args` and `environment`.
    MviBackground(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& environment);
    ~MviBackground();

    MviBackground(const MviBackground&) = delete;
    MviBackground& operator=(const MviBackground&) = delete;

    /// The standard output so far.
    std::string output() const;

  private:
    std::unique_ptr<Poco::ProcessHandle> process_;
    Poco::Pipe out_;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string output_;
};

/// Runs the real `mvi` binary against one host, with its own configuration file in a fresh
/// temporary folder (`MVI_CONFIG`) and `MVI_HOST` set to the host's URL. Standard input is a
/// pipe, so `mvi` never sees a terminal.
class MviRunner {
  public:
    /// A runner for the host at `hostUrl` (empty: leave `MVI_HOST` unset).
    explicit MviRunner(std::string hostUrl);
    ~MviRunner();

    MviRunner(const MviRunner&) = delete;
    MviRunner& operator=(const MviRunner&) = delete;

    /// Runs `mvi args...` with `input` on its standard input, in `directory` (empty: the
    /// current one), and waits for it.
    MviResult run(const std::vector<std::string>& args, const std::string& input = "",
                  const std::string& directory = "") const;

    /// Starts `mvi args...` in the background.
    std::unique_ptr<MviBackground> start(const std::vector<std::string>& args) const;

    /// The configuration file `mvi` uses.
    const std::string& configPath() const { return configPath_; }

    /// A scratch folder removed with the runner.
    const std::string& scratch() const { return scratch_; }

    /// The environment given to `mvi`.
    std::map<std::string, std::string> environment() const;

    /// Adds `name=value` to the environment given to `mvi`.
    void setEnvironment(const std::string& name, const std::string& value) {
        extraEnvironment_[name] = value;
    }

  private:
    std::string hostUrl_;
    std::string scratch_;
    std::string configPath_;
    std::map<std::string, std::string> extraEnvironment_;
};

class HostProcess;

/// The base URL of `host` (`http://127.0.0.1:PORT`).
std::string urlOf(const HostProcess& host);

/// A host whose plugins folder starts with the given (built plugin target, file name) pairs,
/// once every one of them is ready.
std::unique_ptr<HostProcess> startHostWith(
    const std::vector<std::pair<std::string, std::string>>& plugins,
    std::vector<std::string> arguments = {});

/// The lines of `text` (without their newlines).
std::vector<std::string> linesOf(const std::string& text);

}  // namespace mvi::test
