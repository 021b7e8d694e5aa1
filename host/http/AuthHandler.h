#pragma once

#include <string>

#include "auth/Authenticator.h"
#include "http/JsonHandler.h"

namespace mvi::host {

/// The `/auth/...` routes; its actions are bound to routes:
///
/// - `POST /auth/login`: form fields `username`, `password` (URL-encoded or multipart); answers
///   `{"token", "id", "expires_at"}` and sets the `mvi_token` cookie; 401 for wrong credentials,
///   429 with `Retry-After` after too many failures from the client's address or for the user
///   name, 503 with `Retry-After` when every password check stays busy (see LoginThrottle).
/// - `POST /auth/logout`: revokes the presented token and clears the cookie; answers `"OK"`.
/// - `GET /auth/verify`: `{"user", "auth": true}`, or `{"user": null, "auth": false}` when auth
///   is off.
/// - `POST /auth/token`: body `{"expires_in_days": N | null}` (optional; days may be fractional,
///   null never expires, left out: `auth.token_days`); answers `{"token", "id", "expires_at"}`.
/// - `GET /auth/token`: every token issued, `[{"id", "user", "created_at", "expires_at",
///   "revoked"}]`, login tokens included.
/// - `DELETE /auth/token/<id>`: revokes that token; answers `"OK"` (404 for an unknown id).
///
/// When auth is on, only `/auth/login` is served without a valid token (HostRoutes); the check
/// of the request's token is handed to this handler.
class AuthHandler : public JsonHandler {
  public:
    explicit AuthHandler(const RouteRequest& route)
        : JsonHandler(route),
          check_(route.caller),
          tokenId_(route.parameters.count("id") != 0 ? route.parameter("id") : "") {}

    void login(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void logout(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void verify(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void createToken(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);
    void listTokens(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    /// Revokes the token `{id}`.
    void revokeToken(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);

  private:
    Authenticator::Check check_;
    std::string tokenId_;
};

}  // namespace mvi::host
