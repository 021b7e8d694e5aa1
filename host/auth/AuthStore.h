#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/TokenRecord.h"
#include "state/Database.h"

namespace mvi::host {

/// Authentication state in the host's SQLite file (`data.dir/mvi.db`), in tables of its own
/// (`auth_secret`, `auth_users`, `auth_tokens`) beside the state store's: the token signing
/// secret, users with their password hashes, and a row for every token issued.
///
/// The secret is generated once (32 bytes from the operating system's random source) and then
/// read back by every later store on the same file, so tokens outlive restarts. Every write is
/// committed before the call returns; a write the data folder refuses (disk full, read-only, ...)
/// throws StorageError and changes nothing.
///
/// Thread-safe: all calls share one connection behind a mutex. Several processes may open the
/// same file (WAL journal, busy timeout).
class AuthStore {
  public:
    /// Opens a connection of its own to `database` (not null; its schema holds the tables) and
    /// reads or generates the signing secret. Throws std::runtime_error naming the path and
    /// SQLite's message on failure.
    explicit AuthStore(std::shared_ptr<Database> database);

    AuthStore(const AuthStore&) = delete;
    AuthStore& operator=(const AuthStore&) = delete;

    /// The token signing secret (64 hexadecimal digits).
    const std::string& signingSecret() const { return secret_; }

    /// The password hash of `user`; empty when there is no such user.
    std::optional<std::string> passwordHash(const std::string& user) const;

    /// Creates `user` with `hash`, or replaces the hash of an existing user, and revokes every
    /// token issued for that name, in one transaction: a new password ends what the old one
    /// opened. `fromConfiguration` marks a user the configuration manages (see
    /// removeConfiguredUsersExcept). Returns how many tokens it revoked.
    std::size_t setUser(const std::string& user, const std::string& hash, bool fromConfiguration);

    /// Removes every user the configuration manages other than `keep`, revoking their tokens in
    /// the same transaction; returns the names removed.
    std::vector<std::string> removeConfiguredUsersExcept(const std::string& keep);

    /// Records a newly issued token.
    void addToken(const TokenRecord& token);

    /// The token with `id`, if one was issued.
    std::optional<TokenRecord> token(const std::string& id) const;

    /// Every token issued, oldest first.
    std::vector<TokenRecord> tokens() const;

    /// Marks a token revoked (again, when it already was); false when no token has `id`.
    bool revokeToken(const std::string& id);

    /// The database file's path.
    const std::string& path() const { return path_; }

  private:
    std::shared_ptr<Database> database_;
    std::string path_;
    mutable std::mutex mutex_;
    mutable Poco::Data::Session session_;
    std::string secret_;
};

}  // namespace mvi::host
