// A service's own routes (ABI 1.5) against a real host over real HTTP: any method, path
// parameters, raw query, headers and body bytes in, the service's own status, headers and body
// out; by name and by version; mirrored to shadows; and every bad input and bad answer: unknown
// path 404, wrong method 405 with Allow, oversized body 413, a malformed answer 500 (never a
// broken HTTP answer), a deadline 504.

#include <gtest/gtest.h>

#include <string>

#include "HostProcess.h"

namespace mvi::test {
namespace {

using nlohmann::json;

class Routes : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        host_ = startHost({{"fixture_routes", "routes_1.0.0.so"}},
                          {"--define", "http.max_body_bytes=65536"})
                    .release();
    }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }

    static Response send(const std::string& method, const std::string& path,
                         const std::string& body = "", const std::string& type = "",
                         const Headers& headers = {}) {
        return request(host_->port(), method, path, body, type, headers);
    }

    static HostProcess* host_;
};

HostProcess* Routes::host_ = nullptr;

TEST_F(Routes, GetWithPathParameterQueryAndHeader) {
    Response answer =
        send("GET", "/services/routes/echo/42?q=a%20b&x=1", "", "", {{"X-Test", "present"}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.header("Content-Type"), "application/json");
    json echo = answer.json();
    EXPECT_EQ(echo["path"], "/echo/42");
    EXPECT_EQ(echo["id"], "42");
    EXPECT_EQ(echo["q"], "a b");
    EXPECT_EQ(echo["query"], "q=a%20b&x=1");
    EXPECT_EQ(echo["x_test"], "present");
    // By version too.
    EXPECT_EQ(send("GET", "/services/routes_1.0.0/echo/7").json()["id"], "7");
}

TEST_F(Routes, RawBodiesRoundTripWithTheirContentType) {
    std::string bytes("\x89PNG\r\n\x1a\n\0\xff binary", 18);
    Response stored = send("PUT", "/services/routes/files/logo", bytes, "image/png");
    ASSERT_EQ(stored.status, 201) << stored.body;
    EXPECT_EQ(stored.body, "stored\n");
    EXPECT_EQ(stored.header("Content-Type"), "text/plain; charset=utf-8");
    Response read = send("GET", "/services/routes/files/logo");
    ASSERT_EQ(read.status, 200);
    EXPECT_EQ(read.header("Content-Type"), "image/png");
    EXPECT_EQ(read.body, bytes);
    EXPECT_EQ(send("DELETE", "/services/routes/files/logo").status, 204);
    Response gone = send("GET", "/services/routes/files/logo");
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.json()["detail"], "no file logo");
}

TEST_F(Routes, ALiteralSegmentWinsOverAParameter) {
    Response special = send("GET", "/services/routes/files/special");
    EXPECT_EQ(special.status, 200);
    EXPECT_EQ(special.body, "special");
}

TEST_F(Routes, ACsvUploadIsCounted) {
    Response rows = send("POST", "/services/routes/rows.csv", "a,b\n1,2\n3,4\n5,6\n", "text/csv");
    ASSERT_EQ(rows.status, 200) << rows.body;
    EXPECT_EQ(rows.header("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(rows.body, "rows\n3\n");
}

TEST_F(Routes, EntrypointsAndOneSegmentRoutesShareThePath) {
    Response hello = host_->post("/services/routes/hello", {{"name", "Ada"}});
    EXPECT_EQ(hello.status, 200);
    EXPECT_EQ(hello.json(), "Hello Ada");
    EXPECT_EQ(send("DELETE", "/services/routes/cache").status, 204);
    // The entrypoint's method is checked as before.
    Response wrong = send("PUT", "/services/routes/hello", "{}");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.header("Allow"), "POST");
}

TEST_F(Routes, UnknownPathsAndMethodsAre404And405WithAllow) {
    Response unknown = send("GET", "/services/routes/nothing/here");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.json()["detail"].get<std::string>().find("/nothing/here"), std::string::npos);
    EXPECT_EQ(send("GET", "/services/routes/echo/1/2").status, 404);
    EXPECT_EQ(send("POST", "/services/routes/nothing").status, 404);
    Response method = send("POST", "/services/routes/files/x", "x");
    EXPECT_EQ(method.status, 405);
    EXPECT_EQ(method.header("Allow"), "PUT, GET, DELETE");
    EXPECT_EQ(send("PUT", "/services/routes/cache").status, 405);
    EXPECT_EQ(send("GET", "/services/nobody/echo/1").status, 404);
}

TEST_F(Routes, AnOversizedBodyIs413) {
    Response big = send("PUT", "/services/routes/files/big", std::string(70000, 'x'));
    EXPECT_EQ(big.status, 413);
    EXPECT_EQ(send("GET", "/services/routes/files/big").status, 404);
}

TEST_F(Routes, MalformedAnswersBecomeTheHosts500) {
    for (const char* path : {"/services/routes/bad/header", "/services/routes/bad/status",
                             "/services/routes/bad/length", "/services/routes/bad/newline"}) {
        Response bad = send("GET", path);
        EXPECT_EQ(bad.status, 500) << path;
        EXPECT_TRUE(bad.json()["detail"].is_string()) << bad.body;
        EXPECT_EQ(bad.header("Injected"), "") << path;
    }
    // The host still serves on.
    EXPECT_EQ(send("GET", "/services/routes/echo/1").status, 200);
}

TEST_F(Routes, AnHttpErrorIsAJsonErrorAndADeadlineIs504) {
    Response teapot = send("GET", "/services/routes/teapot");
    EXPECT_EQ(teapot.status, 418);
    EXPECT_EQ(teapot.json()["detail"], "I am a teapot");
    Response slow = send("GET", "/services/routes/slow");
    EXPECT_EQ(slow.status, 504);
    EXPECT_NE(slow.json()["detail"].get<std::string>().find("route GET /slow"), std::string::npos);
}

TEST_F(Routes, RoutesAreListedDocumentedAndCounted) {
    ASSERT_EQ(send("GET", "/services/routes/echo/1").status, 200);
    json entry = serviceEntry(*host_, "routes", "1.0.0");
    ASSERT_TRUE(entry["routes"].is_array());
    json put;
    for (const json& route : entry["routes"]) {
        if (route["method"] == "PUT") {
            put = route;
        }
    }
    EXPECT_EQ(put["path"], "/files/{name}");
    EXPECT_EQ(put["description"], "Stores a file.");
    json document = send("GET", "/services/routes/openapi.json").json();
    const json& files = document["paths"]["/services/routes/files/{name}"];
    EXPECT_TRUE(files.contains("put") && files.contains("get") && files.contains("delete"))
        << files.dump();
    EXPECT_EQ(files["get"]["parameters"][0]["name"], "name");
    EXPECT_EQ(files["get"]["parameters"][0]["in"], "path");
    EXPECT_TRUE(
        document["paths"]["/services/routes/rows.csv"]["post"]["responses"]["default"]["content"]
            .contains("text/csv"));
    std::string metrics = send("GET", "/metrics").body;
    EXPECT_NE(metrics.find(
                  R"(mvi_requests_total{service="routes",version="1.0.0",route="GET /echo/{id}"})"),
              std::string::npos)
        << metrics.substr(0, 2000);
}

TEST(RoutesMirroring, ByNameCallsReachTheShadowsAndByVersionCallsDoNot) {
    auto host = startHost({{"fixture_routes", "routes_1.0.0.so"}});
    installPlugin(builtPlugin("fixture_routes"), host->pluginsDir(), "routes_1.1.0.so");
    ASSERT_TRUE(waitFor([&] {
        json entry = serviceEntry(*host, "routes", "1.1.0");
        return entry.is_object() && entry["status"] == "ready";
    }));
    ASSERT_EQ(
        request(host->port(), "PUT", "/services/routes/files/a", "mirrored", "text/plain").status,
        201);
    // The shadow got its copy, with the body and the content type.
    ASSERT_TRUE(waitFor([&] {
        return request(host->port(), "GET", "/services/routes_1.1.0/files/a").status == 200;
    }));
    Response copy = request(host->port(), "GET", "/services/routes_1.1.0/files/a");
    EXPECT_EQ(copy.body, "mirrored");
    EXPECT_EQ(copy.header("Content-Type"), "text/plain");
    // A call by version reaches that version only.
    ASSERT_EQ(request(host->port(), "PUT", "/services/routes_1.0.0/files/b", "main only").status,
              201);
    EXPECT_EQ(request(host->port(), "GET", "/services/routes_1.1.0/files/b").status, 404);
}

}  // namespace
}  // namespace mvi::test
