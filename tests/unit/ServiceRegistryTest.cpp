// The routing table: which version is main under each promotion policy, atomic snapshots,
// assignment and removal, and commits that run before a change is published.

#include "plugin/ServiceRegistry.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "HostProcess.h"
#include "http/ServiceViews.h"

namespace mvi::host {
namespace {

using nlohmann::json;

class ServiceRegistryTest : public ::testing::Test {
  protected:
    std::shared_ptr<ServiceVersion> ready(const std::string& version) {
        auto result =
            std::make_shared<ServiceVersion>(ServiceId{"svc", version}, Artifact{}, services_);
        result->markReady();
        return result;
    }

    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    HostServices services_{logs_, notifications_};
};

TEST_F(ServiceRegistryTest, FirstReadyVersionIsMainAndSnapshotsAreStable) {
    HostServices& services = services_;
    ServiceRegistry registry;
    auto failed = std::make_shared<ServiceVersion>(ServiceId{"svc", "0.9.0"}, Artifact{}, services);
    failed->markFailed("broken");
    registry.publish(failed);
    EXPECT_FALSE(registry.snapshot()->at("svc").main);

    auto before = registry.snapshot();
    auto v1 = std::make_shared<ServiceVersion>(ServiceId{"svc", "1.0.0"}, Artifact{}, services);
    v1->markReady();
    registry.publish(v1);
    auto v2 = std::make_shared<ServiceVersion>(ServiceId{"svc", "2.0.0"}, Artifact{}, services);
    v2->markReady();
    registry.publish(v2);

    EXPECT_EQ(before->count("svc"), 1u);
    EXPECT_FALSE(before->at("svc").main);
    EXPECT_EQ(registry.snapshot()->at("svc").main, v1);
    EXPECT_EQ(registry.find({"svc", "2.0.0"}), v2);
    EXPECT_EQ(registry.find({"svc", "3.0.0"}), nullptr);

    json list = ServiceViews::list(registry);
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0]["version"], "0.9.0");
    EXPECT_EQ(list[0]["status"], "failed");
    EXPECT_EQ(list[0]["error"], "broken");
    EXPECT_EQ(list[1]["main"], true);
    EXPECT_EQ(list[2]["main"], false);
}

TEST_F(ServiceRegistryTest, AssignAndRemoveUnderTheFirstPolicy) {
    ServiceRegistry registry;
    auto v1 = ready("1.0.0");
    auto v2 = ready("2.0.0");
    registry.publish(v1);
    registry.publish(v2);
    EXPECT_EQ(registry.mainVersion("svc"), "1.0.0");
    EXPECT_EQ(registry.assign({"svc", "2.0.0"}), ServiceRegistry::AssignResult::Ok);
    EXPECT_EQ(registry.mainVersion("svc"), "2.0.0");
    EXPECT_EQ(registry.assign({"svc", "3.0.0"}), ServiceRegistry::AssignResult::UnknownVersion);
    EXPECT_EQ(registry.assign({"other", "1.0.0"}), ServiceRegistry::AssignResult::UnknownService);

    EXPECT_EQ(registry.remove({"svc", "2.0.0"}), v2);
    EXPECT_EQ(v2->state(), VersionState::Draining);
    EXPECT_FALSE(registry.mainVersion("svc"));
    EXPECT_EQ(registry.remove({"svc", "2.0.0"}), nullptr);
    // A draining version is listed until its last user lets go.
    json list = ServiceViews::list(registry);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1]["status"], "draining");
    v2.reset();
    EXPECT_EQ(ServiceViews::list(registry).size(), 1u);

    registry.remove({"svc", "1.0.0"});
    EXPECT_EQ(registry.snapshot()->count("svc"), 0u);
}

TEST_F(ServiceRegistryTest, NewestPolicyPromotesHigherVersions) {
    ServiceRegistry registry(ServiceRegistry::Promotion::Newest);
    registry.publish(ready("1.0.0"));
    registry.publish(ready("2.0.0"));
    EXPECT_EQ(registry.mainVersion("svc"), "2.0.0");
    registry.publish(ready("1.5.0"));
    EXPECT_EQ(registry.mainVersion("svc"), "2.0.0");
    registry.remove({"svc", "2.0.0"});
    EXPECT_EQ(registry.mainVersion("svc"), "1.5.0");
    EXPECT_EQ(ServiceRegistry::parsePromotion("newest"), ServiceRegistry::Promotion::Newest);
    EXPECT_FALSE(ServiceRegistry::parsePromotion("latest"));
}

TEST_F(ServiceRegistryTest, ReplacingABuildKeepsItMainAndAFailedReplacementIsRefused) {
    ServiceRegistry registry;
    auto first = ready("1.0.0");
    registry.publish(first);
    auto rebuilt = ready("1.0.0");
    auto result = registry.publish(rebuilt);
    EXPECT_TRUE(result.published);
    EXPECT_EQ(result.replaced, first);
    EXPECT_EQ(first->state(), VersionState::Draining);
    EXPECT_EQ(registry.snapshot()->at("svc").main, rebuilt);

    auto broken =
        std::make_shared<ServiceVersion>(ServiceId{"svc", "1.0.0"}, Artifact{}, services_);
    broken->markFailed("not an ELF file");
    EXPECT_FALSE(registry.publish(broken).published);
    EXPECT_EQ(registry.snapshot()->at("svc").main, rebuilt);
    EXPECT_EQ(ServiceViews::version(*registry.find({"svc", "1.0.0"}), true)["reload_error"],
              "not an ELF file");
}

TEST_F(ServiceRegistryTest, ACommitSeesTheChangeFirstAndAFailedOneChangesNothing) {
    ServiceRegistry registry;
    auto v1 = ready("1.0.0");
    auto v2 = ready("2.0.0");
    auto refuse = [](const ServiceRegistry::Route*) { throw std::runtime_error("disk full"); };

    // Publish: the commit sees the route as it will be; when it throws, nothing is published.
    EXPECT_THROW(registry.publish(v1, refuse), std::runtime_error);
    EXPECT_EQ(registry.snapshot()->count("svc"), 0u);
    std::optional<std::string> seenMain;
    registry.publish(v1, [&](const ServiceRegistry::Route* next) {
        ASSERT_NE(next, nullptr);
        seenMain = next->main ? next->main->id().version : "";
        // Not yet visible to readers.
        EXPECT_EQ(registry.snapshot()->count("svc"), 0u);
    });
    EXPECT_EQ(seenMain, "1.0.0");
    registry.publish(v2);

    // Assign: refused, 1.0.0 stays main; then it goes through.
    EXPECT_THROW(registry.assign({"svc", "2.0.0"}, refuse), std::runtime_error);
    EXPECT_EQ(registry.mainVersion("svc"), "1.0.0");
    registry.assign({"svc", "2.0.0"}, [&](const ServiceRegistry::Route* next) {
        EXPECT_EQ(next->main, v2);
        EXPECT_EQ(registry.mainVersion("svc"), "1.0.0");
    });
    EXPECT_EQ(registry.mainVersion("svc"), "2.0.0");

    // Remove: refused, the version stays and keeps serving; the last removal sees no route.
    EXPECT_THROW(registry.remove({"svc", "1.0.0"}, refuse), std::runtime_error);
    EXPECT_EQ(registry.find({"svc", "1.0.0"}), v1);
    EXPECT_EQ(v1->state(), VersionState::Ready);
    registry.remove({"svc", "1.0.0"});
    bool sawNoRoute = false;
    registry.remove({"svc", "2.0.0"},
                    [&](const ServiceRegistry::Route* next) { sawNoRoute = next == nullptr; });
    EXPECT_TRUE(sawNoRoute);
    EXPECT_EQ(registry.snapshot()->count("svc"), 0u);
}

TEST_F(ServiceRegistryTest, RemoveAllEmptiesTheTableAndDrainsTheReadyVersions) {
    ServiceRegistry registry;
    auto v1 = ready("1.0.0");
    auto v2 = ready("2.0.0");
    auto failed =
        std::make_shared<ServiceVersion>(ServiceId{"other", "1.0.0"}, Artifact{}, services_);
    failed->markFailed("broken");
    registry.publish(v1);
    registry.publish(v2);
    registry.publish(failed);

    auto removed = registry.removeAll();
    EXPECT_EQ(removed.size(), 3u);
    EXPECT_TRUE(registry.snapshot()->empty());
    EXPECT_EQ(v1->state(), VersionState::Draining);
    EXPECT_EQ(v2->state(), VersionState::Draining);
    EXPECT_EQ(failed->state(), VersionState::Failed);
    EXPECT_TRUE(registry.removeAll().empty());
}

}  // namespace
}  // namespace mvi::host
