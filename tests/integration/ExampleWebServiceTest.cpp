// The readings example (plugins/readings) as a user meets it, against a real host over real HTTP.
// Deployed by hand with tools/setup/deploy-examples.sh, as tools/setup/start.sh does it (the .so
// and the example's assets/ folder from the build's examples.txt), and as a .tar.gz holding
// assets/ through POST /services/~tar: its page and the chart's script and style, its JSON and
// CSV data, CSV uploads good and malformed, unknown paths and wrong methods.

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "TestPaths.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kAssets = std::string(MVI_SOURCE_DIR) + "/plugins/readings/assets";
const std::string kManifest = std::string(MVI_PLUGINS_BUILD_DIR) + "/examples.txt";

/// The outcome of running the deploy script: its exit code and what it printed.
struct ScriptRun {
    int exitCode = -1;
    std::string output;
};

/// Runs tools/setup/deploy-examples.sh with `arguments`.
ScriptRun deployExamples(const std::vector<std::string>& arguments) {
    Poco::Pipe out;
    Poco::ProcessHandle handle =
        Poco::Process::launch(std::string(MVI_SOURCE_DIR) + "/tools/setup/deploy-examples.sh",
                              arguments, nullptr, &out, &out);
    Poco::PipeInputStream stream(out);
    ScriptRun run;
    Poco::StreamCopier::copyToString(stream, run.output);
    run.exitCode = handle.wait();
    return run;
}

/// The line of the build's examples.txt that deploys `name`, split at spaces.
std::vector<std::string> manifestLine(const std::string& name) {
    std::ifstream manifest(kManifest);
    std::string line;
    while (std::getline(manifest, line)) {
        std::istringstream fields(line);
        std::vector<std::string> split;
        for (std::string field; fields >> field;) {
            split.push_back(field);
        }
        if (split.size() >= 2 && split[1].rfind(name + "_", 0) == 0) {
            return split;
        }
    }
    return {};
}

/// The methods an Allow header names.
std::set<std::string> allowed(const Response& answer) {
    std::set<std::string> methods;
    std::istringstream list(answer.header("Allow"));
    for (std::string method; std::getline(list, method, ',');) {
        method.erase(0, method.find_first_not_of(' '));
        methods.insert(method);
    }
    return methods;
}

class ExampleWebService : public ::testing::Test {
  protected:
    void SetUp() override { scratch_ = makeTemporaryDirectory(); }
    void TearDown() override { fs::remove_all(scratch_); }

    /// A host with the readings example deployed by the deploy script, ready to serve.
    std::unique_ptr<HostProcess> hostWithExample() {
        auto host = startHost({});
        ScriptRun run = deployExamples({kManifest, host->pluginsDir(), "readings"});
        EXPECT_EQ(run.exitCode, 0) << run.output;
        waitUntilReady(*host, "1.0.0");
        return host;
    }

    static void waitUntilReady(const HostProcess& host, const std::string& version) {
        ASSERT_TRUE(waitFor([&] {
            json entry = serviceEntry(host, "readings", version);
            return entry.is_object() && entry["status"] == "ready";
        })) << host.get("/services/").body;
    }

    static Response send(const HostProcess& host, const std::string& method,
                         const std::string& path, const std::string& body = "",
                         const std::string& type = "") {
        return request(host.port(), method, path, body, type);
    }

    static json data(const HostProcess& host, const std::string& svc = "readings") {
        Response answer = host.get("/services/" + svc + "/data.json");
        EXPECT_EQ(answer.status, 200) << answer.body;
        EXPECT_EQ(answer.header("Content-Type"), "application/json");
        return answer.json();
    }

    std::string scratch_;
};

TEST_F(ExampleWebService, TheBuildListsTheExampleWithItsAssetsFolder) {
    std::vector<std::string> line = manifestLine("readings");
    ASSERT_EQ(line.size(), 3u) << "no readings line with an assets folder in " << kManifest;
    EXPECT_EQ(line[0], builtPlugin("readings"));
    EXPECT_EQ(line[1], "readings_1.0.0.so");
    EXPECT_EQ(fs::canonical(line[2]), fs::canonical(kAssets));
    // An example without static files has two fields.
    EXPECT_EQ(manifestLine("hello").size(), 2u);
}

TEST_F(ExampleWebService, TheDeployScriptPlacesTheSoAndItsAssetsAndLeavesNothingHidden) {
    auto host = hostWithExample();
    fs::path plugins = host->pluginsDir();
    EXPECT_EQ(listing(plugins.string()),
              (std::set<std::string>{"readings_1.0.0.so", "readings_1.0.0"}));
    EXPECT_EQ(listing((plugins / "readings_1.0.0").string()), std::set<std::string>{"assets"});
    EXPECT_EQ(readFile((plugins / "readings_1.0.0/assets/chart.js").string()),
              readFile(kAssets + "/chart.js"));
    json entry = serviceEntry(*host, "readings", "1.0.0");
    EXPECT_EQ(entry["static"], true);
    EXPECT_EQ(entry["routes"].size(), 6u) << entry["routes"].dump();

    // Run again unchanged: nothing is replaced, the loaded build stays.
    ScriptRun again = deployExamples({kManifest, plugins.string(), "readings"});
    EXPECT_EQ(again.exitCode, 0) << again.output;
    EXPECT_EQ(serviceEntry(*host, "readings", "1.0.0")["loaded_since"], entry["loaded_since"]);

    // Changed assets replace the folder whole (through a hidden copy renamed into place), and
    // the host serves the new files at once.
    fs::path changed = fs::path(scratch_) / "assets";
    fs::copy(kAssets, changed, fs::copy_options::recursive);
    writeFile((changed / "chart.js").string(), "// a newer chart\n");
    fs::path manifest = fs::path(scratch_) / "examples.txt";
    writeFile(manifest.string(),
              builtPlugin("readings") + " readings_1.0.0.so " + changed.string() + "\n");
    ScriptRun replaced = deployExamples({manifest.string(), plugins.string()});
    EXPECT_EQ(replaced.exitCode, 0) << replaced.output;
    EXPECT_EQ(listing((plugins / "readings_1.0.0").string()), std::set<std::string>{"assets"});
    EXPECT_EQ(host->get("/services/readings/static/chart.js").body, "// a newer chart\n");
    EXPECT_EQ(host->get("/services/readings/static/chart.css").status, 200);

    // Asked for an example by name, the script deploys that one only.
    EXPECT_FALSE(fs::exists(plugins / "hello_1.0.0.so"));
}

TEST_F(ExampleWebService, ThePageReferencesItsAssetsWhichAreServedWithTheirTypes) {
    auto host = hostWithExample();
    for (const std::string svc : {"readings", "readings_1.0.0"}) {
        const std::string base = "/services/" + svc + "/";
        Response page = host->get(base + "page");
        ASSERT_EQ(page.status, 200) << svc << ": " << page.body;
        EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
        EXPECT_NE(page.body.find("<svg id=\"chart\""), std::string::npos) << page.body;
        // The page's relative references, resolved against its URL, are the version's files.
        for (const auto& [reference, type] : std::vector<std::pair<std::string, std::string>>{
                 {"static/chart.js", "text/javascript; charset=utf-8"},
                 {"static/chart.css", "text/css; charset=utf-8"},
                 {"static/favicon.svg", "image/svg+xml"}}) {
            EXPECT_NE(page.body.find("\"" + reference + "\""), std::string::npos) << reference;
            Response asset = host->get(base + reference);
            ASSERT_EQ(asset.status, 200) << base + reference << ": " << asset.body;
            EXPECT_EQ(asset.header("Content-Type"), type) << reference;
            EXPECT_EQ(asset.body, readFile(kAssets + "/" + reference.substr(7))) << reference;
            EXPECT_FALSE(asset.header("ETag").empty());
        }
    }
    // The script reads data.json beside the page, which answers.
    std::string script = host->get("/services/readings/static/chart.js").body;
    EXPECT_NE(script.find("fetch(\"data.json\""), std::string::npos);
    EXPECT_NE(script.find("fetch(\"data.csv\""), std::string::npos);
    EXPECT_EQ(host->get("/services/readings/data.json").status, 200);
    EXPECT_EQ(host->get("/services/readings/static/missing.js").status, 404);
}

TEST_F(ExampleWebService, ACsvUploadAddsRowsThatTheDataRoutesReturn) {
    auto host = hostWithExample();
    EXPECT_EQ(data(*host), json({{"count", 0}, {"capacity", 10000}, {"readings", json::array()}}));

    Response added =
        send(*host, "POST", "/services/readings/data.csv",
             "time,value\n2026-12-04T13:05:00Z,13.25\n2026-12-04T13:00:00Z,12.5\n", "text/csv");
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(added.header("Content-Type"), "application/json");
    EXPECT_EQ(added.json(), json({{"added", 2},
                                  {"dropped", 0},
                                  {"count", 2},
                                  {"capacity", 10000},
                                  {"from", "2026-12-04T13:00:00.000Z"},
                                  {"to", "2026-12-04T13:05:00.000Z"}}));
    // Oldest first, by name and by version alike.
    json expected = json::parse(R"([{"time": "2026-12-04T13:00:00.000Z", "value": 12.5},
                                    {"time": "2026-12-04T13:05:00.000Z", "value": 13.25}])");
    EXPECT_EQ(data(*host)["readings"], expected);
    EXPECT_EQ(data(*host, "readings_1.0.0")["readings"], expected);

    // A second upload adds to the first; the CSV view has every row.
    ASSERT_EQ(send(*host, "POST", "/services/readings/data.csv", "2026-12-04T13:10:00Z,14\r\n",
                   "text/csv; charset=utf-8")
                  .status,
              201);
    EXPECT_EQ(data(*host)["count"], 3);
    Response csv = host->get("/services/readings/data.csv");
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body,
              "time,value\n2026-12-04T13:00:00.000Z,12.5\n2026-12-04T13:05:00.000Z,13.25\n"
              "2026-12-04T13:10:00.000Z,14\n");

    EXPECT_EQ(send(*host, "DELETE", "/services/readings/data.csv").status, 204);
    EXPECT_EQ(data(*host)["count"], 0);
}

TEST_F(ExampleWebService, ViewersHearOfEachUploadThroughServerSentEvents) {
    auto host = hostWithExample();
    StreamingGet events(host->port(), "/services/readings/events");
    ASSERT_EQ(events.response().getStatus(), 200);
    EXPECT_EQ(events.response().getContentType(), "text/event-stream");
    ASSERT_TRUE(events.readUntil(": readings"));
    ASSERT_EQ(
        send(*host, "POST", "/services/readings/data.csv", "1764853200,12.5\n", "text/csv").status,
        201);
    ASSERT_TRUE(events.readUntil("event: readings"));
    EXPECT_EQ(events.next(), std::optional<std::string>(R"(data: {"count":1})"));
    ASSERT_EQ(send(*host, "DELETE", "/services/readings/data.csv").status, 204);
    ASSERT_TRUE(events.readUntil("event: readings"));
    EXPECT_EQ(events.next(), std::optional<std::string>(R"(data: {"count":0})"));
}

TEST_F(ExampleWebService, MalformedCsvIsRefusedNamingItsLineAndChangesNothing) {
    auto host = hostWithExample();
    ASSERT_EQ(
        send(*host, "POST", "/services/readings/data.csv", "2026-12-04T13:00:00Z,1\n", "text/csv")
            .status,
        201);
    const json before = data(*host);

    Response bad =
        send(*host, "POST", "/services/readings/data.csv",
             "time,value\n2026-12-04T13:05:00Z,2\n2026-12-04T13:10:00Z,warm\n", "text/csv");
    EXPECT_EQ(bad.status, 422) << bad.body;
    EXPECT_EQ(bad.json()["detail"],
              "line 3: value 'warm' is not a finite number; nothing was stored");
    EXPECT_EQ(data(*host), before);

    Response fields = send(*host, "POST", "/services/readings/data.csv",
                           "2026-12-04T13:05:00Z,2\n2026-12-04T13:10:00Z;3\n", "text/csv");
    EXPECT_EQ(fields.status, 422);
    EXPECT_EQ(fields.json()["detail"],
              "line 2: expected 2 fields (time,value), found 1; nothing was stored");
    Response time = send(*host, "POST", "/services/readings/data.csv", "noon,2\n", "text/csv");
    EXPECT_EQ(time.status, 422);
    EXPECT_EQ(time.json()["detail"].get<std::string>().rfind("line 1: time 'noon'", 0), 0u)
        << time.body;
    Response empty = send(*host, "POST", "/services/readings/data.csv", "time,value\n", "text/csv");
    EXPECT_EQ(empty.status, 422);
    Response wrongType =
        send(*host, "POST", "/services/readings/data.csv", R"({"value": 1})", "application/json");
    EXPECT_EQ(wrongType.status, 415);
    EXPECT_EQ(wrongType.json()["detail"], "send the readings as text/csv, not 'application/json'");
    EXPECT_EQ(data(*host), before);
}

TEST_F(ExampleWebService, UnknownPathsAndWrongMethodsAre404And405WithAllow) {
    auto host = hostWithExample();
    Response put = send(*host, "PUT", "/services/readings/data.json", "{}", "application/json");
    EXPECT_EQ(put.status, 405);
    EXPECT_EQ(allowed(put), std::set<std::string>{"GET"});
    EXPECT_TRUE(put.json()["detail"].is_string()) << put.body;
    Response postPage = send(*host, "POST", "/services/readings/page", "", "text/plain");
    EXPECT_EQ(postPage.status, 405);
    EXPECT_EQ(allowed(postPage), std::set<std::string>{"GET"});
    Response putCsv = send(*host, "PUT", "/services/readings/data.csv", "1,2\n", "text/csv");
    EXPECT_EQ(putCsv.status, 405);
    EXPECT_EQ(allowed(putCsv), (std::set<std::string>{"GET", "POST", "DELETE"}));
    EXPECT_EQ(data(*host)["count"], 0);
    Response unknown = host->get("/services/readings/nothing");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_TRUE(unknown.json()["detail"].is_string()) << unknown.body;
}

TEST_F(ExampleWebService, ATarGzWithItsAssetsDeploysTheExampleOverHttp) {
    auto host = startHost({});
    fs::path folder = fs::path(scratch_) / "readings";
    fs::create_directories(folder);
    fs::copy(builtPlugin("readings"), folder / "readings.so");
    fs::copy(kAssets, folder / "assets", fs::copy_options::recursive);
    std::string archive = runTar(folder.string(), {"czf", "../readings.tar.gz", "."},
                                 (fs::path(scratch_) / "readings.tar.gz").string());
    Response deployed = deployFile(host->port(), "readings", "2.0.0", archive);
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    EXPECT_EQ(deployed.json()["static"], true);

    Response page = host->get("/services/readings/page");
    ASSERT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("\"static/chart.js\""), std::string::npos);
    Response script = host->get("/services/readings_2.0.0/static/chart.js");
    ASSERT_EQ(script.status, 200);
    EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(script.body, readFile(kAssets + "/chart.js"));
    ASSERT_EQ(
        send(*host, "POST", "/services/readings/data.csv", "1796389200,3.5\n", "text/csv").status,
        201);
    EXPECT_EQ(data(*host)["readings"],
              json::parse(R"([{"time": "2026-12-04T13:00:00.000Z", "value": 3.5}])"));

    // Its API document lists its routes and its static files.
    json paths = host->get("/services/readings/openapi.json").json()["paths"];
    for (const char* path : {"/services/readings/page", "/services/readings/data.json",
                             "/services/readings/data.csv", "/services/readings/static/{path}"}) {
        EXPECT_TRUE(paths.contains(path)) << path;
    }
    EXPECT_TRUE(paths["/services/readings/data.csv"].contains("post"));
}

}  // namespace
}  // namespace mvi::test
