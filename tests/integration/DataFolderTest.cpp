// The data folder on a real mvi-host: private modes (and a local user other than the host's who
// cannot read the database), wider modes of an earlier run tightened, an unwritable folder or a
// read-only file system refused at once, a read-only database that does not block the next
// start, what a crash left behind swept, a damaged table refused at start and reported by a
// running host, and the database deleted or replaced under a running host.

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"
#include "TestPaths.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;

/// A user the tests may run as: uid and gid.
struct User {
    uid_t uid = 0;
    gid_t gid = 0;
};

/// The unprivileged user `nobody`, when this test runs as root (which may become it).
std::optional<User> nobody() {
    passwd* entry = getpwnam("nobody");
    if (geteuid() != 0 || entry == nullptr) {
        return std::nullopt;
    }
    return User{entry->pw_uid, entry->pw_gid};
}

/// Hands `path` and everything under it to `user`.
void giveTo(const fs::path& path, const User& user) {
    ASSERT_EQ(::chown(path.c_str(), user.uid, user.gid), 0) << path;
    if (fs::is_directory(fs::symlink_status(path))) {
        for (const auto& entry : fs::recursive_directory_iterator(path)) {
            ASSERT_EQ(::lchown(entry.path().c_str(), user.uid, user.gid), 0) << entry.path();
        }
    }
}

/// Whether `user` can open `path` for reading; sets `failure` to the errno when not.
bool canRead(const User& user, const std::string& path, int& failure) {
    int result[2];
    if (pipe(result) != 0) {
        return false;
    }
    pid_t child = fork();
    if (child == 0) {
        close(result[0]);
        int error = 0;
        if (setgroups(0, nullptr) != 0 || setgid(user.gid) != 0 || setuid(user.uid) != 0) {
            error = -1;
        } else {
            int fd = ::open(path.c_str(), O_RDONLY);
            error = fd >= 0 ? 0 : errno;
        }
        (void)!write(result[1], &error, sizeof error);
        _exit(0);
    }
    close(result[1]);
    int error = -1;
    (void)!read(result[0], &error, sizeof error);
    close(result[0]);
    int status = 0;
    waitpid(child, &status, 0);
    failure = error;
    return error == 0;
}

/// A run of mvi-host whose standard output and error are collected, possibly as another user,
/// which may fail to start (unlike HostProcess, which expects it to serve).
class HostRun {
  public:
    HostRun(const fs::path& work, std::optional<User> user = std::nullopt) {
        std::vector<std::string> arguments = {MVI_HOST_BINARY,
                                              "--port",
                                              "0",
                                              "--plugins-dir",
                                              (work / "plugins").string(),
                                              "--data-dir",
                                              (work / "data").string()};
        int output[2];
        if (pipe(output) != 0) {
            throw std::runtime_error("pipe failed");
        }
        pid_ = fork();
        if (pid_ == 0) {
            dup2(output[1], STDOUT_FILENO);
            dup2(output[1], STDERR_FILENO);
            close(output[0]);
            close(output[1]);
            if (chdir(work.c_str()) != 0) {
                _exit(126);
            }
            if (user &&
                (setgroups(0, nullptr) != 0 || setgid(user->gid) != 0 || setuid(user->uid) != 0)) {
                _exit(125);
            }
            std::vector<char*> argv;
            for (auto& argument : arguments) {
                argv.push_back(argument.data());
            }
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(output[1]);
        reader_ = std::thread([this, fd = output[0]] {
            char buffer[4096];
            ssize_t got = 0;
            while ((got = read(fd, buffer, sizeof buffer)) > 0) {
                std::lock_guard lock(mutex_);
                output_.append(buffer, static_cast<std::size_t>(got));
            }
            close(fd);
            std::lock_guard lock(mutex_);
            outputEnded_ = true;
        });
    }

    ~HostRun() {
        stop(SIGKILL);
        reader_.join();
    }

    HostRun(const HostRun&) = delete;
    HostRun& operator=(const HostRun&) = delete;

    std::string output() const {
        std::lock_guard lock(mutex_);
        return output_;
    }

    /// Waits until the host serves; false when it ended (or did not serve within the deadline).
    bool waitUntilServing() {
        const std::string marker = "mvi-host listening on http://127.0.0.1:";
        bool serving =
            waitFor([&] { return output().find(marker) != std::string::npos || exited(); },
                    std::chrono::seconds(60));
        std::string text = output();
        auto at = text.find(marker);
        if (!serving || at == std::string::npos) {
            return false;
        }
        port_ = static_cast<unsigned>(std::stoul(text.substr(at + marker.size())));
        return true;
    }

    /// Waits (generously) for the host to end by itself, and for the last of its output; its
    /// exit status, or -1 when it did not end (then it is killed).
    int waitForExit() {
        if (!waitFor([&] { return exited(); }, std::chrono::seconds(30))) {
            stop(SIGKILL);
            return -1;
        }
        waitFor([&] {
            std::lock_guard lock(mutex_);
            return outputEnded_;
        });
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
    }

    /// Sends `signal` and waits for the end.
    void stop(int signal = SIGTERM) {
        if (pid_ <= 0 || exited()) {
            return;
        }
        ::kill(pid_, signal);
        waitFor([&] { return exited(); }, std::chrono::seconds(30));
        if (!exited()) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status_, 0);
            pid_ = -1;
        }
    }

    unsigned port() const { return port_; }
    pid_t pid() const { return pid_; }

  private:
    bool exited() {
        if (pid_ <= 0) {
            return true;
        }
        if (waitpid(pid_, &status_, WNOHANG) == pid_) {
            pid_ = -1;
            return true;
        }
        return false;
    }

    pid_t pid_ = -1;
    int status_ = 0;
    unsigned port_ = 0;
    mutable std::mutex mutex_;
    std::string output_;
    bool outputEnded_ = false;
    std::thread reader_;
};

/// The state letter of process `pid` ('Z' for a zombie), 0 when there is no such process.
char stateOf(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    return close == std::string::npos || close + 2 >= text.size() ? 0 : text[close + 2];
}

/// Whether process `pid` has ended (a zombie has: its files and locks are released).
bool ended(pid_t pid) {
    char state = stateOf(pid);
    return state == 0 || state == 'Z';
}

/// A child process of `parent`, or -1.
pid_t childOf(pid_t parent) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream stat(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        auto close = text.rfind(')');
        int ppid = 0;
        char state = 0;
        if (close != std::string::npos &&
            std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent &&
            state != 'Z') {
            return static_cast<pid_t>(std::stoi(name));
        }
    }
    return -1;
}

/// A fresh work folder with a plugins folder holding `plugins` (built target, file name).
fs::path workWith(const std::vector<std::pair<std::string, std::string>>& plugins) {
    fs::path work = makeTemporaryDirectory();
    fs::create_directories(work / "plugins");
    for (const auto& [target, file] : plugins) {
        installPlugin(builtPlugin(target), (work / "plugins").string(), file);
    }
    return work;
}

/// Removes a work folder when the test ends.
struct WorkFolder {
    fs::path path;
    ~WorkFolder() {
        std::error_code ignored;
        ::umount((path / "data").c_str());
        fs::remove_all(path, ignored);
    }
};

mode_t modeOf(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
}

/// Every folder under (and including) `data` that is not 0700, and every file that is not 0600.
std::vector<std::string> notPrivate(const fs::path& data) {
    std::vector<std::string> found;
    if (modeOf(data) != 0700) {
        found.push_back(data.string());
    }
    for (const auto& entry : fs::recursive_directory_iterator(data)) {
        mode_t mode = modeOf(entry.path());
        if ((entry.is_directory() && mode != 0700) || (entry.is_regular_file() && mode != 0600)) {
            char text[8];
            std::snprintf(text, sizeof text, "%04o", mode);
            found.push_back(entry.path().string() + " " + text);
        }
    }
    return found;
}

/// Overwrites 16 bytes of the root page of `table` in the SQLite file at `path` (its cell
/// pointers, or an interior page's right-most child), after a checkpoint that moves every
/// committed write into the file.
void damageTable(const std::string& path, const std::string& table) {
    Poco::Data::SQLite::Connector::registerConnector();
    int pageSize = 0;
    int root = 0;
    {
        Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
        session.setConnectionTimeout(10);
        int busy = 0;
        int log = 0;
        int done = 0;
        session << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log), into(done), now;
        ASSERT_EQ(busy, 0) << "the checkpoint could not finish";
        session << "PRAGMA page_size", into(pageSize), now;
        std::string name = table;
        session << "SELECT rootpage FROM sqlite_master WHERE name = ?", use(name), into(root), now;
    }
    ASSERT_GT(root, 1);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(root - 1) * pageSize + 8);
    const std::string garbage(16, '\xff');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
}

/// Calls the monitored `classify` of the sentiment example `count` times and waits until the
/// values are stored.
void classifyMany(unsigned port, int count) {
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(postJson(port, "/services/sentiment/classify",
                           {{"text", "a good day number " + std::to_string(i)}})
                      .status,
                  200);
    }
    ASSERT_TRUE(waitFor([&] {
        Response answer = get(port, "/services/sentiment/~monitor?variables=classify_request");
        return answer.status == 200 &&
               answer.json()["classify_request"]["value"].size() >= static_cast<std::size_t>(count);
    }));
}

/// Whether `/~ready` answers 503 with `text` in its detail.
bool notReadyBecause(unsigned port, const std::string& text) {
    Response ready = get(port, "/~ready");
    return ready.status == 503 &&
           ready.json()["detail"].get<std::string>().find(text) != std::string::npos;
}

TEST(DataFolder, EveryFolderAndFileOfARunningHostIsPrivate) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}, {"sentiment", "sentiment_1.0.0.so"}});
    fs::path data = host->dataDir();
    ASSERT_EQ(host->post("/services/hello/hello", {{"name", "Ada"}}).status, 200);
    classifyMany(host->port(), 3);
    // A monitoring export goes through a scratch file.
    ASSERT_EQ(host->get("/services/sentiment/~monitor/db").status, 200);
    ASSERT_TRUE(waitFor([&] { return fs::exists(data / "logs" / "hello" / "1.0.0.log"); }));
    ASSERT_TRUE(fs::exists(data / "mvi.db-wal"));
    ASSERT_TRUE(fs::exists(data / "mvi.db-shm"));
    ASSERT_FALSE(fs::is_empty(data / "cache"));

    EXPECT_EQ(notPrivate(data), std::vector<std::string>{});

    auto other = nobody();
    if (!other) {
        GTEST_SKIP() << "checking that another local user cannot read mvi.db needs root "
                        "(to run as nobody)";
    }
    int failure = 0;
    EXPECT_FALSE(canRead(*other, (data / "mvi.db").string(), failure))
        << "the user nobody could read mvi.db";
    EXPECT_EQ(failure, EACCES) << std::strerror(failure);
    EXPECT_FALSE(canRead(*other, (data / "logs" / "hello" / "1.0.0.log").string(), failure));
}

TEST(DataFolder, WiderModesOfAnEarlierRunAreTightenedAtStart) {
    WorkFolder work{workWith({{"hello", "hello_1.0.0.so"}})};
    fs::path data = work.path / "data";
    {
        HostRun first(work.path);
        ASSERT_TRUE(first.waitUntilServing()) << first.output();
        ASSERT_EQ(postJson(first.port(), "/services/hello/hello", {{"name", "Ada"}}).status, 200);
        first.stop();
    }
    // As an older host, with the usual umask, left them.
    ::chmod(data.c_str(), 0755);
    ::chmod((data / "mvi.db").c_str(), 0644);
    ::chmod((data / "logs").c_str(), 0755);
    ::chmod((data / "logs" / "hello" / "1.0.0.log").c_str(), 0664);

    HostRun second(work.path);
    ASSERT_TRUE(second.waitUntilServing()) << second.output();
    const std::string output = second.output();
    EXPECT_NE(output.find((data / "mvi.db").string() + " had mode 0644, now 0600"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find(data.string() + " had mode 0755, now 0700"), std::string::npos) << output;
    EXPECT_EQ(notPrivate(data), std::vector<std::string>{});
    // The state is the same: the service and its log are still there.
    EXPECT_EQ(postJson(second.port(), "/services/hello/hello", {{"name", "Bob"}}).status, 200);
}

TEST(DataFolder, AFolderTheHostsUserMayNotWriteFailsAtOnceNamingIt) {
    auto other = nobody();
    if (!other) {
        GTEST_SKIP() << "running the host as another user (nobody) needs root";
    }
    WorkFolder work{workWith({{"hello", "hello_1.0.0.so"}})};
    ::chmod(work.path.c_str(), 0755);
    giveTo(work.path / "plugins", *other);
    fs::create_directories(work.path / "data");
    ::chmod((work.path / "data").c_str(), 0755);

    HostRun run(work.path, other);
    const int status = run.waitForExit();
    const std::string output = run.output();
    EXPECT_NE(status, -1) << "the host did not end: " << output;
    EXPECT_NE(status, 0) << output;
    EXPECT_NE(output.find("data folder " + (work.path / "data").string()), std::string::npos)
        << output;
    EXPECT_NE(output.find("lacks write permission"), std::string::npos) << output;
    EXPECT_EQ(output.find("listening on"), std::string::npos) << output;
}

TEST(DataFolder, AFolderOnAReadOnlyFileSystemFailsAtOnce) {
    WorkFolder work{workWith({{"hello", "hello_1.0.0.so"}})};
    fs::path data = work.path / "data";
    fs::create_directories(data);
    if (geteuid() != 0 || ::mount("tmpfs", data.c_str(), "tmpfs", MS_RDONLY, "size=1m") != 0) {
        GTEST_SKIP() << "mounting a read-only tmpfs needs root (and a system that allows it)";
    }
    HostRun run(work.path);
    const int status = run.waitForExit();
    const std::string output = run.output();
    EXPECT_NE(status, -1) << "the host did not end: " << output;
    EXPECT_NE(status, 0) << output;
    EXPECT_NE(output.find("data folder " + data.string() + " lies on a read-only file system"),
              std::string::npos)
        << output;
}

TEST(DataFolder, AReadOnlyDatabaseDoesNotBlockTheNextStart) {
    auto other = nobody();
    if (!other) {
        GTEST_SKIP() << "read-only files only stop a user other than root (runs as nobody)";
    }
    WorkFolder work{workWith({{"hello", "hello_1.0.0.so"}})};
    fs::path data = work.path / "data";
    ::chmod(work.path.c_str(), 0755);
    giveTo(work.path, *other);
    {
        HostRun first(work.path, other);
        ASSERT_TRUE(first.waitUntilServing()) << first.output();
        ASSERT_EQ(
            postJson(first.port(), "/services/hello/~parameters/greeting_phrase", {{"value", "Hi"}})
                .status,
            200);
        first.stop();
    }
    ::chmod((data / "mvi.db").c_str(), 0400);
    {
        HostRun readOnly(work.path, other);
        ASSERT_TRUE(readOnly.waitUntilServing()) << readOnly.output();
        EXPECT_NE(readOnly.output().find((data / "mvi.db").string() + " had mode 0400, now 0600"),
                  std::string::npos)
            << readOnly.output();
        ASSERT_EQ(postJson(readOnly.port(), "/services/hello/~parameters/greeting_phrase",
                           {{"value", "Hello"}})
                      .status,
                  200);
        // Killed, so that SQLite's -shm stays.
        readOnly.stop(SIGKILL);
    }
    ASSERT_TRUE(fs::exists(data / "mvi.db-shm"));
    ASSERT_TRUE(fs::exists(data / "mvi.db-wal"));
    // What a start on a read-only mvi.db used to leave: a read-only -wal (which holds committed
    // writes, so it is made writable, not removed), and a read-only -shm, here even of another
    // user (root), that no process uses.
    ::chmod((data / "mvi.db").c_str(), 0400);
    ::chmod((data / "mvi.db-wal").c_str(), 0400);
    ::chmod((data / "mvi.db-shm").c_str(), 0400);
    ASSERT_EQ(::chown((data / "mvi.db-shm").c_str(), 0, 0), 0);

    HostRun next(work.path, other);
    ASSERT_TRUE(next.waitUntilServing()) << next.output();
    EXPECT_NE(next.output().find("left behind: mvi.db-shm"), std::string::npos) << next.output();
    EXPECT_NE(next.output().find((data / "mvi.db-wal").string() + " had mode 0400, now 0600"),
              std::string::npos)
        << next.output();
    Response greeting = get(next.port(), "/services/hello/~parameters/greeting_phrase");
    ASSERT_EQ(greeting.status, 200) << greeting.body;
    EXPECT_EQ(greeting.json(), "Hello");
    EXPECT_EQ(
        postJson(next.port(), "/services/hello/~parameters/greeting_phrase", {{"value", "Hey"}})
            .status,
        200);
}

TEST(DataFolder, WhatACrashLeftBehindIsSweptAtStart) {
    WorkFolder work{workWith({{"hello", "hello_1.0.0.so"}})};
    fs::path data = work.path / "data";
    fs::path plugins = work.path / "plugins";
    pid_t serving = -1;
    {
        HostRun crashed(work.path);
        ASSERT_TRUE(crashed.waitUntilServing()) << crashed.output();
        ASSERT_EQ(postJson(crashed.port(), "/services/hello/hello", {{"name", "Ada"}}).status, 200);
        serving = childOf(crashed.pid());
        ASSERT_GT(serving, 0);
        // The whole host dies at once (the serving process follows its supervisor).
        crashed.stop(SIGKILL);
    }
    ASSERT_TRUE(waitFor([&] { return ended(serving); }));
    ASSERT_TRUE(fs::exists(data / "mvi.db-shm"));
    // What a crash in the middle of requests leaves: an upload being received, a monitoring
    // export being sent, an upload being unpacked into the plugins folder.
    fs::create_directories(data / "uploads");
    fs::create_directories(data / "tmp");
    std::ofstream(data / "uploads" / "tmp4f2a00001") << "half an upload";
    std::ofstream(data / "tmp" / "tmp4f2a00002") << "half an export";
    const std::string staged = ".hello_2.0.0.so.upload-0f8fad5b-d9cb-469f-a165-70867728950e";
    std::ofstream(plugins / staged) << "half a plugin";
    // The user's own files in the plugins folder are never touched.
    std::ofstream(plugins / ".hello_3.0.0.so.tmp") << "the user's";

    HostRun next(work.path);
    ASSERT_TRUE(next.waitUntilServing()) << next.output();
    const std::string output = next.output();
    EXPECT_NE(output.find("removed 3 file(s) an earlier run left behind"), std::string::npos)
        << output;
    EXPECT_NE(output.find("uploads/tmp4f2a00001"), std::string::npos) << output;
    EXPECT_NE(output.find("tmp/tmp4f2a00002"), std::string::npos) << output;
    EXPECT_NE(output.find("mvi.db-shm"), std::string::npos) << output;
    EXPECT_NE(output.find("removed 1 upload(s) a crash left half unpacked: " + staged),
              std::string::npos)
        << output;
    EXPECT_FALSE(fs::exists(data / "uploads" / "tmp4f2a00001"));
    EXPECT_FALSE(fs::exists(data / "tmp" / "tmp4f2a00002"));
    EXPECT_FALSE(fs::exists(plugins / staged));
    EXPECT_TRUE(fs::exists(plugins / ".hello_3.0.0.so.tmp"));
    EXPECT_EQ(postJson(next.port(), "/services/hello/hello", {{"name", "Bob"}}).status, 200);
}

TEST(DataFolder, ADamagedTableStopsTheStartSayingWhatToDo) {
    WorkFolder work{workWith({{"sentiment", "sentiment_1.0.0.so"}})};
    fs::path data = work.path / "data";
    {
        HostRun first(work.path);
        ASSERT_TRUE(first.waitUntilServing()) << first.output();
        classifyMany(first.port(), 40);
        first.stop();
    }
    damageTable((data / "mvi.db").string(), "monitor_values");

    HostRun damaged(work.path);
    const int status = damaged.waitForExit();
    const std::string output = damaged.output();
    EXPECT_NE(status, -1) << "the host did not end: " << output;
    EXPECT_NE(status, 0) << output;
    EXPECT_NE(output.find("the database " + (data / "mvi.db").string() + " is damaged"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("quick_check"), std::string::npos) << output;
    EXPECT_NE(output.find("Recovering a damaged database"), std::string::npos) << output;
    EXPECT_EQ(output.find("listening on"), std::string::npos) << output;
}

TEST(DataFolder, ADamagedTableUnderARunningHostMakesReadySaySo) {
    auto host = startHost({{"sentiment", "sentiment_1.0.0.so"}});
    classifyMany(host->port(), 40);
    ASSERT_TRUE(waitFor([&] { return host->get("/~ready").status == 200; }));

    damageTable((fs::path(host->dataDir()) / "mvi.db").string(), "monitor_values");
    // The host meets the damage when it next reads or writes the table: a monitored call (its
    // values written durably) and a read answer 503 saying so.
    Response call = host->post("/services/sentiment/classify", {{"text", "after"}});
    EXPECT_EQ(call.status, 503) << call.body;
    EXPECT_NE(call.body.find("database damaged"), std::string::npos) << call.body;
    Response read = host->get("/services/sentiment/~monitor");
    EXPECT_EQ(read.status, 503) << read.body;
    EXPECT_NE(read.body.find("database damaged"), std::string::npos) << read.body;

    EXPECT_TRUE(waitFor([&] { return notReadyBecause(host->port(), "is damaged"); }))
        << host->get("/~ready").body;
    Response ready = host->get("/~ready");
    EXPECT_EQ(ready.json()["database"].size(), 1U) << ready.body;
    EXPECT_TRUE(waitFor([&] { return hasNotification(*host, "mvi_host", "CRITICAL", "damaged"); }))
        << host->get("/notifications/").body;
}

TEST(DataFolder, ADatabaseDeletedUnderARunningHostIsReported) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] { return host->get("/~ready").status == 200; }));
    fs::remove(fs::path(host->dataDir()) / "mvi.db");

    EXPECT_TRUE(waitFor([&] { return notReadyBecause(host->port(), "was deleted"); }))
        << host->get("/~ready").body;
    EXPECT_TRUE(waitFor([&] {
        return hasNotification(*host, "mvi_host", "CRITICAL", "was deleted");
    })) << host->get("/notifications/").body;
}

TEST(DataFolder, ADatabaseReplacedUnderARunningHostIsReported) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] { return host->get("/~ready").status == 200; }));
    fs::path database = fs::path(host->dataDir()) / "mvi.db";
    fs::copy_file(database, database.string() + ".copy");
    fs::rename(database.string() + ".copy", database);

    EXPECT_TRUE(waitFor([&] { return notReadyBecause(host->port(), "was replaced"); }))
        << host->get("/~ready").body;
    EXPECT_TRUE(waitFor([&] {
        return hasNotification(*host, "mvi_host", "CRITICAL", "was replaced");
    })) << host->get("/notifications/").body;
}

}  // namespace
}  // namespace mvi::test
