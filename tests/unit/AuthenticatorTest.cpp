// Authenticator: logins, tokens (JWT + a row each), expiry, revocation and the request check.

#include "auth/Authenticator.h"

#include <Poco/AutoPtr.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/StreamChannel.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "core/HttpError.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using Outcome = Authenticator::Outcome;

/// A fresh database per test, and a logger whose lines the test can read.
class AuthenticatorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = mvi::test::makeTemporaryDirectory();
        store_ = std::make_unique<AuthStore>(Database::open(dbPath()));
        logger_.setChannel(new Poco::StreamChannel(log_));
        logger_.setLevel("information");
    }

    void TearDown() override {
        logger_.setChannel(nullptr);
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    std::string dbPath() const { return (fs::path(dir_) / "mvi.db").string(); }

    Authenticator::Settings settings(const std::string& password = "secret") const {
        Authenticator::Settings result;
        result.enabled = true;
        result.adminPassword = password;
        result.generatedPasswordFile = passwordFile();
        result.bcryptCost = 4;
        return result;
    }

    std::string passwordFile() const { return (fs::path(dir_) / "admin_password").string(); }

    /// Whether `user` logs in with `password` from `address`.
    static bool logsIn(Authenticator& auth, const std::string& user, const std::string& password,
                       const std::string& address = "192.0.2.1") {
        return auth.login(address, user, password).result == Authenticator::Login::Result::Issued;
    }

    std::string dir_;
    std::unique_ptr<AuthStore> store_;
    std::ostringstream log_;
    Poco::Logger& logger_ = Poco::Logger::get("auth-test");
};

TEST(AuthenticatorEnabled, AutoIsOffOnlyOnLoopback) {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost"}) {
        EXPECT_FALSE(Authenticator::enabledFor("auto", host)) << host;
        EXPECT_TRUE(Authenticator::enabledFor("true", host)) << host;
    }
    for (const char* host : {"0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.com"}) {
        EXPECT_TRUE(Authenticator::enabledFor("auto", host)) << host;
        EXPECT_FALSE(Authenticator::enabledFor("false", host)) << host;
    }
    EXPECT_THROW(Authenticator::enabledFor("yes", "0.0.0.0"), Poco::SyntaxException);
}

TEST_F(AuthenticatorTest, GeneratesTheAdminPasswordOnceIntoAPrivateFile) {
    std::string password;
    {
        Authenticator auth(*store_, settings(""), logger_);
        std::ifstream file(passwordFile());
        ASSERT_TRUE(std::getline(file, password)) << passwordFile();
        EXPECT_GE(password.size(), 24u);
        EXPECT_EQ(fs::status(passwordFile()).permissions() & fs::perms::all,
                  fs::perms::owner_read | fs::perms::owner_write);
        // The log says where the password is, never what it is.
        std::string log = log_.str();
        EXPECT_NE(
            log.find("generated a password for user 'admin' and wrote it to " + passwordFile()),
            std::string::npos)
            << log;
        EXPECT_EQ(log.find(password), std::string::npos) << log;
        EXPECT_TRUE(logsIn(auth, "admin", password));
    }
    EXPECT_TRUE(store_->passwordHash("admin"));
    EXPECT_EQ(store_->passwordHash("admin")->find(password), std::string::npos);
    fs::remove(passwordFile());
    log_.str("");
    Authenticator again(*store_, settings(""), logger_);
    EXPECT_EQ(log_.str().find("generated"), std::string::npos) << log_.str();
    EXPECT_FALSE(fs::exists(passwordFile()));
    EXPECT_TRUE(logsIn(again, "admin", password));
}

TEST_F(AuthenticatorTest, NoPasswordIsStoredWhenItsFileCannotBeWritten) {
    Authenticator::Settings unwritable = settings("");
    unwritable.generatedPasswordFile = (fs::path(dir_) / "missing" / "admin_password").string();
    EXPECT_THROW(Authenticator(*store_, unwritable, logger_), std::runtime_error);
    EXPECT_FALSE(store_->passwordHash("admin"));
}

TEST_F(AuthenticatorTest, NoPasswordIsGeneratedWhileAuthIsOff) {
    Authenticator::Settings off = settings("");
    off.enabled = false;
    Authenticator auth(*store_, off, logger_);
    EXPECT_FALSE(auth.enabled());
    EXPECT_FALSE(store_->passwordHash("admin"));
    EXPECT_EQ(log_.str().find("generated password"), std::string::npos);
}

TEST_F(AuthenticatorTest, TheConfiguredPasswordReplacesTheStoredOneAndRevokesItsTokens) {
    std::string token;
    {
        Authenticator auth(*store_, settings("one"), logger_);
        EXPECT_TRUE(logsIn(auth, "admin", "one"));
        token = auth.issue("admin", std::nullopt).token;
    }
    {
        // The same password again changes nothing.
        Authenticator auth(*store_, settings("one"), logger_);
        EXPECT_TRUE(auth.verify(token).authenticated());
    }
    Authenticator auth(*store_, settings("two"), logger_);
    EXPECT_FALSE(logsIn(auth, "admin", "one"));
    EXPECT_TRUE(logsIn(auth, "admin", "two"));
    EXPECT_EQ(auth.verify(token).outcome, Outcome::Revoked);
}

TEST_F(AuthenticatorTest, TokensIssuedWhileAuthWasOffAreRefusedOnceItIsOn) {
    Authenticator::Settings off = settings();
    off.enabled = false;
    std::string offToken;
    std::string onToken;
    {
        Authenticator auth(*store_, off, logger_);
        offToken = auth.issue("admin", std::nullopt).token;
        EXPECT_FALSE(store_->token(auth.verify(offToken).token->id)->issuedWithAuth);
    }
    {
        Authenticator auth(*store_, settings(), logger_);
        Authenticator::Check check = auth.verify(offToken);
        EXPECT_EQ(check.outcome, Outcome::Invalid);
        EXPECT_NE(check.detail.find("issued while auth was off"), std::string::npos)
            << check.detail;
        onToken = auth.issue("admin", std::nullopt).token;
        EXPECT_TRUE(auth.verify(onToken).authenticated());
    }
    // Turned off again, both are what they were.
    Authenticator auth(*store_, off, logger_);
    EXPECT_TRUE(auth.verify(offToken).authenticated());
    EXPECT_TRUE(auth.verify(onToken).authenticated());
}

TEST_F(AuthenticatorTest, RepeatedFailuresAreThrottledPerAddressAndPerUser) {
    Authenticator::Settings strict = settings();
    strict.throttle.freeFailures = 2;
    strict.throttle.backoff = Poco::Timespan(600, 0);
    strict.throttle.maxBackoff = Poco::Timespan(3600, 0);
    Authenticator auth(*store_, strict, logger_);
    using Result = Authenticator::Login::Result;

    // Two users guessed from one address: the address must wait.
    EXPECT_EQ(auth.login("192.0.2.1", "nobody", "x").result, Result::Refused);
    EXPECT_EQ(auth.login("192.0.2.1", "ghost", "x").result, Result::Refused);
    Authenticator::Login throttled = auth.login("192.0.2.1", "admin", "secret");
    EXPECT_EQ(throttled.result, Result::Throttled);
    EXPECT_FALSE(throttled.issued);
    EXPECT_GE(throttled.retryAfterSeconds, 599);
    EXPECT_LE(throttled.retryAfterSeconds, 600);
    EXPECT_NE(throttled.detail.find("192.0.2.1"), std::string::npos) << throttled.detail;
    // The right password from another address still works.
    EXPECT_TRUE(logsIn(auth, "admin", "secret", "192.0.2.2"));

    // One user guessed from two addresses: the user name must wait, wherever from.
    EXPECT_EQ(auth.login("198.51.100.1", "nobody", "x").result, Result::Refused);
    EXPECT_EQ(auth.login("198.51.100.2", "nobody", "x").result, Result::Throttled);
    Authenticator::Login byUser = auth.login("198.51.100.3", "nobody", "x");
    EXPECT_EQ(byUser.result, Result::Throttled);
    EXPECT_NE(byUser.detail.find("user 'nobody'"), std::string::npos) << byUser.detail;
    EXPECT_TRUE(logsIn(auth, "admin", "secret", "198.51.100.3"));

    LoginThrottle::Counts counts = auth.loginCounts();
    EXPECT_EQ(counts.succeeded, 2u);
    EXPECT_EQ(counts.failed, 3u);
    EXPECT_EQ(counts.throttled, 3u);
    EXPECT_EQ(counts.busy, 0u);
    EXPECT_TRUE(auth.tokens().size() == 2u);
}

TEST_F(AuthenticatorTest, WrongCredentialsGetNoToken) {
    Authenticator auth(*store_, settings(), logger_);
    EXPECT_FALSE(logsIn(auth, "admin", "Secret"));
    EXPECT_FALSE(logsIn(auth, "admin", ""));
    EXPECT_FALSE(logsIn(auth, "nobody", "secret"));
    EXPECT_EQ(auth.login("192.0.2.1", "admin", "Secret").result,
              Authenticator::Login::Result::Refused);
    EXPECT_TRUE(auth.tokens().empty());
}

TEST_F(AuthenticatorTest, ATokenCarriesItsClaimsAndHasARow) {
    Authenticator::Settings withValidity = settings();
    withValidity.defaultValidity = Poco::Timespan(30, 0, 0, 0, 0);
    Authenticator auth(*store_, withValidity, logger_);
    auto issued = auth.login("192.0.2.1", "admin", "secret").issued;
    ASSERT_TRUE(issued);
    EXPECT_TRUE(issued->record.issuedWithAuth);

    Poco::JWT::Signer signer(store_->signingSecret());
    Poco::JWT::Token token = signer.verify(issued->token);
    EXPECT_EQ(token.getAlgorithm(), "HS256");
    EXPECT_EQ(token.getSubject(), "admin");
    EXPECT_EQ(token.getId(), issued->record.id);
    EXPECT_NE(token.getIssuedAt().epochMicroseconds(), 0);
    ASSERT_TRUE(issued->record.expiresAt);
    Poco::Timespan validity = *issued->record.expiresAt - issued->record.createdAt;
    EXPECT_EQ(validity.days(), 30);
    EXPECT_NEAR(static_cast<double>(token.getExpiration().epochTime()),
                static_cast<double>(issued->record.expiresAt->epochTime()), 1.0);

    auto row = store_->token(issued->record.id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->user, "admin");

    Authenticator::Check check = auth.verify(issued->token);
    EXPECT_TRUE(check.authenticated()) << check.detail;
    EXPECT_EQ(check.user, "admin");
}

TEST_F(AuthenticatorTest, ATokenWithoutValidityNeverExpires) {
    Authenticator auth(*store_, settings(), logger_);
    auto issued = auth.issue("admin", std::nullopt);
    EXPECT_FALSE(issued.record.expiresAt);
    Poco::JWT::Signer signer(store_->signingSecret());
    EXPECT_FALSE(signer.verify(issued.token).payload().has("exp"));
    EXPECT_TRUE(auth.verify(issued.token).authenticated());
}

TEST_F(AuthenticatorTest, RevokedTokensAreRefusedAsRevoked) {
    Authenticator auth(*store_, settings(), logger_);
    auto first = auth.issue("admin", std::nullopt);
    auto second = auth.issue("admin", std::nullopt);
    ASSERT_TRUE(auth.revoke(first.record.id));
    Authenticator::Check check = auth.verify(first.token);
    EXPECT_EQ(check.outcome, Outcome::Revoked);
    EXPECT_NE(check.detail.find("revoked"), std::string::npos) << check.detail;
    EXPECT_TRUE(auth.verify(second.token).authenticated());
    EXPECT_FALSE(auth.revoke("no-such-token"));
}

TEST_F(AuthenticatorTest, ExpiredTokensAreRefusedAsExpired) {
    Authenticator auth(*store_, settings(), logger_);
    auto issued = auth.issue("admin", Poco::Timespan(0, 0, 0, 0, 50'000));
    EXPECT_TRUE(
        mvi::test::waitFor([&] { return auth.verify(issued.token).outcome == Outcome::Expired; }));
    Authenticator::Check check = auth.verify(issued.token);
    EXPECT_NE(check.detail.find("expired"), std::string::npos) << check.detail;
}

TEST_F(AuthenticatorTest, ForgedAndForeignTokensAreInvalid) {
    Authenticator auth(*store_, settings(), logger_);
    auto issued = auth.issue("admin", std::nullopt);

    // Signed with another secret.
    AuthStore otherStore(Database::open((fs::path(dir_) / "other.db").string()));
    Poco::JWT::Token forged;
    forged.setSubject("admin");
    forged.setId(issued.record.id);
    std::string foreign =
        Poco::JWT::Signer(otherStore.signingSecret()).sign(forged, Poco::JWT::Signer::ALGO_HS256);
    // Unsigned ("alg": "none"), with the payload of a real token.
    std::ostringstream header;
    {
        Poco::Base64Encoder encoder(header, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
        encoder << R"({"alg":"none","typ":"JWT"})";
    }
    std::string payload = issued.token.substr(issued.token.find('.'));
    std::string unsignedToken = header.str() + payload.substr(0, payload.rfind('.') + 1);
    // Signed here, but for a token id this host never issued.
    Poco::JWT::Token unknown;
    unknown.setSubject("admin");
    unknown.setId("0123");
    std::string unrecorded =
        Poco::JWT::Signer(store_->signingSecret()).sign(unknown, Poco::JWT::Signer::ALGO_HS256);
    // The payload changed after signing.
    std::string tampered = issued.token;
    tampered[tampered.find('.') + 5] ^= 1;

    for (const std::string& token :
         {foreign, unsignedToken, unrecorded, tampered, std::string("garbage"), std::string(""),
          std::string("a.b.c")}) {
        Authenticator::Check check = auth.verify(token);
        EXPECT_EQ(check.outcome, Outcome::Invalid) << token;
        EXPECT_NE(check.detail.find("invalid"), std::string::npos) << check.detail;
    }
}

TEST_F(AuthenticatorTest, TokensOutliveANewStoreOnTheSameFile) {
    std::string token;
    {
        Authenticator auth(*store_, settings(), logger_);
        token = auth.issue("admin", std::nullopt).token;
    }
    store_ = std::make_unique<AuthStore>(Database::open(dbPath()));
    Authenticator auth(*store_, settings(), logger_);
    EXPECT_TRUE(auth.verify(token).authenticated());
}

TEST_F(AuthenticatorTest, RenamingTheAdministratorRevokesTheOldOnesTokens) {
    std::string token;
    {
        Authenticator auth(*store_, settings(), logger_);
        token = auth.issue("admin", std::nullopt).token;
    }
    Authenticator::Settings renamed = settings();
    renamed.adminUser = "root";
    Authenticator auth(*store_, renamed, logger_);
    EXPECT_EQ(auth.verify(token).outcome, Outcome::Revoked);
    EXPECT_FALSE(logsIn(auth, "admin", "secret"));
    EXPECT_TRUE(logsIn(auth, "root", "secret"));
}

TEST_F(AuthenticatorTest, UsersAreAddedChangedAndRemovedButNotTheAdministrator) {
    Authenticator auth(*store_, settings(), logger_);
    EXPECT_EQ(auth.users(), std::vector<std::string>{"admin"});
    EXPECT_TRUE(auth.isAdministrator("admin"));
    EXPECT_FALSE(auth.isAdministrator("alice"));

    EXPECT_EQ(auth.addUser("alice", "alice-pass"), Authenticator::UserChange::Done);
    EXPECT_EQ(auth.addUser("alice", "other-pass"), Authenticator::UserChange::Exists);
    EXPECT_EQ(auth.addUser("admin", "other-pass"), Authenticator::UserChange::Exists);
    EXPECT_EQ(auth.users(), (std::vector<std::string>{"admin", "alice"}));
    EXPECT_TRUE(logsIn(auth, "alice", "alice-pass"));
    EXPECT_FALSE(logsIn(auth, "alice", "other-pass"));
    EXPECT_TRUE(logsIn(auth, "admin", "secret"));
    EXPECT_NE(log_.str().find("added user 'alice'"), std::string::npos) << log_.str();

    std::string token = auth.issue("alice", std::nullopt).token;
    EXPECT_EQ(auth.changePassword("alice", "new-alice-pass"), Authenticator::UserChange::Done);
    EXPECT_EQ(auth.verify(token).outcome, Outcome::Revoked);
    EXPECT_FALSE(logsIn(auth, "alice", "alice-pass"));
    EXPECT_TRUE(logsIn(auth, "alice", "new-alice-pass"));
    EXPECT_EQ(auth.changePassword("bob", "bobs-password"), Authenticator::UserChange::NotFound);
    EXPECT_EQ(auth.changePassword("admin", "new-secret"), Authenticator::UserChange::Administrator);
    EXPECT_TRUE(logsIn(auth, "admin", "secret"));

    token = auth.issue("alice", std::nullopt).token;
    EXPECT_EQ(auth.removeUser("alice"), Authenticator::UserChange::Done);
    EXPECT_EQ(auth.verify(token).outcome, Outcome::Revoked);
    EXPECT_FALSE(logsIn(auth, "alice", "new-alice-pass"));
    EXPECT_EQ(auth.removeUser("alice"), Authenticator::UserChange::NotFound);
    EXPECT_EQ(auth.removeUser("admin"), Authenticator::UserChange::Administrator);
    // A request of hers still running gets no new token.
    std::size_t before = auth.tokens().size();
    EXPECT_THROW(auth.issue("alice", std::nullopt), HttpError);
    EXPECT_EQ(auth.tokens().size(), before);
    EXPECT_EQ(auth.users(), std::vector<std::string>{"admin"});
}

TEST_F(AuthenticatorTest, AddedUsersStayWhenTheConfigurationChanges) {
    {
        Authenticator auth(*store_, settings(), logger_);
        ASSERT_EQ(auth.addUser("alice", "alice-pass"), Authenticator::UserChange::Done);
    }
    Authenticator::Settings renamed = settings("other-secret");
    renamed.adminUser = "root";
    Authenticator auth(*store_, renamed, logger_);
    EXPECT_EQ(auth.users(), (std::vector<std::string>{"alice", "root"}));
    EXPECT_TRUE(logsIn(auth, "alice", "alice-pass"));
    EXPECT_FALSE(auth.isAdministrator("admin"));
}

TEST_F(AuthenticatorTest, WithAuthOffTheAdministratorIsListedBeforeItHasAPassword) {
    Authenticator::Settings off = settings("");
    off.enabled = false;
    Authenticator auth(*store_, off, logger_);
    EXPECT_FALSE(store_->passwordHash("admin"));
    EXPECT_EQ(auth.users(), std::vector<std::string>{"admin"});
    EXPECT_EQ(auth.addUser("zed", "zeds-pass"), Authenticator::UserChange::Done);
    EXPECT_EQ(auth.addUser("bob", "bobs-pass"), Authenticator::UserChange::Done);
    EXPECT_EQ(auth.users(), (std::vector<std::string>{"admin", "bob", "zed"}));
}

TEST_F(AuthenticatorTest, UserNamesAndPasswordsAreChecked) {
    EXPECT_FALSE(Authenticator::userNameProblem("alice"));
    EXPECT_FALSE(Authenticator::userNameProblem("h\xC3\xA9l\xC3\xA8ne smith"));
    EXPECT_FALSE(Authenticator::userNameProblem(std::string(128, 'n')));
    for (const std::string& bad :
         {std::string(), std::string(129, 'n'), std::string("a/b"), std::string("tab\there"),
          std::string("nul\0", 4), std::string("del\x7F"), std::string("bad\xFF")}) {
        EXPECT_TRUE(Authenticator::userNameProblem(bad)) << bad;
    }
    EXPECT_FALSE(Authenticator::passwordProblem("12345678"));
    EXPECT_FALSE(Authenticator::passwordProblem(std::string(72, 'p')));
    auto shortOne = Authenticator::passwordProblem("1234567");
    ASSERT_TRUE(shortOne);
    EXPECT_NE(shortOne->find("at least 8 bytes"), std::string::npos) << *shortOne;
    auto longOne = Authenticator::passwordProblem(std::string(73, 'p'));
    ASSERT_TRUE(longOne);
    EXPECT_NE(longOne->find("at most 72 bytes"), std::string::npos) << *longOne;
    EXPECT_TRUE(
        Authenticator::passwordProblem(std::string("1234\0"
                                                   "5678",
                                                   9)));

    Authenticator auth(*store_, settings(), logger_);
    EXPECT_THROW(auth.addUser("a/b", "long-enough"), std::invalid_argument);
    EXPECT_THROW(auth.addUser("bob", "short"), std::invalid_argument);
    EXPECT_THROW(auth.addUser("bob", std::string(73, 'p')), std::invalid_argument);
    ASSERT_EQ(auth.addUser("bob", "long-enough"), Authenticator::UserChange::Done);
    EXPECT_THROW(auth.changePassword("bob", "short"), std::invalid_argument);
    EXPECT_TRUE(logsIn(auth, "bob", "long-enough"));
    EXPECT_EQ(auth.users(), (std::vector<std::string>{"admin", "bob"}));
}

TEST_F(AuthenticatorTest, RequestsPresentTheTokenAsBearerOrCookie) {
    Authenticator auth(*store_, settings(), logger_);
    std::string token = auth.issue("admin", std::nullopt).token;

    Poco::Net::HTTPRequest none("GET", "/services/");
    EXPECT_EQ(auth.authenticate(none).outcome, Outcome::Missing);
    EXPECT_NE(auth.authenticate(none).detail.find("missing"), std::string::npos);

    Poco::Net::HTTPRequest bearer("GET", "/services/");
    bearer.set("Authorization", "Bearer " + token);
    EXPECT_TRUE(auth.authenticate(bearer).authenticated());
    bearer.set("Authorization", "bearer  " + token);
    EXPECT_TRUE(auth.authenticate(bearer).authenticated());

    Poco::Net::HTTPRequest cookie("GET", "/services/");
    Poco::Net::NameValueCollection cookies;
    cookies.add("other", "x");
    cookies.add(Authenticator::COOKIE_NAME, token);
    cookie.setCookies(cookies);
    EXPECT_TRUE(auth.authenticate(cookie).authenticated());

    Poco::Net::HTTPRequest basic("GET", "/services/");
    basic.set("Authorization", "Basic YWRtaW46c2VjcmV0");
    EXPECT_EQ(auth.authenticate(basic).outcome, Outcome::Invalid);
    Poco::Net::HTTPRequest empty("GET", "/services/");
    empty.set("Authorization", "Bearer ");
    EXPECT_EQ(auth.authenticate(empty).outcome, Outcome::Invalid);

    // The header is the one checked when both are present.
    cookie.set("Authorization", "Bearer not-a-token");
    EXPECT_EQ(auth.authenticate(cookie).outcome, Outcome::Invalid);
}

}  // namespace
}  // namespace mvi::host
