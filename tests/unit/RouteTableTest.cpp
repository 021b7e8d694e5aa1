// RouteTable: matching methods and path patterns, named segments, 404 against 405 and Allow,
// literal segments before parameters, who may call without a token; and the host's own table.

#include "http/RouteTable.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "http/HostRoutes.h"

namespace mvi::host {
namespace {

using Access = RouteTable::Access;

/// A table whose handlers are never made: the tests look at which row matched.
RouteTable::Factory none() {
    return [](const RouteRequest&) -> Poco::Net::HTTPRequestHandler* { return nullptr; };
}

RouteTable::Match match(const RouteTable& table, const std::string& method,
                        const std::string& path) {
    return table.match(method, RouteTable::segments(path));
}

/// "METHOD pattern" of the matched row, or "404"/"405 <Allow>".
std::string outcome(const RouteTable& table, const std::string& method, const std::string& path) {
    RouteTable::Match found = match(table, method, path);
    if (!found.pathFound) {
        return "404";
    }
    if (found.route == nullptr) {
        return "405 " + found.allowed;
    }
    return found.route->method + " " + found.route->pattern;
}

RouteTable sample() {
    RouteTable table;
    table.add("GET", "/~health", Access::Public, none());
    table.add("GET", "/services", Access::Token, none());
    table.add("DELETE", "/services", Access::Token, none());
    table.add("GET", "/services/~logs", Access::Token, none());
    table.add("GET", "/services/{svc}/~parameters/{name}", Access::Token, none());
    table.add("POST", "/services/{svc}/~parameters/{name}", Access::Token, none());
    table.add("GET", "/services/{svc}/openapi.json", Access::Token, none());
    table.add("GET", "/services/{svc}/{entrypoint}", Access::Token, none());
    table.add("POST", "/services/{svc}/{entrypoint}", Access::Token, none());
    table.add("POST", "/auth/login", Access::Public, none());
    return table;
}

TEST(RouteTable, SegmentsIgnoreEmptyOnesAndTrailingSlash) {
    EXPECT_EQ(RouteTable::segments("//services///hello/"),
              (std::vector<std::string>{"services", "hello"}));
    EXPECT_TRUE(RouteTable::segments("/").empty());
    EXPECT_TRUE(RouteTable::segments("").empty());
}

TEST(RouteTable, MatchesMethodAndLiteralPath) {
    RouteTable table = sample();
    EXPECT_EQ(outcome(table, "GET", "/services"), "GET /services");
    EXPECT_EQ(outcome(table, "DELETE", "/services/"), "DELETE /services");
    EXPECT_EQ(outcome(table, "GET", "/services/~logs"), "GET /services/~logs");
}

TEST(RouteTable, NamedSegmentsAreHandedOver) {
    RouteTable table = sample();
    RouteTable::Match found = match(table, "POST", "/services/hello_1.0.0/~parameters/greeting");
    ASSERT_NE(found.route, nullptr);
    EXPECT_EQ(found.route->pattern, "/services/{svc}/~parameters/{name}");
    EXPECT_EQ(found.parameters,
              (RouteTable::Parameters{{"svc", "hello_1.0.0"}, {"name", "greeting"}}));
}

TEST(RouteTable, UnknownPathIs404) {
    RouteTable table = sample();
    EXPECT_EQ(outcome(table, "GET", "/nowhere"), "404");
    EXPECT_EQ(outcome(table, "GET", "/"), "404");
    // One segment too many or too few.
    EXPECT_EQ(outcome(table, "GET", "/services/hello/~parameters/a/b"), "404");
    EXPECT_EQ(outcome(table, "GET", "/services/~logs/more/still"), "404");
}

TEST(RouteTable, KnownPathWithOtherMethodIs405WithEveryMethodOfThePath) {
    RouteTable table = sample();
    EXPECT_EQ(outcome(table, "POST", "/services"), "405 GET,DELETE");
    EXPECT_EQ(outcome(table, "PUT", "/services/hello/~parameters/x"), "405 GET,POST");
    EXPECT_EQ(outcome(table, "GET", "/auth/login"), "405 POST");
}

TEST(RouteTable, HeadAndOptionsAreMethodsLikeAnyOther) {
    RouteTable table = sample();
    EXPECT_EQ(outcome(table, "HEAD", "/~health"), "405 GET");
    EXPECT_EQ(outcome(table, "OPTIONS", "/services"), "405 GET,DELETE");
}

TEST(RouteTable, MethodsAreCaseSensitive) {
    EXPECT_EQ(outcome(sample(), "get", "/services"), "405 GET,DELETE");
}

TEST(RouteTable, LiteralSegmentWinsOverParameterAndDecidesTheMethods) {
    RouteTable table = sample();
    EXPECT_EQ(outcome(table, "GET", "/services/hello/openapi.json"),
              "GET /services/{svc}/openapi.json");
    // The entrypoint pattern has POST, but the literal pattern is the one that matched.
    EXPECT_EQ(outcome(table, "POST", "/services/hello/openapi.json"), "405 GET");
    EXPECT_EQ(outcome(table, "POST", "/services/hello/greet"), "POST /services/{svc}/{entrypoint}");
}

TEST(RouteTable, PrecedenceDoesNotDependOnTheOrderRowsWereAdded) {
    RouteTable table;
    table.add("GET", "/a/{x}/{y}", Access::Token, none());
    table.add("GET", "/a/{x}/c", Access::Token, none());
    table.add("GET", "/a/b/{y}", Access::Token, none());
    EXPECT_EQ(outcome(table, "GET", "/a/b/c"), "GET /a/b/{y}");
    EXPECT_EQ(outcome(table, "GET", "/a/z/c"), "GET /a/{x}/c");
    EXPECT_EQ(outcome(table, "GET", "/a/z/d"), "GET /a/{x}/{y}");
}

TEST(RouteTable, ParameterNeverMatchesAHostName) {
    RouteTable table = sample();
    // `~` starts the host's own names: `/services/hello/~nothing` is no entrypoint.
    EXPECT_EQ(outcome(table, "POST", "/services/hello/~nothing"), "404");
    EXPECT_EQ(outcome(table, "GET", "/services/~x/~parameters/y"), "404");
    // A `~` inside a segment is an ordinary character.
    EXPECT_EQ(outcome(table, "POST", "/services/hello/a~b"), "POST /services/{svc}/{entrypoint}");
}

TEST(RouteTable, RestParameterTakesOneOrMoreSegmentsAndComesAfterTheExactPatterns) {
    RouteTable table = sample();
    table.add("GET", "/services/{svc}/static/{file...}", Access::Token, none());
    table.add("PUT", "/services/{svc}/{path...}", Access::Token, none());
    RouteTable::Match found = match(table, "GET", "/services/hello/static/css/site.css");
    ASSERT_NE(found.route, nullptr);
    EXPECT_EQ(found.route->pattern, "/services/{svc}/static/{file...}");
    EXPECT_EQ(found.parameters.at("svc"), "hello");
    EXPECT_EQ(found.parameters.at("file"), "css/site.css");
    found = match(table, "PUT", "/services/hello/images/7/raw");
    ASSERT_NE(found.route, nullptr);
    EXPECT_EQ(found.parameters.at("path"), "images/7/raw");
    // One segment is an entrypoint's path: that pattern is exact, so its methods decide.
    EXPECT_EQ(outcome(table, "PUT", "/services/hello/greet"), "405 GET,POST");
    EXPECT_EQ(outcome(table, "POST", "/services/hello/static/a"), "405 GET");
    // A rest parameter needs at least one segment and never a host name.
    EXPECT_EQ(outcome(table, "GET", "/services/hello/static"), "GET /services/{svc}/{entrypoint}");
    EXPECT_EQ(outcome(table, "PUT", "/services/hello/a/~b"), "404");
    EXPECT_EQ(outcome(table, "PUT", "/services/hello/~a/b"), "404");
}

TEST(RouteTable, AccessOfTheMatchedRow) {
    RouteTable table = sample();
    EXPECT_TRUE(match(table, "GET", "/~health").isPublic());
    EXPECT_TRUE(match(table, "POST", "/auth/login").isPublic());
    EXPECT_FALSE(match(table, "GET", "/services").isPublic());
    // A 405 of a path whose routes are all public is public; a 404 never is.
    EXPECT_TRUE(match(table, "POST", "/~health").isPublic());
    EXPECT_FALSE(match(table, "POST", "/services").isPublic());
    EXPECT_FALSE(match(table, "GET", "/nowhere").isPublic());
}

TEST(RouteTable, RefusesMalformedOrRepeatedRows) {
    RouteTable table = sample();
    EXPECT_THROW(table.add("GET", "services", Access::Token, none()), std::invalid_argument);
    EXPECT_THROW(table.add("GET", "/a/{}", Access::Token, none()), std::invalid_argument);
    EXPECT_THROW(table.add("GET", "/a/{b", Access::Token, none()), std::invalid_argument);
    EXPECT_THROW(table.add("GET", "/a/{b}/{b}", Access::Token, none()), std::invalid_argument);
    EXPECT_THROW(table.add("GET", "/services", Access::Token, none()), std::invalid_argument);
    // The same shape under other parameter names would make the names depend on the method.
    EXPECT_THROW(table.add("PUT", "/services/{name}/{call}", Access::Token, none()),
                 std::invalid_argument);
    EXPECT_NO_THROW(table.add("PUT", "/services/{svc}/{entrypoint}", Access::Token, none()));
    EXPECT_THROW(table.add("GET", "/a/{rest...}/b", Access::Token, none()), std::invalid_argument);
    EXPECT_THROW(table.add("GET", "/a/{...}", Access::Token, none()), std::invalid_argument);
    EXPECT_THROW(table.add("GET", "/a/{b.c}", Access::Token, none()), std::invalid_argument);
}

// The host's table, as clients see it (DESIGN.md §3).
TEST(HostRoutes, DeclaresTheApi) {
    RouteTable table = HostRoutes::table();
    EXPECT_EQ(outcome(table, "GET", "/services/"), "GET /services");
    EXPECT_EQ(outcome(table, "DELETE", "/services/"), "DELETE /services");
    EXPECT_EQ(outcome(table, "POST", "/services"), "405 GET,DELETE");
    EXPECT_EQ(outcome(table, "POST", "/notifications/"), "POST /notifications");
    EXPECT_EQ(outcome(table, "PUT", "/notifications/"), "405 GET,POST,DELETE");
    EXPECT_EQ(outcome(table, "GET", "/services/~assign"), "405 PUT");
    EXPECT_EQ(outcome(table, "GET", "/services/hello/~monitor/csv"),
              "GET /services/{svc}/~monitor/csv");
    EXPECT_EQ(outcome(table, "GET", "/services/hello/~monitor/xml"), "404");
    EXPECT_EQ(outcome(table, "POST", "/services/hello/docs"), "POST /services/{svc}/docs");
    EXPECT_EQ(outcome(table, "POST", "/services/hello/openapi.json"), "405 GET");
    EXPECT_EQ(outcome(table, "GET", "/services/hello/hello"), "GET /services/{svc}/{entrypoint}");
    EXPECT_EQ(outcome(table, "DELETE", "/auth/token/abc"), "DELETE /auth/token/{id}");
    EXPECT_EQ(outcome(table, "GET", "/auth/nothing"), "404");
    EXPECT_EQ(outcome(table, "GET", "/admin/user/"), "GET /admin/user");
    EXPECT_EQ(outcome(table, "GET", "/admin/user"), "GET /admin/user");
    EXPECT_EQ(outcome(table, "POST", "/admin/user/alice"), "POST /admin/user/{name}");
    EXPECT_EQ(outcome(table, "PUT", "/admin/user/alice"), "PUT /admin/user/{name}");
    EXPECT_EQ(outcome(table, "DELETE", "/admin/user/alice"), "DELETE /admin/user/{name}");
    EXPECT_EQ(outcome(table, "GET", "/admin/user/alice"), "405 POST,PUT,DELETE");
    EXPECT_EQ(outcome(table, "HEAD", "/~version"), "405 GET");
}

TEST(HostRoutes, OnlyLivenessReadinessVersionAndLoginArePublic) {
    RouteTable table = HostRoutes::table();
    for (const char* path : {"/~health", "/~ready", "/~version"}) {
        EXPECT_TRUE(match(table, "GET", path).isPublic()) << path;
    }
    EXPECT_TRUE(match(table, "POST", "/auth/login").isPublic());
    EXPECT_TRUE(match(table, "GET", "/auth/login").isPublic());
    for (const char* path :
         {"/metrics", "/services", "/notifications", "/auth/verify", "/auth/token",
          "/services/hello/hello", "/~docs/swagger-ui.css", "/admin/user"}) {
        EXPECT_FALSE(match(table, "GET", path).isPublic()) << path;
    }
    EXPECT_EQ(match(table, "POST", "/auth/logout").route->access, Access::Caller);
}

}  // namespace
}  // namespace mvi::host
