#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <memory>

#include "core/StreamFeed.h"

namespace mvi::host {

/// True when the client of `request` closed its connection (or it broke).
bool clientLeft(Poco::Net::HTTPServerRequest& request);

/// Sends `feed`'s bytes as the body of `response` (status and headers already set), as its
/// producer writes them: chunked for HTTP/1.1, and the connection closes after it. Under the
/// event front the event loop writes them and no thread waits meanwhile; under the threads
/// front (Poco's server, and TLS) this thread writes them until the feed ends or the client
/// leaves. Either way the feed is closed when the client leaves, so the producer's next write
/// is refused instead of waiting.
void sendStream(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                std::shared_ptr<StreamFeed> feed);

}  // namespace mvi::host
