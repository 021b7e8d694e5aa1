// The pure C example plugin (plugins/c_echo/c_echo.c, compiled into this test) under the fake
// host: the SDK's FakeHost serves plugins written without the SDK too.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

class CEchoPlugin : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(host.registered()) << host.registration_error(); }

    FakeHost host;
};

TEST_F(CEchoPlugin, DeclaresItsEntrypointsAndParameter) {
    EXPECT_EQ(mvi_plugin_abi_version(),
              MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR));
    ASSERT_EQ(host.entrypoints().size(), 2u);
    EXPECT_EQ(host.entrypoint("echo").arguments,
              json::parse(R"([{"name":"text","schema":{"type":"string"},"required":true}])"));
    EXPECT_EQ(host.entrypoint("length").result_schema,
              json::parse(R"({"type":"integer","minimum":0})"));
    EXPECT_EQ(host.parameter("prefix"), "");
}

TEST_F(CEchoPlugin, EchoesTheText) {
    const auto answer = host.call("echo", {{"text", "hi \"there\"\n"}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "hi \"there\"\n");
    ASSERT_EQ(host.logs().size(), 1u);
    EXPECT_EQ(host.logs()[0].level, mvi::log::Level::Debug);
}

TEST_F(CEchoPlugin, PrependsThePrefixParameter) {
    ASSERT_EQ(host.set_parameter("prefix", ">> "), MVI_OK);
    EXPECT_EQ(host.call("echo", {{"text", "hi"}}).body, ">> hi");
    EXPECT_EQ(host.call("echo", {{"text", ""}}).body, ">> ");
}

TEST_F(CEchoPlugin, FindsTheTextAmongOtherMembers) {
    const auto answer =
        host.call_raw("echo", R"({"other": {"text": "no", "list": [1, "]"]}, "text" : "yes"})");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "yes");
}

TEST_F(CEchoPlugin, CountsCodePoints) {
    EXPECT_EQ(host.call("length", {{"text", "hello"}}).body, 5);
    EXPECT_EQ(host.call("length", {{"text", ""}}).body, 0);
    EXPECT_EQ(host.call("length", {{"text", "h\xC3\xA9llo \xF0\x9F\x98\x80"}}).body, 7);
    EXPECT_EQ(host.call_raw("length", R"({"text": "a\"b\\c\u00e9\ud83d\ude00"})").body, 7);
}

TEST_F(CEchoPlugin, AnswersAMissingTextWith422) {
    EXPECT_EQ(host.call("echo").status, 422);
    const auto raw = host.call_raw("echo", R"({"text": 5})");
    EXPECT_EQ(raw.status, 422);
    EXPECT_EQ(raw.body[0]["loc"], json::parse(R"(["body","text"])"));
}

}  // namespace
