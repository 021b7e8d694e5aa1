#include "core/MediaTypes.h"

#include <Poco/String.h>

#include <fstream>
#include <sstream>

namespace mvi::host {
namespace {

/// Used only when the system's table is missing.
const char* const kBuiltInTable = R"(text/html html htm
text/css css
text/javascript js mjs
text/plain txt
text/csv csv
application/json json map
application/wasm wasm
image/svg+xml svg
image/png png
image/jpeg jpg jpeg
image/gif gif
image/webp webp
image/x-icon ico
font/woff woff
font/woff2 woff2
)";

}  // namespace

MediaTypes::MediaTypes(std::istream& table) {
    std::string line;
    while (std::getline(table, line)) {
        auto hash = line.find('#');
        if (hash != std::string::npos) {
            line.erase(hash);
        }
        std::istringstream words(line);
        std::string type;
        if (!(words >> type) || type.find('/') == std::string::npos) {
            continue;
        }
        std::string extension;
        while (words >> extension) {
            // The first line naming an extension wins, as in the table's own convention.
            types_.emplace(Poco::toLower(extension), type);
        }
    }
}

const MediaTypes& MediaTypes::system() {
    static const MediaTypes table = [] {
        std::ifstream file(kSystemTable);
        if (file) {
            MediaTypes read(file);
            if (read.size() != 0) {
                return read;
            }
        }
        std::istringstream builtIn(kBuiltInTable);
        return MediaTypes(builtIn);
    }();
    return table;
}

std::string MediaTypes::of(const std::string& fileName) const {
    auto slash = fileName.rfind('/');
    std::string base = slash == std::string::npos ? fileName : fileName.substr(slash + 1);
    auto dot = base.rfind('.');
    if (dot == std::string::npos || dot + 1 == base.size()) {
        return "application/octet-stream";
    }
    auto found = types_.find(Poco::toLower(base.substr(dot + 1)));
    if (found == types_.end()) {
        return "application/octet-stream";
    }
    const std::string& type = found->second;
    return type.rfind("text/", 0) == 0 ? type + "; charset=utf-8" : type;
}

}  // namespace mvi::host
