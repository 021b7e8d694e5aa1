#include "http/AuthHandler.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/IsoTime.h"

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
    return time ? json(formatIsoTime(*time)) : json(nullptr);
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

}  // namespace

void AuthHandler::login(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) {
    // Credentials in the URL would end up in logs and histories: only the body is read.
    if (!Poco::URI(request.getURI()).getRawQuery().empty()) {
        throw HttpError::invalid({queryProblem("",
                                               "send username and password as form fields in "
                                               "the body, not in the URL",
                                               "value_error.query")});
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
    const bool announced = body().announced();
    json body = announced ? readJsonBody(request, json::object()) : json::object();
    if (!body.is_object()) {
        throw HttpError::invalid(
            {bodyProblem("", "value is not a valid object", "type_error.object")});
    }
    std::vector<ValidationError> problems;
    for (const auto& [key, value] : body.items()) {
        if (key != "expires_in_days") {
            problems.push_back(bodyProblem(key, "extra fields not permitted", "value_error.extra"));
        }
    }
    std::optional<Poco::Timespan> validity = context_.auth.defaultValidity();
    if (body.contains("expires_in_days")) {
        const json& days = body["expires_in_days"];
        if (days.is_null()) {
            validity.reset();
        } else if (!days.is_number() || !std::isfinite(days.get<double>()) ||
                   days.get<double>() <= 0 || days.get<double>() > MAX_TOKEN_DAYS) {
            problems.push_back(bodyProblem(
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
        throw HttpError::invalid(problems);
    }
    const std::string& user = check_.authenticated() ? check_.user : context_.auth.adminUser();
    sendJson(response, 200, describe(context_.auth.issue(user, validity)));
}

void AuthHandler::listTokens(Poco::Net::HTTPServerRequest&,
                             Poco::Net::HTTPServerResponse& response) {
    json tokens = json::array();
    for (const TokenRecord& token : context_.auth.tokens()) {
        tokens.push_back(describe(token));
    }
    sendJson(response, 200, tokens);
}

void AuthHandler::revokeToken(Poco::Net::HTTPServerRequest&,
                              Poco::Net::HTTPServerResponse& response) {
    if (!context_.auth.revoke(tokenId_)) {
        throw HttpError(404, fmt::format("no token with id '{}'", limits::shorten(tokenId_)));
    }
    sendJson(response, 200, "OK");
}

}  // namespace mvi::host
