#pragma once

#include <Poco/Exception.h>

#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <utility>

namespace mvi::host {

/// Keeps exceptions inside the host's background threads (scheduler, unloader, mirror, mailer,
/// monitoring writer, plugin watcher, call watchdog, database watch).
///
/// Each loop runs one step at a time through `guarded`: an exception escaping the step is caught,
/// logged at error level on the `mvi` logger with the thread's name and counted for that name
/// (`mvi_background_errors_total{thread="..."}` in `/metrics`); the loop goes on with its next
/// step. `loop` wraps a whole thread body, so even a failure outside a step never ends the
/// process. Thread-safe; the counts are process-wide.
class BackgroundTask {
  public:
    /// Pause before `loop` enters a body again after it threw.
    static constexpr int kRestartPauseMs = 100;

    /// Lists `thread` among the counted threads (with no error yet), so `/metrics` shows it
    /// from the start. Never throws.
    static void declare(const std::string& thread) noexcept;

    /// Runs `step` once. Returns true when it returned normally, false when it threw (the
    /// exception is then logged and counted for `thread`).
    template <typename Step>
    static bool guarded(const char* thread, Step&& step) noexcept {
        try {
            std::forward<Step>(step)();
            return true;
        } catch (const Poco::Exception& error) {
            caught(thread, error.displayText().c_str());
        } catch (const std::exception& error) {
            caught(thread, error.what());
        } catch (...) {
            caught(thread, nullptr);
        }
        return false;
    }

    /// Runs `body` (a thread's whole loop) until it returns normally: after each exception,
    /// logged and counted like `guarded`, it waits `kRestartPauseMs` and enters `body` again.
    template <typename Body>
    static void loop(const char* thread, Body&& body) noexcept {
        while (!guarded(thread, body)) {
            pauseBeforeRestart();
        }
    }

    /// Exceptions caught so far, by thread name; declared threads without any are listed with 0.
    static std::map<std::string, std::uint64_t> errors();

  private:
    /// Logs and counts one exception; `what` is null for one that is not a std::exception.
    static void caught(const char* thread, const char* what) noexcept;
    static void pauseBeforeRestart() noexcept;
};

}  // namespace mvi::host
