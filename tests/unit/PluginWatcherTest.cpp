// The watcher of the plugins folder, on real temporary folders with real files.

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <linux/magic.h>
#include <sys/vfs.h>

#include "reload/PluginWatcher.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Change = PluginWatcher::Change;

/// Generous: conditions are awaited, never timed.
constexpr auto kDeadline = 30s;

/// One report of the watcher, with the size the file had when it was reported.
struct Report {
    std::string fileName;
    Change change;
    std::intmax_t sizeAtReport;
};

/// Collects what a watcher reports and lets a test wait for it.
class Recorder {
  public:
    /// `directory` is where reported files are looked up (for their size); kept by reference.
    explicit Recorder(const fs::path& directory) : directory_(directory) {}

    void onChange(const std::string& fileName, Change change) {
        std::error_code error;
        auto size = fs::file_size(directory_ / fileName, error);
        std::function<void(const std::string&)> hook;
        {
            std::lock_guard lock(mutex_);
            reports_.push_back({fileName, change, error ? -1 : static_cast<std::intmax_t>(size)});
            hook = hook_;
        }
        changed_.notify_all();
        if (hook) {
            hook(fileName);
        }
    }

    void onRescan() {
        bool fail = false;
        {
            std::lock_guard lock(mutex_);
            ++rescans_;
            fail = failRescans_;
        }
        changed_.notify_all();
        if (fail) {
            throw std::runtime_error("rescan failed on purpose");
        }
    }

    /// Runs after each report is recorded, on the watcher's thread.
    void setHook(std::function<void(const std::string&)> hook) {
        std::lock_guard lock(mutex_);
        hook_ = std::move(hook);
    }

    void failRescans() {
        std::lock_guard lock(mutex_);
        failRescans_ = true;
    }

    /// Waits until `condition(reports, rescans)` holds; false if it never did.
    bool waitUntil(const std::function<bool(const std::vector<Report>&, int)>& condition) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kDeadline, [&] { return condition(reports_, rescans_); });
    }

    /// Waits for `count` reports of `change` for `fileName`.
    bool waitFor(const std::string& fileName, Change change, int count = 1) {
        return waitUntil([&](const std::vector<Report>& reports, int) {
            return countIn(reports, fileName, change) >= count;
        });
    }

    /// Waits for at least `count` rescans.
    bool waitForRescans(int count) {
        return waitUntil([&](const std::vector<Report>&, int rescans) { return rescans >= count; });
    }

    std::vector<Report> reports() const {
        std::lock_guard lock(mutex_);
        return reports_;
    }

    /// The reports about `fileName`, in order.
    std::vector<Report> reportsOf(const std::string& fileName) const {
        std::vector<Report> selected;
        for (const Report& report : reports()) {
            if (report.fileName == fileName) {
                selected.push_back(report);
            }
        }
        return selected;
    }

    int count(const std::string& fileName, Change change) const {
        return countIn(reports(), fileName, change);
    }

    int rescans() const {
        std::lock_guard lock(mutex_);
        return rescans_;
    }

  private:
    static int countIn(const std::vector<Report>& reports, const std::string& fileName,
                       Change change) {
        return static_cast<int>(std::count_if(reports.begin(), reports.end(), [&](const Report& r) {
            return r.fileName == fileName && r.change == change;
        }));
    }

    const fs::path& directory_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Report> reports_;
    int rescans_ = 0;
    bool failRescans_ = false;
    std::function<void(const std::string&)> hook_;
};

/// Keeps the text of every message logged through it.
class CapturingChannel : public Poco::Channel {
  public:
    void log(const Poco::Message& message) override {
        std::lock_guard lock(mutex_);
        texts_.push_back(message.getText());
    }

    /// True when a message containing every one of `parts` was logged.
    bool logged(std::initializer_list<std::string> parts) const {
        std::lock_guard lock(mutex_);
        return std::any_of(texts_.begin(), texts_.end(), [&](const std::string& text) {
            return std::all_of(parts.begin(), parts.end(), [&](const std::string& part) {
                return text.find(part) != std::string::npos;
            });
        });
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> texts_;
};

/// Writes `size` bytes to `path` in place: create, write, close (what `cp` does).
void writeFile(const fs::path& path, std::size_t size, char fill = 'x') {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::string bytes(size, fill);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    ASSERT_TRUE(out) << path;
}

/// Writes `bytes` to an open descriptor, all of it.
void writeAll(int fd, const std::string& bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        ASSERT_GT(n, 0);
        written += static_cast<std::size_t>(n);
    }
}

/// How many inotify descriptors this process has open.
int inotifyDescriptors() {
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        std::error_code error;
        fs::path target = fs::read_symlink(entry.path(), error);
        if (!error && target.string() == "anon_inode:inotify") {
            ++count;
        }
    }
    return count;
}

class PluginWatcherTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "mvi-watch-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        work_ = pattern;
        plugins_ = work_ / "plugins";
        staging_ = work_ / "staging";
        fs::create_directory(plugins_);
        fs::create_directory(staging_);
        previousChannel_ = Poco::Logger::get("mvi").getChannel();
        Poco::Logger::get("mvi").setChannel(log_);
    }

    void TearDown() override {
        openGate();
        watcher_.reset();
        Poco::Logger::get("mvi").setChannel(previousChannel_);
        std::error_code ignored;
        fs::remove_all(work_, ignored);
    }

    /// Starts a watcher of the plugins folder that reports to `recorder_`.
    void startWatcher(PluginWatcher::Settings settings = {}) {
        watcher_ = std::make_unique<PluginWatcher>(
            plugins_.string(),
            [this](const std::string& fileName, Change change) {
                recorder_.onChange(fileName, change);
            },
            [this] { recorder_.onRescan(); }, settings);
        watcher_->start();
    }

    /// Writes `fileName` outside the folder, then renames it into place.
    void dropByRename(const std::string& fileName, std::size_t size = 1000, char fill = 'x') {
        writeFile(staging_ / fileName, size, fill);
        fs::rename(staging_ / fileName, plugins_ / fileName);
    }

    /// Writes a fresh marker file in place and waits for its report. Everything that happened
    /// before it and would be reported within the same quiet time has been reported by then.
    void settle() {
        std::string marker = "marker_1.0." + std::to_string(markers_++) + ".so";
        writeFile(plugins_ / marker, 10);
        ASSERT_TRUE(recorder_.waitFor(marker, Change::Ready)) << marker;
    }

    /// The reports, leaving out the markers of `settle`.
    std::vector<Report> reportsWithoutMarkers() const {
        std::vector<Report> reports;
        for (const Report& report : recorder_.reports()) {
            if (report.fileName.rfind("marker_", 0) != 0) {
                reports.push_back(report);
            }
        }
        return reports;
    }

    /// Blocks the calling thread (the watcher's, from a hook) until `openGate`.
    void passGate() {
        std::unique_lock lock(gateMutex_);
        gateEntered_ = true;
        gate_.notify_all();
        gate_.wait(lock, [this] { return gateOpen_; });
    }

    /// Waits until a thread is blocked in `passGate`.
    bool waitAtGate() {
        std::unique_lock lock(gateMutex_);
        return gate_.wait_for(lock, kDeadline, [this] { return gateEntered_; });
    }

    void openGate() {
        {
            std::lock_guard lock(gateMutex_);
            gateOpen_ = true;
        }
        gate_.notify_all();
    }

    fs::path work_;
    fs::path plugins_;
    fs::path staging_;
    Recorder recorder_{plugins_};
    std::unique_ptr<PluginWatcher> watcher_;
    Poco::AutoPtr<CapturingChannel> log_{new CapturingChannel};
    Poco::Channel::Ptr previousChannel_;
    int markers_ = 0;
    std::atomic<bool> doneWriting_{false};
    std::atomic<bool> reportedEarly_{false};
    std::mutex gateMutex_;
    std::condition_variable gate_;
    bool gateEntered_ = false;
    bool gateOpen_ = false;
};

TEST_F(PluginWatcherTest, RenameIntoPlaceIsReadyOnce) {
    startWatcher();
    dropByRename("hello_1.0.0.so", 4096);
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    auto reports = reportsWithoutMarkers();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].fileName, "hello_1.0.0.so");
    EXPECT_EQ(reports[0].change, Change::Ready);
    EXPECT_EQ(reports[0].sizeAtReport, 4096);
}

TEST_F(PluginWatcherTest, PlainCopyIsReadyOnceAfterClose) {
    startWatcher();
    writeFile(staging_ / "source.so", 200 * 1024);
    fs::copy_file(staging_ / "source.so", plugins_ / "hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].sizeAtReport, 200 * 1024);
}

TEST_F(PluginWatcherTest, SlowCopyIsReadyOnlyAfterCloseWithFullSize) {
    startWatcher();
    const fs::path path = plugins_ / "slow_2.1.0.so";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    writeAll(fd, std::string(64 * 1024, 'a'));
    std::this_thread::sleep_for(200ms);
    writeAll(fd, std::string(64 * 1024, 'b'));
    // Still open: nothing may have been reported yet.
    EXPECT_TRUE(recorder_.reportsOf("slow_2.1.0.so").empty());
    ASSERT_EQ(::close(fd), 0);
    ASSERT_TRUE(recorder_.waitFor("slow_2.1.0.so", Change::Ready));
    settle();
    auto reports = recorder_.reportsOf("slow_2.1.0.so");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].sizeAtReport, 128 * 1024);
}

TEST_F(PluginWatcherTest, ReplacingByRenameIsReadyAgain) {
    startWatcher();
    dropByRename("hello_1.0.0.so", 1000, 'a');
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    dropByRename("hello_1.0.0.so", 3000, 'b');
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready, 2));
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1].change, Change::Ready);
    EXPECT_EQ(reports[1].sizeAtReport, 3000);
}

TEST_F(PluginWatcherTest, WritesToAReplacedFileAreIgnored) {
    startWatcher();
    const fs::path path = plugins_ / "hello_1.0.0.so";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    writeAll(fd, std::string(1000, 'a'));
    // Replaced while its writer still has it open; the writer goes on and closes it.
    dropByRename("hello_1.0.0.so", 3000, 'b');
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    writeAll(fd, std::string(1000, 'a'));
    ASSERT_EQ(::close(fd), 0);
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].sizeAtReport, 3000);
}

TEST_F(PluginWatcherTest, DeleteIsRemoved) {
    startWatcher();
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    fs::remove(plugins_ / "hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Removed));
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].change, Change::Ready);
    EXPECT_EQ(reports[1].change, Change::Removed);
}

TEST_F(PluginWatcherTest, RenameAwayIsRemoved) {
    startWatcher();
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    fs::rename(plugins_ / "hello_1.0.0.so", plugins_ / "hello_1.0.0.so.disabled");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Removed));
    settle();
    EXPECT_EQ(reportsWithoutMarkers().size(), 2u);
}

TEST_F(PluginWatcherTest, DeleteCancelsPendingReady) {
    // A long quiet time keeps the close pending while the file is deleted.
    startWatcher({2000ms, 2000ms});
    writeFile(plugins_ / "hello_1.0.0.so", 1000);
    fs::remove(plugins_ / "hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Removed));
    settle();  // the marker's quiet time ends after the cancelled one would have
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].change, Change::Removed);
}

TEST_F(PluginWatcherTest, IgnoresHiddenTemporaryAndEditorNames) {
    startWatcher();
    const std::vector<std::string> ignored = {
        ".hello_1.0.0.so.tmp",
        ".hello_1.0.0.so",
        "hello_1.0.0.so.swp",
        "hello_1.0.0.so~",
        "4913",
        "hello_1.0.0.so.part",
        "Hello_1.0.0.so",
        "hello.so",
        "hello_1.0.so",
        "hello_1.0.0.txt",
        "_hello_1.0.0.so",
        "hello_01.0.0.so",
    };
    for (const std::string& name : ignored) {
        writeFile(plugins_ / name, 100);  // written in place
    }
    for (const std::string& name : ignored) {
        fs::rename(plugins_ / name, staging_ / name);  // renamed away
        dropByRename(name);                            // renamed into place
    }
    for (const std::string& name : ignored) {
        fs::remove(plugins_ / name);
    }
    fs::create_directory(plugins_ / "folder_1.0.0.so");
    writeFile(plugins_ / "folder_1.0.0.so" / "inner_1.0.0.so", 100);
    fs::remove_all(plugins_ / "folder_1.0.0.so");
    // The way careful writers deploy: a hidden temporary name, then a rename into place.
    writeFile(plugins_ / ".hello_1.0.0.so.tmp", 500);
    fs::rename(plugins_ / ".hello_1.0.0.so.tmp", plugins_ / "hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    auto reports = reportsWithoutMarkers();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].fileName, "hello_1.0.0.so");
    EXPECT_EQ(reports[0].sizeAtReport, 500);
}

TEST_F(PluginWatcherTest, BurstOfRenamesIsReportedOncePerFile) {
    startWatcher();
    constexpr int kFiles = 200;
    for (int i = 0; i < kFiles; ++i) {
        writeFile(staging_ / ("burst_1.0." + std::to_string(i) + ".so"), 2000);
    }
    for (int i = 0; i < kFiles; ++i) {
        std::string name = "burst_1.0." + std::to_string(i) + ".so";
        fs::rename(staging_ / name, plugins_ / name);
    }
    ASSERT_TRUE(recorder_.waitUntil([&](const std::vector<Report>& reports, int) {
        return static_cast<int>(reports.size()) >= kFiles;
    }));
    settle();
    auto reports = reportsWithoutMarkers();
    EXPECT_EQ(reports.size(), static_cast<std::size_t>(kFiles));
    for (int i = 0; i < kFiles; ++i) {
        std::string name = "burst_1.0." + std::to_string(i) + ".so";
        EXPECT_EQ(recorder_.count(name, Change::Ready), 1) << name;
    }
}

TEST_F(PluginWatcherTest, BurstOfCopiesIsReportedOncePerFile) {
    startWatcher();
    constexpr int kFiles = 200;
    writeFile(staging_ / "source.so", 20 * 1024);
    for (int i = 0; i < kFiles; ++i) {
        fs::copy_file(staging_ / "source.so", plugins_ / ("copy_1.0." + std::to_string(i) + ".so"));
    }
    ASSERT_TRUE(recorder_.waitUntil([&](const std::vector<Report>& reports, int) {
        return static_cast<int>(reports.size()) >= kFiles;
    }));
    settle();
    auto reports = reportsWithoutMarkers();
    EXPECT_EQ(reports.size(), static_cast<std::size_t>(kFiles));
    for (const Report& report : reports) {
        EXPECT_EQ(report.change, Change::Ready);
        EXPECT_EQ(report.sizeAtReport, 20 * 1024) << report.fileName;
    }
    for (int i = 0; i < kFiles; ++i) {
        std::string name = "copy_1.0." + std::to_string(i) + ".so";
        EXPECT_EQ(recorder_.count(name, Change::Ready), 1) << name;
    }
}

TEST_F(PluginWatcherTest, FileKeptOpenIsReadyAfterQuietTimeOnceStable) {
    startWatcher({25ms, 300ms});
    const fs::path path = plugins_ / "open_1.0.0.so";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    recorder_.setHook([this](const std::string& fileName) {
        if (fileName == "open_1.0.0.so" && !doneWriting_) {
            reportedEarly_ = true;
        }
    });
    // Grows for a while, each write well within the quiet time of the previous one.
    constexpr int kChunks = 30;
    for (int i = 0; i < kChunks; ++i) {
        writeAll(fd, std::string(4096, 'x'));
        std::this_thread::sleep_for(20ms);
    }
    doneWriting_ = true;
    ASSERT_TRUE(recorder_.waitFor("open_1.0.0.so", Change::Ready));
    EXPECT_FALSE(reportedEarly_);
    auto reports = recorder_.reportsOf("open_1.0.0.so");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].sizeAtReport, kChunks * 4096);
    // Closing without writing more is not a new write.
    ASSERT_EQ(::close(fd), 0);
    settle();
    EXPECT_EQ(recorder_.reportsOf("open_1.0.0.so").size(), 1u);
}

TEST_F(PluginWatcherTest, FileReopenedAndRewrittenIsReadyAgain) {
    startWatcher({25ms, 300ms});
    writeFile(plugins_ / "hello_1.0.0.so", 1000);
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    writeFile(plugins_ / "hello_1.0.0.so", 2000);
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready, 2));
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1].sizeAtReport, 2000);
}

TEST_F(PluginWatcherTest, StopIsPromptAndIdempotent) {
    // Long quiet times: a file stays pending when the watcher is stopped.
    startWatcher({60s, 60s});
    writeFile(plugins_ / "hello_1.0.0.so", 1000);
    auto before = std::chrono::steady_clock::now();
    watcher_->stop();
    // Generous bound: far below the pending deadline, far above any wake-up.
    EXPECT_LT(std::chrono::steady_clock::now() - before, 10s);
    watcher_->stop();
    EXPECT_TRUE(recorder_.reports().empty());
    // A stopped watcher can be started again.
    watcher_->start();
    dropByRename("again_1.0.0.so");
    EXPECT_TRUE(recorder_.waitFor("again_1.0.0.so", Change::Ready));
    watcher_->stop();
    watcher_->stop();
}

TEST_F(PluginWatcherTest, StopFromACallbackEndsTheThread) {
    recorder_.setHook([this](const std::string& fileName) {
        if (fileName == "last_1.0.0.so") {
            watcher_->stop();
        }
    });
    startWatcher();
    dropByRename("last_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("last_1.0.0.so", Change::Ready));
    watcher_->stop();  // joins the thread that ended by itself
    watcher_->stop();
}

TEST_F(PluginWatcherTest, StopWithoutStartDoesNothing) {
    PluginWatcher watcher(
        plugins_.string(), [](const std::string&, Change) {}, [] {});
    watcher.stop();
    watcher.stop();
}

TEST_F(PluginWatcherTest, StartTwiceIsRefused) {
    startWatcher();
    EXPECT_THROW(watcher_->start(), std::logic_error);
    dropByRename("hello_1.0.0.so");
    EXPECT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
}

TEST_F(PluginWatcherTest, StartFailsWithTheReasonWhenTheFolderCannotBeWatched) {
    PluginWatcher missing((work_ / "missing").string(), [](const std::string&, Change) {}, [] {});
    try {
        missing.start();
        FAIL() << "start() succeeded on a missing folder";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
            << e.what();
    }
    writeFile(work_ / "file", 10);
    PluginWatcher notFolder((work_ / "file").string(), [](const std::string&, Change) {}, [] {});
    try {
        notFolder.start();
        FAIL() << "start() succeeded on a regular file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
    }
}

TEST_F(PluginWatcherTest, ThrowingCallbackDoesNotStopTheWatcher) {
    recorder_.setHook([](const std::string& fileName) {
        if (fileName == "first_1.0.0.so") {
            throw std::runtime_error("load failed on purpose");
        }
        if (fileName == "second_1.0.0.so") {
            throw 42;
        }
    });
    startWatcher();
    dropByRename("first_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("first_1.0.0.so", Change::Ready));
    dropByRename("second_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("second_1.0.0.so", Change::Ready));
    dropByRename("third_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("third_1.0.0.so", Change::Ready));
    fs::remove(plugins_ / "first_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("first_1.0.0.so", Change::Removed));
    EXPECT_TRUE(log_->logged({"first_1.0.0.so", "load failed on purpose"}));
    EXPECT_TRUE(log_->logged({"second_1.0.0.so", "unknown exception"}));
}

TEST_F(PluginWatcherTest, QueueOverflowAsksForRescan) {
    long maxQueued = 0;
    std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> maxQueued;
    if (maxQueued <= 0 || maxQueued > 200000) {
        GTEST_SKIP() << "inotify queue limit unknown or too large: " << maxQueued;
    }
    // The first report blocks the watcher's thread while the queue overflows.
    recorder_.setHook([this](const std::string& fileName) {
        if (fileName == "block_1.0.0.so") {
            passGate();
        }
    });
    startWatcher();
    dropByRename("block_1.0.0.so");
    ASSERT_TRUE(waitAtGate());
    // Create, close and delete: three events each, more than the queue holds.
    const fs::path scratch = plugins_ / "scratch";
    for (long i = 0; i < maxQueued / 3 + 1000; ++i) {
        int fd = ::open(scratch.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        ::close(fd);
        ::unlink(scratch.c_str());
    }
    openGate();
    ASSERT_TRUE(recorder_.waitForRescans(1));
    EXPECT_TRUE(log_->logged({"overflowed"}));
    // Still watching.
    dropByRename("after_1.0.0.so");
    EXPECT_TRUE(recorder_.waitFor("after_1.0.0.so", Change::Ready));
}

TEST_F(PluginWatcherTest, DeletedFolderAsksForRescanAndIsWatchedAgain) {
    recorder_.failRescans();  // a failing rescan must not stop the watcher either
    startWatcher({25ms, 2000ms, 100ms});
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    fs::remove_all(plugins_);
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Removed));
    ASSERT_TRUE(recorder_.waitForRescans(1));
    fs::create_directory(plugins_);
    ASSERT_TRUE(recorder_.waitForRescans(2));  // watched again: the folder must be listed
    dropByRename("again_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("again_1.0.0.so", Change::Ready));
    settle();
    EXPECT_EQ(recorder_.rescans(), 2);
    EXPECT_TRUE(log_->logged({plugins_.string(), "was deleted"}));
    EXPECT_TRUE(log_->logged({"rescan failed on purpose"}));
}

TEST_F(PluginWatcherTest, MovedFolderAsksForRescanAndIsWatchedAgain) {
    startWatcher({25ms, 2000ms, 100ms});
    const fs::path moved = work_ / "moved";
    fs::rename(plugins_, moved);
    ASSERT_TRUE(recorder_.waitForRescans(1));
    // The moved folder is no longer the plugins folder.
    writeFile(moved / "stray_1.0.0.so", 100);
    fs::create_directory(plugins_);
    ASSERT_TRUE(recorder_.waitForRescans(2));
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    auto reports = reportsWithoutMarkers();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].fileName, "hello_1.0.0.so");
    EXPECT_TRUE(log_->logged({plugins_.string(), "was moved away"}));
}

// Polling: the same settle scenarios, with a listing of the folder as the only news.

/// Settings of a polling watcher: short interval and rewatch, the usual close quiet time.
PluginWatcher::Settings pollingSettings(std::chrono::milliseconds interval = 200ms) {
    PluginWatcher::Settings settings;
    settings.rewatchInterval = 100ms;
    settings.mode = PluginWatcher::Mode::Poll;
    settings.pollInterval = interval;
    return settings;
}

TEST_F(PluginWatcherTest, PollingOpensNoInotifyAndSaysSo) {
    const int before = inotifyDescriptors();
    startWatcher(pollingSettings());
    EXPECT_EQ(watcher_->activeMode(), PluginWatcher::Mode::Poll);
    EXPECT_EQ(inotifyDescriptors(), before);
    EXPECT_TRUE(log_->logged(
        {"Polling plugins folder", plugins_.string(), "every 200 ms", "polling was asked for"}));
}

TEST_F(PluginWatcherTest, PollingRenameIntoPlaceIsReadyOnce) {
    writeFile(plugins_ / "there_1.0.0.so", 100);  // there before: the owner's to load
    startWatcher(pollingSettings());
    dropByRename("hello_1.0.0.so", 4096);
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    auto reports = reportsWithoutMarkers();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].fileName, "hello_1.0.0.so");
    EXPECT_EQ(reports[0].change, Change::Ready);
    EXPECT_EQ(reports[0].sizeAtReport, 4096);
}

TEST_F(PluginWatcherTest, PollingReportsASlowWriteOnlyWhenComplete) {
    startWatcher(pollingSettings(300ms));
    const fs::path path = plugins_ / "slow_2.1.0.so";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    recorder_.setHook([this](const std::string& fileName) {
        if (fileName == "slow_2.1.0.so" && !doneWriting_) {
            reportedEarly_ = true;
        }
    });
    // Grows over several intervals, each piece well within an interval of the previous one.
    constexpr int kPieces = 40;
    for (int i = 0; i < kPieces; ++i) {
        writeAll(fd, std::string(4096, static_cast<char>('a' + i % 26)));
        std::this_thread::sleep_for(25ms);
    }
    doneWriting_ = true;
    ASSERT_EQ(::close(fd), 0);
    ASSERT_TRUE(recorder_.waitFor("slow_2.1.0.so", Change::Ready));
    EXPECT_FALSE(reportedEarly_);
    settle();
    auto reports = recorder_.reportsOf("slow_2.1.0.so");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].sizeAtReport, kPieces * 4096);
}

TEST_F(PluginWatcherTest, PollingDeleteIsRemovedAndCancelsPendingReady) {
    startWatcher(pollingSettings());
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    fs::remove(plugins_ / "hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Removed));
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].change, Change::Ready);
    EXPECT_EQ(reports[1].change, Change::Removed);
}

TEST_F(PluginWatcherTest, PollingRewrittenFileIsReadyAgainOnce) {
    startWatcher(pollingSettings());
    writeFile(plugins_ / "hello_1.0.0.so", 1000);
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    writeFile(plugins_ / "hello_1.0.0.so", 2000);  // rewritten in place
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready, 2));
    settle();
    dropByRename("hello_1.0.0.so", 3000);  // replaced by another file
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready, 3));
    settle();
    auto reports = recorder_.reportsOf("hello_1.0.0.so");
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_EQ(reports[0].sizeAtReport, 1000);
    EXPECT_EQ(reports[1].sizeAtReport, 2000);
    EXPECT_EQ(reports[2].sizeAtReport, 3000);
}

TEST_F(PluginWatcherTest, PollingIgnoresOtherNames) {
    startWatcher(pollingSettings());
    for (const char* name : {".hello_1.0.0.so.tmp", "hello_1.0.0.so.swp", "hello.so",
                             "hello_1.0.0.so~", "Hello_1.0.0.so"}) {
        writeFile(plugins_ / name, 100);
    }
    fs::create_directory(plugins_ / "folder_1.0.0.so");
    settle();
    EXPECT_TRUE(reportsWithoutMarkers().empty());
}

TEST_F(PluginWatcherTest, PollingDeletedFolderAsksForRescanAndIsWatchedAgain) {
    startWatcher(pollingSettings());
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    // Gone with its file in one step (no listing can see the folder without the file).
    fs::rename(plugins_, work_ / "gone");
    fs::remove_all(work_ / "gone");
    ASSERT_TRUE(recorder_.waitForRescans(1));
    fs::create_directory(plugins_);
    ASSERT_TRUE(recorder_.waitForRescans(2));  // watched again: the folder must be listed
    dropByRename("again_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("again_1.0.0.so", Change::Ready));
    settle();
    EXPECT_EQ(recorder_.rescans(), 2);
    // A lost folder's files are left to the rescans: a share that is briefly unreachable must
    // not unload every service.
    EXPECT_EQ(recorder_.count("hello_1.0.0.so", Change::Removed), 0);
    EXPECT_TRUE(log_->logged({plugins_.string(), "was deleted or moved away"}));
    EXPECT_TRUE(log_->logged({"Watching plugins folder", "again"}));
}

TEST_F(PluginWatcherTest, PollingFolderReplacedBetweenListingsIsListedAgain) {
    // A long interval: the folder is replaced well within it.
    startWatcher(pollingSettings(1000ms));
    fs::rename(plugins_, work_ / "moved");
    fs::create_directory(plugins_);
    writeFile(work_ / "moved" / "stray_1.0.0.so", 100);  // no longer the plugins folder
    ASSERT_TRUE(recorder_.waitForRescans(2));
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
    settle();
    auto reports = reportsWithoutMarkers();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].fileName, "hello_1.0.0.so");
}

TEST_F(PluginWatcherTest, PollingStartFailsWithTheReasonWhenTheFolderCannotBeListed) {
    PluginWatcher missing((work_ / "missing").string(), [](const std::string&, Change) {}, [] {},
                          pollingSettings());
    try {
        missing.start();
        FAIL() << "start() succeeded on a missing folder";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
            << e.what();
    }
}

TEST_F(PluginWatcherTest, PollingStopIsPromptAndTheWatcherStartsAgain) {
    startWatcher(pollingSettings(60s));
    auto before = std::chrono::steady_clock::now();
    watcher_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 10s);
    watcher_->stop();
    watcher_->start();
    EXPECT_EQ(watcher_->activeMode(), PluginWatcher::Mode::Poll);
    watcher_->stop();
}

TEST_F(PluginWatcherTest, AutoWatchesALocalFolderWithInotify) {
    struct statfs info {};
    ASSERT_EQ(::statfs(plugins_.c_str(), &info), 0);
    if (PluginWatcher::remoteFileSystemName(static_cast<std::int64_t>(info.f_type)) != nullptr) {
        GTEST_SKIP() << "the temporary folder is on a network or FUSE file system";
    }
    PluginWatcher::Settings settings;
    settings.mode = PluginWatcher::Mode::Auto;
    startWatcher(settings);
    EXPECT_EQ(watcher_->activeMode(), PluginWatcher::Mode::Inotify);
    EXPECT_TRUE(log_->logged({"Watching plugins folder", "with inotify", "local file system"}));
    dropByRename("hello_1.0.0.so");
    ASSERT_TRUE(recorder_.waitFor("hello_1.0.0.so", Change::Ready));
}

// The choice of `reload.watcher = auto`, from the folder's file system type and inotify's error.

TEST(PluginWatcherChoice, AutoPollsOnNetworkAndFuseFileSystems) {
    using Mode = PluginWatcher::Mode;
    const std::vector<std::pair<std::int64_t, std::string>> remote = {
        {NFS_SUPER_MAGIC, "nfs"},
        {SMB_SUPER_MAGIC, "smb"},
        {0xFE534D42, "smb2"},
        {0xFF534D42, "cifs"},
        // f_type is a signed long on some ABIs: the same magic sign-extended.
        {static_cast<std::int32_t>(0xFF534D42u), "cifs"},
        {FUSE_SUPER_MAGIC, "fuse"},
        {V9FS_MAGIC, "9p"},
        {CEPH_SUPER_MAGIC, "ceph"},
        {AFS_SUPER_MAGIC, "afs"},
        {AFS_FS_MAGIC, "afs"},
    };
    for (const auto& [type, name] : remote) {
        const char* found = PluginWatcher::remoteFileSystemName(type);
        ASSERT_NE(found, nullptr) << name;
        EXPECT_EQ(std::string(found), name);
        PluginWatcher::Choice choice = PluginWatcher::choose(Mode::Auto, type, 0);
        EXPECT_EQ(choice.mode, Mode::Poll) << name;
        EXPECT_NE(choice.reason.find("network or FUSE file system (" + name + ")"),
                  std::string::npos)
            << choice.reason;
        // Asked for explicitly, inotify is used even there.
        EXPECT_EQ(PluginWatcher::choose(Mode::Inotify, type, 0).mode, Mode::Inotify) << name;
    }
    for (std::int64_t local : std::initializer_list<std::int64_t>{
             EXT4_SUPER_MAGIC, TMPFS_MAGIC, OVERLAYFS_SUPER_MAGIC, 0x58465342 /* xfs */}) {
        EXPECT_EQ(PluginWatcher::remoteFileSystemName(local), nullptr) << local;
        EXPECT_EQ(PluginWatcher::choose(Mode::Auto, local, 0).mode, Mode::Inotify) << local;
    }
    EXPECT_EQ(PluginWatcher::choose(Mode::Auto, std::nullopt, 0).mode, Mode::Inotify);
    EXPECT_EQ(PluginWatcher::choose(Mode::Poll, EXT4_SUPER_MAGIC, 0).mode, Mode::Poll);
}

TEST(PluginWatcherChoice, AutoPollsWhenInotifyCannotStart) {
    using Mode = PluginWatcher::Mode;
    for (int error : {ENOSPC, EMFILE, ENFILE, ENOMEM, ENOSYS}) {
        EXPECT_TRUE(PluginWatcher::inotifyUnavailable(error)) << error;
        PluginWatcher::Choice choice = PluginWatcher::choose(Mode::Auto, EXT4_SUPER_MAGIC, error);
        EXPECT_EQ(choice.mode, Mode::Poll) << error;
        EXPECT_NE(choice.reason.find("inotify cannot be started"), std::string::npos)
            << choice.reason;
        // Asked for explicitly, inotify fails instead.
        EXPECT_EQ(PluginWatcher::choose(Mode::Inotify, EXT4_SUPER_MAGIC, error).mode,
                  Mode::Inotify);
    }
    // The folder's own problems are not inotify's: start reports them.
    for (int error : {ENOENT, ENOTDIR, EACCES}) {
        EXPECT_FALSE(PluginWatcher::inotifyUnavailable(error)) << error;
        EXPECT_EQ(PluginWatcher::choose(Mode::Auto, EXT4_SUPER_MAGIC, error).mode, Mode::Inotify);
    }
}

TEST(PluginWatcherChoice, ParsesTheConfiguredMode) {
    EXPECT_EQ(PluginWatcher::parseMode("auto"), PluginWatcher::Mode::Auto);
    EXPECT_EQ(PluginWatcher::parseMode("inotify"), PluginWatcher::Mode::Inotify);
    EXPECT_EQ(PluginWatcher::parseMode("poll"), PluginWatcher::Mode::Poll);
    EXPECT_FALSE(PluginWatcher::parseMode("Poll").has_value());
    EXPECT_FALSE(PluginWatcher::parseMode("").has_value());
}

}  // namespace
}  // namespace mvi::host
