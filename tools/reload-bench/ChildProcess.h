#pragma once

#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/Timespan.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mvi::bench {

/// A program run as a child process, with its standard output and error collected.
///
/// Both streams go to one pipe that a thread of this object reads until the child closes it, so
/// the child never blocks on a full pipe. The output is kept in memory: all of it up to
/// `kOutputLimit` bytes, beyond that the first half of what was kept is dropped at a time.
/// A child still running when this object is destroyed is stopped as `stop` does.
class ChildProcess {
  public:
    /// Most bytes of output kept in memory.
    static constexpr std::size_t kOutputLimit = 1 << 20;

    /// Starts `command` (a path) with `arguments` in `directory`.
    ///
    /// Throws Poco::Exception when the program cannot be started.
    ChildProcess(const std::string& command, const std::vector<std::string>& arguments,
                 const std::string& directory);

    /// Stops the child if it still runs, and waits for the reader thread.
    ~ChildProcess();

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Waits until the output holds a line that starts with `prefix`, and returns that line
    /// (without its newline). Returns nothing when the child closed its output first or
    /// `timeout` passed.
    std::optional<std::string> waitForLine(const std::string& prefix, Poco::Timespan timeout);

    /// Whether the child is still running.
    bool running();

    /// Waits at most `timeout` for the child to exit, then for the reader to collect the rest of
    /// its output. Returns its exit code (256 plus the signal number when a signal ended it), or
    /// nothing when it still runs.
    std::optional<int> wait(Poco::Timespan timeout);

    /// Asks the child to stop with SIGTERM and waits for it; after `grace` it is killed with
    /// SIGKILL. Returns its exit code as `wait` does.
    int stop(Poco::Timespan grace);

    /// The output collected so far (all of it once `wait` or `stop` has returned an exit
    /// code).
    std::string output() const;

    /// The last `lines` lines of the output.
    std::string outputTail(std::size_t lines) const;

  private:
    /// Body of the reader thread: appends everything the child writes to `output_`.
    void readOutput();

    Poco::Pipe pipe_;
    Poco::ProcessHandle handle_;
    std::optional<int> exitCode_;
    mutable std::mutex mutex_;
    std::condition_variable outputChanged_;
    std::string output_;
    /// Bytes dropped from the front of `output_` so far.
    std::size_t dropped_ = 0;
    bool outputClosed_ = false;
    /// Last member: the thread starts once everything it uses exists.
    std::thread reader_;
};

}  // namespace mvi::bench
