#pragma once

#include <Poco/Net/HTTPServerRequest.h>

namespace mvi::host::front {

/// A handler whose answer to some requests is a stream without a known end (a log followed).
/// The front serves such a request on a thread of its own, writing to the socket as the handler
/// writes, instead of on a worker; the connection closes when the stream ends.
class StreamingHandler {
  public:
    virtual ~StreamingHandler() = default;

    /// Whether this request's answer streams.
    virtual bool streams(const Poco::Net::HTTPServerRequest& request) const = 0;
};

}  // namespace mvi::host::front
