#pragma once

#include <cstddef>
#include <string>

namespace mvi::host {

/// Hashes and checks passwords with bcrypt (`$2b$`), through libxcrypt's `crypt_gensalt_rn` and
/// `crypt_r`. Each hash carries its own random salt and cost, so a stored hash verifies with
/// whatever cost it was made with.
///
/// bcrypt reads at most 72 bytes of a password; longer ones are refused rather than silently
/// cut. Stateless and thread-safe.
class PasswordHasher {
  public:
    /// The cost used for stored passwords (2^12 rounds: about a quarter of a second).
    static constexpr int DEFAULT_COST = 12;

    /// Longest password bcrypt reads in full.
    static constexpr std::size_t MAX_PASSWORD_BYTES = 72;

    /// A hasher with `cost` (4..31; tests use a low one to run fast).
    explicit PasswordHasher(int cost = DEFAULT_COST);

    /// A new salted hash of `password`. Throws std::invalid_argument for an empty password, one
    /// longer than MAX_PASSWORD_BYTES or one holding a NUL byte, and std::runtime_error when
    /// the library fails.
    std::string hash(const std::string& password) const;

    /// Whether `password` matches `storedHash` (compared in constant time). False for a password
    /// hash() would refuse and for a malformed hash.
    static bool verify(const std::string& password, const std::string& storedHash);

  private:
    int cost_;
};

}  // namespace mvi::host
