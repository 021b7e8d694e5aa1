#pragma once

#include <string>

#include "auth/Authenticator.h"
#include "http/JsonHandler.h"

namespace mvi::host {

/// The `/auth/...` routes; its actions are bound to routes:
///
/// - `POST /auth/login`: form fields `username`, `password` (URL-encoded or multipart), query
///   `destination` (a path on this host, default `/`); sets the `mvi_token` cookie and the
///   `daeploy` cookie (which the original platform's CLI reads) and answers `{"token", "id",
///   "expires_at", "Token", "Id"}`: with 200, or, to a browser (`Accept: text/html`) or when
///   `destination` is given, with `303 See Other` to `destination`. 401 for wrong
///   credentials (the login page again for a browser), 429 with `Retry-After` after too many
///   failures from the client's address or for the user name, 503 with `Retry-After` when every
///   password check stays busy (see LoginThrottle).
/// - `GET /auth/login`: the login page (HTML).
/// - `POST /auth/logout`: revokes the presented token and clears the cookies; answers `"OK"`.
///   `GET /auth/logout` does the same and sends a browser to `/` (303).
/// - `GET /auth/verify`: `{"user", "auth": true}`, or `{"user": null, "auth": false}` when auth
///   is off.
/// - `POST /auth/token`: body `{"expires_in_days": N | null}` (optional; days may be fractional,
///   null never expires, left out: `auth.token_days`), or the original's `expire_in_days` in
///   the body or the query (null, 0 or left out: never expires); answers `{"token", "id",
///   "expires_at", "Token", "Id"}`.
/// - `GET /auth/token`: the ids of the tokens still accepted, as the original listed them;
///   `?details=true`: every token issued, `[{"id", "user", "created_at", "expires_at",
///   "revoked"}]`, login tokens included.
/// - `DELETE /auth/token/<id>`: revokes that token; answers `"OK"` (404 for an unknown id).
/// - `DELETE /auth/token?uuid=<id>`: the original's form: `"OK"`, or 410 when no such token is
///   still accepted.
///
/// The administrator (anyone, with auth off) sees and revokes every token; another user only
/// the tokens of that user.
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
    void loginPage(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void logout(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void verify(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void createToken(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);
    void listTokens(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    /// Revokes the token `{id}`.
    void revokeToken(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);
    /// Revokes the token `?uuid=`.
    void revokeTokenByQuery(Poco::Net::HTTPServerRequest& request,
                            Poco::Net::HTTPServerResponse& response);

  private:
    /// Whether the caller may see and revoke `token`.
    bool callerMayManage(const TokenRecord& token) const;

    Authenticator::Check check_;
    std::string tokenId_;
};

}  // namespace mvi::host
