// What a service declares, through a real host: undeclared arguments ignored or refused (a
// strict entrypoint, ABI 1.3), and declarations past the host's limits refused at registration
// with a reason that is itself bounded, as is every name the host quotes back.

#include <gtest/gtest.h>
#include <mvi/limits.hpp>

#include <string>

#include "HostProcess.h"

namespace mvi::test {
namespace {

using nlohmann::json;

/// The value of the Prometheus sample whose line starts with `prefix` (name and labels), or -1.
double metric(const HostProcess& host, const std::string& prefix) {
    Response metrics = host.get("/metrics");
    std::size_t at = metrics.body.find("\n" + prefix + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(metrics.body.substr(at + prefix.size() + 2));
}

/// The request body schema of the OpenAPI operation POST `path` of `svc`.
json bodySchema(const HostProcess& host, const std::string& svc, const std::string& path) {
    Response document = host.get("/services/" + svc + "/openapi.json");
    EXPECT_EQ(document.status, 200) << document.body;
    return document
        .json()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"];
}

const json kWithExtras = {{"name", "Bob"}, {"extra", 1}, {"more", {{"deep", {1, 2}}}}};

TEST(UndeclaredArguments, AreIgnoredUnlessTheEntrypointIsStrict) {
    auto host = startHost({{"fixture_arguments_lenient", "args_1.0.0.so"},
                           {"fixture_arguments_strict", "args_2.0.0.so"}});

    // By default the call goes through and the handler receives the declared arguments only.
    Response lenient = host->post("/services/args_1.0.0/echo", kWithExtras);
    ASSERT_EQ(lenient.status, 200) << lenient.body;
    EXPECT_EQ(lenient.json(), json({{"name", "Bob"}}));

    // A strict entrypoint refuses each undeclared key, the way it always did.
    Response strict = host->post("/services/args_2.0.0/echo", kWithExtras);
    ASSERT_EQ(strict.status, 422) << strict.body;
    EXPECT_EQ(strict.json()["detail"], json::parse(R"([
        {"loc": ["body", "extra"], "msg": "extra fields not permitted", "type": "value_error.extra"},
        {"loc": ["body", "more"], "msg": "extra fields not permitted", "type": "value_error.extra"}
    ])"));
    Response declaredOnly = host->post("/services/args_2.0.0/echo", {{"name", "Bob"}});
    ASSERT_EQ(declaredOnly.status, 200) << declaredOnly.body;
    EXPECT_EQ(declaredOnly.json(), json({{"name", "Bob"}}));

    // Everything else is still validated either way.
    Response missing = host->post("/services/args_1.0.0/echo", {{"extra", 1}});
    ASSERT_EQ(missing.status, 422) << missing.body;
    EXPECT_EQ(missing.json()["detail"], json::parse(R"([
        {"loc": ["body", "name"], "msg": "field required", "type": "value_error.missing"}
    ])"));
}

TEST(UndeclaredArguments, TheOpenApiDocumentSaysWhichEntrypointIsStrict) {
    auto host = startHost({{"fixture_arguments_lenient", "args_1.0.0.so"},
                           {"fixture_arguments_strict", "args_2.0.0.so"}});
    json lenient = bodySchema(*host, "args_1.0.0", "/services/args_1.0.0/echo");
    EXPECT_EQ(lenient["additionalProperties"], true) << lenient.dump(2);
    EXPECT_EQ(lenient["properties"], json({{"name", {{"type", "string"}}}}));
    json strict = bodySchema(*host, "args_2.0.0", "/services/args_2.0.0/echo");
    EXPECT_EQ(strict["additionalProperties"], false) << strict.dump(2);
    EXPECT_EQ(strict["properties"], json({{"name", {{"type", "string"}}}}));

    // The SDK's services are lenient by default.
    auto hello = startHost({{"hello", "hello_1.0.0.so"}});
    EXPECT_EQ(bodySchema(*hello, "hello", "/services/hello/hello")["additionalProperties"], true);
}

TEST(UndeclaredArguments, AShadowGetsTheCallAsItWasSent) {
    // The main ignores the extra key; the strict shadow must see it (and refuse it), which it
    // could not if the main's trimmed arguments were mirrored.
    auto host = startHost({{"fixture_arguments_lenient", "args_1.0.0.so"},
                           {"fixture_arguments_strict", "args_2.0.0.so"}});
    ASSERT_EQ(serviceEntry(*host, "args", "1.0.0")["main"], true)
        << serviceEntry(*host, "args", "1.0.0");
    Response byName = host->post("/services/args/echo", kWithExtras);
    ASSERT_EQ(byName.status, 200) << byName.body;
    EXPECT_EQ(byName.json(), json({{"name", "Bob"}}));
    const std::string shadow4xx =
        R"(mvi_request_errors_total{service="args",version="2.0.0",entrypoint="echo",class="4xx"})";
    EXPECT_TRUE(waitFor([&] { return metric(*host, shadow4xx) == 1; }))
        << host->get("/metrics").body;
    EXPECT_EQ(serviceEntry(*host, "args", "2.0.0")["stats"]["mirrored"], 1);
}

TEST(UndeclaredArguments, APluginBuiltBeforeAbi13IsLenient) {
    // Its declaration ends before `strict_arguments`, and the bytes past it are 0xFF garbage.
    auto host = startHost({{"fixture_abi11_garbage", "legacy_1.0.0.so"}});
    Response ping = host->post("/services/legacy/ping", {{"extra", 1}});
    ASSERT_EQ(ping.status, 200) << ping.body;
    EXPECT_EQ(ping.json(), "pong");
}

TEST(DeclarationLimits, AHugeEntrypointNameIsRefusedWithAShortReason) {
    auto host =
        startHost({{"fixture_oversized_name", "huge_1.0.0.so"}, {"hello", "hello_1.0.0.so"}});
    json entry = serviceEntry(*host, "huge", "1.0.0");
    ASSERT_EQ(entry["status"], "failed") << entry.dump().substr(0, 2000);
    const std::string reason = entry["error"].get<std::string>();
    EXPECT_NE(reason.find("is 1048576 bytes long, more than the 128 allowed"), std::string::npos)
        << reason.substr(0, 2000);
    EXPECT_LE(reason.size(), mvi::limits::kMaxReasonBytes);
    EXPECT_TRUE(entry["entrypoints"].empty()) << entry["entrypoints"].dump().substr(0, 200);

    // No listing echoes the name in full.
    for (const char* path : {"/services/", "/~ready", "/notifications/"}) {
        Response listing = host->get(path);
        EXPECT_LT(listing.body.size(), 64u * 1024) << path;
    }
    Response ready = host->get("/~ready");
    EXPECT_EQ(ready.status, 503);
    EXPECT_NE(ready.body.find("more than the 128 allowed"), std::string::npos)
        << ready.body.substr(0, 2000);

    EXPECT_EQ(host->post("/services/hello/hello", {{"name", "Bob"}}).json(), "Hello Bob");
}

TEST(DeclarationLimits, MoreEntrypointsThanAllowedAreRefused) {
    auto host = startHost({{"fixture_oversized_count", "many_1.0.0.so"}});
    json entry = serviceEntry(*host, "many", "1.0.0");
    ASSERT_EQ(entry["status"], "failed") << entry.dump().substr(0, 2000);
    const std::string reason = entry["error"].get<std::string>();
    EXPECT_NE(reason.find("entrypoint 'e1024': a service declares at most 1024 entrypoints"),
              std::string::npos)
        << reason;
    EXPECT_EQ(host->post("/services/many_1.0.0/e0", json::object()).status, 503);
}

TEST(DeclarationLimits, NamesFromRequestsAreQuotedCutShort) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    // Long, yet within the longest request line the HTTP server reads.
    const std::string longName(10000, 'x');

    Response entrypoint = host->post("/services/hello/" + longName, {{"name", "Bob"}});
    ASSERT_EQ(entrypoint.status, 404);
    std::string detail = entrypoint.json()["detail"];
    EXPECT_LT(detail.size(), 400u) << detail;
    EXPECT_NE(detail.find("xxx\xE2\x80\xA6"), std::string::npos) << detail;

    Response service = host->post("/services/" + longName + "/hello", {{"name", "Bob"}});
    ASSERT_EQ(service.status, 404);
    EXPECT_LT(service.json()["detail"].get<std::string>().size(), 400u);

    Response parameter = host->get("/services/hello/~parameters/" + longName);
    ASSERT_EQ(parameter.status, 404);
    EXPECT_LT(parameter.json()["detail"].get<std::string>().size(), 400u);

    Response kill = request(host->port(), "DELETE", "/services/",
                            json({{"name", longName}, {"version", "1.0.0"}}).dump());
    ASSERT_EQ(kill.status, 404) << kill.body.substr(0, 400);
    EXPECT_LT(kill.json()["detail"].get<std::string>().size(), 400u);
}

}  // namespace
}  // namespace mvi::test
