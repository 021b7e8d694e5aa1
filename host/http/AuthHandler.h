#pragma once

#include <string>
#include <vector>

#include "auth/Authenticator.h"
#include "http/JsonHandler.h"

namespace mvi::host {

/// The `/auth/...` routes:
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
/// When auth is on, the request handler factory lets only `/auth/login` through without a valid
/// token; the check it made is handed to this handler.
class AuthHandler : public JsonHandler {
  public:
    /// Serves `/auth/<route...>`; `check` is the factory's check of the request's token.
    AuthHandler(HostContext& context, std::vector<std::string> route, Authenticator::Check check)
        : JsonHandler(context), route_(std::move(route)), check_(std::move(check)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    void login(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void logout(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void verify(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void createToken(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);
    void listTokens(Poco::Net::HTTPServerResponse& response);
    void revokeToken(const std::string& id, Poco::Net::HTTPServerResponse& response);

    std::vector<std::string> route_;
    Authenticator::Check check_;
};

}  // namespace mvi::host
