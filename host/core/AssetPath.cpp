#include "core/AssetPath.h"

#include <Poco/String.h>

#include <string>

namespace mvi::host {

std::optional<std::string> AssetPath::problem(std::string_view rawTarget,
                                              std::string_view relative) {
    std::string_view rawPath = rawTarget.substr(0, rawTarget.find_first_of("?#"));
    std::string lowered = Poco::toLower(std::string(rawPath));
    if (lowered.find("%2f") != std::string::npos || lowered.find("%5c") != std::string::npos) {
        return "a static file path may not hold an encoded slash or backslash (%2F, %5C)";
    }
    if (relative.empty()) {
        return "no file named";
    }
    if (relative.find('\0') != std::string_view::npos) {
        return "a static file path may not hold a NUL byte";
    }
    std::string_view rest = relative;
    while (true) {
        auto slash = rest.find('/');
        std::string_view segment = rest.substr(0, slash);
        if (segment == "." || segment == "..") {
            return "a static file path may not hold a '.' or '..' segment";
        }
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    return std::nullopt;
}

bool AssetPath::isInside(std::string_view root, std::string_view path) {
    while (root.size() > 1 && root.back() == '/') {
        root.remove_suffix(1);
    }
    if (path.substr(0, root.size()) != root) {
        return false;
    }
    return path.size() == root.size() || root == "/" || path[root.size()] == '/';
}

}  // namespace mvi::host
