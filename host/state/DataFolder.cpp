#include "state/DataFolder.h"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "state/DatabaseHealth.h"
#include "state/SqliteDatabase.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;

constexpr mode_t kFolderMode = 0700;
constexpr mode_t kFileMode = 0600;

/// SQLite's locks in a `-shm` file: eight lock slots from byte 120, then the byte every
/// connection holds a shared lock on while it has the file open (sqlite.org/walformat.html).
constexpr off_t kShmLocksStart = 120;
constexpr off_t kShmLocksLength = 9;

/// How many findings of quick_check, and of removed files, one message lists.
constexpr std::size_t kListed = 5;

std::string userName(uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::array<char, 4096> buffer{};
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        return found->pw_name;
    }
    return "uid " + std::to_string(uid);
}

std::string groupName(gid_t gid) {
    group entry{};
    group* found = nullptr;
    std::array<char, 4096> buffer{};
    if (getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        return found->gr_name;
    }
    return "gid " + std::to_string(gid);
}

/// The user mvi-host runs as, for messages: "nobody (uid 65534)".
std::string hostUser() {
    return fmt::format("{} (uid {})", userName(geteuid()), geteuid());
}

std::string modeText(mode_t mode) {
    return fmt::format("{:04o}", mode & 07777);
}

/// `path` with its owner, group and mode, for messages.
std::string described(const std::string& path, const struct stat& info) {
    return fmt::format("{} (owner {}, group {}, mode {})", path, userName(info.st_uid),
                       groupName(info.st_gid), modeText(info.st_mode));
}

bool inGroup(gid_t gid) {
    if (getegid() == gid) {
        return true;
    }
    int count = getgroups(0, nullptr);
    if (count <= 0) {
        return false;
    }
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    count = getgroups(count, groups.data());
    return count > 0 &&
           std::find(groups.begin(), groups.begin() + count, gid) != groups.begin() + count;
}

/// The permissions among `wanted` (4 read, 2 write, 1 search) that the host's user lacks on a
/// folder described by `info`, in words ("write and search"); empty when it lacks none.
std::string lacking(const struct stat& info, unsigned wanted) {
    if (geteuid() == 0) {
        return "";
    }
    const auto mode = static_cast<unsigned>(info.st_mode);
    const unsigned granted = info.st_uid == geteuid() ? (mode >> 6) & 7U
                             : inGroup(info.st_gid)   ? (mode >> 3) & 7U
                                                      : mode & 7U;
    const unsigned missing = wanted & ~granted;
    std::vector<std::string> names;
    if ((missing & 4U) != 0) {
        names.emplace_back("read");
    }
    if ((missing & 2U) != 0) {
        names.emplace_back("write");
    }
    if ((missing & 1U) != 0) {
        names.emplace_back("search (x)");
    }
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    return text;
}

/// The first `kListed` of `items`, joined, with how many more there are.
std::string listed(const std::vector<std::string>& items, const std::string& separator) {
    std::string text;
    for (std::size_t i = 0; i < items.size() && i < kListed; ++i) {
        text += (i == 0 ? "" : separator) + items[i];
    }
    if (items.size() > kListed) {
        text += fmt::format("{}and {} more", separator, items.size() - kListed);
    }
    return text;
}

/// Whether a process holds one of SQLite's locks in the `-shm` file `path` (so a connection has
/// it open). A file the host cannot even open is of no use to it either: not in use.
bool shmInUse(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return errno != EACCES && errno != EPERM;
    }
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = kShmLocksStart;
    lock.l_len = kShmLocksLength;
    lock.l_pid = 0;
    // An open file description lock conflicts with every other holder, this process included.
    const bool inUse = ::fcntl(fd, F_OFD_GETLK, &lock) != 0 || lock.l_type != F_UNLCK;
    ::close(fd);
    return inUse;
}

/// Whether something (a file, a folder, a link) is at `path`, without following a link.
bool present(const std::string& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0;
}

}  // namespace

DataFolder::DataFolder(std::string folder, std::vector<std::string> userFolders,
                       Poco::Logger& logger)
    : folder_(std::move(folder)), logger_(logger) {
    for (const std::string& userFolder : userFolders) {
        std::error_code error;
        fs::path canonical = fs::weakly_canonical(userFolder, error);
        userFolders_.push_back(error ? userFolder : canonical.string());
    }
}

std::string DataFolder::databasePath(const std::string& folder) {
    return Poco::Path(Poco::Path::forDirectory(folder), "mvi.db").toString();
}

std::string DataFolder::uploadsPath(const std::string& folder) {
    return Poco::Path(Poco::Path::forDirectory(folder), "uploads").toString();
}

std::string DataFolder::scratchPath(const std::string& folder) {
    return Poco::Path(Poco::Path::forDirectory(folder), "tmp").toString();
}

void DataFolder::prepare() {
    create();
    checkWritable();
    removeLeftovers();
    makePrivate();
}

void DataFolder::create() {
    struct stat info {};
    if (::stat(folder_.c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode)) {
            throw Unusable(
                fmt::format("data folder {} is not a folder; point data.dir at a folder", folder_));
        }
        return;
    }
    std::error_code error;
    fs::create_directories(folder_, error);
    if (!error) {
        ::chmod(folder_.c_str(), kFolderMode);
        logger_.information(fmt::format("created the data folder {} (mode 0700)", folder_));
        return;
    }
    // Name the folder that refused, and what the host's user lacks on it.
    fs::path parent = fs::absolute(folder_).parent_path();
    while (parent.has_parent_path() && parent != parent.root_path() && !present(parent.string())) {
        parent = parent.parent_path();
    }
    struct stat parentInfo {};
    if (error == std::errc::read_only_file_system) {
        throw Unusable(fmt::format(
            "cannot create the data folder {}: {} lies on a read-only file system; point data.dir "
            "at a writable place",
            folder_, parent.string()));
    }
    if (::stat(parent.c_str(), &parentInfo) == 0 && !lacking(parentInfo, 3).empty()) {
        throw Unusable(fmt::format(
            "cannot create the data folder {}: mvi-host runs as {}, which lacks {} permission on "
            "{}; create the folder for that user (mkdir -p {} && chown {} {}) or point data.dir "
            "at a place it may write",
            folder_, hostUser(), lacking(parentInfo, 3), described(parent.string(), parentInfo),
            folder_, userName(geteuid()), folder_));
    }
    throw Unusable(fmt::format("cannot create the data folder {}: {}", folder_, error.message()));
}

void DataFolder::checkWritable() {
    struct stat info {};
    if (::stat(folder_.c_str(), &info) != 0) {
        throw Unusable(fmt::format("data folder {}: {}", folder_, std::strerror(errno)));
    }
    std::string missing = lacking(info, 7);
    if (!missing.empty()) {
        throw Unusable(fmt::format(
            "data folder {}: mvi-host runs as {}, which lacks {} permission on it (it needs read, "
            "write and search: rwx); give the folder to that user (chown -R {} {}) or point "
            "data.dir at a folder it owns",
            described(folder_, info), hostUser(), missing, userName(geteuid()), folder_));
    }
    // Modes are not the whole story (a read-only mount, access control lists, a full disk):
    // really create a file.
    std::string probe =
        Poco::Path(Poco::Path::forDirectory(folder_), ".mvi-write-check-XXXXXX").toString();
    int fd = ::mkstemp(probe.data());
    if (fd < 0) {
        const int failure = errno;
        if (failure == EROFS) {
            throw Unusable(fmt::format(
                "data folder {} lies on a read-only file system: the host writes its database "
                "there; mount it read-write or point data.dir at a writable place",
                folder_));
        }
        throw Unusable(
            fmt::format("data folder {}: mvi-host, running as {}, cannot create a file "
                        "in it: {}",
                        described(folder_, info), hostUser(), std::strerror(failure)));
    }
    ::close(fd);
    ::unlink(probe.c_str());
}

void DataFolder::removeLeftovers() {
    std::vector<std::string> removed;
    auto remove = [&](const fs::path& path) {
        std::error_code error;
        fs::remove_all(path, error);
        if (error) {
            throw Unusable(
                fmt::format("data folder {}: cannot remove {}, left by an earlier run: {}", folder_,
                            path.string(), error.message()));
        }
        removed.push_back(fs::path(path).lexically_relative(folder_).string());
    };
    for (const std::string& scratch : {uploadsPath(folder_), scratchPath(folder_)}) {
        std::error_code error;
        // A link is not followed: only the host's own folder is emptied.
        if (!fs::is_directory(fs::symlink_status(scratch, error)) || isUserFolder(scratch)) {
            continue;
        }
        for (fs::directory_iterator it(scratch, error), end; !error && it != end;
             it.increment(error)) {
            remove(it->path());
        }
        if (error) {
            throw Unusable(fmt::format("data folder {}: cannot list {}: {}", folder_, scratch,
                                       error.message()));
        }
    }
    const std::string shm = databasePath() + "-shm";
    if (present(shm) && !shmInUse(shm)) {
        remove(shm);
    }
    if (!removed.empty()) {
        logger_.information(
            fmt::format("data folder {}: removed {} file(s) an earlier run left behind: {}",
                        folder_, removed.size(), listed(removed, ", ")));
    }
}

void DataFolder::makePrivate() {
    auto tighten = [this](const std::string& path, const struct stat& info, mode_t mode) {
        if (geteuid() != 0 && info.st_uid != geteuid()) {
            throw Unusable(fmt::format(
                "data folder: {} belongs to another user than the one mvi-host runs as, {}; give "
                "it to that user (chown -R {} {})",
                described(path, info), hostUser(), userName(geteuid()), folder_));
        }
        if ((info.st_mode & 07777) == mode) {
            return;
        }
        if (::chmod(path.c_str(), mode) != 0) {
            throw Unusable(fmt::format("data folder: cannot set {} to mode {}: {}",
                                       described(path, info), modeText(mode),
                                       std::strerror(errno)));
        }
        logger_.warning(fmt::format("data folder: {} had mode {}, now {}", path,
                                    modeText(info.st_mode), modeText(mode)));
    };
    struct stat info {};
    if (::stat(folder_.c_str(), &info) == 0) {
        tighten(folder_, info, kFolderMode);
    }
    std::error_code error;
    for (fs::recursive_directory_iterator it(folder_, error), end; !error && it != end;
         it.increment(error)) {
        const std::string path = it->path().string();
        if (isUserFolder(path)) {
            it.disable_recursion_pending();
            continue;
        }
        if (::lstat(path.c_str(), &info) != 0) {
            continue;
        }
        if (S_ISDIR(info.st_mode)) {
            tighten(path, info, kFolderMode);
        } else if (S_ISREG(info.st_mode)) {
            tighten(path, info, kFileMode);
        }
    }
    if (error) {
        throw Unusable(
            fmt::format("data folder {}: cannot go through it: {}", folder_, error.message()));
    }
}

bool DataFolder::isUserFolder(const std::string& path) const {
    if (userFolders_.empty()) {
        return false;
    }
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(path, error);
    const std::string text = error ? path : canonical.string();
    return std::find(userFolders_.begin(), userFolders_.end(), text) != userFolders_.end();
}

void DataFolder::checkDatabase() const {
    using namespace Poco::Data::Keywords;
    const std::string path = databasePath();
    std::vector<std::string> findings;
    std::string found;
    try {
        Poco::Data::Session session = SqliteDatabase::open("database", path);
        session << "PRAGMA quick_check", into(findings), now;
        if (findings.size() == 1 && findings.front() == "ok") {
            return;
        }
        found = "SQLite's quick_check found: " + listed(findings, "; ");
    } catch (const Poco::Exception& error) {
        if (!DatabaseHealth::isDamage(error)) {
            throw std::runtime_error("database " + path +
                                     ": cannot check it: " + error.displayText());
        }
        found = "SQLite's quick_check stopped at: " + error.displayText();
    } catch (const std::runtime_error& error) {
        // Opening it failed: its first page is not a database's.
        if (!DatabaseHealth::isDamage(std::string(error.what()))) {
            throw;
        }
        found = "SQLite cannot read it: " + std::string(error.what());
    }
    throw Damaged(fmt::format(
        "the database {} is damaged; {}. The host does not start on a damaged database, so that "
        "nothing more is written to it. Keep a copy of the data folder {} as it is, then rebuild "
        "the database from what sqlite3's .dump can still read, or start with a fresh one: "
        "the README (\"Recovering a damaged database\") gives the steps and says what is lost",
        path, found, folder_));
}

void DataFolder::checkPluginsFolder(const std::string& folder, Poco::Logger& logger) {
    struct stat info {};
    if (::stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        return;
    }
    if ((info.st_mode & S_IWOTH) != 0) {
        throw Unusable(fmt::format(
            "plugins folder {}: every user of this machine may write it, and whoever writes a "
            "plugin there runs code as mvi-host's user; take that permission away (chmod o-w {})",
            described(folder, info), folder));
    }
    if ((info.st_mode & S_IWGRP) != 0) {
        logger.warning(fmt::format(
            "plugins folder {}: every member of group {} may write it, and so run code as "
            "mvi-host's user",
            described(folder, info), groupName(info.st_gid)));
    }
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
        struct stat file {};
        const std::string path = it->path().string();
        if (::lstat(path.c_str(), &file) == 0 && S_ISREG(file.st_mode) &&
            (file.st_mode & S_IWOTH) != 0) {
            logger.warning(fmt::format(
                "plugin file {}: every user of this machine may write it, and so run code as "
                "mvi-host's user (chmod o-w {})",
                described(path, file), path));
        }
    }
}

}  // namespace mvi::host
