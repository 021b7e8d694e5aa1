#include "http/AuthHandler.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mvi::host {
namespace {

using nlohmann::json;

/// Longest validity a token may be given.
constexpr double MAX_TOKEN_DAYS = 36500;

/// The `Set-Cookie` value carrying `token` (empty: clearing the cookie), the one place the
/// cookie's attributes are decided: out of scripts' reach (HttpOnly), sent for every route, never
/// sent with a request another site's page makes (SameSite=Strict), and over TLS never sent back
/// in clear (Secure).
std::string tokenCookie(const std::string& token, bool overTls) {
    std::string cookie = std::string(Authenticator::COOKIE_NAME) + "=" + token +
                         "; HttpOnly; Path=/; SameSite=Strict";
    if (overTls) {
        // A browser never sends it back over plain HTTP.
        cookie += "; Secure";
    }
    if (token.empty()) {
        cookie += "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
    }
    return cookie;
}

json isoTime(const std::optional<Poco::Timestamp>& time) {
    if (!time) {
        return nullptr;
    }
    return Poco::DateTimeFormatter::format(*time, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

json describe(const TokenRecord& token) {
    return {{"id", token.id},
            {"user", token.user},
            {"created_at", isoTime(token.createdAt)},
            {"expires_at", isoTime(token.expiresAt)},
            {"revoked", token.revoked}};
}

json describe(const Authenticator::Issued& issued) {
    return {{"token", issued.token},
            {"id", issued.record.id},
            {"expires_at", isoTime(issued.record.expiresAt)}};
}

/// Whether the request has a body: a request with neither Content-Length nor chunked encoding has
/// none (RFC 9112, 6.3), however its connection goes on.
bool announcesBody(const Poco::Net::HTTPServerRequest& request) {
    return request.getChunkedTransferEncoding() || request.hasContentLength();
}

json problem(const std::string& field, const std::string& message, const std::string& type) {
    json loc = json::array({"body"});
    if (!field.empty()) {
        loc.push_back(field);
    }
    return {{"loc", loc}, {"msg", message}, {"type", type}};
}

}  // namespace

void AuthHandler::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    const std::string route = route_.empty() ? "" : route_[0];
    if (route_.size() == 1 && route == "login") {
        requireMethod(request, response, "POST");
        login(request, response);
    } else if (route_.size() == 1 && route == "logout") {
        requireMethod(request, response, "POST");
        logout(request, response);
    } else if (route_.size() == 1 && route == "verify") {
        requireMethod(request, response, "GET");
        verify(request, response);
    } else if (route_.size() == 1 && route == "token") {
        requireMethod(request, response, "GET,POST");
        if (request.getMethod() == "GET") {
            listTokens(response);
        } else {
            createToken(request, response);
        }
    } else if (route_.size() == 2 && route == "token") {
        requireMethod(request, response, "DELETE");
        revokeToken(route_[1], response);
    } else {
        std::string path = "/auth";
        for (const std::string& part : route_) {
            path += "/" + part;
        }
        throw HttpError(404, "no route for " + limits::shorten(path));
    }
}

void AuthHandler::login(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) {
    // Credentials in the URL would end up in logs and histories: only the body is read.
    if (!Poco::URI(request.getURI()).getRawQuery().empty()) {
        throw HttpError(422, json::array({{{"loc", {"query"}},
                                           {"msg",
                                            "send username and password as form fields in "
                                            "the body, not in the URL"},
                                           {"type", "value_error.query"}}}));
    }
    std::istringstream body(announcesBody(request) ? readBody(request) : std::string());
    Poco::Net::HTMLForm form;
    try {
        form.load(request, body);
    } catch (const Poco::Exception& error) {
        throw HttpError(422, json::array({problem("", "malformed form: " + error.displayText(),
                                                  "value_error.form")}));
    }
    requireUtf8Fields(form);
    json problems = json::array();
    for (const char* field : {"username", "password"}) {
        if (!form.has(field)) {
            problems.push_back(problem(field, "field required", "value_error.missing"));
        }
    }
    if (!problems.empty()) {
        throw HttpError(422, problems);
    }
    Authenticator::Login attempt = context_.auth.login(request.clientAddress().host().toString(),
                                                       form.get("username"), form.get("password"));
    switch (attempt.result) {
        case Authenticator::Login::Result::Issued:
            break;
        case Authenticator::Login::Result::Refused:
            response.set("WWW-Authenticate", "Bearer");
            throw HttpError(401, "Incorrect username or password");
        case Authenticator::Login::Result::Throttled:
            response.set("Retry-After", std::to_string(attempt.retryAfterSeconds));
            throw HttpError(429, attempt.detail);
        case Authenticator::Login::Result::Busy:
            response.set("Retry-After", std::to_string(attempt.retryAfterSeconds));
            throw HttpError(503, attempt.detail);
    }
    response.add("Set-Cookie", tokenCookie(attempt.issued->token, request.secure()));
    sendJson(response, 200, describe(*attempt.issued));
}

void AuthHandler::logout(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    if (check_.authenticated() && check_.token) {
        context_.auth.revoke(check_.token->id);
    }
    response.add("Set-Cookie", tokenCookie("", request.secure()));
    sendJson(response, 200, "OK");
}

void AuthHandler::verify(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
    if (!context_.auth.enabled()) {
        sendJson(response, 200, {{"user", nullptr}, {"auth", false}});
        return;
    }
    sendJson(response, 200, {{"user", check_.user}, {"auth", true}});
}

void AuthHandler::createToken(Poco::Net::HTTPServerRequest& request,
                              Poco::Net::HTTPServerResponse& response) {
    json body = announcesBody(request) ? readJsonBody(request, json::object()) : json::object();
    if (!body.is_object()) {
        throw HttpError(
            422, json::array({problem("", "value is not a valid object", "type_error.object")}));
    }
    json problems = json::array();
    for (const auto& [key, value] : body.items()) {
        if (key != "expires_in_days") {
            problems.push_back(problem(key, "extra fields not permitted", "value_error.extra"));
        }
    }
    std::optional<Poco::Timespan> validity = context_.auth.defaultValidity();
    if (body.contains("expires_in_days")) {
        const json& days = body["expires_in_days"];
        if (days.is_null()) {
            validity.reset();
        } else if (!days.is_number() || !std::isfinite(days.get<double>()) ||
                   days.get<double>() <= 0 || days.get<double>() > MAX_TOKEN_DAYS) {
            problems.push_back(problem(
                "expires_in_days",
                fmt::format("must be a number of days above 0 and at most {}, or null for a "
                            "token that never expires",
                            MAX_TOKEN_DAYS),
                "value_error.number"));
        } else {
            double microseconds = days.get<double>() * 86400.0 * 1e6;
            validity =
                Poco::Timespan(std::max<Poco::Timespan::TimeDiff>(1, std::llround(microseconds)));
        }
    }
    if (!problems.empty()) {
        throw HttpError(422, problems);
    }
    const std::string& user = check_.authenticated() ? check_.user : context_.auth.adminUser();
    sendJson(response, 200, describe(context_.auth.issue(user, validity)));
}

void AuthHandler::listTokens(Poco::Net::HTTPServerResponse& response) {
    json tokens = json::array();
    for (const TokenRecord& token : context_.auth.tokens()) {
        tokens.push_back(describe(token));
    }
    sendJson(response, 200, tokens);
}

void AuthHandler::revokeToken(const std::string& id, Poco::Net::HTTPServerResponse& response) {
    if (!context_.auth.revoke(id)) {
        throw HttpError(404, fmt::format("no token with id '{}'", limits::shorten(id)));
    }
    sendJson(response, 200, "OK");
}

}  // namespace mvi::host
