// Swaps under load: continuous by-name requests while the main version's file is replaced and
// the main is reassigned, again and again. No request may fail, every request that starts after
// a swap has completed must be answered by the build that swap put in place, and every replaced
// library must end up unmapped from the host process.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Sample {
    Clock::time_point start;
    Clock::time_point end;
    int status = 0;
    std::string build;
};

struct Swap {
    Clock::time_point start;
    Clock::time_point done;
    std::string build;  // what by-name calls answer once the swap is done
};

// One client on one keep-alive connection, calling `version` by name until told to stop.
void client(unsigned port, const std::atomic<bool>& stop, std::atomic<std::size_t>& completed,
            std::vector<Sample>& samples) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(30, 0));
    const std::string body = "{}";
    while (!stop) {
        Sample sample;
        sample.start = Clock::now();
        try {
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST,
                                           "/services/counter/version",
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            request.setKeepAlive(true);
            session.sendRequest(request) << body;
            Poco::Net::HTTPResponse response;
            std::string text;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
            sample.status = static_cast<int>(response.getStatus());
            sample.build = sample.status == 200 ? json::parse(text).get<std::string>() : text;
        } catch (const std::exception& error) {
            sample.status = -1;
            sample.build = error.what();
            session.reset();
        }
        sample.end = Clock::now();
        samples.push_back(std::move(sample));
        ++completed;
    }
}

TEST(ReloadUnderLoad, FiftySwapsWithoutAFailedOrStaleResponse) {
    std::string work = makeTemporaryDirectory();
    std::string plugins = (fs::path(work) / "plugins").string();
    fs::create_directories(plugins);
    installPlugin(builtPlugin("fixture_counter_v1"), plugins, "counter_1.0.0.so");
    installPlugin(builtPlugin("fixture_counter_v3"), plugins, "counter_2.0.0.so");
    HostProcess host({}, work);
    ASSERT_EQ(host.post("/services/counter/version", json::object()).json(), "v1");

    const int clients = 4;
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> completed{0};
    std::vector<std::vector<Sample>> samples(clients);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back(client, host.port(), std::cref(stop), std::ref(completed),
                             std::ref(samples[i]));
    }

    // Version 1.0.0 alternates between builds v1 and v2 by file replacement; 2.0.0 is build v3.
    // The main moves between them by assignment.
    std::vector<Swap> swaps;
    std::string build100 = "v1";
    std::string mainVersion = "1.0.0";
    const int totalSwaps = 50;
    for (int i = 0; i < totalSwaps; ++i) {
        Swap swap;
        swap.start = Clock::now();
        if (i % 3 == 2) {
            mainVersion = mainVersion == "1.0.0" ? "2.0.0" : "1.0.0";
            Response assigned =
                request(host.port(), "PUT", "/services/~assign",
                        json({{"name", "counter"}, {"version", mainVersion}}).dump());
            ASSERT_EQ(assigned.status, 200) << assigned.body;
        } else {
            build100 = build100 == "v1" ? "v2" : "v1";
            installPlugin(builtPlugin("fixture_counter_" + build100), plugins, "counter_1.0.0.so");
            ASSERT_TRUE(waitFor([&] {
                Response answer = host.post("/services/counter_1.0.0/version", json::object());
                return answer.status == 200 && answer.json() == build100;
            })) << "swap "
                << i << " never completed";
        }
        swap.done = Clock::now();
        swap.build = mainVersion == "1.0.0" ? build100 : "v3";
        swaps.push_back(swap);
        // Let every client complete a few requests on this generation before the next swap.
        std::size_t target = completed + 4 * clients;
        ASSERT_TRUE(waitFor([&] { return completed >= target; }));
    }
    stop = true;
    for (auto& thread : threads) {
        thread.join();
    }

    std::size_t total = 0;
    std::size_t checked = 0;
    for (const auto& list : samples) {
        for (const Sample& sample : list) {
            ++total;
            ASSERT_EQ(sample.status, 200) << sample.build;
            // The swap whose result this request must see: the last one done before it started,
            // provided the next one had not started before this request ended.
            for (std::size_t k = 0; k < swaps.size(); ++k) {
                bool afterDone = sample.start > swaps[k].done;
                bool beforeNext = k + 1 == swaps.size() || sample.end < swaps[k + 1].start;
                if (afterDone && beforeNext) {
                    ++checked;
                    ASSERT_EQ(sample.build, swaps[k].build) << "after swap " << k;
                }
            }
        }
    }
    EXPECT_GT(total, 500u);
    EXPECT_GT(checked, 100u);
    std::cout << "requests: " << total << ", checked against their generation: " << checked
              << ", swaps: " << swaps.size() << std::endl;

    // Every replaced build is closed and gone from the process; the two serving builds remain.
    std::string cacheDir = (fs::path(host.dataDir()) / "cache").string();
    std::vector<std::string> serving;
    for (const char* version : {"1.0.0", "2.0.0"}) {
        serving.push_back(serviceEntry(host, "counter", version)["artifact"]["cache_path"]);
    }
    std::sort(serving.begin(), serving.end());
    ASSERT_TRUE(waitFor([&] { return mappedFilesUnder(host.servingPid(), cacheDir) == serving; }))
        << mappedFilesUnder(host.servingPid(), cacheDir).size() << " libraries still mapped";
    EXPECT_EQ(get(host.port(), "/services/~logs?name=counter&version=1.0.0")
                  .body.find("could not be unmapped"),
              std::string::npos);
}

}  // namespace
}  // namespace mvi::test
