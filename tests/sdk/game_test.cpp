// The game example (plugins/game/game.cpp, compiled into this test) under the fake host: the
// test answers its calls to the dice service with FakeHost::on_call.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cstddef>

namespace {

using mvi::testing::CallResult;
using mvi::testing::FakeHost;
using nlohmann::json;

TEST(GameService, EveryPlayerRollsThroughTheDiceAndTheHighestWins) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    int next = 0;
    host.on_call("dice", "roll", [&next](const json& arguments) -> CallResult {
        EXPECT_EQ(arguments, json({{"sides", 20}}));
        const int rolls[] = {7, 19, 3};
        return {200, json::array({rolls[next++]})};
    });
    const auto answer = host.call("play", {{"players", {"ann", "bob", "cy"}}, {"sides", 20}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body,
              json({{"rolls", {{"ann", 7}, {"bob", 19}, {"cy", 3}}}, {"winner", "bob"}}));
    const auto calls = host.service_calls();
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[0].service, "dice");
    EXPECT_EQ(calls[0].entrypoint, "roll");
    EXPECT_EQ(calls[0].version, "");
}

TEST(GameService, TheDiceRefusingIsTheCallersBadRequest) {
    FakeHost host;
    host.on_call("dice", "roll", [](const json&) -> CallResult {
        return {400, "a die needs at least 2 sides"};
    });
    const auto answer = host.call("play", {{"players", {"ann"}}, {"sides", 1}});
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.body, "the dice refused: \"a die needs at least 2 sides\"");
}

TEST(GameService, NoDiceIsAServiceUnavailable) {
    FakeHost host;
    const auto answer = host.call("play", {{"players", {"ann"}}});
    EXPECT_EQ(answer.status, 503);
    EXPECT_NE(
        answer.body.get<std::string>().find("call to service dice entrypoint roll answered 404"),
        std::string::npos)
        << answer.body;
}

// A host table of ABI 1.0: no call_service.
mvi_status register_with_an_older_host(const mvi_host_api* api, mvi_host* host,
                                       mvi_registrar* registrar) noexcept {
    static mvi_host_api older;
    older = *api;
    older.size = offsetof(mvi_host_api, store);
    return mvi_plugin_register(&older, host, registrar);
}

TEST(GameService, AnOlderHostGetsAClearErrorInsteadOfACrash) {
    FakeHost host(&register_with_an_older_host);
    ASSERT_TRUE(host.registered()) << host.registration_error();
    const auto answer = host.call("play", {{"players", {"ann"}}});
    EXPECT_EQ(answer.status, 500);
    EXPECT_EQ(answer.body,
              "cannot call service dice: the host is older than ABI 1.1 and has no call_service");
    EXPECT_TRUE(host.service_calls().empty());
}

}  // namespace
