#include "auth/Authenticator.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>
#include <fmt/format.h>

#include <stdexcept>

#include "auth/RandomBytes.h"

namespace mvi::host {
namespace {

/// A bcrypt hash of no one's password, checked when a login names an unknown user.
constexpr const char* DECOY_HASH = "$2b$12$upclxU6vZGLnYsG1zBBw6upUNaDYrwJVHecfDKGxRq1Ou8AB8W8gq";

/// Bytes of randomness in a token id and in a generated password.
constexpr std::size_t TOKEN_ID_BYTES = 16;
constexpr std::size_t GENERATED_PASSWORD_BYTES = 12;

bool isLoopback(std::string host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (Poco::icompare(host, "localhost") == 0) {
        return true;
    }
    Poco::Net::IPAddress address;
    return Poco::Net::IPAddress::tryParse(host, address) && address.isLoopback();
}

std::string isoTime(const Poco::Timestamp& time) {
    return Poco::DateTimeFormatter::format(time, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

Authenticator::Check failure(Authenticator::Outcome outcome, std::string detail,
                             std::optional<TokenRecord> token = std::nullopt) {
    Authenticator::Check check;
    check.outcome = outcome;
    check.detail = std::move(detail);
    check.token = std::move(token);
    return check;
}

}  // namespace

bool Authenticator::enabledFor(const std::string& setting, const std::string& httpHost) {
    if (setting == "true") {
        return true;
    }
    if (setting == "false") {
        return false;
    }
    if (setting == "auto") {
        return !isLoopback(httpHost);
    }
    throw Poco::SyntaxException("configuration key auth.enabled must be auto, true or false");
}

Authenticator::Authenticator(AuthStore& store, Settings settings, Poco::Logger& logger)
    : store_(store),
      settings_(std::move(settings)),
      logger_(logger),
      hasher_(settings_.bcryptCost) {
    provisionAdministrator();
}

void Authenticator::provisionAdministrator() {
    const std::string& admin = settings_.adminUser;
    std::optional<std::string> stored = store_.passwordHash(admin);
    if (!settings_.adminPassword.empty()) {
        if (!stored || !PasswordHasher::verify(settings_.adminPassword, *stored)) {
            std::string hash;
            try {
                hash = hasher_.hash(settings_.adminPassword);
            } catch (const std::invalid_argument& error) {
                throw Poco::InvalidArgumentException(
                    std::string("configuration key auth.admin_password: ") + error.what());
            }
            store_.setUser(admin, hash, true);
            logger_.information(
                fmt::format("auth: password of user '{}' set from the configuration", admin));
        }
    } else if (!stored && settings_.enabled) {
        std::string password = randomHex(GENERATED_PASSWORD_BYTES);
        store_.setUser(admin, hasher_.hash(password), true);
        logger_.warning(
            fmt::format("auth: generated password for user '{}': {} (shown only this once; set "
                        "auth.admin_password to choose one)",
                        admin, password));
    }
    for (const std::string& removed : store_.removeConfiguredUsersExcept(admin)) {
        logger_.information(fmt::format(
            "auth: removed user '{}' (no longer the configured administrator) and revoked its "
            "tokens",
            removed));
    }
}

std::optional<Authenticator::Issued> Authenticator::login(const std::string& user,
                                                          const std::string& password) {
    std::optional<std::string> stored = store_.passwordHash(user);
    bool matches = PasswordHasher::verify(password, stored ? *stored : DECOY_HASH);
    if (!stored || !matches) {
        return std::nullopt;
    }
    return issue(user, settings_.defaultValidity);
}

Authenticator::Issued Authenticator::issue(const std::string& user,
                                           const std::optional<Poco::Timespan>& validity) {
    Issued issued;
    TokenRecord& record = issued.record;
    record.id = randomHex(TOKEN_ID_BYTES);
    record.user = user;
    record.createdAt = Poco::Timestamp();
    if (validity) {
        record.expiresAt = record.createdAt + *validity;
    }
    Poco::JWT::Token token;
    token.setType("JWT");
    token.setSubject(user);
    token.setId(record.id);
    token.setIssuedAt(record.createdAt);
    if (record.expiresAt) {
        token.setExpiration(*record.expiresAt);
    }
    Poco::JWT::Signer signer(store_.signingSecret());
    issued.token = signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
    store_.addToken(record);
    return issued;
}

Authenticator::Check Authenticator::verify(const std::string& token) const {
    Poco::JWT::Token parsed;
    bool signedHere = false;
    try {
        Poco::JWT::Signer signer(store_.signingSecret());
        signedHere = signer.tryVerify(token, parsed);
    } catch (const Poco::Exception&) {
        signedHere = false;
    }
    if (!signedHere || parsed.getId().empty()) {
        return failure(Outcome::Invalid, "invalid token: malformed or not signed by this host");
    }
    std::optional<TokenRecord> record = store_.token(parsed.getId());
    if (!record || record->user != parsed.getSubject()) {
        return failure(Outcome::Invalid, "invalid token: this host has no record of it");
    }
    if (record->revoked) {
        return failure(Outcome::Revoked, fmt::format("revoked token: {} was revoked", record->id),
                       record);
    }
    if (record->expiresAt && Poco::Timestamp() >= *record->expiresAt) {
        return failure(
            Outcome::Expired,
            fmt::format("expired token: {} expired at {}", record->id, isoTime(*record->expiresAt)),
            record);
    }
    Check check;
    check.outcome = Outcome::Authenticated;
    check.user = record->user;
    check.token = std::move(record);
    return check;
}

Authenticator::Check Authenticator::authenticate(const Poco::Net::HTTPRequest& request) const {
    const std::string authorization = request.get("Authorization", "");
    if (!authorization.empty()) {
        std::string value = Poco::trim(authorization);
        auto space = value.find(' ');
        std::string scheme = value.substr(0, space);
        std::string token = space == std::string::npos ? "" : Poco::trim(value.substr(space));
        if (Poco::icompare(scheme, "Bearer") != 0 || token.empty()) {
            return failure(Outcome::Invalid,
                           "invalid credentials: the Authorization header must be 'Bearer "
                           "<token>'");
        }
        return verify(token);
    }
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    std::string cookie = cookies.get(COOKIE_NAME, "");
    if (!cookie.empty()) {
        return verify(cookie);
    }
    return failure(Outcome::Missing,
                   "missing token: send 'Authorization: Bearer <token>' or the mvi_token cookie "
                   "(POST /auth/login gives both)");
}

}  // namespace mvi::host
