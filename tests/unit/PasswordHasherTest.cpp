// PasswordHasher: bcrypt hashes through libxcrypt.

#include "auth/PasswordHasher.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace mvi::host {
namespace {

/// The lowest bcrypt cost, so the tests run fast; the format is the same at every cost.
constexpr int FAST_COST = 4;

TEST(PasswordHasher, HashesWithSaltedBcryptAndVerifies) {
    PasswordHasher hasher(FAST_COST);
    std::string hash = hasher.hash("correct horse");
    EXPECT_EQ(hash.rfind("$2b$04$", 0), 0u) << hash;
    EXPECT_EQ(hash.size(), 60u);
    EXPECT_TRUE(PasswordHasher::verify("correct horse", hash));
    EXPECT_FALSE(PasswordHasher::verify("correct horsE", hash));
    EXPECT_FALSE(PasswordHasher::verify("correct hors", hash));
    // A fresh salt each time: the same password never hashes the same twice.
    std::string again = hasher.hash("correct horse");
    EXPECT_NE(hash, again);
    EXPECT_TRUE(PasswordHasher::verify("correct horse", again));
}

TEST(PasswordHasher, DefaultCostIsTwelve) {
    std::string hash = PasswordHasher().hash("secret");
    EXPECT_EQ(hash.rfind("$2b$12$", 0), 0u) << hash;
    EXPECT_TRUE(PasswordHasher::verify("secret", hash));
}

TEST(PasswordHasher, RefusesPasswordsBcryptWouldCut) {
    PasswordHasher hasher(FAST_COST);
    std::string longest(PasswordHasher::MAX_PASSWORD_BYTES, 'x');
    std::string hash = hasher.hash(longest);
    EXPECT_TRUE(PasswordHasher::verify(longest, hash));
    // One byte more would be ignored by bcrypt, so it is refused rather than matched.
    EXPECT_FALSE(PasswordHasher::verify(longest + "y", hash));
    EXPECT_THROW(hasher.hash(longest + "y"), std::invalid_argument);
    EXPECT_THROW(hasher.hash(""), std::invalid_argument);
    EXPECT_THROW(hasher.hash(std::string("ab\0cd", 5)), std::invalid_argument);
    std::string prefixHash = hasher.hash("ab");
    EXPECT_FALSE(PasswordHasher::verify(std::string("ab\0cd", 5), prefixHash));
    EXPECT_FALSE(PasswordHasher::verify("", prefixHash));
}

TEST(PasswordHasher, MalformedHashesNeverVerify) {
    for (const char* stored : {"", "secret", "$2b$04$short", "$1$abc$def", "*0"}) {
        EXPECT_FALSE(PasswordHasher::verify("secret", stored)) << stored;
    }
}

TEST(PasswordHasher, CostOutsideBcryptsRangeIsRefused) {
    EXPECT_THROW(PasswordHasher(3), std::invalid_argument);
    EXPECT_THROW(PasswordHasher(32), std::invalid_argument);
}

}  // namespace
}  // namespace mvi::host
