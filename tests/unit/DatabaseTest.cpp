// Database: the one schema of mvi.db, on real files: a fresh file, a file of the layout hosts
// wrote before the schema covered every table, a newer schema, a step that fails, and the
// in-memory database the tests' stores use.

#include "state/Database.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// Every table of the host, sorted.
const std::vector<std::string> kTables = {
    "auth_secret",    "auth_tokens",   "auth_users", "deployments",   "mains",
    "monitor_values", "notifications", "parameters", "probed_builds", "quarantine",
};

/// Writes what the host wrote before one schema covered every table: the state store's two
/// versioned steps at user_version 2, and the tables the other stores created when missing, each
/// with the exact statement it ran, in the order the host opened them.
void writePreviousLayout(Poco::Data::Session& session, bool withOtherStores = true) {
    std::string journal;
    session << "PRAGMA journal_mode = WAL", into(journal), now;
    if (withOtherStores) {
        // The notification store.
        session << "CREATE TABLE IF NOT EXISTS notifications ("
                   "  id TEXT NOT NULL PRIMARY KEY,"
                   "  service_name TEXT NOT NULL,"
                   "  service_version TEXT NOT NULL,"
                   "  severity INTEGER NOT NULL,"
                   "  msg TEXT NOT NULL,"
                   "  emails TEXT NOT NULL,"
                   "  timer REAL NOT NULL,"
                   "  first_time INTEGER NOT NULL,"
                   "  last_time INTEGER NOT NULL,"
                   "  counter INTEGER NOT NULL,"
                   "  emailed_time INTEGER"
                   ") WITHOUT ROWID",
            now;
        // The monitoring store.
        session << "CREATE TABLE IF NOT EXISTS monitor_values ("
                   "  id INTEGER PRIMARY KEY,"
                   "  service_name TEXT NOT NULL,"
                   "  service_version TEXT NOT NULL,"
                   "  variable TEXT NOT NULL,"
                   "  time INTEGER NOT NULL,"
                   "  kind INTEGER NOT NULL,"
                   "  number REAL,"
                   "  text TEXT"
                   ")",
            now;
        session << "CREATE INDEX IF NOT EXISTS monitor_values_by_variable ON "
                   "monitor_values (service_name, variable, time)",
            now;
    }
    // The state store's migrations, in one transaction.
    session << "BEGIN IMMEDIATE", now;
    session << "CREATE TABLE deployments ("
               "  name TEXT NOT NULL,"
               "  version TEXT NOT NULL,"
               "  sha256 TEXT NOT NULL,"
               "  PRIMARY KEY (name, version)"
               ") WITHOUT ROWID",
        now;
    session << "CREATE TABLE mains ("
               "  name TEXT NOT NULL PRIMARY KEY,"
               "  version TEXT NOT NULL"
               ") WITHOUT ROWID",
        now;
    session << "CREATE TABLE parameters ("
               "  name TEXT NOT NULL,"
               "  version TEXT NOT NULL,"
               "  parameter TEXT NOT NULL,"
               "  value TEXT NOT NULL,"
               "  PRIMARY KEY (name, version, parameter)"
               ") WITHOUT ROWID",
        now;
    session << "CREATE TABLE probed_builds ("
               "  sha256 TEXT NOT NULL PRIMARY KEY,"
               "  probed_at TEXT NOT NULL"
               ") WITHOUT ROWID",
        now;
    session << "PRAGMA user_version = 2", now;
    session << "COMMIT", now;
    if (withOtherStores) {
        // The quarantine store.
        session << "CREATE TABLE IF NOT EXISTS quarantine ("
                   "  name TEXT NOT NULL,"
                   "  version TEXT NOT NULL,"
                   "  sha256 TEXT NOT NULL,"
                   "  reason TEXT NOT NULL,"
                   "  at TEXT NOT NULL,"
                   "  announced INTEGER NOT NULL DEFAULT 0,"
                   "  PRIMARY KEY (name, version)"
                   ") WITHOUT ROWID",
            now;
        // The auth store.
        session << "CREATE TABLE IF NOT EXISTS auth_secret ("
                   "  name TEXT NOT NULL PRIMARY KEY,"
                   "  value TEXT NOT NULL"
                   ") WITHOUT ROWID",
            now;
        session << "CREATE TABLE IF NOT EXISTS auth_users ("
                   "  name TEXT NOT NULL PRIMARY KEY,"
                   "  password_hash TEXT NOT NULL,"
                   "  from_configuration INTEGER NOT NULL"
                   ") WITHOUT ROWID",
            now;
        session << "CREATE TABLE IF NOT EXISTS auth_tokens ("
                   "  id TEXT NOT NULL PRIMARY KEY,"
                   "  user_name TEXT NOT NULL,"
                   "  created_at INTEGER NOT NULL,"
                   "  expires_at INTEGER,"
                   "  revoked INTEGER NOT NULL DEFAULT 0,"
                   "  issued_with_auth INTEGER NOT NULL DEFAULT 0"
                   ") WITHOUT ROWID",
            now;
    }
}

/// One row in every table of the previous layout.
void writeRows(Poco::Data::Session& session) {
    session << "INSERT INTO deployments (name, version, sha256) VALUES ('hello', '1.0.0', 'feed')",
        now;
    session << "INSERT INTO mains VALUES ('hello', '1.0.0')", now;
    session << "INSERT INTO parameters VALUES ('hello', '1.0.0', 'greeting', '\"hi\"')", now;
    session << "INSERT INTO probed_builds VALUES ('feed', '2026-01-01T00:00:00Z')", now;
    session << "INSERT INTO quarantine VALUES ('crash', '1.0.0', 'dead', 'SIGSEGV', "
               "'2026-01-01T00:00:00Z', 1)",
        now;
    session << "INSERT INTO auth_secret VALUES ('token_hs256', 'secret')", now;
    session << "INSERT INTO auth_users VALUES ('admin', 'hash', 1)", now;
    session << "INSERT INTO auth_tokens VALUES ('t1', 'admin', 1, NULL, 0, 1)", now;
    session << "INSERT INTO notifications VALUES ('n1', 'hello', '1.0.0', 1, 'careful', '[]', 0, "
               "1, 2, 3, NULL)",
        now;
    session << "INSERT INTO monitor_values (service_name, service_version, variable, time, kind, "
               "number) VALUES ('hello', '1.0.0', 'load', 5, 0, 0.5)",
        now;
}

/// Gives each test a fresh temporary folder, removed afterwards.
class DatabaseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        Poco::Data::SQLite::Connector::registerConnector();
        std::string pattern =
            (std::filesystem::temp_directory_path() / "mvi-database-test-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }

    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    /// A database path below a folder that does not exist yet.
    std::string dbPath(const std::string& name = "mvi.db") const {
        return (dir_ / "data" / name).string();
    }

    /// A connection of the test's own to a database file (creating its folder).
    static Poco::Data::Session session(const std::string& path) {
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        return Poco::Data::Session(Poco::Data::SQLite::Connector::KEY, path);
    }

    static int userVersion(const std::string& path) {
        int version = -1;
        session(path) << "PRAGMA user_version", into(version), now;
        return version;
    }

    static std::vector<std::string> tables(const std::string& path) {
        std::vector<std::string> names;
        session(path) << "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            into(names), now;
        return names;
    }

    /// Every table and index with the statement that defines it, as SQLite keeps them.
    static std::vector<std::string> schema(const std::string& path) {
        std::vector<std::string> types;
        std::vector<std::string> names;
        std::vector<std::string> statements;
        session(path) << "SELECT type, name, COALESCE(sql, '') FROM sqlite_master "
                         "ORDER BY type, name",
            into(types), into(names), into(statements), now;
        std::vector<std::string> result;
        for (std::size_t i = 0; i < names.size(); ++i) {
            result.push_back(types[i] + " " + names[i] + ": " + statements[i]);
        }
        return result;
    }

    static int count(const std::string& path, const std::string& table) {
        int rows = -1;
        session(path) << "SELECT COUNT(*) FROM " + table, into(rows), now;
        return rows;
    }

    std::filesystem::path dir_;
};

TEST_F(DatabaseTest, AFreshFileHoldsEveryTableAtTheLatestVersion) {
    const std::string path = dbPath();
    auto database = Database::open(path);
    EXPECT_EQ(database->path(), path);
    EXPECT_TRUE(std::filesystem::is_regular_file(path));
    EXPECT_EQ(userVersion(path), Database::SCHEMA_VERSION);
    EXPECT_EQ(tables(path), kTables);
    int indexes = 0;
    session(path) << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                     "name = 'monitor_values_by_variable'",
        into(indexes), now;
    EXPECT_EQ(indexes, 1);
    std::string journal;
    database->connect("test") << "PRAGMA journal_mode", into(journal), now;
    EXPECT_EQ(journal, "wal");
}

TEST_F(DatabaseTest, OpeningAgainChangesNothing) {
    const std::string path = dbPath();
    { Database first(path); }
    const std::vector<std::string> before = schema(path);
    {
        Poco::Data::Session rows = session(path);
        writeRows(rows);
    }
    { Database second(path); }
    Database third(path);
    EXPECT_EQ(schema(path), before);
    EXPECT_EQ(userVersion(path), Database::SCHEMA_VERSION);
    for (const std::string& table : kTables) {
        EXPECT_EQ(count(path, table), 1) << table;
    }
}

TEST_F(DatabaseTest, AFileOfThePreviousLayoutKeepsItsRowsAndEndsLikeAFreshOne) {
    const std::string previous = dbPath();
    {
        Poco::Data::Session old = session(previous);
        writePreviousLayout(old);
        writeRows(old);
    }
    ASSERT_EQ(userVersion(previous), 2);
    { Database database(previous); }
    EXPECT_EQ(userVersion(previous), Database::SCHEMA_VERSION);
    for (const std::string& table : kTables) {
        EXPECT_EQ(count(previous, table), 1) << table;
    }
    std::string reason;
    session(previous) << "SELECT reason FROM quarantine", into(reason), now;
    EXPECT_EQ(reason, "SIGSEGV");
    // A version deployed before environments were kept has none.
    std::string environment;
    session(previous) << "SELECT environment FROM deployments", into(environment), now;
    EXPECT_EQ(environment, "{}");

    const std::string fresh = dbPath("fresh.db");
    { Database database(fresh); }
    EXPECT_EQ(schema(previous), schema(fresh));
}

TEST_F(DatabaseTest, AFileOfLayout3GainsTheEnvironmentOfDeploymentsAndKeepsItsRows) {
    // Layout 3 is layout 2 with every store's table under the version: the same tables.
    const std::string previous = dbPath();
    {
        Poco::Data::Session old = session(previous);
        writePreviousLayout(old);
        writeRows(old);
        old << "PRAGMA user_version = 3", now;
    }
    int columns = -1;
    session(previous) << "SELECT COUNT(*) FROM pragma_table_info('deployments') "
                         "WHERE name = 'environment'",
        into(columns), now;
    ASSERT_EQ(columns, 0);
    { Database database(previous); }
    EXPECT_EQ(userVersion(previous), Database::SCHEMA_VERSION);
    for (const std::string& table : kTables) {
        EXPECT_EQ(count(previous, table), 1) << table;
    }
    std::string sha256;
    std::string environment;
    session(previous) << "SELECT sha256, environment FROM deployments WHERE name = 'hello'",
        into(sha256), into(environment), now;
    EXPECT_EQ(sha256, "feed");
    EXPECT_EQ(environment, "{}");

    const std::string fresh = dbPath("fresh.db");
    { Database database(fresh); }
    EXPECT_EQ(schema(previous), schema(fresh));
}

TEST_F(DatabaseTest, AFileOfThePreviousLayoutWithoutTheOtherStoresTablesGainsThem) {
    const std::string previous = dbPath();
    {
        Poco::Data::Session old = session(previous);
        writePreviousLayout(old, false);
        old << "INSERT INTO deployments VALUES ('hello', '1.0.0', 'feed')", now;
    }
    { Database database(previous); }
    EXPECT_EQ(userVersion(previous), Database::SCHEMA_VERSION);
    EXPECT_EQ(tables(previous), kTables);
    EXPECT_EQ(count(previous, "deployments"), 1);

    const std::string fresh = dbPath("fresh.db");
    { Database database(fresh); }
    EXPECT_EQ(schema(previous), schema(fresh));
}

TEST_F(DatabaseTest, AFileWithOnlyAnOlderTokenTableGainsTheRestAndItsNewColumn) {
    // A file only the auth store opened, before tokens recorded whether auth was on.
    const std::string path = dbPath();
    {
        Poco::Data::Session old = session(path);
        old << "CREATE TABLE auth_tokens (id TEXT NOT NULL PRIMARY KEY, user_name TEXT NOT NULL, "
               "created_at INTEGER NOT NULL, expires_at INTEGER, revoked INTEGER NOT NULL "
               "DEFAULT 0) WITHOUT ROWID",
            now;
        old << "INSERT INTO auth_tokens (id, user_name, created_at) VALUES ('old', 'admin', 1)",
            now;
    }
    { Database database(path); }
    EXPECT_EQ(userVersion(path), Database::SCHEMA_VERSION);
    EXPECT_EQ(tables(path), kTables);
    int issuedWithAuth = -1;
    session(path) << "SELECT issued_with_auth FROM auth_tokens WHERE id = 'old'",
        into(issuedWithAuth), now;
    EXPECT_EQ(issuedWithAuth, 0);
}

TEST_F(DatabaseTest, ASchemaNewerThanThisHostIsRefused) {
    const std::string path = dbPath();
    { Database database(path); }
    session(path) << "PRAGMA user_version = " + std::to_string(Database::SCHEMA_VERSION + 1), now;
    try {
        Database database(path);
        FAIL() << "opened a database with a newer schema";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("state database " + path), std::string::npos) << message;
        EXPECT_NE(message.find("newer"), std::string::npos) << message;
    }
    EXPECT_EQ(userVersion(path), Database::SCHEMA_VERSION + 1);
}

TEST_F(DatabaseTest, AStepThatFailsLeavesTheFileAsItWas) {
    // A table has the name of the monitoring index, so the last statement of step 3 fails.
    const std::string path = dbPath();
    {
        Poco::Data::Session old = session(path);
        writePreviousLayout(old, false);
        old << "CREATE TABLE monitor_values_by_variable (x)", now;
    }
    const std::vector<std::string> before = schema(path);
    try {
        Database database(path);
        FAIL() << "the migration succeeded";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("state database " + path + ": cannot open"), std::string::npos)
            << message;
        EXPECT_NE(message.find("monitor_values_by_variable"), std::string::npos) << message;
    }
    EXPECT_EQ(userVersion(path), 2);
    EXPECT_EQ(schema(path), before);
}

TEST_F(DatabaseTest, AFileThatIsNotADatabaseIsRefused) {
    const std::string path = dbPath();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    {
        std::FILE* file = std::fopen(path.c_str(), "w");
        ASSERT_NE(file, nullptr);
        const std::string text(4096, 'x');
        std::fwrite(text.data(), 1, text.size(), file);
        std::fclose(file);
    }
    try {
        Database database(path);
        FAIL() << "opened a text file as a database";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find("not a database"), std::string::npos) << message;
    }
}

TEST_F(DatabaseTest, SeveralOpeningAFileOfThePreviousLayoutAtOnceMigrateItOnce) {
    const std::string path = dbPath();
    {
        Poco::Data::Session old = session(path);
        writePreviousLayout(old);
        writeRows(old);
    }
    std::vector<std::thread> threads;
    std::vector<std::string> errors(4);
    for (std::size_t i = 0; i < errors.size(); ++i) {
        threads.emplace_back([&, i] {
            try {
                Database database(path);
            } catch (const std::exception& error) {
                errors[i] = error.what();
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (const std::string& error : errors) {
        EXPECT_EQ(error, "");
    }
    EXPECT_EQ(userVersion(path), Database::SCHEMA_VERSION);
    for (const std::string& table : kTables) {
        EXPECT_EQ(count(path, table), 1) << table;
    }
}

TEST_F(DatabaseTest, AnInMemoryDatabaseIsSharedByItsConnectionsOnly) {
    Database first(":memory:");
    Database second(":memory:");
    EXPECT_EQ(first.path(), ":memory:");
    Poco::Data::Session writer = first.connect("test");
    Poco::Data::Session reader = first.connect("test");
    writer << "INSERT INTO mains VALUES ('hello', '1.0.0')", now;
    int rows = 0;
    reader << "SELECT COUNT(*) FROM mains", into(rows), now;
    EXPECT_EQ(rows, 1);
    second.connect("test") << "SELECT COUNT(*) FROM mains", into(rows), now;
    EXPECT_EQ(rows, 0);
    int version = 0;
    reader << "PRAGMA user_version", into(version), now;
    EXPECT_EQ(version, Database::SCHEMA_VERSION);
    EXPECT_FALSE(std::filesystem::exists(":memory:"));
}

}  // namespace
}  // namespace mvi::host
