// The plugins folder watched by polling (reload.watcher = poll), as on a network file system
// where inotify sees nothing: a real host, real files written in pieces, real HTTP.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

/// The poll interval of these hosts; each piece of a slow copy comes well within it.
constexpr auto kPollInterval = 400ms;
constexpr auto kPiecePause = 25ms;

std::string buildOf(const HostProcess& host, const std::string& svc) {
    Response response = host.post("/services/" + svc + "/version", json::object());
    return response.status == 200 ? response.json().get<std::string>()
                                  : "status " + std::to_string(response.status);
}

/// The parent of process `pid` (from /proc/PID/stat); -1 when it cannot be read.
pid_t parentOf(pid_t pid) {
    std::string text;
    if (std::FILE* stat = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r")) {
        char buffer[512];
        text.assign(buffer, std::fread(buffer, 1, sizeof buffer, stat));
        std::fclose(stat);
    }
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    auto close = text.rfind(')');
    char state = 0;
    int parent = -1;
    if (close == std::string::npos ||
        std::sscanf(text.c_str() + close + 1, " %c %d", &state, &parent) != 2 || state == 'Z') {
        return -1;
    }
    return static_cast<pid_t>(parent);
}

/// The supervisor and every process below it (the serving process, a probe if one runs).
std::vector<pid_t> hostProcesses(pid_t supervisor) {
    std::vector<pid_t> all;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
            all.push_back(static_cast<pid_t>(std::stoi(name)));
        }
    }
    std::vector<pid_t> found = {supervisor};
    for (std::size_t next = 0; next < found.size(); ++next) {
        for (pid_t pid : all) {
            if (parentOf(pid) == found[next]) {
                found.push_back(pid);
            }
        }
    }
    return found;
}

/// The inotify descriptors `pid` has open: those whose link reads anon_inode:inotify, or whose
/// /proc/PID/fdinfo lists inotify watches.
std::vector<std::string> inotifyDescriptors(pid_t pid) {
    std::vector<std::string> found;
    const fs::path fds = "/proc/" + std::to_string(pid) + "/fd";
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(fds, error)) {
        std::error_code ignored;
        const std::string target = fs::read_symlink(entry.path(), ignored).string();
        std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" +
                           entry.path().filename().string());
        const std::string text((std::istreambuf_iterator<char>(info)),
                               std::istreambuf_iterator<char>());
        if (target == "anon_inode:inotify" || text.find("inotify wd:") != std::string::npos) {
            found.push_back(std::to_string(pid) + ": fd " + entry.path().filename().string() +
                            " -> " + target);
        }
    }
    return found;
}

/// The inotify descriptors open in every process of `host`.
std::vector<std::string> inotifyInHost(const HostProcess& host) {
    std::vector<std::string> found;
    for (pid_t pid : hostProcesses(host.pid())) {
        for (const std::string& descriptor : inotifyDescriptors(pid)) {
            found.push_back(descriptor);
        }
    }
    return found;
}

/// Writes `source` over `destination` in place, in `pieces` pieces with a short pause between
/// them, calling `between` after each piece but the last (the file is incomplete then).
void copyInPieces(const std::string& source, const std::string& destination, int pieces,
                  const std::function<void()>& between) {
    std::ifstream input(source, std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(input)),
                              std::istreambuf_iterator<char>());
    ASSERT_FALSE(content.empty()) << source;
    int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << destination;
    const std::size_t piece = content.size() / static_cast<std::size_t>(pieces) + 1;
    for (std::size_t offset = 0; offset < content.size(); offset += piece) {
        const std::size_t size = std::min(piece, content.size() - offset);
        ASSERT_EQ(::write(fd, content.data() + offset, size), static_cast<ssize_t>(size));
        if (offset + size < content.size()) {
            between();
            std::this_thread::sleep_for(kPiecePause);
        }
    }
    ASSERT_EQ(::close(fd), 0);
}

TEST(PollingWatcher, DeploysReplacesAndRemovesWithoutInotify) {
    auto host = startHost({}, {"--define", "reload.watcher=poll", "--define",
                               "reload.poll_interval_ms=" + std::to_string(kPollInterval.count())});
    // The host says which watcher it uses, and why.
    ASSERT_TRUE(waitFor([&] {
        const std::string log = host->get("/logs/").body;
        return log.find("Polling plugins folder") != std::string::npos &&
               log.find("polling was asked for") != std::string::npos;
    })) << host->get("/logs/").body;
    ASSERT_TRUE(waitFor([&] { return host->servingPid() > 0; }));
    EXPECT_GE(hostProcesses(host->pid()).size(), 2u);
    EXPECT_EQ(inotifyInHost(*host), std::vector<std::string>{});

    // Deployed by a slow copy in place: while incomplete it is never loaded (not even tried).
    const std::string file = (fs::path(host->pluginsDir()) / "counter_1.0.0.so").string();
    int checks = 0;
    copyInPieces(builtPlugin("fixture_counter_v1"), file, 40, [&] {
        ++checks;
        EXPECT_TRUE(serviceEntry(*host, "counter", "1.0.0").is_null()) << "after piece " << checks;
    });
    ASSERT_TRUE(waitFor([&] { return buildOf(*host, "counter_1.0.0") == "v1"; }, 30s));
    EXPECT_FALSE(hasNotification(*host, "counter", "CRITICAL", "Failed to load"));

    // Replaced in place by another build, as slowly: the first build serves until it is
    // complete, then the new one.
    copyInPieces(builtPlugin("fixture_counter_v2"), file, 40,
                 [&] { EXPECT_EQ(buildOf(*host, "counter_1.0.0"), "v1"); });
    ASSERT_TRUE(waitFor([&] { return buildOf(*host, "counter_1.0.0") == "v2"; }, 30s));
    EXPECT_FALSE(hasNotification(*host, "counter", "CRITICAL", "Failed to load"));
    EXPECT_EQ(host->get("/logs/").body.find("the new file failed to load"), std::string::npos);

    // Removed: the version unloads.
    fs::remove(file);
    ASSERT_TRUE(waitFor([&] { return serviceEntry(*host, "counter", "1.0.0").is_null(); }, 30s));
    EXPECT_EQ(buildOf(*host, "counter_1.0.0"), "status 404");

    EXPECT_EQ(inotifyInHost(*host), std::vector<std::string>{});
}

TEST(PollingWatcher, TheDefaultWatcherOnALocalFolderIsInotify) {
    // The check above sees inotify where there is one.
    auto host = startHost({});
    ASSERT_TRUE(waitFor(
        [&] { return host->get("/logs/").body.find("with inotify") != std::string::npos; }));
    ASSERT_TRUE(waitFor([&] { return !inotifyInHost(*host).empty(); }));
}

}  // namespace
}  // namespace mvi::test
