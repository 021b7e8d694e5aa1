#include "auth/AuthStore.h"

#include "state/SqliteDatabase.h"

#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>

#include <cstddef>
#include <stdexcept>
#include <utility>

#include "auth/RandomBytes.h"

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// Bytes of randomness in the signing secret.
constexpr std::size_t SECRET_BYTES = 32;

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

AuthStore::AuthStore(std::shared_ptr<Database> database)
    : database_(std::move(database)),
      path_(database_->path()),
      session_(database_->connect(kWhat)) {
    SqliteDatabase::guarded(kWhat, path_, "open", [this] {
        SqliteDatabase::inWriteTransaction(session_, [this] {
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

std::vector<std::string> AuthStore::users() const {
    std::vector<std::string> names;
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "list users", [&] {
        session_ << "SELECT name FROM auth_users ORDER BY name", into(names), now;
    });
    return names;
}

bool AuthStore::addUser(const std::string& user, const std::string& hash) {
    std::lock_guard lock(mutex_);
    bool added = false;
    SqliteDatabase::guarded(kWhat, path_, "add a user", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            Poco::Data::Statement insert(session_);
            insert << "INSERT INTO auth_users (name, password_hash, from_configuration) "
                      "VALUES (?, ?, 0) ON CONFLICT (name) DO NOTHING",
                useRef(user), useRef(hash);
            added = insert.execute() > 0;
        });
    });
    return added;
}

std::optional<std::size_t> AuthStore::changePasswordHash(const std::string& user,
                                                         const std::string& hash) {
    std::lock_guard lock(mutex_);
    std::optional<std::size_t> revoked;
    SqliteDatabase::guarded(kWhat, path_, "change a password", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            revoked.reset();
            Poco::Data::Statement change(session_);
            change << "UPDATE auth_users SET password_hash = ? WHERE name = ?", useRef(hash),
                useRef(user);
            if (change.execute() == 0) {
                return;
            }
            Poco::Data::Statement update(session_);
            update << "UPDATE auth_tokens SET revoked = 1 WHERE user_name = ? AND revoked = 0",
                useRef(user);
            revoked = update.execute();
        });
    });
    return revoked;
}

bool AuthStore::removeUser(const std::string& user) {
    std::lock_guard lock(mutex_);
    bool removed = false;
    SqliteDatabase::guarded(kWhat, path_, "remove a user", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            Poco::Data::Statement remove(session_);
            remove << "DELETE FROM auth_users WHERE name = ?", useRef(user);
            removed = remove.execute() > 0;
            if (removed) {
                session_ << "UPDATE auth_tokens SET revoked = 1 WHERE user_name = ?", useRef(user),
                    now;
            }
        });
    });
    return removed;
}

void AuthStore::addToken(const TokenRecord& token) {
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "record a token", [&] { insertToken(token); });
}

bool AuthStore::addTokenIfPasswordIs(const TokenRecord& token, const std::string& passwordHash) {
    return addTokenIfUser(token, passwordHash);
}

bool AuthStore::addTokenIfUserExists(const TokenRecord& token) {
    return addTokenIfUser(token, std::nullopt);
}

bool AuthStore::addTokenIfUser(const TokenRecord& token,
                               const std::optional<std::string>& passwordHash) {
    std::lock_guard lock(mutex_);
    bool added = false;
    SqliteDatabase::guarded(kWhat, path_, "record a token", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            std::vector<std::string> hashes;
            session_ << "SELECT password_hash FROM auth_users WHERE name = ?", useRef(token.user),
                into(hashes), now;
            added = !hashes.empty() && (!passwordHash || hashes.front() == *passwordHash);
            if (added) {
                insertToken(token);
            }
        });
    });
    return added;
}

void AuthStore::insertToken(const TokenRecord& token) {
    Poco::Int64 created = token.createdAt.epochMicroseconds();
    Poco::Nullable<Poco::Int64> expires;
    if (token.expiresAt) {
        expires = token.expiresAt->epochMicroseconds();
    }
    int revoked = token.revoked ? 1 : 0;
    int withAuth = token.issuedWithAuth ? 1 : 0;
    session_ << "INSERT INTO auth_tokens (id, user_name, created_at, expires_at, revoked, "
                "issued_with_auth) VALUES (?, ?, ?, ?, ?, ?)",
        useRef(token.id), useRef(token.user), use(created), use(expires), use(revoked),
        use(withAuth), now;
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
