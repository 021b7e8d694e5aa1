// mvi/log.hpp -- logging and notifications from a service, through the host it is loaded in.
//
// Both work from any thread once the service is registered. Before that (no host yet, or while
// mvi_plugin_register is still running, when the ABI does not allow calls into the host) log
// lines and notifications are written to stderr instead, so nothing is lost silently and
// nothing crashes.
//
// PLUGIN RULES this SDK follows, and that service code should follow too:
//   - No `thread_local` variable with a non-trivial destructor. The host calls entrypoints on
//     pooled threads that outlive any one plugin; such a variable registers a destructor that
//     pins the plugin in memory for ever, so a new version could never replace it.
//   - State lives in the plugin's own globals or in function-local statics of inline functions:
//     plugins are built with hidden visibility and -fno-gnu-unique, which keeps each such
//     variable private to one loaded library.
//   - A thread the service starts is ended by a function given to Service::on_stop. The host
//     never closes a library while a thread it started still runs, so a thread left running
//     keeps the old version in memory until the host restarts (the host reports it).
#ifndef MVI_LOG_HPP
#define MVI_LOG_HPP

#include <mvi/plugin.h>
#include <mvi/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mvi {

/// Severity of a notification raised with mvi::notify.
enum class Severity : std::int32_t {
    Info = MVI_SEVERITY_INFO,          ///< For information.
    Warning = MVI_SEVERITY_WARNING,    ///< Something needs attention.
    Critical = MVI_SEVERITY_CRITICAL,  ///< Something is broken.
};

namespace detail {

/// Where the service stands with respect to its host.
enum class Phase : int {
    Unregistered = 0,  ///< No host yet (or the registration failed).
    Registering = 1,   ///< mvi_plugin_register is running; host calls are not allowed yet.
    Registered = 2,    ///< The host accepted the service; every host function may be called.
};

/// The host this copy of the service is loaded in. Trivially destructible on purpose, so it
/// stays usable until the library is unmapped.
struct HostContext {
    std::atomic<const mvi_host_api*> api{nullptr};
    std::atomic<mvi_host*> host{nullptr};
    std::atomic<int> phase{static_cast<int>(Phase::Unregistered)};
};

/// The plugin's one HostContext (one per loaded library, see the rules at the top).
inline HostContext& host_context() noexcept {
    static HostContext context;
    return context;
}

/// The host table and handle when the service is registered, else {nullptr, nullptr}.
inline std::pair<const mvi_host_api*, mvi_host*> registered_host() noexcept {
    HostContext& context = host_context();
    if (context.phase.load(std::memory_order_acquire) != static_cast<int>(Phase::Registered)) {
        return {nullptr, nullptr};
    }
    return {context.api.load(std::memory_order_acquire),
            context.host.load(std::memory_order_acquire)};
}

/// A borrowed mvi_str viewing `text`.
inline mvi_str to_mvi_str(std::string_view text) noexcept {
    return mvi_str{text.data(), text.size()};
}

/// A std::string_view of a borrowed mvi_str (empty for a NULL pointer).
inline std::string_view to_string_view(mvi_str text) noexcept {
    return text.data == nullptr ? std::string_view() : std::string_view(text.data, text.size);
}

}  // namespace detail

namespace log {

/// Log levels, in increasing importance.
enum class Level : std::int32_t {
    Debug = MVI_LOG_DEBUG,      ///< Detail for developers.
    Info = MVI_LOG_INFO,        ///< Normal operation.
    Warning = MVI_LOG_WARNING,  ///< Something unexpected that the service handled.
    Error = MVI_LOG_ERROR,      ///< Something failed.
};

/// The lowercase name of a level ("debug", "info", "warning", "error").
inline const char* level_name(Level level) noexcept {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warning:
            return "warning";
        case Level::Error:
            return "error";
    }
    return "log";
}

/// Writes one already formatted line to this service's log. Never throws.
inline void write(Level level, std::string_view message) noexcept {
    const auto [api, host] = detail::registered_host();
    if (api != nullptr) {
        api->log(host, static_cast<mvi_log_level>(level), detail::to_mvi_str(message));
        return;
    }
    std::fprintf(stderr, "[mvi %s] %.*s\n", level_name(level), static_cast<int>(message.size()),
                 message.data());
}

}  // namespace log

namespace detail {

template <class... Args>
void log_formatted(log::Level level, fmt::format_string<Args...> format, Args&&... args) noexcept {
    try {
        log::write(level, fmt::format(format, std::forward<Args>(args)...));
    } catch (const std::exception& error) {
        log::write(level, "(log line could not be formatted)");
        log::write(log::Level::Error, error.what());
    } catch (...) {
        log::write(level, "(log line could not be formatted)");
    }
}

}  // namespace detail

namespace log {

/// Logs at debug level. `format` is a fmt format string ("{} of {}"), checked at compile time
/// when compiled as C++20; a formatting failure at run time logs a note instead of throwing.
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) noexcept {
    detail::log_formatted(Level::Debug, format, std::forward<Args>(args)...);
}

/// Logs at info level; see mvi::log::debug.
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) noexcept {
    detail::log_formatted(Level::Info, format, std::forward<Args>(args)...);
}

/// Logs at warning level; see mvi::log::debug.
template <class... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) noexcept {
    detail::log_formatted(Level::Warning, format, std::forward<Args>(args)...);
}

/// Logs at error level; see mvi::log::debug.
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) noexcept {
    detail::log_formatted(Level::Error, format, std::forward<Args>(args)...);
}

}  // namespace log

/// Raises a notification for this service, shown on the dashboard and, when `emails` is not
/// empty, mailed to those addresses; a repeat of the same (message, severity) within
/// `timer_seconds` sends no e-mail again. Returns true when the host accepted it. A refused
/// notification is logged as a warning; before registration it goes to stderr. Never throws.
inline bool notify(std::string_view message, Severity severity = Severity::Info,
                   const std::vector<std::string>& emails = {}, double timer_seconds = 0) noexcept {
    const auto [api, host] = detail::registered_host();
    if (api == nullptr) {
        std::fprintf(stderr, "[mvi notification] %.*s\n", static_cast<int>(message.size()),
                     message.data());
        return false;
    }
    try {
        const std::string emails_json = nlohmann::json(emails).dump();
        mvi_notification notification{};
        notification.size = sizeof(mvi_notification);
        notification.severity = static_cast<mvi_severity>(severity);
        notification.message = detail::to_mvi_str(message);
        notification.emails = detail::to_mvi_str(emails_json);
        notification.timer_seconds = timer_seconds;
        const mvi_status status = api->notify(host, &notification);
        if (status != MVI_OK) {
            log::warning("notification refused by the host with {}: {}", status_name(status),
                         message);
            return false;
        }
        return true;
    } catch (...) {
        log::write(log::Level::Error, "notification could not be sent (out of memory)");
        return false;
    }
}

}  // namespace mvi

#endif  // MVI_LOG_HPP
