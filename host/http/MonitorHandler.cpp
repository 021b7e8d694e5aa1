#include "http/MonitorHandler.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/TemporaryFile.h>
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mvi/limits.hpp>

#include <algorithm>
#include <ctime>
#include <memory>

#include "http/QueryTime.h"
#include "monitor/MonitorStore.h"
#include "state/DataFolder.h"

namespace mvi::host {
namespace {

nlohmann::json queryError(const char* field, const char* message, const char* type) {
    return {{"loc", {"query", field}}, {"msg", message}, {"type", type}};
}

/// One CSV field: quoted (quotes doubled) when it holds a separator, a quote or a line break.
std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string quoted = "\"";
    for (char c : text) {
        quoted += c;
        if (c == '"') {
            quoted += '"';
        }
    }
    return quoted + "\"";
}

/// `timestamp,value` lines of one variable; texts as they are, other values as JSON.
std::string csvOf(const std::vector<MonitorStore::Point>& points) {
    std::string csv = "timestamp,value\n";
    for (const auto& point : points) {
        csv += formatIsoTime(point.time);
        csv += ',';
        csv +=
            csvField(point.value.is_string() ? point.value.get<std::string>() : point.value.dump());
        csv += '\n';
    }
    return csv;
}

struct ArchiveWriterCloser {
    void operator()(archive* writer) const { archive_write_free(writer); }
};

struct EntryCloser {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

la_ssize_t appendToString(archive*, void* target, const void* data, size_t size) {
    static_cast<std::string*>(target)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
}

/// A zip holding `<variable>.csv` for every variable of `series`.
std::string zipOf(const MonitorStore::Series& series) {
    std::string zip;
    std::unique_ptr<archive, ArchiveWriterCloser> writer(archive_write_new());
    auto check = [&writer](int status, const char* what) {
        if (status != ARCHIVE_OK) {
            const char* message = archive_error_string(writer.get());
            throw std::runtime_error(fmt::format("cannot write the zip ({}): {}", what,
                                                 message != nullptr ? message : "unknown error"));
        }
    };
    check(archive_write_set_format_zip(writer.get()), "format");
    check(archive_write_open(writer.get(), &zip, nullptr, &appendToString, nullptr), "open");
    const std::time_t now = std::time(nullptr);
    for (const auto& [variable, points] : series) {
        std::string csv = csvOf(points);
        std::unique_ptr<archive_entry, EntryCloser> entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), (variable + ".csv").c_str());
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(csv.size()));
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_mtime(entry.get(), now, 0);
        check(archive_write_header(writer.get(), entry.get()), "entry header");
        if (archive_write_data(writer.get(), csv.data(), csv.size()) !=
            static_cast<la_ssize_t>(csv.size())) {
            check(ARCHIVE_FATAL, "entry data");
        }
    }
    check(archive_write_close(writer.get()), "close");
    return zip;
}

}  // namespace

void MonitorHandler::handle(Poco::Net::HTTPServerRequest& request,
                            Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    MonitorStore& store = context_.monitor;
    MonitorStore::Query query;
    auto table = context_.registry.snapshot();
    bool loaded = false;
    if (auto id = parseServiceId(service_)) {
        query.name = id->name;
        query.version = id->version;
        auto route = table->find(id->name);
        loaded = route != table->end() && route->second.versions.count(id->version) != 0;
    } else if (isValidServiceName(service_)) {
        query.name = service_;
        loaded = table->count(service_) != 0;
    } else {
        throw HttpError(404, fmt::format("service '{}' not found", limits::shorten(service_)));
    }
    if (!loaded) {
        auto versions = store.versions(query.name);
        bool stored = query.version.empty() ? !versions.empty()
                                            : std::find(versions.begin(), versions.end(),
                                                        query.version) != versions.end();
        if (!stored) {
            throw HttpError(404, fmt::format("service '{}' is not loaded and has no monitoring "
                                             "data",
                                             service_));
        }
    }

    nlohmann::json errors = nlohmann::json::array();
    std::optional<std::string> variablesText;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key == "start" || key == "end") {
            auto time = parseQueryTime(value);
            if (!time) {
                errors.push_back(queryError(key == "start" ? "start" : "end",
                                            "invalid datetime format (ISO 8601 expected)",
                                            "value_error.datetime"));
            } else {
                (key == "start" ? query.start : query.end) = time;
            }
        } else if (key == "variables") {
            variablesText = value;
        }
    }
    if (errors.empty() && query.start && query.end && *query.start > *query.end) {
        errors.push_back(queryError("end", "end is before start", "value_error.datetime_range"));
    }
    if (!errors.empty()) {
        throw HttpError(422, errors);
    }
    std::vector<std::string> known = store.variables(query.name, query.version);
    if (variablesText) {
        Poco::StringTokenizer names(
            *variablesText, ",",
            Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
        for (const std::string& name : names) {
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::string list =
                    known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "));
                throw HttpError(412, fmt::format("service '{}' has no monitoring variable '{}' "
                                                 "(it has: {})",
                                                 service_, limits::shorten(name), list));
            }
            if (std::find(query.variables.begin(), query.variables.end(), name) ==
                query.variables.end()) {
                query.variables.push_back(name);
            }
        }
    }
    if (query.variables.empty()) {
        // None asked for (or only empty names): every stored variable.
        query.variables = known;
    }

    if (format_ == "db") {
        // In the scratch folder, which the host empties at start (a crash may leave it there).
        std::string scratch = DataFolder::scratchPath(context_.config.dataDir);
        Poco::File(scratch).createDirectories();
        Poco::TemporaryFile copy(scratch);
        store.exportDatabase(query, copy.path());
        response.set("Content-Disposition",
                     fmt::format("attachment; filename=\"{}_monitor.db\"", service_));
        response.sendFile(copy.path(), "application/vnd.sqlite3");
        return;
    }
    MonitorStore::Series series =
        query.variables.empty() ? MonitorStore::Series() : store.read(query);
    if (format_ == "csv") {
        std::string zip = zipOf(series);
        response.set("Content-Disposition",
                     fmt::format("attachment; filename=\"{}_monitor.zip\"", service_));
        response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType("application/zip");
        response.setContentLength64(static_cast<Poco::Int64>(zip.size()));
        response.send().write(zip.data(), static_cast<std::streamsize>(zip.size()));
        return;
    }
    nlohmann::json body = nlohmann::json::object();
    for (const auto& [variable, points] : series) {
        nlohmann::json timestamps = nlohmann::json::array();
        nlohmann::json values = nlohmann::json::array();
        for (const auto& point : points) {
            timestamps.push_back(formatIsoTime(point.time));
            values.push_back(point.value);
        }
        body[variable] = {{"timestamp", std::move(timestamps)}, {"value", std::move(values)}};
    }
    sendJson(response, 200, body);
}

}  // namespace mvi::host
