// Each version's environment (ABI 1.4) against a real host over real HTTP: given in an upload's
// run_args field as the original platform's CLI sends it, read by the service (at registration
// and in an entrypoint, in the probe process too), shown by GET /services/ and the inspection,
// kept across a restart, and gone with a killed version. The service is the environment fixture
// (tests/fixtures/plugins/environment.cpp).

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Uploads the environment fixture as (name, version) with the extra form `fields`, as the
/// original platform's CLI does (a `port` field included, which the host ignores).
Response upload(const HostProcess& host, const std::string& name, const std::string& version,
                const FormFields& fields) {
    FormFields all = {{"name", name}, {"version", version}, {"port", "8000"}};
    all.insert(all.end(), fields.begin(), fields.end());
    return postTar(host.port(), all,
                   FilePart{readFile(builtPlugin("fixture_environment")), "environment.so"});
}

/// Uploads with `run_args` holding `environment`.
Response deployWith(const HostProcess& host, const std::string& name, const std::string& version,
                    const json& environment) {
    return upload(host, name, version, {{"run_args", json{{"environment", environment}}.dump()}});
}

/// What the version's `env` entrypoint answers for variable `variable`.
json envOf(const HostProcess& host, const std::string& svc, const std::string& variable) {
    Response response = host.post("/services/" + svc + "/env", {{"name", variable}});
    EXPECT_EQ(response.status, 200) << response.body;
    return response.status == 200 ? response.json()
                                  : json("status " + std::to_string(response.status));
}

/// What GREETING was while the version registered.
json greetingAtRegistration(const HostProcess& host, const std::string& svc) {
    Response response = host.post("/services/" + svc + "/at_registration", json::object());
    EXPECT_EQ(response.status, 200) << response.body;
    return response.status == 200 ? response.json()
                                  : json("status " + std::to_string(response.status));
}

/// `Config.Env` of the version's inspection.
json inspectedEnv(const HostProcess& host, const std::string& name, const std::string& version) {
    Response response = host.get("/services/~inspection?name=" + name + "&version=" + version);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.status == 200 ? response.json()["Config"]["Env"] : json();
}

Response kill(const HostProcess& host, const std::string& name, const std::string& version) {
    return request(host.port(), "DELETE", "/services/",
                   json{{"name", name}, {"version", version}}.dump());
}

TEST(Environment, AnUploadsEnvironmentReachesTheServiceAndSurvivesARestartUntilKilled) {
    auto host = startHost({});
    Response first =
        deployWith(*host, "configured", "1.0.0", {{"GREETING", "Hej"}, {"MODEL", "small"}});
    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(first.json()["environment"], json({{"GREETING", "Hej"}, {"MODEL", "small"}}));
    // The service reads it in an entrypoint and read it while it registered.
    EXPECT_EQ(envOf(*host, "configured", "MODEL"), "small");
    EXPECT_EQ(envOf(*host, "configured", "PATH"), nullptr);
    EXPECT_EQ(greetingAtRegistration(*host, "configured"), "Hej");
    EXPECT_EQ(inspectedEnv(*host, "configured", "1.0.0"), json({"GREETING=Hej", "MODEL=small"}));
    EXPECT_EQ(serviceEntry(*host, "configured", "1.0.0")["environment"],
              json({{"GREETING", "Hej"}, {"MODEL", "small"}}));

    // A second version of the name has its own environment, not the first one's.
    Response second = deployWith(*host, "configured", "2.0.0", {{"GREETING", "Hallo"}});
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(greetingAtRegistration(*host, "configured_2.0.0"), "Hallo");
    EXPECT_EQ(envOf(*host, "configured_2.0.0", "MODEL"), nullptr);
    EXPECT_EQ(greetingAtRegistration(*host, "configured_1.0.0"), "Hej");
    EXPECT_EQ(inspectedEnv(*host, "configured", "2.0.0"), json({"GREETING=Hallo"}));

    // A restart brings back both, each with its own.
    host->keepWorkDirectory();
    const std::string work = host->workDirectory();
    host->stop();
    host.reset();
    HostProcess restarted({}, work);
    ASSERT_TRUE(waitFor([&] { return !serviceEntry(restarted, "configured", "2.0.0").is_null(); }));
    EXPECT_EQ(envOf(restarted, "configured", "MODEL"), "small");
    EXPECT_EQ(greetingAtRegistration(restarted, "configured"), "Hej");
    EXPECT_EQ(greetingAtRegistration(restarted, "configured_2.0.0"), "Hallo");
    EXPECT_EQ(inspectedEnv(restarted, "configured", "1.0.0"),
              json({"GREETING=Hej", "MODEL=small"}));

    // Killed and deployed again without one: it is gone.
    Response killed = kill(restarted, "configured", "2.0.0");
    ASSERT_EQ(killed.status, 200) << killed.body;
    Response again = upload(restarted, "configured", "2.0.0", {});
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.json()["environment"], json::object());
    EXPECT_EQ(greetingAtRegistration(restarted, "configured_2.0.0"), "unset");
    EXPECT_EQ(envOf(restarted, "configured_2.0.0", "GREETING"), nullptr);
    EXPECT_EQ(inspectedEnv(restarted, "configured", "2.0.0"), json::array());
    // The other version keeps its own.
    EXPECT_EQ(greetingAtRegistration(restarted, "configured_1.0.0"), "Hej");
    restarted.stop();
    fs::remove_all(work);
}

TEST(Environment, UploadsWithoutAnEnvironmentWorkAsBefore) {
    auto host = startHost({{"fixture_environment", "dropped_1.0.0.so"}});
    // A file dropped into the plugins folder has none.
    ASSERT_TRUE(
        waitFor([&] { return serviceEntry(*host, "dropped", "1.0.0")["status"] == "ready"; }));
    EXPECT_EQ(serviceEntry(*host, "dropped", "1.0.0")["environment"], json::object());
    EXPECT_EQ(greetingAtRegistration(*host, "dropped"), "unset");
    EXPECT_EQ(inspectedEnv(*host, "dropped", "1.0.0"), json::array());

    // An older CLI sends no run_args; the newer one sends an empty environment without -e.
    Response without = upload(*host, "plain", "1.0.0", {});
    ASSERT_EQ(without.status, 201) << without.body;
    EXPECT_EQ(without.json()["environment"], json::object());
    Response empty =
        upload(*host, "plain", "2.0.0",
               {{"run_args", R"({"environment": {}})"}, {"s2i_build_image", "ignored"}});
    ASSERT_EQ(empty.status, 201) << empty.body;
    EXPECT_EQ(greetingAtRegistration(*host, "plain_2.0.0"), "unset");
}

TEST(Environment, BadRunArgsAreRefusedWith422AndChangeNothing) {
    auto host = startHost({});
    const std::set<std::string> files = listing(host->pluginsDir());
    struct Case {
        std::string runArgs;
        json loc;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"not json", {"body", "run_args"}, "not valid JSON"},
        {"[1, 2]", {"body", "run_args"}, "must be a JSON object"},
        {R"({"environment": {}, "privileged": true})",
         {"body", "run_args", "privileged"},
         "only 'environment'"},
        {R"({"network": "host"})", {"body", "run_args", "network"}, "not in containers"},
        {R"({"environment": "GREETING=Hej"})",
         {"body", "run_args", "environment"},
         "object of string values"},
        {R"({"environment": {"PORT": 8000}})",
         {"body", "run_args", "environment", "PORT"},
         "must be a string"},
        {R"({"environment": {"A=B": "x"}})", {"body", "run_args", "environment", "A=B"}, "'='"},
        {R"({"environment": {"": "x"}})", {"body", "run_args", "environment", ""}, "empty"},
        {R"({"environment": {"NUL": "a\u0000b"}})",
         {"body", "run_args", "environment", "NUL"},
         "NUL"},
    };
    for (const Case& bad : cases) {
        Response answer = upload(*host, "configured", "1.0.0", {{"run_args", bad.runArgs}});
        ASSERT_EQ(answer.status, 422) << bad.runArgs << ": " << answer.body;
        const json detail = answer.json()["detail"];
        ASSERT_TRUE(detail.is_array() && !detail.empty()) << answer.body;
        EXPECT_EQ(detail[0]["loc"], bad.loc) << bad.runArgs;
        EXPECT_NE(detail[0]["msg"].get<std::string>().find(bad.says), std::string::npos)
            << bad.runArgs << ": " << answer.body;
    }
    Response twice = upload(*host, "configured", "1.0.0",
                            {{"run_args", R"({"environment": {}})"}, {"run_args", "{}"}});
    ASSERT_EQ(twice.status, 422) << twice.body;
    EXPECT_EQ(twice.json()["detail"][0]["loc"], json({"body", "run_args"}));

    EXPECT_TRUE(serviceEntry(*host, "configured", "1.0.0").is_null());
    EXPECT_EQ(listing(host->pluginsDir()), files);
    // The same upload with a good environment goes through.
    ASSERT_EQ(deployWith(*host, "configured", "1.0.0", {{"GREETING", "Hej"}}).status, 201);
}

TEST(Environment, TheProbeRunsTheRegistrationInTheVersionsEnvironment) {
    auto host = startHost({});
    // Probed and passed without an environment.
    ASSERT_EQ(upload(*host, "probed", "1.0.0", {}).status, 201);
    // The same build whose registration aborts in this environment: the probe process sees it
    // and refuses the build; the serving process never runs it.
    const pid_t serving = host->servingPid();
    Response crashing = deployWith(*host, "probed", "2.0.0", {{"CRASH_AT_REGISTRATION", "1"}});
    ASSERT_EQ(crashing.status, 422) << crashing.body;
    EXPECT_NE(crashing.body.find("probe"), std::string::npos) << crashing.body;
    EXPECT_TRUE(serviceEntry(*host, "probed", "2.0.0").is_null());
    EXPECT_FALSE(fs::exists(fs::path(host->pluginsDir()) / "probed_2.0.0.so"));
    EXPECT_EQ(host->servingPid(), serving);
    // In another environment it loads.
    Response fine = deployWith(*host, "probed", "3.0.0", {{"CRASH_AT_REGISTRATION", "0"}});
    ASSERT_EQ(fine.status, 201) << fine.body;
    EXPECT_EQ(envOf(*host, "probed_3.0.0", "CRASH_AT_REGISTRATION"), "0");
    EXPECT_EQ(host->servingPid(), serving);
}

}  // namespace
}  // namespace mvi::test
