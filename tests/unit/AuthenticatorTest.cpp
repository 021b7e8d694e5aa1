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
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "HostProcess.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using Outcome = Authenticator::Outcome;

/// A fresh database per test, and a logger whose lines the test can read.
class AuthenticatorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = mvi::test::makeTemporaryDirectory();
        store_ = std::make_unique<AuthStore>(dbPath());
        logger_.setChannel(new Poco::StreamChannel(log_));
        logger_.setLevel("information");
    }

    void TearDown() override {
        logger_.setChannel(nullptr);
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    std::string dbPath() const { return (fs::path(dir_) / "mvi.db").string(); }

    static Authenticator::Settings settings(const std::string& password = "secret") {
        Authenticator::Settings result;
        result.enabled = true;
        result.adminPassword = password;
        result.bcryptCost = 4;
        return result;
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

TEST_F(AuthenticatorTest, GeneratesTheAdminPasswordOnceAndLogsIt) {
    std::string password;
    {
        Authenticator auth(*store_, settings(""), logger_);
        std::smatch match;
        std::string log = log_.str();
        ASSERT_TRUE(std::regex_search(
            log, match, std::regex("generated password for user 'admin': ([0-9a-f]+)")))
            << log;
        password = match[1];
        EXPECT_GE(password.size(), 24u);
        EXPECT_TRUE(auth.login("admin", password));
    }
    EXPECT_TRUE(store_->passwordHash("admin"));
    EXPECT_EQ(store_->passwordHash("admin")->find(password), std::string::npos);
    log_.str("");
    Authenticator again(*store_, settings(""), logger_);
    EXPECT_EQ(log_.str().find("generated password"), std::string::npos) << log_.str();
    EXPECT_TRUE(again.login("admin", password));
}

TEST_F(AuthenticatorTest, NoPasswordIsGeneratedWhileAuthIsOff) {
    Authenticator::Settings off = settings("");
    off.enabled = false;
    Authenticator auth(*store_, off, logger_);
    EXPECT_FALSE(auth.enabled());
    EXPECT_FALSE(store_->passwordHash("admin"));
    EXPECT_EQ(log_.str().find("generated password"), std::string::npos);
}

TEST_F(AuthenticatorTest, TheConfiguredPasswordReplacesTheStoredOne) {
    {
        Authenticator auth(*store_, settings("one"), logger_);
        EXPECT_TRUE(auth.login("admin", "one"));
    }
    Authenticator auth(*store_, settings("two"), logger_);
    EXPECT_FALSE(auth.login("admin", "one"));
    EXPECT_TRUE(auth.login("admin", "two"));
}

TEST_F(AuthenticatorTest, WrongCredentialsGetNoToken) {
    Authenticator auth(*store_, settings(), logger_);
    EXPECT_FALSE(auth.login("admin", "Secret"));
    EXPECT_FALSE(auth.login("admin", ""));
    EXPECT_FALSE(auth.login("nobody", "secret"));
    EXPECT_TRUE(auth.tokens().empty());
}

TEST_F(AuthenticatorTest, ATokenCarriesItsClaimsAndHasARow) {
    Authenticator::Settings withValidity = settings();
    withValidity.defaultValidity = Poco::Timespan(30, 0, 0, 0, 0);
    Authenticator auth(*store_, withValidity, logger_);
    auto issued = auth.login("admin", "secret");
    ASSERT_TRUE(issued);

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
    AuthStore otherStore((fs::path(dir_) / "other.db").string());
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
    store_ = std::make_unique<AuthStore>(dbPath());
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
    EXPECT_FALSE(auth.login("admin", "secret"));
    EXPECT_TRUE(auth.login("root", "secret"));
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
