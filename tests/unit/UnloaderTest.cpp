// The unloader: versions made by it are destroyed on its thread once their last holder lets go,
// and the host can wait until none is left.

#include "plugin/Unloader.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "HostProcess.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

class UnloaderTest : public ::testing::Test {
  protected:
    std::unique_ptr<ServiceVersion> version(const std::string& number) {
        return std::make_unique<ServiceVersion>(ServiceId{"svc", number}, Artifact{}, services_);
    }

    static std::chrono::steady_clock::time_point in(std::chrono::milliseconds delay) {
        return std::chrono::steady_clock::now() + delay;
    }

    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    HostServices services_{logs_, notifications_};
};

TEST_F(UnloaderTest, WaitsUntilEveryManagedVersionIsDestroyed) {
    Unloader unloader(Poco::Logger::get("test"));
    EXPECT_TRUE(unloader.waitUntilAllUnloaded(in(std::chrono::milliseconds(0))));
    auto first = unloader.manage(version("1.0.0"));
    auto second = unloader.manage(version("2.0.0"));
    EXPECT_EQ(unloader.alive(), 2u);

    first.reset();
    // The second is still held: the wait ends at its deadline.
    EXPECT_FALSE(unloader.waitUntilAllUnloaded(in(std::chrono::milliseconds(100))));
    EXPECT_EQ(unloader.alive(), 1u);

    second.reset();
    EXPECT_TRUE(unloader.waitUntilAllUnloaded(in(std::chrono::seconds(20))));
    EXPECT_EQ(unloader.alive(), 0u);
}

}  // namespace
}  // namespace mvi::host
