// The host's one work queue: order, capacity, batches, stopping with a deadline, exceptions kept
// inside, items let go before idle, the periodic tick, which idle thread is woken, and threads
// started on demand.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "HostProcess.h"
#include "core/WorkQueue.h"

namespace mvi::host {
namespace {

using Queue = WorkQueue<int>;
using mvi::test::waitFor;

/// What a queue served, batch by batch.
struct Served {
    std::mutex mutex;
    std::vector<std::vector<int>> batches;

    void add(const std::vector<int>& batch) {
        std::lock_guard lock(mutex);
        batches.push_back(batch);
    }
    std::vector<int> items() {
        std::lock_guard lock(mutex);
        std::vector<int> all;
        for (const auto& batch : batches) {
            all.insert(all.end(), batch.begin(), batch.end());
        }
        return all;
    }
};

/// Holds the serving thread inside `serve` until opened.
struct Gate {
    std::promise<void> opened;
    std::shared_future<void> open = opened.get_future().share();
    std::atomic<int> entered{0};

    void pass() {
        ++entered;
        open.wait();
    }
};

TEST(WorkQueue, ServesItemsInTheOrderTheyCame) {
    Served served;
    Queue queue({"test-queue"}, [&](std::vector<int>& batch) { served.add(batch); });
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(queue.push(i));
    }
    ASSERT_TRUE(queue.waitUntilServed());
    std::vector<int> expected(100);
    for (int i = 0; i < 100; ++i) {
        expected[i] = i;
    }
    EXPECT_EQ(served.items(), expected);
    for (const auto& batch : served.batches) {
        EXPECT_EQ(batch.size(), 1u);
    }
}

TEST(WorkQueue, RefusesPastItsCapacityUnlessAskedToQueueAlways) {
    Gate gate;
    Served served;
    Queue queue({"test-queue", 1, 2}, [&](std::vector<int>& batch) {
        gate.pass();
        served.add(batch);
    });
    ASSERT_TRUE(queue.push(1));
    ASSERT_TRUE(waitFor([&] { return gate.entered == 1; }));
    // The item being served does not count: two may wait.
    EXPECT_TRUE(queue.push(2));
    EXPECT_TRUE(queue.push(3));
    EXPECT_FALSE(queue.push(4));
    EXPECT_EQ(queue.size(), 2u);
    EXPECT_TRUE(queue.push(5, Queue::Admission::Always));
    gate.opened.set_value();
    ASSERT_TRUE(queue.waitUntilServed());
    EXPECT_EQ(served.items(), (std::vector<int>{1, 2, 3, 5}));
}

TEST(WorkQueue, HandsOverBatchesOfAtMostMaxBatch) {
    Gate gate;
    Served served;
    Queue queue({"test-queue", 1, 100, 3}, [&](std::vector<int>& batch) {
        gate.pass();
        served.add(batch);
    });
    ASSERT_TRUE(queue.push(0));
    ASSERT_TRUE(waitFor([&] { return gate.entered == 1; }));
    for (int i = 1; i <= 5; ++i) {
        ASSERT_TRUE(queue.push(i));
    }
    gate.opened.set_value();
    ASSERT_TRUE(queue.waitUntilServed());
    std::lock_guard lock(served.mutex);
    EXPECT_EQ(served.batches, (std::vector<std::vector<int>>{{0}, {1, 2, 3}, {4, 5}}));
}

TEST(WorkQueue, StopServesUntilTheDeadlineAndHandsBackTheRest) {
    Gate gate;
    Served served;
    Queue queue({"test-queue"}, [&](std::vector<int>& batch) {
        gate.pass();
        served.add(batch);
    });
    ASSERT_TRUE(queue.push(1));
    ASSERT_TRUE(waitFor([&] { return gate.entered == 1; }));
    ASSERT_TRUE(queue.push(2));
    ASSERT_TRUE(queue.push(3));

    // The deadline has passed at once: 2 and 3 are handed back; 1, being served, finishes.
    auto stopped = std::async(std::launch::async, [&] { return queue.stop(Queue::Clock::now()); });
    ASSERT_TRUE(waitFor([&] { return queue.size() == 0; }));
    gate.opened.set_value();
    EXPECT_EQ(stopped.get(), (std::vector<int>{2, 3}));
    EXPECT_EQ(served.items(), (std::vector<int>{1}));
    EXPECT_FALSE(queue.push(10));
    EXPECT_TRUE(queue.stop(Queue::Clock::now()).empty());
}

TEST(WorkQueue, StopWithoutADeadlineServesEverything) {
    Served served;
    Queue queue({"test-queue", 2}, [&](std::vector<int>& batch) { served.add(batch); });
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(queue.push(i));
    }
    EXPECT_TRUE(queue.stop(Queue::Clock::time_point::max()).empty());
    EXPECT_EQ(served.items().size(), 50u);
}

TEST(WorkQueue, AnExceptionIsCountedAndTheNextItemIsServed) {
    Served served;
    const auto before = BackgroundTask::errors()["test-throwing-queue"];
    Queue queue({"test-throwing-queue"}, [&](std::vector<int>& batch) {
        if (batch.front() == 1) {
            throw std::runtime_error("item 1 is bad");
        }
        served.add(batch);
    });
    ASSERT_TRUE(queue.push(1));
    ASSERT_TRUE(queue.push(2));
    ASSERT_TRUE(queue.waitUntilServed());
    EXPECT_EQ(served.items(), (std::vector<int>{2}));
    EXPECT_EQ(BackgroundTask::errors()["test-throwing-queue"], before + 1);
}

TEST(WorkQueue, AnItemLetsGoOfWhatItHoldsBeforeTheQueueIsIdle) {
    WorkQueue<std::shared_ptr<int>> queue({"test-queue"}, [](auto&) {});
    auto held = std::make_shared<int>(7);
    std::weak_ptr<int> watch = held;
    ASSERT_TRUE(queue.push(std::move(held)));
    ASSERT_TRUE(queue.waitUntilIdle());
    EXPECT_TRUE(watch.expired());
}

TEST(WorkQueue, TicksWhileIdle) {
    std::atomic<int> ticks{0};
    Queue::Settings settings{"test-queue"};
    settings.tickInterval = std::chrono::milliseconds(5);
    Queue queue(
        settings, [](std::vector<int>&) {}, [&] { ++ticks; });
    EXPECT_TRUE(waitFor([&] { return ticks >= 3; }));
}

TEST(WorkQueue, AnItemWakesTheThreadThatWentIdleLast) {
    // Items one at a time, each served before the next is pushed: with eight threads idle, the
    // same one serves them all (the last to go idle), not each thread in turn.
    std::mutex mutex;
    std::set<std::thread::id> servers;
    Queue::Settings settings{"test-queue", 8};
    Queue queue(settings, [&](std::vector<int>&) {
        std::lock_guard lock(mutex);
        servers.insert(std::this_thread::get_id());
    });
    ASSERT_TRUE(waitFor([&] { return queue.threadsIdle() == 8; }));
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(queue.push(i));
        // Served, and its thread waiting again (it goes idle before the queue counts as idle).
        ASSERT_TRUE(queue.waitUntilIdle());
    }
    std::lock_guard lock(mutex);
    EXPECT_EQ(servers.size(), 1u);
}

TEST(WorkQueue, GrowsOnDemandUpToItsThreadsAndNoFurther) {
    // Threads held inside serve: each item that finds every thread busy starts another, up to
    // `threads`; the items beyond wait in the queue and are served when the gate opens.
    Gate gate;
    std::mutex mutex;
    std::set<std::thread::id> servers;
    Queue::Settings settings{"test-queue", 4};
    settings.growOnDemand = true;
    Queue queue(settings, [&](std::vector<int>&) {
        {
            std::lock_guard lock(mutex);
            servers.insert(std::this_thread::get_id());
        }
        gate.pass();
    });
    for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(queue.push(i));
    }
    ASSERT_TRUE(waitFor([&] { return gate.entered == 4; }));
    EXPECT_EQ(queue.size(), 2u);
    gate.opened.set_value();
    ASSERT_TRUE(queue.waitUntilIdle());
    EXPECT_EQ(gate.entered, 6);
    EXPECT_EQ(queue.threadsStarted(), 4u);
    std::lock_guard lock(mutex);
    EXPECT_EQ(servers.size(), 4u);
}

TEST(WorkQueue, GrowingOnDemandKeepsFewThreadsForOneItemAtATime) {
    Queue::Settings settings{"test-queue", 64};
    settings.growOnDemand = true;
    Queue queue(settings, [&](std::vector<int>&) {});
    EXPECT_EQ(queue.threadsStarted(), 1u);
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(queue.push(i));
        ASSERT_TRUE(queue.waitUntilIdle());
    }
    // One thread, or two when the first item came before the first thread was waiting.
    EXPECT_LE(queue.threadsStarted(), 2u);
}

}  // namespace
}  // namespace mvi::host
