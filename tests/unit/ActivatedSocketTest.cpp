// The socket a service manager passes by socket activation (LISTEN_PID, LISTEN_FDS, descriptor 3).

#include "fault/ActivatedSocket.h"

#include <Poco/Exception.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace mvi::host::fault {
namespace {

void passTo(pid_t pid, const char* count) {
    setenv("LISTEN_PID", std::to_string(pid).c_str(), 1);
    setenv("LISTEN_FDS", count, 1);
    setenv("LISTEN_FDNAMES", "mvi-host.socket", 1);
}

bool environmentCleared() {
    return std::getenv("LISTEN_PID") == nullptr && std::getenv("LISTEN_FDS") == nullptr &&
           std::getenv("LISTEN_FDNAMES") == nullptr;
}

/// Puts `fd` at descriptor 3 for the life of the object, and puts back what was there.
class AtDescriptorThree {
  public:
    explicit AtDescriptorThree(int fd) {
        saved_ = fcntl(3, F_DUPFD_CLOEXEC, 10);
        EXPECT_EQ(dup2(fd, 3), 3);
    }
    ~AtDescriptorThree() {
        if (saved_ >= 0) {
            dup2(saved_, 3);
            close(saved_);
        } else {
            close(3);
        }
    }
    AtDescriptorThree(const AtDescriptorThree&) = delete;
    AtDescriptorThree& operator=(const AtDescriptorThree&) = delete;

  private:
    int saved_ = -1;
};

/// A TCP socket on a free loopback port, listening when `listening`.
int loopbackSocket(bool listening) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    if (listening) {
        EXPECT_EQ(listen(fd, 8), 0);
    }
    return fd;
}

TEST(ActivatedSocket, NothingPassed) {
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    EXPECT_EQ(takeActivatedSocket(), -1);
}

TEST(ActivatedSocket, PassedToAnotherProcessIsNotTakenAndNotPassedOn) {
    passTo(getpid() + 1, "1");
    EXPECT_EQ(takeActivatedSocket(), -1);
    EXPECT_TRUE(environmentCleared());
}

TEST(ActivatedSocket, TakesTheListeningSocketAtDescriptorThree) {
    int listening = loopbackSocket(true);
    {
        AtDescriptorThree passed(listening);
        fcntl(3, F_SETFD, FD_CLOEXEC);
        passTo(getpid(), "1");
        EXPECT_EQ(takeActivatedSocket(), 3);
        EXPECT_TRUE(environmentCleared());
        // Left open across exec, for the serving process.
        EXPECT_EQ(fcntl(3, F_GETFD) & FD_CLOEXEC, 0);
    }
    close(listening);
}

TEST(ActivatedSocket, RefusesASocketThatDoesNotListen) {
    int bound = loopbackSocket(false);
    {
        AtDescriptorThree passed(bound);
        passTo(getpid(), "1");
        EXPECT_THROW(takeActivatedSocket(), Poco::InvalidArgumentException);
        EXPECT_TRUE(environmentCleared());
    }
    close(bound);
}

TEST(ActivatedSocket, RefusesMoreThanOneSocket) {
    passTo(getpid(), "2");
    EXPECT_THROW(takeActivatedSocket(), Poco::InvalidArgumentException);
    EXPECT_TRUE(environmentCleared());
}

}  // namespace
}  // namespace mvi::host::fault
