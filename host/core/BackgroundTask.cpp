#include "core/BackgroundTask.h"

#include <Poco/Logger.h>

#include <chrono>
#include <mutex>
#include <thread>

namespace mvi::host {
namespace {

struct Counts {
    std::mutex mutex;
    std::map<std::string, std::uint64_t> errors;
};

/// Never destroyed: background threads may still report while static objects are destroyed.
Counts& counts() {
    static Counts* table = new Counts;
    return *table;
}

}  // namespace

void BackgroundTask::declare(const std::string& thread) noexcept {
    try {
        Counts& table = counts();
        std::lock_guard lock(table.mutex);
        table.errors.emplace(thread, 0);
    } catch (...) {
        // Out of memory: the thread shows in /metrics with its first error instead.
    }
}

std::map<std::string, std::uint64_t> BackgroundTask::errors() {
    Counts& table = counts();
    std::lock_guard lock(table.mutex);
    return table.errors;
}

void BackgroundTask::caught(const char* thread, const char* what) noexcept {
    const char* name = thread != nullptr ? thread : "background";
    try {
        Counts& table = counts();
        std::lock_guard lock(table.mutex);
        ++table.errors[name];
    } catch (...) {
        // Counting needs memory; the log line below may still get through.
    }
    try {
        std::string message = std::string("background thread ") + name + ": ";
        message += what != nullptr ? what : "an exception of an unknown type";
        message += " (caught; the thread goes on)";
        Poco::Logger::get("mvi").error(message);
    } catch (...) {
        // Logging failed: the count above is all that is left of it.
    }
}

void BackgroundTask::pauseBeforeRestart() noexcept {
    try {
        std::this_thread::sleep_for(std::chrono::milliseconds(kRestartPauseMs));
    } catch (...) {
        // Nothing to do: the loop starts again at once.
    }
}

}  // namespace mvi::host
