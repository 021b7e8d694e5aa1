#include "http/UnauthorizedHandler.h"

#include <cstdint>
#include <istream>

namespace mvi::host {
namespace {

/// Most body bytes thrown away to keep the connection of an unauthenticated client usable.
constexpr std::uint64_t DRAINABLE_BYTES = 64 * 1024;

/// Reads and discards a body of at most DRAINABLE_BYTES; false when there is more (or the
/// stream failed), so the connection must close.
bool drainBody(Poco::Net::HTTPServerRequest& request) {
    bool chunked = request.getChunkedTransferEncoding();
    bool hasLength = request.hasContentLength() && request.getContentLength64() > 0;
    if (!chunked && !hasLength) {
        return true;
    }
    if (hasLength && static_cast<std::uint64_t>(request.getContentLength64()) > DRAINABLE_BYTES) {
        return false;
    }
    std::istream& stream = request.stream();
    char scratch[8192];
    std::uint64_t drained = 0;
    while (stream && drained <= DRAINABLE_BYTES) {
        stream.read(scratch, sizeof scratch);
        if (stream.gcount() <= 0) {
            break;
        }
        drained += static_cast<std::uint64_t>(stream.gcount());
    }
    return !stream.bad() && drained <= DRAINABLE_BYTES;
}

}  // namespace

void UnauthorizedHandler::handle(Poco::Net::HTTPServerRequest& request,
                                 Poco::Net::HTTPServerResponse& response) {
    response.set("WWW-Authenticate", "Bearer");
    // A client waiting for `100 Continue` never gets it and sends nothing; a larger body is
    // dropped after the answer, and the connection closes.
    if (request.getExpectContinue() || !drainBody(request)) {
        throw HttpError(401, detail_);
    }
    body().markConsumed();
    sendError(response, 401, detail_);
}

}  // namespace mvi::host
