#include "http/Pages.h"

#include "http/DashboardHandlers.h"

#include <Poco/Net/Net.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>
#include <fmt/format.h>

namespace mvi::host {
namespace {

/// The markup every page shares, around `title` and `body`.
std::string page(const std::string& title, const std::string& body) {
    return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0}</title>
<link rel="icon" href="/~web/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/~web/pages.css">
</head>
<body>
{1}
</body>
</html>
)",
                       Poco::Net::htmlize(title), body);
}

}  // namespace

namespace Pages {

std::string login(const std::string& destination, const std::string& problem) {
    std::string action;
    Poco::URI::encode(destination, "?#[]@!$&'()*+,;=/:", action);
    std::string notice = problem.empty()
                             ? std::string()
                             : fmt::format("<p class=\"problem\" role=\"alert\">{}</p>\n",
                                           Poco::Net::htmlize(problem));
    return page("Log in - MVI for C++", fmt::format(R"(<h1>Log in to this MVI host</h1>
{0}<form method="post" action="/auth/login?destination={1}">
<label>User name <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
)",
                                                    notice, Poco::Net::htmlize(action)));
}

std::string home(const std::string& hostVersion, bool authEnabled, const std::string& user) {
    std::string who =
        authEnabled
            ? fmt::format(
                  R"(<p>Logged in as <strong>{}</strong>. <a href="/auth/logout">Log out</a></p>)",
                  Poco::Net::htmlize(user))
            : std::string("<p>Authentication is off on this host.</p>");
    return page("MVI for C++", fmt::format(R"(<h1>MVI for C++ host {0}</h1>
{1}
<ul>
<li><a href="/services/">Services</a> (<code>GET /services/</code>)</li>
<li><a href="/notifications/">Notifications</a> (<code>GET /notifications/</code>)</li>
<li><a href="/logs/">The host's log</a> (<code>GET /logs/</code>)</li>
<li><a href="/~ready">Readiness</a> and <a href="/metrics">metrics</a></li>
</ul>
<p>Each service's API: <code>/services/NAME/docs</code>.</p>
)",
                                           Poco::Net::htmlize(hostVersion), who));
}

void send(Poco::Net::HTTPServerResponse& response, int status, const std::string& html) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("text/html; charset=utf-8");
    response.set("Cache-Control", "no-store");
    setPageHeaders(response);
    response.setContentLength(static_cast<std::streamsize>(html.size()));
    response.sendBuffer(html.data(), html.size());
}

bool accepts(const std::string& acceptHeader, const std::string& mediaType) {
    Poco::StringTokenizer ranges(
        acceptHeader, ",",
        Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const std::string& range : ranges) {
        std::string type = Poco::trim(range.substr(0, range.find(';')));
        if (Poco::icompare(type, mediaType) == 0) {
            return true;
        }
    }
    return false;
}

std::string localPath(const std::string& destination) {
    if (destination.empty() || destination[0] != '/' ||
        (destination.size() > 1 && (destination[1] == '/' || destination[1] == '\\'))) {
        return {};
    }
    for (unsigned char c : destination) {
        if (c < 0x20 || c == 0x7f || c == '\\') {
            return {};
        }
    }
    return destination;
}

}  // namespace Pages

}  // namespace mvi::host
