// The static files shipped with a version (`assets/` in a deployed .tar.gz, or a folder next to
// a .so in the plugins folder), served under /services/<svc>/static/..., against a real host over
// real HTTP: content types, validators, conditional requests, ranges, HEAD, bad paths, killing,
// refused archives, and curl driving ranges and conditional requests.

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Uploads `archive` as (name, version) with POST /services/~tar.
Response deploy(const HostProcess& host, const std::string& name, const std::string& version,
                const std::string& archive) {
    return deployFile(host.port(), name, version, archive);
}

Response get(const HostProcess& host, const std::string& path, const Headers& headers = {}) {
    return request(host.port(), "GET", path, "", "application/json", headers);
}

/// The outcome of running curl: its exit code, the status and the body.
struct CurlRun {
    int exitCode = -1;
    std::string status;
    std::string body;
};

CurlRun runCurl(const std::vector<std::string>& arguments, const fs::path& bodyFile) {
    std::vector<std::string> all = {"-sS", "-o", bodyFile.string(), "-w", "%{http_code}"};
    all.insert(all.end(), arguments.begin(), arguments.end());
    Poco::Pipe out;
    Poco::ProcessHandle handle = Poco::Process::launch("curl", all, nullptr, &out, nullptr);
    Poco::PipeInputStream outStream(out);
    CurlRun run;
    Poco::StreamCopier::copyToString(outStream, run.status);
    run.exitCode = handle.wait();
    run.body = readFile(bodyFile);
    return run;
}

/// 1000 bytes that differ from one offset to the next, so a wrong range shows.
std::string binaryData() {
    std::string data;
    for (int index = 0; index < 1000; ++index) {
        data += static_cast<char>((index * 7 + index / 256) % 256);
    }
    return data;
}

const std::string kIndex = "<!DOCTYPE html><title>counter</title><h1>counter</h1>\n";
const std::string kStyle = "h1 { color: teal; }\n";

class StaticFiles : public ::testing::Test {
  protected:
    void SetUp() override { scratch_ = makeTemporaryDirectory(); }
    void TearDown() override { fs::remove_all(scratch_); }

    /// A tar.gz made by `tar czf` in a fresh folder holding `counter.so` (built `target`) and
    /// `files` (relative path -> content), of the members `members` (`.` when empty).
    std::string tarGz(const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& files,
                      const std::vector<std::string>& members = {"."}) {
        fs::path folder = fs::path(scratch_) / ("src" + std::to_string(++archives_));
        writeFile(folder / "counter.so", readFile(builtPlugin(target)));
        for (const auto& [path, content] : files) {
            writeFile(folder / path, content);
        }
        return tarOf(folder, members);
    }

    /// Runs `tar czf` in `folder` on `members`; returns the archive's bytes.
    std::string tarOf(const fs::path& folder, const std::vector<std::string>& members) {
        fs::path archive = fs::path(scratch_) / ("archive" + std::to_string(++archives_) + ".tgz");
        std::vector<std::string> arguments = {"czf", archive.string()};
        arguments.insert(arguments.end(), members.begin(), members.end());
        return runTar(folder.string(), arguments, archive.string());
    }

    /// The usual site: index.html, css/site.css and data.bin.
    std::string site(const std::string& target = "fixture_counter_v1") {
        return tarGz(target, {{"assets/index.html", kIndex},
                              {"assets/css/site.css", kStyle},
                              {"assets/data.bin", binaryData()}});
    }

    /// A host with counter 1.0.0 deployed from `site()`.
    std::unique_ptr<HostProcess> hostWithSite() {
        auto host = startHost({});
        Response deployed = deploy(*host, "counter", "1.0.0", site());
        EXPECT_EQ(deployed.status, 201) << deployed.body;
        return host;
    }

    std::string scratch_;
    int archives_ = 0;
};

TEST_F(StaticFiles, ADeployedArchiveServesItsAssetsWithTypesAndValidators) {
    auto host = hostWithSite();
    fs::path plugins = host->pluginsDir();
    // The folder lands next to the .so, named after the version; nothing hidden is left.
    EXPECT_EQ(listing(plugins), (std::set<std::string>{"counter_1.0.0.so", "counter_1.0.0"}));
    EXPECT_EQ(listing(plugins / "counter_1.0.0"), std::set<std::string>{"assets"});
    EXPECT_EQ(readFile(plugins / "counter_1.0.0/assets/css/site.css"), kStyle);
    EXPECT_EQ(serviceEntry(*host, "counter", "1.0.0")["static"], true);

    for (const std::string svc : {"counter", "counter_1.0.0"}) {
        Response index = get(*host, "/services/" + svc + "/static/index.html");
        ASSERT_EQ(index.status, 200) << index.body;
        EXPECT_EQ(index.body, kIndex);
        EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
        EXPECT_EQ(index.header("Content-Length"), std::to_string(kIndex.size()));
        EXPECT_EQ(index.header("Cache-Control"), "no-cache");
        EXPECT_EQ(index.header("Accept-Ranges"), "bytes");
        std::string tag = index.header("ETag");
        EXPECT_GT(tag.size(), 2u);
        EXPECT_EQ(tag.front(), '"');
        EXPECT_EQ(tag.back(), '"');
        EXPECT_NE(index.header("Last-Modified").find("GMT"), std::string::npos);

        Response style = get(*host, "/services/" + svc + "/static/css/site.css");
        ASSERT_EQ(style.status, 200);
        EXPECT_EQ(style.body, kStyle);
        EXPECT_EQ(style.header("Content-Type"), "text/css; charset=utf-8");
        EXPECT_NE(style.header("ETag"), tag);

        Response data = get(*host, "/services/" + svc + "/static/data.bin");
        ASSERT_EQ(data.status, 200);
        EXPECT_EQ(data.body, binaryData());
        EXPECT_EQ(data.header("Content-Type"), "application/octet-stream");
    }
    // The same file answers the same tag by name and by version.
    EXPECT_EQ(get(*host, "/services/counter/static/index.html").header("ETag"),
              get(*host, "/services/counter_1.0.0/static/index.html").header("ETag"));
}

TEST_F(StaticFiles, ConditionalRequestsAnswer304) {
    auto host = hostWithSite();
    const std::string path = "/services/counter/static/index.html";
    Response first = get(*host, path);
    ASSERT_EQ(first.status, 200);
    std::string tag = first.header("ETag");
    std::string modified = first.header("Last-Modified");

    Response same = get(*host, path, {{"If-None-Match", tag}});
    EXPECT_EQ(same.status, 304);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(same.header("ETag"), tag);
    EXPECT_EQ(get(*host, path, {{"If-None-Match", "\"other\", W/" + tag}}).status, 304);
    EXPECT_EQ(get(*host, path, {{"If-None-Match", "*"}}).status, 304);
    EXPECT_EQ(get(*host, path, {{"If-None-Match", "\"other\""}}).status, 200);

    EXPECT_EQ(get(*host, path, {{"If-Modified-Since", modified}}).status, 304);
    EXPECT_EQ(get(*host, path, {{"If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}}).status,
              200);
    EXPECT_EQ(get(*host, path, {{"If-Modified-Since", "not a date"}}).status, 200);
    // If-None-Match decides when both are sent.
    EXPECT_EQ(
        get(*host, path, {{"If-None-Match", "\"other\""}, {"If-Modified-Since", modified}}).status,
        200);
}

TEST_F(StaticFiles, OneRangeAnswers206AndOthersAreHandledAsTheRfcAllows) {
    auto host = hostWithSite();
    const std::string path = "/services/counter_1.0.0/static/data.bin";
    const std::string data = binaryData();

    Response head = get(*host, path, {{"Range", "bytes=0-9"}});
    ASSERT_EQ(head.status, 206) << head.body;
    EXPECT_EQ(head.body, data.substr(0, 10));
    EXPECT_EQ(head.header("Content-Range"), "bytes 0-9/1000");
    EXPECT_EQ(head.header("Content-Length"), "10");
    EXPECT_EQ(head.header("Content-Type"), "application/octet-stream");

    Response middle = get(*host, path, {{"Range", "bytes=500-749"}});
    ASSERT_EQ(middle.status, 206);
    EXPECT_EQ(middle.body, data.substr(500, 250));
    EXPECT_EQ(middle.header("Content-Range"), "bytes 500-749/1000");

    Response suffix = get(*host, path, {{"Range", "bytes=-100"}});
    ASSERT_EQ(suffix.status, 206);
    EXPECT_EQ(suffix.body, data.substr(900));
    EXPECT_EQ(suffix.header("Content-Range"), "bytes 900-999/1000");

    Response open = get(*host, path, {{"Range", "bytes=990-"}});
    ASSERT_EQ(open.status, 206);
    EXPECT_EQ(open.body, data.substr(990));
    EXPECT_EQ(open.header("Content-Range"), "bytes 990-999/1000");

    Response beyond = get(*host, path, {{"Range", "bytes=1000-"}});
    EXPECT_EQ(beyond.status, 416);
    EXPECT_EQ(beyond.header("Content-Range"), "bytes */1000");
    EXPECT_TRUE(beyond.json()["detail"].is_string()) << beyond.body;

    Response several = get(*host, path, {{"Range", "bytes=0-9,20-29"}});
    EXPECT_EQ(several.status, 200);
    EXPECT_EQ(several.body, data);

    Response ignored = get(*host, path, {{"Range", "lines=1-2"}});
    EXPECT_EQ(ignored.status, 200);
    EXPECT_EQ(ignored.body, data);

    // If-Range: the range only while the file is the one named.
    std::string tag = several.header("ETag");
    Response current = get(*host, path, {{"Range", "bytes=0-1"}, {"If-Range", tag}});
    EXPECT_EQ(current.status, 206);
    EXPECT_EQ(current.body, data.substr(0, 2));
    Response stale = get(*host, path, {{"Range", "bytes=0-1"}, {"If-Range", "\"stale\""}});
    EXPECT_EQ(stale.status, 200);
    EXPECT_EQ(stale.body, data);
    Response dated =
        get(*host, path, {{"Range", "bytes=0-1"}, {"If-Range", several.header("Last-Modified")}});
    EXPECT_EQ(dated.status, 206);
}

TEST_F(StaticFiles, HeadAnswersTheHeadersWithoutTheBody) {
    auto host = hostWithSite();
    Response head = request(host->port(), "HEAD", "/services/counter/static/data.bin");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.header("Content-Length"), "1000");
    EXPECT_EQ(head.header("Content-Type"), "application/octet-stream");
    EXPECT_EQ(head.header("ETag"), get(*host, "/services/counter/static/data.bin").header("ETag"));
    EXPECT_FALSE(head.header("Last-Modified").empty());
    Response missing = request(host->port(), "HEAD", "/services/counter/static/missing.txt");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, "");
}

TEST_F(StaticFiles, AFolderNextToADroppedSoIsServedAndNeverTakenForAPlugin) {
    // Made by hand before the host starts, with a .so among the files that is no plugin.
    fs::path work = makeTemporaryDirectory();
    fs::path plugins = work / "plugins";
    writeFile(plugins / "counter_1.0.0/assets/hello.txt", "hello from 1.0.0\n");
    writeFile(plugins / "counter_1.0.0/assets/lib/junk.so", "not a plugin");
    installPlugin(builtPlugin("fixture_counter_v1"), plugins.string(), "counter_1.0.0.so");
    auto host = std::make_unique<HostProcess>(std::vector<std::string>{}, work.string());
    Response first = get(*host, "/services/counter/static/hello.txt");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.body, "hello from 1.0.0\n");
    EXPECT_EQ(first.header("Content-Type"), "text/plain; charset=utf-8");

    // A folder made while the host runs, then its .so dropped in.
    writeFile(plugins / "counter_2.0.0/assets/index.html", "<p>2.0.0</p>");
    installPlugin(builtPlugin("fixture_counter_v2"), plugins.string(), "counter_2.0.0.so");
    installPlugin(builtPlugin("fixture_counter_v3"), plugins.string(), "counter_3.0.0.so");
    auto ready = [&](const std::string& version) {
        json entry = serviceEntry(*host, "counter", version);
        return entry.is_object() && entry["status"] == "ready";
    };
    ASSERT_TRUE(waitFor([&] { return ready("2.0.0") && ready("3.0.0"); }));
    Response second = get(*host, "/services/counter_2.0.0/static/index.html");
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.body, "<p>2.0.0</p>");
    // By name: the main version's files.
    EXPECT_EQ(get(*host, "/services/counter/static/index.html").status, 404);
    EXPECT_EQ(get(*host, "/services/counter/static/hello.txt").status, 200);

    json services = host->get("/services/").json();
    ASSERT_EQ(services.size(), 3u) << services.dump();
    for (const json& entry : services) {
        EXPECT_EQ(entry["name"], "counter");
        EXPECT_EQ(entry["status"], "ready");
        EXPECT_EQ(entry["static"], entry["version"] != "3.0.0") << entry.dump();
    }
    Response readiness = host->get("/~ready");
    EXPECT_EQ(readiness.status, 200) << readiness.body;

    // An upload carrying assets/ is refused while a folder of its version is there.
    fs::create_directories(plugins / "counter_4.0.0/assets");
    Response refused = deploy(*host, "counter", "4.0.0", site("fixture_counter_v2"));
    EXPECT_EQ(refused.status, 409) << refused.body;
    EXPECT_FALSE(fs::exists(plugins / "counter_4.0.0.so"));
}

TEST_F(StaticFiles, KillingAVersionRemovesItsFolder) {
    auto host = hostWithSite();
    Response second = deploy(*host, "counter", "2.0.0", site("fixture_counter_v2"));
    ASSERT_EQ(second.status, 201) << second.body;
    fs::path plugins = host->pluginsDir();
    ASSERT_TRUE(fs::exists(plugins / "counter_2.0.0/assets/index.html"));
    EXPECT_EQ(get(*host, "/services/counter_2.0.0/static/index.html").status, 200);

    Response killed = request(host->port(), "DELETE", "/services/",
                              json{{"name", "counter"}, {"version", "2.0.0"}}.dump());
    ASSERT_EQ(killed.status, 200) << killed.body;
    EXPECT_EQ(listing(plugins), (std::set<std::string>{"counter_1.0.0.so", "counter_1.0.0"}));
    EXPECT_EQ(get(*host, "/services/counter_2.0.0/static/index.html").status, 404);
    EXPECT_EQ(get(*host, "/services/counter/static/index.html").status, 200);
}

TEST_F(StaticFiles, BadPathsAnswer404WithADetail) {
    auto host = hostWithSite();
    fs::path assets = fs::path(host->pluginsDir()) / "counter_1.0.0/assets";
    writeFile(fs::path(scratch_) / "secret.txt", "secret");
    fs::create_symlink(fs::path(scratch_) / "secret.txt", assets / "secret.txt");
    fs::create_directory_symlink(scratch_, assets / "up");
    fs::create_symlink("index.html", assets / "home.html");
    // A link that stays inside is followed.
    Response home = get(*host, "/services/counter/static/home.html");
    EXPECT_EQ(home.status, 200);
    EXPECT_EQ(home.body, kIndex);

    // A version without assets.
    ASSERT_EQ(
        deploy(*host, "counter", "2.0.0", tarGz("fixture_counter_v2", {}, {"counter.so"})).status,
        201);
    EXPECT_EQ(serviceEntry(*host, "counter", "2.0.0")["static"], false);

    for (const std::string path :
         {"/services/counter/static/../../../../etc/passwd",
          "/services/counter/static/css/../index.html", "/services/counter/static/./index.html",
          "/services/counter/static/%2e%2e/counter_1.0.0.so",
          "/services/counter/static/css%2Fsite.css", "/services/counter/static/css%2fsite.css",
          "/services/counter/static/css%5Csite.css", "/services/counter/static/index.html%00",
          "/services/counter/static/secret.txt", "/services/counter/static/up/secret.txt",
          "/services/counter/static/css", "/services/counter/static/missing.html",
          "/services/counter_2.0.0/static/index.html", "/services/nobody/static/index.html"}) {
        Response answer = get(*host, path);
        EXPECT_EQ(answer.status, 404) << path << ": " << answer.body;
        EXPECT_TRUE(answer.json()["detail"].is_string()) << path << ": " << answer.body;
        EXPECT_EQ(answer.body.find("secret\""), std::string::npos);
    }
}

TEST_F(StaticFiles, AnArchiveWithABadAssetsMemberIsRefusedAndLeavesNothing) {
    auto host = startHost({}, {"--define", "plugins.max_asset_files=3"});
    fs::path plugins = host->pluginsDir();
    auto nothingDeployed = [&](const std::string& why) {
        EXPECT_TRUE(listing(plugins).empty()) << why;
        EXPECT_EQ(host->get("/services/").json(), json::array()) << why;
        EXPECT_EQ(get(*host, "/services/counter/static/index.html").status, 404) << why;
    };

    // A symbolic link among the assets.
    fs::path linked = fs::path(scratch_) / "linked";
    writeFile(linked / "counter.so", readFile(builtPlugin("fixture_counter_v1")));
    writeFile(linked / "assets/index.html", kIndex);
    fs::create_symlink("/etc/passwd", linked / "assets/passwd");
    Response link = deploy(*host, "counter", "1.0.0", tarOf(linked, {"counter.so", "assets"}));
    EXPECT_EQ(link.status, 422) << link.body;
    EXPECT_NE(link.body.find("symbolic link"), std::string::npos) << link.body;
    nothingDeployed("symbolic link");

    // A member climbing out of the archive (tar -P keeps the `..`).
    fs::path inner = fs::path(scratch_) / "inner";
    writeFile(inner / "counter.so", readFile(builtPlugin("fixture_counter_v1")));
    writeFile(fs::path(scratch_) / "escape.html", "out");
    fs::path archive = fs::path(scratch_) / "parent.tgz";
    fs::create_directories(inner / "assets");
    Poco::ProcessHandle tar = Poco::Process::launch(
        "tar", {"czPf", archive.string(), "counter.so", "assets/../../escape.html"},
        inner.string());
    EXPECT_EQ(tar.wait(), 0);
    Response parent = deploy(*host, "counter", "1.0.0", readFile(archive));
    EXPECT_EQ(parent.status, 422) << parent.body;
    nothingDeployed("..");

    // More files than plugins.max_asset_files.
    Response many =
        deploy(*host, "counter", "1.0.0",
               tarGz("fixture_counter_v1",
                     {{"assets/a", "a"}, {"assets/b", "b"}, {"assets/c", "c"}, {"assets/d", "d"}}));
    EXPECT_EQ(many.status, 422) << many.body;
    EXPECT_NE(many.body.find("plugins.max_asset_files"), std::string::npos) << many.body;
    nothingDeployed("too many files");

    // A plugin that fails to load takes its folder with it.
    Response broken = deploy(*host, "counter", "1.0.0",
                             tarGz("fixture_register_fails", {{"assets/index.html", kIndex}}));
    EXPECT_EQ(broken.status, 422) << broken.body;
    nothingDeployed("failed load");

    // The same archive with a plugin that loads deploys, folder and all.
    Response good = deploy(*host, "counter", "1.0.0",
                           tarGz("fixture_counter_v1", {{"assets/index.html", kIndex}}));
    ASSERT_EQ(good.status, 201) << good.body;
    EXPECT_EQ(get(*host, "/services/counter/static/index.html").body, kIndex);
}

TEST_F(StaticFiles, ALargeFileIsStreamedWholeOrInPartUnderEitherFront) {
    // 24 MiB of bytes that differ from one offset to the next.
    std::string large(24 << 20, '\0');
    for (std::size_t index = 0; index < large.size(); ++index) {
        large[index] = static_cast<char>((index * 31 + index / 4096) % 251);
    }
    for (const std::string front : {"event", "threads"}) {
        auto host = startHost({}, {"--define", "http.front=" + front});
        ASSERT_EQ(deploy(*host, "counter", "1.0.0", site()).status, 201) << front;
        writeFile(fs::path(host->pluginsDir()) / "counter_1.0.0/assets/large.bin", large);
        const std::string path = "/services/counter/static/large.bin";

        Response whole = get(*host, path);
        ASSERT_EQ(whole.status, 200) << front;
        EXPECT_EQ(whole.body.size(), large.size()) << front;
        EXPECT_TRUE(whole.body == large) << front;

        Response tail = get(*host, path, {{"Range", "bytes=20000000-"}});
        ASSERT_EQ(tail.status, 206) << front;
        EXPECT_EQ(tail.header("Content-Range"), "bytes 20000000-" +
                                                    std::to_string(large.size() - 1) + "/" +
                                                    std::to_string(large.size()))
            << front;
        EXPECT_TRUE(tail.body == large.substr(20000000)) << front;

        Response head = request(host->port(), "HEAD", path);
        EXPECT_EQ(head.status, 200) << front;
        EXPECT_EQ(head.header("Content-Length"), std::to_string(large.size())) << front;
        EXPECT_EQ(head.body, "") << front;

        Response same = get(*host, path, {{"If-None-Match", whole.header("ETag")}});
        EXPECT_EQ(same.status, 304) << front;
        EXPECT_EQ(same.body, "") << front;
        Response beyond = get(*host, path, {{"Range", "bytes=99999999-"}});
        EXPECT_EQ(beyond.status, 416) << front;
        EXPECT_EQ(beyond.header("Content-Range"), "bytes */" + std::to_string(large.size()))
            << front;
    }
}

TEST_F(StaticFiles, CurlDrivesRangesAndConditionalRequests) {
    auto host = hostWithSite();
    std::string base = "http://127.0.0.1:" + std::to_string(host->port());
    fs::path body = fs::path(scratch_) / "body";
    std::string data = binaryData();

    CurlRun range = runCurl({"-r", "0-9", base + "/services/counter/static/data.bin"}, body);
    EXPECT_EQ(range.exitCode, 0);
    EXPECT_EQ(range.status, "206");
    EXPECT_EQ(range.body, data.substr(0, 10));
    CurlRun suffix = runCurl({"-r", "-5", base + "/services/counter/static/data.bin"}, body);
    EXPECT_EQ(suffix.status, "206");
    EXPECT_EQ(suffix.body, data.substr(995));

    // --etag-save, then --etag-compare: 304 while the file is unchanged.
    fs::path tagFile = fs::path(scratch_) / "etag";
    CurlRun saved = runCurl(
        {"--etag-save", tagFile.string(), base + "/services/counter/static/index.html"}, body);
    EXPECT_EQ(saved.status, "200");
    EXPECT_EQ(saved.body, kIndex);
    CurlRun compared = runCurl(
        {"--etag-compare", tagFile.string(), base + "/services/counter/static/index.html"}, body);
    EXPECT_EQ(compared.status, "304");
    std::string tag = readFile(tagFile);
    while (!tag.empty() && (tag.back() == '\n' || tag.back() == '\r')) {
        tag.pop_back();
    }
    CurlRun header = runCurl(
        {"-H", "If-None-Match: " + tag, base + "/services/counter/static/index.html"}, body);
    EXPECT_EQ(header.status, "304");

    // -z DATE sends If-Modified-Since: 304 for the file's own date, 200 for an older one.
    std::string modified =
        get(*host, "/services/counter/static/index.html").header("Last-Modified");
    CurlRun since = runCurl({"-z", modified, base + "/services/counter/static/index.html"}, body);
    EXPECT_EQ(since.status, "304");
    CurlRun older = runCurl(
        {"-z", "Sat, 01 Jan 2000 00:00:00 GMT", base + "/services/counter/static/index.html"},
        body);
    EXPECT_EQ(older.status, "200");
    EXPECT_EQ(older.body, kIndex);

    // curl's own path handling keeps `..` out unless told otherwise; with --path-as-is it is 404.
    CurlRun escape =
        runCurl({"--path-as-is", base + "/services/counter/static/../../../../etc/passwd"}, body);
    EXPECT_EQ(escape.status, "404");
}

}  // namespace
}  // namespace mvi::test
