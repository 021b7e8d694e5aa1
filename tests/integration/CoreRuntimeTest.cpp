// The core runtime end to end: a real mvi-host process, real plugins, real HTTP.

#include <gtest/gtest.h>
#include <mvi/plugin.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "HostProcess.h"
#include "TestPaths.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One host serving the examples and the misbehaving fixture, shared by the read-mostly tests.
class CoreRuntime : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string work = makeTemporaryDirectory();
        fs::create_directories(fs::path(work) / "plugins");
        for (auto [target, file] :
             {std::pair{"hello", "hello_1.0.0.so"}, std::pair{"c_echo", "c_echo_1.0.0.so"},
              std::pair{"fixture_misbehaving", "misbehaving_1.0.0.so"},
              std::pair{"fixture_counter_v1", "counter_1.0.0.so"}}) {
            installPlugin(builtPlugin(target), (fs::path(work) / "plugins").string(), file);
        }
        host_ = new HostProcess({"--define", "http.max_body_bytes=4096"}, work);
    }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }

    static HostProcess& host() { return *host_; }

    static json detailOf(const Response& response) { return response.json().at("detail"); }

    static HostProcess* host_;
};

HostProcess* CoreRuntime::host_ = nullptr;

TEST_F(CoreRuntime, HelloAnswersByNameAndByVersion) {
    Response byName = host().post("/services/hello/hello", {{"name", "Bob"}});
    ASSERT_EQ(byName.status, 200) << byName.body;
    EXPECT_EQ(byName.json(), "Hello Bob");
    EXPECT_EQ(byName.header("Content-Type"), "application/json");

    Response byVersion = host().post("/services/hello_1.0.0/hello", {{"name", "Ann"}});
    ASSERT_EQ(byVersion.status, 200) << byVersion.body;
    EXPECT_EQ(byVersion.json(), "Hello Ann");
}

TEST_F(CoreRuntime, PureCPluginServes) {
    Response response = host().post("/services/c_echo/echo", {{"text", "plain C"}});
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.json(), "plain C");
}

TEST_F(CoreRuntime, MalformedJsonIs422WithDetailList) {
    Response response = request(host().port(), "POST", "/services/hello/hello", "{\"name\": ");
    ASSERT_EQ(response.status, 422) << response.body;
    json detail = detailOf(response);
    ASSERT_TRUE(detail.is_array());
    EXPECT_EQ(detail[0]["loc"][0], "body");
    EXPECT_EQ(detail[0]["type"], "value_error.jsondecode");
}

TEST_F(CoreRuntime, MissingArgumentIs422) {
    Response response = host().post("/services/hello/hello", json::object());
    ASSERT_EQ(response.status, 422) << response.body;
    json detail = detailOf(response);
    ASSERT_EQ(detail.size(), 1u);
    EXPECT_EQ(detail[0]["loc"], json({"body", "name"}));
    EXPECT_EQ(detail[0]["msg"], "field required");
    EXPECT_EQ(detail[0]["type"], "value_error.missing");
}

TEST_F(CoreRuntime, WrongTypeIs422WithoutGuessing) {
    Response response = host().post("/services/hello/hello", {{"name", 42}});
    ASSERT_EQ(response.status, 422) << response.body;
    EXPECT_EQ(detailOf(response)[0]["loc"], json({"body", "name"}));
    EXPECT_EQ(detailOf(response)[0]["type"], "type_error.string");

    Response slow = host().post("/services/misbehaving/slow", {{"ms", "5"}});
    ASSERT_EQ(slow.status, 422) << slow.body;
    EXPECT_EQ(detailOf(slow)[0]["type"], "type_error.integer");
}

TEST_F(CoreRuntime, BodyThatIsNotAnObjectIs422) {
    Response response = host().post("/services/hello/hello", json::array({"Bob"}));
    ASSERT_EQ(response.status, 422) << response.body;
    EXPECT_EQ(detailOf(response)[0]["loc"], json({"body"}));
}

TEST_F(CoreRuntime, ExtraArgumentIsIgnored) {
    // As the original platform does: a key that is not an argument changes nothing.
    Response response = host().post("/services/hello/hello", {{"name", "Bob"}, {"extra", 1}});
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.json(), "Hello Bob");
}

TEST_F(CoreRuntime, ArgumentsReachThePluginAsSent) {
    json arguments = {{"text", "two"}, {"values", {1, 2.5}}, {"point", {{"x", 1}, {"y", -2.5}}}};
    Response response = host().post("/services/misbehaving/echo_args", arguments);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.json(), arguments);

    // A nested value of the wrong type is located precisely.
    Response nested =
        host().post("/services/misbehaving/echo_args", {{"point", {{"x", "1"}, {"y", 2}}}});
    ASSERT_EQ(nested.status, 422) << nested.body;
    EXPECT_EQ(nested.json()["detail"][0]["loc"], json({"body", "point", "x"}));
    // An integer is accepted where a number is declared, not the other way round.
    EXPECT_EQ(host().post("/services/misbehaving/echo_args", {{"values", {1, 2}}}).status, 200);
    EXPECT_EQ(host().post("/services/misbehaving/echo_args", {{"count", 1.5}}).status, 422);
}

TEST_F(CoreRuntime, UnknownServiceAndEntrypointAre404) {
    Response service = host().post("/services/nope/hello", {{"name", "Bob"}});
    EXPECT_EQ(service.status, 404);
    EXPECT_TRUE(detailOf(service).is_string());
    Response version = host().post("/services/hello_9.9.9/hello", {{"name", "Bob"}});
    EXPECT_EQ(version.status, 404);
    Response entrypoint = host().post("/services/hello/goodbye", {{"name", "Bob"}});
    EXPECT_EQ(entrypoint.status, 404);
    EXPECT_NE(detailOf(entrypoint).get<std::string>().find("goodbye"), std::string::npos);
    Response route = host().get("/nowhere");
    EXPECT_EQ(route.status, 404);
}

TEST_F(CoreRuntime, WrongMethodIs405) {
    Response response = host().get("/services/hello/hello?name=Bob");
    EXPECT_EQ(response.status, 405) << response.body;
    EXPECT_EQ(response.header("Allow"), "POST");
    EXPECT_TRUE(detailOf(response).is_string());
}

TEST_F(CoreRuntime, BodyOverTheLimitIs413) {
    std::string big = json({{"name", std::string(8192, 'x')}}).dump();
    Response response = request(host().port(), "POST", "/services/hello/hello", big);
    EXPECT_EQ(response.status, 413);
    EXPECT_TRUE(detailOf(response).is_string());
    // The host goes on serving.
    EXPECT_EQ(host().post("/services/hello/hello", {{"name", "Bob"}}).status, 200);
}

TEST_F(CoreRuntime, ServiceFailuresAreJsonErrorsNeverCrashes) {
    Response wrongType = host().post("/services/misbehaving/wrong_type", json::object());
    EXPECT_EQ(wrongType.status, 500);
    EXPECT_NE(detailOf(wrongType).get<std::string>().find("declared result type"),
              std::string::npos);

    Response noAnswer = host().post("/services/misbehaving/no_answer", json::object());
    EXPECT_EQ(noAnswer.status, 500);
    EXPECT_TRUE(detailOf(noAnswer).is_string());

    Response fails = host().post("/services/misbehaving/fails", json::object());
    EXPECT_EQ(fails.status, 500);

    Response badJson = host().post("/services/misbehaving/bad_json", json::object());
    EXPECT_EQ(badJson.status, 500);
    EXPECT_NE(detailOf(badJson).get<std::string>().find("not valid JSON"), std::string::npos);

    Response teapot = host().post("/services/misbehaving/custom_status", json::object());
    EXPECT_EQ(teapot.status, 418);
    EXPECT_EQ(detailOf(teapot), "I'm a teapot");

    Response alive = host().post("/services/misbehaving/version", json::object());
    EXPECT_EQ(alive.status, 200);
    EXPECT_EQ(alive.json(), "misbehaving-1");
}

TEST_F(CoreRuntime, ParametersRoutes) {
    Response all = host().get("/services/counter/~parameters");
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(all.json(), json({{"label", "counter"}, {"secret", 42}}));

    EXPECT_EQ(host().get("/services/counter/~parameters/secret").json(), 42);
    EXPECT_EQ(host().get("/services/counter/~parameters/missing").status, 404);

    Response hidden = host().post("/services/counter/~parameters/secret", {{"value", 7}});
    EXPECT_EQ(hidden.status, 405);
    EXPECT_EQ(host().get("/services/counter/~parameters/secret").json(), 42);

    Response wrongType = host().post("/services/counter/~parameters/label", {{"value", 3}});
    EXPECT_EQ(wrongType.status, 422);
    EXPECT_EQ(detailOf(wrongType)[0]["loc"], json({"body", "value"}));
    Response missingValue = host().post("/services/counter/~parameters/label", {{"v", "x"}});
    EXPECT_EQ(missingValue.status, 422);
    EXPECT_EQ(host().get("/services/counter/~parameters/label").json(), "counter");

    Response set = host().post("/services/counter_1.0.0/~parameters/label", {{"value", "renamed"}});
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.json(), "OK");
    EXPECT_EQ(host().get("/services/counter/~parameters/label").json(), "renamed");
    EXPECT_EQ(host().post("/services/counter/~parameters/nope", {{"value", 1}}).status, 404);
}

TEST_F(CoreRuntime, ServiceListShowsEveryVersion) {
    Response response = host().get("/services/");
    ASSERT_EQ(response.status, 200) << response.body;
    json list = response.json();
    ASSERT_TRUE(list.is_array());
    json hello;
    for (const json& entry : list) {
        if (entry["name"] == "hello") {
            hello = entry;
        }
    }
    ASSERT_FALSE(hello.is_null()) << list.dump(2);
    EXPECT_EQ(hello["version"], "1.0.0");
    EXPECT_EQ(hello["main"], true);
    EXPECT_EQ(hello["status"], "ready");
    EXPECT_TRUE(hello["loaded_since"].is_string());
    EXPECT_EQ(hello["artifact"]["sha256"].get<std::string>().size(), 64u);
    EXPECT_NE(hello["image"].get<std::string>().find("hello_1.0.0.so"), std::string::npos);
    EXPECT_TRUE(hello["error"].is_null());
}

TEST_F(CoreRuntime, VersionAndHealth) {
    EXPECT_EQ(host().get("/~health").json()["status"], "alive");
    EXPECT_EQ(host().get("/~version").json()["abi"],
              std::to_string(MVI_ABI_VERSION_MAJOR) + "." + std::to_string(MVI_ABI_VERSION_MINOR));
}

// The seed tutorial's hello service, end to end, on a host of its own.
TEST(SeedTutorial, HelloBehavesLikeTheOriginal) {
    std::string work = makeTemporaryDirectory();
    fs::create_directories(fs::path(work) / "plugins");
    installPlugin(builtPlugin("hello"), (fs::path(work) / "plugins").string(), "hello_1.0.0.so");
    HostProcess host({}, work);

    EXPECT_EQ(host.post("/services/hello/hello", {{"name", "Bob"}}).json(), "Hello Bob");

    Response set = host.post("/services/hello/~parameters/greeting_phrase", {{"value", "Howdy"}});
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(host.post("/services/hello/hello", {{"name", "Bob"}}).json(), "Howdy Bob");

    EXPECT_EQ(host.post("/services/hello/hello", {{"name", "World"}}).json(), "Greeting failed");
    EXPECT_EQ(host.post("/services/hello/hello", {{"name", "World"}}).json(), "Greeting failed");
    json notifications = host.get("/notifications/").json();
    ASSERT_EQ(notifications.size(), 1u) << notifications.dump(2);
    json stack = notifications.begin().value();
    EXPECT_EQ(stack["service_name"], "hello");
    EXPECT_EQ(stack["service_version"], "1.0.0");
    EXPECT_EQ(stack["severity"], 1);
    EXPECT_EQ(stack["severity_name"], "WARNING");
    EXPECT_EQ(stack["msg"], "Someone is trying to greet the World, too time consuming. Skipping!");
    EXPECT_EQ(stack["counter"], 2);

    Response logs = get(host.port(), "/services/~logs?name=hello&tail=50");
    ASSERT_EQ(logs.status, 200) << logs.body;
    EXPECT_NE(logs.body.find("INFO Greeting someone with the name: Bob"), std::string::npos)
        << logs.body;
    EXPECT_EQ(logs.header("Content-Type").rfind("text/plain", 0), 0u);
}

TEST(SeedTutorial, HelloServiceIsUnderThirtyLines) {
    std::ifstream source(std::string(MVI_SOURCE_DIR) + "/plugins/hello/hello.cpp");
    ASSERT_TRUE(source.good());
    int lines = 0;
    for (std::string line; std::getline(source, line);) {
        ++lines;
    }
    EXPECT_LT(lines, 30);
}

// Every load-failure mode: the host keeps serving and says why in GET /services/.
TEST(LoadFailures, EachIsReportedAndTheOthersKeepServing) {
    std::string work = makeTemporaryDirectory();
    std::string plugins = (fs::path(work) / "plugins").string();
    fs::create_directories(plugins);
    installPlugin(builtPlugin("hello"), plugins, "hello_1.0.0.so");
    struct Case {
        const char* target;
        const char* name;
        std::string expected;
    };
    // The fixtures report the header's version with one part bumped.
    const std::string major = std::to_string(MVI_ABI_VERSION_MAJOR);
    const std::string minor = std::to_string(MVI_ABI_VERSION_MINOR);
    const Case cases[] = {
        {"fixture_wrong_major", "wrongmajor",
         "incompatible plugin ABI " + std::to_string(MVI_ABI_VERSION_MAJOR + 1) + "." + minor},
        {"fixture_newer_minor", "newerminor",
         "incompatible plugin ABI " + major + "." + std::to_string(MVI_ABI_VERSION_MINOR + 1)},
        {"fixture_no_register", "noregister", "missing symbol mvi_plugin_register"},
        {"fixture_register_fails", "registerfails", "database unreachable"},
        {"fixture_duplicate_entrypoint", "duplicate", "declared twice"},
        {"fixture_bad_schema", "badschema", "strnig"},
    };
    for (const Case& c : cases) {
        installPlugin(builtPlugin(c.target), plugins, std::string(c.name) + "_1.0.0.so");
    }
    {
        std::ofstream notElf(fs::path(plugins) / "notelf_1.0.0.so");
        notElf << "this is not a shared library\n";
    }
    {
        std::ofstream ignored(fs::path(plugins) / "README.txt");
        ignored << "not a plugin name";
    }
    HostProcess host({}, work);

    json list = host.get("/services/").json();
    auto entry = [&](const std::string& name) {
        for (const json& item : list) {
            if (item["name"] == name) {
                return item;
            }
        }
        return json();
    };
    for (const Case& c : cases) {
        json item = entry(c.name);
        ASSERT_FALSE(item.is_null()) << c.name << " missing from " << list.dump(2);
        EXPECT_EQ(item["status"], "failed") << c.name;
        // The only version of its name is listed as its main, as the original platform listed
        // it (its CLI reads a name's logs from the main entry), though it serves nothing.
        EXPECT_EQ(item["main"], true) << c.name;
        EXPECT_NE(item["error"].get<std::string>().find(c.expected), std::string::npos)
            << c.name << ": " << item["error"];
        Response call =
            host.post("/services/" + std::string(c.name) + "_1.0.0/ping", json::object());
        EXPECT_EQ(call.status, 503) << c.name;
        EXPECT_EQ(host.post("/services/" + std::string(c.name) + "/ping", json::object()).status,
                  503)
            << c.name;
    }
    json notElf = entry("notelf");
    EXPECT_EQ(notElf["status"], "failed");
    EXPECT_NE(notElf["error"].get<std::string>().find("not an ELF"), std::string::npos);
    EXPECT_TRUE(entry("readme").is_null());

    // A failed load raises a notification, and the good service still answers.
    json notifications = host.get("/notifications/").json();
    bool found = false;
    for (const auto& item : notifications) {
        found = found || (item["service_name"] == "wrongmajor" && item["severity"] == 2);
    }
    EXPECT_TRUE(found) << notifications.dump(2);
    EXPECT_EQ(host.post("/services/hello/hello", {{"name", "Bob"}}).json(), "Hello Bob");
}

}  // namespace
}  // namespace mvi::test

namespace mvi::test {
namespace {

// The SDK's type system through the real host: what the schema derived from C++ types accepts
// and refuses, struct and map arguments, optional arguments, GET entrypoints and a service's own
// error status.
TEST(TypedService, CalculatorOverHttp) {
    std::string work = makeTemporaryDirectory();
    fs::create_directories(fs::path(work) / "plugins");
    installPlugin(builtPlugin("calculator"), (fs::path(work) / "plugins").string(),
                  "calculator_1.0.0.so");
    HostProcess host({}, work);

    EXPECT_EQ(host.post("/services/calculator/add", {{"a", 2}, {"b", 40}}).json(), 42);
    Response fraction = host.post("/services/calculator/add", {{"a", 2.5}, {"b", 1}});
    EXPECT_EQ(fraction.status, 422);
    EXPECT_EQ(fraction.json()["detail"][0]["loc"], json({"body", "a"}));

    EXPECT_EQ(host.post("/services/calculator/divide", {{"dividend", 1}, {"divisor", 4}}).json(),
              0.25);
    Response byZero = host.post("/services/calculator/divide", {{"dividend", 1}, {"divisor", 0}});
    EXPECT_EQ(byZero.status, 400);
    EXPECT_EQ(byZero.json()["detail"], "Division by zero");

    EXPECT_EQ(host.post("/services/calculator/sum", {{"values", {1, 2.5, 3}}}).json(), 6.5);
    Response badItem = host.post("/services/calculator/sum", {{"values", {1, "2"}}});
    EXPECT_EQ(badItem.status, 422);
    EXPECT_EQ(badItem.json()["detail"][0]["loc"], json({"body", "values", 1}));

    EXPECT_EQ(host.post("/services/calculator/round", {{"value", 2.567}}).json(), 3.0);
    EXPECT_EQ(host.post("/services/calculator/round", {{"value", 2.567}, {"digits", 2}}).json(),
              2.57);

    Response scaled =
        host.post("/services/calculator/scale", {{"point", {{"x", 1}, {"y", 2}}}, {"factor", 3}});
    ASSERT_EQ(scaled.status, 200) << scaled.body;
    EXPECT_EQ(scaled.json()["x"], 3.0);
    EXPECT_EQ(scaled.json()["y"], 6.0);
    Response missingField = host.post("/services/calculator/scale", {{"point", {{"x", 1}}}});
    EXPECT_EQ(missingField.status, 422);
    EXPECT_EQ(missingField.json()["detail"][0]["loc"], json({"body", "point", "y"}));

    EXPECT_EQ(host.post("/services/calculator/total", {{"amounts", {{"a", 1}, {"b", 2}}}}).json(),
              3.0);

    Response constants = host.get("/services/calculator/constants");
    ASSERT_EQ(constants.status, 200) << constants.body;
    EXPECT_NEAR(constants.json()["pi"].get<double>(), 3.14159, 1e-4);
    EXPECT_EQ(host.get("/services/calculator/power?base=2&exponent=10").json(), 1024.0);
    Response badQuery = host.get("/services/calculator/power?base=2&exponent=ten");
    EXPECT_EQ(badQuery.status, 422);
    EXPECT_EQ(badQuery.json()["detail"][0]["loc"], json({"body", "exponent"}));
    EXPECT_EQ(host.post("/services/calculator/power", {{"base", 2}, {"exponent", 1}}).status, 405);

    EXPECT_EQ(host.get("/services/calculator/~parameters/max_values").json(), 1000);
    EXPECT_EQ(host.post("/services/calculator/~parameters/max_values", {{"value", -1}}).status,
              422);
}

}  // namespace
}  // namespace mvi::test
