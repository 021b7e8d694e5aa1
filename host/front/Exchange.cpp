#include "front/Exchange.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPResponse.h>

#include <chrono>
#include <fstream>

namespace mvi::host::front {

bool BodyBudget::take(std::uint64_t bytes) {
    std::uint64_t held = held_.load(std::memory_order_relaxed);
    do {
        if (bytes > limit_ || held > limit_ - bytes) {
            return false;
        }
    } while (!held_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
    return true;
}

Request::Request(Poco::Net::StreamSocket socket, Poco::Net::SocketAddress client,
                 Poco::Net::SocketAddress server, Poco::Net::HTTPServerParams::Ptr params,
                 BodyBudget& budget)
    : socket_(std::move(socket)),
      client_(std::move(client)),
      server_(std::move(server)),
      params_(std::move(params)),
      budget_(budget) {}

Request::~Request() {
    budget_.give(budgeted_);
}

std::istream& Request::stream() {
    if (!stream_) {
        stream_ = std::make_unique<Poco::MemoryInputStream>(body_.data(), body_.size());
    }
    return *stream_;
}

bool Request::reserveBody(std::uint64_t bytes) {
    if (bytes <= budgeted_) {
        return true;
    }
    if (!budget_.take(bytes - budgeted_)) {
        return false;
    }
    budgeted_ = bytes;
    body_.reserve(static_cast<std::size_t>(bytes));
    return true;
}

bool Request::appendBody(const char* data, std::size_t size) {
    if (body_.size() + size > budgeted_) {
        std::uint64_t more = std::max<std::uint64_t>(body_.size() + size - budgeted_, 16384);
        if (!budget_.take(more)) {
            return false;
        }
        budgeted_ += more;
    }
    body_.append(data, size);
    return true;
}

Response::Response(std::function<void()> sendNow)
    : buffer_(*this), out_(&buffer_), sendNow_(std::move(sendNow)) {}

std::ostream& Response::send() {
    sent_ = true;
    return out_;
}

void Response::sendFile(const std::string& path, const std::string& mediaType) {
    Poco::File file(path);
    if (!file.exists()) {
        throw Poco::FileNotFoundException(path);
    }
    auto stream = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*stream) {
        throw Poco::OpenFileException(path);
    }
    fileSize_ = file.getSize();
    file_ = std::move(stream);
    setContentType(mediaType);
    setContentLength64(static_cast<Poco::Int64>(fileSize_));
    sent_ = true;
}

void Response::sendStream(std::unique_ptr<std::istream> stream, std::uint64_t length) {
    fileSize_ = length;
    file_ = std::move(stream);
    setContentLength64(static_cast<Poco::Int64>(length));
    sent_ = true;
}

void Response::sendFeed(std::shared_ptr<StreamFeed> feed) {
    feed_ = std::move(feed);
    sent_ = true;
}

void Response::sendBuffer(const void* buffer, std::size_t length) {
    body_.append(static_cast<const char*>(buffer), length);
    sent_ = true;
}

void Response::redirect(const std::string& uri, HTTPStatus status) {
    setStatusAndReason(status);
    set("Location", uri);
    sent_ = true;
}

void Response::requireAuthentication(const std::string& realm) {
    setStatusAndReason(HTTP_UNAUTHORIZED);
    set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
    sent_ = true;
}

bool Response::hasBody(bool headOnly) const {
    int status = getStatus();
    return !headOnly && status >= 200 && status != HTTP_NO_CONTENT && status != HTTP_NOT_MODIFIED;
}

std::string Response::head(bool keepAlive, const char* serverName) {
    setKeepAlive(keepAlive && !feed_);
    setChunkedTransferEncoding(false);
    int status = getStatus();
    if (feed_) {
        erase(CONTENT_LENGTH);
        if (getVersion() == HTTP_1_1) {
            setChunkedTransferEncoding(true);
        }
    } else if (status >= 200 && status != HTTP_NO_CONTENT && status != HTTP_NOT_MODIFIED) {
        std::uint64_t length = file_ ? fileSize_ : body_.size();
        setContentLength64(static_cast<Poco::Int64>(length));
    } else {
        erase(CONTENT_LENGTH);
    }
    std::string text;
    text.reserve(256);
    text += getVersion();
    text += ' ';
    text += std::to_string(status);
    text += ' ';
    text += getReasonForStatus(getStatus());
    text += "\r\n";
    for (const auto& [name, value] : *this) {
        text += name;
        text += ": ";
        text += value;
        text += "\r\n";
    }
    if (!has("Date")) {
        text += "Date: ";
        text += httpDate();
        text += "\r\n";
    }
    if (!has("Server")) {
        text += "Server: ";
        text += serverName;
        text += "\r\n";
    }
    text += "\r\n";
    return text;
}

Response::Buffer::int_type Response::Buffer::overflow(int_type c) {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
        owner_.body_.push_back(traits_type::to_char_type(c));
    }
    return traits_type::not_eof(c);
}

std::streamsize Response::Buffer::xsputn(const char* data, std::streamsize size) {
    owner_.body_.append(data, static_cast<std::size_t>(size));
    return size;
}

int Response::Buffer::sync() {
    if (std::this_thread::get_id() != owner_.worker_ && owner_.sendNow_ &&
        !owner_.sentElsewhere_.exchange(true, std::memory_order_acq_rel)) {
        owner_.sendNow_();
    }
    return 0;
}

const std::string& httpDate() {
    thread_local std::string text;
    thread_local std::chrono::system_clock::time_point::rep second = -1;
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())
                   .time_since_epoch()
                   .count();
    if (now != second) {
        second = now;
        text =
            Poco::DateTimeFormatter::format(Poco::Timestamp(), Poco::DateTimeFormat::HTTP_FORMAT);
    }
    return text;
}

}  // namespace mvi::host::front
