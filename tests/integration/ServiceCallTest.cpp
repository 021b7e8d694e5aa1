// Calls between services (call_service) on a real mvi-host: the dice and game examples and a
// caller fixture deployed under several names. In process, through the host's routing: main
// answers by name and shadows get mirrored copies, a version answers when named, errors reach
// the caller as statuses it can handle, and cycles end with 508 instead of a deadlock.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "HostProcess.h"

namespace mvi::test {
namespace {

using nlohmann::json;

json relay(const HostProcess& host, const json& body) {
    Response response = host.post("/services/ping/relay", body);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.status == 200 ? response.json() : json();
}

TEST(ServiceCall, GameRollsThroughDice) {
    auto host = startHost({{"dice", "dice_1.0.0.so"}, {"game", "game_1.0.0.so"}});
    Response played = host->post("/services/game/play", {{"players", {"ann", "bob", "cy"}}});
    ASSERT_EQ(played.status, 200) << played.body;
    json result = played.json();
    ASSERT_EQ(result["rolls"].size(), 3u) << played.body;
    int best = 0;
    for (const auto& [player, roll] : result["rolls"].items()) {
        EXPECT_GE(roll.get<int>(), 1) << player;
        EXPECT_LE(roll.get<int>(), 6) << player;
        best = std::max(best, roll.get<int>());
    }
    EXPECT_EQ(result["rolls"][result["winner"].get<std::string>()], best);
    // Each roll was a call counted by the dice service, without any HTTP request to it.
    EXPECT_EQ(serviceEntry(*host, "dice", "1.0.0")["stats"]["requests"], 3);

    // The dice refuse a one-sided die (400); the game handles it and answers its own 400.
    Response refused = host->post("/services/game/play", {{"players", {"ann"}}, {"sides", 1}});
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_NE(refused.body.find("the dice refused"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("a die needs at least 2 sides"), std::string::npos) << refused.body;
}

TEST(ServiceCall, WithoutTheCalleeTheCallerGetsA404ItCanHandle) {
    auto host = startHost({{"game", "game_1.0.0.so"}});
    Response played = host->post("/services/game/play", {{"players", {"ann"}}});
    EXPECT_EQ(played.status, 503) << played.body;
    EXPECT_NE(played.body.find("call to service dice entrypoint roll answered 404"),
              std::string::npos)
        << played.body;
    EXPECT_NE(played.body.find("service 'dice' not found"), std::string::npos) << played.body;
}

TEST(ServiceCall, ByNameMainAnswersAndTheShadowGetsAMirroredCopy) {
    auto host = startHost({{"fixture_caller", "ping_1.0.0.so"},
                           {"fixture_counter_v1", "counter_1.0.0.so"},
                           {"fixture_counter_v2", "counter_2.0.0.so"}});
    ASSERT_EQ(serviceEntry(*host, "counter", "1.0.0")["main"], true);
    for (int i = 1; i <= 3; ++i) {
        json answer = relay(*host, {{"service", "counter"}, {"entrypoint", "hit"}});
        EXPECT_EQ(answer, json({{"status", 200}, {"result", {{"build", "v1"}, {"count", i}}}}));
    }
    ASSERT_TRUE(waitFor([&] {
        return serviceEntry(*host, "counter", "2.0.0")["stats"]["mirrored"].get<int>() >= 3;
    }));
    EXPECT_EQ(serviceEntry(*host, "counter", "1.0.0")["stats"]["requests"], 3);

    // By version: that version answers, nothing is mirrored.
    json byVersion =
        relay(*host, {{"service", "counter"}, {"entrypoint", "hit"}, {"version", "2.0.0"}});
    EXPECT_EQ(byVersion, json({{"status", 200}, {"result", {{"build", "v2"}, {"count", 4}}}}));
    EXPECT_EQ(serviceEntry(*host, "counter", "2.0.0")["stats"]["mirrored"], 3);
    EXPECT_EQ(serviceEntry(*host, "counter", "2.0.0")["stats"]["requests"], 1);
}

TEST(ServiceCall, ErrorsReachTheCallerWithTheirStatus) {
    auto host = startHost({{"fixture_caller", "ping_1.0.0.so"}, {"dice", "dice_1.0.0.so"}});

    json unknown = relay(*host, {{"service", "nope"}, {"entrypoint", "roll"}});
    EXPECT_EQ(unknown["status"], 404) << unknown.dump();
    EXPECT_EQ(unknown["detail"], "service 'nope' not found");

    json noEntrypoint = relay(*host, {{"service", "dice"}, {"entrypoint", "nope"}});
    EXPECT_EQ(noEntrypoint["status"], 404) << noEntrypoint.dump();
    EXPECT_EQ(noEntrypoint["detail"], "service dice 1.0.0 has no entrypoint 'nope'");

    json noVersion =
        relay(*host, {{"service", "dice"}, {"entrypoint", "roll"}, {"version", "9.9.9"}});
    EXPECT_EQ(noVersion["status"], 404) << noVersion.dump();
    EXPECT_EQ(noVersion["detail"], "service 'dice' has no version 9.9.9");

    // The callee's validation answers 422 with its detail list; the caller catches it.
    json invalid = relay(*host, {{"service", "dice"},
                                 {"entrypoint", "roll"},
                                 {"arguments", {{"sides", "six"}, {"extra", 1}}}});
    EXPECT_EQ(invalid["status"], 422) << invalid.dump();
    ASSERT_TRUE(invalid["detail"].is_array()) << invalid.dump();
    EXPECT_EQ(invalid["detail"].size(), 1u) << "the extra key is ignored: " << invalid.dump();
    EXPECT_EQ(invalid["detail"][0]["loc"], json({"body", "sides"})) << invalid.dump();
    EXPECT_NE(invalid["message"].get<std::string>().find(
                  "call to service dice entrypoint roll answered 422"),
              std::string::npos)
        << invalid.dump();

    // Left uncaught, the callee's 422 is the caller's failure (500), not the caller's 422.
    Response strict = host->post(
        "/services/ping/strict",
        {{"service", "dice"}, {"entrypoint", "roll"}, {"arguments", {{"sides", "six"}}}});
    EXPECT_EQ(strict.status, 500) << strict.body;
    EXPECT_NE(strict.body.find("call to service dice entrypoint roll answered 422"),
              std::string::npos)
        << strict.body;

    // A good call still works afterwards.
    json rolled = relay(
        *host,
        {{"service", "dice"}, {"entrypoint", "roll"}, {"arguments", {{"sides", 2}, {"count", 5}}}});
    EXPECT_EQ(rolled["status"], 200) << rolled.dump();
    EXPECT_EQ(rolled["result"].size(), 5u) << rolled.dump();
}

TEST(ServiceCall, TheHostRefusesMalformedRequests) {
    auto host = startHost({{"fixture_caller", "ping_1.0.0.so"}, {"dice", "dice_1.0.0.so"}});
    auto raw = [&](const std::string& service, const std::string& arguments) {
        Response response =
            host->post("/services/ping/raw",
                       {{"service", service}, {"entrypoint", "roll"}, {"arguments", arguments}});
        EXPECT_EQ(response.status, 200) << response.body;
        return response.json();
    };
    for (const char* bad : {"[1, 2]", "not json", "3"}) {
        json refused = raw("dice", bad);
        EXPECT_EQ(refused["result"], "MVI_INVALID_ARGUMENT") << bad;
        EXPECT_EQ(refused["answer"], "") << "receive was called for " << bad;
    }
    EXPECT_EQ(raw("", "{}")["result"], "MVI_INVALID_ARGUMENT");
    // Empty arguments mean {}.
    json rolled = raw("dice", "");
    EXPECT_EQ(rolled["result"], "MVI_OK") << rolled.dump();
    EXPECT_EQ(rolled["status"], 200) << rolled.dump();
    EXPECT_EQ(json::parse(rolled["answer"].get<std::string>()).size(), 1u) << rolled.dump();
}

TEST(ServiceCall, AServiceCallingItselfEndsWith508) {
    auto host = startHost({{"fixture_caller", "ping_1.0.0.so"}});
    Response looped = host->post("/services/ping/cycle", {{"a", "ping"}, {"b", "ping"}});
    EXPECT_EQ(looped.status, 508) << looped.body;
    EXPECT_NE(looped.body.find("would nest more than 8 service calls (services.call_depth)"),
              std::string::npos)
        << looped.body;
    EXPECT_NE(looped.body.find("ping -> ping -> ping"), std::string::npos) << looped.body;
    // Nothing is stuck: the host answers the next call.
    EXPECT_EQ(
        host->post("/services/ping/relay", {{"service", "ping"}, {"entrypoint", "nope"}}).status,
        200);
}

TEST(ServiceCall, ACycleOfServicesEndsWith508AtTheConfiguredDepth) {
    auto host =
        startHost({{"fixture_caller", "ping_1.0.0.so"}, {"fixture_caller", "pong_1.0.0.so"}},
                  {"--define", "services.call_depth=3"});
    Response looped = host->post("/services/ping/cycle", {{"a", "ping"}, {"b", "pong"}});
    EXPECT_EQ(looped.status, 508) << looped.body;
    EXPECT_NE(looped.body.find("calling pong from ping would nest more than 3 service calls "
                               "(services.call_depth): ping -> pong -> ping -> pong"),
              std::string::npos)
        << looped.body;
}

}  // namespace
}  // namespace mvi::test
