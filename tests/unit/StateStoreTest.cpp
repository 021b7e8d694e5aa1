// StateStore: the host's durable state in one SQLite file, exercised on real files.

#include "state/StateStore.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;
using nlohmann::json;

/// Gives each test a fresh temporary folder, removed afterwards.
class StateStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "mvi-state-test-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }

    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    /// A database path below a folder that does not exist yet.
    std::string dbPath() const { return (dir_ / "data" / "state" / "host.db").string(); }

    std::filesystem::path dir_;
};

/// Every kind of JSON value, including edge cases of numbers and strings.
std::vector<json> everyKindOfValue() {
    return {
        "text",
        "",
        json(std::string(
                 "unicode \u00fc\u00f1\u00ee \u2713 \xF0\x9F\x98\x80, quotes \" ' and a NUL ") +
             std::string(1, '\0') + " inside"),
        "'); DROP TABLE parameters; --",
        0,
        -42,
        std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::uint64_t>::max(),
        3.141592653589793,
        1.0,
        -0.0,
        1e-300,
        1.7976931348623157e308,
        true,
        false,
        nullptr,
        json::object(),
        json::array(),
        {{"nested", {{"list", {1, "two", 3.5, nullptr, false}}}}, {"empty", json::object()}},
        {1, "two", {{"three", 3}}, json::array(), nullptr},
    };
}

/// Expects `actual` to be `expected` exactly: equal, with the same serialization, and a float
/// still a float (1.0 does not come back as 1). A non-negative integer may come back unsigned, as
/// from any JSON parse; nlohmann::json treats both as the same integer.
void expectSameJson(const json& actual, const json& expected) {
    EXPECT_EQ(actual, expected);
    EXPECT_EQ(actual.dump(), expected.dump());
    EXPECT_EQ(actual.is_number_float(), expected.is_number_float()) << expected.dump();
    EXPECT_EQ(actual.is_number_integer(), expected.is_number_integer()) << expected.dump();
}

TEST_F(StateStoreTest, CreatesTheFileAndItsParentFolders) {
    const std::string path = dbPath();
    StateStore store(Database::open(path));
    EXPECT_EQ(store.path(), path);
    EXPECT_TRUE(std::filesystem::is_regular_file(path));
    EXPECT_TRUE(store.deployments().empty());
    EXPECT_EQ(store.main("hello"), std::nullopt);
    EXPECT_TRUE(store.parameters({"hello", "1.0.0"}).empty());
}

TEST_F(StateStoreTest, UsesTheWalJournalAndRecordsTheSchemaVersion) {
    const std::string path = dbPath();
    { StateStore store(Database::open(path)); }
    Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
    std::string journalMode;
    int userVersion = 0;
    session << "PRAGMA journal_mode", into(journalMode), now;
    session << "PRAGMA user_version", into(userVersion), now;
    EXPECT_EQ(journalMode, "wal");
    EXPECT_EQ(userVersion, Database::SCHEMA_VERSION);
}

TEST_F(StateStoreTest, RecordsAndListsDeployments) {
    StateStore store(Database::open(dbPath()));
    store.recordDeployment({"hello", "1.0.0"}, "aaa");
    store.recordDeployment({"hello", "2.0.0"}, "bbb");
    store.recordDeployment({"echo", "0.1.0-beta"}, "ccc");
    const std::vector<std::pair<ServiceId, std::string>> expected = {
        {{"echo", "0.1.0-beta"}, "ccc"},
        {{"hello", "1.0.0"}, "aaa"},
        {{"hello", "2.0.0"}, "bbb"},
    };
    EXPECT_EQ(store.deployments(), expected);
}

TEST_F(StateStoreTest, RecordDeploymentOverwritesTheHash) {
    StateStore store(Database::open(dbPath()));
    store.recordDeployment({"hello", "1.0.0"}, "old");
    store.recordDeployment({"hello", "1.0.0"}, "new");
    const std::vector<std::pair<ServiceId, std::string>> expected = {{{"hello", "1.0.0"}, "new"}};
    EXPECT_EQ(store.deployments(), expected);
}

TEST_F(StateStoreTest, SetMainRoundTripsOverwritesAndClears) {
    StateStore store(Database::open(dbPath()));
    store.setMain("hello", "1.0.0");
    EXPECT_EQ(store.main("hello"), "1.0.0");
    store.setMain("hello", "2.0.0");
    EXPECT_EQ(store.main("hello"), "2.0.0");
    store.setMain("hello", std::nullopt);
    EXPECT_EQ(store.main("hello"), std::nullopt);
    store.setMain("hello", std::nullopt);
    EXPECT_EQ(store.main("hello"), std::nullopt);
}

TEST_F(StateStoreTest, MainIsKeptPerService) {
    StateStore store(Database::open(dbPath()));
    store.setMain("hello", "1.0.0");
    store.setMain("echo", "3.0.0");
    EXPECT_EQ(store.main("hello"), "1.0.0");
    EXPECT_EQ(store.main("echo"), "3.0.0");
    EXPECT_EQ(store.main("other"), std::nullopt);
}

TEST_F(StateStoreTest, SaveParameterRoundTripsAndOverwrites) {
    StateStore store(Database::open(dbPath()));
    const ServiceId hello{"hello", "1.0.0"};
    store.saveParameter(hello, "phrase", "Hello");
    store.saveParameter(hello, "count", 3);
    EXPECT_EQ(store.parameters(hello),
              (std::map<std::string, json>{{"count", 3}, {"phrase", "Hello"}}));
    store.saveParameter(hello, "phrase", {{"changed", true}});
    EXPECT_EQ(store.parameters(hello),
              (std::map<std::string, json>{{"count", 3}, {"phrase", {{"changed", true}}}}));
}

TEST_F(StateStoreTest, ParametersAreKeptPerVersion) {
    StateStore store(Database::open(dbPath()));
    store.saveParameter({"hello", "1.0.0"}, "phrase", "one");
    store.saveParameter({"hello", "2.0.0"}, "phrase", "two");
    store.saveParameter({"echo", "1.0.0"}, "phrase", "echo");
    EXPECT_EQ(store.parameters({"hello", "1.0.0"}),
              (std::map<std::string, json>{{"phrase", "one"}}));
    EXPECT_EQ(store.parameters({"hello", "2.0.0"}),
              (std::map<std::string, json>{{"phrase", "two"}}));
    EXPECT_EQ(store.parameters({"echo", "1.0.0"}),
              (std::map<std::string, json>{{"phrase", "echo"}}));
}

TEST_F(StateStoreTest, RemoveDeploymentDropsItsParametersAndMainMark) {
    StateStore store(Database::open(dbPath()));
    const ServiceId one{"hello", "1.0.0"};
    const ServiceId two{"hello", "2.0.0"};
    store.recordDeployment(one, "aaa");
    store.recordDeployment(two, "bbb");
    store.saveParameter(one, "phrase", "one");
    store.saveParameter(two, "phrase", "two");
    store.setMain("hello", "1.0.0");

    store.removeDeployment(one);

    const std::vector<std::pair<ServiceId, std::string>> expected = {{two, "bbb"}};
    EXPECT_EQ(store.deployments(), expected);
    EXPECT_TRUE(store.parameters(one).empty());
    EXPECT_EQ(store.parameters(two), (std::map<std::string, json>{{"phrase", "two"}}));
    EXPECT_EQ(store.main("hello"), std::nullopt);
}

TEST_F(StateStoreTest, EachDeploymentKeepsItsOwnEnvironment) {
    StateStore store(Database::open(dbPath()));
    const ServiceId one{"hello", "1.0.0"};
    const ServiceId two{"hello", "2.0.0"};
    const Environment environment = {
        {"GREETING", "Hej"},
        {"EMPTY", ""},
        {"QUOTES", "a \"quoted\" 'value' = with = signs; --"},
        {"UNICODE", "\u00fc\u00f1\u00ee \u2713 \xF0\x9F\x98\x80"},
    };
    store.recordDeployment(one, "aaa", environment, StateStore::MainMark{"1.0.0"});
    store.recordDeployment(two, "bbb");
    EXPECT_EQ(store.environment(one), environment);
    EXPECT_TRUE(store.environment(two).empty());
    EXPECT_TRUE(store.environment({"hello", "3.0.0"}).empty());
    EXPECT_EQ(store.main("hello"), "1.0.0");

    // A new build of a version is recorded with the environment it was given.
    store.recordDeployment(one, "ccc", Environment{{"GREETING", "Hallo"}});
    EXPECT_EQ(store.environment(one), (Environment{{"GREETING", "Hallo"}}));
    EXPECT_EQ(store.deployments().front().second, "ccc");
}

TEST_F(StateStoreTest, AnEnvironmentSurvivesReopeningAndGoesWithItsDeployment) {
    const std::string path = dbPath();
    const ServiceId id{"hello", "1.0.0"};
    {
        StateStore store(Database::open(path));
        store.recordDeployment(id, "aaa", Environment{{"TOKEN", "secret"}});
    }
    {
        StateStore store(Database::open(path));
        EXPECT_EQ(store.environment(id), (Environment{{"TOKEN", "secret"}}));
        store.removeDeployment(id);
        EXPECT_TRUE(store.environment(id).empty());
    }
    StateStore store(Database::open(path));
    EXPECT_TRUE(store.environment(id).empty());
    // Deployed again without one: none comes back.
    store.recordDeployment(id, "aaa");
    EXPECT_TRUE(store.environment(id).empty());
}

TEST_F(StateStoreTest, AnEnvironmentThatIsNotAnObjectOfStringsIsAClearError) {
    const std::string path = dbPath();
    StateStore store(Database::open(path));
    store.recordDeployment({"hello", "1.0.0"}, "aaa");
    {
        Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
        session << "UPDATE deployments SET environment = '{\"A\": 1}'", now;
    }
    try {
        store.environment({"hello", "1.0.0"});
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("environment of hello_1.0.0"), std::string::npos)
            << error.what();
    }
}

TEST_F(StateStoreTest, RemoveDeploymentKeepsAnotherVersionsMainMark) {
    StateStore store(Database::open(dbPath()));
    store.recordDeployment({"hello", "1.0.0"}, "aaa");
    store.recordDeployment({"hello", "2.0.0"}, "bbb");
    store.setMain("hello", "2.0.0");
    store.removeDeployment({"hello", "1.0.0"});
    EXPECT_EQ(store.main("hello"), "2.0.0");
    store.removeDeployment({"missing", "9.9.9"});
    EXPECT_EQ(store.deployments().size(), 1u);
}

TEST_F(StateStoreTest, ReopeningKeepsEverything) {
    const std::string path = dbPath();
    {
        StateStore store(Database::open(path));
        store.recordDeployment({"hello", "1.0.0"}, "aaa");
        store.recordDeployment({"echo", "2.1.0"}, "bbb");
        store.setMain("hello", "1.0.0");
        store.setMain("echo", "2.1.0");
        store.saveParameter({"hello", "1.0.0"}, "phrase", "Howdy");
        store.saveParameter({"echo", "2.1.0"}, "limits", {{"max", 10}});
    }
    StateStore store(Database::open(path));
    const std::vector<std::pair<ServiceId, std::string>> expected = {
        {{"echo", "2.1.0"}, "bbb"},
        {{"hello", "1.0.0"}, "aaa"},
    };
    EXPECT_EQ(store.deployments(), expected);
    EXPECT_EQ(store.main("hello"), "1.0.0");
    EXPECT_EQ(store.main("echo"), "2.1.0");
    EXPECT_EQ(store.parameters({"hello", "1.0.0"}),
              (std::map<std::string, json>{{"phrase", "Howdy"}}));
    EXPECT_EQ(store.parameters({"echo", "2.1.0"}),
              (std::map<std::string, json>{{"limits", {{"max", 10}}}}));
}

TEST_F(StateStoreTest, JsonValuesOfEveryKindRoundTripExactly) {
    const std::string path = dbPath();
    const ServiceId id{"hello", "1.0.0"};
    const std::vector<json> values = everyKindOfValue();
    {
        StateStore store(Database::open(path));
        for (std::size_t i = 0; i < values.size(); ++i) {
            store.saveParameter(id, "p" + std::to_string(i), values[i]);
        }
        const auto saved = store.parameters(id);
        ASSERT_EQ(saved.size(), values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            expectSameJson(saved.at("p" + std::to_string(i)), values[i]);
        }
    }
    StateStore reopened(Database::open(path));
    const auto saved = reopened.parameters(id);
    ASSERT_EQ(saved.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        expectSameJson(saved.at("p" + std::to_string(i)), values[i]);
    }
}

TEST_F(StateStoreTest, TextThatLooksLikeSqlIsStoredLiterally) {
    StateStore store(Database::open(dbPath()));
    const ServiceId id{"x'); DROP TABLE deployments; --", "1.0.0'"};
    const std::string parameter = "p\"; DELETE FROM parameters; --";
    store.recordDeployment(id, "'; --");
    store.saveParameter(id, parameter, "v");
    store.setMain(id.name, id.version);
    const std::vector<std::pair<ServiceId, std::string>> expected = {{id, "'; --"}};
    EXPECT_EQ(store.deployments(), expected);
    EXPECT_EQ(store.parameters(id), (std::map<std::string, json>{{parameter, "v"}}));
    EXPECT_EQ(store.main(id.name), id.version);
}

TEST_F(StateStoreTest, ConcurrentWritersLoseNothing) {
    StateStore store(Database::open(dbPath()));
    constexpr int THREADS = 4;
    constexpr int WRITES = 25;
    const ServiceId shared{"shared", "1.0.0"};
    std::vector<std::thread> threads;
    for (int t = 0; t < THREADS; ++t) {
        threads.emplace_back([&store, &shared, t] {
            const std::string name = "svc_" + std::to_string(t);
            for (int i = 0; i < WRITES; ++i) {
                const std::string version = "1.0." + std::to_string(i);
                store.recordDeployment({name, version}, "hash" + std::to_string(i));
                store.saveParameter(shared, name + "_" + std::to_string(i), i);
                store.setMain(name, version);
                store.deployments();
                store.parameters(shared);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(store.deployments().size(), static_cast<std::size_t>(THREADS * WRITES));
    const auto saved = store.parameters(shared);
    ASSERT_EQ(saved.size(), static_cast<std::size_t>(THREADS * WRITES));
    for (int t = 0; t < THREADS; ++t) {
        const std::string name = "svc_" + std::to_string(t);
        EXPECT_EQ(store.main(name), "1.0." + std::to_string(WRITES - 1));
        for (int i = 0; i < WRITES; ++i) {
            EXPECT_EQ(saved.at(name + "_" + std::to_string(i)), i);
        }
    }
}

TEST_F(StateStoreTest, ConcurrentStoresOnOneFileLoseNothing) {
    const std::string path = dbPath();
    { StateStore create(Database::open(path)); }
    constexpr int STORES = 3;
    constexpr int WRITES = 20;
    std::vector<std::thread> threads;
    for (int s = 0; s < STORES; ++s) {
        threads.emplace_back([&path, s] {
            StateStore store(Database::open(path));
            const ServiceId id{"svc_" + std::to_string(s), "1.0.0"};
            for (int i = 0; i < WRITES; ++i) {
                store.saveParameter(id, "p" + std::to_string(i), i);
                store.recordDeployment({id.name, "2.0." + std::to_string(i)}, "h");
                store.removeDeployment({id.name, "2.0." + std::to_string(i)});
            }
            store.recordDeployment(id, "final");
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    StateStore store(Database::open(path));
    EXPECT_EQ(store.deployments().size(), static_cast<std::size_t>(STORES));
    for (int s = 0; s < STORES; ++s) {
        EXPECT_EQ(store.parameters({"svc_" + std::to_string(s), "1.0.0"}).size(),
                  static_cast<std::size_t>(WRITES));
    }
}

TEST_F(StateStoreTest, EveryWriteSurvivesSigkill) {
    const std::string path = dbPath();
    constexpr int WRITES = 20;
    const pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // The child writes and dies by SIGKILL with the store still open: no destructor, no
        // checkpoint, no clean close.
        try {
            StateStore store(Database::open(path));
            for (int i = 0; i < WRITES; ++i) {
                const ServiceId id{"svc", "1.0." + std::to_string(i)};
                store.recordDeployment(id, "hash" + std::to_string(i));
                store.saveParameter(id, "value", {{"i", i}, {"text", "written"}});
                store.setMain("svc", id.version);
            }
            store.removeDeployment({"svc", "1.0.0"});
            std::raise(SIGKILL);
        } catch (...) {
        }
        _exit(EXIT_FAILURE);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with status " << WEXITSTATUS(status);
    ASSERT_EQ(WTERMSIG(status), SIGKILL);

    StateStore store(Database::open(path));
    const auto deployed = store.deployments();
    ASSERT_EQ(deployed.size(), static_cast<std::size_t>(WRITES - 1));
    for (int i = 1; i < WRITES; ++i) {
        const ServiceId id{"svc", "1.0." + std::to_string(i)};
        EXPECT_NE(std::find(deployed.begin(), deployed.end(),
                            std::make_pair(id, "hash" + std::to_string(i))),
                  deployed.end())
            << id.str();
        EXPECT_EQ(store.parameters(id),
                  (std::map<std::string, json>{{"value", {{"i", i}, {"text", "written"}}}}));
    }
    EXPECT_TRUE(store.parameters({"svc", "1.0.0"}).empty());
    EXPECT_EQ(store.main("svc"), "1.0." + std::to_string(WRITES - 1));
}

TEST_F(StateStoreTest, AFileThatIsNotADatabaseIsRefusedWithAClearMessage) {
    const std::string path = (dir_ / "notes.txt").string();
    {
        std::ofstream file(path);
        for (int i = 0; i < 100; ++i) {
            file << "This is a text file, not an SQLite database.\n";
        }
    }
    try {
        StateStore store(Database::open(path));
        FAIL() << "opened a text file as a database";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find("not a database"), std::string::npos) << message;
    }
}

TEST_F(StateStoreTest, AFolderThatCannotBeCreatedIsRefused) {
    const std::filesystem::path blocker = dir_ / "blocker";
    std::ofstream(blocker) << "a file where a folder should be";
    const std::string path = (blocker / "state.db").string();
    try {
        StateStore store(Database::open(path));
        FAIL() << "opened a database below a regular file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

TEST_F(StateStoreTest, ASchemaNewerThanThisHostIsRefused) {
    const std::string path = dbPath();
    { StateStore store(Database::open(path)); }
    {
        Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
        session << "PRAGMA user_version = " + std::to_string(Database::SCHEMA_VERSION + 1), now;
    }
    try {
        StateStore store(Database::open(path));
        FAIL() << "opened a database with a newer schema";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find("newer"), std::string::npos) << message;
    }
}

TEST_F(StateStoreTest, RemembersProbedBuildsAcrossReopening) {
    const std::string path = dbPath();
    {
        StateStore store(Database::open(path));
        EXPECT_FALSE(store.probed("abc123"));
        store.recordProbed("abc123");
        store.recordProbed("abc123");
        EXPECT_TRUE(store.probed("abc123"));
        EXPECT_FALSE(store.probed("def456"));
    }
    StateStore again(Database::open(path));
    EXPECT_TRUE(again.probed("abc123"));
}

TEST_F(StateStoreTest, AFileOfSchemaOneGainsTheProbedBuildsAndKeepsItsState) {
    const std::string path = dbPath();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    {
        // What a host of schema 1 wrote.
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
        session << "CREATE TABLE deployments (name TEXT NOT NULL, version TEXT NOT NULL, "
                   "sha256 TEXT NOT NULL, PRIMARY KEY (name, version)) WITHOUT ROWID",
            now;
        session << "CREATE TABLE mains (name TEXT NOT NULL PRIMARY KEY, version TEXT NOT NULL) "
                   "WITHOUT ROWID",
            now;
        session << "CREATE TABLE parameters (name TEXT NOT NULL, version TEXT NOT NULL, "
                   "parameter TEXT NOT NULL, value TEXT NOT NULL, "
                   "PRIMARY KEY (name, version, parameter)) WITHOUT ROWID",
            now;
        session << "INSERT INTO deployments VALUES ('hello', '1.0.0', 'feed')", now;
        session << "PRAGMA user_version = 1", now;
    }
    StateStore store(Database::open(path));
    ASSERT_EQ(store.deployments().size(), 1u);
    EXPECT_EQ(store.deployments().front().second, "feed");
    EXPECT_FALSE(store.probed("feed"));
    store.recordProbed("feed");
    EXPECT_TRUE(store.probed("feed"));
    Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
    int userVersion = 0;
    session << "PRAGMA user_version", into(userVersion), now;
    EXPECT_EQ(userVersion, Database::SCHEMA_VERSION);
}

}  // namespace
}  // namespace mvi::host
