// The scheduler: tasks start when their version is ready, run again and again but never twice at
// once, stop when the version drains, and a run in progress keeps its version alive.

#include "schedule/Scheduler.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "HostProcess.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

// Counts runs and how many ran at the same time.
struct Counter {
    std::atomic<int> runs{0};
    std::atomic<int> running{0};
    std::atomic<int> mostAtOnce{0};
};

mvi_status countingTask(mvi_plugin_userdata* userdata) {
    auto& counter = *reinterpret_cast<Counter*>(userdata);
    int now = ++counter.running;
    int most = counter.mostAtOnce.load();
    while (now > most && !counter.mostAtOnce.compare_exchange_weak(most, now)) {
    }
    ++counter.runs;
    --counter.running;
    return MVI_OK;
}

// A task that waits at a gate until the test opens it.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool open = false;
    int entered = 0;
};

mvi_status gatedTask(mvi_plugin_userdata* userdata) {
    auto& gate = *reinterpret_cast<Gate*>(userdata);
    std::unique_lock lock(gate.mutex);
    ++gate.entered;
    gate.changed.notify_all();
    gate.changed.wait(lock, [&gate] { return gate.open; });
    return MVI_OK;
}

class SchedulerTest : public ::testing::Test {
  protected:
    std::shared_ptr<ServiceVersion> version() {
        HostServices services = services_;
        services.timers = &scheduler_;
        return std::make_shared<ServiceVersion>(ServiceId{"svc", "1.0.0"}, Artifact{}, services);
    }

    static TimerSpec every(double seconds, mvi_plugin_timer_fn callback, void* userdata) {
        return TimerSpec{"", seconds, false, callback,
                         reinterpret_cast<mvi_plugin_userdata*>(userdata)};
    }

    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    HostServices services_{logs_, notifications_};
    Scheduler scheduler_{4};
};

TEST_F(SchedulerTest, TasksStartWhenTheVersionIsReadyAndNeverOverlap) {
    Counter counter;
    auto svc = version();
    ASSERT_TRUE(svc->addTimer(every(0.001, countingTask, &counter)));
    EXPECT_EQ(scheduler_.size(), 0u) << "a loading version's task waits for markReady";
    svc->markReady();
    EXPECT_EQ(scheduler_.size(), 1u);
    ASSERT_TRUE(mvi::test::waitFor([&] { return counter.runs >= 50; }));
    EXPECT_EQ(counter.mostAtOnce, 1);
}

TEST_F(SchedulerTest, ATaskDeclaredByAVersionThatFailsToLoadNeverStarts) {
    Counter counter;
    auto svc = version();
    ASSERT_TRUE(svc->addTimer(every(0.001, countingTask, &counter)));
    svc->markFailed("its registration failed");
    scheduler_.ready(svc);
    EXPECT_EQ(scheduler_.size(), 0u);
    EXPECT_TRUE(svc->addTimer(every(0.001, countingTask, &counter)));
    EXPECT_EQ(scheduler_.size(), 0u) << "a version out of service starts no task";
}

TEST_F(SchedulerTest, DrainingCancelsAndARunningTaskHoldsItsVersion) {
    Gate gate;
    auto svc = version();
    svc->markReady();
    ASSERT_TRUE(svc->addTimer(every(0.001, gatedTask, &gate)));
    {
        std::unique_lock lock(gate.mutex);
        ASSERT_TRUE(gate.changed.wait_for(lock, std::chrono::seconds(20),
                                          [&gate] { return gate.entered == 1; }));
    }
    svc->markDraining();
    EXPECT_EQ(scheduler_.size(), 0u);
    std::weak_ptr<ServiceVersion> watched = svc;
    svc.reset();
    EXPECT_FALSE(watched.expired()) << "the run in progress holds the version";
    {
        std::lock_guard lock(gate.mutex);
        gate.open = true;
    }
    gate.changed.notify_all();
    ASSERT_TRUE(mvi::test::waitFor([&] { return watched.expired(); }));
    std::lock_guard lock(gate.mutex);
    EXPECT_EQ(gate.entered, 1) << "a cancelled task ran again";
}

TEST_F(SchedulerTest, StopWaitsForTheRunInProgressAndRunsNothingMore) {
    Gate gate;
    auto svc = version();
    svc->markReady();
    ASSERT_TRUE(svc->addTimer(every(0.001, gatedTask, &gate)));
    {
        std::unique_lock lock(gate.mutex);
        ASSERT_TRUE(gate.changed.wait_for(lock, std::chrono::seconds(20),
                                          [&gate] { return gate.entered == 1; }));
    }
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        scheduler_.stop();
        stopped = true;
    });
    {
        std::lock_guard lock(gate.mutex);
        EXPECT_FALSE(stopped) << "stop returned while a run was in progress";
        gate.open = true;
    }
    gate.changed.notify_all();
    stopper.join();
    EXPECT_EQ(scheduler_.size(), 0u);
    Counter counter;
    EXPECT_TRUE(svc->addTimer(every(0.001, countingTask, &counter)));
    EXPECT_EQ(scheduler_.size(), 0u) << "a stopped scheduler takes no new task";
}

TEST_F(SchedulerTest, AVersionWithoutSchedulerRefusesTasks) {
    auto unconnected =
        std::make_shared<ServiceVersion>(ServiceId{"svc", "1.0.0"}, Artifact{}, services_);
    Counter counter;
    EXPECT_FALSE(unconnected->addTimer(every(1, countingTask, &counter)));
}

}  // namespace
}  // namespace mvi::host
