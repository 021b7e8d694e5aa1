// Service logs over real HTTP: tail, since, bad queries, following a log as a chunked stream
// until the version is unloaded or the client leaves, lifecycle events in the log, logs that
// survive a killed host, and lines written at intervals (logs.flush = interval) that reads see
// at once and a stop writes. A real host process, real files, real HTTP.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A host whose plugins folder starts with the given (target, file) pairs.
std::unique_ptr<HostProcess> startHost(
    const std::vector<std::pair<std::string, std::string>>& plugins,
    std::vector<std::string> arguments = {}, std::string work = "") {
    if (work.empty()) {
        work = makeTemporaryDirectory();
    }
    fs::create_directories(fs::path(work) / "plugins");
    for (const auto& [target, file] : plugins) {
        installPlugin(builtPlugin(target), (fs::path(work) / "plugins").string(), file);
    }
    return std::make_unique<HostProcess>(std::move(arguments), work);
}

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void greet(const HostProcess& host, const std::string& name) {
    Response response = host.post("/services/hello/hello", {{"name", name}});
    ASSERT_EQ(response.status, 200) << response.body;
}

std::string logsPath(const std::string& query) {
    return "/services/~logs?" + query;
}

// `GET /services/~logs?...&follow=true`, read line by line as the host sends them.
class FollowStream : public StreamingGet {
  public:
    FollowStream(unsigned port, const std::string& query)
        : StreamingGet(port, logsPath(query + "&follow=true")) {}
};

TEST(Logs, TailSinceAndOneLinePerEntry) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    for (int i = 0; i < 5; ++i) {
        greet(*host, "n" + std::to_string(i));
    }
    Response tail = host->get(logsPath("name=hello&tail=3"));
    ASSERT_EQ(tail.status, 200) << tail.body;
    EXPECT_EQ(tail.header("Content-Type"), "text/plain; charset=utf-8");
    auto lines = linesOf(tail.body);
    ASSERT_EQ(lines.size(), 3u) << tail.body;
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(
            endsWith(lines[i], " INFO Greeting someone with the name: n" + std::to_string(i + 2)))
            << lines[i];
    }

    Response all = host->get(logsPath("name=hello&version=1.0.0&tail=all"));
    ASSERT_EQ(all.status, 200);
    auto every = linesOf(all.body);
    ASSERT_EQ(every.size(), 6u) << all.body;
    EXPECT_NE(every[0].find(" INFO loaded from "), std::string::npos) << every[0];
    EXPECT_EQ(host->get(logsPath("name=hello")).body, all.body) << "tail defaults to all";
    EXPECT_EQ(host->get(logsPath("name=hello&tail=0")).body, "");

    // since: lines at or after a time; the time of the third greeting is taken from its line.
    std::string third = every[3].substr(0, every[3].find(' '));
    Response since = host->get(logsPath("name=hello&since=" + third));
    ASSERT_EQ(since.status, 200) << since.body;
    auto recent = linesOf(since.body);
    ASSERT_EQ(recent.size(), 3u) << since.body;
    EXPECT_EQ(recent[0], every[3]);
    EXPECT_EQ(linesOf(host->get(logsPath("name=hello&tail=1&since=" + third)).body),
              std::vector<std::string>{every[5]});
    EXPECT_EQ(host->get(logsPath("name=hello&since=2000-01-01")).body, all.body);
    std::string encoded;
    Poco::URI::encode("2999-01-01T00:00:00+02:00", "+:", encoded);
    Response future = host->get(logsPath("name=hello&since=" + encoded));
    ASSERT_EQ(future.status, 200) << future.body;
    EXPECT_EQ(future.body, "");

    // A message of several lines is several entries, never a broken line.
    greet(*host, "Ann\nINJECTED");
    auto last = linesOf(host->get(logsPath("name=hello&tail=2")).body);
    ASSERT_EQ(last.size(), 2u);
    EXPECT_TRUE(endsWith(last[0], " INFO Greeting someone with the name: Ann")) << last[0];
    EXPECT_TRUE(endsWith(last[1], " INFO INJECTED")) << last[1];
    EXPECT_EQ(last[0].substr(0, 27), last[1].substr(0, 27));
}

TEST(Logs, BadQueriesAreRefusedWithTheField) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    auto fieldOf = [&](const std::string& query) {
        Response response = host->get(logsPath(query));
        EXPECT_EQ(response.status, 422) << query << ": " << response.body;
        json detail = response.json().at("detail");
        EXPECT_TRUE(detail.is_array()) << response.body;
        return detail.at(0).at("loc");
    };
    EXPECT_EQ(fieldOf("name=hello&tail=-1"), json({"query", "tail"}));
    EXPECT_EQ(fieldOf("name=hello&tail=ten"), json({"query", "tail"}));
    EXPECT_EQ(fieldOf("name=hello&since=yesterday"), json({"query", "since"}));
    EXPECT_EQ(fieldOf("name=hello&since=2024-13-01T00:00:00Z"), json({"query", "since"}));
    EXPECT_EQ(fieldOf("name=hello&since=2024-01-01T00:00:00Zjunk"), json({"query", "since"}));
    EXPECT_EQ(fieldOf("name=hello&follow=maybe"), json({"query", "follow"}));
    EXPECT_EQ(fieldOf("tail=5"), json({"query", "name"}));

    for (const char* query : {"name=nobody", "name=hello&version=9.9.9",
                              "name=nobody&version=1.0.0", "name=hello&version=..%2F..%2Fx"}) {
        Response missing = host->get(logsPath(query));
        EXPECT_EQ(missing.status, 404) << query << ": " << missing.body;
        EXPECT_TRUE(missing.json().at("detail").is_string()) << missing.body;
    }
    EXPECT_EQ(request(host->port(), "POST", logsPath("name=hello")).status, 405);
}

TEST(Logs, FollowStreamsNewLinesUntilTheVersionIsUnloaded) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    greet(*host, "before");
    FollowStream follow(host->port(), "name=hello&tail=1");
    ASSERT_EQ(follow.response().getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
    EXPECT_TRUE(follow.response().getChunkedTransferEncoding());
    EXPECT_EQ(follow.response().getContentType(), "text/plain; charset=utf-8");
    auto first = follow.next();
    ASSERT_TRUE(first);
    EXPECT_TRUE(endsWith(*first, "the name: before")) << *first;

    // Lines written after the request started arrive as they are written.
    for (const char* name : {"while following", "and again"}) {
        greet(*host, name);
        auto line = follow.next();
        ASSERT_TRUE(line) << "failed: " << follow.failed();
        EXPECT_TRUE(endsWith(*line, std::string("the name: ") + name)) << *line;
    }

    // Deleting the file unloads the version: its last lines arrive, then the answer ends.
    fs::remove(fs::path(host->pluginsDir()) / "hello_1.0.0.so");
    std::vector<std::string> rest;
    while (auto line = follow.next()) {
        rest.push_back(*line);
    }
    ASSERT_FALSE(follow.failed()) << "the stream did not end";
    ASSERT_FALSE(rest.empty());
    EXPECT_NE(rest.front().find(" INFO draining"), std::string::npos) << rest.front();
    EXPECT_NE(rest.back().find(" INFO unloaded"), std::string::npos) << rest.back();

    // The undeployed version's log stays readable by version; by name there is no main.
    Response kept = host->get(logsPath("name=hello&version=1.0.0&tail=1"));
    ASSERT_EQ(kept.status, 200) << kept.body;
    EXPECT_EQ(linesOf(kept.body), std::vector<std::string>{rest.back()});
    EXPECT_EQ(host->get(logsPath("name=hello")).status, 404);

    // Following a version with no build loaded answers its lines and ends.
    FollowStream ended(host->port(), "name=hello&version=1.0.0&tail=2");
    EXPECT_TRUE(ended.next());
    EXPECT_TRUE(ended.next());
    EXPECT_FALSE(ended.next());
    EXPECT_FALSE(ended.failed());
}

TEST(Logs, AFollowerWhoseClientLeftFreesItsThread) {
    // Two server threads: followers that outlived their clients would soon block everything.
    auto host = startHost({{"hello", "hello_1.0.0.so"}}, {"--define", "http.max_threads=2"});
    for (int i = 0; i < 4; ++i) {
        FollowStream follow(host->port(), "name=hello&tail=1");
        ASSERT_TRUE(follow.next()) << "follower " << i << " was not served";
        follow.leave();
    }
    Response health = host->get("/~health");
    EXPECT_EQ(health.status, 200);
}

TEST(Logs, FollowEndsWhenTheHostStops) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    FollowStream follow(host->port(), "name=hello&tail=1");
    ASSERT_TRUE(follow.next());
    EXPECT_EQ(host->stop(), 0);
    EXPECT_FALSE(follow.next());
    EXPECT_FALSE(follow.failed());
}

TEST(Logs, LifecycleEventsAreInTheVersionsLogFile) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    FollowStream follow(host->port(), "name=counter&version=1.0.0&tail=0");

    // A rebuild swapped in: the old build drains and unloads, in the same version's log.
    installPlugin(builtPlugin("fixture_counter_v2"), host->pluginsDir(), "counter_1.0.0.so");
    ASSERT_TRUE(follow.readUntil("library unmapped)")) << "failed: " << follow.failed();

    installPlugin(builtPlugin("fixture_counter_v3"), host->pluginsDir(), "counter_2.0.0.so");
    ASSERT_TRUE(
        waitFor([&] { return serviceEntry(*host, "counter", "2.0.0")["status"] == "ready"; }));
    Response assigned = request(host->port(), "PUT", "/services/~assign",
                                json({{"name", "counter"}, {"version", "2.0.0"}}).dump());
    ASSERT_EQ(assigned.status, 200) << assigned.body;

    std::string garbage = (fs::path(host->workDirectory()) / "garbage.so").string();
    std::ofstream(garbage) << "not a library";
    installPlugin(garbage, host->pluginsDir(), "counter_3.0.0.so");
    ASSERT_TRUE(
        waitFor([&] { return serviceEntry(*host, "counter", "3.0.0")["status"] == "failed"; }));

    auto fileOf = [&](const std::string& version) {
        std::ifstream file(fs::path(host->dataDir()) / "logs" / "counter" / (version + ".log"));
        return std::string(std::istreambuf_iterator<char>(file), {});
    };
    std::string first = fileOf("1.0.0");
    for (const char* event : {" INFO loaded from ", " INFO swapped in build sha256 ",
                              " INFO draining", " INFO unloaded (build sha256 "}) {
        EXPECT_NE(first.find(event), std::string::npos) << event << " in\n" << first;
    }
    EXPECT_NE(fileOf("2.0.0").find(" INFO assigned as main version"), std::string::npos);
    std::string failed = fileOf("3.0.0");
    EXPECT_NE(failed.find(" ERROR failed to load: not an ELF"), std::string::npos) << failed;
    EXPECT_EQ(host->get(logsPath("name=counter&version=3.0.0")).body, failed);

    // A failed version has no build loaded: following it ends after its lines.
    FollowStream failedFollow(host->port(), "name=counter&version=3.0.0");
    ASSERT_TRUE(failedFollow.readUntil("failed to load: not an ELF"));
    EXPECT_FALSE(failedFollow.next());
    EXPECT_FALSE(failedFollow.failed());
}

TEST(Logs, LogsSurviveAKilledHost) {
    std::string work;
    std::string before;
    {
        auto host = startHost({{"hello", "hello_1.0.0.so"}});
        work = host->workDirectory();
        greet(*host, "before the crash");
        before = host->get(logsPath("name=hello")).body;
        // Lines reach the file within logs.flush_interval (a kill loses at most those of the
        // last interval): the kill comes once they are there.
        fs::path file = fs::path(host->dataDir()) / "logs" / "hello" / "1.0.0.log";
        ASSERT_TRUE(waitFor([&] {
            std::ifstream stored(file);
            return std::string(std::istreambuf_iterator<char>(stored), {}) == before;
        }));
        host->keepWorkDirectory();
        host->stop(true);
    }
    auto host = startHost({}, {}, work);
    Response after = host->get(logsPath("name=hello"));
    ASSERT_EQ(after.status, 200) << after.body;
    ASSERT_EQ(after.body.rfind(before, 0), 0u) << "the earlier lines come first:\n" << after.body;
    auto lines = linesOf(after.body.substr(before.size()));
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines[0].find(" INFO loaded from "), std::string::npos) << lines[0];
    greet(*host, "after the restart");
    auto tail = linesOf(host->get(logsPath("name=hello&tail=1")).body);
    ASSERT_EQ(tail.size(), 1u);
    EXPECT_TRUE(endsWith(tail[0], "the name: after the restart"));
}

TEST(Logs, IntervalFlushReadsSeeTheLinesOfCallsJustMade) {
    // A long interval: the lines of the calls below wait in memory when they are read.
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}},
                  {"--define", "logs.flush=interval", "--define", "logs.flush_interval_ms=1000"});
    FollowStream follow(host->port(), "name=hello&tail=0");
    for (int i = 0; i < 5; ++i) {
        greet(*host, "n" + std::to_string(i));
        auto tail = linesOf(host->get(logsPath("name=hello&tail=1")).body);
        ASSERT_EQ(tail.size(), 1u);
        EXPECT_TRUE(
            endsWith(tail[0], " INFO Greeting someone with the name: n" + std::to_string(i)))
            << tail[0];
    }
    Response all = host->get(logsPath("name=hello&version=1.0.0&tail=all"));
    ASSERT_EQ(all.status, 200) << all.body;
    auto every = linesOf(all.body);
    ASSERT_EQ(every.size(), 6u) << all.body;
    EXPECT_NE(every[0].find(" INFO loaded from "), std::string::npos) << every[0];
    std::string third = every[3].substr(0, every[3].find(' '));
    EXPECT_EQ(linesOf(host->get(logsPath("name=hello&since=" + third)).body),
              std::vector<std::string>(every.begin() + 3, every.end()));
    // A follower gets each line as it is appended.
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(follow.readUntil("the name: n" + std::to_string(i)))
            << "failed: " << follow.failed();
    }

    // A stop writes every line held.
    greet(*host, "last");
    EXPECT_EQ(host->stop(), 0);
    std::ifstream file(fs::path(host->dataDir()) / "logs" / "hello" / "1.0.0.log");
    std::string onDisk(std::istreambuf_iterator<char>(file), {});
    EXPECT_EQ(onDisk.rfind(all.body, 0), 0u) << onDisk;
    EXPECT_NE(onDisk.find(" INFO Greeting someone with the name: last\n"), std::string::npos)
        << onDisk;
}

}  // namespace
}  // namespace mvi::test
