#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <string>

namespace mvi::bench {

/// Calls one entrypoint of a host on 127.0.0.1, again and again, over one keep-alive
/// connection (opened again after a failure).
class ServiceProbe {
  public:
    /// One call's outcome.
    struct Answer {
        /// The HTTP status, or 0 when the call failed at the socket level.
        int status = 0;
        /// The response body, or the reason of the failure.
        std::string body;
    };

    /// Prepares calls of `POST path` with the body `{}` on the host at `port`.
    ServiceProbe(unsigned port, std::string path);

    /// Makes one call; never throws for a network or HTTP failure.
    Answer call();

  private:
    Poco::Net::HTTPClientSession session_;
    std::string path_;
};

}  // namespace mvi::bench
