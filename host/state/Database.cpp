#include "state/Database.h"

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <utility>
#include <vector>

#include "state/SqliteDatabase.h"

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// A column added to a table after the table first shipped: an earlier host may have created the
/// table without it. A row written before takes the definition's default.
struct AddedColumn {
    const char* table;
    const char* column;
    const char* definition;
};

/// One step of the schema: its statements in order, then the columns it adds where missing.
struct Step {
    std::vector<const char*> statements;
    std::vector<AddedColumn> addedColumns;
};

/// The schema, one step per version: step `i` brings a file from `user_version` i to i + 1.
/// Steps are only ever appended; a shipped step never changes.
const std::vector<Step> MIGRATIONS = {
    // 1: deployed versions, main marks, parameter values.
    {{
         "CREATE TABLE deployments ("
         "  name TEXT NOT NULL,"
         "  version TEXT NOT NULL,"
         "  sha256 TEXT NOT NULL,"
         "  PRIMARY KEY (name, version)"
         ") WITHOUT ROWID",
         "CREATE TABLE mains ("
         "  name TEXT NOT NULL PRIMARY KEY,"
         "  version TEXT NOT NULL"
         ") WITHOUT ROWID",
         "CREATE TABLE parameters ("
         "  name TEXT NOT NULL,"
         "  version TEXT NOT NULL,"
         "  parameter TEXT NOT NULL,"
         "  value TEXT NOT NULL,"
         "  PRIMARY KEY (name, version, parameter)"
         ") WITHOUT ROWID",
     },
     {}},
    // 2: builds that passed a probe, by content hash.
    {{
         "CREATE TABLE probed_builds ("
         "  sha256 TEXT NOT NULL PRIMARY KEY,"
         "  probed_at TEXT NOT NULL"
         ") WITHOUT ROWID",
     },
     {}},
    // 3: the tables of the quarantine, authentication, notifications and monitoring, which hosts
    // before this version created when missing, each store on its own, outside the version: a
    // file may already hold any of them, with rows, so each is created only when missing.
    {{
         // Builds that took the serving process down; `announced` is 1 once a serving process
         // raised the notification.
         "CREATE TABLE IF NOT EXISTS quarantine ("
         "  name TEXT NOT NULL,"
         "  version TEXT NOT NULL,"
         "  sha256 TEXT NOT NULL,"
         "  reason TEXT NOT NULL,"
         "  at TEXT NOT NULL,"
         "  announced INTEGER NOT NULL DEFAULT 0,"
         "  PRIMARY KEY (name, version)"
         ") WITHOUT ROWID",
         // The token signing secret.
         "CREATE TABLE IF NOT EXISTS auth_secret ("
         "  name TEXT NOT NULL PRIMARY KEY,"
         "  value TEXT NOT NULL"
         ") WITHOUT ROWID",
         "CREATE TABLE IF NOT EXISTS auth_users ("
         "  name TEXT NOT NULL PRIMARY KEY,"
         "  password_hash TEXT NOT NULL,"
         "  from_configuration INTEGER NOT NULL"
         ") WITHOUT ROWID",
         // Times are microseconds since the Unix epoch; a NULL expiry never comes.
         "CREATE TABLE IF NOT EXISTS auth_tokens ("
         "  id TEXT NOT NULL PRIMARY KEY,"
         "  user_name TEXT NOT NULL,"
         "  created_at INTEGER NOT NULL,"
         "  expires_at INTEGER,"
         "  revoked INTEGER NOT NULL DEFAULT 0,"
         "  issued_with_auth INTEGER NOT NULL DEFAULT 0"
         ") WITHOUT ROWID",
         // Notification stacks. Times are microseconds since the Unix epoch; `emails` is a JSON
         // array; `emailed_time` is when the stack's last e-mail was handed over (NULL: never).
         "CREATE TABLE IF NOT EXISTS notifications ("
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
         // Monitoring values; `time` is UTC microseconds since the Unix epoch, `kind` a
         // MonitorStore::Kind, `number` set for numbers and `text` for texts and JSON texts.
         "CREATE TABLE IF NOT EXISTS monitor_values ("
         "  id INTEGER PRIMARY KEY,"
         "  service_name TEXT NOT NULL,"
         "  service_version TEXT NOT NULL,"
         "  variable TEXT NOT NULL,"
         "  time INTEGER NOT NULL,"
         "  kind INTEGER NOT NULL,"
         "  number REAL,"
         "  text TEXT"
         ")",
         // Reads of one variable follow this index.
         "CREATE INDEX IF NOT EXISTS monitor_values_by_variable ON "
         "monitor_values (service_name, variable, time)",
     },
     // A token whose issuing is not on record counts as issued while auth was off.
     {{"auth_tokens", "issued_with_auth", "INTEGER NOT NULL DEFAULT 0"}}},
    // 4: the environment each deployed version was given, a JSON object of strings; a version
    // deployed before has none.
    {{}, {{"deployments", "environment", "TEXT NOT NULL DEFAULT '{}'"}}},
};

/// How errors name this database.
const std::string kWhat = "state database";

/// Numbers the in-memory databases of this process.
std::atomic<unsigned long> memoryDatabases{0};

void apply(Poco::Data::Session& session, const Step& step) {
    for (const char* sql : step.statements) {
        session << sql, now;
    }
    for (const AddedColumn& added : step.addedColumns) {
        int present = 0;
        session << "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?",
            bind(std::string(added.table)), bind(std::string(added.column)), into(present), now;
        if (present == 0) {
            session << std::string("ALTER TABLE ") + added.table + " ADD COLUMN " + added.column +
                           " " + added.definition,
                now;
        }
    }
}

}  // namespace

static_assert(Database::SCHEMA_VERSION > 0);

std::shared_ptr<Database> Database::open(const std::string& path) {
    return std::make_shared<Database>(path);
}

Database::Database(std::string path) : path_(std::move(path)) {
    if (MIGRATIONS.size() != static_cast<std::size_t>(SCHEMA_VERSION)) {
        throw std::logic_error("the database schema has " + std::to_string(MIGRATIONS.size()) +
                               " steps for version " + std::to_string(SCHEMA_VERSION));
    }
    if (path_ == ":memory:") {
        memoryName_ = "mvi-memory-" + std::to_string(++memoryDatabases);
    }
    Poco::Data::Session session = connect(kWhat);
    SqliteDatabase::guarded(kWhat, path_, "open", [&] { migrate(session); });
    if (!memoryName_.empty()) {
        keeper_.emplace(std::move(session));
    }
}

Poco::Data::Session Database::connect(const std::string& what) const {
    if (!memoryName_.empty()) {
        return SqliteDatabase::openInMemory(what, memoryName_);
    }
    return SqliteDatabase::open(what, path_);
}

void Database::migrate(Poco::Data::Session& session) {
    int version = 0;
    session << "PRAGMA user_version", into(version), now;
    if (version == SCHEMA_VERSION) {
        return;
    }
    SqliteDatabase::inWriteTransaction(session, [&] {
        // Read again under the write lock: another process may have migrated in between.
        session << "PRAGMA user_version", into(version), now;
        if (version < 0) {
            throw std::runtime_error(kWhat + " " + path_ + ": schema version " +
                                     std::to_string(version) + " is not one this host knows");
        }
        if (version > SCHEMA_VERSION) {
            throw std::runtime_error(kWhat + " " + path_ + ": schema version " +
                                     std::to_string(version) + " is newer than this host's (" +
                                     std::to_string(SCHEMA_VERSION) + ")");
        }
        for (int step = version; step < SCHEMA_VERSION; ++step) {
            apply(session, MIGRATIONS.at(static_cast<std::size_t>(step)));
        }
        // PRAGMA takes no bound parameters; the value is this build's own constant.
        session << "PRAGMA user_version = " + std::to_string(SCHEMA_VERSION), now;
    });
}

}  // namespace mvi::host
