// BackgroundTask: a step's exception, whatever its type, is caught, logged with the thread's name
// and counted for that name; `loop` enters the body again until it returns normally.

#include "core/BackgroundTask.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/Net/NetException.h>
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mvi::host {
namespace {

/// Keeps the messages logged on it.
class CapturingChannel : public Poco::Channel {
  public:
    void log(const Poco::Message& message) override {
        std::lock_guard lock(mutex_);
        messages_.push_back(message.getText());
    }

    std::vector<std::string> messages() const {
        std::lock_guard lock(mutex_);
        return messages_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> messages_;
};

/// Captures what is logged on the `mvi` logger while it lives.
class CapturedLog {
  public:
    CapturedLog()
        : logger_(Poco::Logger::get("mvi")),
          previous_(logger_.getChannel()),
          channel_(new CapturingChannel) {
        logger_.setChannel(channel_);
    }
    ~CapturedLog() { logger_.setChannel(previous_); }

    std::vector<std::string> messages() const { return channel_->messages(); }

  private:
    Poco::Logger& logger_;
    Poco::AutoPtr<Poco::Channel> previous_;
    Poco::AutoPtr<CapturingChannel> channel_;
};

std::uint64_t errorsOf(const std::string& thread) {
    auto errors = BackgroundTask::errors();
    auto found = errors.find(thread);
    return found == errors.end() ? 0 : found->second;
}

bool listed(const std::string& thread) {
    return BackgroundTask::errors().count(thread) != 0;
}

TEST(BackgroundTask, AStepThatReturnsIsNotCounted) {
    int runs = 0;
    EXPECT_TRUE(BackgroundTask::guarded("test-quiet", [&runs] { ++runs; }));
    EXPECT_EQ(runs, 1);
    EXPECT_FALSE(listed("test-quiet"));
}

TEST(BackgroundTask, DeclaredThreadsAreListedWithNoError) {
    BackgroundTask::declare("test-declared");
    BackgroundTask::declare("test-declared");
    ASSERT_TRUE(listed("test-declared"));
    EXPECT_EQ(errorsOf("test-declared"), 0U);
}

TEST(BackgroundTask, AStandardExceptionIsCaughtLoggedAndCounted) {
    CapturedLog log;
    EXPECT_FALSE(
        BackgroundTask::guarded("test-std", [] { throw std::runtime_error("the disk is full"); }));
    EXPECT_EQ(errorsOf("test-std"), 1U);
    auto messages = log.messages();
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_NE(messages[0].find("test-std"), std::string::npos) << messages[0];
    EXPECT_NE(messages[0].find("the disk is full"), std::string::npos) << messages[0];
}

TEST(BackgroundTask, APocoExceptionIsLoggedWithItsDisplayText) {
    CapturedLog log;
    EXPECT_FALSE(BackgroundTask::guarded(
        "test-poco", [] { throw Poco::Net::NetException("connection refused by smtp.example"); }));
    EXPECT_EQ(errorsOf("test-poco"), 1U);
    auto messages = log.messages();
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_NE(messages[0].find("connection refused by smtp.example"), std::string::npos)
        << messages[0];
}

TEST(BackgroundTask, AnythingThrownIsCaught) {
    CapturedLog log;
    EXPECT_FALSE(BackgroundTask::guarded("test-other", [] { throw 42; }));
    EXPECT_FALSE(BackgroundTask::guarded("test-other", [] { throw std::string("text"); }));
    EXPECT_EQ(errorsOf("test-other"), 2U);
    auto messages = log.messages();
    ASSERT_EQ(messages.size(), 2U);
    EXPECT_NE(messages[0].find("test-other"), std::string::npos) << messages[0];
    EXPECT_NE(messages[0].find("unknown type"), std::string::npos) << messages[0];
}

TEST(BackgroundTask, CountsAreKeptPerThread) {
    CapturedLog log;
    BackgroundTask::guarded("test-first", [] { throw std::logic_error("one"); });
    BackgroundTask::guarded("test-second", [] { throw std::logic_error("two"); });
    BackgroundTask::guarded("test-second", [] { throw std::logic_error("three"); });
    EXPECT_EQ(errorsOf("test-first"), 1U);
    EXPECT_EQ(errorsOf("test-second"), 2U);
}

TEST(BackgroundTask, CountingIsSafeFromManyThreads) {
    CapturedLog log;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([] {
            for (int i = 0; i < 50; ++i) {
                BackgroundTask::guarded("test-parallel", [] { throw std::runtime_error("x"); });
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(errorsOf("test-parallel"), 200U);
}

TEST(BackgroundTask, LoopEntersTheBodyAgainUntilItReturns) {
    CapturedLog log;
    int entries = 0;
    BackgroundTask::loop("test-loop", [&entries] {
        ++entries;
        if (entries < 3) {
            throw std::runtime_error("not yet");
        }
    });
    EXPECT_EQ(entries, 3);
    EXPECT_EQ(errorsOf("test-loop"), 2U);
    EXPECT_EQ(log.messages().size(), 2U);
}

TEST(BackgroundTask, ALoopThatReturnsAtOnceRunsOnce) {
    int entries = 0;
    BackgroundTask::loop("test-loop-once", [&entries] { ++entries; });
    EXPECT_EQ(entries, 1);
    EXPECT_EQ(errorsOf("test-loop-once"), 0U);
}

}  // namespace
}  // namespace mvi::host
