// ABI 1.5 in the SDK: Service::route, mvi::Request and mvi::Response under FakeHost (the service
// is the routes fixture, tests/fixtures/plugins/routes.cpp), and the checks of a route's
// declaration that mvi-host and FakeHost share (mvi/registration.hpp).
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using mvi::Method;
using mvi::testing::FakeHost;

TEST(SdkRoutes, RequestsReachTheirRouteWithParametersQueryHeadersAndBody) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    EXPECT_EQ(host.routes().size(), 17u);
    auto echo = host.call_route(Method::Get, "/echo/9", "abc", {{"X-Test", "t"}}, "q=x%2By+z");
    ASSERT_EQ(echo.status, 200) << echo.body;
    auto body = nlohmann::json::parse(echo.body);
    EXPECT_EQ(body["id"], "9");
    EXPECT_EQ(body["q"], "x+y z");
    EXPECT_EQ(body["x_test"], "t");
    EXPECT_EQ(body["body_bytes"], 3);
    EXPECT_EQ(echo.header("content-type"), "application/json");

    EXPECT_EQ(host.call_route(Method::Put, "/files/a", "bytes", {{"Content-Type", "x/y"}}).status,
              201);
    auto read = host.call_route(Method::Get, "/files/a");
    EXPECT_EQ(read.body, "bytes");
    EXPECT_EQ(read.header("Content-Type"), "x/y");
    EXPECT_EQ(host.call_route(Method::Get, "/files/special").body, "special");
    EXPECT_EQ(host.call_route(Method::Get, "/nothing").status, 404);
    EXPECT_EQ(host.call_route(Method::Post, "/files/a").status, 405);
}

TEST(SdkRoutes, ErrorsAndAnswersTheHostRefuses) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    auto teapot = host.call_route(Method::Get, "/teapot");
    EXPECT_EQ(teapot.status, 418);
    EXPECT_EQ(nlohmann::json::parse(teapot.body)["detail"], "I am a teapot");
    for (const char* path : {"/bad/header", "/bad/status", "/bad/length", "/bad/newline"}) {
        EXPECT_EQ(host.call_route(Method::Get, path).status, 500) << path;
    }
}

TEST(SdkStreams, AStreamedAnswerIsWrittenAfterTheHandlerReturnedAndEnds) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    auto counted = host.call_route(Method::Get, "/count/3");
    ASSERT_EQ(counted.status, 200) << counted.body;
    ASSERT_TRUE(counted.stream);
    EXPECT_EQ(counted.stream->received(), "1\n2\n3\n");
    EXPECT_TRUE(counted.stream->ended());
    EXPECT_EQ(counted.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_FALSE(host.call_route(Method::Get, "/files/special").stream);
}

TEST(SdkStreams, ServerSentEventsAreFramedAndRefusalsReachTheService) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    auto events = host.call_route(Method::Get, "/events");
    ASSERT_EQ(events.status, 200);
    ASSERT_TRUE(events.stream);
    EXPECT_EQ(events.header("Content-Type"), "text/event-stream");
    EXPECT_EQ(events.header("Cache-Control"), "no-cache");
    EXPECT_EQ(events.stream->read(), ": welcome\n\n");

    auto sent = nlohmann::json::parse(host.call_route(Method::Post, "/broadcast", "a\nb").body);
    EXPECT_EQ(sent["queued"], 1);
    EXPECT_EQ(events.stream->read(), "event: message\ndata: a\ndata: b\n\n");

    // A client that does not read: the buffer (1 MiB) fills and the write is refused, at once.
    const std::string big(256 * 1024, 'x');
    sent = nlohmann::json::parse(
        host.call_route(Method::Post, "/broadcast", big, {}, "times=10").body);
    EXPECT_EQ(sent["queued"], 3) << sent;
    EXPECT_EQ(sent["full"], 1) << sent;
    sent = nlohmann::json::parse(
        host.call_route(Method::Post, "/broadcast", std::string(2 << 20, 'y')).body);
    EXPECT_EQ(sent["too_large"], 1) << sent;

    // The client leaves: the next write says closed and the service forgets the stream.
    events.stream->leave();
    sent = nlohmann::json::parse(host.call_route(Method::Post, "/broadcast", "bye").body);
    EXPECT_EQ(sent["closed"], 1) << sent;
    EXPECT_EQ(sent["listeners"], 0) << sent;
    EXPECT_TRUE(events.stream->ended()) << "the last copy of the stream closed it";
}

TEST(SdkStreams, AMalformedStreamHeadIsRefused) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    auto bad = host.call_route(Method::Get, "/stream/bad");
    EXPECT_EQ(bad.status, 500);
    EXPECT_FALSE(bad.stream);
}

/// A valid declaration of route `path`, to spoil one field of.
mvi_route_decl declaration(const char* path, mvi_http_method method = MVI_METHOD_GET) {
    static const auto handler = [](mvi_plugin_userdata*, mvi_call*,
                                   const mvi_route_request*) -> mvi_status { return MVI_OK; };
    mvi_route_decl decl{};
    decl.size = sizeof decl;
    decl.method = method;
    decl.path = {path, std::char_traits<char>::length(path)};
    decl.handler = handler;
    return decl;
}

std::string refusal(const mvi_route_decl& decl,
                    const mvi::registration::Registration& registration = {}) {
    auto checked = mvi::registration::check_route(&decl, registration);
    return checked.declaration ? "" : checked.refusal.reason;
}

TEST(RouteDeclarations, PathsMethodsAndBoundsAreChecked) {
    EXPECT_EQ(refusal(declaration("/images/{id}/raw")), "");
    EXPECT_EQ(refusal(declaration("/report.csv", MVI_METHOD_DELETE)), "");
    for (const char* path :
         {"", "images", "/", "/a//b", "/{id}", "/docs", "/openapi.json", "/static/x", "/~x",
          "/a/{ID}", "/a/{}", "/a/{x}/{x}", "/a/..", "/a b", "/a/%2F", "/a/{x"}) {
        EXPECT_NE(refusal(declaration(path)), "") << path;
    }
    EXPECT_NE(refusal(declaration("/x", 7)).find("unknown method"), std::string::npos);
    mvi_route_decl noHandler = declaration("/x");
    noHandler.handler = nullptr;
    EXPECT_NE(refusal(noHandler).find("no handler"), std::string::npos);
    mvi_route_decl late = declaration("/x");
    late.timeout_seconds = -1;
    EXPECT_NE(refusal(late).find("timeout_seconds"), std::string::npos);
    std::string deep;
    for (int i = 0; i < 17; ++i) {
        deep += "/a";
    }
    EXPECT_NE(refusal(declaration(deep.c_str())).find("segments"), std::string::npos);
    mvi::registration::Registration full;
    full.routes = mvi::limits::kMaxRoutes;
    EXPECT_NE(refusal(declaration("/x"), full).find("at most"), std::string::npos);
    mvi::registration::Registration older;
    older.abi_minor = 4;
    EXPECT_NE(refusal(declaration("/x"), older).find("ABI 1.5"), std::string::npos);
}

TEST(RouteDeclarations, ShapesIgnoreParameterNames) {
    const mvi_route_decl first = declaration("/a/{x}/b");
    const mvi_route_decl second = declaration("/a/{y}/b");
    auto a = mvi::registration::check_route(&first, {});
    auto b = mvi::registration::check_route(&second, {});
    ASSERT_TRUE(a.declaration && b.declaration);
    EXPECT_EQ(a.declaration->shape(), b.declaration->shape());
    EXPECT_EQ(a.declaration->shape(), "/a/{}/b");
}

}  // namespace
