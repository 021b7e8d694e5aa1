#include "ChildProcess.h"

#include <Poco/Clock.h>
#include <Poco/Thread.h>

#include <chrono>
#include <csignal>

namespace mvi::bench {

ChildProcess::ChildProcess(const std::string& command, const std::vector<std::string>& arguments,
                           const std::string& directory)
    : handle_(Poco::Process::launch(command, arguments, directory, nullptr, &pipe_, &pipe_)),
      reader_(&ChildProcess::readOutput, this) {}

ChildProcess::~ChildProcess() {
    try {
        stop(Poco::Timespan(5, 0));
    } catch (...) {
        // Nothing sensible is left to do with a child that cannot be waited for.
    }
    reader_.join();
}

void ChildProcess::readOutput() {
    char buffer[4096];
    for (;;) {
        int count = 0;
        try {
            count = pipe_.readBytes(buffer, sizeof buffer);
        } catch (...) {
            count = 0;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (count <= 0) {
            outputClosed_ = true;
            outputChanged_.notify_all();
            return;
        }
        output_.append(buffer, static_cast<std::size_t>(count));
        if (output_.size() > kOutputLimit) {
            std::size_t drop = output_.size() - kOutputLimit / 2;
            output_.erase(0, drop);
            dropped_ += drop;
        }
        outputChanged_.notify_all();
    }
}

std::optional<std::string> ChildProcess::waitForLine(const std::string& prefix,
                                                     Poco::Timespan timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::size_t searched = dropped_;  // offset in the whole output of the next line to check
    std::optional<std::string> found;
    auto lineIsThere = [&] {
        for (;;) {
            std::size_t start = searched > dropped_ ? searched - dropped_ : 0;
            std::size_t end = output_.find('\n', start);
            if (end == std::string::npos) {
                return outputClosed_;
            }
            searched = dropped_ + end + 1;
            if (end - start >= prefix.size() &&
                output_.compare(start, prefix.size(), prefix) == 0) {
                found = output_.substr(start, end - start);
                return true;
            }
        }
    };
    outputChanged_.wait_for(lock, std::chrono::microseconds(timeout.totalMicroseconds()),
                            lineIsThere);
    return found;
}

bool ChildProcess::running() {
    return !wait(Poco::Timespan(0)).has_value();
}

std::optional<int> ChildProcess::wait(Poco::Timespan timeout) {
    if (exitCode_) {
        return exitCode_;
    }
    Poco::Clock started;
    for (;;) {
        int code = handle_.tryWait();
        if (code != -1) {
            exitCode_ = code;
            // What the child wrote before exiting may still be in the pipe: let the reader
            // drain it (bounded, in case a process the child started keeps the pipe open).
            std::unique_lock<std::mutex> lock(mutex_);
            outputChanged_.wait_for(lock, std::chrono::seconds(5),
                                    [this] { return outputClosed_; });
            return exitCode_;
        }
        if (started.elapsed() >= timeout.totalMicroseconds()) {
            return std::nullopt;
        }
        Poco::Thread::sleep(5);
    }
}

int ChildProcess::stop(Poco::Timespan grace) {
    if (exitCode_) {
        return *exitCode_;
    }
    ::kill(handle_.id(), SIGTERM);
    if (auto code = wait(grace)) {
        return *code;
    }
    Poco::Process::kill(handle_);
    exitCode_ = handle_.wait();
    return *exitCode_;
}

std::string ChildProcess::output() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return output_;
}

std::string ChildProcess::outputTail(std::size_t lines) const {
    std::lock_guard<std::mutex> lock(mutex_);
    // Walk back over `lines` newlines, not counting the one that ends the output.
    std::size_t start = output_.size();
    if (start > 0 && output_[start - 1] == '\n') {
        --start;
    }
    for (std::size_t seen = 0; seen < lines; ++seen) {
        std::size_t newline = start == 0 ? std::string::npos : output_.rfind('\n', start - 1);
        if (newline == std::string::npos) {
            return output_;
        }
        start = newline;
    }
    return output_.substr(start + 1);
}

}  // namespace mvi::bench
