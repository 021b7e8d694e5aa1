#include "HttpClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace mvi::test {

std::string Response::header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
}

Response request(unsigned port, const std::string& method, const std::string& path,
                 const std::string& body, const std::string& contentType, const Headers& headers) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest httpRequest(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!body.empty() || method == "POST" || method == "PUT") {
        httpRequest.setContentType(contentType);
        httpRequest.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    for (const auto& [name, value] : headers) {
        httpRequest.set(name, value);
    }
    session.sendRequest(httpRequest) << body;
    Poco::Net::HTTPResponse httpResponse;
    std::istream& stream = session.receiveResponse(httpResponse);
    Response response;
    response.status = static_cast<int>(httpResponse.getStatus());
    Poco::StreamCopier::copyToString(stream, response.body);
    for (const auto& [name, value] : httpResponse) {
        std::string& kept = response.headers[name];
        kept += kept.empty() ? value : "\n" + value;
    }
    return response;
}

Response postJson(unsigned port, const std::string& path, const nlohmann::json& body) {
    return request(port, "POST", path, body.dump());
}

Response get(unsigned port, const std::string& path) {
    return request(port, "GET", path);
}

RawAnswer readRawAnswer(Poco::Net::StreamSocket& socket) {
    RawAnswer answer;
    std::string data;
    char byte = 0;
    while (data.size() < 4 || data.compare(data.size() - 4, 4, "\r\n\r\n") != 0) {
        if (socket.receiveBytes(&byte, 1) != 1) {
            return answer;
        }
        data += byte;
    }
    answer.head = data;
    answer.status = std::stoi(data.substr(data.find(' ') + 1, 3));
    std::size_t length = 0;
    auto at = data.find("Content-Length: ");
    if (at != std::string::npos) {
        length = std::stoul(data.substr(at + 16));
    }
    answer.body.resize(length);
    std::size_t got = 0;
    while (got < length) {
        int n = socket.receiveBytes(answer.body.data() + got, static_cast<int>(length - got));
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    answer.body.resize(got);
    return answer;
}

StreamingGet::StreamingGet(unsigned port, const std::string& path)
    : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    // Generous: a missing line fails the test instead of hanging it.
    session_.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session_.sendRequest(request);
    stream_ = &session_.receiveResponse(response_);
}

std::optional<std::string> StreamingGet::next() {
    std::string line;
    if (!std::getline(*stream_, line)) {
        return std::nullopt;
    }
    return line;
}

bool StreamingGet::readUntil(const std::string& text) {
    while (auto line = next()) {
        if (line->find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace mvi::test
