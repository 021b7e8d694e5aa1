// Monitoring end to end on a real mvi-host: values of a monitored entrypoint, a monitored
// parameter and mvi::store calls (the sentiment example), read back as JSON, as a zip of CSV
// files (unpacked with libarchive) and as an SQLite file (opened with Poco::Data); filters and
// bad queries; persistence across a restart, a build swap and an undeploy; every acknowledged
// value kept through `kill -9` of the serving process (durable, the default); retention by rows
// and by age; values a service may not store; and an ABI 1.0 plugin that is never monitored.

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <mvi/plugin.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace Poco::Data::Keywords;

/// `GET /services/<svc>/~monitor<suffix>`.
Response monitor(const HostProcess& host, const std::string& svc, const std::string& suffix = "") {
    return host.get("/services/" + svc + "/~monitor" + suffix);
}

/// The values of `variable` in a `~monitor` answer (empty when it is missing).
std::vector<json> valuesOf(const json& body, const std::string& variable) {
    if (!body.contains(variable)) {
        return {};
    }
    return body[variable]["value"].get<std::vector<json>>();
}

/// Waits until `svc` has at least `count` values of `variable`; returns the last answer.
json waitForValues(const HostProcess& host, const std::string& svc, const std::string& variable,
                   std::size_t count) {
    json body;
    waitFor([&] {
        Response answer = monitor(host, svc);
        if (answer.status != 200) {
            return false;
        }
        body = answer.json();
        return valuesOf(body, variable).size() >= count;
    });
    return body;
}

Response classify(const HostProcess& host, const std::string& text,
                  const std::string& svc = "sentiment") {
    return host.post("/services/" + svc + "/classify", {{"text", text}});
}

/// The files of a zip held in memory, by name, unpacked with libarchive.
std::map<std::string, std::string> unzip(const std::string& zip) {
    std::map<std::string, std::string> files;
    archive* reader = archive_read_new();
    archive_read_support_format_zip(reader);
    if (archive_read_open_memory(reader, zip.data(), zip.size()) != ARCHIVE_OK) {
        std::string message = archive_error_string(reader);
        archive_read_free(reader);
        throw std::runtime_error("not a zip: " + message);
    }
    archive_entry* entry = nullptr;
    while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
        std::string content;
        char buffer[4096];
        la_ssize_t got = 0;
        while ((got = archive_read_data(reader, buffer, sizeof buffer)) > 0) {
            content.append(buffer, static_cast<std::size_t>(got));
        }
        files[archive_entry_pathname(entry)] = content;
    }
    archive_read_free(reader);
    return files;
}

/// An ISO 8601 query value for `time`, URL-safe.
std::string queryTime(const Poco::Timestamp& time) {
    return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%FZ");
}

TEST(Monitor, MonitoredEntrypointParameterAndStoredValuesAppear) {
    auto host = startHost({{"sentiment", "sentiment_1.0.0.so"}});
    // The initial value of the monitored parameter is stored when the version is ready.
    json body = waitForValues(*host, "sentiment", "threshold", 1);
    EXPECT_EQ(valuesOf(body, "threshold"), std::vector<json>{0.2});

    Response answer = classify(*host, "What a great, good day");
    ASSERT_EQ(answer.status, 200) << answer.body;
    body = waitForValues(*host, "sentiment", "classify_response", 1);
    // The monitored call: arguments object and result, as JSON, under one timestamp.
    EXPECT_EQ(valuesOf(body, "classify_request"),
              (std::vector<json>{json{{"text", "What a great, good day"}}}));
    EXPECT_EQ(valuesOf(body, "classify_response"), std::vector<json>{answer.json()});
    EXPECT_EQ(body["classify_request"]["timestamp"], body["classify_response"]["timestamp"]);
    // The service's own values: a number, a number with a fraction, a text.
    EXPECT_EQ(valuesOf(body, "words"), std::vector<json>{5});
    EXPECT_EQ(valuesOf(body, "score"), std::vector<json>{0.4});
    EXPECT_EQ(valuesOf(body, "label"), std::vector<json>{"positive"});
    EXPECT_EQ(body["words"]["timestamp"], body["label"]["timestamp"]);
    std::string stamp = body["words"]["timestamp"][0].get<std::string>();
    EXPECT_EQ(stamp.size(), std::string("2026-11-28T10:29:01.123456Z").size()) << stamp;
    EXPECT_EQ(stamp.back(), 'Z');

    // Each value the parameter takes, over HTTP; a refused value is not stored.
    ASSERT_EQ(host->post("/services/sentiment/~parameters/threshold", {{"value", 0.5}}).status,
              200);
    EXPECT_EQ(host->post("/services/sentiment/~parameters/threshold", {{"value", "high"}}).status,
              422);
    body = waitForValues(*host, "sentiment", "threshold", 2);
    EXPECT_EQ(valuesOf(body, "threshold"), (std::vector<json>{0.2, 0.5}));

    // A failed call is not monitored.
    EXPECT_EQ(host->post("/services/sentiment/classify", {{"text", 42}}).status, 422);
    ASSERT_EQ(classify(*host, "bad").status, 200);
    body = waitForValues(*host, "sentiment", "classify_request", 2);
    EXPECT_EQ(valuesOf(body, "classify_request"),
              (std::vector<json>{json{{"text", "What a great, good day"}}, json{{"text", "bad"}}}));

    // By version: the same rows, since only one version stored any.
    Response byVersion = monitor(*host, "sentiment_1.0.0");
    ASSERT_EQ(byVersion.status, 200) << byVersion.body;
    EXPECT_EQ(byVersion.json(), monitor(*host, "sentiment").json());
}

TEST(Monitor, QueriesFilterAndBadQueriesAreRefused) {
    auto host = startHost({{"sentiment", "sentiment_1.0.0.so"}});
    for (const char* text : {"good", "bad", "fine"}) {
        ASSERT_EQ(classify(*host, text).status, 200);
    }
    json body = waitForValues(*host, "sentiment", "label", 3);
    ASSERT_EQ(valuesOf(body, "label"), (std::vector<json>{"positive", "negative", "positive"}));
    std::vector<std::string> stamps = body["label"]["timestamp"].get<std::vector<std::string>>();

    // variables: only those asked for (spaces and repeats tolerated).
    Response some = monitor(*host, "sentiment", "?variables=label,%20words,label");
    ASSERT_EQ(some.status, 200) << some.body;
    EXPECT_EQ(some.json().size(), 2u);
    EXPECT_EQ(valuesOf(some.json(), "words"), (std::vector<json>{1, 1, 1}));

    // start and end are inclusive; the timestamps of the answer are valid bounds.
    Response range =
        monitor(*host, "sentiment", "?variables=label&start=" + stamps[1] + "&end=" + stamps[2]);
    ASSERT_EQ(range.status, 200) << range.body;
    EXPECT_EQ(valuesOf(range.json(), "label"), (std::vector<json>{"negative", "positive"}));
    Response after = monitor(*host, "sentiment", "?variables=label&start=" + stamps[2]);
    EXPECT_EQ(valuesOf(after.json(), "label"), std::vector<json>{"positive"});
    Response before = monitor(*host, "sentiment", "?end=2000-01-01");
    ASSERT_EQ(before.status, 200) << before.body;
    EXPECT_TRUE(valuesOf(before.json(), "label").empty());
    // An offset is honoured: an hour ago at UTC-2 is an hour from now.
    Poco::Timestamp first = Poco::Timestamp() - Poco::Timespan(3600, 0);
    Response offset = monitor(
        *host, "sentiment",
        "?variables=label&start=" + Poco::DateTimeFormatter::format(first, "%Y-%m-%dT%H:%M:%S") +
            "-02:00");
    ASSERT_EQ(offset.status, 200) << offset.body;
    EXPECT_TRUE(valuesOf(offset.json(), "label").empty());

    // Unknown variable: 412 naming it.
    Response unknown = monitor(*host, "sentiment", "?variables=label,nonsense");
    EXPECT_EQ(unknown.status, 412);
    EXPECT_NE(unknown.json()["detail"].get<std::string>().find("'nonsense'"), std::string::npos)
        << unknown.body;
    // Malformed dates, start after end: 422 with the field named.
    Response malformed = monitor(*host, "sentiment", "?start=yesterday");
    EXPECT_EQ(malformed.status, 422);
    EXPECT_EQ(malformed.json()["detail"][0]["loc"], json({"query", "start"})) << malformed.body;
    EXPECT_EQ(monitor(*host, "sentiment", "?end=2026-13-45").status, 422);
    Response reversed =
        monitor(*host, "sentiment", "?start=" + queryTime(Poco::Timestamp()) + "&end=2020-01-01");
    EXPECT_EQ(reversed.status, 422);
    EXPECT_EQ(reversed.json()["detail"][0]["loc"], json({"query", "end"})) << reversed.body;
    EXPECT_EQ(monitor(*host, "sentiment", "/csv?start=nope").status, 422);
    EXPECT_EQ(monitor(*host, "sentiment", "/db?variables=nope").status, 412);
    // Unknown service or version; a wrong method; an unknown format.
    EXPECT_EQ(monitor(*host, "nobody").status, 404);
    EXPECT_EQ(monitor(*host, "sentiment_9.9.9").status, 404);
    EXPECT_EQ(monitor(*host, "Bad-Name").status, 404);
    EXPECT_EQ(request(host->port(), "POST", "/services/sentiment/~monitor", "{}").status, 405);
    EXPECT_EQ(monitor(*host, "sentiment", "/xml").status, 404);
}

TEST(Monitor, CsvZipHoldsOneFilePerVariable) {
    auto host = startHost({{"sentiment", "sentiment_1.0.0.so"}});
    ASSERT_EQ(classify(*host, "good, \"great\"").status, 200);
    json body = waitForValues(*host, "sentiment", "classify_request", 1);

    Response zip = monitor(*host, "sentiment", "/csv");
    ASSERT_EQ(zip.status, 200) << zip.body;
    EXPECT_EQ(zip.header("Content-Type"), "application/zip");
    auto files = unzip(zip.body);
    std::vector<std::string> names;
    for (const auto& [name, content] : files) {
        names.push_back(name);
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"classify_request.csv", "classify_response.csv",
                                        "label.csv", "score.csv", "threshold.csv", "words.csv"}));
    std::string stamp = body["label"]["timestamp"][0].get<std::string>();
    EXPECT_EQ(files["label.csv"], "timestamp,value\n" + stamp + ",positive\n");
    EXPECT_EQ(files["words.csv"], "timestamp,value\n" + stamp + ",2\n");
    // JSON values are quoted, their quotes doubled.
    EXPECT_EQ(files["classify_request.csv"],
              "timestamp,value\n" + body["classify_request"]["timestamp"][0].get<std::string>() +
                  ",\"{\"\"text\"\":\"\"good, \\\"\"great\\\"\"\"\"}\"\n");

    // Filtered: only the variables asked for.
    auto some = unzip(monitor(*host, "sentiment", "/csv?variables=words").body);
    ASSERT_EQ(some.size(), 1u);
    EXPECT_EQ(some.begin()->first, "words.csv");
}

TEST(Monitor, DbIsAnSqliteCopyOfTheServiceRows) {
    auto host = startHost(
        {{"sentiment", "sentiment_1.0.0.so"}, {"fixture_store_probe_v1", "probe_1.0.0.so"}});
    for (const char* text : {"good", "bad"}) {
        ASSERT_EQ(classify(*host, text).status, 200);
    }
    ASSERT_EQ(host->post("/services/probe/probe", json::object()).status, 200);
    json body = waitForValues(*host, "sentiment", "label", 2);
    waitForValues(*host, "probe", "probe", 1);

    Response db = monitor(*host, "sentiment", "/db");
    ASSERT_EQ(db.status, 200) << db.body;
    EXPECT_EQ(db.header("Content-Type"), "application/vnd.sqlite3");
    std::string path = host->workDirectory() + "/copy.db";
    {
        std::ofstream out(path, std::ios::binary);
        out << db.body;
    }
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
    int rows = 0;
    int labels = 0;
    int others = 0;
    std::size_t expected = 0;
    for (const auto& [variable, series] : body.items()) {
        expected += series["value"].size();
    }
    session << "SELECT COUNT(*) FROM monitor_values", into(rows), now;
    session << "SELECT COUNT(*) FROM monitor_values WHERE variable = 'label' AND kind = 1",
        into(labels), now;
    session << "SELECT COUNT(*) FROM monitor_values WHERE service_name <> 'sentiment'",
        into(others), now;
    EXPECT_EQ(static_cast<std::size_t>(rows), expected);
    EXPECT_EQ(labels, 2);
    EXPECT_EQ(others, 0);
    // The copy, made in the data folder's scratch folder, is gone once sent.
    const fs::path scratch = fs::path(host->dataDir()) / "tmp";
    EXPECT_TRUE(fs::is_directory(scratch));
    EXPECT_TRUE(waitFor([&] { return fs::is_empty(scratch); }));
}

TEST(Monitor, DataSurvivesRestartBuildSwapAndUndeploy) {
    auto host = startHost({{"fixture_store_probe_v1", "probe_1.0.0.so"}});
    Response first = host->post("/services/probe/probe", json::object());
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.json()["build"], "v1");
    waitForValues(*host, "probe", "probe", 1);

    // A restart keeps the values.
    host->keepWorkDirectory();
    std::string work = host->workDirectory();
    ASSERT_EQ(host->stop(), 0);
    host.reset();
    host = std::make_unique<HostProcess>(std::vector<std::string>{}, work);
    EXPECT_EQ(valuesOf(waitForValues(*host, "probe", "probe", 1), "probe"), std::vector<json>{1});

    // A new build of the same version: the old values stay, the new build adds its own.
    // Every answered call stores one value, whichever build answered it.
    installPlugin(builtPlugin("fixture_store_probe_v2"), host->pluginsDir(), "probe_1.0.0.so");
    std::size_t answered = 1;
    ASSERT_TRUE(waitFor([&] {
        Response answer = host->post("/services/probe/probe", json::object());
        answered += answer.status == 200 ? 1 : 0;
        return answer.status == 200 && answer.json()["build"] == "v2";
    }));
    json body = waitForValues(*host, "probe", "probe", answered);
    ASSERT_EQ(valuesOf(body, "probe").size(), answered) << body.dump();
    EXPECT_EQ(valuesOf(body, "probe").front(), 1);

    // Undeployed, the name's data stays readable, by name and by version.
    Response removed = request(host->port(), "DELETE", "/services/",
                               json{{"name", "probe"}, {"version", "1.0.0"}}.dump());
    ASSERT_EQ(removed.status, 200) << removed.body;
    ASSERT_TRUE(waitFor([&] { return serviceEntry(*host, "probe", "1.0.0").is_null(); }));
    Response kept = monitor(*host, "probe");
    ASSERT_EQ(kept.status, 200) << kept.body;
    EXPECT_EQ(valuesOf(kept.json(), "probe").size(), valuesOf(body, "probe").size());
    EXPECT_EQ(monitor(*host, "probe_1.0.0").status, 200);
    EXPECT_EQ(monitor(*host, "probe_2.0.0").status, 404);
}

TEST(Monitor, EveryAcknowledgedValueSurvivesKillNineOfTheServingProcess) {
    // The default durability: a monitored call answers 200 only once its values are committed.
    auto host = startHost({{"sentiment", "sentiment_1.0.0.so"}});
    const pid_t serving = host->servingPid();
    ASSERT_GT(serving, 0);
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    std::atomic<int> answered{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> callers;
    for (int caller = 0; caller < 4; ++caller) {
        callers.emplace_back([&, caller] {
            for (int call = 0; !stop; ++call) {
                std::string text =
                    "caller " + std::to_string(caller) + " call " + std::to_string(call);
                try {
                    if (classify(*host, text).status == 200) {
                        std::lock_guard lock(mutex);
                        acknowledged.push_back(text);
                        ++answered;
                    }
                } catch (const std::exception&) {
                    // The connection died with the serving process: not acknowledged.
                }
            }
        });
    }
    const bool loaded = waitFor([&] { return answered >= 300; });
    // Killed while calls run (the build running then is quarantined, which does not matter
    // here: stored values are read without it).
    if (loaded) {
        EXPECT_EQ(::kill(serving, SIGKILL), 0);
    }
    EXPECT_TRUE(waitFor([&] {
        pid_t now = host->servingPid();
        return now > 0 && now != serving && host->get("/~ready").status != 0;
    }));
    stop = true;
    for (auto& thread : callers) {
        thread.join();
    }
    ASSERT_TRUE(loaded);

    Response answer = monitor(*host, "sentiment", "?variables=classify_request");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const json body = answer.json();
    std::set<std::string> stored;
    for (const auto& value : valuesOf(body, "classify_request")) {
        stored.insert(value["text"].get<std::string>());
    }
    std::size_t missing = 0;
    for (const std::string& text : acknowledged) {
        if (stored.count(text) == 0 && ++missing <= 5) {
            ADD_FAILURE() << "acknowledged but not stored: " << text;
        }
    }
    EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged calls";
}

TEST(Monitor, RetentionKeepsTheNewestRows) {
    auto host = startHost(
        {{"fixture_store_probe_v1", "probe_1.0.0.so"}},
        {"--define", "monitor.retention_rows=2", "--define", "monitor.cleanup_seconds=1"});
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(host->post("/services/probe/probe", json::object()).status, 200);
    }
    // The values of the five calls are 1..5; the cleanup leaves the two newest.
    EXPECT_TRUE(waitFor([&] {
        Response answer = monitor(*host, "probe");
        return answer.status == 200 && valuesOf(answer.json(), "probe") == std::vector<json>{4, 5};
    })) << monitor(*host, "probe").body;
}

TEST(Monitor, RetentionRemovesOldRows) {
    auto host = startHost(
        {{"fixture_store_probe_v1", "probe_1.0.0.so"}},
        {"--define", "monitor.retention_seconds=1", "--define", "monitor.cleanup_seconds=1"});
    ASSERT_EQ(host->post("/services/probe/probe", json::object()).status, 200);
    // Seen first, then gone once older than a second.
    bool seen = false;
    EXPECT_TRUE(waitFor([&] {
        Response answer = monitor(*host, "probe");
        if (answer.status != 200) {
            return false;
        }
        bool present = !valuesOf(answer.json(), "probe").empty();
        seen = seen || present;
        return seen && !present;
    })) << monitor(*host, "probe").body;
}

TEST(Monitor, ValuesAServiceMayNotStoreAreRefusedAndLoseNothing) {
    auto host = startHost({{"fixture_store_probe_v1", "probe_1.0.0.so"}});
    Response first = host->post("/services/probe/probe", json::object());
    ASSERT_EQ(first.status, 200) << first.body;
    json statuses = first.json();
    EXPECT_EQ(statuses["good"], MVI_OK);
    for (const char* badCase :
         {"nan", "infinity", "bad_utf8", "not_object", "empty", "bad_name", "truncated"}) {
        EXPECT_EQ(statuses[badCase], MVI_INVALID_ARGUMENT) << badCase;
    }
    Response second = host->post("/services/probe/probe", json::object());
    ASSERT_EQ(second.status, 200) << second.body;
    json body = waitForValues(*host, "probe", "probe", 2);
    EXPECT_EQ(valuesOf(body, "probe"), (std::vector<json>{1, 2}));
    // Nothing else was stored.
    EXPECT_EQ(body.size(), 1u) << body.dump();
}

TEST(Monitor, AnAbi10PluginWithGarbagePastItsDeclarationsIsNotMonitored) {
    auto host = startHost({{"fixture_abi10_garbage", "legacy_1.0.0.so"},
                           {"fixture_store_probe_v1", "probe_1.0.0.so"}});
    ASSERT_EQ(host->post("/services/legacy/ping", json::object()).status, 200);
    ASSERT_EQ(host->post("/services/legacy/~parameters/level", {{"value", 2}}).status, 200);
    // Values are written in the order they are queued: once the probe's value (queued after
    // the legacy calls) is readable, anything the legacy plugin had queued would be too.
    ASSERT_EQ(host->post("/services/probe/probe", json::object()).status, 200);
    waitForValues(*host, "probe", "probe", 1);
    Response legacy = monitor(*host, "legacy");
    ASSERT_EQ(legacy.status, 200) << legacy.body;
    EXPECT_EQ(legacy.json(), json::object());
    EXPECT_EQ(monitor(*host, "legacy", "?variables=ping_request").status, 412);
}

}  // namespace
}  // namespace mvi::test
