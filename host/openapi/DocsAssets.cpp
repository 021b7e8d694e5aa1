#include "openapi/DocsAssets.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <cctype>
#include <filesystem>
#include <map>

#ifndef MVI_DOCS_RELATIVE_DIR
#define MVI_DOCS_RELATIVE_DIR "../share/mvi/docs"
#endif

namespace mvi::host {

DocsAssets::DocsAssets(std::string directory)
    : directory_(directory.empty() ? defaultDirectory() : std::move(directory)) {}

std::string DocsAssets::defaultDirectory() {
    std::error_code error;
    std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) {
        return MVI_DOCS_RELATIVE_DIR;
    }
    return (executable.parent_path() / MVI_DOCS_RELATIVE_DIR).lexically_normal().string();
}

bool DocsAssets::available() const {
    return find(kBundle).has_value();
}

std::optional<std::string> DocsAssets::find(const std::string& fileName) const {
    if (fileName.empty() || fileName.front() == '.') {
        return std::nullopt;
    }
    for (char c : fileName) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
            return std::nullopt;
        }
    }
    std::string path = Poco::Path(Poco::Path::forDirectory(directory_), fileName).toString();
    try {
        Poco::File file(path);
        if (file.exists() && file.isFile()) {
            return path;
        }
    } catch (const Poco::Exception&) {
        // Unreadable: treated as absent.
    }
    return std::nullopt;
}

std::string DocsAssets::contentType(const std::string& fileName) {
    static const std::map<std::string, std::string> types = {
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"map", "application/json"},
        {"json", "application/json"},
        {"html", "text/html; charset=utf-8"},
        {"png", "image/png"},
        {"svg", "image/svg+xml"},
        {"txt", "text/plain; charset=utf-8"},
    };
    auto dot = fileName.rfind('.');
    if (dot != std::string::npos) {
        auto found = types.find(fileName.substr(dot + 1));
        if (found != types.end()) {
            return found->second;
        }
    }
    return fileName == "LICENSE" ? "text/plain; charset=utf-8" : "application/octet-stream";
}

}  // namespace mvi::host
