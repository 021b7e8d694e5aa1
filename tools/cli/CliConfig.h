#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mvi::cli {

/// The per-user configuration of `mvi`: the active host, a token per host and the fleets (named
/// groups of hosts).
///
/// Stored as JSON, `{"active_host": "<url>", "hosts": {"<url>": {"token": "..."}},
/// "fleets": {"<name>": ["<url>", ...]}}`, in
/// `$MVI_CONFIG`, else `$XDG_CONFIG_HOME/mvi/config.json`, else `~/.config/mvi/config.json`.
/// The file holds credentials, so it is written readable by its owner only. The environment
/// variable `MVI_HOST` overrides the active host without changing the file.
class CliConfig {
  public:
    /// The host used when none is configured.
    static constexpr const char* kDefaultHost = "http://127.0.0.1:8080";

    /// Where the configuration file lives for this user and environment.
    static std::string defaultPath();

    /// `url` in the form the file keys hosts by: a scheme (`http://` when missing) and no
    /// trailing slash. Throws CliError when it is not an http URL.
    static std::string normalizeUrl(const std::string& url);

    /// Reads the file at `path` when it exists. Throws CliError when it cannot be read or is not
    /// a configuration.
    explicit CliConfig(std::string path);

    /// The file this configuration is read from and saved to.
    const std::string& path() const { return path_; }

    /// The host commands talk to: `MVI_HOST`, else the file's active host, else the default.
    std::string activeHost() const;

    /// Makes `url` the active host (in memory; `save` writes it).
    void setActiveHost(const std::string& url);

    /// The token stored for `url`, empty when there is none.
    std::string token(const std::string& url) const;

    /// Stores `token` for `url` (in memory; `save` writes it).
    void setToken(const std::string& url, const std::string& token);

    /// Forgets the token of `url` (in memory; `save` writes it).
    void removeToken(const std::string& url);

    /// Whether `name` may name a fleet: 1 to 64 letters, digits, `-`, `_` or `.`.
    static bool isValidFleetName(const std::string& name);

    /// The names of the fleets, sorted.
    std::vector<std::string> fleetNames() const;

    /// The hosts of fleet `name` in the order they were added (the order of a rolling deploy);
    /// empty when there is no such fleet.
    std::vector<std::string> fleetHosts(const std::string& name) const;

    /// Adds the hosts `urls` (normalized; those already in it are kept where they are) to fleet
    /// `name`, creating it (in memory; `save` writes it). Throws CliError for an invalid name or
    /// URL.
    void addToFleet(const std::string& name, const std::vector<std::string>& urls);

    /// Removes the hosts `urls` from fleet `name`, or the whole fleet when `urls` is empty; a
    /// fleet left without hosts is removed (in memory; `save` writes it). Throws CliError when
    /// the fleet or one of the hosts is not there.
    void removeFromFleet(const std::string& name, const std::vector<std::string>& urls);

    /// Writes the configuration: to a temporary file readable by its owner only, renamed over
    /// the file. Throws CliError when it cannot be written.
    void save() const;

  private:
    std::string path_;
    nlohmann::json data_;
};

}  // namespace mvi::cli
