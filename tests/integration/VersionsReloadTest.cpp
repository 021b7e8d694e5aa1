// Several versions side by side, main and shadows, live deployment through the plugins folder,
// real unloading, and state that survives a restart. A real host process, real files, real HTTP.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string buildOf(const HostProcess& host, const std::string& svc) {
    Response response = host.post("/services/" + svc + "/version", json::object());
    return response.status == 200 ? response.json().get<std::string>()
                                  : "status " + std::to_string(response.status);
}

bool servesBuild(const HostProcess& host, const std::string& svc, const std::string& build) {
    return buildOf(host, svc) == build;
}

Response assign(const HostProcess& host, const json& body) {
    return request(host.port(), "PUT", "/services/~assign", body.dump());
}

std::string plugin(const HostProcess& host, const std::string& file) {
    return (fs::path(host.pluginsDir()) / file).string();
}

TEST(Versions, DroppedVersionIsAShadowThatGetsMirroredTraffic) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    ASSERT_EQ(buildOf(*host, "counter"), "v1");

    installPlugin(builtPlugin("fixture_counter_v2"), host->pluginsDir(), "counter_2.0.0.so");
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter_2.0.0", "v2"); }));
    EXPECT_EQ(buildOf(*host, "counter"), "v1");
    EXPECT_EQ(serviceEntry(*host, "counter", "1.0.0")["main"], true);
    EXPECT_EQ(serviceEntry(*host, "counter", "2.0.0")["main"], false);

    for (int i = 0; i < 5; ++i) {
        Response hit = host->post("/services/counter/hit", json::object());
        ASSERT_EQ(hit.status, 200);
        EXPECT_EQ(hit.json()["build"], "v1");
    }
    // Every by-name call reached the shadow too: its own counter moved with them.
    ASSERT_TRUE(waitFor([&] {
        return serviceEntry(*host, "counter", "2.0.0")["stats"]["mirrored"].get<int>() >= 5;
    }));
    Response shadowHit = host->post("/services/counter_2.0.0/hit", json::object());
    EXPECT_EQ(shadowHit.json(), json({{"build", "v2"}, {"count", 6}}));

    // Parameters set by name reach main and shadow.
    ASSERT_EQ(host->post("/services/counter/~parameters/label", {{"value", "both"}}).status, 200);
    EXPECT_EQ(host->get("/services/counter_1.0.0/~parameters/label").json(), "both");
    EXPECT_EQ(host->get("/services/counter_2.0.0/~parameters/label").json(), "both");

    Response assigned = assign(*host, {{"name", "counter"}, {"version", "2.0.0"}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_EQ(buildOf(*host, "counter"), "v2");
    EXPECT_EQ(serviceEntry(*host, "counter", "1.0.0")["main"], false);
    EXPECT_EQ(serviceEntry(*host, "counter", "2.0.0")["main"], true);
}

TEST(Versions, AssignErrors) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    EXPECT_EQ(assign(*host, {{"name", "counter"}, {"version", "9.0.0"}}).status, 404);
    EXPECT_EQ(assign(*host, {{"name", "nobody"}, {"version", "1.0.0"}}).status, 404);
    Response missing = assign(*host, {{"name", "counter"}});
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.json()["detail"][0]["loc"], json({"body", "version"}));
    EXPECT_EQ(request(host->port(), "POST", "/services/~assign", "{}").status, 405);
    EXPECT_EQ(buildOf(*host, "counter"), "v1");
}

TEST(Reload, SlowCopyIsLoadedOnlyWhenComplete) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    slowCopy(builtPlugin("fixture_counter_v2"), plugin(*host, "counter_2.0.0.so"),
             std::chrono::milliseconds(150));
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter_2.0.0", "v2"); }));
    json entry = serviceEntry(*host, "counter", "2.0.0");
    EXPECT_EQ(entry["status"], "ready");
    EXPECT_EQ(entry["artifact"]["bytes"].get<std::uintmax_t>(),
              fs::file_size(builtPlugin("fixture_counter_v2")));
    // No attempt on half a file ever failed.
    EXPECT_EQ(host->get("/notifications/").json().size(), 0u) << host->get("/notifications/").body;
}

TEST(Reload, ReplacingAFileSwapsBuildsAndUnmapsTheOldOne) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    std::string cacheDir = (fs::path(host->dataDir()) / "cache").string();
    std::string oldCache = serviceEntry(*host, "counter", "1.0.0")["artifact"]["cache_path"];
    ASSERT_EQ(mappedFilesUnder(host->servingPid(), cacheDir), std::vector<std::string>{oldCache});

    // A request already inside the old build while the new one lands.
    std::thread slowCall([&] {
        Response slow = host->post("/services/counter/slow", json::object());
        EXPECT_EQ(slow.status, 200);
        EXPECT_EQ(slow.json(), "v1");
    });
    ASSERT_TRUE(waitFor([&] {
        return get(host->port(), "/services/~logs?name=counter").body.find("slow call started") !=
               std::string::npos;
    }));
    // A plain copy over the file, as a careless person would do it.
    fs::copy_file(builtPlugin("fixture_counter_v2"), plugin(*host, "counter_1.0.0.so"),
                  fs::copy_options::overwrite_existing);
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter", "v2"); }));
    slowCall.join();

    std::string newCache = serviceEntry(*host, "counter", "1.0.0")["artifact"]["cache_path"];
    EXPECT_NE(newCache, oldCache);
    ASSERT_TRUE(waitFor([&] {
        return mappedFilesUnder(host->servingPid(), cacheDir) == std::vector<std::string>{newCache};
    })) << "still mapped: "
        << mappedFilesUnder(host->servingPid(), cacheDir).size();
    ASSERT_TRUE(waitFor([&] {
        return get(host->port(), "/services/~logs?name=counter").body.find("library unmapped") !=
               std::string::npos;
    }));
}

TEST(Reload, DeletingFilesDrainsAndUnloads) {
    auto host = startHost(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    std::string cacheDir = (fs::path(host->dataDir()) / "cache").string();
    ASSERT_EQ(mappedFilesUnder(host->servingPid(), cacheDir).size(), 2u);

    // The shadow goes away.
    fs::remove(plugin(*host, "counter_2.0.0.so"));
    ASSERT_TRUE(waitFor([&] { return serviceEntry(*host, "counter", "2.0.0").is_null(); }));
    EXPECT_EQ(host->post("/services/counter_2.0.0/version", json::object()).status, 404);
    ASSERT_TRUE(
        waitFor([&] { return mappedFilesUnder(host->servingPid(), cacheDir).size() == 1; }));
    EXPECT_EQ(buildOf(*host, "counter"), "v1");

    // Deleting the main while a shadow exists leaves the name without a main.
    installPlugin(builtPlugin("fixture_counter_v3"), host->pluginsDir(), "counter_3.0.0.so");
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter_3.0.0", "v3"); }));
    fs::remove(plugin(*host, "counter_1.0.0.so"));
    ASSERT_TRUE(waitFor([&] { return serviceEntry(*host, "counter", "1.0.0").is_null(); }));
    Response noMain = host->post("/services/counter/version", json::object());
    EXPECT_EQ(noMain.status, 503);
    EXPECT_NE(noMain.json()["detail"].get<std::string>().find("no main version"),
              std::string::npos);
    ASSERT_EQ(assign(*host, {{"name", "counter"}, {"version", "3.0.0"}}).status, 200);
    EXPECT_EQ(buildOf(*host, "counter"), "v3");
}

TEST(Reload, PromoteNewestMakesHigherVersionsMain) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}},
                          {"--define", "reload.promote=newest"});
    installPlugin(builtPlugin("fixture_counter_v2"), host->pluginsDir(), "counter_2.0.0.so");
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter", "v2"); }));
    // A lower version arriving later stays a shadow.
    installPlugin(builtPlugin("fixture_counter_v3"), host->pluginsDir(), "counter_1.5.0.so");
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter_1.5.0", "v3"); }));
    EXPECT_EQ(buildOf(*host, "counter"), "v2");
    // Deleting the main promotes the highest remaining version.
    fs::remove(plugin(*host, "counter_2.0.0.so"));
    ASSERT_TRUE(waitFor([&] { return servesBuild(*host, "counter", "v3"); }));
}

TEST(Reload, BrokenFilesLeaveServingVersionsUntouched) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    {
        std::ofstream garbage(plugin(*host, "counter_1.0.0.so"), std::ios::trunc);
        garbage << "definitely not ELF";
    }
    ASSERT_TRUE(waitFor(
        [&] { return !serviceEntry(*host, "counter", "1.0.0")["reload_error"].is_null(); }));
    json entry = serviceEntry(*host, "counter", "1.0.0");
    EXPECT_EQ(entry["status"], "ready");
    EXPECT_NE(entry["reload_error"].get<std::string>().find("not an ELF"), std::string::npos);
    EXPECT_EQ(buildOf(*host, "counter"), "v1");

    installPlugin(builtPlugin("fixture_wrong_major"), host->pluginsDir(), "counter_2.0.0.so");
    ASSERT_TRUE(waitFor([&] { return !serviceEntry(*host, "counter", "2.0.0").is_null(); }));
    entry = serviceEntry(*host, "counter", "2.0.0");
    EXPECT_EQ(entry["status"], "failed");
    EXPECT_NE(entry["error"].get<std::string>().find("incompatible plugin ABI"), std::string::npos);
    EXPECT_EQ(assign(*host, {{"name", "counter"}, {"version", "2.0.0"}}).status, 409);
    EXPECT_EQ(buildOf(*host, "counter"), "v1");
}

TEST(Reload, TemporaryAndHiddenFilesAreIgnoredAndBurstsAllLoad) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    std::string built = builtPlugin("fixture_counter_v2");
    for (const char* name : {".counter_3.0.0.so", "counter_3.0.0.so.swp", "counter_3.0.0.so~",
                             "4913", "counter_3.0.0.so.part", "Counter_3.0.0.so"}) {
        fs::copy_file(built, plugin(*host, name));
    }
    const int burst = 20;
    for (int i = 0; i < burst; ++i) {
        installPlugin(built, host->pluginsDir(), "counter_4.0." + std::to_string(i) + ".so");
    }
    ASSERT_TRUE(waitFor([&] {
        json list = host->get("/services/").json();
        int ready = 0;
        for (const auto& entry : list) {
            ready += entry["status"] == "ready" ? 1 : 0;
        }
        return ready == burst + 1;
    })) << host->get("/services/").body;
    EXPECT_TRUE(serviceEntry(*host, "counter", "3.0.0").is_null());
    EXPECT_EQ(host->get("/services/").json().size(), static_cast<std::size_t>(burst + 1));
}

TEST(Restart, VersionsMainsAndParametersSurviveKillNine) {
    auto host = startHost(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    ASSERT_EQ(buildOf(*host, "counter"), "v1");
    ASSERT_EQ(assign(*host, {{"name", "counter"}, {"version", "2.0.0"}}).status, 200);
    ASSERT_EQ(host->post("/services/counter_2.0.0/~parameters/label", {{"value", "kept"}}).status,
              200);
    std::string work = host->workDirectory();
    host->stop(/*kill=*/true);
    host->keepWorkDirectory();
    host.reset();

    HostProcess again({}, work);
    EXPECT_EQ(buildOf(again, "counter"), "v2");
    EXPECT_EQ(serviceEntry(again, "counter", "2.0.0")["main"], true);
    EXPECT_EQ(again.get("/services/counter_2.0.0/~parameters/label").json(), "kept");
    EXPECT_EQ(again.get("/services/counter_1.0.0/~parameters/label").json(), "counter");
}

}  // namespace
}  // namespace mvi::test

namespace mvi::test {
namespace {

TEST(Reload, AVersionThatCannotBeUnmappedIsReportedNotHidden) {
    auto host = startHost({{"fixture_pinned", "pinned_1.0.0.so"}});
    ASSERT_EQ(buildOf(*host, "pinned"), "pinned");
    fs::remove(plugin(*host, "pinned_1.0.0.so"));
    ASSERT_TRUE(waitFor([&] {
        json notifications = host->get("/notifications/").json();
        for (const auto& item : notifications) {
            if (item["service_name"] == "pinned" && item["severity"] == 2 &&
                item["msg"].get<std::string>().find("could not be unmapped") != std::string::npos) {
                return true;
            }
        }
        return false;
    })) << host->get("/notifications/").body;
}

}  // namespace
}  // namespace mvi::test
