// A real mvi-host whose data folder is a small tmpfs that fills up: every change that cannot be
// persisted answers 507 with a `detail` naming the full disk and changes nothing, in memory or
// after a restart (parameters, main assignment, kill, upload, notifications); a log line torn by
// the full disk is not merged with the next one; monitoring values that cannot be written fail a
// durable call, and are counted and shown in /~ready and /metrics in both modes. Skipped where a
// tmpfs cannot be mounted (not root).

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "SmallFileSystem.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace Poco::Data::Keywords;

class HostOnFullDisk : public ::testing::Test {
  protected:
    void SetUp() override {
        work_ = makeTemporaryDirectory();
        fs::create_directories(fs::path(work_) / "plugins");
        disk_ = std::make_unique<SmallFileSystem>((fs::path(work_) / "data").string(), 48 << 20);
        if (!disk_->mounted()) {
            GTEST_SKIP() << disk_->problem();
        }
    }

    void TearDown() override {
        host_.reset();
        disk_.reset();
        std::error_code ignored;
        fs::remove_all(work_, ignored);
    }

    void install(const std::string& target, const std::string& fileName) {
        installPlugin(builtPlugin(target), (fs::path(work_) / "plugins").string(), fileName);
    }

    /// Starts (or restarts) the host on this test's folders.
    HostProcess& start(std::vector<std::string> arguments = {}) {
        host_.reset();
        host_ = std::make_unique<HostProcess>(std::move(arguments), work_);
        host_->keepWorkDirectory();
        return *host_;
    }

    /// Fills the data folder. The database's write-ahead log is emptied first (as a checkpoint
    /// does), so that the next write to the database needs new blocks.
    void fillTheDisk() {
        Poco::Data::SQLite::Connector::registerConnector();
        const std::string database = (fs::path(work_) / "data" / "mvi.db").string();
        ASSERT_TRUE(waitFor([&] {
            Poco::Data::Session session("SQLite", database);
            int busy = 1;
            int frames = -1;
            int copied = -1;
            session << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(frames), into(copied),
                now;
            return busy == 0 && fs::file_size(database + "-wal") == 0;
        }));
        disk_->fill();
    }

    /// Asserts that `response` is the answer to a write refused for a full disk.
    static void expectDiskFull(const Response& response) {
        EXPECT_EQ(response.status, 507) << response.body;
        if (response.status == 507) {
            std::string detail = response.json().at("detail").get<std::string>();
            EXPECT_NE(detail.find("disk full"), std::string::npos) << detail;
        }
    }

    Response parameter(const std::string& svc) const {
        return host_->get("/services/" + svc + "/~parameters/greeting_phrase");
    }

    Response setParameter(const std::string& svc, const std::string& value) const {
        return host_->post("/services/" + svc + "/~parameters/greeting_phrase", {{"value", value}});
    }

    Response assign(const std::string& version) const {
        return request(host_->port(), "PUT", "/services/~assign",
                       json{{"name", "hello"}, {"version", version}}.dump());
    }

    Response kill(const std::string& version) const {
        return request(host_->port(), "DELETE", "/services/",
                       json{{"name", "hello"}, {"version", version}}.dump());
    }

    bool isMain(const std::string& version) const {
        json entry = serviceEntry(*host_, "hello", version);
        return entry.is_object() && entry["main"] == true;
    }

    /// The `monitoring` object of /~ready.
    json monitoringHealth() const { return host_->get("/~ready").json().at("monitoring"); }

    /// The texts of sentiment's `classify_request` values (none while the variable has none:
    /// in queued mode the first value may not be written yet).
    std::vector<std::string> classifiedTexts() const {
        Response answer = host_->get("/services/sentiment/~monitor?variables=classify_request");
        std::vector<std::string> texts;
        if (answer.status == 412) {
            return texts;
        }
        EXPECT_EQ(answer.status, 200) << answer.body;
        const json body = answer.json();
        for (const auto& value : body["classify_request"]["value"]) {
            texts.push_back(value["text"].get<std::string>());
        }
        return texts;
    }

    std::string work_;
    std::unique_ptr<SmallFileSystem> disk_;
    std::unique_ptr<HostProcess> host_;
};

TEST_F(HostOnFullDisk, ParameterAssignKillAndNotificationsAnswer507AndChangeNothing) {
    install("hello", "hello_1.0.0.so");
    install("hello", "hello_1.1.0.so");
    HostProcess& host = start();
    ASSERT_TRUE(isMain("1.0.0"));
    ASSERT_EQ(setParameter("hello_1.0.0", "Howdy").status, 200);
    ASSERT_EQ(host.post("/notifications/", {{"service_name", "hello"},
                                            {"service_version", "1.0.0"},
                                            {"msg", "before"},
                                            {"severity", 1}})
                  .status,
              200);

    fillTheDisk();
    expectDiskFull(setParameter("hello_1.0.0", "Hi"));
    expectDiskFull(assign("1.1.0"));
    expectDiskFull(kill("1.1.0"));
    expectDiskFull(host.post("/notifications/", {{"service_name", "hello"},
                                                 {"service_version", "1.0.0"},
                                                 {"msg", "during"},
                                                 {"severity", 1}}));
    expectDiskFull(request(host.port(), "DELETE", "/notifications/"));

    // Nothing changed in the running host.
    EXPECT_EQ(parameter("hello_1.0.0").json(), "Howdy");
    Response greeting = host.post("/services/hello/hello", {{"name", "Bob"}});
    EXPECT_EQ(greeting.json(), "Howdy Bob");
    EXPECT_TRUE(isMain("1.0.0"));
    EXPECT_FALSE(isMain("1.1.0"));
    EXPECT_TRUE(serviceEntry(host, "hello", "1.1.0").is_object());
    EXPECT_TRUE(fs::exists(fs::path(work_) / "plugins" / "hello_1.1.0.so"));
    json notifications = host.get("/notifications/").json();
    ASSERT_EQ(notifications.size(), 1u) << notifications.dump();
    EXPECT_EQ(notifications.begin().value()["msg"], "before");

    // Nor after a restart with space again.
    disk_->release();
    start();
    EXPECT_EQ(parameter("hello_1.0.0").json(), "Howdy");
    EXPECT_TRUE(isMain("1.0.0"));
    EXPECT_TRUE(serviceEntry(*host_, "hello", "1.1.0").is_object());
    EXPECT_EQ(host_->get("/notifications/").json().size(), 1u);

    // And every change works again.
    EXPECT_EQ(setParameter("hello_1.0.0", "Hi").status, 200);
    EXPECT_EQ(parameter("hello_1.0.0").json(), "Hi");
    EXPECT_EQ(assign("1.1.0").status, 200);
    EXPECT_TRUE(isMain("1.1.0"));
}

TEST_F(HostOnFullDisk, AnUploadOnAFullDiskAnswers507AndDeploysNothing) {
    install("hello", "hello_1.0.0.so");
    HostProcess& host = start();
    const std::string plugin = readFile(builtPlugin("hello"));
    auto upload = [&] { return deployFile(host.port(), "hello", "2.0.0", plugin, "hello.so"); };
    fillTheDisk();
    expectDiskFull(upload());
    EXPECT_TRUE(serviceEntry(host, "hello", "2.0.0").is_null());
    EXPECT_FALSE(fs::exists(fs::path(work_) / "plugins" / "hello_2.0.0.so"));
    disk_->release();
    EXPECT_EQ(upload().status, 201);
    EXPECT_TRUE(serviceEntry(host, "hello", "2.0.0").is_object());
}

TEST_F(HostOnFullDisk, ALogLineTornByTheFullDiskIsNotMergedWithTheNextOne) {
    install("hello", "hello_1.0.0.so");
    // Each line written by its call: the write the full disk cuts short is the call's own.
    HostProcess& host = start({"--define", "logs.flush=line"});
    ASSERT_EQ(host.post("/services/hello/hello", {{"name", "before"}}).status, 200);
    fillTheDisk();
    // Its log line is far longer than the room left in the log file's last block.
    ASSERT_EQ(host.post("/services/hello/hello", {{"name", std::string(20000, 'x')}}).status, 200);
    disk_->release();
    ASSERT_EQ(host.post("/services/hello/hello", {{"name", "after"}}).status, 200);

    Response logs = host.get("/services/~logs?name=hello&version=1.0.0");
    ASSERT_EQ(logs.status, 200);
    std::istringstream text(logs.body);
    const std::regex wholeLine(
        R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z (DEBUG|INFO|WARNING|ERROR) .*)");
    std::vector<std::string> lines;
    for (std::string line; std::getline(text, line);) {
        EXPECT_TRUE(std::regex_match(line, wholeLine)) << line.substr(0, 200);
        EXPECT_EQ(line.find("xxxx"), std::string::npos) << line.substr(0, 200);
        lines.push_back(line);
    }
    ASSERT_GE(lines.size(), 3u);
    EXPECT_NE(lines[lines.size() - 3].find("name: before"), std::string::npos) << logs.body;
    EXPECT_NE(lines[lines.size() - 2].find("line(s) of this log could not be written"),
              std::string::npos)
        << logs.body;
    EXPECT_NE(lines.back().find("name: after"), std::string::npos) << logs.body;
}

TEST_F(HostOnFullDisk, DurableMonitoringFailsTheCallAndCountsTheValues) {
    install("sentiment", "sentiment_1.0.0.so");
    HostProcess& host = start();
    EXPECT_EQ(monitoringHealth()["durability"], "durable");
    ASSERT_EQ(host.post("/services/sentiment/classify", {{"text", "before"}}).status, 200);
    fillTheDisk();
    Response during = host.post("/services/sentiment/classify", {{"text", "during"}});
    expectDiskFull(during);
    EXPECT_NE(during.body.find("monitoring values could not be stored"), std::string::npos)
        << during.body;
    json health = monitoringHealth();
    EXPECT_GE(health["failed_batches"].get<int>(), 1) << health.dump();
    EXPECT_NE(health.value("last_error", "").find("disk full"), std::string::npos) << health.dump();
    EXPECT_NE(host.get("/metrics").body.find("mvi_monitor_failed_total "), std::string::npos);
    EXPECT_EQ(host.get("/metrics").body.find("mvi_monitor_failed_total 0"), std::string::npos);

    disk_->release();
    ASSERT_EQ(host.post("/services/sentiment/classify", {{"text", "after"}}).status, 200);
    EXPECT_EQ(classifiedTexts(), (std::vector<std::string>{"before", "after"}));
}

TEST_F(HostOnFullDisk, QueuedMonitoringAnswersAndCountsWhatItCouldNotWrite) {
    install("sentiment", "sentiment_1.0.0.so");
    HostProcess& host = start({"--define", "monitor.durability=queued"});
    EXPECT_EQ(monitoringHealth()["durability"], "queued");
    ASSERT_EQ(host.post("/services/sentiment/classify", {{"text", "before"}}).status, 200);
    ASSERT_TRUE(waitFor([&] { return classifiedTexts().size() == 1; }));
    fillTheDisk();
    EXPECT_EQ(host.post("/services/sentiment/classify", {{"text", "during"}}).status, 200);
    json health;
    EXPECT_TRUE(waitFor([&] {
        health = monitoringHealth();
        return health["failed_batches"].get<int>() >= 1;
    })) << health.dump();
    EXPECT_NE(health.value("last_error", "").find("disk full"), std::string::npos) << health.dump();

    // Which batch the full disk refused depends on where SQLite needed a new block: the value
    // of "during" may be among those counted or, when a later batch found room the failed one
    // left, written. Nothing written before is lost, and writing resumes once there is room.
    disk_->release();
    ASSERT_EQ(host.post("/services/sentiment/classify", {{"text", "after"}}).status, 200);
    std::vector<std::string> texts;
    ASSERT_TRUE(waitFor([&] {
        texts = classifiedTexts();
        return !texts.empty() && texts.back() == "after";
    }));
    EXPECT_EQ(texts.front(), "before");
    EXPECT_LE(texts.size(), 3u);
    if (texts.size() == 3) {
        EXPECT_EQ(texts[1], "during");
    }
}

}  // namespace
}  // namespace mvi::test
