#include "ServiceProbe.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace mvi::bench {

ServiceProbe::ServiceProbe(unsigned port, std::string path)
    : session_("127.0.0.1", static_cast<Poco::UInt16>(port)), path_(std::move(path)) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(10, 0));
}

ServiceProbe::Answer ServiceProbe::call() {
    static const std::string body = "{}";
    Answer answer;
    try {
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path_,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        request.setKeepAlive(true);
        session_.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        Poco::StreamCopier::copyToString(session_.receiveResponse(response), answer.body);
        answer.status = static_cast<int>(response.getStatus());
    } catch (const Poco::Exception& error) {
        answer.status = 0;
        answer.body = error.displayText();
        session_.reset();
    }
    return answer;
}

}  // namespace mvi::bench
