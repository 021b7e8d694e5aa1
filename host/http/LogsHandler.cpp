#include "http/LogsHandler.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <ostream>

#include "core/IsoTime.h"
#include "front/Exchange.h"
#include "http/StreamAnswer.h"
#include "plugin/ServiceLookup.h"

namespace mvi::host {
namespace {

/// How far back `GET /logs/` reads when neither `since` nor `tail` is given.
const Poco::Timespan kHostLogDefaultAge(7, 0, 0, 0, 0);

/// How often a follower with nothing to send checks that its client is still there.
constexpr std::chrono::milliseconds kFollowWake(1000);

/// Sends `lines` as one chunk; false when the client can no longer be written to.
bool sendLines(std::ostream& out, const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line;
        text += '\n';
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    return out.good();
}

}  // namespace

bool LogsHandler::streams(const Poco::Net::HTTPServerRequest& request) const {
    try {
        for (const auto& [key, value] : Poco::URI(request.getURI()).getQueryParameters()) {
            if (key == "follow") {
                std::string flag = Poco::toLower(value);
                return flag == "true" || flag == "1";
            }
        }
    } catch (const Poco::Exception&) {
        // A malformed query gets its 422 from `handle`, on a worker.
    }
    return false;
}

ServiceId LogsHandler::serviceLog(const std::string& name, const std::string& version) {
    // Logs stay readable whatever state the version is in: a failed load explains itself there,
    // and an undeployed version's log stays on disk.
    ServiceId id{name, version};
    auto table = context_.registry.snapshot();
    auto route = table->find(name);
    if (version.empty()) {
        return ServiceLookup::version(*table, name, version)->id();
    }
    bool deployed = route != table->end() && route->second.versions.count(version) != 0;
    bool logged = isValidServiceName(name) && isValidVersion(version) && context_.logs.contains(id);
    if (!deployed && !logged) {
        throw route == table->end() ? ServiceLookup::unknownService(name)
                                    : ServiceLookup::unknownVersion(name, version);
    }
    return id;
}

void LogsHandler::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    std::string name;
    std::string version;
    LogQuery query;
    bool follow = false;
    std::vector<ValidationError> errors;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key == "name") {
            name = value;
        } else if (key == "version") {
            version = value;
        } else if (key == "tail") {
            Poco::UInt64 count = 0;
            if (value == "all") {
                query.tail.reset();
            } else if (Poco::NumberParser::tryParseUnsigned64(value, count)) {
                query.tail = static_cast<std::size_t>(count);
            } else {
                errors.push_back(queryProblem("tail", "value is not a valid integer (or 'all')",
                                              "type_error.integer"));
            }
        } else if (key == "since") {
            query.since = parseIsoTime(value);
            if (!query.since) {
                errors.push_back(queryProblem("since",
                                              "invalid datetime format (ISO 8601 expected)",
                                              "value_error.datetime"));
            }
        } else if (key == "follow") {
            std::string flag = Poco::toLower(value);
            if (flag == "true" || flag == "1") {
                follow = true;
            } else if (flag == "false" || flag == "0") {
                follow = false;
            } else {
                errors.push_back(queryProblem("follow", "value could not be parsed to a boolean",
                                              "type_error.bool"));
            }
        }
    }
    if (name.empty() && source_ == Source::Service) {
        errors.insert(errors.begin(),
                      queryProblem("name", "field required", "value_error.missing"));
    }
    if (!errors.empty()) {
        throw HttpError::invalid(errors);
    }
    ServiceId id = LogStore::kHostLog;
    if (source_ == Source::Service) {
        id = serviceLog(name, version);
    } else if (source_ == Source::HostRecent && !query.since && !query.tail) {
        query.since = Poco::Timestamp() - kHostLogDefaultAge;
    }

    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("text/plain; charset=utf-8");
    response.set("X-Content-Type-Options", "nosniff");
    if (!follow) {
        std::string text;
        for (const std::string& line : context_.logs.read(id, query)) {
            text += line;
            text += '\n';
        }
        response.setContentLength(static_cast<std::streamsize>(text.size()));
        response.sendBuffer(text.data(), text.size());
        return;
    }

    auto follower = context_.logs.follow(id, query);
    response.setChunkedTransferEncoding(true);
    response.set("Cache-Control", "no-cache");
    std::ostream& out = response.send();
    if (!sendLines(out, follower->initialLines())) {
        return;
    }
    while (true) {
        VersionLog::Batch batch = follower->next(kFollowWake);
        if (batch.skipped > 0) {
            batch.lines.insert(
                batch.lines.begin(),
                LogLine{Poco::Timestamp(), LogLevel::Warning,
                        fmt::format("{} lines not shown: this reader fell behind the log",
                                    batch.skipped)}
                    .format());
        }
        if (!batch.lines.empty() && !sendLines(out, batch.lines)) {
            return;
        }
        if (batch.ended || (batch.lines.empty() && clientLeft(request))) {
            return;
        }
    }
}

}  // namespace mvi::host
