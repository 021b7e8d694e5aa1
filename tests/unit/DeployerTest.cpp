// The deployer on real plugins, a real state database and a real plugins folder: what it
// deploys, assigns and sets is recorded, so a new host on the same data (as after a restart)
// serves the same versions with the same main and parameter values; a build that fails to load
// never replaces a serving one; a failed upload changes nothing; a main with shadows cannot be
// killed.

#include "lifecycle/Deployer.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "HostProcess.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// The parts of a host the deployer works with, on the data folder `work`.
struct Deployment {
    explicit Deployment(const std::string& work)
        : logs((fs::path(work) / "logs").string(), LogStore::Settings{}, Poco::Logger::get("test")),
          database(Database::open((fs::path(work) / "mvi.db").string())),
          state(database),
          quarantine(database),
          loader((fs::path(work) / "cache").string(), HostServices{logs, notifications}, {},
                 unloader, Poco::Logger::get("test")),
          deployer(registry, loader, state, quarantine, Poco::Logger::get("test")) {}

    std::shared_ptr<ServiceVersion> main(const std::string& name) const {
        auto table = registry.snapshot();
        auto found = table->find(name);
        return found == table->end() ? nullptr : found->second.main;
    }

    LogStore logs;
    NotificationStore notifications;
    std::shared_ptr<Database> database;
    StateStore state;
    QuarantineStore quarantine;
    Unloader unloader{Poco::Logger::get("test")};
    ServiceRegistry registry;
    PluginLoader loader;
    Deployer deployer;
};

class DeployerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        work_ = mvi::test::makeTemporaryDirectory();
        plugins_ = (fs::path(work_) / "plugins").string();
        fs::create_directories(plugins_);
        host_ = std::make_unique<Deployment>(work_);
    }

    void TearDown() override {
        host_.reset();
        fs::remove_all(work_);
    }

    /// Copies a built fixture into the plugins folder as `fileName`; returns its path.
    std::string install(const std::string& target, const std::string& fileName) {
        mvi::test::installPlugin(mvi::test::builtPlugin(target), plugins_, fileName);
        return (fs::path(plugins_) / fileName).string();
    }

    /// A new host on the same data and plugins folder, started up as the real one is.
    void restart() {
        host_.reset();
        host_ = std::make_unique<Deployment>(work_);
        host_->deployer.syncFolder(plugins_);
        host_->deployer.restoreMains();
    }

    std::string work_;
    std::string plugins_;
    std::unique_ptr<Deployment> host_;
};

TEST_F(DeployerTest, DeploymentsMainsAndParametersSurviveARestart) {
    std::string v1 = install("fixture_counter_v1", "counter_1.0.0.so");
    std::string v2 = install("fixture_counter_v2", "counter_2.0.0.so");
    host_->deployer.syncFolder(plugins_);
    host_->deployer.restoreMains();
    ASSERT_TRUE(host_->main("counter"));
    EXPECT_EQ(host_->main("counter")->id().version, "1.0.0");

    auto second = host_->registry.find({"counter", "2.0.0"});
    ASSERT_TRUE(second);
    EXPECT_EQ(host_->deployer.assign({"counter", "2.0.0"}), ServiceRegistry::AssignResult::Ok);
    EXPECT_EQ(host_->deployer.setParameter(*second, "secret", 7), ParameterSet::SetResult::Ok);
    EXPECT_EQ(*second->parameters().get("secret"), 7);
    // A version goes back to the unloader of the host that loaded it.
    second.reset();

    restart();
    auto main = host_->main("counter");
    ASSERT_TRUE(main);
    EXPECT_EQ(main->id().version, "2.0.0");
    EXPECT_EQ(*main->parameters().get("secret"), 7);
    EXPECT_EQ(*host_->registry.find({"counter", "1.0.0"})->parameters().get("secret"), 42);
}

TEST_F(DeployerTest, ABuildThatFailsToLoadNeverReplacesTheServingOne) {
    std::string path = install("fixture_counter_v1", "counter_1.0.0.so");
    auto serving = host_->deployer.deployFile({"counter", "1.0.0"}, path);
    ASSERT_EQ(serving->state(), VersionState::Ready) << serving->error();

    std::ofstream(path, std::ios::trunc) << "not a shared object";
    host_->deployer.deployFile({"counter", "1.0.0"}, path);
    auto still = host_->registry.find({"counter", "1.0.0"});
    EXPECT_EQ(still, serving);
    EXPECT_EQ(still->state(), VersionState::Ready);
    EXPECT_FALSE(still->reloadError().empty());
    EXPECT_EQ(host_->deployer.swaps(), 0u);

    install("fixture_counter_v2", "counter_1.0.0.so");
    auto replaced = host_->deployer.deployFile({"counter", "1.0.0"}, path);
    EXPECT_NE(replaced, serving);
    EXPECT_EQ(replaced->state(), VersionState::Ready) << replaced->error();
    EXPECT_EQ(serving->state(), VersionState::Draining);
    EXPECT_EQ(host_->deployer.swaps(), 1u);
}

TEST_F(DeployerTest, AFailedUploadChangesNothing) {
    std::string staged = (fs::path(plugins_) / ".upload-counter").string();
    std::ofstream(staged) << "not a shared object";
    std::string target = (fs::path(plugins_) / "counter_1.0.0.so").string();
    auto result = host_->deployer.deployUpload({"counter", "1.0.0"}, staged, target);
    EXPECT_EQ(result.outcome, Deployer::UploadResult::Outcome::Failed);
    EXPECT_FALSE(result.reason.empty());
    EXPECT_FALSE(fs::exists(target));
    EXPECT_EQ(host_->registry.find({"counter", "1.0.0"}), nullptr);
    EXPECT_TRUE(host_->state.deployments().empty());

    restart();
    EXPECT_EQ(host_->registry.find({"counter", "1.0.0"}), nullptr);
}

TEST_F(DeployerTest, AMainWithShadowsCannotBeKilledAndAKilledShadowIsForgotten) {
    std::string v1 = install("fixture_counter_v1", "counter_1.0.0.so");
    std::string v2 = install("fixture_counter_v2", "counter_2.0.0.so");
    host_->deployer.syncFolder(plugins_);
    host_->deployer.restoreMains();

    EXPECT_EQ(host_->deployer.kill({"counter", "1.0.0"}, v1),
              Deployer::KillResult::MainWithShadows);
    EXPECT_EQ(host_->deployer.kill({"counter", "9.0.0"}, ""), Deployer::KillResult::UnknownVersion);
    EXPECT_EQ(host_->deployer.kill({"nothing", "1.0.0"}, ""), Deployer::KillResult::UnknownService);
    EXPECT_EQ(host_->deployer.kill({"counter", "2.0.0"}, v2), Deployer::KillResult::Ok);
    EXPECT_FALSE(fs::exists(v2));
    EXPECT_EQ(host_->registry.find({"counter", "2.0.0"}), nullptr);

    restart();
    EXPECT_EQ(host_->registry.find({"counter", "2.0.0"}), nullptr);
    ASSERT_TRUE(host_->main("counter"));
    EXPECT_EQ(host_->main("counter")->id().version, "1.0.0");
}

TEST_F(DeployerTest, AnUploadsEnvironmentIsRecordedKeptByANewBuildAndGoesWithAKill) {
    const ServiceId id{"counter", "1.0.0"};
    const Environment environment = {{"GREETING", "Hej"}, {"EMPTY", ""}};
    std::string staged = (fs::path(plugins_) / ".upload-counter").string();
    fs::copy_file(mvi::test::builtPlugin("fixture_counter_v1"), staged);
    std::string target = (fs::path(plugins_) / "counter_1.0.0.so").string();
    auto result = host_->deployer.deployUpload(id, staged, target, environment);
    ASSERT_EQ(result.outcome, Deployer::UploadResult::Outcome::Deployed) << result.reason;
    EXPECT_EQ(result.version->environment(), environment);
    EXPECT_EQ(host_->state.environment(id), environment);

    // A changed file of the version keeps its environment.
    install("fixture_counter_v2", "counter_1.0.0.so");
    auto replaced = host_->deployer.deployFile(id, target);
    ASSERT_NE(replaced, result.version);
    EXPECT_EQ(replaced->environment(), environment);
    EXPECT_EQ(host_->state.environment(id), environment);
    result.version.reset();
    replaced.reset();

    // So does a restart.
    restart();
    ASSERT_TRUE(host_->registry.find(id));
    EXPECT_EQ(host_->registry.find(id)->environment(), environment);

    // A file dropped into the folder has none, and a killed version's goes with it.
    std::string dropped = install("fixture_counter_v1", "counter_2.0.0.so");
    auto shadow = host_->deployer.deployFile({"counter", "2.0.0"}, dropped);
    EXPECT_TRUE(shadow->environment().empty());
    shadow.reset();
    EXPECT_EQ(host_->deployer.kill({"counter", "2.0.0"}, dropped), Deployer::KillResult::Ok);
    EXPECT_EQ(host_->deployer.kill(id, target), Deployer::KillResult::Ok);
    EXPECT_TRUE(host_->state.environment(id).empty());
    install("fixture_counter_v1", "counter_1.0.0.so");
    auto again = host_->deployer.deployFile(id, target);
    EXPECT_TRUE(again->environment().empty());
}

}  // namespace
}  // namespace mvi::host
