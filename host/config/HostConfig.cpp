#include "config/HostConfig.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

namespace mvi::host {
namespace {

std::string environmentName(const std::string& key) {
    std::string name = "MVI_";
    for (char c : key) {
        name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
}

}  // namespace

const std::vector<HostConfig::Key>& HostConfig::defaults() {
    static const std::vector<Key> keys = {
        {"http.host", "127.0.0.1", "Address to listen on."},
        {"http.port", "8080", "Port to listen on; 0 picks a free one and prints it."},
        {"http.max_threads", "256",
         "Most requests served at once (Poco holds one thread per keep-alive connection)."},
        {"http.max_queued", "1024",
         "Connections waiting for a thread before new ones are refused."},
        {"http.max_body_bytes", "10485760", "Largest request body; larger ones get 413."},
        {"http.keep_alive_seconds", "60", "Idle time after which a keep-alive connection closes."},
        {"plugins.dir", "var/plugins", "Folder holding <name>_<version>.so files to serve."},
        {"data.dir", "var/data", "Folder for the host's state (cache of loaded libraries, ...)."},
        {"logs.memory_lines", "10000", "Log lines kept in memory per service version."},
        {"logs.level", "information",
         "Host log level: trace, debug, information, notice, warning, error, critical, fatal."},
        {"reload.watch", "true", "Watch the plugins folder and deploy changes live."},
        {"reload.promote", "first",
         "Which version is main: first (the first loaded; later ones are shadows) or newest "
         "(every newly loaded higher version becomes main)."},
        {"reload.close_quiet_ms", "25",
         "Quiet time after a writer closes a plugin file before it is loaded."},
        {"reload.open_write_quiet_ms", "2000",
         "Quiet time before loading a file whose writer never closed it."},
        {"mirror.queue_capacity", "1024",
         "Mirrored copies waiting for a shadow; beyond this they are dropped and counted."},
        {"mirror.threads", "2", "Threads serving mirrored copies to shadows."},
    };
    return keys;
}

HostConfig HostConfig::from(const Poco::Util::AbstractConfiguration& config) {
    auto text = [&config](const std::string& key) {
        const auto& keys = defaults();
        auto found = std::find_if(keys.begin(), keys.end(),
                                  [&key](const Key& candidate) { return candidate.name == key; });
        return config.getString(key, found->defaultValue);
    };
    auto integer = [&text](const std::string& key, long long low, long long high) {
        std::string value = text(key);
        long long number = 0;
        try {
            std::size_t used = 0;
            number = std::stoll(value, &used);
            if (used != value.size()) {
                throw std::invalid_argument(value);
            }
        } catch (const std::exception&) {
            throw Poco::SyntaxException("configuration key " + key + " must be an integer, not '" +
                                        value + "'");
        }
        if (number < low || number > high) {
            throw Poco::SyntaxException("configuration key " + key + " must be within " +
                                        std::to_string(low) + ".." + std::to_string(high));
        }
        return number;
    };
    constexpr long long kIntMax = std::numeric_limits<int>::max();
    HostConfig result;
    result.httpHost = text("http.host");
    result.httpPort = static_cast<unsigned>(integer("http.port", 0, 65535));
    result.httpMaxThreads = static_cast<int>(integer("http.max_threads", 1, kIntMax));
    result.httpMaxQueued = static_cast<int>(integer("http.max_queued", 1, kIntMax));
    result.httpMaxBodyBytes = static_cast<std::size_t>(
        integer("http.max_body_bytes", 1, std::numeric_limits<long long>::max()));
    result.httpKeepAliveSeconds = static_cast<int>(integer("http.keep_alive_seconds", 1, kIntMax));
    result.pluginsDir = text("plugins.dir");
    result.dataDir = text("data.dir");
    result.logsMemoryLines = static_cast<std::size_t>(integer("logs.memory_lines", 1, kIntMax));
    result.logsLevel = text("logs.level");
    std::string watch = text("reload.watch");
    if (watch != "true" && watch != "false") {
        throw Poco::SyntaxException("configuration key reload.watch must be true or false");
    }
    result.reloadWatch = watch == "true";
    result.reloadPromote = text("reload.promote");
    if (result.reloadPromote != "first" && result.reloadPromote != "newest") {
        throw Poco::SyntaxException("configuration key reload.promote must be first or newest");
    }
    result.reloadCloseQuietMs = static_cast<int>(integer("reload.close_quiet_ms", 0, 60000));
    result.reloadOpenWriteQuietMs =
        static_cast<int>(integer("reload.open_write_quiet_ms", 1, 3600000));
    result.mirrorQueueCapacity =
        static_cast<std::size_t>(integer("mirror.queue_capacity", 1, kIntMax));
    result.mirrorThreads = static_cast<int>(integer("mirror.threads", 1, 64));
    static const std::vector<std::string> levels = {"trace",   "debug", "information", "notice",
                                                    "warning", "error", "critical",    "fatal"};
    if (std::find(levels.begin(), levels.end(), result.logsLevel) == levels.end()) {
        throw Poco::SyntaxException(
            "configuration key logs.level must be one of trace, debug, "
            "information, notice, warning, error, critical, fatal");
    }
    return result;
}

void HostConfig::applyEnvironment(Poco::Util::AbstractConfiguration& config) {
    for (const Key& key : defaults()) {
        std::string variable = environmentName(key.name);
        if (Poco::Environment::has(variable)) {
            config.setString(key.name, Poco::Environment::get(variable));
        }
    }
}

}  // namespace mvi::host
