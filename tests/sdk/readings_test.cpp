// The readings example (plugins/readings/readings.cpp, compiled into this test) under the fake
// host: its routes, the CSV it accepts (times, headers, blank lines, line ends) and the lines it
// refuses, all or nothing, and its bound on what it keeps. Over real HTTP with its static files:
// tests/integration/ExampleWebServiceTest.cpp.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using mvi::Method;
using mvi::testing::FakeHost;
using nlohmann::json;

/// POSTs `csv` to /data.csv as text/csv.
mvi::testing::RouteResult upload(FakeHost& host, const std::string& csv,
                                 const std::string& type = "text/csv") {
    return host.call_route(Method::Post, "/data.csv", csv, {{"Content-Type", type}});
}

json data(FakeHost& host) {
    auto answer = host.call_route(Method::Get, "/data.json");
    EXPECT_EQ(answer.status, 200) << answer.body;
    return json::parse(answer.body);
}

std::string detail(const mvi::testing::RouteResult& answer) {
    return json::parse(answer.body)["detail"].get<std::string>();
}

TEST(ReadingsService, DeclaresItsRoutes) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_EQ(host.routes().size(), 6u);
    auto page = host.call_route(Method::Get, "/page");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("src=\"static/chart.js\""), std::string::npos);
    EXPECT_NE(page.body.find("href=\"static/chart.css\""), std::string::npos);
    EXPECT_EQ(data(host), json({{"count", 0}, {"capacity", 10000}, {"readings", json::array()}}));
    EXPECT_EQ(host.call_route(Method::Put, "/data.json").status, 405);
}

TEST(ReadingsService, AnUploadIsStoredInTimeOrderAndSummarised) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    auto added = upload(host,
                        "time,value\r\n"
                        "2026-12-04T13:05:00Z,2.5\r\n"
                        "\r\n"
                        "2026-12-04 14:00:00+01:00, -1\r\n"
                        "\"2026-12-04T13:10:00.250Z\",\"1e3\"\r\n"
                        "1796389200,7\n");
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(added.header("Content-Type"), "application/json");
    EXPECT_EQ(json::parse(added.body), json({{"added", 4},
                                             {"dropped", 0},
                                             {"count", 4},
                                             {"capacity", 10000},
                                             {"from", "2026-12-04T13:00:00.000Z"},
                                             {"to", "2026-12-04T13:10:00.250Z"}}));
    EXPECT_EQ(data(host)["readings"], json::parse(R"([
        {"time": "2026-12-04T13:00:00.000Z", "value": -1.0},
        {"time": "2026-12-04T13:00:00.000Z", "value": 7.0},
        {"time": "2026-12-04T13:05:00.000Z", "value": 2.5},
        {"time": "2026-12-04T13:10:00.250Z", "value": 1000.0}])"));
    auto csv = host.call_route(Method::Get, "/data.csv");
    EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body,
              "time,value\n2026-12-04T13:00:00.000Z,-1\n2026-12-04T13:00:00.000Z,7\n"
              "2026-12-04T13:05:00.000Z,2.5\n2026-12-04T13:10:00.250Z,1000\n");

    EXPECT_EQ(host.call_route(Method::Delete, "/data.csv").status, 204);
    EXPECT_EQ(data(host)["count"], 0);
}

TEST(ReadingsService, AMalformedUploadNamesItsLineAndStoresNothing) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    ASSERT_EQ(upload(host, "2026-01-01T00:00:00Z,1\n").status, 201);
    const json before = data(host);
    struct Case {
        std::string csv;
        std::string detail;
    };
    for (const Case& bad : {
             Case{"time,value\n2026-12-04T13:00:00Z,1\n2026-12-04T13:05:00Z,abc\n",
                  "line 3: value 'abc' is not a finite number; nothing was stored"},
             Case{"time,value\n\n2026-12-04T13:00:00Z\n",
                  "line 3: expected 2 fields (time,value), found 1; nothing was stored"},
             Case{"2026-12-04T13:00:00Z,1,2\n",
                  "line 1: expected 2 fields (time,value), found 3; nothing was stored"},
             Case{"yesterday,1\n",
                  "line 1: time 'yesterday' is neither an ISO 8601 date-time "
                  "(2026-12-04T13:05:00Z) nor seconds since 1970; nothing was stored"},
             Case{"2026-02-30T00:00:00Z,1\n", "line 1: time '2026-02-30T00:00:00Z' is neither"},
             Case{"2026-12-04T25:00:00Z,1\n", "line 1: time '2026-12-04T25:00:00Z' is neither"},
             Case{"2026-12-04T13:00:00Z,nan\n", "line 1: value 'nan' is not a finite number"},
             Case{"2026-12-04T13:00:00Z,inf\n", "line 1: value 'inf' is not a finite number"},
             Case{"2026-12-04T13:00:00Z,\n", "line 1: value '' is not a finite number"},
             Case{"timestamp,reading\n1,2\n", "line 1: time 'timestamp' is neither"},
             Case{"time,value\n1,2\ntime,value\n", "line 3: time 'time' is neither"},
             Case{"time,value\n", "the CSV holds no rows: expected lines of time,value"},
             Case{"", "the CSV holds no rows"},
         }) {
        auto answer = upload(host, bad.csv);
        EXPECT_EQ(answer.status, 422) << bad.csv;
        EXPECT_EQ(detail(answer).rfind(bad.detail, 0), 0u) << bad.csv << " -> " << answer.body;
    }
    auto wrongType = upload(host, "2026-12-04T13:00:00Z,1\n", "application/json");
    EXPECT_EQ(wrongType.status, 415);
    EXPECT_EQ(detail(wrongType), "send the readings as text/csv, not 'application/json'");
    EXPECT_EQ(upload(host, "2026-12-04T13:00:00Z,1\n", "text/plain; charset=utf-8").status, 201);
    EXPECT_EQ(data(host)["count"], before["count"].get<int>() + 1);
}

TEST(ReadingsService, KeepsAtMostItsCapacityDroppingTheOldest) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    std::string csv;
    for (int second = 0; second < 10005; ++second) {
        csv += std::to_string(1796389200 + second) + "," + std::to_string(second) + "\n";
    }
    auto added = upload(host, csv);
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(json::parse(added.body)["dropped"], 5);
    EXPECT_EQ(json::parse(added.body)["count"], 10000);
    json readings = data(host)["readings"];
    ASSERT_EQ(readings.size(), 10000u);
    EXPECT_EQ(readings.front()["value"], 5.0);
    EXPECT_EQ(readings.back()["value"], 10004.0);
}

}  // namespace
