// MonitorStore on a real SQLite file: kinds of values and how they read back, refused input
// (nothing already stored is lost), the bounded queue (a full queue refuses a call as a whole
// and loses no accepted row), durable stores (committed when store returns, from many threads at
// once), writes the database refuses (counted, remembered, told to durable callers), retention by
// rows and by age, the exported copy, filters, and persistence across a reopen (accepted values
// are written on shutdown).

#include "monitor/MonitorStore.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"
#include "state/SqliteDatabase.h"

namespace mvi::host {
namespace {

using nlohmann::json;
using namespace Poco::Data::Keywords;

const ServiceId kSensor{"sensor", "1.0.0"};
const ServiceId kSensorNext{"sensor", "2.0.0"};
const ServiceId kOther{"other", "1.0.0"};

/// A timestamp `seconds` after a fixed moment.
Poco::Timestamp at(Poco::Int64 seconds) {
    return Poco::Timestamp(Poco::Int64(1800000000) * 1000000 + seconds * 1000000);
}

class MonitorStoreTest : public ::testing::Test {
  protected:
    void SetUp() override { directory_ = mvi::test::makeTemporaryDirectory(); }

    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    std::unique_ptr<MonitorStore> open(MonitorStore::Settings settings = {}) {
        return std::make_unique<MonitorStore>(Database::open(path()), settings);
    }

    std::string path() const { return directory_ + "/data/mvi.db"; }

    /// The values of `variable` of `service` (all versions when `version` is empty).
    static std::vector<json> values(const MonitorStore& store, const std::string& name,
                                    const std::string& variable, const std::string& version = "") {
        MonitorStore::Query query;
        query.name = name;
        query.version = version;
        query.variables = {variable};
        std::vector<json> result;
        const MonitorStore::Series series = store.read(query);
        for (const auto& point : series.at(variable)) {
            result.push_back(point.value);
        }
        return result;
    }

    std::string directory_;
};

TEST_F(MonitorStoreTest, NumbersTextsAndJsonReadBackAsStored) {
    auto store = open();
    ASSERT_TRUE(store->store(kSensor,
                             {{"temperature", 21.5},
                              {"count", 3},
                              {"label", "ok"},
                              {"flags", {{"a", true}, {"list", {1, 2}}}},
                              {"enabled", false},
                              {"nothing", nullptr}},
                             at(1)));
    store->flush();
    EXPECT_EQ(values(*store, "sensor", "temperature"), std::vector<json>{21.5});
    EXPECT_EQ(values(*store, "sensor", "count"), std::vector<json>{3});
    EXPECT_TRUE(values(*store, "sensor", "count")[0].is_number_integer());
    EXPECT_EQ(values(*store, "sensor", "label"), std::vector<json>{"ok"});
    EXPECT_EQ(values(*store, "sensor", "flags"),
              (std::vector<json>{json{{"a", true}, {"list", {1, 2}}}}));
    EXPECT_EQ(values(*store, "sensor", "enabled"), std::vector<json>{false});
    EXPECT_EQ(values(*store, "sensor", "nothing"), std::vector<json>{nullptr});
    // A text that looks like JSON stays a text.
    ASSERT_TRUE(store->store(kSensor, {{"label", "[1]"}}, at(2)));
    store->flush();
    EXPECT_EQ(values(*store, "sensor", "label"), (std::vector<json>{"ok", "[1]"}));

    // The kind column says how each value is kept.
    Poco::Data::Session session = SqliteDatabase::open("test", path());
    int numbers = 0;
    int texts = 0;
    int jsons = 0;
    session << "SELECT COUNT(*) FROM monitor_values WHERE kind = 0 AND number IS NOT NULL",
        into(numbers), now;
    session << "SELECT COUNT(*) FROM monitor_values WHERE kind = 1 AND text IS NOT NULL",
        into(texts), now;
    session << "SELECT COUNT(*) FROM monitor_values WHERE kind = 2 AND text IS NOT NULL",
        into(jsons), now;
    EXPECT_EQ(numbers, 2);
    EXPECT_EQ(texts, 2);
    EXPECT_EQ(jsons, 3);
}

TEST_F(MonitorStoreTest, OneCallSharesOneTimestamp) {
    auto store = open();
    ASSERT_TRUE(store->store(kSensor, {{"a", 1}, {"b", 2}}));
    store->flush();
    MonitorStore::Query query{"sensor", "", std::nullopt, std::nullopt, {}};
    auto series = store->read(query);
    ASSERT_EQ(series.size(), 2u);
    EXPECT_EQ(series.at("a").at(0).time, series.at("b").at(0).time);
}

TEST_F(MonitorStoreTest, RefusedValuesChangeNothing) {
    auto store = open();
    ASSERT_TRUE(store->store(kSensor, {{"kept", 1}}, at(1)));
    EXPECT_THROW(store->store(kSensor, json::array({1, 2})), std::invalid_argument);
    EXPECT_THROW(store->store(kSensor, json::object()), std::invalid_argument);
    EXPECT_THROW(store->store(kSensor, {{"Bad-Name", 1}}), std::invalid_argument);
    EXPECT_THROW(store->store(kSensor, {{"kept", 2}, {"9lives", 1}}), std::invalid_argument);
    EXPECT_THROW(store->store(kSensor, {{"kept", std::nan("")}}), std::invalid_argument);
    EXPECT_THROW(store->store(kSensor, {{"kept", {{"deep", -HUGE_VAL}}}}), std::invalid_argument);
    std::string notUtf8 = "\xff\xfe";
    EXPECT_THROW(store->store(kSensor, {{"kept", json::array({notUtf8})}}), std::invalid_argument);
    store->flush();
    EXPECT_EQ(values(*store, "sensor", "kept"), std::vector<json>{1});
    EXPECT_EQ(store->variables("sensor"), std::vector<std::string>{"kept"});
}

TEST_F(MonitorStoreTest, FullQueueRefusesWholeCallsAndKeepsAcceptedOnes) {
    MonitorStore::Settings settings;
    settings.durability = MonitorStore::Durability::Queued;
    settings.queueCapacity = 2;
    auto store = open(settings);
    // Another connection holds the write lock, so the writer cannot drain the queue.
    Poco::Data::Session blocker = SqliteDatabase::open("test", path());
    blocker << "BEGIN IMMEDIATE", now;
    int accepted = 0;
    bool refused = false;
    for (int i = 0; i < 10 && !refused; ++i) {
        if (store->store(kSensor, {{"value", i}, {"twin", i}}, at(i))) {
            ++accepted;
        } else {
            refused = true;
        }
    }
    blocker << "COMMIT", now;
    ASSERT_TRUE(refused);
    EXPECT_GE(accepted, 2);
    EXPECT_EQ(store->droppedBatches(), 1u);
    store->flush();
    EXPECT_EQ(store->failedBatches(), 0u);
    std::vector<json> expected;
    for (int i = 0; i < accepted; ++i) {
        expected.push_back(i);
    }
    EXPECT_EQ(values(*store, "sensor", "value"), expected);
    // Nothing of the refused call was kept: both of its variables are missing together.
    EXPECT_EQ(values(*store, "sensor", "twin"), expected);
    // The queue works again once drained.
    EXPECT_TRUE(store->store(kSensor, {{"value", 100}}, at(100)));
}

TEST_F(MonitorStoreTest, DurableStoreReturnsOnlyOnceItsValuesAreCommitted) {
    auto store = open();
    ASSERT_EQ(store->durability(), MonitorStore::Durability::Durable);
    // Read through a connection of the test's own: what it sees is in the file.
    Poco::Data::Session reader = SqliteDatabase::open("test", path());
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(store->store(kSensor, {{"value", i}}, at(i)));
        int rows = 0;
        reader << "SELECT COUNT(*) FROM monitor_values", into(rows), now;
        ASSERT_EQ(rows, i + 1);
    }
}

TEST_F(MonitorStoreTest, DurableCallsFromManyThreadsAreAllCommitted) {
    auto store = open();
    constexpr int kThreads = 8;
    constexpr int kCalls = 50;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kCalls; ++i) {
                if (!store->store(kSensor, {{"value", t * kCalls + i}}, at(i))) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
    // Nothing waits in the queue: every value is in the file already.
    Poco::Data::Session reader = SqliteDatabase::open("test", path());
    int rows = 0;
    reader << "SELECT COUNT(*) FROM monitor_values", into(rows), now;
    EXPECT_EQ(rows, kThreads * kCalls);
}

TEST_F(MonitorStoreTest, AWriteTheDatabaseRefusesIsCountedRememberedAndToldToDurableCallers) {
    for (auto durability : {MonitorStore::Durability::Queued, MonitorStore::Durability::Durable}) {
        std::filesystem::remove_all(directory_ + "/data");
        MonitorStore::Settings settings;
        settings.durability = durability;
        auto store = open(settings);
        // The table disappears under the store: every insert fails.
        Poco::Data::Session other = SqliteDatabase::open("test", path());
        other << "DROP TABLE monitor_values", now;
        if (durability == MonitorStore::Durability::Durable) {
            EXPECT_THROW(store->store(kSensor, {{"value", 1}}), std::runtime_error);
        } else {
            EXPECT_TRUE(store->store(kSensor, {{"value", 1}}));
            store->flush();
        }
        EXPECT_EQ(store->failedBatches(), 1u);
        EXPECT_NE(store->lastError().find("no such table"), std::string::npos)
            << store->lastError();
    }
}

TEST_F(MonitorStoreTest, AcceptedValuesAreWrittenOnShutdownAndSurviveReopening) {
    {
        auto store = open();
        for (int i = 0; i < 50; ++i) {
            ASSERT_TRUE(store->store(kSensor, {{"value", i}}, at(i)));
        }
        // No flush: destroying the store writes what it accepted.
    }
    auto reopened = open();
    EXPECT_EQ(values(*reopened, "sensor", "value").size(), 50u);
}

TEST_F(MonitorStoreTest, StopWritesWhatWasAcceptedThenRefusesAndStillReads) {
    auto store = open();
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(store->store(kSensor, {{"value", i}}, at(i)));
    }
    store->stop();
    EXPECT_EQ(values(*store, "sensor", "value").size(), 50u);
    EXPECT_FALSE(store->store(kSensor, {{"value", 50}}, at(50)));
    store->flush();
    store->stop();
    EXPECT_EQ(values(*store, "sensor", "value").size(), 50u);
}

TEST_F(MonitorStoreTest, RetentionKeepsTheNewestRowsPerNameAndVariable) {
    MonitorStore::Settings settings;
    settings.retentionRows = 2;
    auto store = open(settings);
    for (int i = 0; i < 5; ++i) {
        // Two versions of one name share the limit.
        ASSERT_TRUE(store->store(i % 2 == 0 ? kSensor : kSensorNext, {{"a", i}}, at(i)));
    }
    ASSERT_TRUE(store->store(kSensor, {{"b", 1}}, at(1)));
    ASSERT_TRUE(store->store(kOther, {{"a", 1}}, at(1)));
    store->flush();
    EXPECT_EQ(store->cleanup(), 3u);
    EXPECT_EQ(values(*store, "sensor", "a"), (std::vector<json>{3, 4}));
    EXPECT_EQ(values(*store, "sensor", "b"), std::vector<json>{1});
    EXPECT_EQ(values(*store, "other", "a"), std::vector<json>{1});
    EXPECT_EQ(store->cleanup(), 0u);
}

TEST_F(MonitorStoreTest, RetentionRemovesRowsOlderThanTheAge) {
    MonitorStore::Settings settings;
    settings.retentionSeconds = 3600;
    auto store = open(settings);
    Poco::Timestamp current;
    ASSERT_TRUE(store->store(kSensor, {{"a", 1}}, current - Poco::Timespan(7200, 0)));
    ASSERT_TRUE(store->store(kSensor, {{"a", 2}}, current - Poco::Timespan(60, 0)));
    ASSERT_TRUE(store->store(kSensor, {{"a", 3}}, current));
    store->flush();
    EXPECT_EQ(store->cleanup(), 1u);
    EXPECT_EQ(values(*store, "sensor", "a"), (std::vector<json>{2, 3}));
}

TEST_F(MonitorStoreTest, PeriodicCleanupRunsOnItsOwn) {
    MonitorStore::Settings settings;
    settings.retentionRows = 1;
    settings.cleanupInterval = std::chrono::milliseconds(20);
    auto store = open(settings);
    ASSERT_TRUE(store->store(kSensor, {{"a", 1}}, at(1)));
    ASSERT_TRUE(store->store(kSensor, {{"a", 2}}, at(2)));
    EXPECT_TRUE(mvi::test::waitFor([&] { return values(*store, "sensor", "a").size() == 1; }));
    EXPECT_EQ(values(*store, "sensor", "a"), std::vector<json>{2});
}

TEST_F(MonitorStoreTest, ReadFiltersByTimeVersionAndVariable) {
    auto store = open();
    for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(store->store(i < 3 ? kSensor : kSensorNext, {{"a", i}, {"b", i * 10}}, at(i)));
    }
    store->flush();
    MonitorStore::Query query;
    query.name = "sensor";
    query.start = at(1);
    query.end = at(4);
    query.variables = {"b"};
    auto series = store->read(query);
    ASSERT_EQ(series.size(), 1u);
    std::vector<json> b;
    for (const auto& point : series.at("b")) {
        b.push_back(point.value);
    }
    EXPECT_EQ(b, (std::vector<json>{10, 20, 30, 40}));
    EXPECT_EQ(values(*store, "sensor", "a", "2.0.0"), (std::vector<json>{3, 4, 5}));
    EXPECT_EQ(store->versions("sensor"), (std::vector<std::string>{"1.0.0", "2.0.0"}));
    EXPECT_TRUE(store->versions("nobody").empty());
}

TEST_F(MonitorStoreTest, ExportHoldsOnlyTheMatchingRows) {
    auto store = open();
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(store->store(kSensor, {{"a", i}, {"label", "x"}}, at(i)));
        ASSERT_TRUE(store->store(kOther, {{"a", i}}, at(i)));
    }
    store->flush();
    std::string copy = directory_ + "/copy.db";
    MonitorStore::Query query;
    query.name = "sensor";
    store->exportDatabase(query, copy);
    Poco::Data::Session session = SqliteDatabase::open("copy", copy);
    int rows = 0;
    int others = 0;
    int labels = 0;
    session << "SELECT COUNT(*) FROM monitor_values", into(rows), now;
    session << "SELECT COUNT(*) FROM monitor_values WHERE service_name <> 'sensor'", into(others),
        now;
    session << "SELECT COUNT(*) FROM monitor_values WHERE variable = 'label' AND kind = 1 AND "
               "text = 'x'",
        into(labels), now;
    EXPECT_EQ(rows, 8);
    EXPECT_EQ(others, 0);
    EXPECT_EQ(labels, 4);
    // The store's own connection is usable again afterwards (the copy was detached).
    EXPECT_EQ(values(*store, "sensor", "a").size(), 4u);
    std::string filtered = directory_ + "/filtered.db";
    query.variables = {"a"};
    query.start = at(2);
    store->exportDatabase(query, filtered);
    Poco::Data::Session second = SqliteDatabase::open("copy", filtered);
    second << "SELECT COUNT(*) FROM monitor_values", into(rows), now;
    EXPECT_EQ(rows, 2);
}

}  // namespace
}  // namespace mvi::host
