#include "http/RefusalHandler.h"

#include <cstdint>

namespace mvi::host {
namespace {

/// Most body bytes thrown away to keep the connection of a refused client usable.
constexpr std::uint64_t DRAINABLE_BYTES = 64 * 1024;

}  // namespace

void RefusalHandler::handle(Poco::Net::HTTPServerRequest& request,
                            Poco::Net::HTTPServerResponse& response) {
    if (status_ == 401) {
        response.set("WWW-Authenticate", "Bearer");
    }
    // A client waiting for `100 Continue` never gets it and sends nothing; a larger body is
    // dropped after the answer, and the connection closes.
    bool tooLong = request.hasContentLength() &&
                   request.getContentLength64() > static_cast<Poco::Int64>(DRAINABLE_BYTES);
    if (request.getExpectContinue() || tooLong || !body().drain(DRAINABLE_BYTES)) {
        throw HttpError(status_, detail_);
    }
    sendError(response, status_, detail_);
}

}  // namespace mvi::host
