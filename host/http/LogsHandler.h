#pragma once

#include "front/StreamingHandler.h"
#include "http/JsonHandler.h"
#include "http/RouteRequest.h"

namespace mvi::host {

/// `GET /services/~logs?name=&version=&tail=&since=&follow=`: a version's log as plain text,
/// one line per entry (`<UTC time> <LEVEL> <message>`), read from its files on disk.
///
/// - `version` defaults to the main version of `name`; a version that is no longer deployed
///   is still readable while its log is on disk.
/// - `tail`: a count or `all` (the default): only the newest lines.
/// - `since`: an ISO 8601 time (`2026-11-28T10:29:01Z`, fractions and offsets allowed, UTC
///   when the offset is left out): only lines written at or after it.
/// - `follow=true`: after those lines, the answer (chunked) goes on with every new line as it
///   is written, until the version is unloaded (no build of it left: its file was deleted, it
///   was undeployed or failed), the client leaves, or the host stops. Under the event front a
///   follower runs on a stream thread (`http.max_streams`), not on a worker, and its connection
///   closes when it ends; under the threads front it holds one of the server's threads
///   (`http.max_threads`). It wakes at least once a second to notice a client that left.
///
/// 404 for an unknown service or version, 422 (with a `detail` list) for a missing `name` or a
/// malformed `tail`, `since` or `follow`.
///
/// The host's own log (what it logs at its level, see HostLogChannel) is read the same way, as
/// the original platform served its manager's log: `GET /logs/` (`since` defaults to seven days
/// ago when neither `since` nor `tail` is given) and `GET /logs/stream` (every line by default);
/// both take `tail`, `since` and `follow`, and follow until the host stops.
class LogsHandler : public JsonHandler, public front::StreamingHandler {
  public:
    /// Which log a route reads.
    enum class Source {
        /// A service version's (`/services/~logs`).
        Service,
        /// The host's, the last seven days by default (`/logs/`).
        HostRecent,
        /// The host's, all of it by default (`/logs/stream`).
        Host,
    };

    explicit LogsHandler(const RouteRequest& route, Source source = Source::Service)
        : JsonHandler(route), source_(source) {}

    /// A request with `follow=true` (or `1`) streams.
    bool streams(const Poco::Net::HTTPServerRequest& request) const override;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    /// The log `name` and `version` (from the query) select; throws 404 as described above.
    ServiceId serviceLog(const std::string& name, const std::string& version);

    Source source_;
};

}  // namespace mvi::host
