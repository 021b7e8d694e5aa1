#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Timespan.h>
#include <mvi/limits.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/AuthStore.h"
#include "auth/LoginThrottle.h"
#include "auth/PasswordHasher.h"
#include "auth/TokenRecord.h"

namespace mvi::host {

/// Logs users in, issues and revokes bearer tokens, decides whether a request is authenticated,
/// and keeps the users.
///
/// The administrator (`auth.admin_user`) is set up from the configuration and is the only user
/// who may manage the others; the others are added, given new passwords and removed through
/// addUser, changePassword and removeUser, and stay across restarts and configuration changes.
///
/// A token is a JWT signed with HS256 (Poco::JWT) under the secret of the AuthStore, with the
/// claims `sub` (user), `jti` (token id), `iat` and, when it expires, `exp`. Every token also has
/// a row in the store: a token is accepted only when its signature checks out, its row exists,
/// is not revoked and has not expired, so revoking works for every token, including those
/// issued at login. While auth is on, a token issued while it was off is refused too, and a new
/// password for a user revokes every token of that user.
///
/// Requests present a token as `Authorization: Bearer <token>` or as the `mvi_token` cookie
/// (set at login), or the `daeploy` cookie the original platform's clients read. Thread-safe.
class Authenticator {
  public:
    /// Name of the cookie holding the token.
    static constexpr const char* COOKIE_NAME = "mvi_token";
    /// Name of the same cookie as the original platform (Daeploy) set it; its CLI reads the
    /// token from it after logging in.
    static constexpr const char* COMPATIBLE_COOKIE_NAME = "daeploy";

    /// How an Authenticator is set up (from the `auth.*` configuration keys).
    struct Settings {
        /// Whether requests need a token (see enabledFor).
        bool enabled = false;
        /// The administrator's name (`auth.admin_user`).
        std::string adminUser = "admin";
        /// The administrator's password (`auth.admin_password` or the content of
        /// `auth.admin_password_file`); empty: a random one is made at the first start with auth
        /// enabled and written to `generatedPasswordFile`.
        std::string adminPassword;
        /// Where a generated password is written (readable by the host's user only).
        std::string generatedPasswordFile;
        /// Validity of tokens issued at login and of those created without an expiry
        /// (`auth.token_days`); empty: they never expire.
        std::optional<Poco::Timespan> defaultValidity;
        /// bcrypt cost of stored password hashes.
        int bcryptCost = PasswordHasher::DEFAULT_COST;
        /// Limits on login attempts (`auth.login_*`).
        LoginThrottle::Settings throttle;
    };

    /// Why a request is or is not authenticated.
    enum class Outcome {
        /// A valid token: `user` is set.
        Authenticated,
        /// No token in the request.
        Missing,
        /// Not a token of this host (malformed, bad signature, unknown id).
        Invalid,
        /// A token past its expiry.
        Expired,
        /// A revoked token.
        Revoked,
    };

    /// The result of checking a token.
    struct Check {
        Outcome outcome = Outcome::Missing;
        /// The authenticated user (when Authenticated).
        std::string user;
        /// The token's row (when the token was signed by this host and is on record).
        std::optional<TokenRecord> token;
        /// A sentence for the client saying which outcome it is and why.
        std::string detail;

        bool authenticated() const { return outcome == Outcome::Authenticated; }
    };

    /// A newly issued token.
    struct Issued {
        /// The token to present (a signed JWT).
        std::string token;
        TokenRecord record;
    };

    /// What a login attempt came to.
    struct Login {
        enum class Result {
            /// The credentials are right: `issued` holds the new token.
            Issued,
            /// Wrong user name or password.
            Refused,
            /// Too many failures from this address or for this user name: try again after
            /// `retryAfterSeconds`. The password was not checked.
            Throttled,
            /// Every password check stayed busy: try again after `retryAfterSeconds`.
            Busy,
        };
        Result result = Result::Refused;
        std::optional<Issued> issued;
        std::int64_t retryAfterSeconds = 0;
        /// A sentence for the client when Throttled or Busy.
        std::string detail;
    };

    /// Shortest password addUser and changePassword accept, in bytes.
    static constexpr std::size_t MIN_PASSWORD_BYTES = 8;

    /// Longest user name addUser accepts, in bytes (as long as a service name).
    static constexpr std::size_t MAX_USER_NAME_BYTES = limits::kMaxNameBytes;

    /// What a change to the users came to.
    enum class UserChange {
        /// Done, and committed.
        Done,
        /// Not added: a user of that name exists (the administrator always does).
        Exists,
        /// No user of that name.
        NotFound,
        /// Refused: the administrator is set by the configuration (`auth.admin_user`,
        /// `auth.admin_password`, `auth.admin_password_file`), not through these calls.
        Administrator,
    };

    /// Why `name` cannot be a user's name (empty, longer than MAX_USER_NAME_BYTES, not valid
    /// UTF-8, holding a control character or `/`); empty when it can.
    static std::optional<std::string> userNameProblem(const std::string& name);

    /// Why `password` cannot be a user's password (shorter than MIN_PASSWORD_BYTES, longer than
    /// the PasswordHasher::MAX_PASSWORD_BYTES bcrypt reads, holding a NUL byte); empty when it
    /// can.
    static std::optional<std::string> passwordProblem(const std::string& password);

    /// Whether auth is on for the setting `auth.enabled` ("true", "false" or "auto") and the
    /// listening address `httpHost`: "auto" turns it on unless the host listens on loopback only
    /// (127.0.0.0/8, ::1 or "localhost").
    static bool enabledFor(const std::string& setting, const std::string& httpHost);

    /// Sets up the administrator from `settings`: with a configured password, the stored hash is
    /// made to match it (revoking the administrator's tokens when it changes); without one, a
    /// random password is generated, written to `settings.generatedPasswordFile` (mode 0600;
    /// the log names the file, never the password) and stored as a hash, when auth is enabled
    /// and the administrator does not exist yet. Administrators of an earlier configuration
    /// under another name are removed and their tokens revoked. Throws std::runtime_error when
    /// the generated password cannot be written.
    Authenticator(AuthStore& store, Settings settings, Poco::Logger& logger);

    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    /// Whether requests need a token.
    bool enabled() const { return settings_.enabled; }

    /// The administrator's name.
    const std::string& adminUser() const { return settings_.adminUser; }

    /// Whether `user` is the administrator (`auth.admin_user`), the one user who may manage users.
    bool isAdministrator(const std::string& user) const { return user == settings_.adminUser; }

    /// Whether a request checked as `caller` acts as the administrator: it presents the
    /// administrator's valid token, or auth is off (then every caller does).
    bool actsAsAdministrator(const Check& caller) const {
        return !enabled() || (caller.authenticated() && isAdministrator(caller.user));
    }

    /// Every user's name, sorted by bytes; the administrator is always among them, even while
    /// auth is off and it has no password yet.
    std::vector<std::string> users() const;

    /// Creates `user` with `password` (hashed with bcrypt), as a user the configuration does not
    /// manage: it stays across restarts and changes of the configuration. Exists when the name is
    /// taken. Throws std::invalid_argument with the reason for a name or password that
    /// userNameProblem or passwordProblem refuses, StorageError when the data folder refuses the
    /// write.
    UserChange addUser(const std::string& user, const std::string& password);

    /// Gives `user` a new `password` and revokes every token issued for it, in one transaction.
    /// NotFound for an unknown user; Administrator for the administrator, whose password comes
    /// from the configuration. Throws as addUser.
    UserChange changePassword(const std::string& user, const std::string& password);

    /// Removes `user` and revokes every token issued for it, in one transaction: it can no longer
    /// log in and its tokens are refused at once. NotFound for an unknown user; Administrator for
    /// the administrator. Throws StorageError when the data folder refuses the write.
    UserChange removeUser(const std::string& user);

    /// Checks `user` and `password` sent from the client address `address`, within the limits of
    /// the login throttle; on success issues a token with the default validity. Takes as long for
    /// an unknown user as for a wrong password.
    Login login(const std::string& address, const std::string& user, const std::string& password);

    /// Login attempts by outcome, since start.
    LoginThrottle::Counts loginCounts() const { return throttle_.counts(); }

    /// Issues a token for `user`, valid for `validity` (for ever when empty), recording whether
    /// auth is on. A user other than the administrator must exist when the token is recorded:
    /// throws HttpError 401 when it was removed (while the request asking for the token ran).
    Issued issue(const std::string& user, const std::optional<Poco::Timespan>& validity);

    /// The validity of tokens issued at login (`auth.token_days`); empty: no expiry.
    const std::optional<Poco::Timespan>& defaultValidity() const {
        return settings_.defaultValidity;
    }

    /// Checks a presented token.
    Check verify(const std::string& token) const;

    /// Checks the token a request presents: the `Authorization: Bearer` header, else the
    /// `mvi_token` cookie, else the `daeploy` cookie. Reads the headers only.
    Check authenticate(const Poco::Net::HTTPRequest& request) const;

    /// Every token issued, oldest first.
    std::vector<TokenRecord> tokens() const { return store_.tokens(); }

    /// The token with `id`, if one was issued.
    std::optional<TokenRecord> token(const std::string& id) const { return store_.token(id); }

    /// Revokes a token; false when no token has `id`.
    bool revoke(const std::string& id) { return store_.revokeToken(id); }

  private:
    /// A signed token for `user` and its row, not recorded yet.
    Issued sign(const std::string& user, const std::optional<Poco::Timespan>& validity) const;
    /// The bcrypt hash of `password` for a user; std::invalid_argument when it is refused.
    std::string userPasswordHash(const std::string& password) const;
    void provisionAdministrator();
    void generateAdministratorPassword();

    AuthStore& store_;
    Settings settings_;
    Poco::Logger& logger_;
    PasswordHasher hasher_;
    LoginThrottle throttle_;
    /// A hash checked when the user is unknown, so that case costs the same time.
    std::string decoyHash_;
};

}  // namespace mvi::host
