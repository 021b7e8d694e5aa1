#pragma once

#include <Poco/Timestamp.h>

#include <optional>
#include <string>

namespace mvi::host {

/// What the host remembers of one issued token (the token text itself is never stored).
struct TokenRecord {
    /// The token's id (its `jti` claim).
    std::string id;
    /// The user it authenticates (its `sub` claim).
    std::string user;
    Poco::Timestamp createdAt;
    /// When it stops being accepted; never when empty.
    std::optional<Poco::Timestamp> expiresAt;
    bool revoked = false;
    /// Whether auth was on when it was issued. A token issued while auth was off (when anyone
    /// who reaches the host may ask for one) is never accepted while auth is on.
    bool issuedWithAuth = false;
};

}  // namespace mvi::host
