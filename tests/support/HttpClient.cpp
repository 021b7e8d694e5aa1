#include "HttpClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
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

}  // namespace mvi::test
