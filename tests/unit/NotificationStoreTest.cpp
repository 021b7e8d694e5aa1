// NotificationStore, Mailer and the e-mail address check: stacking, persistence in a real SQLite
// file, clearing, the e-mail timer rule (with a clock the test moves), and the mailer's message
// and failure handling.

#include "notifications/NotificationStore.h"

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"
#include "notifications/EmailAddress.h"
#include "notifications/Mailer.h"
#include "state/StateStore.h"

namespace mvi::host {
namespace {

using nlohmann::json;

const ServiceId kHello{"hello", "1.0.0"};

/// A clock the test sets, and the stacks handed to the e-mail sender.
class NotificationStoreTest : public ::testing::Test {
  protected:
    void SetUp() override { directory_ = mvi::test::makeTemporaryDirectory(); }

    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    /// A store on the test's database file, with the test's clock and e-mail sender.
    std::unique_ptr<NotificationStore> open(bool email = true) {
        NotificationStore::EmailSender sender;
        if (email) {
            sender = [this](const Notification& notification) {
                std::lock_guard lock(mutex_);
                emailed_.push_back(notification);
            };
        }
        return std::make_unique<NotificationStore>(Database::open(path()), sender,
                                                   [this] { return now(); });
    }

    std::string path() const { return directory_ + "/data/mvi.db"; }

    Poco::Timestamp now() {
        std::lock_guard lock(mutex_);
        return Poco::Timestamp(start_ + seconds_ * 1000000);
    }

    void advance(Poco::Int64 seconds) {
        std::lock_guard lock(mutex_);
        seconds_ += seconds;
    }

    std::vector<Notification> emailed() {
        std::lock_guard lock(mutex_);
        return emailed_;
    }

    std::string directory_;
    std::mutex mutex_;
    const Poco::Int64 start_ = Poco::Timestamp().epochMicroseconds();
    Poco::Int64 seconds_ = 0;
    std::vector<Notification> emailed_;
};

TEST(NotificationStore, StacksRepeatsWithACounter) {
    NotificationStore store;
    store.raise(kHello, Severity::Warning, "greeting the World");
    Notification again = store.raise(kHello, Severity::Warning, "greeting the World");
    store.raise(kHello, Severity::Critical, "greeting the World");
    store.raise(ServiceId{"hello", "2.0.0"}, Severity::Warning, "greeting the World");
    EXPECT_EQ(again.counter, 2u);
    EXPECT_GE(again.lastTime, again.firstTime);
    EXPECT_EQ(store.list().size(), 3u);
    json all = store.toJson();
    ASSERT_TRUE(all.contains(again.id));
    EXPECT_EQ(all[again.id]["counter"], 2);
    EXPECT_EQ(all[again.id]["severity"], 1);
    EXPECT_EQ(all[again.id]["severity_name"], "WARNING");
    EXPECT_EQ(all[again.id]["service_name"], "hello");
    EXPECT_EQ(all[again.id]["service_version"], "1.0.0");
    EXPECT_EQ(all[again.id]["msg"], "greeting the World");
    for (const char* field : {"emails", "timer", "first_timestamp", "timestamp"}) {
        EXPECT_TRUE(all[again.id].contains(field)) << field;
    }
    store.clear();
    EXPECT_TRUE(store.list().empty());
}

TEST(NotificationStore, ParsesSeverityNames) {
    EXPECT_EQ(parseSeverity("INFO"), Severity::Info);
    EXPECT_EQ(parseSeverity("warning"), Severity::Warning);
    EXPECT_EQ(parseSeverity("Critical"), Severity::Critical);
    EXPECT_FALSE(parseSeverity("ERROR"));
    EXPECT_FALSE(parseSeverity(""));
}

TEST_F(NotificationStoreTest, StacksSurviveReopeningTheFile) {
    Notification first;
    Notification second;
    {
        auto store = open();
        first = store->raise(kHello, Severity::Warning, "greeting the World");
        advance(5);
        second =
            store->raise(kHello, Severity::Info, "unicode \u00fc \u2713", {"ops@example.com"}, 30);
        advance(5);
        first = store->raise(kHello, Severity::Warning, "greeting the World");
    }
    auto store = open();
    auto list = store->list();
    ASSERT_EQ(list.size(), 2u);
    // Oldest first.
    EXPECT_EQ(list[0].id, first.id);
    EXPECT_EQ(list[0].counter, 2u);
    EXPECT_EQ(list[0].firstTime, first.firstTime);
    EXPECT_EQ(list[0].lastTime, first.lastTime);
    EXPECT_EQ(list[0].lastTime - list[0].firstTime, 10 * 1000000);
    EXPECT_EQ(list[1].id, second.id);
    EXPECT_EQ(list[1].message, "unicode \u00fc \u2713");
    EXPECT_EQ(list[1].emails, std::vector<std::string>{"ops@example.com"});
    EXPECT_EQ(list[1].timerSeconds, 30);
    EXPECT_EQ(list[1].severity, Severity::Info);
    EXPECT_EQ(store->toJson()[first.id], first.toJson());

    // The counter goes on from the stored one; the id is the same after a reopen.
    Notification third = store->raise(kHello, Severity::Warning, "greeting the World");
    EXPECT_EQ(third.id, first.id);
    EXPECT_EQ(third.counter, 3u);
    EXPECT_EQ(third.firstTime, first.firstTime);
}

TEST_F(NotificationStoreTest, ClearDeletesFromTheFile) {
    {
        auto store = open();
        store->raise(kHello, Severity::Warning, "one");
        store->raise(kHello, Severity::Warning, "two");
        store->clear();
        EXPECT_TRUE(store->list().empty());
    }
    auto store = open();
    EXPECT_TRUE(store->list().empty());
    EXPECT_EQ(store->raise(kHello, Severity::Warning, "one").counter, 1u);
}

TEST_F(NotificationStoreTest, SharesTheFileWithTheStateStore) {
    StateStore state(Database::open(path()));
    auto store = open();
    state.recordDeployment(kHello, "abc");
    store->raise(kHello, Severity::Critical, "Failed to load: reason");
    state.setMain("hello", "1.0.0");
    EXPECT_EQ(state.main("hello"), "1.0.0");
    EXPECT_EQ(store->list().size(), 1u);
}

TEST_F(NotificationStoreTest, ConcurrentRaisesFromTwoConnectionsAreAllCounted) {
    auto first = open(false);
    auto second = open(false);
    constexpr int kRaises = 50;
    std::vector<std::thread> threads;
    for (NotificationStore* store : {first.get(), second.get(), first.get(), second.get()}) {
        threads.emplace_back([store] {
            for (int i = 0; i < kRaises; ++i) {
                store->raise(kHello, Severity::Warning, "busy");
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    auto list = first->list();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].counter, 4u * kRaises);
}

TEST_F(NotificationStoreTest, TimerZeroEmailsEveryRaise) {
    auto store = open();
    store->raise(kHello, Severity::Warning, "again", {"ops@example.com"});
    store->raise(kHello, Severity::Warning, "again", {"ops@example.com"});
    store->raise(kHello, Severity::Warning, "again", {"ops@example.com", "dev@example.com"});
    auto sent = emailed();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[2].counter, 3u);
    EXPECT_EQ(sent[2].emails.size(), 2u);
}

TEST_F(NotificationStoreTest, TimerSilencesRepeatsUntilItHasPassed) {
    auto store = open();
    auto raise = [&store](const std::string& message) {
        store->raise(kHello, Severity::Critical, message, {"ops@example.com"}, 60);
    };
    raise("disk full");  // first occurrence: e-mailed
    advance(30);
    raise("disk full");  // 30 s after the e-mail: silent
    advance(30);
    raise("disk full");  // exactly 60 s: still silent
    raise("other");      // another stack has its own timer
    advance(1);
    raise("disk full");  // 61 s: e-mailed, the timer starts again
    advance(59);
    raise("disk full");                                     // 59 s after the second e-mail: silent
    store->raise(kHello, Severity::Critical, "disk full");  // no address: never e-mailed
    auto sent = emailed();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[0].message, "disk full");
    EXPECT_EQ(sent[0].counter, 1u);
    EXPECT_EQ(sent[1].message, "other");
    EXPECT_EQ(sent[2].message, "disk full");
    EXPECT_EQ(sent[2].counter, 4u);
    EXPECT_EQ(store->list()[0].counter, 6u);
}

TEST_F(NotificationStoreTest, TimerHoldsAcrossReopeningTheFile) {
    open()->raise(kHello, Severity::Warning, "slow", {"ops@example.com"}, 60);
    advance(10);
    open()->raise(kHello, Severity::Warning, "slow", {"ops@example.com"}, 60);
    EXPECT_EQ(emailed().size(), 1u);
    advance(60);
    open()->raise(kHello, Severity::Warning, "slow", {"ops@example.com"}, 60);
    EXPECT_EQ(emailed().size(), 2u);
}

TEST_F(NotificationStoreTest, WithoutASenderNothingIsRecordedAsEmailed) {
    open(false)->raise(kHello, Severity::Warning, "slow", {"ops@example.com"}, 60);
    EXPECT_TRUE(emailed().empty());
    // E-mail turned on later: the first raise is e-mailed.
    open()->raise(kHello, Severity::Warning, "slow", {"ops@example.com"}, 60);
    EXPECT_EQ(emailed().size(), 1u);
}

TEST_F(NotificationStoreTest, RefusesBadAddressesAndTimersWithoutChangingAnything) {
    auto store = open();
    EXPECT_THROW(store->raise(kHello, Severity::Info, "x", {"ops@example.com", "not an address"}),
                 std::invalid_argument);
    EXPECT_THROW(store->raise(kHello, Severity::Info, "x", {"ops@example.com"}, -1),
                 std::invalid_argument);
    EXPECT_THROW(store->raise(kHello, Severity::Info, "x", {}, std::nan("")),
                 std::invalid_argument);
    EXPECT_TRUE(store->list().empty());
    EXPECT_TRUE(emailed().empty());
}

TEST(EmailAddress, AcceptsPlainAddressesOnly) {
    for (const char* good : {"ops@example.com", "first.last+tag@mail.example.org", "root@localhost",
                             "a@b", "o'brien@x-y.example"}) {
        EXPECT_TRUE(isEmailAddress(good)) << good;
    }
    for (const char* bad : {"",
                            "ops",
                            "@example.com",
                            "ops@",
                            "ops@@example.com",
                            "a@b@c",
                            "ops @example.com",
                            "ops@exa mple.com",
                            "Ops <ops@example.com>",
                            "ops@example.com, dev@example.com",
                            "ops@example.com\r\nBcc: x@y",
                            ".ops@example.com",
                            "ops.@example.com",
                            "o..ps@example.com",
                            "ops@.example.com",
                            "ops@example.com.",
                            "ops@exa..mple.com",
                            "ops@-example.com",
                            "ops@example-.com",
                            "ops@exam_ple.com",
                            "\"o p\"@example.com"}) {
        EXPECT_FALSE(isEmailAddress(bad)) << bad;
    }
    EXPECT_FALSE(isEmailAddress(std::string(65, 'a') + "@example.com"));
    EXPECT_FALSE(isEmailAddress("a@" + std::string(250, 'b') + ".com"));
}

TEST(Mailer, SubjectAndBodyNameTheStack) {
    Notification notification;
    notification.id = "0123456789abcdef";
    notification.service = kHello;
    notification.severity = Severity::Warning;
    notification.message = "greeting the World";
    notification.counter = 7;
    EXPECT_EQ(Mailer::subject(notification), "[MVI] WARNING hello 1.0.0");
    std::string body = Mailer::body(notification);
    for (const char* part :
         {"greeting the World", "Service: hello", "Version: 1.0.0", "Severity: WARNING",
          "Counter: 7", "Notification id: 0123456789abcdef"}) {
        EXPECT_NE(body.find(part), std::string::npos) << part;
    }
}

TEST(Mailer, OffWithoutAServer) {
    Mailer mailer(Mailer::Settings{}, Poco::Logger::get("test"));
    EXPECT_FALSE(mailer.enabled());
    EXPECT_FALSE(mailer.sender());
    Notification notification;
    notification.emails = {"ops@example.com"};
    EXPECT_FALSE(mailer.send(notification));
}

TEST(Mailer, AServerThatIsNotThereIsCountedAsAFailureAndNeverThrows) {
    // A port that was free a moment ago: connecting is refused.
    unsigned port = 0;
    {
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = socket.address().port();
    }
    Mailer::Settings settings;
    settings.host = "127.0.0.1";
    settings.port = port;
    settings.timeout = std::chrono::seconds(2);
    Mailer mailer(settings, Poco::Logger::get("test"));
    ASSERT_TRUE(mailer.sender());
    Notification notification;
    notification.service = kHello;
    notification.emails = {"ops@example.com"};
    EXPECT_TRUE(mailer.send(notification));
    EXPECT_TRUE(mvi::test::waitFor([&mailer] { return mailer.failed() == 1; }));
    EXPECT_EQ(mailer.sent(), 0u);
}

}  // namespace
}  // namespace mvi::host
