// Service logs on disk: one line per entry, rotation and its size cap, tail and since across
// rotated files, a new store reading what an earlier one wrote, many writers, and followers.
// With `Flush::Interval`: reads and followers see held lines at once, the background writer
// puts them on disk, closing and destroying the store write what is held, and a full buffer
// makes appends write at once.

#include "logs/HostLogChannel.h"
#include "logs/LogStore.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// Keeps the priority and text of every message logged through it.
class CapturingChannel : public Poco::Channel {
  public:
    using Entry = std::pair<Poco::Message::Priority, std::string>;

    void log(const Poco::Message& message) override {
        std::lock_guard lock(mutex_);
        entries_.emplace_back(message.getPriority(), message.getText());
    }

    /// Everything logged so far, oldest first.
    std::vector<Entry> entries() const {
        std::lock_guard lock(mutex_);
        return entries_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Entry> entries_;
};

class LogStoreTest : public ::testing::Test {
  protected:
    void TearDown() override { fs::remove_all(directory_); }

    /// Settings that write each line as it is appended (the tests of what reaches the files
    /// read them at once); the interval tests ask for theirs.
    static LogStore::Settings lineByLine() {
        LogStore::Settings settings;
        settings.flush = LogStore::Flush::Line;
        return settings;
    }

    /// A store on this test's folder.
    std::unique_ptr<LogStore> store(LogStore::Settings settings = lineByLine()) {
        return std::make_unique<LogStore>(directory_, settings, Poco::Logger::get("test"));
    }

    /// Files of `id`'s log on disk: name -> size.
    std::map<std::string, std::uintmax_t> files(const ServiceId& id) const {
        std::map<std::string, std::uintmax_t> result;
        fs::path folder = fs::path(directory_) / id.name;
        if (!fs::exists(folder)) {
            return result;
        }
        for (const auto& entry : fs::directory_iterator(folder)) {
            std::string name = entry.path().filename().string();
            if (name.rfind(id.version + ".log", 0) == 0) {
                result[name] = entry.file_size();
            }
        }
        return result;
    }

    /// A time after every line written so far (and before every line written next).
    static Poco::Timestamp nextInstant() {
        Poco::Timestamp before;
        Poco::Timestamp now;
        while (now <= before) {
            now.update();
        }
        return now;
    }

    /// The message part of a stored line (after the time and the level).
    static std::string message(const std::string& line) {
        std::size_t level = line.find(' ');
        std::size_t text = line.find(' ', level + 1);
        return text == std::string::npos ? "" : line.substr(text + 1);
    }

    /// The lines of `id`'s current log file on disk, as they are now.
    std::vector<std::string> linesOnDisk(const ServiceId& id) const {
        std::vector<std::string> lines;
        std::ifstream file(fs::path(directory_) / id.name / (id.version + ".log"));
        for (std::string line; std::getline(file, line);) {
            lines.push_back(line);
        }
        return lines;
    }

    /// Appends from `threads` threads at once, `lines` each, and checks that `logs` reads every
    /// line, each thread's in order.
    void expectConcurrentAppendsKept(LogStore& logs, int threads, int lines) {
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t) {
            writers.emplace_back([&logs, this, t, lines] {
                for (int i = 0; i < lines; ++i) {
                    logs.append(hello_, LogLevel::Info, fmt::format("{} {}", t, i));
                }
            });
        }
        for (auto& writer : writers) {
            writer.join();
        }
        expectEveryThreadsLinesInOrder(logs.read(hello_, {}), threads, lines);
    }

    /// `all` holds `lines` lines of each of `threads` writers, each writer's in order, in time
    /// order.
    static void expectEveryThreadsLinesInOrder(const std::vector<std::string>& all, int threads,
                                               int lines) {
        ASSERT_EQ(all.size(), static_cast<std::size_t>(threads * lines));
        std::vector<int> next(threads, 0);
        for (const std::string& line : all) {
            std::string text = message(line);
            int thread = std::stoi(text.substr(0, text.find(' ')));
            int number = std::stoi(text.substr(text.find(' ') + 1));
            ASSERT_EQ(number, next[thread]) << "lines of one writer stay in order";
            ++next[thread];
        }
        EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) {
            return a.substr(0, 27) < b.substr(0, 27);
        })) << "lines are in time order";
    }

    /// Settings of a store whose lines are written at intervals of `interval`.
    static LogStore::Settings intervalSettings(std::chrono::milliseconds interval = 1000ms) {
        LogStore::Settings settings = lineByLine();
        settings.flush = LogStore::Flush::Interval;
        settings.flushInterval = interval;
        return settings;
    }

    std::string directory_ = mvi::test::makeTemporaryDirectory();
    ServiceId hello_{"hello", "1.0.0"};
};

TEST_F(LogStoreTest, KeepsEachVersionsLinesInAFileOfItsOwn) {
    auto logs = store();
    ServiceId other{"hello", "2.0.0"};
    for (int i = 0; i < 5; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
    }
    logs->append(other, LogLevel::Warning, "other");

    auto lines = logs->tail(hello_, 10);
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_EQ(message(lines.front()), "line 0");
    EXPECT_EQ(message(lines.back()), "line 4");
    ASSERT_EQ(logs->tail(hello_, 2).size(), 2u);
    EXPECT_EQ(message(logs->tail(hello_, 2)[0]), "line 3");
    EXPECT_TRUE(logs->tail(hello_, 0).empty());
    EXPECT_EQ(logs->read(hello_, {}).size(), 5u);
    EXPECT_TRUE(logs->tail(ServiceId{"nobody", "1.0.0"}, 10).empty());
    EXPECT_FALSE(logs->contains(ServiceId{"nobody", "1.0.0"}));
    EXPECT_TRUE(logs->contains(other));

    // On disk: <dir>/<name>/<version>.log, `<UTC time with microseconds>Z <LEVEL> <message>`.
    std::ifstream file(fs::path(directory_) / "hello" / "2.0.0.log");
    std::string line;
    ASSERT_TRUE(std::getline(file, line));
    EXPECT_TRUE(std::regex_match(
        line, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z WARNING other)")))
        << line;
    EXPECT_EQ(logs->tail(other, 1), std::vector<std::string>{line});
    EXPECT_FALSE(std::getline(file, line));
}

TEST_F(LogStoreTest, MessageOfSeveralLinesBecomesSeveralEntries) {
    auto logs = store();
    logs->append(hello_, LogLevel::Error, "first\nsecond\r\nthird\n");
    logs->append(hello_, LogLevel::Info, "");
    auto lines = logs->read(hello_, {});
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(message(lines[0]), "first");
    EXPECT_EQ(message(lines[1]), "second");
    EXPECT_EQ(message(lines[2]), "third");
    EXPECT_EQ(message(lines[3]), "");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(lines[i].substr(0, 34), lines[0].substr(0, 34)) << "same time and level";
        EXPECT_NE(lines[i].find(" ERROR "), std::string::npos);
    }
}

TEST_F(LogStoreTest, TailAndSinceReadAcrossRotatedFiles) {
    LogStore::Settings settings = lineByLine();
    settings.maxFileBytes = 400;
    settings.maxFiles = 4;
    auto logs = store(settings);
    // Lines are 40 or 41 bytes: ten or nine fill a file; the four files hold all twenty.
    for (int i = 0; i < 10; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
    }
    Poco::Timestamp since = nextInstant();
    for (int i = 10; i < 20; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
    }
    auto onDisk = files(hello_);
    EXPECT_EQ(onDisk.count("1.0.0.log"), 1u);
    EXPECT_EQ(onDisk.count("1.0.0.log.1"), 1u);
    EXPECT_EQ(onDisk.count("1.0.0.log.2"), 1u);

    auto tail = logs->tail(hello_, 15);
    ASSERT_EQ(tail.size(), 15u);
    for (int i = 0; i < 15; ++i) {
        EXPECT_EQ(message(tail[i]), "line " + std::to_string(i + 5));
    }
    auto recent = logs->since(hello_, since);
    ASSERT_EQ(recent.size(), 10u);
    EXPECT_EQ(message(recent.front()), "line 10");
    EXPECT_EQ(message(recent.back()), "line 19");

    LogQuery both;
    both.since = since;
    both.tail = 3;
    auto lastThree = logs->read(hello_, both);
    ASSERT_EQ(lastThree.size(), 3u);
    EXPECT_EQ(message(lastThree.front()), "line 17");
    both.tail = 100;
    EXPECT_EQ(logs->read(hello_, both).size(), 10u);
    EXPECT_TRUE(logs->since(hello_, nextInstant()).empty());
}

TEST_F(LogStoreTest, RotationKeepsTheNewestLinesWithinTheSizeCap) {
    LogStore::Settings settings = lineByLine();
    settings.maxFileBytes = 1024;
    settings.maxFiles = 3;
    auto logs = store(settings);
    for (int i = 0; i < 2000; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
    }
    logs->append(hello_, LogLevel::Info, std::string(5000, 'x'));
    logs->append(hello_, LogLevel::Info, "after the long one");

    auto onDisk = files(hello_);
    EXPECT_EQ(onDisk.size(), 3u);
    std::uintmax_t total = 0;
    for (const auto& [name, size] : onDisk) {
        EXPECT_LE(size, 1024u) << name;
        total += size;
    }
    EXPECT_LE(total, 3u * 1024);

    // What is kept is the newest lines, contiguous, in order.
    auto all = logs->read(hello_, {});
    ASSERT_GE(all.size(), 3u);
    EXPECT_EQ(message(all.back()), "after the long one");
    std::string truncated = message(all[all.size() - 2]);
    EXPECT_EQ(truncated.rfind("xxxx", 0), 0u);
    EXPECT_NE(truncated.find("[line truncated]"), std::string::npos);
    int expected = -1;
    for (std::size_t i = 0; i + 2 < all.size(); ++i) {
        int number = std::stoi(message(all[i]).substr(5));
        if (expected >= 0) {
            EXPECT_EQ(number, expected);
        }
        expected = number + 1;
    }
    EXPECT_EQ(expected, 2000);
}

TEST_F(LogStoreTest, ANewStoreOnTheSameFolderReadsAndContinuesTheLog) {
    LogStore::Settings settings = lineByLine();
    settings.maxFileBytes = 1024;
    settings.maxFiles = 3;
    Poco::Timestamp since;
    {
        auto logs = store(settings);
        for (int i = 0; i < 30; ++i) {
            logs->append(hello_, LogLevel::Info, "before restart " + std::to_string(i));
        }
        since = nextInstant();
        logs->append(hello_, LogLevel::Warning, "last words");
    }
    auto logs = store(settings);
    EXPECT_TRUE(logs->contains(hello_));
    auto tail = logs->tail(hello_, 2);
    ASSERT_EQ(tail.size(), 2u);
    EXPECT_EQ(message(tail[0]), "before restart 29");
    EXPECT_EQ(message(tail[1]), "last words");
    logs->append(hello_, LogLevel::Info, "after restart");
    auto recent = logs->since(hello_, since);
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(message(recent[0]), "last words");
    EXPECT_EQ(message(recent[1]), "after restart");

    // A smaller cap than the previous run's drops the files beyond it at the first write.
    settings.maxFiles = 1;
    auto smaller = store(settings);
    smaller->append(hello_, LogLevel::Info, "capped");
    EXPECT_EQ(files(hello_).size(), 1u);
}

TEST_F(LogStoreTest, ALineCutShortByAnEarlierRunIsNotContinued) {
    {
        auto logs = store();
        logs->append(hello_, LogLevel::Info, "complete");
    }
    // An earlier run died (or its disk filled up) in the middle of a line.
    const fs::path file = fs::path(directory_) / "hello" / "1.0.0.log";
    {
        std::ofstream out(file, std::ios::binary | std::ios::app);
        out << "2026-11-28T10:29:01.123456Z INFO half a li";
    }
    auto logs = store();
    logs->append(hello_, LogLevel::Info, "next");
    auto lines = logs->tail(hello_, 10);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(message(lines[0]), "complete");
    EXPECT_EQ(message(lines[1]), "next");
}

TEST_F(LogStoreTest, ConcurrentAppendsLoseNothing) {
    LogStore::Settings settings = lineByLine();
    settings.maxFileBytes = 64 * 1024;
    settings.maxFiles = 100;
    auto logs = store(settings);
    expectConcurrentAppendsKept(*logs, 8, 500);
    EXPECT_GT(files(hello_).size(), 1u) << "the test must cross rotations";
}

TEST_F(LogStoreTest, TheHostLogGetsWarningsAndErrorsAndOtherLinesOnlyAtDebug) {
    Poco::Logger& host = Poco::Logger::get("test.echo");
    Poco::AutoPtr<CapturingChannel> channel(new CapturingChannel);
    host.setChannel(channel);
    host.setLevel(Poco::Message::PRIO_INFORMATION);
    LogStore logs(directory_, {}, host);
    logs.append(hello_, LogLevel::Info, "greeting");
    logs.append(hello_, LogLevel::Debug, "details");
    logs.append(hello_, LogLevel::Warning, "careful");
    logs.append(hello_, LogLevel::Error, "broken");
    using Entry = CapturingChannel::Entry;
    EXPECT_EQ(channel->entries(),
              (std::vector<Entry>{{Poco::Message::PRIO_WARNING, "[hello 1.0.0] careful"},
                                  {Poco::Message::PRIO_ERROR, "[hello 1.0.0] broken"}}));
    host.setLevel(Poco::Message::PRIO_DEBUG);
    logs.append(hello_, LogLevel::Info, "again");
    ASSERT_EQ(channel->entries().size(), 3u);
    EXPECT_EQ(channel->entries().back(), Entry(Poco::Message::PRIO_DEBUG, "[hello 1.0.0] again"));
    EXPECT_EQ(logs.tail(hello_, 10).size(), 5u) << "the service's file has every line";
}

TEST_F(LogStoreTest, AFollowerGetsTheTailThenNewLinesUntilTheStreamEnds) {
    auto logs = store();
    logs->beginStream(hello_);
    for (int i = 0; i < 5; ++i) {
        logs->append(hello_, LogLevel::Info, "old " + std::to_string(i));
    }
    LogQuery query;
    query.tail = 2;
    auto follower = logs->follow(hello_, query);
    ASSERT_EQ(follower->initialLines().size(), 2u);
    EXPECT_EQ(message(follower->initialLines()[0]), "old 3");

    auto idle = follower->next(10ms);
    EXPECT_TRUE(idle.lines.empty());
    EXPECT_FALSE(idle.ended);

    std::thread writer([&] {
        logs->append(hello_, LogLevel::Info, "new 0");
        logs->append(hello_, LogLevel::Info, "new 1\nnew 2");
    });
    std::vector<std::string> received;
    while (received.size() < 3) {
        auto batch = follower->next(10s);
        ASSERT_FALSE(batch.ended);
        EXPECT_EQ(batch.skipped, 0u);
        for (auto& line : batch.lines) {
            received.push_back(message(line));
        }
    }
    writer.join();
    EXPECT_EQ(received, (std::vector<std::string>{"new 0", "new 1", "new 2"}));

    // A second build comes and goes: the stream goes on while the first one is loaded.
    logs->beginStream(hello_);
    logs->endStream(hello_);
    EXPECT_FALSE(follower->next(10ms).ended);
    logs->append(hello_, LogLevel::Info, "unloaded");
    logs->endStream(hello_);
    auto last = follower->next(10s);
    EXPECT_TRUE(last.ended);
    ASSERT_EQ(last.lines.size(), 1u);
    EXPECT_EQ(message(last.lines[0]), "unloaded");

    // Following a version that has no build loaded ends right after its stored lines.
    auto late = logs->follow(hello_, query);
    EXPECT_EQ(late->initialLines().size(), 2u);
    EXPECT_TRUE(late->next(10s).ended);
}

TEST_F(LogStoreTest, AFollowerTooFarBehindIsToldWhatItSkipped) {
    LogStore::Settings settings = lineByLine();
    settings.followLines = 10;
    auto logs = store(settings);
    logs->beginStream(hello_);
    LogQuery none;
    none.tail = 0;
    auto follower = logs->follow(hello_, none);
    EXPECT_TRUE(follower->initialLines().empty());
    for (int i = 0; i < 25; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
    }
    auto batch = follower->next(10s);
    EXPECT_EQ(batch.skipped, 15u);
    ASSERT_EQ(batch.lines.size(), 10u);
    EXPECT_EQ(message(batch.lines.front()), "line 15");
    EXPECT_EQ(logs->read(hello_, {}).size(), 25u) << "the disk still has every line";
}

TEST_F(LogStoreTest, ClosingEndsEveryFollower) {
    auto logs = store();
    logs->beginStream(hello_);
    auto follower = logs->follow(hello_, {});
    std::thread closer([&] { logs->close(); });
    auto batch = follower->next(10s);
    closer.join();
    EXPECT_TRUE(batch.ended);
    logs->append(hello_, LogLevel::Info, "still stored");
    EXPECT_EQ(logs->tail(hello_, 1).size(), 1u);
    ServiceId other{"other", "1.0.0"};
    logs->beginStream(other);
    EXPECT_TRUE(logs->follow(other, {})->next(10s).ended);
}

TEST_F(LogStoreTest, RefusesNamesThatAreNotServiceVersions) {
    auto logs = store();
    EXPECT_THROW(logs->tail(ServiceId{"..", "1.0.0"}, 1), Poco::InvalidArgumentException);
    EXPECT_THROW(logs->append(ServiceId{"hello", "../../x"}, LogLevel::Info, "x"),
                 Poco::InvalidArgumentException);
    EXPECT_FALSE(fs::exists(fs::path(directory_).parent_path() / "x.log"));
}

TEST_F(LogStoreTest, FlushModesHaveConfigurationNames) {
    EXPECT_EQ(LogStore::parseFlush("line"), LogStore::Flush::Line);
    EXPECT_EQ(LogStore::parseFlush("interval"), LogStore::Flush::Interval);
    EXPECT_EQ(LogStore::parseFlush("Interval"), std::nullopt);
    EXPECT_EQ(LogStore::parseFlush(""), std::nullopt);
    EXPECT_STREQ(LogStore::flushName(LogStore::Flush::Line), "line");
    EXPECT_STREQ(LogStore::flushName(LogStore::Flush::Interval), "interval");
    EXPECT_EQ(LogStore::Settings{}.flush, LogStore::kDefaultFlush);
    LogStore::Settings never = intervalSettings(0ms);
    EXPECT_THROW(store(never), Poco::InvalidArgumentException);
}

TEST_F(LogStoreTest, IntervalReadsSeeALineAtOnceAndTheDiskSoonAfter) {
    auto logs = store(intervalSettings());
    Poco::Timestamp start = nextInstant();
    // The first line finds the writer idle and goes out at once; the next ones wait out the
    // second-long interval in memory, where reads find them.
    for (int i = 0; i < 5; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
        auto tail = logs->tail(hello_, 1);
        ASSERT_EQ(tail.size(), 1u);
        EXPECT_EQ(message(tail[0]), "line " + std::to_string(i));
    }
    logs->append(hello_, LogLevel::Error, "two\nlines");
    auto all = logs->read(hello_, {});
    ASSERT_EQ(all.size(), 7u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(message(all[i]), "line " + std::to_string(i));
    }
    EXPECT_EQ(message(all[5]), "two");
    EXPECT_EQ(message(all[6]), "lines");
    EXPECT_EQ(logs->since(hello_, start), all);
    LogQuery both;
    both.since = start;
    both.tail = 3;
    EXPECT_EQ(logs->read(hello_, both), std::vector<std::string>(all.begin() + 4, all.end()));
    EXPECT_TRUE(logs->since(hello_, nextInstant()).empty());
    EXPECT_TRUE(logs->tail(hello_, 0).empty());
    EXPECT_TRUE(logs->contains(hello_));

    ServiceId other{"other", "1.0.0"};
    logs->append(other, LogLevel::Info, "held or written, it exists");
    EXPECT_TRUE(logs->contains(other));

    // On disk within the interval (a generous deadline).
    EXPECT_TRUE(mvi::test::waitFor([&] { return linesOnDisk(hello_) == all; }, 10s))
        << linesOnDisk(hello_).size() << " lines on disk";
}

TEST_F(LogStoreTest, IntervalLinesAreOnDiskOnceTheStoreIsClosedOrGone) {
    {
        auto logs = store(intervalSettings(60000ms));
        for (int i = 0; i < 100; ++i) {
            logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
        }
        EXPECT_EQ(logs->tail(hello_, 1000).size(), 100u);
    }
    auto lines = linesOnDisk(hello_);
    ASSERT_EQ(lines.size(), 100u);
    EXPECT_EQ(message(lines.back()), "line 99");

    auto logs = store(intervalSettings(60000ms));
    for (int i = 0; i < 10; ++i) {
        logs->append(hello_, LogLevel::Info, "before closing " + std::to_string(i));
    }
    logs->close();
    EXPECT_EQ(linesOnDisk(hello_).size(), 110u) << "closing writes what is held";
    logs->append(hello_, LogLevel::Info, "after closing");
    lines = linesOnDisk(hello_);
    ASSERT_EQ(lines.size(), 111u) << "once closed, each line is written at once";
    EXPECT_EQ(message(lines.back()), "after closing");
    EXPECT_EQ(logs->tail(hello_, 1), std::vector<std::string>{lines.back()});
}

TEST_F(LogStoreTest, IntervalFollowersGetLinesAsTheyAreAppended) {
    auto logs = store(intervalSettings(60000ms));
    logs->beginStream(hello_);
    for (int i = 0; i < 3; ++i) {
        logs->append(hello_, LogLevel::Info, "old " + std::to_string(i));
    }
    LogQuery query;
    query.tail = 2;
    auto follower = logs->follow(hello_, query);
    ASSERT_EQ(follower->initialLines().size(), 2u);
    EXPECT_EQ(message(follower->initialLines()[0]), "old 1");
    EXPECT_EQ(message(follower->initialLines()[1]), "old 2");

    std::thread writer([&] {
        logs->append(hello_, LogLevel::Info, "new 0");
        logs->append(hello_, LogLevel::Info, "new 1\nnew 2");
    });
    std::vector<std::string> received;
    while (received.size() < 3) {
        auto batch = follower->next(10s);
        ASSERT_FALSE(batch.ended);
        EXPECT_EQ(batch.skipped, 0u);
        for (auto& line : batch.lines) {
            received.push_back(message(line));
        }
    }
    writer.join();
    EXPECT_EQ(received, (std::vector<std::string>{"new 0", "new 1", "new 2"}));

    // The last build going away writes what is held and ends the follower after its lines.
    logs->append(hello_, LogLevel::Info, "unloaded");
    logs->endStream(hello_);
    auto last = follower->next(10s);
    EXPECT_TRUE(last.ended);
    ASSERT_EQ(last.lines.size(), 1u);
    EXPECT_EQ(message(last.lines[0]), "unloaded");
    auto onDisk = linesOnDisk(hello_);
    ASSERT_EQ(onDisk.size(), 7u);
    EXPECT_EQ(message(onDisk.back()), "unloaded");
}

TEST_F(LogStoreTest, IntervalRotationKeepsTheNewestLinesWithinTheSizeCap) {
    LogStore::Settings settings = intervalSettings(1ms);
    settings.maxFileBytes = 1024;
    settings.maxFiles = 3;
    auto logs = store(settings);
    for (int i = 0; i < 2000; ++i) {
        logs->append(hello_, LogLevel::Info, "line " + std::to_string(i));
    }
    logs->append(hello_, LogLevel::Info, std::string(5000, 'x'));
    logs->append(hello_, LogLevel::Info, "after the long one");
    auto all = logs->read(hello_, {});
    ASSERT_GE(all.size(), 3u);
    EXPECT_EQ(message(all.back()), "after the long one");
    logs.reset();

    auto onDisk = files(hello_);
    EXPECT_EQ(onDisk.size(), 3u);
    for (const auto& [name, size] : onDisk) {
        EXPECT_LE(size, 1024u) << name;
    }
    // What is kept is the newest lines, contiguous, in order.
    all = store()->read(hello_, {});
    ASSERT_GE(all.size(), 3u);
    EXPECT_EQ(message(all.back()), "after the long one");
    EXPECT_NE(message(all[all.size() - 2]).find("[line truncated]"), std::string::npos);
    int expected = -1;
    for (std::size_t i = 0; i + 2 < all.size(); ++i) {
        int number = std::stoi(message(all[i]).substr(5));
        if (expected >= 0) {
            EXPECT_EQ(number, expected);
        }
        expected = number + 1;
    }
    EXPECT_EQ(expected, 2000);
}

TEST_F(LogStoreTest, IntervalConcurrentAppendsLoseNothing) {
    LogStore::Settings settings = intervalSettings(1ms);
    settings.maxFileBytes = 64 * 1024;
    settings.maxFiles = 100;
    auto logs = store(settings);
    expectConcurrentAppendsKept(*logs, 8, 500);
    logs.reset();
    EXPECT_GT(files(hello_).size(), 1u) << "the test must cross rotations";
    // On disk, as the store's reads had them.
    expectEveryThreadsLinesInOrder(store(settings)->read(hello_, {}), 8, 500);
}

TEST_F(LogStoreTest, IntervalAppendWritesAtOnceWhenTheBufferIsFull) {
    // Room for five lines of 40 bytes held; the writer waits a minute between writes.
    LogStore::Settings settings = intervalSettings(60000ms);
    settings.maxHeldBytes = 200;
    auto logs = store(settings);
    for (int i = 0; i < 100; ++i) {
        logs->append(hello_, LogLevel::Info, fmt::format("line {:03}", i));
        // Whatever is not held is on disk, in order, when append returns.
        auto onDisk = linesOnDisk(hello_);
        ASSERT_GE(onDisk.size() + 5, static_cast<std::size_t>(i + 1)) << "line " << i;
        for (std::size_t n = 0; n < onDisk.size(); ++n) {
            ASSERT_EQ(message(onDisk[n]), fmt::format("line {:03}", n));
        }
    }
    auto all = logs->read(hello_, {});
    ASSERT_EQ(all.size(), 100u);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(message(all[i]), fmt::format("line {:03}", i));
    }
    // A line larger than the whole buffer is written at once too.
    logs->append(hello_, LogLevel::Info, std::string(1000, 'y'));
    EXPECT_EQ(linesOnDisk(hello_).size(), 101u);
    EXPECT_EQ(logs->tail(hello_, 1), std::vector<std::string>{linesOnDisk(hello_).back()});
}

}  // namespace
}  // namespace mvi::host

namespace mvi::host {
namespace {

// The host's own log: what the process logs through the shared HostLogChannel reaches the
// store's host log once it is attached, including the lines logged before, and not after it is
// detached; it lives beside the services' logs under a name no service can have.
TEST_F(LogStoreTest, TheHostLogKeepsWhatTheProcessLogs) {
    Poco::Logger& logger = Poco::Logger::get("test.hostlog");
    logger.setChannel(HostLogChannel::shared());
    logger.setLevel(Poco::Message::PRIO_DEBUG);
    logger.information("logged before the store is attached");
    {
        auto logs = store();
        HostLogChannel::shared()->attach(*logs);
        logger.warning("a warning");
        logger.debug("a debug line");
        std::vector<std::string> lines = logs->read(LogStore::kHostLog, LogQuery{});
        ASSERT_EQ(lines.size(), 3u) << fmt::format("{}", fmt::join(lines, "\n"));
        EXPECT_NE(lines[0].find(" INFO test.hostlog: logged before the store is attached"),
                  std::string::npos)
            << lines[0];
        EXPECT_NE(lines[1].find(" WARNING test.hostlog: a warning"), std::string::npos) << lines[1];
        EXPECT_NE(lines[2].find(" DEBUG test.hostlog: a debug line"), std::string::npos)
            << lines[2];
        EXPECT_TRUE(fs::exists(fs::path(directory_) / "~host.log"));
        HostLogChannel::shared()->detach(*logs);
        logger.information("after the store went");
    }
    // Kept until the next store attaches; a new store reads what the old one wrote.
    auto logs = store();
    HostLogChannel::shared()->attach(*logs);
    std::vector<std::string> lines = logs->read(LogStore::kHostLog, LogQuery{});
    HostLogChannel::shared()->detach(*logs);
    logger.setChannel(nullptr);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_NE(lines[3].find("after the store went"), std::string::npos) << lines[3];
}

}  // namespace
}  // namespace mvi::host
