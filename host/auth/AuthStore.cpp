#include "auth/AuthStore.h"

#include "state/SqliteDatabase.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>

#include <cstddef>
#include <filesystem>
#include <stdexcept>

#include "auth/RandomBytes.h"

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// How long a write waits for another connection's write to finish before failing.

/// Bytes of randomness in the signing secret.
constexpr std::size_t SECRET_BYTES = 32;

/// The tables, created when missing. Columns are only ever added.
const char* const SCHEMA[] = {
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
};

/// Columns added to a table after it first shipped: table, column, definition. A row written
/// before takes the definition's default: a token whose issuing is not on record counts as issued
/// while auth was off.
const char* const ADDED_COLUMNS[][3] = {
    {"auth_tokens", "issued_with_auth", "INTEGER NOT NULL DEFAULT 0"},
};

/// The key of the token signing secret in `auth_secret`.
const std::string SECRET_NAME = "token_hs256";

/// How errors name this database.
const std::string kWhat = "auth database";

/// Token rows read column by column.
struct TokenColumns {
    std::vector<std::string> ids;
    std::vector<std::string> users;
    std::vector<Poco::Int64> created;
    std::vector<Poco::Int64> expires;
    std::vector<int> revoked;
    std::vector<int> issuedWithAuth;

    std::vector<TokenRecord> records() const {
        std::vector<TokenRecord> result;
        result.reserve(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            TokenRecord record;
            record.id = ids[i];
            record.user = users[i];
            record.createdAt = Poco::Timestamp(created[i]);
            if (expires[i] >= 0) {
                record.expiresAt = Poco::Timestamp(expires[i]);
            }
            record.revoked = revoked[i] != 0;
            record.issuedWithAuth = issuedWithAuth[i] != 0;
            result.push_back(std::move(record));
        }
        return result;
    }
};

/// The columns of a token, in TokenColumns's order; a missing expiry reads as -1.
constexpr const char* TOKEN_COLUMNS =
    "SELECT id, user_name, created_at, COALESCE(expires_at, -1), revoked, issued_with_auth "
    "FROM auth_tokens ";

}  // namespace

AuthStore::AuthStore(const std::string& path)
    : path_(path), session_(SqliteDatabase::open(kWhat, path)) {
    SqliteDatabase::guarded(kWhat, path_, "open", [this] {
        SqliteDatabase::inWriteTransaction(session_, [this] {
            for (const char* sql : SCHEMA) {
                session_ << sql, now;
            }
            for (const auto& [table, column, definition] : ADDED_COLUMNS) {
                int present = 0;
                session_ << "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?",
                    bind(std::string(table)), bind(std::string(column)), into(present), now;
                if (present == 0) {
                    session_ << std::string("ALTER TABLE ") + table + " ADD COLUMN " + column +
                                    " " + definition,
                        now;
                }
            }
            // Another process may have stored a secret first: the stored one wins.
            std::string candidate = randomHex(SECRET_BYTES);
            session_ << "INSERT INTO auth_secret (name, value) VALUES (?, ?) "
                        "ON CONFLICT (name) DO NOTHING",
                useRef(SECRET_NAME), useRef(candidate), now;
            session_ << "SELECT value FROM auth_secret WHERE name = ?", useRef(SECRET_NAME),
                into(secret_), now;
        });
    });
    if (secret_.size() < 2 * SECRET_BYTES) {
        throw std::runtime_error("auth database " + path_ +
                                 ": the stored signing secret is too short");
    }
}

std::optional<std::string> AuthStore::passwordHash(const std::string& user) const {
    std::vector<std::string> hashes;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "read a user", [&] {
            session_ << "SELECT password_hash FROM auth_users WHERE name = ?", useRef(user),
                into(hashes), now;
        });
    }
    if (hashes.empty()) {
        return std::nullopt;
    }
    return hashes.front();
}

std::size_t AuthStore::setUser(const std::string& user, const std::string& hash,
                               bool fromConfiguration) {
    std::lock_guard lock(mutex_);
    int configured = fromConfiguration ? 1 : 0;
    std::size_t revoked = 0;
    SqliteDatabase::guarded(kWhat, path_, "save a user", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            session_ << "INSERT INTO auth_users (name, password_hash, from_configuration) "
                        "VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                        "password_hash = excluded.password_hash, "
                        "from_configuration = excluded.from_configuration",
                useRef(user), useRef(hash), use(configured), now;
            Poco::Data::Statement update(session_);
            update << "UPDATE auth_tokens SET revoked = 1 WHERE user_name = ? AND revoked = 0",
                useRef(user);
            revoked = update.execute();
        });
    });
    return revoked;
}

std::vector<std::string> AuthStore::removeConfiguredUsersExcept(const std::string& keep) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> removed;
    SqliteDatabase::guarded(kWhat, path_, "remove users", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            session_ << "SELECT name FROM auth_users WHERE from_configuration = 1 AND name <> ?",
                useRef(keep), into(removed), now;
            for (const std::string& name : removed) {
                session_ << "UPDATE auth_tokens SET revoked = 1 WHERE user_name = ?", useRef(name),
                    now;
                session_ << "DELETE FROM auth_users WHERE name = ?", useRef(name), now;
            }
        });
    });
    return removed;
}

void AuthStore::addToken(const TokenRecord& token) {
    std::lock_guard lock(mutex_);
    Poco::Int64 created = token.createdAt.epochMicroseconds();
    Poco::Nullable<Poco::Int64> expires;
    if (token.expiresAt) {
        expires = token.expiresAt->epochMicroseconds();
    }
    int revoked = token.revoked ? 1 : 0;
    int withAuth = token.issuedWithAuth ? 1 : 0;
    SqliteDatabase::guarded(kWhat, path_, "record a token", [&] {
        session_ << "INSERT INTO auth_tokens (id, user_name, created_at, expires_at, revoked, "
                    "issued_with_auth) VALUES (?, ?, ?, ?, ?, ?)",
            useRef(token.id), useRef(token.user), use(created), use(expires), use(revoked),
            use(withAuth), now;
    });
}

std::optional<TokenRecord> AuthStore::token(const std::string& id) const {
    TokenColumns columns;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "read a token", [&] {
            session_ << std::string(TOKEN_COLUMNS) + "WHERE id = ?", useRef(id), into(columns.ids),
                into(columns.users), into(columns.created), into(columns.expires),
                into(columns.revoked), into(columns.issuedWithAuth), now;
        });
    }
    auto records = columns.records();
    if (records.empty()) {
        return std::nullopt;
    }
    return records.front();
}

std::vector<TokenRecord> AuthStore::tokens() const {
    TokenColumns columns;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "list tokens", [&] {
            session_ << std::string(TOKEN_COLUMNS) + "ORDER BY created_at, id", into(columns.ids),
                into(columns.users), into(columns.created), into(columns.expires),
                into(columns.revoked), into(columns.issuedWithAuth), now;
        });
    }
    return columns.records();
}

bool AuthStore::revokeToken(const std::string& id) {
    std::lock_guard lock(mutex_);
    std::size_t changed = 0;
    SqliteDatabase::guarded(kWhat, path_, "revoke a token", [&] {
        Poco::Data::Statement update(session_);
        update << "UPDATE auth_tokens SET revoked = 1 WHERE id = ?", useRef(id);
        changed = update.execute();
    });
    return changed > 0;
}

}  // namespace mvi::host
