#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mvi::cli {

/// The per-user configuration of `mvi`: the active host and a token per host.
///
/// Stored as JSON, `{"active_host": "<url>", "hosts": {"<url>": {"token": "..."}}}`, in
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

    /// Writes the configuration: to a temporary file readable by its owner only, renamed over
    /// the file. Throws CliError when it cannot be written.
    void save() const;

  private:
    std::string path_;
    nlohmann::json data_;
};

}  // namespace mvi::cli
