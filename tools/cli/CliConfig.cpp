#include "CliConfig.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <Poco/URI.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "CliError.h"

namespace mvi::cli {
namespace fs = std::filesystem;

std::string CliConfig::defaultPath() {
    std::string explicitPath = Poco::Environment::get("MVI_CONFIG", "");
    if (!explicitPath.empty()) {
        return explicitPath;
    }
    std::string configHome = Poco::Environment::get("XDG_CONFIG_HOME", "");
    if (configHome.empty()) {
        configHome = (fs::path(Poco::Path::home()) / ".config").string();
    }
    return (fs::path(configHome) / "mvi" / "config.json").string();
}

std::string CliConfig::normalizeUrl(const std::string& url) {
    std::string text = url;
    if (text.find("://") == std::string::npos) {
        text = "http://" + text;
    }
    while (!text.empty() && text.back() == '/') {
        text.pop_back();
    }
    try {
        Poco::URI uri(text);
        if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
            throw CliError("'" + url + "' is not an http:// or https:// URL of an mvi-host");
        }
    } catch (const Poco::Exception&) {
        throw CliError("'" + url + "' is not a valid URL");
    }
    return text;
}

CliConfig::CliConfig(std::string path) : path_(std::move(path)), data_(nlohmann::json::object()) {
    std::ifstream input(path_);
    if (!input) {
        return;
    }
    std::stringstream content;
    content << input.rdbuf();
    if (content.str().find_first_not_of(" \t\r\n") == std::string::npos) {
        return;
    }
    try {
        data_ = nlohmann::json::parse(content.str());
    } catch (const nlohmann::json::exception&) {
        throw CliError("The configuration file " + path_ + " is not valid JSON");
    }
    if (!data_.is_object() || (data_.contains("hosts") && !data_["hosts"].is_object())) {
        throw CliError("The configuration file " + path_ + " is not an mvi configuration");
    }
    if (data_.contains("fleets")) {
        const auto& fleets = data_["fleets"];
        bool valid = fleets.is_object();
        for (auto fleet = fleets.begin(); valid && fleet != fleets.end(); ++fleet) {
            valid = fleet->is_array() &&
                    std::all_of(fleet->begin(), fleet->end(),
                                [](const nlohmann::json& url) { return url.is_string(); });
        }
        if (!valid) {
            throw CliError("The configuration file " + path_ +
                           " has a \"fleets\" entry that is not a map of names to lists of host "
                           "URLs");
        }
    }
}

std::string CliConfig::activeHost() const {
    std::string fromEnvironment = Poco::Environment::get("MVI_HOST", "");
    if (!fromEnvironment.empty()) {
        return normalizeUrl(fromEnvironment);
    }
    if (data_.contains("active_host") && data_["active_host"].is_string()) {
        return normalizeUrl(data_["active_host"].get<std::string>());
    }
    return kDefaultHost;
}

void CliConfig::setActiveHost(const std::string& url) {
    data_["active_host"] = normalizeUrl(url);
}

std::string CliConfig::token(const std::string& url) const {
    const auto hosts = data_.find("hosts");
    if (hosts == data_.end()) {
        return {};
    }
    const auto host = hosts->find(normalizeUrl(url));
    if (host == hosts->end() || !host->is_object() || !host->contains("token") ||
        !(*host)["token"].is_string()) {
        return {};
    }
    return (*host)["token"].get<std::string>();
}

void CliConfig::setToken(const std::string& url, const std::string& token) {
    data_["hosts"][normalizeUrl(url)]["token"] = token;
}

void CliConfig::removeToken(const std::string& url) {
    if (!data_.contains("hosts")) {
        return;
    }
    auto& hosts = data_["hosts"];
    std::string key = normalizeUrl(url);
    if (hosts.contains(key) && hosts[key].is_object()) {
        hosts[key].erase("token");
        if (hosts[key].empty()) {
            hosts.erase(key);
        }
    }
}

bool CliConfig::isValidFleetName(const std::string& name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
    });
}

std::vector<std::string> CliConfig::fleetNames() const {
    std::vector<std::string> names;
    if (data_.contains("fleets")) {
        for (const auto& [name, hosts] : data_["fleets"].items()) {
            names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> CliConfig::fleetHosts(const std::string& name) const {
    std::vector<std::string> hosts;
    if (data_.contains("fleets") && data_["fleets"].contains(name)) {
        for (const auto& url : data_["fleets"][name]) {
            hosts.push_back(url.get<std::string>());
        }
    }
    return hosts;
}

void CliConfig::addToFleet(const std::string& name, const std::vector<std::string>& urls) {
    if (!isValidFleetName(name)) {
        throw CliError("Invalid fleet name '" + name +
                       "': use 1 to 64 letters, digits, '-', '_' or '.'");
    }
    std::vector<std::string> hosts = fleetHosts(name);
    for (const std::string& url : urls) {
        std::string normalized = normalizeUrl(url);
        if (std::find(hosts.begin(), hosts.end(), normalized) == hosts.end()) {
            hosts.push_back(normalized);
        }
    }
    data_["fleets"][name] = hosts;
}

void CliConfig::removeFromFleet(const std::string& name, const std::vector<std::string>& urls) {
    std::vector<std::string> hosts = fleetHosts(name);
    if (hosts.empty()) {
        throw CliError("No fleet " + name + " (mvi fleet ls lists them)");
    }
    for (const std::string& url : urls) {
        auto host = std::find(hosts.begin(), hosts.end(), normalizeUrl(url));
        if (host == hosts.end()) {
            throw CliError("The fleet " + name + " has no host " + normalizeUrl(url));
        }
        hosts.erase(host);
    }
    if (urls.empty() || hosts.empty()) {
        data_["fleets"].erase(name);
        if (data_["fleets"].empty()) {
            data_.erase("fleets");
        }
    } else {
        data_["fleets"][name] = hosts;
    }
}

void CliConfig::save() const {
    fs::path target(path_);
    fs::path temporary = target;
    temporary += ".tmp" + std::to_string(::getpid());
    std::error_code error;
    if (target.has_parent_path()) {
        fs::create_directories(target.parent_path(), error);
    }
    {
        std::ofstream output(temporary, std::ios::trunc);
        fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::replace, error);
        output << data_.dump(2) << '\n';
        if (!output.flush()) {
            fs::remove(temporary, error);
            throw CliError("Cannot write the configuration file " + path_);
        }
    }
    fs::rename(temporary, target, error);
    if (error) {
        fs::remove(temporary, error);
        throw CliError("Cannot write the configuration file " + path_);
    }
}

}  // namespace mvi::cli
