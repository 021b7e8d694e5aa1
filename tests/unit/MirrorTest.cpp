// The mirror queue, served by the dispatcher: copies are served after the fact, a full queue
// drops and counts, and a failing shadow is counted without affecting anything else.

#include "mirror/Mirror.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "HostProcess.h"
#include "dispatch/Dispatcher.h"
#include "http/ServiceViews.h"
#include "plugin/HostApi.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

using nlohmann::json;

// A gate the blocking handler waits at until the test opens it.
struct Gate {
    std::mutex mutex;
    std::condition_variable opened;
    bool open = false;
    int entered = 0;
};
Gate gate;

mvi_status blockingHandler(mvi_plugin_userdata*, mvi_call* call, mvi_str) {
    std::unique_lock lock(gate.mutex);
    ++gate.entered;
    gate.opened.wait(lock, [] { return gate.open; });
    return hostApi().call_result(call, mvi_str{"1", 1});
}

mvi_status failingHandler(mvi_plugin_userdata*, mvi_call*, mvi_str) {
    return MVI_ERROR;
}

mvi_status slowHandler(mvi_plugin_userdata*, mvi_call* call, mvi_str) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return hostApi().call_result(call, mvi_str{"1", 1});
}

class MirrorTest : public ::testing::Test {
  protected:
    std::shared_ptr<ServiceVersion> shadow(mvi_plugin_entrypoint_fn handler) {
        auto version =
            std::make_shared<ServiceVersion>(ServiceId{"svc", "2.0.0"}, Artifact{}, services_);
        Entrypoint entrypoint;
        entrypoint.name = "work";
        entrypoint.arguments = json::array();
        entrypoint.resultSchema = json::object();
        entrypoint.handler = handler;
        version->addEntrypoint(entrypoint);
        version->markReady();
        return version;
    }

    /// A dispatcher whose mirror queues `capacity` copies for `threads` threads.
    std::unique_ptr<Dispatcher> dispatcher(std::size_t capacity, unsigned threads) {
        return std::make_unique<Dispatcher>(registry_, 8, MirrorSettings{capacity, threads});
    }

    static json stats(const ServiceVersion& version) {
        return ServiceViews::version(version, false)["stats"];
    }

    ServiceRegistry registry_;
    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    HostServices services_{logs_, notifications_};
};

TEST_F(MirrorTest, AFullQueueDropsAndCountsWithoutWaiting) {
    auto version = shadow(blockingHandler);
    {
        auto owner = dispatcher(2, 1);
        Mirror& mirror = owner->mirror();
        EXPECT_TRUE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
        // The single worker is inside the shadow now; the next two copies wait in the queue.
        ASSERT_TRUE(mvi::test::waitFor([] {
            std::lock_guard lock(gate.mutex);
            return gate.entered == 1;
        }));
        EXPECT_TRUE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
        EXPECT_TRUE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
        EXPECT_FALSE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
        EXPECT_EQ(mirror.dropped(), 1u);
        {
            std::lock_guard lock(gate.mutex);
            gate.open = true;
        }
        gate.opened.notify_all();
        ASSERT_TRUE(mvi::test::waitFor([&] { return mirror.sent() == 3; }));
        EXPECT_EQ(mirror.failed(), 0u);
    }
    EXPECT_EQ(stats(*version)["mirrored"], 3);
}

TEST_F(MirrorTest, FailuresAndMissingEntrypointsAreCounted) {
    auto version = shadow(failingHandler);
    auto owner = dispatcher(8, 2);
    Mirror& mirror = owner->mirror();
    EXPECT_TRUE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
    EXPECT_TRUE(mirror.enqueue({version, "absent", json::object(), {}, nullptr}));
    ASSERT_TRUE(mvi::test::waitFor([&] { return mirror.sent() == 2; }));
    EXPECT_EQ(mirror.failed(), 2u);
    EXPECT_EQ(stats(*version)["mirror_errors"], 2);
}

TEST_F(MirrorTest, StopServesWhatIsQueuedThenRefusesNewCopies) {
    auto version = shadow(slowHandler);
    auto owner = dispatcher(8, 1);
    Mirror& mirror = owner->mirror();
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
    }
    EXPECT_EQ(mirror.stop(Mirror::Clock::now() + std::chrono::seconds(20)), 0u);
    EXPECT_EQ(mirror.sent(), 4u);
    EXPECT_EQ(mirror.dropped(), 0u);
    EXPECT_FALSE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
    EXPECT_EQ(mirror.dropped(), 1u);
    // Every copy let go of its shadow.
    EXPECT_EQ(version.use_count(), 1);
}

TEST_F(MirrorTest, StopDropsWhatIsStillQueuedAtItsDeadline) {
    auto version = shadow(slowHandler);
    auto owner = dispatcher(8, 1);
    Mirror& mirror = owner->mirror();
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(mirror.enqueue({version, "work", json::object(), {}, nullptr}));
    }
    std::size_t dropped = mirror.stop(Mirror::Clock::now() + std::chrono::milliseconds(150));
    EXPECT_GE(dropped, 2u);
    EXPECT_EQ(mirror.sent() + dropped, 5u);
    EXPECT_EQ(mirror.dropped(), dropped);
    EXPECT_EQ(version.use_count(), 1);
}

}  // namespace
}  // namespace mvi::host
