// Deployment over HTTP (POST /services/~tar), killing versions (DELETE /services/) and
// inspecting them (GET /services/~inspection), against a real host over real HTTP. Archives are
// made with the tar command, as a person would.

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// POSTs a multipart form with `fields` and `file` to /services/~tar.
Response upload(const HostProcess& host, const FormFields& fields,
                const std::optional<FilePart>& file) {
    return postTar(host.port(), fields, file);
}

/// Uploads `content` as (name, version).
Response deploy(const HostProcess& host, const std::string& name, const std::string& version,
                const std::string& content, const std::string& fileName = "plugin.tar.gz") {
    return deployFile(host.port(), name, version, content, fileName);
}

Response kill(const HostProcess& host, const json& body) {
    return request(host.port(), "DELETE", "/services/", body.dump());
}

std::string buildOf(const HostProcess& host, const std::string& svc) {
    Response response = host.post("/services/" + svc + "/version", json::object());
    return response.status == 200 ? response.json().get<std::string>()
                                  : "status " + std::to_string(response.status);
}

/// The deployment as a client sees it: the plugins folder and every listed version.
struct Deployment {
    std::set<std::string> files;
    json services;
    bool operator==(const Deployment& other) const {
        return files == other.files && services == other.services;
    }
};

std::ostream& operator<<(std::ostream& stream, const Deployment& deployment) {
    stream << "files:";
    for (const auto& file : deployment.files) {
        stream << ' ' << file;
    }
    return stream << "; services: " << deployment.services.dump();
}

Deployment deployment(const HostProcess& host) {
    return {listing(host.pluginsDir()), host.get("/services/").json()};
}

/// The `loc` of the first problem in a 422 detail list.
json firstLoc(const Response& response) {
    return response.json()["detail"][0]["loc"];
}

class Deploy : public ::testing::Test {
  protected:
    void SetUp() override { scratch_ = makeTemporaryDirectory(); }
    void TearDown() override { fs::remove_all(scratch_); }

    /// A tar.gz made by `tar czf` of `files` (relative path -> built plugin target, or text
    /// prefixed with "text:"), run in a fresh folder.
    std::string tarGz(const std::vector<std::pair<std::string, std::string>>& files) {
        fs::path folder = fs::path(scratch_) / ("src" + std::to_string(++archives_));
        std::vector<std::string> arguments = {"czf", "../plugin.tar.gz"};
        for (const auto& [path, source] : files) {
            writeFile(folder / path, source.rfind("text:", 0) == 0 ? source.substr(5)
                                                                   : readFile(builtPlugin(source)));
            arguments.push_back(path);
        }
        fs::create_directories(folder);
        return runTar(folder.string(), arguments, (fs::path(scratch_) / "plugin.tar.gz").string());
    }

    std::string scratch_;
    int archives_ = 0;
};

TEST_F(Deploy, TheRawPluginServesAsSoAsTheAnswerComes) {
    auto host = startHost({});
    std::string plugin = readFile(builtPlugin("fixture_counter_v1"));
    // The client's file name is never used as a path.
    Response answer = deploy(*host, "counter", "1.0.0", plugin, "../../escape.so");
    ASSERT_EQ(answer.status, 201) << answer.body;
    EXPECT_EQ(answer.json()["name"], "counter");
    EXPECT_EQ(answer.json()["version"], "1.0.0");
    EXPECT_EQ(answer.json()["status"], "ready");
    EXPECT_EQ(answer.json()["main"], true);
    EXPECT_EQ(buildOf(*host, "counter"), "v1");

    EXPECT_EQ(listing(host->pluginsDir()), std::set<std::string>{"counter_1.0.0.so"});
    EXPECT_EQ(readFile((fs::path(host->pluginsDir()) / "counter_1.0.0.so").string()), plugin);
    EXPECT_TRUE(listing((fs::path(host->dataDir()) / "uploads").string()).empty());
    EXPECT_FALSE(fs::exists(fs::path(host->workDirectory()) / "escape.so"));
    EXPECT_FALSE(fs::exists(fs::path(host->workDirectory()).parent_path() / "escape.so"));
}

TEST_F(Deploy, ATarGzDeploysItsSoAsAShadow) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    std::string archive = tarGz({{"build/counter.so", "fixture_counter_v2"},
                                 {"build/README", "text:notes beside the plugin"}});
    Response answer = deploy(*host, "counter", "2.0.0", archive);
    ASSERT_EQ(answer.status, 201) << answer.body;
    EXPECT_EQ(answer.json()["main"], false);
    EXPECT_EQ(buildOf(*host, "counter_2.0.0"), "v2");
    EXPECT_EQ(buildOf(*host, "counter"), "v1");
    EXPECT_EQ(readFile((fs::path(host->pluginsDir()) / "counter_2.0.0.so").string()),
              readFile(builtPlugin("fixture_counter_v2")));
}

TEST_F(Deploy, TheFolderWatcherSeeingTheUploadLeavesTheVersionAlone) {
    auto host = startHost({});
    Response answer =
        deploy(*host, "counter", "1.0.0", readFile(builtPlugin("fixture_counter_v1")));
    ASSERT_EQ(answer.status, 201) << answer.body;
    // The watcher reports files in order: once a file dropped after the upload is served, the
    // upload's own rename has been seen too.
    installPlugin(builtPlugin("fixture_counter_v2"), host->pluginsDir(), "marker_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return buildOf(*host, "marker") == "v2"; }));
    json entry = serviceEntry(*host, "counter", "1.0.0");
    EXPECT_EQ(entry["artifact"]["cache_path"], answer.json()["artifact"]["cache_path"]);
    EXPECT_EQ(entry["loaded_since"], answer.json()["loaded_since"]);
    EXPECT_EQ(entry["status"], "ready");
}

TEST_F(Deploy, DeployingAVersionAgainIsRefusedWith409) {
    auto host = startHost({});
    ASSERT_EQ(deploy(*host, "counter", "1.0.0", readFile(builtPlugin("fixture_counter_v1"))).status,
              201);
    Deployment before = deployment(*host);
    Response again = deploy(*host, "counter", "1.0.0", readFile(builtPlugin("fixture_counter_v2")));
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.json()["detail"],
              "counter 1.0.0 is already deployed; kill it first or use a new version");
    EXPECT_EQ(deployment(*host), before);
    EXPECT_EQ(buildOf(*host, "counter"), "v1");

    // Killed first, the same version deploys again.
    ASSERT_EQ(kill(*host, {{"name", "counter"}, {"version", "1.0.0"}}).status, 200);
    Response redeployed =
        deploy(*host, "counter", "1.0.0", readFile(builtPlugin("fixture_counter_v2")));
    ASSERT_EQ(redeployed.status, 201) << redeployed.body;
    EXPECT_EQ(buildOf(*host, "counter"), "v2");
}

TEST_F(Deploy, BadInputIsRefusedAndChangesNothing) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    std::string plugin = readFile(builtPlugin("fixture_counter_v2"));
    Deployment before = deployment(*host);
    auto expectRefused = [&](const Response& response, int status, const std::string& text,
                             const std::string& what) {
        EXPECT_EQ(response.status, status) << what << ": " << response.body;
        EXPECT_NE(response.body.find(text), std::string::npos) << what << ": " << response.body;
        EXPECT_EQ(deployment(*host), before) << what;
        EXPECT_TRUE(listing((fs::path(host->dataDir()) / "uploads").string()).empty()) << what;
    };

    Response badName = deploy(*host, "Bad-Name", "1.0.0", plugin);
    expectRefused(badName, 422, "invalid service name", "bad name");
    EXPECT_EQ(firstLoc(badName), json({"body", "name"}));
    expectRefused(deploy(*host, "../../etc/evil", "1.0.0", plugin), 422, "invalid service name",
                  "path in the name");
    Response badVersion = deploy(*host, "counter", "1.0", plugin);
    expectRefused(badVersion, 422, "invalid version", "bad version");
    EXPECT_EQ(firstLoc(badVersion), json({"body", "version"}));
    expectRefused(deploy(*host, "counter", "2.0.0/../../x", plugin), 422, "invalid version",
                  "path in the version");

    Response noName = upload(*host, {{"version", "2.0.0"}}, FilePart{plugin});
    expectRefused(noName, 422, "field required", "missing name");
    EXPECT_EQ(firstLoc(noName), json({"body", "name"}));
    Response noVersion = upload(*host, {{"name", "counter"}}, FilePart{plugin});
    expectRefused(noVersion, 422, "field required", "missing version");
    EXPECT_EQ(firstLoc(noVersion), json({"body", "version"}));
    Response noFile = upload(*host, {{"name", "counter"}, {"version", "2.0.0"}}, std::nullopt);
    expectRefused(noFile, 422, "field required", "missing file");
    EXPECT_EQ(firstLoc(noFile), json({"body", "file"}));
    expectRefused(
        upload(*host, {{"name", "counter"}, {"version", "2.0.0"}, {"file", "abc"}}, std::nullopt),
        422, "must be sent as a file part", "file as a plain field");
    expectRefused(upload(*host, {{"name", "counter"}, {"name", "other"}, {"version", "2.0.0"}},
                         FilePart{plugin}),
                  422, "more than once", "name twice");
    expectRefused(request(host->port(), "POST", "/services/~tar",
                          json({{"name", "counter"}, {"version", "2.0.0"}}).dump()),
                  422, "multipart/form-data", "not multipart");
    expectRefused(request(host->port(), "POST", "/services/~tar", "--nothing--",
                          "multipart/form-data; boundary=xyz"),
                  422, "malformed", "broken multipart");

    expectRefused(deploy(*host, "counter", "2.0.0", "#!/bin/sh\necho hi\n"), 422,
                  "neither a plugin", "not ELF nor gzip");
    expectRefused(deploy(*host, "counter", "2.0.0", tarGz({{"README", "text:no plugin"}})), 422,
                  "holds no .so", "no .so");
    expectRefused(deploy(*host, "counter", "2.0.0",
                         tarGz({{"a.so", "fixture_counter_v2"}, {"b.so", "fixture_counter_v3"}})),
                  422, "more than one .so", "two .so");
    expectRefused(deploy(*host, "counter", "2.0.0", tarGz({{"counter.so", "text:not compiled"}})),
                  422, "not an ELF file", "text .so");

    // A symbolic link, made by ln -s and archived as it is.
    fs::path linkFolder = fs::path(scratch_) / "link";
    fs::create_directories(linkFolder);
    fs::create_symlink("/etc/passwd", linkFolder / "counter.so");
    expectRefused(deploy(*host, "counter", "2.0.0",
                         runTar(linkFolder.string(), {"czf", "../link.tar.gz", "counter.so"},
                                (fs::path(scratch_) / "link.tar.gz").string())),
                  422, "symbolic link", "symlink member");
    // A hard link: the second name of one file is archived as a link to the first.
    fs::path hardFolder = fs::path(scratch_) / "hard";
    writeFile(hardFolder / "a.txt", "text");
    fs::create_hard_link(hardFolder / "a.txt", hardFolder / "counter.so");
    expectRefused(
        deploy(*host, "counter", "2.0.0",
               runTar(hardFolder.string(), {"czf", "../hard.tar.gz", "a.txt", "counter.so"},
                      (fs::path(scratch_) / "hard.tar.gz").string())),
        422, "hard link", "hard link member");
    // Absolute and parent paths, kept in the archive with -P.
    fs::path absolute = fs::path(scratch_) / "abs" / "counter.so";
    writeFile(absolute, plugin);
    expectRefused(deploy(*host, "counter", "2.0.0",
                         runTar(scratch_, {"czPf", "abs.tar.gz", absolute.string()},
                                (fs::path(scratch_) / "abs.tar.gz").string())),
                  422, "absolute path", "absolute member");
    fs::create_directories(fs::path(scratch_) / "inner");
    expectRefused(deploy(*host, "counter", "2.0.0",
                         runTar((fs::path(scratch_) / "inner").string(),
                                {"czPf", "../parent.tar.gz", "../abs/counter.so"},
                                (fs::path(scratch_) / "parent.tar.gz").string())),
                  422, "'..' component", "parent member");

    // Names that are not UTF-8: in a field, a field's name, a part's name, a file name, and an
    // archive member (made with tar from a file of that name).
    Response badBytes = deploy(*host, "coun\xfft", "2.0.0", plugin);
    expectRefused(badBytes, 422, "not valid UTF-8", "field value not UTF-8");
    EXPECT_EQ(firstLoc(badBytes), json({"body", "name"}));
    expectRefused(upload(*host, {{"name", "counter"}, {"version", "2.0.0"}, {"x\xff", "1"}},
                         FilePart{plugin}),
                  422, "form field name is not valid UTF-8", "field name not UTF-8");
    expectRefused(upload(*host, {{"name", "counter"}, {"version", "2.0.0"}},
                         FilePart{plugin, "plugin.tar.gz", "fi\xffle"}),
                  422, "name of a file part is not valid UTF-8", "part name not UTF-8");
    Response badFileName = deploy(*host, "counter", "2.0.0", plugin, "pl\xffugin.so");
    expectRefused(badFileName, 422, "file name is not valid UTF-8", "file name not UTF-8");
    EXPECT_EQ(firstLoc(badFileName), json({"body", "file"}));
    expectRefused(
        deploy(*host, "counter", "2.0.0", tarGz({{"coun\xffter.so", "fixture_counter_v2"}})), 422,
        "has a name that is not valid UTF-8", "member name not UTF-8");

    // A real file that fails to load: refused with the loader's reason, and not listed.
    Response broken =
        deploy(*host, "broken", "1.0.0", readFile(builtPlugin("fixture_no_register")));
    expectRefused(broken, 422, "mvi_plugin_register", "plugin that fails to load");
    EXPECT_NE(broken.body.find("failed to load"), std::string::npos);
    EXPECT_EQ(buildOf(*host, "counter"), "v1");
}

TEST_F(Deploy, AnUploadOverTheLimitIs413) {
    auto host = startHost({}, {"--define", "http.max_upload_bytes=4096"});
    Deployment before = deployment(*host);
    std::string plugin = readFile(builtPlugin("fixture_counter_v1"));
    ASSERT_GT(plugin.size(), 4096u);
    Response answer = deploy(*host, "counter", "1.0.0", plugin);
    EXPECT_EQ(answer.status, 413) << answer.body;
    EXPECT_NE(answer.body.find("http.max_upload_bytes"), std::string::npos);
    EXPECT_EQ(deployment(*host), before);
}

TEST(Kill, ShadowsMainAndUnknownVersions) {
    auto host = startHost(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    ASSERT_EQ(serviceEntry(*host, "counter", "1.0.0")["main"], true);
    ASSERT_EQ(buildOf(*host, "counter_2.0.0"), "v2");
    std::string mainFile = (fs::path(host->pluginsDir()) / "counter_1.0.0.so").string();
    std::string shadowFile = (fs::path(host->pluginsDir()) / "counter_2.0.0.so").string();

    Response refused = kill(*host, {{"name", "counter"}, {"version", "1.0.0"}});
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_NE(refused.body.find("shadows (2.0.0)"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("assign another main"), std::string::npos) << refused.body;
    EXPECT_TRUE(fs::exists(mainFile));
    EXPECT_EQ(buildOf(*host, "counter"), "v1");

    EXPECT_EQ(kill(*host, {{"name", "nothing"}, {"version", "1.0.0"}}).status, 404);
    EXPECT_EQ(kill(*host, {{"name", "counter"}, {"version", "9.9.9"}}).status, 404);
    Response malformed = kill(*host, {{"name", "counter"}});
    EXPECT_EQ(malformed.status, 422);
    EXPECT_EQ(firstLoc(malformed), json({"body", "version"}));

    Response shadow = kill(*host, {{"name", "counter"}, {"version", "2.0.0"}});
    ASSERT_EQ(shadow.status, 200) << shadow.body;
    EXPECT_EQ(shadow.json(), "OK");
    EXPECT_EQ(buildOf(*host, "counter_2.0.0"), "status 404");
    EXPECT_TRUE(serviceEntry(*host, "counter", "2.0.0").is_null());
    EXPECT_FALSE(fs::exists(shadowFile));

    Response main = kill(*host, {{"name", "counter"}, {"version", "1.0.0"}});
    ASSERT_EQ(main.status, 200) << main.body;
    EXPECT_EQ(buildOf(*host, "counter"), "status 404");
    EXPECT_FALSE(fs::exists(mainFile));
    EXPECT_EQ(kill(*host, {{"name", "counter"}, {"version", "1.0.0"}}).status, 404);

    // Gone for good: a restart does not bring them back.
    host->keepWorkDirectory();
    std::string work = host->workDirectory();
    host->stop();
    HostProcess restarted({}, work);
    EXPECT_TRUE(restarted.get("/services/").json().empty());
}

TEST(Kill, AFailedVersionCanBeKilled) {
    auto host = startHost({{"fixture_no_register", "broken_1.0.0.so"}});
    ASSERT_EQ(serviceEntry(*host, "broken", "1.0.0")["status"], "failed");
    Response answer = kill(*host, {{"name", "broken"}, {"version", "1.0.0"}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_TRUE(serviceEntry(*host, "broken", "1.0.0").is_null());
    EXPECT_FALSE(fs::exists(fs::path(host->pluginsDir()) / "broken_1.0.0.so"));
}

TEST(Inspection, ReadyFailedAndUnknownVersions) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"},
                           {"fixture_counter_v2", "counter_2.0.0.so"},
                           {"fixture_no_register", "broken_1.0.0.so"}});
    ASSERT_EQ(buildOf(*host, "counter_2.0.0"), "v2");

    Response main = host->get("/services/~inspection?name=counter");
    ASSERT_EQ(main.status, 200) << main.body;
    json inspected = main.json();
    EXPECT_EQ(inspected["Name"], "counter_1.0.0");
    EXPECT_EQ(inspected["State"]["Status"], "running");
    EXPECT_EQ(inspected["State"]["Running"], true);
    EXPECT_EQ(inspected["State"]["Error"], "");
    EXPECT_EQ(inspected["State"]["FinishedAt"], "0001-01-01T00:00:00.000000Z");
    EXPECT_EQ(inspected["State"]["StartedAt"].get<std::string>().substr(0, 2), "20");
    EXPECT_EQ(inspected["State"]["StartedAt"].get<std::string>().back(), 'Z');
    EXPECT_EQ(inspected["Image"].get<std::string>().rfind("counter_1.0.0.so@sha256:", 0), 0u);
    EXPECT_EQ(inspected["Config"]["Entrypoints"], json({"hit", "slow", "version"}));
    EXPECT_NE(std::find(inspected["Config"]["Parameters"].begin(),
                        inspected["Config"]["Parameters"].end(), "label"),
              inspected["Config"]["Parameters"].end());

    Response shadow = host->get("/services/~inspection?name=counter&version=2.0.0");
    ASSERT_EQ(shadow.status, 200) << shadow.body;
    EXPECT_EQ(shadow.json()["Name"], "counter_2.0.0");

    Response failed = host->get("/services/~inspection?name=broken&version=1.0.0");
    ASSERT_EQ(failed.status, 200) << failed.body;
    EXPECT_EQ(failed.json()["State"]["Status"], "failed");
    EXPECT_EQ(failed.json()["State"]["Running"], false);
    EXPECT_NE(failed.json()["State"]["Error"].get<std::string>().find("mvi_plugin_register"),
              std::string::npos);
    EXPECT_NE(failed.json()["State"]["FinishedAt"], "0001-01-01T00:00:00.000000Z");
    // A name whose only version failed has no main version to default to.
    EXPECT_EQ(host->get("/services/~inspection?name=broken").status, 404);

    EXPECT_EQ(host->get("/services/~inspection?name=nothing").status, 404);
    EXPECT_EQ(host->get("/services/~inspection?name=counter&version=9.9.9").status, 404);
    EXPECT_EQ(host->get("/services/~inspection").status, 422);
}

}  // namespace
}  // namespace mvi::test
