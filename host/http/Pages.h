#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace mvi::host {

/// The host's few HTML pages, for people at a browser: the login form and the page at `/`.
namespace Pages {

/// The login form, posting `username` and `password` to `/auth/login?destination=<destination>`;
/// `problem`, when not empty, is shown above the form (a refused login).
std::string login(const std::string& destination, const std::string& problem);

/// The page at `/` for a logged-in user (or anyone, with auth off): what the host is and where
/// its routes are.
std::string home(const std::string& hostVersion, bool authEnabled, const std::string& user);

/// Sends `html` with `status`, never cached.
void send(Poco::Net::HTTPServerResponse& response, int status, const std::string& html);

/// Whether a request's `Accept` header names `mediaType` (e.g. `application/json`), as a
/// client that asks for that type in particular sends it (`*/*` alone does not count).
bool accepts(const std::string& acceptHeader, const std::string& mediaType);

/// `destination` when it is a path on this host (starts with one `/`, no backslash or control
/// character), so a redirect there cannot lead to another site; empty otherwise.
std::string localPath(const std::string& destination);

}  // namespace Pages

}  // namespace mvi::host
