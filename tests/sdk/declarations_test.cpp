// What a service declares, under the fake host: strict entrypoints (ABI 1.3, `.strict()`) and the
// limits of mvi/limits.hpp, which the SDK and the fake host enforce as mvi-host does; and the
// two text functions of mvi/limits.hpp. The service is defined here; each test picks what its
// setup declares before it creates its FakeHost.
#include <mvi/limits.hpp>
#include <mvi/service.hpp>
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace {

/// The name of one more entrypoint the setup declares (empty: none).
std::string extraName;

/// The description the setup gives entrypoint `echo`.
std::string echoDescription;

/// How many more entrypoints (e0, e1, ...) the setup declares.
std::size_t extraEntrypoints = 0;

}  // namespace

MVI_SERVICE(service) {
    service.entrypoint("echo", {"name"}, [](const std::string& name) { return name; })
        .description(echoDescription)
        .monitor();
    service.entrypoint("strict_echo", {"name"}, [](const std::string& name) { return name; })
        .strict();
    if (!extraName.empty()) {
        service.entrypoint(extraName, [] { return 1; });
    }
    for (std::size_t i = 0; i < extraEntrypoints; ++i) {
        service.entrypoint("e" + std::to_string(i), [] { return 1; });
    }
}

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

/// Resets what the setup declares to the two echo entrypoints.
void declareOnlyTheEchoes() {
    extraName.clear();
    echoDescription.clear();
    extraEntrypoints = 0;
}

const json kWithExtra = {{"name", "Bob"}, {"extra", 1}};

TEST(SdkStrict, AnEntrypointIgnoresUndeclaredArgumentsUnlessItIsStrict) {
    declareOnlyTheEchoes();
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_FALSE(host.entrypoint("echo").strict_arguments);
    EXPECT_TRUE(host.entrypoint("strict_echo").strict_arguments);

    const auto lenient = host.call("echo", kWithExtra);
    EXPECT_EQ(lenient.status, 200) << lenient.body;
    EXPECT_EQ(lenient.body, "Bob");
    // What the service received (kept by the monitored entrypoint) has the declared key only.
    ASSERT_EQ(host.stored().size(), 1u);
    EXPECT_EQ(host.stored()[0]["echo_request"], json({{"name", "Bob"}}));

    const auto strict = host.call("strict_echo", kWithExtra);
    EXPECT_EQ(strict.status, 422);
    EXPECT_EQ(strict.body, json::parse(R"([{"loc": ["body", "extra"],
        "msg": "extra fields not permitted", "type": "value_error.extra"}])"));
    EXPECT_EQ(host.call("strict_echo", {{"name", "Bob"}}).body, "Bob");
}

TEST(SdkLimits, ANameIsAtMost128Bytes) {
    declareOnlyTheEchoes();
    extraName = std::string(mvi::limits::kMaxNameBytes, 'a');
    {
        FakeHost host;
        EXPECT_TRUE(host.registered()) << host.registration_error();
    }
    extraName = std::string(1024 * 1024, 'a');
    FakeHost host;
    EXPECT_FALSE(host.registered());
    const std::string& error = host.registration_error();
    EXPECT_NE(error.find("at most 128 bytes"), std::string::npos) << error.substr(0, 500);
    EXPECT_LT(error.size(), 1000u) << "the name is quoted cut short";
}

TEST(SdkLimits, ADescriptionIsAtMost16KiB) {
    declareOnlyTheEchoes();
    echoDescription = std::string(mvi::limits::kMaxDescriptionBytes, 'd');
    {
        FakeHost host;
        EXPECT_TRUE(host.registered()) << host.registration_error();
    }
    echoDescription += 'd';
    FakeHost host;
    EXPECT_FALSE(host.registered());
    EXPECT_NE(host.registration_error().find(
                  "entrypoint 'echo': the description is 16385 bytes long, more than the 16384 "
                  "allowed"),
              std::string::npos)
        << host.registration_error();
}

TEST(SdkLimits, TheHostRefusesMoreEntrypointsThanAllowed) {
    declareOnlyTheEchoes();
    extraEntrypoints = mvi::limits::kMaxEntrypoints - 2;
    {
        FakeHost host;
        EXPECT_TRUE(host.registered()) << host.registration_error();
        EXPECT_EQ(host.entrypoints().size(), mvi::limits::kMaxEntrypoints);
    }
    extraEntrypoints = mvi::limits::kMaxEntrypoints - 1;
    FakeHost host;
    EXPECT_FALSE(host.registered());
    const std::string expected = "entrypoint 'e" +
                                 std::to_string(mvi::limits::kMaxEntrypoints - 2) +
                                 "' was refused by the host: MVI_INVALID_ARGUMENT";
    EXPECT_NE(host.registration_error().find(expected), std::string::npos)
        << host.registration_error();
}

TEST(LimitsShorten, KeepsAShortTextAndCutsALongOneWithAnEllipsis) {
    using mvi::limits::shorten;
    EXPECT_EQ(shorten("hello", 5), "hello");
    EXPECT_EQ(shorten("", 0), "");
    EXPECT_EQ(shorten("hello world", 8), "hello\xE2\x80\xA6");
    const std::string cut = shorten(std::string(100000, 'x'));
    EXPECT_EQ(cut.size(), mvi::limits::kMaxQuotedBytes);
    EXPECT_EQ(cut.substr(cut.size() - 3), "\xE2\x80\xA6");
}

TEST(LimitsShorten, NeverSplitsAUtf8Character) {
    using mvi::limits::shorten;
    // "é" is 2 bytes, "€" 3, "𝄞" 4: a cut inside one keeps the characters before it whole.
    const std::string text =
        "a\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E"
        "bcdefgh";
    for (std::size_t max = 3; max < text.size(); ++max) {
        const std::string result = shorten(text, max);
        ASSERT_LE(result.size(), max) << max;
        const std::string kept = result.substr(0, result.size() - 3);
        EXPECT_EQ(text.compare(0, kept.size(), kept), 0) << max;
        // The kept part ends on a character boundary: the next byte of the text starts one.
        EXPECT_NE(static_cast<unsigned char>(text[kept.size()]) & 0xC0u, 0x80u) << max;
    }
    EXPECT_EQ(shorten(text, 6), "a\xC3\xA9\xE2\x80\xA6");
    EXPECT_EQ(shorten(text, 7), "a\xC3\xA9\xE2\x80\xA6") << "\xE2\x82\xAC does not fit whole";
    EXPECT_EQ(shorten(text, 9), "a\xC3\xA9\xE2\x82\xAC\xE2\x80\xA6");
}

TEST(LimitsJsonDepth, CountsNestingOutsideStrings) {
    using mvi::limits::json_depth;
    EXPECT_EQ(json_depth("1"), 0u);
    EXPECT_EQ(json_depth("{}"), 1u);
    EXPECT_EQ(json_depth(R"([{"a": [1, {"b": []}]}, []])"), 5u);
    EXPECT_EQ(json_depth(R"({"text": "[[[{{{ \" [[["})"), 1u);
    EXPECT_EQ(json_depth(std::string(100000, '[') + std::string(100000, ']')), 100000u);
}

}  // namespace
