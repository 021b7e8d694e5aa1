#include "core/JsonInput.h"

#include <gtest/gtest.h>

#include <string>

namespace mvi::host {
namespace {

using nlohmann::json;

/// The error `JsonInput::parse` throws for `text` (fails the test when it throws none).
JsonInput::Error refusal(const std::string& text, std::size_t maxDepth = 16) {
    try {
        json value = JsonInput::parse(text, maxDepth);
        ADD_FAILURE() << "accepted: " << value.dump();
    } catch (const JsonInput::Error& error) {
        return error;
    }
    return JsonInput::Error(JsonInput::Problem::Syntax, "", json::array(), 0);
}

std::string nested(std::size_t levels, const std::string& open, const std::string& close,
                   const std::string& inside = "1") {
    std::string text;
    for (std::size_t i = 0; i < levels; ++i) {
        text += open;
    }
    text += inside;
    for (std::size_t i = 0; i < levels; ++i) {
        text += close;
    }
    return text;
}

TEST(JsonInput, ReadsWhatTheLibraryReads) {
    for (const char* text :
         {"null", "true", "-12", "18446744073709551615", "2.5e-3", "\"caf\xc3\xa9\"", "[]", "{}",
          R"({"a": [1, {"b": null}, "x"], "c": {"d": [[], {}]}, "e": 1e308})", " [1 , 2] "}) {
        EXPECT_EQ(JsonInput::parse(text, 16), json::parse(text)) << text;
    }
    // A number too small for a double is zero, as the library reads it.
    EXPECT_EQ(JsonInput::parse("1e-400", 16), json::parse("1e-400"));
    // Duplicate keys: the last one wins, as with the library.
    EXPECT_EQ(JsonInput::parse(R"({"a": 1, "a": 2})", 16), json({{"a", 2}}));
}

TEST(JsonInput, NestingUpToTheLimitIsRead) {
    EXPECT_EQ(JsonInput::parse(nested(16, "[", "]"), 16), json::parse(nested(16, "[", "]")));
    EXPECT_EQ(JsonInput::parse(nested(16, "{\"a\":", "}"), 16),
              json::parse(nested(16, "{\"a\":", "}")));
    EXPECT_EQ(JsonInput::parse("[[], {}, [{}]]", 3), json::parse("[[], {}, [{}]]"));
    EXPECT_EQ(refusal("[[], {}, [{}]]", 2).problem(), JsonInput::Problem::TooDeep);
    EXPECT_EQ(JsonInput::parse("7", 1), 7);
}

TEST(JsonInput, NestingPastTheLimitIsRefusedWithItsPlace) {
    JsonInput::Error arrays = refusal(nested(17, "[", "]"));
    EXPECT_EQ(arrays.problem(), JsonInput::Problem::TooDeep);
    EXPECT_EQ(arrays.path(), json(std::vector<int>(16, 0)));
    EXPECT_NE(std::string(arrays.what()).find("deeper than 16 levels"), std::string::npos);

    JsonInput::Error objects = refusal(R"({"ok": [1], "deep": {"x": [5, [[]]]}})", 4);
    EXPECT_EQ(objects.problem(), JsonInput::Problem::TooDeep);
    EXPECT_EQ(objects.path(), json({"deep", "x", 1, 0}));

    EXPECT_EQ(refusal("[]", 0).problem(), JsonInput::Problem::TooDeep);
}

TEST(JsonInput, AMillionLevelsAreRefusedWithoutBuildingThem) {
    // Built in full, such a value would overflow the stack when dumped or copied.
    std::string arrays(1000000, '[');
    EXPECT_EQ(refusal(arrays, 256).problem(), JsonInput::Problem::TooDeep);
    std::string objects;
    for (int i = 0; i < 1000000; ++i) {
        objects += "{\"a\":";
    }
    JsonInput::Error error = refusal(objects, 256);
    EXPECT_EQ(error.problem(), JsonInput::Problem::TooDeep);
    EXPECT_EQ(error.path().size(), 256u);
    EXPECT_EQ(error.path().front(), "a");
}

TEST(JsonInput, NumbersBeyondADoubleAreRefusedWithTheirPlace) {
    for (const char* text : {"1e400", "-1e400", "[1, 1e309]"}) {
        EXPECT_EQ(refusal(text).problem(), JsonInput::Problem::NumberOverflow) << text;
    }
    std::string digits = "{\"big\": " + std::string(400, '9') + "}";
    JsonInput::Error error = refusal(digits);
    EXPECT_EQ(error.problem(), JsonInput::Problem::NumberOverflow);
    EXPECT_EQ(error.path(), json({"big"}));
    // The message never quotes the number (it may be megabytes long).
    EXPECT_EQ(std::string(error.what()).find("999"), std::string::npos);

    JsonInput::Error nestedNumber = refusal(R"({"a": {"b": [0, 2, 1e400]}})");
    EXPECT_EQ(nestedNumber.path(), json({"a", "b", 2}));
}

TEST(JsonInput, StringsThatAreNotUtf8AreRefusedWithTheirPlace) {
    JsonInput::Error value = refusal("{\"name\": \"ab\xff\"}");
    EXPECT_EQ(value.problem(), JsonInput::Problem::InvalidUtf8);
    EXPECT_EQ(value.path(), json({"name"}));
    EXPECT_TRUE(JsonInput::isValidUtf8(value.what()));

    JsonInput::Error element = refusal("{\"list\": [\"ok\", \"\xc3\x28\"]}");
    EXPECT_EQ(element.problem(), JsonInput::Problem::InvalidUtf8);
    EXPECT_EQ(element.path(), json({"list", 1}));

    // In a key the place is the object holding it.
    JsonInput::Error key = refusal("{\"a\": {\"b\": 1, \"\xed\xa0\x80\": 2}}");
    EXPECT_EQ(key.problem(), JsonInput::Problem::InvalidUtf8);
    EXPECT_EQ(key.path(), json({"a"}));

    EXPECT_EQ(refusal("\"\xc0\x80\"").problem(), JsonInput::Problem::InvalidUtf8);
}

TEST(JsonInput, SyntaxErrorsSayWhereInShortValidText) {
    JsonInput::Error cut = refusal("{\"name\": ");
    EXPECT_EQ(cut.problem(), JsonInput::Problem::Syntax);
    EXPECT_EQ(cut.byte(), 10u);
    EXPECT_EQ(std::string(cut.what()).find("[json.exception"), std::string::npos) << cut.what();
    EXPECT_NE(std::string(cut.what()).find("unexpected end of input"), std::string::npos);

    EXPECT_EQ(refusal("[1] 2").problem(), JsonInput::Problem::Syntax);
    EXPECT_EQ(refusal("").problem(), JsonInput::Problem::Syntax);

    // Bytes that are not UTF-8 outside a string, and a long bad token: the message stays short
    // and valid.
    JsonInput::Error garbage = refusal("\xff\xfe");
    EXPECT_EQ(garbage.problem(), JsonInput::Problem::Syntax);
    EXPECT_TRUE(JsonInput::isValidUtf8(garbage.what()));
    JsonInput::Error longToken = refusal("[" + std::string(100000, 't') + "]");
    EXPECT_LT(std::string(longToken.what()).size(), 300u);
}

TEST(JsonInput, Utf8IsCheckedStrictly) {
    EXPECT_TRUE(JsonInput::isValidUtf8(""));
    EXPECT_TRUE(JsonInput::isValidUtf8("plain"));
    EXPECT_TRUE(JsonInput::isValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"));
    EXPECT_TRUE(JsonInput::isValidUtf8(std::string("nul\0inside", 10)));
    for (const char* bad : {"\xff", "\xc3", "\xc3\x28", "\x80", "\xc0\x80", "\xed\xa0\x80",
                            "\xf4\x90\x80\x80", "ok\xe2\x82"}) {
        EXPECT_FALSE(JsonInput::isValidUtf8(bad)) << bad;
    }
}

TEST(JsonInput, InvalidBytesAreReplacedForMessages) {
    EXPECT_EQ(JsonInput::withValidUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(JsonInput::withValidUtf8("a\xff"
                                       "b"),
              "a\xef\xbf\xbd"
              "b");
    EXPECT_EQ(JsonInput::withValidUtf8("quote \" and \\ stay"), "quote \" and \\ stay");
    EXPECT_TRUE(JsonInput::isValidUtf8(JsonInput::withValidUtf8("\xc3\x28\xed\xa0\x80\xff")));
}

}  // namespace
}  // namespace mvi::host
