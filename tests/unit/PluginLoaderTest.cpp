// Loading real plugins in-process: the loader, the loaded version and the registry.

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "HostProcess.h"
#include "plugin/PluginLoader.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class PluginLoaderTest : public ::testing::Test {
  protected:
    void SetUp() override { work_ = mvi::test::makeTemporaryDirectory(); }
    void TearDown() override { fs::remove_all(work_); }

    std::shared_ptr<ServiceVersion> load(const std::string& target, const ServiceId& id) {
        return loader_.load(id, mvi::test::builtPlugin(target));
    }

    std::string work_;
    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    Unloader unloader_{Poco::Logger::get("test")};
    PluginLoader loader_{(fs::path(mvi::test::makeTemporaryDirectory()) / "cache").string(),
                         HostServices{logs_, notifications_},
                         {},
                         unloader_,
                         Poco::Logger::get("test")};
};

TEST_F(PluginLoaderTest, LoadsRegistersAndCalls) {
    auto version = load("fixture_counter_v1", {"counter", "1.0.0"});
    ASSERT_EQ(version->state(), VersionState::Ready) << version->error();
    EXPECT_EQ(version->artifact().sha256.size(), 64u);
    EXPECT_TRUE(fs::exists(version->artifact().cachePath));
    EXPECT_NE(version->artifact().cachePath, version->artifact().sourcePath);
    const Entrypoint* hit = version->entrypoint("hit");
    ASSERT_NE(hit, nullptr);
    CallResult first = version->call(*hit, json::object());
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.body["build"], "v1");
    EXPECT_EQ(version->call(*hit, json::object()).body["count"],
              first.body["count"].get<int>() + 1);
    EXPECT_EQ(*version->parameters().get("secret"), 42);
}

TEST_F(PluginLoaderTest, TwoBuildsOfOneServiceKeepTheirOwnGlobals) {
    auto v1 = load("fixture_counter_v1", {"counter", "1.0.0"});
    auto v2 = load("fixture_counter_v2", {"counter", "2.0.0"});
    // The same file twice must not share globals either: every load gets its own copy.
    auto v1again = load("fixture_counter_v1", {"counter", "1.0.1"});
    for (const auto& version : {v1, v2, v1again}) {
        ASSERT_EQ(version->state(), VersionState::Ready) << version->error();
    }
    for (int i = 0; i < 3; ++i) {
        v1->call(*v1->entrypoint("hit"), json::object());
    }
    CallResult fromV2 = v2->call(*v2->entrypoint("hit"), json::object());
    CallResult fromV1again = v1again->call(*v1again->entrypoint("hit"), json::object());
    EXPECT_EQ(fromV2.body, json({{"build", "v2"}, {"count", 1}}));
    EXPECT_EQ(fromV1again.body, json({{"build", "v1"}, {"count", 1}}));
}

TEST_F(PluginLoaderTest, TheLastReleaseUnloadsOnTheUnloaderThread) {
    std::string cachePath;
    {
        auto version = load("fixture_counter_v1", {"counter", "1.0.0"});
        cachePath = version->artifact().cachePath;
        EXPECT_TRUE(SharedObject::isMapped(cachePath));
    }
    ASSERT_TRUE(mvi::test::waitFor([&] { return unloader_.unloaded() == 1; }));
    EXPECT_EQ(unloader_.stuck(), 0u);
    EXPECT_FALSE(SharedObject::isMapped(cachePath));
    EXPECT_FALSE(fs::exists(cachePath));
    auto lines = logs_.tail(ServiceId{"counter", "1.0.0"}, 1);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("library unmapped"), std::string::npos);
}

TEST_F(PluginLoaderTest, AnEntrypointCarriesTheDeadlineItDeclared) {
    auto version = load("fixture_stopped_thread", {"stopped_thread", "1.0.0"});
    ASSERT_EQ(version->state(), VersionState::Ready) << version->error();
    EXPECT_EQ(version->entrypoint("sleep")->timeoutSeconds, 1.0);
    EXPECT_EQ(version->entrypoint("ticks")->timeoutSeconds, 0.0);
    // A 1.1 plugin's bytes where 1.2 put the deadline are garbage (a NaN): never read.
    auto legacy = load("fixture_abi11_garbage", {"legacy", "1.0.0"});
    ASSERT_EQ(legacy->state(), VersionState::Ready) << legacy->error();
    EXPECT_EQ(legacy->entrypoint("ping")->timeoutSeconds, 0.0);
}

TEST_F(PluginLoaderTest, AnEntrypointIsStrictOnlyWhenItSaysSo) {
    auto lenient = load("fixture_arguments_lenient", {"args", "1.0.0"});
    auto strict = load("fixture_arguments_strict", {"args", "2.0.0"});
    ASSERT_EQ(lenient->state(), VersionState::Ready) << lenient->error();
    ASSERT_EQ(strict->state(), VersionState::Ready) << strict->error();
    EXPECT_FALSE(lenient->entrypoint("echo")->strictArguments);
    EXPECT_TRUE(strict->entrypoint("echo")->strictArguments);
    // A 1.1 plugin's bytes where 1.3 put the flag are garbage (0xFF): never read.
    auto legacy = load("fixture_abi11_garbage", {"legacy", "1.0.0"});
    ASSERT_EQ(legacy->state(), VersionState::Ready) << legacy->error();
    EXPECT_FALSE(legacy->entrypoint("ping")->strictArguments);

    json sent = {{"name", "Bob"}, {"extra", 1}};
    CallResult ignored = lenient->call(*lenient->entrypoint("echo"), sent);
    ASSERT_EQ(ignored.status, 200) << ignored.body;
    EXPECT_EQ(ignored.body, json({{"name", "Bob"}}));
    CallResult refused = strict->call(*strict->entrypoint("echo"), sent);
    ASSERT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(refused.body["detail"][0]["type"], "value_error.extra");
}

TEST_F(PluginLoaderTest, TheOnStopHookRunsBeforeTheLibraryIsClosed) {
    std::string cachePath;
    {
        auto version = load("fixture_stopped_thread", {"stopped_thread", "1.0.0"});
        ASSERT_EQ(version->state(), VersionState::Ready) << version->error();
        cachePath = version->artifact().cachePath;
    }
    ASSERT_TRUE(mvi::test::waitFor([&] { return unloader_.unloaded() == 1; }));
    EXPECT_EQ(unloader_.stuck(), 0u);
    EXPECT_FALSE(SharedObject::isMapped(cachePath));
    auto lines = logs_.tail(ServiceId{"stopped_thread", "1.0.0"}, 3);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[0].find("worker stopped after"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("on_stop hook returned"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("library unmapped"), std::string::npos) << lines[2];
}

TEST_F(PluginLoaderTest, FailuresCarryAReasonAndANotification) {
    std::string garbage = (fs::path(work_) / "garbage_1.0.0.so").string();
    std::ofstream(garbage) << "not a library";
    auto notElf = loader_.load({"garbage", "1.0.0"}, garbage);
    EXPECT_EQ(notElf->state(), VersionState::Failed);
    EXPECT_NE(notElf->error().find("not an ELF"), std::string::npos);

    auto missing = loader_.load({"missing", "1.0.0"}, (fs::path(work_) / "nope.so").string());
    EXPECT_EQ(missing->state(), VersionState::Failed);
    EXPECT_NE(missing->error().find("cannot read"), std::string::npos);

    auto major = load("fixture_wrong_major", {"major", "1.0.0"});
    EXPECT_EQ(major->state(), VersionState::Failed);
    EXPECT_NE(major->error().find("incompatible plugin ABI"), std::string::npos);
    EXPECT_TRUE(major->entrypoints().empty());
    EXPECT_EQ(notifications_.list().size(), 3u);
}

}  // namespace
}  // namespace mvi::host
