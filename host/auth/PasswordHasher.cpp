#include "auth/PasswordHasher.h"

#include <Poco/DigestEngine.h>
#include <crypt.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace mvi::host {
namespace {

/// The bcrypt variant written by current libraries.
constexpr const char* BCRYPT_PREFIX = "$2b$";

bool acceptable(const std::string& password) {
    return !password.empty() && password.size() <= PasswordHasher::MAX_PASSWORD_BYTES &&
           password.find('\0') == std::string::npos;
}

}  // namespace

PasswordHasher::PasswordHasher(int cost) : cost_(cost) {
    if (cost < 4 || cost > 31) {
        throw std::invalid_argument("bcrypt cost must be within 4..31");
    }
}

std::string PasswordHasher::hash(const std::string& password) const {
    if (!acceptable(password)) {
        throw std::invalid_argument("a password must have 1 to 72 bytes and no NUL byte");
    }
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // A null random source makes libxcrypt draw the salt from the operating system.
    if (crypt_gensalt_rn(BCRYPT_PREFIX, static_cast<unsigned long>(cost_), nullptr, 0, setting,
                         sizeof setting) == nullptr) {
        throw std::runtime_error(std::string("cannot make a bcrypt salt: ") + std::strerror(errno));
    }
    auto data = std::make_unique<crypt_data>();
    const char* result = crypt_r(password.c_str(), setting, data.get());
    if (result == nullptr || result[0] == '*') {
        throw std::runtime_error(std::string("cannot hash a password with bcrypt: ") +
                                 std::strerror(errno));
    }
    return result;
}

bool PasswordHasher::verify(const std::string& password, const std::string& storedHash) {
    if (!acceptable(password) || storedHash.rfind(BCRYPT_PREFIX, 0) != 0) {
        return false;
    }
    auto data = std::make_unique<crypt_data>();
    const char* result = crypt_r(password.c_str(), storedHash.c_str(), data.get());
    if (result == nullptr || result[0] == '*') {
        return false;
    }
    Poco::DigestEngine::Digest computed(result, result + std::strlen(result));
    Poco::DigestEngine::Digest expected(storedHash.begin(), storedHash.end());
    return Poco::DigestEngine::constantTimeEquals(computed, expected);
}

}  // namespace mvi::host
