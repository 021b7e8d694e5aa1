// AuthStore: users, tokens and the signing secret in a real SQLite file.

#include "auth/AuthStore.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "state/StateStore.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;

/// Gives each test a fresh temporary folder, removed afterwards.
class AuthStoreTest : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = mvi::test::makeTemporaryDirectory(); }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    /// The database path, below a folder that does not exist yet.
    std::string dbPath(const std::string& name = "mvi.db") const {
        return (dir_ / "data" / name).string();
    }

    static TokenRecord record(const std::string& id, Poco::Timestamp::TimeVal created,
                              std::optional<Poco::Timestamp::TimeVal> expires) {
        TokenRecord token;
        token.id = id;
        token.user = "admin";
        token.createdAt = Poco::Timestamp(created);
        if (expires) {
            token.expiresAt = Poco::Timestamp(*expires);
        }
        return token;
    }

    fs::path dir_;
};

TEST_F(AuthStoreTest, SecretIsGeneratedOnceAndKeptInTheFile) {
    std::string secret;
    {
        AuthStore store(Database::open(dbPath()));
        secret = store.signingSecret();
        EXPECT_EQ(secret.size(), 64u);
        EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos) << secret;
    }
    AuthStore reopened(Database::open(dbPath()));
    EXPECT_EQ(reopened.signingSecret(), secret);
    AuthStore other(Database::open(dbPath("other.db")));
    EXPECT_NE(other.signingSecret(), secret);
}

TEST_F(AuthStoreTest, UsersAreCreatedAndUpdated) {
    AuthStore store(Database::open(dbPath()));
    EXPECT_FALSE(store.passwordHash("admin"));
    store.setUser("admin", "hash-1", true);
    EXPECT_EQ(store.passwordHash("admin"), "hash-1");
    store.setUser("admin", "hash-2", true);
    EXPECT_EQ(store.passwordHash("admin"), "hash-2");
    EXPECT_FALSE(store.passwordHash("Admin"));
}

TEST_F(AuthStoreTest, UsersAreListedAddedChangedAndRemoved) {
    AuthStore store(Database::open(dbPath()));
    EXPECT_TRUE(store.users().empty());
    store.setUser("admin", "hash-a", true);
    EXPECT_TRUE(store.addUser("zoe", "hash-z"));
    EXPECT_TRUE(store.addUser("bob", "hash-b"));
    EXPECT_FALSE(store.addUser("bob", "other"));
    EXPECT_FALSE(store.addUser("admin", "other"));
    EXPECT_EQ(store.users(), (std::vector<std::string>{"admin", "bob", "zoe"}));
    EXPECT_EQ(store.passwordHash("bob"), "hash-b");
    EXPECT_EQ(store.passwordHash("admin"), "hash-a");

    store.addToken(record("a", 1, std::nullopt));
    TokenRecord bobs = record("b1", 2, std::nullopt);
    bobs.user = "bob";
    store.addToken(bobs);
    bobs.id = "b2";
    store.addToken(bobs);
    ASSERT_TRUE(store.revokeToken("b2"));

    EXPECT_EQ(store.changePasswordHash("bob", "hash-b2"), std::optional<std::size_t>(1));
    EXPECT_EQ(store.passwordHash("bob"), "hash-b2");
    EXPECT_TRUE(store.token("b1")->revoked);
    EXPECT_FALSE(store.token("a")->revoked);
    EXPECT_FALSE(store.changePasswordHash("nobody", "hash"));
    EXPECT_FALSE(store.passwordHash("nobody"));

    bobs.id = "b3";
    store.addToken(bobs);
    EXPECT_TRUE(store.removeUser("bob"));
    EXPECT_FALSE(store.passwordHash("bob"));
    EXPECT_TRUE(store.token("b3")->revoked);
    EXPECT_FALSE(store.token("a")->revoked);
    EXPECT_FALSE(store.removeUser("bob"));
    EXPECT_EQ(store.users(), (std::vector<std::string>{"admin", "zoe"}));
}

TEST_F(AuthStoreTest, AddedUsersOutliveConfigurationChanges) {
    {
        AuthStore store(Database::open(dbPath()));
        store.setUser("admin", "hash", true);
        ASSERT_TRUE(store.addUser("guest", "hash-g"));
        // A new password leaves it a user the configuration does not manage.
        ASSERT_TRUE(store.changePasswordHash("guest", "hash-g2"));
    }
    AuthStore store(Database::open(dbPath()));
    EXPECT_EQ(store.removeConfiguredUsersExcept("root"), std::vector<std::string>{"admin"});
    EXPECT_EQ(store.users(), std::vector<std::string>{"guest"});
    EXPECT_EQ(store.passwordHash("guest"), "hash-g2");
}

TEST_F(AuthStoreTest, ATokenIsRecordedOnlyWhileItsUserAndThePasswordCheckedExist) {
    AuthStore store(Database::open(dbPath()));
    ASSERT_TRUE(store.addUser("bob", "hash-1"));
    TokenRecord token = record("t1", 1, std::nullopt);
    token.user = "bob";
    EXPECT_TRUE(store.addTokenIfPasswordIs(token, "hash-1"));
    EXPECT_TRUE(store.token("t1"));

    ASSERT_TRUE(store.changePasswordHash("bob", "hash-2"));
    token.id = "t2";
    EXPECT_FALSE(store.addTokenIfPasswordIs(token, "hash-1"));
    EXPECT_FALSE(store.token("t2"));

    token.id = "t3";
    EXPECT_TRUE(store.addTokenIfUserExists(token));
    EXPECT_TRUE(store.token("t3"));

    ASSERT_TRUE(store.removeUser("bob"));
    token.id = "t4";
    EXPECT_FALSE(store.addTokenIfPasswordIs(token, "hash-2"));
    EXPECT_FALSE(store.addTokenIfUserExists(token));
    EXPECT_FALSE(store.token("t4"));
}

TEST_F(AuthStoreTest, TokensRoundTripAndSurviveReopening) {
    {
        AuthStore store(Database::open(dbPath()));
        store.addToken(record("b", 2'000'000, std::nullopt));
        store.addToken(record("a", 1'000'000, 5'000'000));
    }
    AuthStore store(Database::open(dbPath()));
    auto a = store.token("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->user, "admin");
    EXPECT_EQ(a->createdAt.epochMicroseconds(), 1'000'000);
    ASSERT_TRUE(a->expiresAt);
    EXPECT_EQ(a->expiresAt->epochMicroseconds(), 5'000'000);
    EXPECT_FALSE(a->revoked);
    auto b = store.token("b");
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->expiresAt);
    EXPECT_FALSE(store.token("c"));

    auto all = store.tokens();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, "a");
    EXPECT_EQ(all[1].id, "b");
}

TEST_F(AuthStoreTest, RevokingMarksTheRowAndUnknownIdsAreReported) {
    {
        AuthStore store(Database::open(dbPath()));
        store.addToken(record("a", 1, std::nullopt));
        EXPECT_TRUE(store.revokeToken("a"));
        EXPECT_TRUE(store.revokeToken("a"));
        EXPECT_FALSE(store.revokeToken("nope"));
        EXPECT_FALSE(store.token("nope"));
    }
    AuthStore store(Database::open(dbPath()));
    EXPECT_TRUE(store.token("a")->revoked);
}

TEST_F(AuthStoreTest, RemovingAConfiguredUserRevokesItsTokens) {
    AuthStore store(Database::open(dbPath()));
    store.setUser("admin", "hash", true);
    store.setUser("root", "hash", true);
    store.setUser("guest", "hash", false);
    TokenRecord token = record("t", 1, std::nullopt);
    store.addToken(token);
    token.id = "u";
    token.user = "root";
    store.addToken(token);

    EXPECT_EQ(store.removeConfiguredUsersExcept("root"), std::vector<std::string>{"admin"});
    EXPECT_FALSE(store.passwordHash("admin"));
    EXPECT_TRUE(store.passwordHash("root"));
    EXPECT_TRUE(store.passwordHash("guest"));
    EXPECT_TRUE(store.token("t")->revoked);
    EXPECT_FALSE(store.token("u")->revoked);
}

TEST_F(AuthStoreTest, ANewPasswordRevokesTheUsersTokens) {
    AuthStore store(Database::open(dbPath()));
    store.setUser("admin", "hash-1", true);
    store.setUser("root", "hash", true);
    store.addToken(record("a", 1, std::nullopt));
    store.addToken(record("b", 2, std::nullopt));
    TokenRecord other = record("r", 3, std::nullopt);
    other.user = "root";
    store.addToken(other);
    ASSERT_TRUE(store.revokeToken("b"));

    EXPECT_EQ(store.setUser("admin", "hash-2", true), 1u);
    EXPECT_TRUE(store.token("a")->revoked);
    EXPECT_TRUE(store.token("b")->revoked);
    EXPECT_FALSE(store.token("r")->revoked);
    EXPECT_EQ(store.passwordHash("admin"), "hash-2");
}

TEST_F(AuthStoreTest, TokensRecordWhetherAuthWasOn) {
    AuthStore store(Database::open(dbPath()));
    TokenRecord on = record("on", 1, std::nullopt);
    on.issuedWithAuth = true;
    store.addToken(on);
    store.addToken(record("off", 2, std::nullopt));
    EXPECT_TRUE(store.token("on")->issuedWithAuth);
    EXPECT_FALSE(store.token("off")->issuedWithAuth);
}

TEST_F(AuthStoreTest, TokensOfAnOlderFileCountAsIssuedWithoutAuth) {
    fs::create_directories(dir_ / "data");
    {
        // The token table as it was before it recorded whether auth was on.
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session old("SQLite", dbPath());
        old << "CREATE TABLE auth_tokens (id TEXT NOT NULL PRIMARY KEY, user_name TEXT NOT NULL, "
               "created_at INTEGER NOT NULL, expires_at INTEGER, revoked INTEGER NOT NULL "
               "DEFAULT 0) WITHOUT ROWID",
            Poco::Data::Keywords::now;
        old << "INSERT INTO auth_tokens (id, user_name, created_at) VALUES ('old', 'admin', 1)",
            Poco::Data::Keywords::now;
    }
    AuthStore store(Database::open(dbPath()));
    auto old = store.token("old");
    ASSERT_TRUE(old);
    EXPECT_FALSE(old->issuedWithAuth);
    TokenRecord fresh = record("new", 2, std::nullopt);
    fresh.issuedWithAuth = true;
    store.addToken(fresh);
    EXPECT_TRUE(AuthStore(Database::open(dbPath())).token("new")->issuedWithAuth);
}

TEST_F(AuthStoreTest, SharesTheFileWithTheStateStore) {
    auto database = Database::open(dbPath());
    AuthStore auth(database);
    StateStore state(database);
    state.setMain("hello", "1.0.0");
    auth.addToken(record("a", 1, std::nullopt));
    auto reopenedDatabase = Database::open(dbPath());
    AuthStore reopened(reopenedDatabase);
    StateStore stateReopened(reopenedDatabase);
    EXPECT_EQ(stateReopened.main("hello"), "1.0.0");
    EXPECT_TRUE(reopened.token("a"));
    EXPECT_EQ(reopened.signingSecret(), auth.signingSecret());
}

TEST_F(AuthStoreTest, AFileThatIsNotADatabaseIsRefused) {
    fs::create_directories(dir_ / "data");
    {
        std::ofstream file(dbPath());
        file << std::string(4096, 'x');
    }
    EXPECT_THROW(AuthStore{Database::open(dbPath())}, std::runtime_error);
}

}  // namespace
}  // namespace mvi::host
