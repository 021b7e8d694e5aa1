#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "HttpClient.h"

namespace mvi::test {

/// Deploying over HTTP as the tests do it: files and folders to pack, tar archives made by the
/// tar command as a person would, and multipart uploads to POST /services/~tar.

/// The bytes of the file at `path` (empty when it cannot be read).
std::string readFile(const std::string& path);

/// Writes `content` to `path`, replacing it, after creating its missing parent folders.
void writeFile(const std::string& path, const std::string& content);

/// The names in a folder, hidden ones included; empty when it does not exist.
std::set<std::string> listing(const std::string& directory);

/// Runs `tar` with `arguments` (`czf ARCHIVE MEMBER...`, say) in `directory` and answers the
/// bytes of `archive`, the file it made. Throws std::runtime_error when tar fails.
std::string runTar(const std::string& directory, const std::vector<std::string>& arguments,
                   const std::string& archive);

/// The file part of an upload.
struct FilePart {
    std::string content;
    std::string fileName = "plugin.tar.gz";
    std::string field = "file";
};

/// Form fields in the order they are sent (a name may repeat).
using FormFields = std::vector<std::pair<std::string, std::string>>;

/// POSTs a multipart form of `fields` and `file` (when given) to /services/~tar on
/// 127.0.0.1:`port`, with the extra request `headers` (a token, say).
Response postTar(unsigned port, const FormFields& fields, const std::optional<FilePart>& file,
                 const Headers& headers = {});

/// Deploys `content` (a built .so, or a .tar.gz holding one and maybe `assets/`) as (name,
/// version) with POST /services/~tar, sent as a file named `fileName`.
Response deployFile(unsigned port, const std::string& name, const std::string& version,
                    const std::string& content, const std::string& fileName = "plugin.tar.gz",
                    const Headers& headers = {});

}  // namespace mvi::test
