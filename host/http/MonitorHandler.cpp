#include "http/MonitorHandler.h"

#include <Poco/File.h>
#include <Poco/StringTokenizer.h>
#include <Poco/TemporaryFile.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mvi/limits.hpp>

#include <algorithm>

#include "core/IsoTime.h"
#include "monitor/MonitorExport.h"
#include "plugin/ServiceLookup.h"
#include "state/DataFolder.h"

namespace mvi::host {

MonitorStore::Query MonitorHandler::readQuery(Poco::Net::HTTPServerRequest& request) {
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
        throw ServiceLookup::unknownService(service_);
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

    std::vector<ValidationError> errors;
    // `variables` may be repeated (the original's list form, `variables=a&variables=b`), and
    // each occurrence may name several, separated by commas (`variables=a,b`).
    std::vector<std::string> variablesTexts;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key == "start" || key == "end") {
            auto time = parseIsoTime(value);
            if (!time) {
                errors.push_back(queryProblem(key, "invalid datetime format (ISO 8601 expected)",
                                              "value_error.datetime"));
            } else {
                (key == "start" ? query.start : query.end) = time;
            }
        } else if (key == "variables") {
            variablesTexts.push_back(value);
        }
    }
    if (errors.empty() && query.start && query.end && *query.start > *query.end) {
        errors.push_back(queryProblem("end", "end is before start", "value_error.datetime_range"));
    }
    if (!errors.empty()) {
        throw HttpError::invalid(errors);
    }
    std::vector<std::string> known = store.variables(query.name, query.version);
    for (const std::string& variablesText : variablesTexts) {
        Poco::StringTokenizer names(
            variablesText, ",",
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
    return query;
}

MonitorStore::Series MonitorHandler::readSeries(Poco::Net::HTTPServerRequest& request) {
    MonitorStore::Query query = readQuery(request);
    return query.variables.empty() ? MonitorStore::Series() : context_.monitor.read(query);
}

void MonitorHandler::json(Poco::Net::HTTPServerRequest& request,
                          Poco::Net::HTTPServerResponse& response) {
    nlohmann::json body = nlohmann::json::object();
    for (const auto& [variable, points] : readSeries(request)) {
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

void MonitorHandler::csv(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    std::string zip = MonitorExport::csvZip(readSeries(request));
    response.set("Content-Disposition",
                 fmt::format("attachment; filename=\"{}_monitor.zip\"", service_));
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("application/zip");
    response.setContentLength64(static_cast<Poco::Int64>(zip.size()));
    response.send().write(zip.data(), static_cast<std::streamsize>(zip.size()));
}

void MonitorHandler::db(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) {
    MonitorStore::Query query = readQuery(request);
    // In the scratch folder, which the host empties at start (a crash may leave it there).
    std::string scratch = DataFolder::scratchPath(context_.config.data.dir);
    Poco::File(scratch).createDirectories();
    Poco::TemporaryFile copy(scratch);
    context_.monitor.exportDatabase(query, copy.path());
    response.set("Content-Disposition",
                 fmt::format("attachment; filename=\"{}_monitor.db\"", service_));
    response.sendFile(copy.path(), "application/vnd.sqlite3");
}

}  // namespace mvi::host
