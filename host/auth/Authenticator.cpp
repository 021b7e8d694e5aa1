#include "auth/Authenticator.h"

#include <Poco/Exception.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "auth/RandomBytes.h"
#include "core/HttpError.h"
#include "core/IsoTime.h"
#include "core/JsonInput.h"

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

Authenticator::Check failure(Authenticator::Outcome outcome, std::string detail,
                             std::optional<TokenRecord> token = std::nullopt) {
    Authenticator::Check check;
    check.outcome = outcome;
    check.detail = std::move(detail);
    check.token = std::move(token);
    return check;
}

/// Writes `text` and a newline to a new file at `path` that only its owner may read (0600,
/// replacing a file of that name). Throws std::runtime_error naming the path.
void writePrivateFile(const std::string& path, const std::string& text) {
    auto failed = [&path](const char* what) {
        return std::runtime_error(
            fmt::format("cannot {} {}: {}", what, path, std::strerror(errno)));
    };
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw failed("create");
    }
    std::string content = text + "\n";
    bool written =
        ::fchmod(fd, 0600) == 0 &&
        ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
        ::fsync(fd) == 0;
    int writeErrno = errno;
    ::close(fd);
    if (!written) {
        errno = writeErrno;
        throw failed("write");
    }
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
      hasher_(settings_.bcryptCost),
      throttle_(settings_.throttle) {
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
            std::size_t revoked = store_.setUser(admin, hash, true);
            logger_.information(fmt::format(
                "auth: password of user '{}' set from the configuration{}", admin,
                revoked == 0 ? std::string()
                             : fmt::format("; revoked the {} token(s) of the old one", revoked)));
        }
    } else if (!stored && settings_.enabled) {
        generateAdministratorPassword();
    }
    for (const std::string& removed : store_.removeConfiguredUsersExcept(admin)) {
        logger_.information(fmt::format(
            "auth: removed user '{}' (no longer the configured administrator) and revoked its "
            "tokens",
            removed));
    }
}

void Authenticator::generateAdministratorPassword() {
    const std::string& admin = settings_.adminUser;
    const std::string& file = settings_.generatedPasswordFile;
    if (file.empty()) {
        throw std::runtime_error("auth: no file to write a generated password to");
    }
    std::string password = randomHex(GENERATED_PASSWORD_BYTES);
    // Written before it is stored: a password nobody can read would lock everyone out.
    writePrivateFile(file, password);
    store_.setUser(admin, hasher_.hash(password), true);
    logger_.warning(
        fmt::format("auth: generated a password for user '{}' and wrote it to {} (readable by "
                    "this user only; set auth.admin_password_file to choose one)",
                    admin, file));
}

std::optional<std::string> Authenticator::userNameProblem(const std::string& name) {
    if (name.empty()) {
        return std::string("a user name must not be empty");
    }
    if (name.size() > MAX_USER_NAME_BYTES) {
        return fmt::format("a user name must have at most {} bytes", MAX_USER_NAME_BYTES);
    }
    if (!JsonInput::isValidUtf8(name)) {
        return std::string("a user name must be valid UTF-8");
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7F) {
            return std::string("a user name must not hold control characters");
        }
        if (c == '/') {
            return std::string("a user name must not hold '/'");
        }
    }
    return std::nullopt;
}

std::optional<std::string> Authenticator::passwordProblem(const std::string& password) {
    if (password.size() < MIN_PASSWORD_BYTES) {
        return fmt::format("a password must have at least {} bytes", MIN_PASSWORD_BYTES);
    }
    if (password.size() > PasswordHasher::MAX_PASSWORD_BYTES) {
        return fmt::format("a password must have at most {} bytes (bcrypt reads no more)",
                           PasswordHasher::MAX_PASSWORD_BYTES);
    }
    if (password.find('\0') != std::string::npos) {
        return std::string("a password must not hold a NUL byte");
    }
    return std::nullopt;
}

std::vector<std::string> Authenticator::users() const {
    std::vector<std::string> names = store_.users();
    if (std::find(names.begin(), names.end(), settings_.adminUser) == names.end()) {
        names.insert(std::upper_bound(names.begin(), names.end(), settings_.adminUser),
                     settings_.adminUser);
    }
    return names;
}

std::string Authenticator::userPasswordHash(const std::string& password) const {
    if (auto problem = passwordProblem(password)) {
        throw std::invalid_argument(*problem);
    }
    return hasher_.hash(password);
}

Authenticator::UserChange Authenticator::addUser(const std::string& user,
                                                 const std::string& password) {
    if (auto problem = userNameProblem(user)) {
        throw std::invalid_argument(*problem);
    }
    std::string hash = userPasswordHash(password);
    if (isAdministrator(user) || !store_.addUser(user, hash)) {
        return UserChange::Exists;
    }
    logger_.information(fmt::format("auth: added user '{}'", user));
    return UserChange::Done;
}

Authenticator::UserChange Authenticator::changePassword(const std::string& user,
                                                        const std::string& password) {
    if (isAdministrator(user)) {
        return UserChange::Administrator;
    }
    std::string hash = userPasswordHash(password);
    std::optional<std::size_t> revoked = store_.changePasswordHash(user, hash);
    if (!revoked) {
        return UserChange::NotFound;
    }
    logger_.information(
        fmt::format("auth: changed the password of user '{}'; revoked its {} "
                    "token(s)",
                    user, *revoked));
    return UserChange::Done;
}

Authenticator::UserChange Authenticator::removeUser(const std::string& user) {
    if (isAdministrator(user)) {
        return UserChange::Administrator;
    }
    if (!store_.removeUser(user)) {
        return UserChange::NotFound;
    }
    logger_.information(fmt::format("auth: removed user '{}' and revoked its tokens", user));
    return UserChange::Done;
}

Authenticator::Login Authenticator::login(const std::string& address, const std::string& user,
                                          const std::string& password) {
    Login result;
    auto throttled = [&](const LoginThrottle::Wait& wait) {
        throttle_.throttled();
        result.result = Login::Result::Throttled;
        result.retryAfterSeconds = wait.seconds;
        result.detail = fmt::format("{}: try again in {} s", wait.reason, wait.seconds);
        return result;
    };
    if (auto wait = throttle_.wait(address, user, Poco::Timestamp())) {
        return throttled(*wait);
    }
    std::optional<LoginThrottle::Check> check = throttle_.startCheck();
    if (!check) {
        result.result = Login::Result::Busy;
        result.retryAfterSeconds = 1;
        result.detail = "too many logins at once: try again in 1 s";
        return result;
    }
    // Failures recorded while this one waited for its check count too.
    if (auto wait = throttle_.wait(address, user, Poco::Timestamp())) {
        return throttled(*wait);
    }
    std::optional<std::string> stored = store_.passwordHash(user);
    bool matches = PasswordHasher::verify(password, stored ? *stored : DECOY_HASH);
    if (!stored || !matches) {
        throttle_.failed(address, user, Poco::Timestamp());
        return result;
    }
    throttle_.succeeded(address, user);
    Issued issued = sign(user, settings_.defaultValidity);
    // The user may have been removed or given a new password while the password was checked.
    if (!store_.addTokenIfPasswordIs(issued.record, *stored)) {
        return result;
    }
    result.result = Login::Result::Issued;
    result.issued = std::move(issued);
    return result;
}

Authenticator::Issued Authenticator::issue(const std::string& user,
                                           const std::optional<Poco::Timespan>& validity) {
    Issued issued = sign(user, validity);
    if (isAdministrator(user)) {
        // While auth is off the administrator may have no password, so no row, yet.
        store_.addToken(issued.record);
    } else if (!store_.addTokenIfUserExists(issued.record)) {
        throw HttpError(401, fmt::format("user '{}' no longer exists", limits::shorten(user)));
    }
    return issued;
}

Authenticator::Issued Authenticator::sign(const std::string& user,
                                          const std::optional<Poco::Timespan>& validity) const {
    Issued issued;
    TokenRecord& record = issued.record;
    record.id = randomHex(TOKEN_ID_BYTES);
    record.user = user;
    record.createdAt = Poco::Timestamp();
    record.issuedWithAuth = settings_.enabled;
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
    if (settings_.enabled && !record->issuedWithAuth) {
        return failure(Outcome::Invalid,
                       fmt::format("invalid token: {} was issued while auth was off and is not "
                                   "accepted while it is on; log in (POST /auth/login) for a new "
                                   "one",
                                   record->id),
                       record);
    }
    if (record->revoked) {
        return failure(Outcome::Revoked, fmt::format("revoked token: {} was revoked", record->id),
                       record);
    }
    if (record->expiresAt && Poco::Timestamp() >= *record->expiresAt) {
        return failure(Outcome::Expired,
                       fmt::format("expired token: {} expired at {}", record->id,
                                   formatIsoTime(*record->expiresAt)),
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
    for (const char* name : {COOKIE_NAME, COMPATIBLE_COOKIE_NAME}) {
        std::string cookie = cookies.get(name, "");
        if (!cookie.empty()) {
            return verify(cookie);
        }
    }
    return failure(Outcome::Missing,
                   "missing token: send 'Authorization: Bearer <token>' or the mvi_token cookie "
                   "(POST /auth/login gives both)");
}

}  // namespace mvi::host
