// The dispatcher on a real registry of in-process versions: a call by name is answered by the
// main version and copied to each ready shadow through the same call path, a call by version
// reaches that version only, every call is counted once where it was served, lookups fail with
// the HTTP answers the routes give, and nested service calls are bounded.

#include "dispatch/Dispatcher.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "core/CallChain.h"
#include "core/HttpError.h"
#include "plugin/HostApi.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

using nlohmann::json;

// Answers the version it belongs to (its userdata is that version's text).
mvi_status answerVersion(mvi_plugin_userdata* userdata, mvi_call* call, mvi_str) {
    std::string answer = json(*reinterpret_cast<std::string*>(userdata)).dump();
    return hostApi().call_result(call, mvi_str{answer.data(), answer.size()});
}

// Answers the chain of services running on this thread.
mvi_status answerChain(mvi_plugin_userdata*, mvi_call* call, mvi_str) {
    std::string answer = json(CallChain::current()).dump();
    return hostApi().call_result(call, mvi_str{answer.data(), answer.size()});
}

class DispatcherTest : public ::testing::Test {
  protected:
    /// A ready version `name` `version` with the entrypoints `version` (answers its version)
    /// and `chain` (answers the call chain), published in the registry.
    std::shared_ptr<ServiceVersion> deploy(const std::string& name, const std::string& version,
                                           bool withEntrypoints = true) {
        auto created =
            std::make_shared<ServiceVersion>(ServiceId{name, version}, Artifact{}, services_);
        if (withEntrypoints) {
            texts_.push_back(std::make_unique<std::string>(version));
            created->addEntrypoint(
                entrypoint("version", answerVersion,
                           reinterpret_cast<mvi_plugin_userdata*>(texts_.back().get())));
            created->addEntrypoint(entrypoint("chain", answerChain, nullptr));
        }
        created->markReady();
        registry_.publish(created);
        return created;
    }

    static Entrypoint entrypoint(const std::string& name, mvi_plugin_entrypoint_fn handler,
                                 mvi_plugin_userdata* userdata) {
        Entrypoint entrypoint;
        entrypoint.name = name;
        entrypoint.arguments = json::array();
        entrypoint.resultSchema = json::object();
        entrypoint.handler = handler;
        entrypoint.userdata = userdata;
        return entrypoint;
    }

    /// Resolves and calls, mirroring by-name calls, as the HTTP route does.
    CallResult call(const std::string& svc, const std::string& entrypoint) {
        Dispatcher::Route route = dispatcher_.resolve(svc, entrypoint);
        CallResult result = dispatcher_.call(route, json::object());
        dispatcher_.mirror(route, json::object());
        return result;
    }

    static int httpStatus(const std::function<void()>& action) {
        try {
            action();
        } catch (const HttpError& error) {
            return error.status();
        }
        return 0;
    }

    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    HostServices services_{logs_, notifications_};
    std::vector<std::unique_ptr<std::string>> texts_;
    ServiceRegistry registry_;
    Dispatcher dispatcher_{registry_, 3, MirrorSettings{16, 2}};
};

TEST_F(DispatcherTest, ACallByNameIsAnsweredByTheMainAndCopiedToEachReadyShadow) {
    auto main = deploy("svc", "1.0.0");
    auto shadow = deploy("svc", "2.0.0");
    auto failed =
        std::make_shared<ServiceVersion>(ServiceId{"svc", "3.0.0"}, Artifact{}, services_);
    failed->markFailed("broken");
    registry_.publish(failed);

    CallResult result = call("svc", "version");
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, "1.0.0");
    ASSERT_TRUE(mvi::test::waitFor([&] { return dispatcher_.mirror().sent() == 1; }));
    EXPECT_EQ(dispatcher_.mirror().failed(), 0u);

    EXPECT_EQ(main->calls().served.snapshot().requests, 1u);
    EXPECT_EQ(main->calls().mirrored.snapshot().requests, 0u);
    EXPECT_EQ(shadow->calls().served.snapshot().requests, 0u);
    EXPECT_EQ(shadow->calls().mirrored.snapshot().requests, 1u);
    // The entrypoint's own counter sees every call it ran, direct or mirrored.
    EXPECT_EQ(shadow->entrypoint("version")->stats->snapshot().requests, 1u);
}

TEST_F(DispatcherTest, ACallByVersionReachesThatVersionOnly) {
    auto main = deploy("svc", "1.0.0");
    auto other = deploy("svc", "2.0.0");
    CallResult result = call("svc_2.0.0", "version");
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, "2.0.0");
    dispatcher_.mirror().stop(Mirror::Clock::now() + std::chrono::seconds(20));
    EXPECT_EQ(dispatcher_.mirror().sent(), 0u);
    EXPECT_EQ(other->calls().served.snapshot().requests, 1u);
    EXPECT_EQ(main->calls().served.snapshot().requests, 0u);
}

TEST_F(DispatcherTest, AShadowWithoutTheEntrypointCountsAsAMirrorError) {
    deploy("svc", "1.0.0");
    auto shadow = deploy("svc", "2.0.0", false);
    EXPECT_EQ(call("svc", "version").status, 200);
    ASSERT_TRUE(mvi::test::waitFor([&] { return dispatcher_.mirror().sent() == 1; }));
    EXPECT_EQ(dispatcher_.mirror().failed(), 1u);
    EXPECT_EQ(shadow->calls().mirrored.snapshot().serverErrors, 1u);
}

TEST_F(DispatcherTest, LookupsAnswerWhatTheRoutesAnswer) {
    deploy("svc", "1.0.0");
    auto failed =
        std::make_shared<ServiceVersion>(ServiceId{"down", "1.0.0"}, Artifact{}, services_);
    failed->markFailed("its registration failed");
    registry_.publish(failed);

    EXPECT_EQ(httpStatus([&] { dispatcher_.resolve("nothing", "version"); }), 404);
    EXPECT_EQ(httpStatus([&] { dispatcher_.resolve("svc_9.9.9", "version"); }), 404);
    EXPECT_EQ(httpStatus([&] { dispatcher_.resolve("svc", "absent"); }), 404);
    EXPECT_EQ(httpStatus([&] { dispatcher_.resolve("down", "version"); }), 503);
    EXPECT_EQ(httpStatus([&] { dispatcher_.resolve("down_1.0.0", "version"); }), 503);

    CallResult unknown = dispatcher_.callService("nothing", "", "version", json::object());
    EXPECT_EQ(unknown.status, 404);
    EXPECT_TRUE(unknown.body.contains("detail")) << unknown.body;
}

TEST_F(DispatcherTest, AServiceCallRunsWithTheCalleeOnTheChainAndIsBoundedInDepth) {
    deploy("svc", "1.0.0");
    CallResult outer = dispatcher_.callService("svc", "", "chain", json::object());
    EXPECT_EQ(outer.status, 200);
    EXPECT_EQ(outer.body, json::array({"svc"}));

    {
        CallChain::Scope deep({"a", "b", "c"});
        CallResult refused = dispatcher_.callService("svc", "1.0.0", "chain", json::object());
        EXPECT_EQ(refused.status, 508);
        std::string detail = refused.body["detail"].get<std::string>();
        EXPECT_NE(detail.find("a -> b -> c -> svc"), std::string::npos) << detail;
    }
    CallChain::Scope nested({"caller"});
    CallResult inner = dispatcher_.callService("svc", "1.0.0", "chain", json::object());
    EXPECT_EQ(inner.body, json::array({"caller", "svc"}));
}

}  // namespace
}  // namespace mvi::host
