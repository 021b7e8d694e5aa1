// Streamed answers of a service's own routes (ABI 1.6) against a real host over real HTTP: a
// chunked answer written after the handler returned, server-sent events written to every
// listener by another route, a client that does not read (the service's writes are refused,
// never blocked), a client that leaves (the service's next write says so), a version that
// unloads (its streams end), HTTP/1.0 (the body runs up to the close), the threads front, and
// a malformed stream head (the host's 500).

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "HostProcess.h"

namespace mvi::test {
namespace {

using nlohmann::json;

/// POSTs `body` to the fixture's /broadcast (`times` events to each listener) on `service`.
json broadcast(const HostProcess& host, const std::string& body, int times = 1,
               const std::string& service = "routes") {
    Response answer = request(host.port(), "POST",
                              "/services/" + service + "/broadcast?times=" + std::to_string(times),
                              body, "text/plain");
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.status == 200 ? answer.json() : json::object();
}

/// Reads the next event of an SSE stream: its `event:` name and its `data:` text.
struct Event {
    std::string name;
    std::string data;
};

std::optional<Event> nextEvent(StreamingGet& stream) {
    Event event;
    bool any = false;
    while (auto line = stream.next()) {
        if (line->empty()) {
            if (any) {
                return event;
            }
            continue;
        }
        if (line->rfind(':', 0) == 0) {
            continue;  // a comment
        }
        any = true;
        if (line->rfind("event: ", 0) == 0) {
            event.name = line->substr(7);
        } else if (line->rfind("data: ", 0) == 0) {
            event.data += line->substr(6);
        }
    }
    return std::nullopt;
}

Poco::Net::StreamSocket connectTo(unsigned port) {
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    socket.setReceiveTimeout(Poco::Timespan(30, 0));
    return socket;
}

void sendText(Poco::Net::StreamSocket& socket, const std::string& text) {
    socket.sendBytes(text.data(), static_cast<int>(text.size()));
}

/// Everything the host sends on `socket` until it closes the connection.
std::string readToClose(Poco::Net::StreamSocket& socket) {
    std::string all;
    char buffer[4096];
    while (true) {
        int n = socket.receiveBytes(buffer, sizeof buffer);
        if (n <= 0) {
            return all;
        }
        all.append(buffer, static_cast<std::size_t>(n));
    }
}

class RouteStreams : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        host_ = startHost(
            {{"fixture_routes", "routes_1.0.0.so"}},
            {"--define", "http.front=" + GetParam(), "--define", "http.stream_buffer_bytes=65536"});
    }

    std::unique_ptr<HostProcess> host_;
};

TEST_P(RouteStreams, AChunkedAnswerArrivesAndEnds) {
    StreamingGet counted(host_->port(), "/services/routes/count/5");
    ASSERT_EQ(counted.response().getStatus(), 200);
    EXPECT_TRUE(counted.response().getChunkedTransferEncoding());
    EXPECT_EQ(counted.response().getContentType(), "text/plain; charset=utf-8");
    for (int i = 1; i <= 5; ++i) {
        auto line = counted.next();
        ASSERT_TRUE(line) << "line " << i << " missing";
        EXPECT_EQ(*line, std::to_string(i));
    }
    EXPECT_FALSE(counted.next());
    EXPECT_FALSE(counted.failed()) << "the answer did not end";

    // A client of HTTP/1.0 reads the body up to the close.
    Poco::Net::StreamSocket socket = connectTo(host_->port());
    sendText(socket, "GET /services/routes/count/3 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    std::string answer = readToClose(socket);
    ASSERT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer;
    std::string head = answer.substr(0, answer.find("\r\n\r\n"));
    EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
    EXPECT_EQ(answer.substr(answer.find("\r\n\r\n") + 4), "1\n2\n3\n");
}

TEST_P(RouteStreams, ServerSentEventsReachEveryListenerAsTheServiceWritesThem) {
    StreamingGet first(host_->port(), "/services/routes/events");
    StreamingGet second(host_->port(), "/services/routes_1.0.0/events");
    for (StreamingGet* listener : {&first, &second}) {
        ASSERT_EQ(listener->response().getStatus(), 200);
        EXPECT_EQ(listener->response().getContentType(), "text/event-stream");
        EXPECT_EQ(listener->response().get("Cache-Control", ""), "no-cache");
        ASSERT_TRUE(listener->readUntil(": welcome"));
    }
    json sent = broadcast(*host_, "hello\nworld");
    EXPECT_EQ(sent["queued"], 2) << sent;
    for (StreamingGet* listener : {&first, &second}) {
        auto event = nextEvent(*listener);
        ASSERT_TRUE(event);
        EXPECT_EQ(event->name, "message");
        EXPECT_EQ(event->data, "helloworld");
    }
    // The handler returned long ago: the streams hold no worker, and the host answers others.
    EXPECT_EQ(host_->get("/services/routes/files/special").body, "special");
    if (GetParam() == "event") {
        Response metrics = host_->get("/metrics");
        EXPECT_NE(metrics.body.find("mvi_http_route_streams 2"), std::string::npos);
    }
    json again = broadcast(*host_, "second", 3);
    EXPECT_EQ(again["queued"], 6) << again;
    for (int i = 0; i < 3; ++i) {
        auto event = nextEvent(first);
        ASSERT_TRUE(event);
        EXPECT_EQ(event->data, "second");
    }
}

TEST_P(RouteStreams, AClientThatDoesNotReadNeverBlocksTheService) {
    // A listener that sends its request and never reads: the socket's buffers fill, then the
    // stream's buffer (64 KiB here), then the service's writes are refused at once.
    Poco::Net::StreamSocket stalled = connectTo(host_->port());
    stalled.setReceiveBufferSize(4096);
    sendText(stalled, "GET /services/routes/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ASSERT_TRUE(waitFor([&] { return broadcast(*host_, "ping")["listeners"] == 1; }));
    const std::string big(16 * 1024, 'x');
    json sent;
    ASSERT_TRUE(waitFor([&] {
        sent = broadcast(*host_, big, 2000);
        return sent["full"] == 1;
    })) << sent;
    EXPECT_EQ(sent["closed"], 0) << sent;
    EXPECT_EQ(sent["listeners"], 1) << sent;
    // A write larger than the whole buffer is refused as such.
    json huge = broadcast(*host_, std::string(100 * 1024, 'y'));
    EXPECT_EQ(huge["too_large"], 1) << huge;

    // Another listener is served meanwhile.
    StreamingGet reader(host_->port(), "/services/routes/events");
    ASSERT_TRUE(reader.readUntil(": welcome"));
    broadcast(*host_, "for the reader");
    ASSERT_TRUE(reader.readUntil("data: for the reader"));
}

TEST_P(RouteStreams, AClientThatLeavesEndsItsStreamForTheService) {
    {
        StreamingGet leaving(host_->port(), "/services/routes/events");
        ASSERT_TRUE(leaving.readUntil(": welcome"));
        leaving.leave();
    }
    // The host notices the hang-up (at once under the event front, within a second under the
    // threads front); the service's next write is refused as closed and it forgets the stream.
    json sent;
    ASSERT_TRUE(waitFor([&] {
        sent = broadcast(*host_, "anyone?");
        return sent["listeners"] == 0;
    })) << sent;
    EXPECT_EQ(sent["closed"], 1) << sent;
}

TEST_P(RouteStreams, UnloadingTheVersionEndsItsStreams) {
    StreamingGet listener(host_->port(), "/services/routes/events");
    ASSERT_TRUE(listener.readUntil(": welcome"));
    broadcast(*host_, "before");
    std::filesystem::remove(std::filesystem::path(host_->pluginsDir()) / "routes_1.0.0.so");
    // What was written still arrives, then the answer ends.
    ASSERT_TRUE(listener.readUntil("data: before"));
    while (listener.next()) {
    }
    EXPECT_FALSE(listener.failed()) << "the stream did not end when its version unloaded";
}

TEST_P(RouteStreams, AMalformedStreamHeadIsTheHosts500) {
    Response bad = host_->get("/services/routes/stream/bad");
    EXPECT_EQ(bad.status, 500);
    EXPECT_NE(bad.json()["detail"].get<std::string>().find("Bad Name"), std::string::npos)
        << bad.body;
}

INSTANTIATE_TEST_SUITE_P(Fronts, RouteStreams, ::testing::Values("event", "threads"),
                         [](const auto& test) { return test.param; });

TEST(RouteStreamsMirroring, AShadowsStreamOfAMirroredCopyIsClosed) {
    auto host = startHost({{"fixture_routes", "routes_1.0.0.so"}});
    installPlugin(builtPlugin("fixture_routes"), host->pluginsDir(), "routes_1.1.0.so");
    ASSERT_TRUE(waitFor([&] {
        json entry = serviceEntry(*host, "routes", "1.1.0");
        return entry.is_object() && entry["status"] == "ready";
    }));
    StreamingGet listener(host->port(), "/services/routes/events");
    ASSERT_TRUE(listener.readUntil(": welcome"));
    // The shadow got a copy of the request, and its stream has no client: its writes are
    // refused as closed.
    json sent;
    ASSERT_TRUE(waitFor([&] {
        sent = broadcast(*host, "to the shadow", 1, "routes_1.1.0");
        return sent["closed"] == 1;
    })) << sent;
    EXPECT_EQ(sent["listeners"], 0);
    json main = broadcast(*host, "to the main", 1, "routes_1.0.0");
    EXPECT_EQ(main["queued"], 1) << main;
    ASSERT_TRUE(listener.readUntil("data: to the main"));
}

}  // namespace
}  // namespace mvi::test
