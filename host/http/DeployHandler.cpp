#include "http/DeployHandler.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>
#include <Poco/UUIDGenerator.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>

#include "core/Environment.h"
#include "core/JsonInput.h"
#include "deploy/UploadUnpacker.h"
#include "deploy/VersionAssets.h"
#include "http/ServiceViews.h"
#include "state/DataFolder.h"
#include "state/StorageError.h"

namespace mvi::host {
namespace {

/// What follows `.<name>_<version>` in the hidden name of an upload being unpacked, before a
/// UUID (36 characters).
const std::string kStagedMarker = ".so.upload-";
constexpr std::size_t kUuidLength = 36;

/// Longest value of a plain (non-file) form field: `run_args` may carry an environment.
constexpr int kFieldValueLimit = static_cast<int>(limits::kMaxRunArgsBytes);
/// Most form fields and parts in one upload.
constexpr int kFieldLimit = 16;

HttpError tooLarge(std::uint64_t limit) {
    return HttpError(413, fmt::format("the upload is larger than the limit of {} bytes "
                                      "(http.max_upload_bytes)",
                                      limit));
}

/// Streams the part named `file` to a file, refusing (413) more than `limit` bytes of parts in
/// all; other file parts are read and dropped. The name the client gave the file is not used.
class UploadPartHandler : public Poco::Net::PartHandler {
  public:
    UploadPartHandler(std::string path, std::uint64_t limit)
        : path_(std::move(path)), limit_(limit) {}

    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
        std::string disposition;
        Poco::Net::NameValueCollection parameters;
        if (header.has("Content-Disposition")) {
            Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition"),
                                                      disposition, parameters);
        }
        std::string name = parameters.get("name", "");
        if (!JsonInput::isValidUtf8(name)) {
            problems_.push_back(
                bodyProblem("", "the name of a file part is not valid UTF-8", "value_error.utf8"));
        } else if (!JsonInput::isValidUtf8(parameters.get("filename", ""))) {
            problems_.push_back(
                bodyProblem(name, "the file name is not valid UTF-8", "value_error.utf8"));
        }
        bool keep = name == "file" && ++fileParts_ == 1;
        std::ofstream output;
        if (keep) {
            output.open(path_, std::ios::binary | std::ios::trunc);
            if (!output) {
                StorageError::throwForErrno(errno, "cannot write " + path_);
            }
        }
        // A write that fails (a full disk) is reported once the part is read, so the client,
        // still sending, hears the answer instead of a reset.
        int writeError = 0;
        std::array<char, 1 << 16> block;
        while (stream) {
            stream.read(block.data(), block.size());
            std::streamsize got = stream.gcount();
            if (got <= 0) {
                break;
            }
            received_ += static_cast<std::uint64_t>(got);
            if (received_ > limit_) {
                throw tooLarge(limit_);
            }
            if (keep && writeError == 0 && !output.write(block.data(), got)) {
                writeError = errno;
            }
        }
        if (keep) {
            output.close();
            if (!output && writeError == 0) {
                writeError = errno;
            }
            if (writeError != 0) {
                StorageError::throwForErrno(writeError, "cannot write " + path_);
            }
        }
    }

    /// How many parts named `file` arrived.
    int fileParts() const { return fileParts_; }

    /// What was wrong with the parts' names.
    const std::vector<ValidationError>& problems() const { return problems_; }

  private:
    std::vector<ValidationError> problems_;
    std::string path_;
    std::uint64_t limit_;
    std::uint64_t received_ = 0;
    int fileParts_ = 0;
};

/// Marks one version as being uploaded, so that two uploads of it never interleave their
/// files; released when it goes out of scope.
class UploadClaim {
  public:
    explicit UploadClaim(const ServiceId& id) : key_(id.str()) {
        std::lock_guard<std::mutex> lock(mutex());
        held_ = claimed().insert(key_).second;
    }
    ~UploadClaim() {
        if (held_) {
            std::lock_guard<std::mutex> lock(mutex());
            claimed().erase(key_);
        }
    }
    UploadClaim(const UploadClaim&) = delete;
    UploadClaim& operator=(const UploadClaim&) = delete;

    /// Whether no other upload of the version was in progress.
    bool held() const { return held_; }

  private:
    static std::mutex& mutex() {
        static std::mutex instance;
        return instance;
    }
    static std::set<std::string>& claimed() {
        static std::set<std::string> instance;
        return instance;
    }

    std::string key_;
    bool held_ = false;
};

/// Removes a file or a folder with what it holds, if it exists, when it goes out of scope.
class RemoveOnExit {
  public:
    explicit RemoveOnExit(std::string path) : path_(std::move(path)) {}
    ~RemoveOnExit() {
        try {
            Poco::File file(path_);
            if (file.exists()) {
                file.remove(true);
            }
        } catch (const Poco::Exception&) {
            // Only a hidden name in the plugins folder is left behind; the host ignores it.
        }
    }
    RemoveOnExit(const RemoveOnExit&) = delete;
    RemoveOnExit& operator=(const RemoveOnExit&) = delete;

  private:
    std::string path_;
};

/// Reads the one value of form field `field` into `value`; otherwise adds a problem to
/// `problems` and returns false.
bool singleField(const Poco::Net::HTMLForm& form, const std::string& field, std::string& value,
                 std::vector<ValidationError>& problems) {
    std::size_t count = 0;
    for (auto it = form.find(field); it != form.end() && Poco::icompare(it->first, field) == 0;
         ++it) {
        value = it->second;
        ++count;
    }
    if (count == 0) {
        problems.push_back(bodyProblem(field, "field required", "value_error.missing"));
    } else if (count > 1) {
        problems.push_back(
            bodyProblem(field, "field given more than once", "value_error.duplicate"));
    }
    return count == 1;
}

/// Why only `environment` may be given in `run_args`.
const char* const kOnlyEnvironment =
    "only 'environment' (an object of string values) is supported in run_args: services run "
    "inside the host, not in containers of their own, so there is nothing else to set up";

/// A problem with `run_args` at `path` (keys below `run_args`).
ValidationError runArgsProblem(std::vector<std::string> path, std::string msg, std::string type) {
    nlohmann::json loc = nlohmann::json::array({"body", "run_args"});
    for (std::string& key : path) {
        loc.push_back(limits::shorten(JsonInput::withValidUtf8(key)));
    }
    return {std::move(loc), std::move(msg), std::move(type)};
}

/// The environment in the optional form field `run_args`, the JSON object
/// `{"environment": {"NAME": "VALUE", ...}}` the original platform's CLI sends; empty without
/// it. What is wrong with it is added to `problems`.
Environment readRunArgs(const Poco::Net::HTMLForm& form, std::size_t maxDepth,
                        std::vector<ValidationError>& problems) {
    Environment environment;
    if (!form.has("run_args")) {
        return environment;
    }
    std::string text;
    if (!singleField(form, "run_args", text, problems)) {
        return environment;
    }
    nlohmann::json runArgs;
    try {
        runArgs = JsonInput::parse(text, maxDepth);
    } catch (const JsonInput::Error& error) {
        problems.push_back(runArgsProblem(
            {}, std::string("run_args is not valid JSON: ") + error.what(), "value_error.json"));
        return environment;
    }
    if (!runArgs.is_object()) {
        problems.push_back(runArgsProblem(
            {}, "run_args must be a JSON object such as {\"environment\": {\"NAME\": \"VALUE\"}}",
            "type_error.dict"));
        return environment;
    }
    for (const auto& [key, value] : runArgs.items()) {
        if (key != "environment") {
            problems.push_back(runArgsProblem({key}, kOnlyEnvironment, "value_error.run_args"));
            continue;
        }
        if (value.is_null()) {
            continue;
        }
        if (!value.is_object()) {
            problems.push_back(runArgsProblem(
                {key}, "environment must be a JSON object of string values", "type_error.dict"));
            continue;
        }
        if (value.size() > limits::kMaxEnvironmentVariables) {
            problems.push_back(
                runArgsProblem({key},
                               fmt::format("at most {} environment variables may be given",
                                           limits::kMaxEnvironmentVariables),
                               "value_error.environment"));
            continue;
        }
        for (const auto& [name, variable] : value.items()) {
            if (auto problem = EnvironmentRules::nameProblem(name)) {
                problems.push_back(
                    runArgsProblem({key, name}, *problem, "value_error.environment"));
                continue;
            }
            if (!variable.is_string()) {
                problems.push_back(runArgsProblem(
                    {key, name},
                    fmt::format("the value of an environment variable must be a string, not {} "
                                "({})",
                                variable.type_name(), kOnlyEnvironment),
                    "type_error.str"));
                continue;
            }
            const std::string& assigned = variable.get_ref<const std::string&>();
            if (auto problem = EnvironmentRules::valueProblem(assigned)) {
                problems.push_back(
                    runArgsProblem({key, name}, *problem, "value_error.environment"));
                continue;
            }
            environment.emplace(name, assigned);
        }
    }
    return environment;
}

}  // namespace

void DeployHandler::handle(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) {
    const std::uint64_t limit = context_.config.http.maxUploadBytes;
    body().accept(limit, "http.max_upload_bytes");
    std::istream& stream = request.stream();
    Poco::Net::MediaType mediaType("application/octet-stream");
    try {
        mediaType = Poco::Net::MediaType(request.getContentType());
    } catch (const Poco::Exception&) {
        // Reported below as not multipart.
    }
    if (!mediaType.matches("multipart", "form-data")) {
        throw HttpError::invalid(
            {bodyProblem("",
                         "expected a multipart/form-data body with the fields name, version and "
                         "file (e.g. curl -F name=NAME -F version=VERSION -F file=@PLUGIN.tar.gz)",
                         "type_error.multipart")});
    }

    std::string uploads = DataFolder::uploadsPath(context_.config.data.dir);
    Poco::File(uploads).createDirectories();
    Poco::TemporaryFile upload(uploads);
    UploadPartHandler parts(upload.path(), limit);
    Poco::Net::HTMLForm form;
    form.setFieldLimit(kFieldLimit);
    form.setValueLengthLimit(kFieldValueLimit);
    try {
        form.load(request, stream, parts);
    } catch (const Poco::Net::HTMLFormException& error) {
        throw HttpError::invalid({bodyProblem(
            "",
            fmt::format("malformed form: {} (at most {} fields of at most {} bytes each, "
                        "besides the file part)",
                        error.message(), kFieldLimit, kFieldValueLimit),
            "value_error.multipart")});
    } catch (const Poco::Net::MessageException& error) {
        throw HttpError::invalid({bodyProblem(
            "", "malformed multipart body: " + error.displayText(), "value_error.multipart")});
    }
    // Whatever follows the closing boundary, so the connection can carry the next request.
    body().drain((1 << 16) - 1);

    requireUtf8Fields(form);
    std::vector<ValidationError> problems = parts.problems();
    ServiceId id;
    if (singleField(form, "name", id.name, problems) && !isValidServiceName(id.name)) {
        problems.push_back(bodyProblem("name",
                                       fmt::format("invalid service name '{}': lowercase letters, "
                                                   "digits and underscores, not starting or ending "
                                                   "with '_', at most {} bytes",
                                                   limits::shorten(id.name), limits::kMaxNameBytes),
                                       "value_error.service_name"));
    }
    if (singleField(form, "version", id.version, problems) && !isValidVersion(id.version)) {
        problems.push_back(
            bodyProblem("version",
                        fmt::format("invalid version '{}': a semantic version such as 1.0.0",
                                    limits::shorten(id.version)),
                        "value_error.version"));
    }
    if (parts.fileParts() == 0) {
        problems.push_back(
            form.has("file")
                ? bodyProblem(
                      "file",
                      "the plugin must be sent as a file part (a Content-Disposition with a "
                      "filename, as curl -F file=@PATH sends)",
                      "type_error.file")
                : bodyProblem("file", "field required", "value_error.missing"));
    } else if (parts.fileParts() > 1) {
        problems.push_back(
            bodyProblem("file", "field given more than once", "value_error.duplicate"));
    }
    Environment environment = readRunArgs(form, context_.config.http.maxJsonDepth, problems);
    if (!problems.empty()) {
        throw HttpError::invalid(problems);
    }

    auto alreadyDeployed = [&id] {
        return HttpError(409, fmt::format("{} {} is already deployed; kill it first or use a new "
                                          "version",
                                          id.name, id.version));
    };
    if (context_.registry.find(id)) {
        throw alreadyDeployed();
    }
    UploadClaim claim(id);
    if (!claim.held()) {
        throw HttpError(
            409, fmt::format("{} {} is being deployed by another upload", id.name, id.version));
    }
    const std::string& pluginsFolder = context_.config.plugins.dir;
    Poco::Path pluginsDir = Poco::Path::forDirectory(pluginsFolder);
    std::string pluginPath = Poco::Path(pluginsDir, id.str() + ".so").toString();
    std::string stagedPath =
        Poco::Path(pluginsDir,
                   fmt::format(".{}{}{}", id.str(), kStagedMarker,
                               Poco::UUIDGenerator::defaultGenerator().createRandom().toString()))
            .toString();
    RemoveOnExit staged(stagedPath);
    // The version's static files (assets/ in the archive) are unpacked under a hidden folder
    // first, which becomes `<name>_<version>/` by a rename before the plugin lands.
    std::string stagedAssets = VersionAssets::stagingFolder(pluginsFolder, id);
    RemoveOnExit stagedFolder(stagedAssets);
    UploadUnpacker::Assets assets;
    assets.directory = stagedAssets + "/assets";
    assets.maxEntries = context_.config.plugins.maxAssetFiles;
    try {
        UploadUnpacker::unpack(upload.path(), stagedPath, limit, assets);
    } catch (const UploadUnpacker::Error& error) {
        throw HttpError::invalid({bodyProblem("file", error.what(), "value_error.upload")});
    }
    bool ownFolder = false;
    if (assets.found) {
        std::string folder = VersionAssets::versionFolder(pluginsFolder, id);
        // rename() replaces an empty folder: one that exists is refused whatever it holds.
        if (Poco::File(folder).exists() || std::rename(stagedAssets.c_str(), folder.c_str()) != 0) {
            if (Poco::File(folder).exists()) {
                throw HttpError(409, fmt::format("the plugins folder already holds {}/ (static "
                                                 "files put there by hand, or left by a version "
                                                 "whose file was removed by hand); remove it, or "
                                                 "deploy without assets/ to serve it",
                                                 id.str()));
            }
            StorageError::throwForErrno(errno, "cannot rename " + stagedAssets + " to " + folder);
        }
        ownFolder = true;
    }
    // The folder goes again when the version does not deploy.
    auto dropFolder = [&] {
        if (ownFolder) {
            VersionAssets::remove(pluginsFolder, id);
        }
    };

    Deployer::UploadResult result;
    try {
        result = context_.deployer.deployUpload(id, stagedPath, pluginPath, environment);
    } catch (...) {
        dropFolder();
        throw;
    }
    if (result.outcome != Deployer::UploadResult::Outcome::Deployed) {
        dropFolder();
    }
    switch (result.outcome) {
        case Deployer::UploadResult::Outcome::AlreadyDeployed:
            throw alreadyDeployed();
        case Deployer::UploadResult::Outcome::Failed:
            throw HttpError::invalid(
                {bodyProblem("file",
                             fmt::format("{} {} failed to load, nothing was deployed: {}", id.name,
                                         id.version, result.reason),
                             "value_error.plugin")});
        case Deployer::UploadResult::Outcome::Deployed:
            break;
    }
    sendJson(response, 201,
             ServiceViews::version(*result.version,
                                   context_.registry.mainVersion(id.name) == id.version));
}

std::vector<std::string> DeployHandler::removeStagedUploads(const std::string& pluginsDir) {
    std::vector<std::string> removed = VersionAssets::removeLeftovers(pluginsDir);
    for (Poco::DirectoryIterator it(pluginsDir), end; it != end; ++it) {
        // `.<name>_<version>.so.upload-<uuid>`, and a file.
        const std::string& name = it.name();
        const auto marker = name.rfind(kStagedMarker);
        if (name.front() != '.' || marker == std::string::npos ||
            name.size() - marker - kStagedMarker.size() != kUuidLength || !it->isFile()) {
            continue;
        }
        const std::string pluginFile = name.substr(1, marker - 1) + ".so";
        if (!parsePluginFileName(pluginFile)) {
            continue;
        }
        it->remove();
        removed.push_back(name);
    }
    return removed;
}

}  // namespace mvi::host
