// The stores of the data folder (state, notifications, auth, monitoring, logs) on a real full
// file system (a small tmpfs, filled up): a write the disk refuses throws StorageError (disk
// full, 507) and changes nothing, reads still work, and once space is free again the stores go
// on where they were. A service log never merges a line torn by the full disk with the next
// one, whether it was written at once or held and written later. Skipped where a tmpfs cannot be
// mounted (not root).

#include <Poco/Data/Session.h>
#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "SmallFileSystem.h"
#include "auth/AuthStore.h"
#include "logs/VersionLog.h"
#include "monitor/MonitorStore.h"
#include "notifications/NotificationStore.h"
#include "plugin/PluginLoader.h"
#include "state/SqliteDatabase.h"
#include "state/StateStore.h"
#include "state/StorageError.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace Poco::Data::Keywords;

const ServiceId kHello{"hello", "1.0.0"};

class FullDiskTest : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = mvi::test::makeTemporaryDirectory();
        disk_ = std::make_unique<mvi::test::SmallFileSystem>(directory_ + "/data", 8 << 20);
        if (!disk_->mounted()) {
            GTEST_SKIP() << disk_->problem();
        }
    }

    void TearDown() override {
        disk_.reset();
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }

    std::string dbPath() const { return directory_ + "/data/mvi.db"; }

    /// Moves everything in the write-ahead log into the database and empties the log file, so
    /// that the next write needs new blocks (a log with room left would take a small write).
    void emptyTheWriteAheadLog() const {
        Poco::Data::Session session = SqliteDatabase::open("test", dbPath());
        session << "PRAGMA wal_checkpoint(TRUNCATE)", now;
    }

    /// Runs `write`, which must throw a StorageError for a full disk.
    template <typename Write>
    static void expectDiskFull(Write write) {
        try {
            write();
            ADD_FAILURE() << "the write succeeded on a full disk";
        } catch (const StorageError& error) {
            EXPECT_EQ(error.cause(), StorageError::Cause::Full) << error.what();
            EXPECT_EQ(error.httpStatus(), 507);
            EXPECT_NE(std::string(error.what()).find("disk full"), std::string::npos)
                << error.what();
        }
    }

    std::string directory_;
    std::unique_ptr<mvi::test::SmallFileSystem> disk_;
};

TEST_F(FullDiskTest, StateStoreKeepsTheOldValuesAndWritesAgainOnceThereIsSpace) {
    {
        StateStore state(Database::open(dbPath()));
        state.saveParameter(kHello, "greeting", "old");
        state.recordDeployment(kHello, "aaaa", Environment{{"GREETING", "old"}},
                               StateStore::MainMark{"1.0.0"});
        emptyTheWriteAheadLog();
        disk_->fill();
        expectDiskFull([&] {
            state.recordDeployment(kHello, "aaaa", Environment{{"GREETING", "new"}},
                                   StateStore::MainMark{"1.0.0"});
        });
        expectDiskFull([&] { state.saveParameter(kHello, "greeting", "new"); });
        expectDiskFull([&] { state.setMain("hello", std::string("2.0.0")); });
        expectDiskFull([&] {
            state.recordDeployment(ServiceId{"hello", "2.0.0"}, "bbbb",
                                   StateStore::MainMark{"2.0.0"});
        });
        expectDiskFull([&] { state.removeDeployment(kHello, StateStore::MainMark{}); });
        // Reads work on a full disk, and nothing changed.
        EXPECT_EQ(state.parameters(kHello).at("greeting"), "old");
        EXPECT_EQ(state.main("hello"), "1.0.0");
        EXPECT_EQ(state.deployments().size(), 1u);
        EXPECT_EQ(state.environment(kHello), (Environment{{"GREETING", "old"}}));
        disk_->release();
        state.saveParameter(kHello, "greeting", "after");
    }
    StateStore reopened(Database::open(dbPath()));
    EXPECT_EQ(reopened.parameters(kHello).at("greeting"), "after");
    EXPECT_EQ(reopened.main("hello"), "1.0.0");
    EXPECT_EQ(reopened.environment(kHello), (Environment{{"GREETING", "old"}}));
}

TEST_F(FullDiskTest, NotificationStoreRaisesNothingOnAFullDisk) {
    NotificationStore notifications(Database::open(dbPath()));
    notifications.raise(kHello, Severity::Warning, "before");
    emptyTheWriteAheadLog();
    disk_->fill();
    expectDiskFull([&] { notifications.raise(kHello, Severity::Warning, "during"); });
    expectDiskFull([&] { notifications.raise(kHello, Severity::Warning, "before"); });
    expectDiskFull([&] { notifications.clear(); });
    auto listed = notifications.list();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].message, "before");
    EXPECT_EQ(listed[0].counter, 1u);
    disk_->release();
    EXPECT_EQ(notifications.raise(kHello, Severity::Warning, "before").counter, 2u);
}

TEST_F(FullDiskTest, AuthStoreIssuesAndRevokesNothingOnAFullDisk) {
    AuthStore auth(Database::open(dbPath()));
    auth.addToken(TokenRecord{"kept", "admin", Poco::Timestamp(), std::nullopt, false});
    emptyTheWriteAheadLog();
    disk_->fill();
    expectDiskFull([&] {
        auth.addToken(TokenRecord{"new", "admin", Poco::Timestamp(), std::nullopt, false});
    });
    expectDiskFull([&] { auth.revokeToken("kept"); });
    auto tokens = auth.tokens();
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(tokens[0].id, "kept");
    EXPECT_FALSE(tokens[0].revoked);
    disk_->release();
    EXPECT_TRUE(auth.revokeToken("kept"));
}

TEST_F(FullDiskTest, AuthStoreAddsChangesAndRemovesNoUserOnAFullDisk) {
    AuthStore auth(Database::open(dbPath()));
    ASSERT_TRUE(auth.addUser("kept", "hash"));
    emptyTheWriteAheadLog();
    disk_->fill();
    expectDiskFull([&] { auth.addUser("new", "hash"); });
    expectDiskFull([&] { auth.changePasswordHash("kept", "other"); });
    expectDiskFull([&] { auth.removeUser("kept"); });
    EXPECT_EQ(auth.users(), std::vector<std::string>{"kept"});
    EXPECT_EQ(auth.passwordHash("kept"), "hash");
    disk_->release();
    EXPECT_TRUE(auth.removeUser("kept"));
}

TEST_F(FullDiskTest, DurableMonitoringTellsTheCallerAndCountsWhatItCouldNotWrite) {
    MonitorStore::Settings settings;
    settings.durability = MonitorStore::Durability::Durable;
    MonitorStore store(Database::open(dbPath()), settings);
    ASSERT_TRUE(store.store(kHello, {{"value", 1}}));
    emptyTheWriteAheadLog();
    disk_->fill();
    expectDiskFull([&] { store.store(kHello, {{"value", 2}}); });
    EXPECT_EQ(store.failedBatches(), 1u);
    EXPECT_NE(store.lastError().find("disk full"), std::string::npos) << store.lastError();
    disk_->release();
    ASSERT_TRUE(store.store(kHello, {{"value", 3}}));
    MonitorStore::Query query;
    query.name = "hello";
    query.variables = {"value"};
    const MonitorStore::Series series = store.read(query);
    std::vector<json> values;
    for (const auto& point : series.at("value")) {
        values.push_back(point.value);
    }
    EXPECT_EQ(values, (std::vector<json>{1, 3}));
}

TEST_F(FullDiskTest, QueuedMonitoringCountsAndRemembersWhatItCouldNotWrite) {
    MonitorStore::Settings settings;
    settings.durability = MonitorStore::Durability::Queued;
    MonitorStore store(Database::open(dbPath()), settings);
    ASSERT_TRUE(store.store(kHello, {{"value", 1}}));
    store.flush();
    emptyTheWriteAheadLog();
    disk_->fill();
    // Accepted into the queue; the writer cannot write it.
    ASSERT_TRUE(store.store(kHello, {{"value", 2}}));
    store.flush();
    EXPECT_EQ(store.failedBatches(), 1u);
    EXPECT_NE(store.lastError().find("disk full"), std::string::npos) << store.lastError();
    disk_->release();
    ASSERT_TRUE(store.store(kHello, {{"value", 3}}));
    store.flush();
    EXPECT_EQ(store.failedBatches(), 1u);
    EXPECT_EQ(store.variables("hello"), std::vector<std::string>{"value"});
}

TEST_F(FullDiskTest, ALogLineTornByAFullDiskIsNotMergedWithTheNextOne) {
    VersionLog log(directory_ + "/data/logs/hello/1.0.0.log", VersionLog::Settings{},
                   Poco::Logger::get("test"));
    log.append(LogLevel::Info, "before");
    // The file's last block has room for a few thousand bytes, not for this line.
    disk_->fill();
    log.append(LogLevel::Info, std::string(20000, 'x'));
    log.append(LogLevel::Info, "after");
    disk_->release();
    log.append(LogLevel::Info, "later");

    std::vector<std::string> lines = log.read(LogQuery{});
    // Every line is whole, and nothing of the torn one is left.
    const std::regex wholeLine(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z (INFO|WARNING) .*)");
    for (const std::string& line : lines) {
        EXPECT_TRUE(std::regex_match(line, wholeLine)) << line.substr(0, 200);
        EXPECT_EQ(line.find("xxxx"), std::string::npos) << line.substr(0, 200);
    }
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_NE(lines[0].find("INFO before"), std::string::npos);
    EXPECT_NE(lines[1].find("WARNING 1 line(s) of this log could not be written"),
              std::string::npos)
        << lines[1];
    EXPECT_NE(lines[2].find("INFO after"), std::string::npos);
    EXPECT_NE(lines[3].find("INFO later"), std::string::npos);
}

TEST_F(FullDiskTest, HeldLinesThatCannotBeWrittenAreCountedLikeLinesWrittenAtOnce) {
    // A log whose lines are held until `flush` (the background writer of logs.flush = interval).
    VersionLog log(directory_ + "/data/logs/hello/1.0.0.log", VersionLog::Settings{},
                   Poco::Logger::get("test"), std::make_shared<HeldBytes>(1 << 20));
    EXPECT_TRUE(log.append(LogLevel::Info, "before"));
    log.flush();
    disk_->fill();
    // Both go out in one write that the disk cuts short: neither reaches the file whole.
    EXPECT_TRUE(log.append(LogLevel::Info, std::string(20000, 'x')));
    EXPECT_FALSE(log.append(LogLevel::Info, "after"));
    log.flush();
    // Reads see what was written; the appender never saw the failure.
    disk_->release();
    EXPECT_TRUE(log.append(LogLevel::Info, "later"));
    log.flush();

    std::vector<std::string> lines = log.read(LogQuery{});
    const std::regex wholeLine(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z (INFO|WARNING) .*)");
    for (const std::string& line : lines) {
        EXPECT_TRUE(std::regex_match(line, wholeLine)) << line.substr(0, 200);
        EXPECT_EQ(line.find("xxxx"), std::string::npos) << line.substr(0, 200);
    }
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[0].find("INFO before"), std::string::npos);
    EXPECT_NE(lines[1].find("WARNING 2 line(s) of this log could not be written"),
              std::string::npos)
        << lines[1];
    EXPECT_NE(lines[2].find("INFO later"), std::string::npos);
}

TEST_F(FullDiskTest, APluginThatCannotBeCopiedIntoTheCacheIsAStorageError) {
    const std::string cache = directory_ + "/data/cache";
    LogStore logs{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                  Poco::Logger::get("test")};
    NotificationStore notifications;
    Unloader unloader{Poco::Logger::get("test")};
    PluginLoader loader{
        cache, HostServices{logs, notifications}, {}, unloader, Poco::Logger::get("test")};
    disk_->fill();
    const std::string plugin = mvi::test::builtPlugin("fixture_counter_v1");

    // An upload asks for the error itself: 507, and no version made.
    try {
        loader.load({"counter", "1.0.0"}, plugin, PluginLoader::StorageErrors::Throw);
        ADD_FAILURE() << "a full cache was not reported";
    } catch (const StorageError& error) {
        EXPECT_EQ(error.httpStatus(), 507);
        EXPECT_NE(std::string(error.what()).find("disk full"), std::string::npos) << error.what();
    }
    // A scan of the folder marks the version failed with the reason.
    auto version = loader.load({"counter", "1.0.1"}, plugin);
    EXPECT_EQ(version->state(), VersionState::Failed);
    EXPECT_NE(version->error().find("plugin cache: disk full"), std::string::npos)
        << version->error();
    // Neither left a partial copy behind.
    EXPECT_TRUE(fs::is_empty(cache));

    disk_->release();
    auto loaded = loader.load({"counter", "1.0.2"}, plugin, PluginLoader::StorageErrors::Throw);
    EXPECT_EQ(loaded->state(), VersionState::Ready) << loaded->error();
}

}  // namespace
}  // namespace mvi::host
