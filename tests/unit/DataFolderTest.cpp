// DataFolder, DatabaseHealth and DatabaseWatch: the checks of the host's data folder and its
// database, on real folders, real SQLite files and real file systems (a read-only tmpfs).

#include "state/DataFolder.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "state/DatabaseHealth.h"
#include "state/DatabaseWatch.h"
#include "state/SqliteDatabase.h"
#include "state/StateStore.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;

/// Keeps every message logged through it.
class RecordingChannel : public Poco::Channel {
  public:
    void log(const Poco::Message& message) override {
        std::lock_guard lock(mutex_);
        text_ += message.getText() + "\n";
    }
    std::string text() const {
        std::lock_guard lock(mutex_);
        return text_;
    }

  private:
    mutable std::mutex mutex_;
    std::string text_;
};

mode_t modeOf(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
}

void writeFile(const fs::path& path, const std::string& content, mode_t mode) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    ::chmod(path.c_str(), mode);
}

/// A table of `rows` rows in a fresh SQLite file at `path`, closed again.
void makeDatabase(const std::string& path, int rows) {
    Poco::Data::Session session = SqliteDatabase::open("test database", path);
    session << "CREATE TABLE items (id INTEGER PRIMARY KEY, text TEXT)", now;
    SqliteDatabase::inWriteTransaction(session, [&] {
        for (int i = 0; i < rows; ++i) {
            std::string text = "item number " + std::to_string(i) + std::string(40, 'x');
            session << "INSERT INTO items (text) VALUES (?)", use(text), now;
        }
    });
}

/// Overwrites 16 bytes of the root page of `table` (its cell pointers, or the right-most child of
/// an interior page) in the SQLite file at `path`, whose committed writes are all in the file.
void damageTable(const std::string& path, const std::string& table) {
    int pageSize = 0;
    int root = 0;
    {
        Poco::Data::Session session = SqliteDatabase::open("test database", path);
        int busy = 0;
        int log = 0;
        int done = 0;
        session << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log), into(done), now;
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

/// The uid and gid of the unprivileged user `nobody`.
bool nobody(uid_t& uid, gid_t& gid) {
    passwd* entry = getpwnam("nobody");
    if (entry == nullptr) {
        return false;
    }
    uid = entry->pw_uid;
    gid = entry->pw_gid;
    return true;
}

/// Gives each test a fresh temporary folder (removed afterwards) and a logger that records.
class DataFolderTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "mvi-data-test-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        channel_ = new RecordingChannel;
        logger_ = &Poco::Logger::get("data-folder-test-" + dir_.filename().string());
        logger_->setChannel(channel_);
        logger_->setLevel(Poco::Message::PRIO_INFORMATION);
    }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    fs::path data() const { return dir_ / "data"; }
    std::string log() const { return channel_->text(); }

    /// Runs `prepare` on `folder` as the user nobody in a child process; returns the message
    /// of the Unusable it threw (empty when it threw nothing).
    std::string prepareAsNobody(const fs::path& folder) {
        uid_t uid = 0;
        gid_t gid = 0;
        EXPECT_TRUE(nobody(uid, gid));
        int pipeFds[2];
        EXPECT_EQ(pipe(pipeFds), 0);
        pid_t child = fork();
        if (child == 0) {
            close(pipeFds[0]);
            std::string message;
            if (setgid(gid) != 0 || setuid(uid) != 0) {
                message = "cannot become nobody";
            } else {
                try {
                    DataFolder(folder.string(), {}, *logger_).prepare();
                } catch (const DataFolder::Unusable& error) {
                    message = error.what();
                }
            }
            (void)!write(pipeFds[1], message.data(), message.size());
            _exit(0);
        }
        close(pipeFds[1]);
        std::string message;
        char buffer[4096];
        ssize_t got = 0;
        while ((got = read(pipeFds[0], buffer, sizeof buffer)) > 0) {
            message.append(buffer, static_cast<std::size_t>(got));
        }
        close(pipeFds[0]);
        int status = 0;
        waitpid(child, &status, 0);
        return message;
    }

    fs::path dir_;
    Poco::AutoPtr<RecordingChannel> channel_;
    Poco::Logger* logger_ = nullptr;
};

TEST_F(DataFolderTest, AMissingFolderIsCreatedPrivate) {
    fs::path folder = data() / "nested" / "state";
    DataFolder(folder.string(), {}, *logger_).prepare();
    ASSERT_TRUE(fs::is_directory(folder));
    EXPECT_EQ(modeOf(folder), 0700U);
    EXPECT_NE(log().find("created the data folder " + folder.string()), std::string::npos) << log();
}

TEST_F(DataFolderTest, WiderModesAreTightenedWithALogLineEach) {
    fs::create_directories(data() / "logs" / "hello");
    ::chmod(data().c_str(), 0755);
    ::chmod((data() / "logs").c_str(), 0777);
    ::chmod((data() / "logs" / "hello").c_str(), 0750);
    writeFile(data() / "mvi.db", "", 0644);
    writeFile(data() / "logs" / "hello" / "1.0.0.log", "a line\n", 0666);
    // Read-only for its owner: the host must write it, so it is set to 0600 as well.
    writeFile(data() / "readonly.txt", "", 0400);

    DataFolder(data().string(), {}, *logger_).prepare();

    EXPECT_EQ(modeOf(data()), 0700U);
    EXPECT_EQ(modeOf(data() / "logs"), 0700U);
    EXPECT_EQ(modeOf(data() / "logs" / "hello"), 0700U);
    EXPECT_EQ(modeOf(data() / "mvi.db"), 0600U);
    EXPECT_EQ(modeOf(data() / "logs" / "hello" / "1.0.0.log"), 0600U);
    EXPECT_EQ(modeOf(data() / "readonly.txt"), 0600U);
    const std::string text = log();
    EXPECT_NE(text.find((data() / "mvi.db").string() + " had mode 0644, now 0600"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find((data() / "logs").string() + " had mode 0777, now 0700"), std::string::npos)
        << text;
    EXPECT_NE(text.find((data() / "readonly.txt").string() + " had mode 0400, now 0600"),
              std::string::npos)
        << text;

    // Nothing left to change: a second run says nothing.
    const std::size_t before = log().size();
    DataFolder(data().string(), {}, *logger_).prepare();
    EXPECT_EQ(log().size(), before) << log();
}

TEST_F(DataFolderTest, UserFoldersInsideAndLinkTargetsAreLeftAlone) {
    fs::path plugins = data() / "plugins";
    writeFile(plugins / "hello_1.0.0.so", "plugin", 0755);
    ::chmod(plugins.c_str(), 0755);
    writeFile(plugins / "uploads" / "keep.txt", "", 0644);
    fs::path outside = dir_ / "outside.txt";
    writeFile(outside, "", 0644);
    fs::create_symlink(outside, data() / "link");

    DataFolder(data().string(), {plugins.string()}, *logger_).prepare();

    EXPECT_EQ(modeOf(data()), 0700U);
    EXPECT_EQ(modeOf(plugins), 0755U);
    EXPECT_EQ(modeOf(plugins / "hello_1.0.0.so"), 0755U);
    EXPECT_TRUE(fs::exists(plugins / "uploads" / "keep.txt"));
    EXPECT_EQ(modeOf(outside), 0644U);
}

TEST_F(DataFolderTest, UploadsAndScratchFilesOfAnEarlierRunAreRemoved) {
    writeFile(data() / "uploads" / "tmp12345", "half an upload", 0600);
    writeFile(data() / "uploads" / "nested" / "part", "x", 0600);
    writeFile(data() / "tmp" / "tmp6789", "half an export", 0600);
    writeFile(data() / "logs" / "hello" / "1.0.0.log", "kept\n", 0600);
    writeFile(data() / "mvi.db", "", 0600);

    DataFolder(data().string(), {}, *logger_).prepare();

    EXPECT_TRUE(fs::is_empty(data() / "uploads"));
    EXPECT_TRUE(fs::is_empty(data() / "tmp"));
    EXPECT_TRUE(fs::exists(data() / "logs" / "hello" / "1.0.0.log"));
    EXPECT_TRUE(fs::exists(data() / "mvi.db"));
    EXPECT_NE(log().find("removed 3 file(s) an earlier run left behind: "), std::string::npos)
        << log();
    EXPECT_NE(log().find("uploads/tmp12345"), std::string::npos) << log();
}

TEST_F(DataFolderTest, AnSqliteShmNobodyUsesIsRemovedAndOneInUseIsKept) {
    fs::create_directories(data());
    const std::string database = DataFolder::databasePath(data().string());
    makeDatabase(database, 10);

    // A connection in another process holds the database open (and its -shm locked).
    int ready[2];
    int release[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(release), 0);
    pid_t holder = fork();
    ASSERT_NE(holder, -1);
    if (holder == 0) {
        close(ready[0]);
        close(release[1]);
        {
            Poco::Data::Session session = SqliteDatabase::open("test database", database);
            int count = 0;
            session << "SELECT COUNT(*) FROM items", into(count), now;
            (void)!write(ready[1], "r", 1);
            char c = 0;
            (void)!read(release[0], &c, 1);
        }
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    char c = 0;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    ASSERT_TRUE(fs::exists(database + "-shm"));

    DataFolder(data().string(), {}, *logger_).prepare();
    EXPECT_TRUE(fs::exists(database + "-shm")) << "an -shm in use was removed";

    // The holder ends without closing (as a crash would): the -shm stays, unused.
    kill(holder, SIGKILL);
    int status = 0;
    waitpid(holder, &status, 0);
    close(ready[0]);
    close(release[1]);
    ASSERT_TRUE(fs::exists(database + "-shm"));

    DataFolder(data().string(), {}, *logger_).prepare();
    EXPECT_FALSE(fs::exists(database + "-shm"));
    EXPECT_NE(log().find("mvi.db-shm"), std::string::npos) << log();
    // SQLite rebuilds it from the WAL: every row is still there.
    Poco::Data::Session session = SqliteDatabase::open("test database", database);
    int count = 0;
    session << "SELECT COUNT(*) FROM items", into(count), now;
    EXPECT_EQ(count, 10);
}

TEST_F(DataFolderTest, AFolderOnAReadOnlyFileSystemIsRefusedAtOnce) {
    fs::create_directories(data());
    if (geteuid() != 0 || ::mount("tmpfs", data().c_str(), "tmpfs", MS_RDONLY, "size=1m") != 0) {
        GTEST_SKIP() << "mounting a read-only tmpfs needs root (and a system that allows it)";
    }
    std::string message;
    try {
        DataFolder(data().string(), {}, *logger_).prepare();
    } catch (const DataFolder::Unusable& error) {
        message = error.what();
    }
    ::umount(data().c_str());
    EXPECT_NE(message.find(data().string()), std::string::npos) << message;
    EXPECT_NE(message.find("read-only file system"), std::string::npos) << message;
}

TEST_F(DataFolderTest, AFolderTheHostsUserMayNotWriteIsRefusedNamingThePermission) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "running as another user (nobody) needs root";
    }
    fs::create_directories(data());
    ::chmod(dir_.c_str(), 0755);
    ::chmod(data().c_str(), 0755);
    const std::string message = prepareAsNobody(data());
    EXPECT_NE(message.find("data folder " + data().string()), std::string::npos) << message;
    EXPECT_NE(message.find("nobody"), std::string::npos) << message;
    EXPECT_NE(message.find("lacks write permission"), std::string::npos) << message;

    // A folder it would have to create under one it may not write.
    const std::string missing = prepareAsNobody(data() / "sub");
    EXPECT_NE(missing.find("cannot create the data folder " + (data() / "sub").string()),
              std::string::npos)
        << missing;
    EXPECT_NE(missing.find("lacks write permission on " + data().string()), std::string::npos)
        << missing;
}

TEST_F(DataFolderTest, AFileOfAnotherUserIsRefusedWhenTheHostCannotMakeItPrivate) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "running as another user (nobody) needs root";
    }
    uid_t uid = 0;
    gid_t gid = 0;
    ASSERT_TRUE(nobody(uid, gid));
    fs::create_directories(data());
    ::chmod(dir_.c_str(), 0755);
    ASSERT_EQ(::chown(data().c_str(), uid, gid), 0);
    writeFile(data() / "mvi.db-wal", "", 0644);
    const std::string message = prepareAsNobody(data());
    EXPECT_NE(message.find((data() / "mvi.db-wal").string()), std::string::npos) << message;
    EXPECT_NE(message.find("owner root"), std::string::npos) << message;
    EXPECT_NE(message.find("chown -R nobody"), std::string::npos) << message;
}

TEST_F(DataFolderTest, QuickCheckPassesASoundDatabaseAndRefusesADamagedOne) {
    fs::create_directories(data());
    DataFolder folder(data().string(), {}, *logger_);
    // A missing database is created, and sound.
    folder.checkDatabase();
    ASSERT_TRUE(fs::exists(folder.databasePath()));

    const std::string database = folder.databasePath();
    fs::remove(database);
    makeDatabase(database, 500);
    EXPECT_NO_THROW(folder.checkDatabase());

    damageTable(database, "items");
    try {
        folder.checkDatabase();
        FAIL() << "a damaged database passed";
    } catch (const DataFolder::Damaged& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("the database " + database + " is damaged"), std::string::npos)
            << message;
        EXPECT_NE(message.find("quick_check"), std::string::npos) << message;
        EXPECT_NE(message.find("Recovering a damaged database"), std::string::npos) << message;
    }
}

TEST_F(DataFolderTest, AFileThatIsNoDatabaseAtAllIsDamaged) {
    fs::create_directories(data());
    DataFolder folder(data().string(), {}, *logger_);
    writeFile(folder.databasePath(), std::string(8192, 'z'), 0600);
    EXPECT_THROW(folder.checkDatabase(), DataFolder::Damaged);
}

TEST_F(DataFolderTest, APluginsFolderEveryUserMayWriteIsRefused) {
    fs::path plugins = dir_ / "plugins";
    fs::create_directories(plugins);
    ::chmod(plugins.c_str(), 0777);
    try {
        DataFolder::checkPluginsFolder(plugins.string(), *logger_);
        FAIL() << "a plugins folder every user may write was accepted";
    } catch (const DataFolder::Unusable& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(plugins.string()), std::string::npos) << message;
        EXPECT_NE(message.find("chmod o-w"), std::string::npos) << message;
    }
    // Its group may write it: accepted with a warning, and nothing is changed.
    ::chmod(plugins.c_str(), 0775);
    EXPECT_NO_THROW(DataFolder::checkPluginsFolder(plugins.string(), *logger_));
    EXPECT_NE(log().find("may write it"), std::string::npos) << log();
    EXPECT_EQ(modeOf(plugins), 0775U);
}

TEST_F(DataFolderTest, AQueryMeetingDamageIsRecordedForItsFile) {
    fs::create_directories(data());
    const std::string database = DataFolder::databasePath(data().string());
    makeDatabase(database, 500);
    damageTable(database, "items");
    Poco::Data::Session session = SqliteDatabase::open("test database", database);
    EXPECT_THROW(
        SqliteDatabase::guarded("test database", database, "count",
                                [&] {
                                    int count = 0;
                                    session << "SELECT COUNT(*) FROM items WHERE text LIKE '%z%'",
                                        into(count), now;
                                }),
        std::runtime_error);
    auto problems = DatabaseHealth::problems(database);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find("the database " + database + " is damaged"), std::string::npos)
        << problems[0];
}

TEST_F(DataFolderTest, TheWatchReportsADeletedDatabaseOnce) {
    fs::create_directories(data());
    const std::string database = DataFolder::databasePath(data().string());
    StateStore store(Database::open(database));
    std::mutex mutex;
    std::vector<std::string> announced;
    DatabaseWatch watch(
        database,
        [&](const std::string& problem) {
            std::lock_guard lock(mutex);
            announced.push_back(problem);
        },
        std::chrono::milliseconds(20));
    watch.check();
    EXPECT_TRUE(DatabaseHealth::problems(database).empty());

    fs::remove(database);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (DatabaseHealth::problems(database).empty() &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    watch.check();
    watch.stop();
    auto problems = DatabaseHealth::problems(database);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find("was deleted while the host runs"), std::string::npos);
    std::lock_guard lock(mutex);
    ASSERT_EQ(announced.size(), 1U);
    EXPECT_EQ(announced[0], problems[0]);
}

TEST_F(DataFolderTest, TheWatchReportsAReplacedDatabase) {
    fs::create_directories(data());
    const std::string database = DataFolder::databasePath(data().string());
    StateStore store(Database::open(database));
    DatabaseWatch watch(database, {}, std::chrono::hours(1));
    fs::copy_file(database, database + ".new");
    fs::rename(database + ".new", database);
    watch.check();
    auto problems = DatabaseHealth::problems(database);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find("was replaced while the host runs"), std::string::npos);
}

}  // namespace
}  // namespace mvi::host
