#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mvi::host {

/// Identity of one deployed version of a service: `(name, version)`.
///
/// Names are lowercase letters, digits and underscores, not starting or ending with `_`, at most
/// mvi::limits::kMaxNameBytes long.
/// Versions are semantic versions (`MAJOR.MINOR.PATCH` with optional `-pre` and `+build`).
struct ServiceId {
    std::string name;
    std::string version;

    /// `<name>_<version>`, the form used in URLs and plugin file names.
    std::string str() const { return name + "_" + version; }

    bool operator==(const ServiceId& other) const {
        return name == other.name && version == other.version;
    }
    bool operator<(const ServiceId& other) const {
        return name != other.name ? name < other.name : version < other.version;
    }
};

/// True when `name` is a valid service name.
bool isValidServiceName(std::string_view name);

/// True when `name` is a valid entrypoint or parameter name: lowercase letters, digits and
/// underscores, not starting with a digit, at most mvi::limits::kMaxNameBytes long.
bool isValidMemberName(std::string_view name);

/// True when `version` is a valid semantic version.
bool isValidVersion(std::string_view version);

/// Orders two valid semantic versions by precedence: negative, zero or positive.
int compareVersions(std::string_view left, std::string_view right);

/// Splits `<name>_<version>` at the last underscore. Returns nothing unless both halves are
/// valid.
std::optional<ServiceId> parseServiceId(std::string_view text);

/// Parses a plugin file name `<name>_<version>.so`. Returns nothing for any other name.
std::optional<ServiceId> parsePluginFileName(std::string_view fileName);

}  // namespace mvi::host
