#include "http/StaticFilesHandler.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Timestamp.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <array>
#include <ctime>
#include <optional>

#include "core/AssetPath.h"
#include "core/ByteRange.h"
#include "core/MediaTypes.h"
#include "deploy/VersionAssets.h"
#include "dispatch/ServiceTarget.h"
#include "front/Exchange.h"

namespace mvi::host {
namespace {

/// The entity tag of a file: its size, modification time in nanoseconds and inode, in hex.
std::string entityTag(const VersionAssets::File& file) {
    auto nanoseconds = static_cast<std::uint64_t>(file.modifiedSeconds) * 1000000000ULL +
                       static_cast<std::uint64_t>(file.modifiedNanoseconds);
    return fmt::format("\"{:x}-{:x}-{:x}\"", file.size, nanoseconds, file.inode);
}

/// An HTTP date's seconds since the epoch; nothing when `text` is not a date.
std::optional<std::time_t> httpDate(const std::string& text) {
    Poco::DateTime dateTime;
    int zone = 0;
    if (!Poco::DateTimeParser::tryParse(text, dateTime, zone)) {
        return std::nullopt;
    }
    dateTime.makeUTC(zone);
    return dateTime.timestamp().epochTime();
}

/// Whether the `If-None-Match` list `header` names `tag` (weak comparison) or is `*`.
bool noneMatchHolds(const std::string& header, const std::string& tag) {
    Poco::StringTokenizer tags(
        header, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (std::string candidate : tags) {
        if (candidate == "*") {
            return true;
        }
        if (candidate.rfind("W/", 0) == 0) {
            candidate.erase(0, 2);
        }
        if (candidate == tag) {
            return true;
        }
    }
    return false;
}

/// Whether `If-Range`'s `value` still names this file: its entity tag (strong comparison) or
/// exactly its modification date.
bool ifRangeHolds(const std::string& value, const std::string& tag, std::time_t modifiedSeconds) {
    if (!value.empty() && (value.front() == '"' || value.rfind("W/", 0) == 0)) {
        return value == tag;
    }
    auto date = httpDate(value);
    return date && *date == modifiedSeconds;
}

/// Sends `length` bytes of `stream` as the body: the event front reads them as the client
/// reads; Poco's server gets them copied to its socket stream block by block.
void sendBody(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              std::unique_ptr<std::istream> stream, std::uint64_t length) {
    if (auto* answer = dynamic_cast<front::Response*>(&response)) {
        answer->sendStream(std::move(stream), length);
        return;
    }
    response.setContentLength64(static_cast<Poco::Int64>(length));
    std::ostream& out = response.send();
    if (request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD) {
        return;
    }
    std::array<char, 1 << 16> block;
    while (length > 0 && out) {
        stream->read(block.data(),
                     static_cast<std::streamsize>(std::min<std::uint64_t>(block.size(), length)));
        std::streamsize got = stream->gcount();
        if (got <= 0) {
            break;
        }
        out.write(block.data(), got);
        length -= static_cast<std::uint64_t>(got);
    }
}

}  // namespace

void StaticFilesHandler::handle(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    const ServiceId& id = target.version->id();
    auto notFound = [&](const std::string& why) {
        return HttpError(404, fmt::format("no static file '{}' in {} {}: {}",
                                          limits::shorten(JsonInput::withValidUtf8(file_)), id.name,
                                          id.version, why));
    };
    if (auto problem = AssetPath::problem(request.getURI(), file_)) {
        throw notFound(*problem);
    }
    std::string folder = VersionAssets::besidePlugin(target.version->artifact().sourcePath);
    if (!VersionAssets::exists(folder)) {
        throw HttpError(404, fmt::format("{} {} has no static files (no folder {}/assets next to "
                                         "{}.so in the plugins folder)",
                                         id.name, id.version, id.str(), id.str()));
    }
    auto file = VersionAssets::open(folder, file_);
    if (!file) {
        throw notFound("no such file in its assets folder");
    }

    const std::string tag = entityTag(*file);
    const auto modified = static_cast<std::time_t>(file->modifiedSeconds);
    response.set("ETag", tag);
    response.set("Last-Modified",
                 Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(modified),
                                                 Poco::DateTimeFormat::HTTP_FORMAT));
    response.set("Cache-Control", "no-cache");
    response.set("Accept-Ranges", "bytes");

    // RFC 9110, section 13.2.2: If-None-Match, or without it If-Modified-Since.
    bool unchanged = false;
    if (request.has("If-None-Match")) {
        unchanged = noneMatchHolds(request.get("If-None-Match"), tag);
    } else if (request.has("If-Modified-Since")) {
        auto since = httpDate(request.get("If-Modified-Since"));
        unchanged = since && modified <= *since;
    }
    if (unchanged) {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
        response.send();
        return;
    }

    // Ranges are defined for GET only; HEAD describes the whole file.
    ByteRange range;
    if (request.getMethod() == Poco::Net::HTTPRequest::HTTP_GET && request.has("Range") &&
        (!request.has("If-Range") || ifRangeHolds(request.get("If-Range"), tag, modified))) {
        range = ByteRange::parse(request.get("Range"), file->size);
    }
    if (range.kind == ByteRange::Kind::Unsatisfiable) {
        response.set("Content-Range", fmt::format("bytes */{}", file->size));
        sendError(response, 416,
                  fmt::format("the range '{}' lies outside {} (a file of {} bytes)",
                              limits::shorten(JsonInput::withValidUtf8(request.get("Range"))),
                              limits::shorten(JsonInput::withValidUtf8(file_)), file->size));
        return;
    }
    response.setContentType(MediaTypes::system().of(file_));
    std::uint64_t length = file->size;
    if (range.kind == ByteRange::Kind::Single) {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_PARTIAL_CONTENT);
        response.set("Content-Range",
                     fmt::format("bytes {}-{}/{}", range.first, range.last, file->size));
        length = range.length();
        if (!file->stream->seekg(static_cast<std::streamoff>(range.first))) {
            throw std::runtime_error("cannot seek in " + file_);
        }
    } else {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
    }
    sendBody(request, response, std::move(file->stream), length);
}

}  // namespace mvi::host
