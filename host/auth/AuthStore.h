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

    /// The names of the stored users, sorted by their bytes.
    std::vector<std::string> users() const;

    /// Creates `user` with `hash` as a user the configuration does not manage (see
    /// removeConfiguredUsersExcept: it stays when the configuration changes). False, changing
    /// nothing, when a user of that name exists.
    bool addUser(const std::string& user, const std::string& hash);

    /// Replaces the hash of the existing `user` and revokes every token issued for that name, in
    /// one transaction, leaving whether the configuration manages the user as it was. Empty,
    /// changing nothing, when there is no such user; otherwise how many tokens it revoked.
    std::optional<std::size_t> changePasswordHash(const std::string& user, const std::string& hash);

    /// Removes `user` and revokes every token issued for that name, in one transaction. False,
    /// changing nothing, when there is no such user.
    bool removeUser(const std::string& user);

    /// Records a newly issued token.
    void addToken(const TokenRecord& token);

    /// Records a token issued at login for a password that matched `passwordHash`, in one
    /// transaction with the check that `token.user` still has that hash: false, recording
    /// nothing, when the user was removed or given a new password while the password was being
    /// checked.
    bool addTokenIfPasswordIs(const TokenRecord& token, const std::string& passwordHash);

    /// Records a newly issued token in one transaction with the check that `token.user` exists:
    /// false, recording nothing, when the user was removed meanwhile.
    bool addTokenIfUserExists(const TokenRecord& token);

    /// The token with `id`, if one was issued.
    std::optional<TokenRecord> token(const std::string& id) const;

    /// Every token issued, oldest first.
    std::vector<TokenRecord> tokens() const;

    /// Marks a token revoked (again, when it already was); false when no token has `id`.
    bool revokeToken(const std::string& id);

    /// The database file's path.
    const std::string& path() const { return path_; }

  private:
    /// Records `token` while its user exists (with `passwordHash`, when given).
    bool addTokenIfUser(const TokenRecord& token, const std::optional<std::string>& passwordHash);
    /// Inserts the row of `token`; the caller holds the mutex.
    void insertToken(const TokenRecord& token);

    std::shared_ptr<Database> database_;
    std::string path_;
    mutable std::mutex mutex_;
    mutable Poco::Data::Session session_;
    std::string secret_;
};

}  // namespace mvi::host
