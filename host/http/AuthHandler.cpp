#include "http/AuthHandler.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/IsoTime.h"
#include "http/Pages.h"

namespace mvi::host {
namespace {

using nlohmann::json;

/// Longest validity a token may be given.
constexpr double MAX_TOKEN_DAYS = 36500;

/// The `Set-Cookie` value of cookie `name` carrying `token` (empty: clearing it), the one place the
/// cookie's attributes are decided: out of scripts' reach (HttpOnly), sent for every route, never
/// sent with a request another site's page makes (SameSite=Strict), and over TLS never sent back
/// in clear (Secure).
std::string tokenCookie(const char* name, const std::string& token, bool overTls) {
    std::string cookie = std::string(name) + "=" + token + "; HttpOnly; Path=/; SameSite=Strict";
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
    return time ? json(formatIsoTime(*time)) : json(nullptr);
}

json describe(const TokenRecord& token) {
    return {{"id", token.id},
            {"user", token.user},
            {"created_at", isoTime(token.createdAt)},
            {"expires_at", isoTime(token.expiresAt)},
            {"revoked", token.revoked}};
}

/// A new token as mvi answers it (`token`, `id`, `expires_at`) and as the original platform
/// did (`Token`, `Id`), in one object.
json describe(const Authenticator::Issued& issued) {
    return {{"token", issued.token},
            {"id", issued.record.id},
            {"expires_at", isoTime(issued.record.expiresAt)},
            {"Token", issued.token},
            {"Id", issued.record.id}};
}

/// Sets both token cookies: mvi's and the original platform's, which its CLI reads.
void setTokenCookies(Poco::Net::HTTPServerResponse& response, const std::string& token,
                     bool overTls) {
    for (const char* name : {Authenticator::COOKIE_NAME, Authenticator::COMPATIBLE_COOKIE_NAME}) {
        response.add("Set-Cookie", tokenCookie(name, token, overTls));
    }
}

/// A validity in days as sent (a number; for the original's key also 0 or null: never), or an
/// empty optional for "never expires"; adds a problem for anything else.
std::optional<Poco::Timespan> daysOf(const json& days, const ValidationError& where,
                                     bool zeroMeansNever, std::vector<ValidationError>& problems) {
    if (days.is_null() || (zeroMeansNever && days.is_number() && days.get<double>() == 0)) {
        return std::nullopt;
    }
    if (!days.is_number() || !std::isfinite(days.get<double>()) || days.get<double>() <= 0 ||
        days.get<double>() > MAX_TOKEN_DAYS) {
        ValidationError problem = where;
        problem.msg = fmt::format(
            "must be a number of days above 0 and at most {}, or null for a token that never "
            "expires",
            MAX_TOKEN_DAYS);
        problems.push_back(problem);
        return std::nullopt;
    }
    double microseconds = days.get<double>() * 86400.0 * 1e6;
    return Poco::Timespan(std::max<Poco::Timespan::TimeDiff>(1, std::llround(microseconds)));
}

}  // namespace

bool AuthHandler::callerMayManage(const TokenRecord& token) const {
    return context_.auth.actsAsAdministrator(check_) ||
           (check_.authenticated() && token.user == check_.user);
}

void AuthHandler::login(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) {
    // Credentials in the URL would end up in logs and histories: only the body is read. The
    // query may say where a browser goes next.
    std::string destination = "/";
    bool destinationGiven = false;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key != "destination") {
            throw HttpError::invalid({queryProblem("",
                                                   "send username and password as form fields "
                                                   "in the body, not in the URL",
                                                   "value_error.query")});
        }
        destination = Pages::localPath(value);
        destinationGiven = true;
        if (destination.empty()) {
            throw HttpError::invalid(
                {queryProblem("destination", "must be a path on this host, starting with '/'",
                              "value_error.path")});
        }
    }
    std::istringstream fields(body().announced() ? readBody(request) : std::string());
    Poco::Net::HTMLForm form;
    try {
        form.load(request, fields);
    } catch (const Poco::Exception& error) {
        throw HttpError::invalid(
            {bodyProblem("", "malformed form: " + error.displayText(), "value_error.form")});
    }
    requireUtf8Fields(form);
    std::vector<ValidationError> problems;
    for (const char* field : {"username", "password"}) {
        if (!form.has(field)) {
            problems.push_back(bodyProblem(field, "field required", "value_error.missing"));
        }
    }
    if (!problems.empty()) {
        throw HttpError::invalid(problems);
    }
    const bool browser = Pages::accepts(request.get("Accept", ""), "text/html");
    Authenticator::Login attempt = context_.auth.login(request.clientAddress().host().toString(),
                                                       form.get("username"), form.get("password"));
    switch (attempt.result) {
        case Authenticator::Login::Result::Issued:
            break;
        case Authenticator::Login::Result::Refused:
            response.set("WWW-Authenticate", "Bearer");
            if (browser) {
                Pages::send(response, 401,
                            Pages::login(destination, "Incorrect username or password."));
                return;
            }
            throw HttpError(401, "Incorrect username or password");
        case Authenticator::Login::Result::Throttled:
            response.set("Retry-After", std::to_string(attempt.retryAfterSeconds));
            throw HttpError(429, attempt.detail);
        case Authenticator::Login::Result::Busy:
            response.set("Retry-After", std::to_string(attempt.retryAfterSeconds));
            throw HttpError(503, attempt.detail);
    }
    setTokenCookies(response, attempt.issued->token, request.secure());
    if (!browser && !destinationGiven) {
        sendJson(response, 200, describe(*attempt.issued));
        return;
    }
    // A browser goes on to where it was going, the cookie now set.
    response.set("Location", destination);
    sendJson(response, 303, describe(*attempt.issued));
}

void AuthHandler::loginPage(Poco::Net::HTTPServerRequest& request,
                            Poco::Net::HTTPServerResponse& response) {
    std::string destination = "/";
    for (const auto& [key, value] : queryParameters(request)) {
        if (key == "destination" && !Pages::localPath(value).empty()) {
            destination = value;
        }
    }
    Pages::send(response, 200, Pages::login(destination, ""));
}

void AuthHandler::logout(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    if (check_.authenticated() && check_.token) {
        context_.auth.revoke(check_.token->id);
    }
    setTokenCookies(response, "", request.secure());
    if (request.getMethod() == Poco::Net::HTTPRequest::HTTP_GET) {
        // A browser's link: back to the start, which asks for a login again.
        response.set("Location", "/");
        sendJson(response, 303, "OK");
        return;
    }
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
    const bool announced = body().announced();
    json body = announced ? readJsonBody(request, json::object()) : json::object();
    if (!body.is_object()) {
        throw HttpError::invalid(
            {bodyProblem("", "value is not a valid object", "type_error.object")});
    }
    // The validity may be given once: as mvi's `expires_in_days` in the body, or as the
    // original's `expire_in_days` (its CLI sends it in the body, its manager read the query),
    // where null and 0 mean a token that never expires.
    std::vector<ValidationError> problems;
    std::vector<std::pair<std::string, std::optional<Poco::Timespan>>> given;
    for (const auto& [key, value] : body.items()) {
        if (key == "expires_in_days" || key == "expire_in_days") {
            given.emplace_back(key, daysOf(value, bodyProblem(key, "", "value_error.number"),
                                           key == "expire_in_days", problems));
        } else {
            problems.push_back(bodyProblem(key, "extra fields not permitted", "value_error.extra"));
        }
    }
    for (const auto& [key, value] : queryParameters(request)) {
        if (key != "expires_in_days" && key != "expire_in_days") {
            continue;
        }
        double days = 0;
        json parsed = value.empty() || value == "null"                 ? json(nullptr)
                      : Poco::NumberParser::tryParseFloat(value, days) ? json(days)
                                                                       : json(value);
        given.emplace_back(
            key, daysOf(parsed, queryProblem(key, "", "value_error.number"), true, problems));
    }
    if (given.size() > 1) {
        problems.push_back(bodyProblem(given[1].first,
                                       "give the validity once (expires_in_days or "
                                       "expire_in_days, in the body or the query)",
                                       "value_error.duplicate"));
    }
    if (!problems.empty()) {
        throw HttpError::invalid(problems);
    }
    std::optional<Poco::Timespan> validity =
        given.empty() ? context_.auth.defaultValidity() : given.front().second;
    const std::string& user = check_.authenticated() ? check_.user : context_.auth.adminUser();
    sendJson(response, 200, describe(context_.auth.issue(user, validity)));
}

void AuthHandler::listTokens(Poco::Net::HTTPServerRequest& request,
                             Poco::Net::HTTPServerResponse& response) {
    bool details = false;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key != "details") {
            continue;
        }
        std::string flag = Poco::toLower(value);
        if (flag == "true" || flag == "1") {
            details = true;
        } else if (flag != "false" && flag != "0") {
            throw HttpError::invalid({queryProblem(
                "details", "value could not be parsed to a boolean", "type_error.bool")});
        }
    }
    const Poco::Timestamp now;
    json tokens = json::array();
    for (const TokenRecord& token : context_.auth.tokens()) {
        if (!callerMayManage(token)) {
            continue;
        }
        if (details) {
            tokens.push_back(describe(token));
        } else if (!token.revoked && (!token.expiresAt || *token.expiresAt > now)) {
            // The original's shape: the ids of the tokens still accepted.
            tokens.push_back(token.id);
        }
    }
    sendJson(response, 200, tokens);
}

void AuthHandler::revokeToken(Poco::Net::HTTPServerRequest&,
                              Poco::Net::HTTPServerResponse& response) {
    std::optional<TokenRecord> token = context_.auth.token(tokenId_);
    if (!token || !callerMayManage(*token) || !context_.auth.revoke(tokenId_)) {
        throw HttpError(404, fmt::format("no token with id '{}'", limits::shorten(tokenId_)));
    }
    sendJson(response, 200, "OK");
}

void AuthHandler::revokeTokenByQuery(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
    std::optional<std::string> id;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key == "uuid") {
            id = value;
        }
    }
    if (!id) {
        throw HttpError::invalid({queryProblem("uuid", "field required", "value_error.missing")});
    }
    // As the original: a token that is not (or no longer) there is gone (410).
    std::optional<TokenRecord> token = context_.auth.token(*id);
    if (!token || token->revoked || !callerMayManage(*token) || !context_.auth.revoke(*id)) {
        throw HttpError(410, "No such token to revoke!");
    }
    sendJson(response, 200, "OK");
}

}  // namespace mvi::host
