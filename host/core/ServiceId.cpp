#include "core/ServiceId.h"

#include <mvi/limits.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace mvi::host {
namespace {

bool isLowerOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool isDigits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A numeric identifier: digits without a leading zero (unless it is "0").
bool isNumericIdentifier(std::string_view text) {
    return isDigits(text) && (text.size() == 1 || text.front() != '0');
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

bool isValidIdentifierList(std::string_view text, bool numericMustBeCanonical) {
    for (std::string_view part : split(text, '.')) {
        if (part.empty()) {
            return false;
        }
        for (char c : part) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
                return false;
            }
        }
        if (numericMustBeCanonical && isDigits(part) && !isNumericIdentifier(part)) {
            return false;
        }
    }
    return true;
}

struct ParsedVersion {
    std::string_view core[3];
    std::string_view prerelease;
};

ParsedVersion parseVersionParts(std::string_view version) {
    ParsedVersion parsed;
    std::string_view rest = version.substr(0, version.find('+'));
    std::size_t dash = rest.find('-');
    if (dash != std::string_view::npos) {
        parsed.prerelease = rest.substr(dash + 1);
        rest = rest.substr(0, dash);
    }
    auto core = split(rest, '.');
    for (std::size_t i = 0; i < 3 && i < core.size(); ++i) {
        parsed.core[i] = core[i];
    }
    return parsed;
}

int compareNumeric(std::string_view left, std::string_view right) {
    if (left.size() != right.size()) {
        return left.size() < right.size() ? -1 : 1;
    }
    return left.compare(right) < 0 ? -1 : (left == right ? 0 : 1);
}

}  // namespace

bool isValidServiceName(std::string_view name) {
    return !name.empty() && name.size() <= limits::kMaxNameBytes && name.front() != '_' &&
           name.back() != '_' && std::all_of(name.begin(), name.end(), [](char c) {
               return isLowerOrDigit(c) || c == '_';
           });
}

bool isValidMemberName(std::string_view name) {
    return !name.empty() && name.size() <= limits::kMaxNameBytes &&
           !(name.front() >= '0' && name.front() <= '9') &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return isLowerOrDigit(c) || c == '_'; });
}

bool isValidVersion(std::string_view version) {
    if (version.empty() || version.size() > 128) {
        return false;
    }
    std::string_view rest = version;
    std::size_t plus = rest.find('+');
    if (plus != std::string_view::npos) {
        if (!isValidIdentifierList(rest.substr(plus + 1), false)) {
            return false;
        }
        rest = rest.substr(0, plus);
    }
    std::size_t dash = rest.find('-');
    if (dash != std::string_view::npos) {
        if (!isValidIdentifierList(rest.substr(dash + 1), true)) {
            return false;
        }
        rest = rest.substr(0, dash);
    }
    auto core = split(rest, '.');
    return core.size() == 3 && std::all_of(core.begin(), core.end(), isNumericIdentifier);
}

int compareVersions(std::string_view left, std::string_view right) {
    ParsedVersion a = parseVersionParts(left);
    ParsedVersion b = parseVersionParts(right);
    for (int i = 0; i < 3; ++i) {
        if (int c = compareNumeric(a.core[i], b.core[i]); c != 0) {
            return c;
        }
    }
    // A version without a pre-release outranks one with a pre-release.
    if (a.prerelease.empty() || b.prerelease.empty()) {
        return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
    }
    auto leftIds = split(a.prerelease, '.');
    auto rightIds = split(b.prerelease, '.');
    for (std::size_t i = 0; i < leftIds.size() && i < rightIds.size(); ++i) {
        bool leftNumeric = isDigits(leftIds[i]);
        bool rightNumeric = isDigits(rightIds[i]);
        int c = 0;
        if (leftNumeric && rightNumeric) {
            c = compareNumeric(leftIds[i], rightIds[i]);
        } else if (leftNumeric != rightNumeric) {
            c = leftNumeric ? -1 : 1;
        } else {
            c = leftIds[i].compare(rightIds[i]) < 0 ? -1 : (leftIds[i] == rightIds[i] ? 0 : 1);
        }
        if (c != 0) {
            return c;
        }
    }
    return leftIds.size() == rightIds.size() ? 0 : (leftIds.size() < rightIds.size() ? -1 : 1);
}

std::optional<ServiceId> parseServiceId(std::string_view text) {
    std::size_t underscore = text.rfind('_');
    if (underscore == std::string_view::npos) {
        return std::nullopt;
    }
    ServiceId id{std::string(text.substr(0, underscore)), std::string(text.substr(underscore + 1))};
    if (!isValidServiceName(id.name) || !isValidVersion(id.version)) {
        return std::nullopt;
    }
    return id;
}

std::optional<ServiceId> parsePluginFileName(std::string_view fileName) {
    constexpr std::string_view suffix = ".so";
    if (fileName.size() <= suffix.size() ||
        fileName.substr(fileName.size() - suffix.size()) != suffix) {
        return std::nullopt;
    }
    return parseServiceId(fileName.substr(0, fileName.size() - suffix.size()));
}

}  // namespace mvi::host
