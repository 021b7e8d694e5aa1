#include "core/AssetFolder.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <cctype>
#include <filesystem>
#include <map>

namespace mvi::host {

AssetFolder::AssetFolder(std::string directory, std::string requiredFile)
    : directory_(std::move(directory)), requiredFile_(std::move(requiredFile)) {}

std::string AssetFolder::besideExecutable(const std::string& relative) {
    std::error_code error;
    std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) {
        return relative;
    }
    return (executable.parent_path() / relative).lexically_normal().string();
}

bool AssetFolder::available() const {
    return find(requiredFile_).has_value();
}

std::optional<std::string> AssetFolder::find(const std::string& fileName) const {
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

std::string AssetFolder::contentType(const std::string& fileName) {
    static const std::map<std::string, std::string> types = {
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"map", "application/json"},
        {"json", "application/json"},
        {"html", "text/html; charset=utf-8"},
        {"png", "image/png"},
        {"svg", "image/svg+xml"},
        {"ico", "image/x-icon"},
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
