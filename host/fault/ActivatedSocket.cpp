#include "fault/ActivatedSocket.h"

#include <Poco/Exception.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace mvi::host::fault {
namespace {

/// The first descriptor a service manager passes (SD_LISTEN_FDS_START).
constexpr int kFirstPassedFd = 3;

int socketOption(int fd, int option) {
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, option, &value, &length) != 0) {
        return -1;
    }
    return value;
}

}  // namespace

int takeActivatedSocket() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* count = std::getenv("LISTEN_FDS");
    const bool forThisProcess =
        pid != nullptr && count != nullptr && std::string(pid) == std::to_string(getpid());
    const std::string fds = forThisProcess ? count : "";
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (fds.empty() || fds == "0") {
        return -1;
    }
    if (fds != "1") {
        throw Poco::InvalidArgumentException("socket activation passed " + fds +
                                             " sockets; mvi-host serves on one (ListenStream=)");
    }
    struct stat status {};
    if (fstat(kFirstPassedFd, &status) != 0 || !S_ISSOCK(status.st_mode) ||
        socketOption(kFirstPassedFd, SO_TYPE) != SOCK_STREAM ||
        socketOption(kFirstPassedFd, SO_ACCEPTCONN) != 1) {
        throw Poco::InvalidArgumentException(
            "socket activation passed a descriptor that is not a listening stream socket "
            "(ListenStream= with Accept=no)");
    }
    fcntl(kFirstPassedFd, F_SETFD, fcntl(kFirstPassedFd, F_GETFD) & ~FD_CLOEXEC);
    return kFirstPassedFd;
}

}  // namespace mvi::host::fault
