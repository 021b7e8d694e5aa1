// StreamFeed: the bounded, never-waiting queue between a service writing a streamed answer and
// the HTTP front sending it.

#include "core/StreamFeed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace mvi::host {
namespace {

using namespace std::chrono_literals;

TEST(StreamFeed, WritesAreTakenInOrderAndTheEndComesAfterThem) {
    StreamFeed feed(64);
    EXPECT_EQ(feed.write("one "), StreamFeed::Offer::Queued);
    EXPECT_EQ(feed.write("two"), StreamFeed::Offer::Queued);
    feed.end();
    EXPECT_EQ(feed.write("late"), StreamFeed::Offer::Closed);
    std::string out;
    EXPECT_EQ(feed.take(out, nullptr), StreamFeed::Take::Data);
    EXPECT_EQ(out, "one two");
    EXPECT_EQ(feed.take(out, nullptr), StreamFeed::Take::Ended);
}

TEST(StreamFeed, AWriteThatDoesNotFitIsRefusedWholeUntilTheFrontTakes) {
    StreamFeed feed(10);
    EXPECT_EQ(feed.write("123456"), StreamFeed::Offer::Queued);
    EXPECT_EQ(feed.write("78901"), StreamFeed::Offer::Full);
    EXPECT_EQ(feed.pending(), 6u);
    EXPECT_EQ(feed.write("12345678901"), StreamFeed::Offer::TooLarge);
    std::string out;
    feed.take(out, nullptr);
    EXPECT_EQ(feed.write("78901"), StreamFeed::Offer::Queued);
}

TEST(StreamFeed, AWaitingFrontIsWokenOnceByTheNextWriteOrTheEnd) {
    StreamFeed feed(64);
    int woken = 0;
    std::string out;
    EXPECT_EQ(feed.take(out, [&woken] { ++woken; }), StreamFeed::Take::Waiting);
    EXPECT_EQ(woken, 0);
    feed.write("a");
    feed.write("b");
    EXPECT_EQ(woken, 1);
    EXPECT_EQ(feed.take(out, [&woken] { ++woken; }), StreamFeed::Take::Data);
    EXPECT_EQ(feed.take(out, [&woken] { ++woken; }), StreamFeed::Take::Waiting);
    feed.end();
    EXPECT_EQ(woken, 2);
    EXPECT_EQ(out, "ab");
}

TEST(StreamFeed, ClosingDropsWhatIsPendingRefusesWritesAndForgetsTheWakeUp) {
    StreamFeed feed(64);
    bool woken = false;
    std::string out;
    feed.take(out, [&woken] { woken = true; });
    feed.close();
    EXPECT_EQ(feed.write("x"), StreamFeed::Offer::Closed);
    EXPECT_FALSE(woken);
    EXPECT_TRUE(feed.over());
    EXPECT_EQ(feed.take(out, nullptr), StreamFeed::Take::Ended);
    EXPECT_EQ(out, "");
}

TEST(StreamFeed, AThreadWaitingIsWokenByAWriteFromAnother) {
    StreamFeed feed(64);
    std::thread writer([&feed] {
        std::this_thread::sleep_for(20ms);
        feed.write("hello");
        feed.end();
    });
    std::string out;
    StreamFeed::Take taken = StreamFeed::Take::Waiting;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (taken != StreamFeed::Take::Ended && std::chrono::steady_clock::now() < deadline) {
        taken = feed.wait(out, 1s);
    }
    writer.join();
    EXPECT_EQ(out, "hello");
    EXPECT_EQ(taken, StreamFeed::Take::Ended);
}

TEST(StreamFeed, ConcurrentWritersNeverLoseOrInterleaveAWrite) {
    StreamFeed feed(1 << 20);
    std::atomic<int> queued{0};
    auto write = [&](char c) {
        for (int i = 0; i < 1000; ++i) {
            if (feed.write(std::string(8, c)) == StreamFeed::Offer::Queued) {
                ++queued;
            }
        }
    };
    std::thread a(write, 'a');
    std::thread b(write, 'b');
    std::string out;
    while (queued.load() < 2000) {
        feed.wait(out, 10ms);
    }
    a.join();
    b.join();
    feed.take(out, nullptr);
    ASSERT_EQ(out.size(), 16000u);
    for (std::size_t i = 0; i < out.size(); i += 8) {
        EXPECT_EQ(out.substr(i, 8), std::string(8, out[i]));
    }
}

}  // namespace
}  // namespace mvi::host
