#pragma once

#include <string>
#include <vector>

#include "auth/Authenticator.h"
#include "http/JsonHandler.h"

namespace mvi::host {

/// The `/admin/user/...` routes, the administrator's management of users (the requests and
/// answers of Daeploy's `daeploy user` commands); its actions are bound to routes:
///
/// - `GET /admin/user/`: every user's name, sorted, the administrator included (`["admin",
///   "alice"]`).
/// - `POST /admin/user/<name>` with `{"password": "..."}`: adds a user; answers 201 `"Created"`,
///   409 when the name is taken.
/// - `PUT /admin/user/<name>` with `{"password": "..."}`: gives the user a new password and
///   revokes its tokens; answers `"OK"`, 404 for an unknown user.
/// - `DELETE /admin/user/<name>`: removes the user and revokes its tokens; answers `"OK"`, 404
///   for an unknown user.
///
/// Only the administrator may call them: with auth on, a valid token of another user is refused
/// with 403 (a request without a valid token never gets here: 401); with auth off every caller
/// acts as the administrator. The administrator itself is set by the configuration: removing it
/// or changing its password here is refused with 403. A name that Authenticator::userNameProblem
/// refuses and a password that Authenticator::passwordProblem refuses are 422 with a `detail`
/// list, as a body that is not `{"password": string}` is.
class AdminHandler : public JsonHandler {
  public:
    explicit AdminHandler(const RouteRequest& route)
        : JsonHandler(route),
          check_(route.caller),
          name_(route.parameters.count("name") != 0 ? route.parameter("name") : "") {}

    void listUsers(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    /// Adds the user `{name}`.
    void addUser(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    /// Changes the password of the user `{name}`.
    void updateUser(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    /// Removes the user `{name}`.
    void removeUser(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    /// Throws 403 unless the caller is the administrator (anyone while auth is off).
    void requireAdministrator() const;
    /// The password of a body `{"password": string}`; adds to `problems` what is wrong with the
    /// body or the password (422 for a body that is not JSON).
    std::string readPassword(Poco::Net::HTTPServerRequest& request,
                             std::vector<ValidationError>& problems);

    Authenticator::Check check_;
    std::string name_;
};

}  // namespace mvi::host
