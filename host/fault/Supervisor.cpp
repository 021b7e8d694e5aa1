#include "fault/Supervisor.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

#include "fault/Attribution.h"
#include "fault/PhaseTable.h"
#include "state/QuarantineStore.h"

namespace mvi::host::fault {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t millisecondsSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

/// Memory shared with every serving process, holding its PhaseTable.
class SharedTable {
  public:
    SharedTable() {
        fd_ = memfd_create("mvi-phase-table", 0);
        if (fd_ < 0 || ftruncate(fd_, static_cast<off_t>(PhaseTable::bytes())) != 0) {
            throw std::runtime_error(std::string("cannot create the shared phase table: ") +
                                     std::strerror(errno));
        }
        memory_ = mmap(nullptr, PhaseTable::bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
        if (memory_ == MAP_FAILED) {
            throw std::runtime_error(std::string("cannot map the shared phase table: ") +
                                     std::strerror(errno));
        }
        table_ = std::make_unique<PhaseTable>(memory_);
        table_->reset();
    }
    ~SharedTable() {
        munmap(memory_, PhaseTable::bytes());
        close(fd_);
    }
    SharedTable(const SharedTable&) = delete;
    SharedTable& operator=(const SharedTable&) = delete;

    int fd() const { return fd_; }
    PhaseTable& table() { return *table_; }

  private:
    int fd_ = -1;
    void* memory_ = MAP_FAILED;
    std::unique_ptr<PhaseTable> table_;
};

}  // namespace

Supervisor::Supervisor(Settings settings, Poco::Logger& logger)
    : settings_(std::move(settings)), logger_(logger) {}

int Supervisor::run() {
    std::optional<Poco::Net::ServerSocket> bound;
    int listenFd = settings_.listenFd;
    if (listenFd < 0) {
        bound.emplace(Poco::Net::SocketAddress(settings_.httpHost,
                                               static_cast<Poco::UInt16>(settings_.httpPort)),
                      settings_.backlog);
        listenFd = bound->impl()->sockfd();
    }
    fcntl(listenFd, F_SETFD, fcntl(listenFd, F_GETFD) & ~FD_CLOEXEC);
    SharedTable shared;
    PhaseTable& table = shared.table();

    sigset_t handled;
    sigemptyset(&handled);
    for (int signal : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) {
        sigaddset(&handled, signal);
    }
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &handled, &previous);

    std::vector<std::string> arguments{settings_.executable};
    arguments.insert(arguments.end(), settings_.arguments.begin(), settings_.arguments.end());
    arguments.push_back("--serve");
    arguments.push_back(fmt::format("--listen-fd={}", listenFd));
    arguments.push_back(fmt::format("--phase-fd={}", shared.fd()));
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    const pid_t supervisor = getpid();

    auto spawn = [&]() -> pid_t {
        pid_t pid = fork();
        if (pid == 0) {
            // The serving process never outlives its supervisor (kill -9 of mvi-host stops both).
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != supervisor) {
                _exit(1);
            }
            sigprocmask(SIG_SETMASK, &previous, nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        if (pid < 0) {
            throw std::runtime_error(std::string("cannot start the serving process: ") +
                                     std::strerror(errno));
        }
        return pid;
    };

    pid_t child = spawn();
    bool stopping = false;
    Clock::time_point stopDeadline;
    bool everServed = false;
    Clock::time_point servingSince = Clock::now();
    std::optional<Clock::time_point> outageSince;
    int unblamedDeaths = 0;
    std::unique_ptr<QuarantineStore> quarantine;

    while (true) {
        timespec timeout{0, 50 * 1000 * 1000};
        siginfo_t info{};
        int signal = sigtimedwait(&handled, &info, &timeout);
        if ((signal == SIGTERM || signal == SIGINT || signal == SIGHUP) && !stopping) {
            stopping = true;
            stopDeadline = Clock::now() + settings_.stopTimeout;
            kill(child, SIGTERM);
        }
        if (stopping && Clock::now() > stopDeadline) {
            logger_.error("supervisor: the serving process did not stop in time; killing it");
            kill(child, SIGKILL);
            stopDeadline = Clock::now() + std::chrono::hours(1);
        }
        if (table.header().serving.load() != 0 && (outageSince || !everServed)) {
            if (outageSince) {
                auto outage = static_cast<std::uint64_t>(millisecondsSince(*outageSince));
                table.header().lastOutageMs.store(outage);
                table.header().totalOutageMs.fetch_add(outage);
                logger_.warning(fmt::format("supervisor: serving again after {} ms", outage));
            }
            everServed = true;
            outageSince.reset();
            servingSince = Clock::now();
        }
        int status = 0;
        if (waitpid(child, &status, WNOHANG) != child) {
            continue;
        }
        Death death{WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                    WIFEXITED(status) ? WEXITSTATUS(status) : 0};
        if (stopping) {
            return death.signaled ? 128 + death.signal : death.status;
        }
        Clock::time_point died = Clock::now();
        TableHeader& header = table.header();
        bool wasServing = header.serving.load() != 0;
        if (header.exitPlanned.load() != 0 && header.replaceRequested.load() == 0) {
            return death.status;
        }
        if (header.exitPlanned.load() != 0) {
            logger_.warning(
                "supervisor: the serving process asked to be replaced; starting a "
                "fresh one");
        } else if (auto blame = attribute(table, death)) {
            logger_.critical(
                fmt::format("supervisor: the serving process died ({}); {} {} is quarantined: {}",
                            describeDeath(death), blame->name, blame->version, blame->reason));
            try {
                if (!quarantine) {
                    quarantine =
                        std::make_unique<QuarantineStore>(Database::open(settings_.databasePath));
                }
                quarantine->add(ServiceId{blame->name, blame->version}, blame->sha256,
                                blame->reason);
                header.quarantined.fetch_add(1);
            } catch (const std::exception& error) {
                logger_.error(
                    fmt::format("supervisor: cannot record the quarantine: {}", error.what()));
            }
            unblamedDeaths = 0;
        } else {
            if (!everServed && !wasServing) {
                logger_.error(fmt::format("supervisor: the serving process could not start ({})",
                                          describeDeath(death)));
                return death.signaled ? 128 + death.signal : std::max(death.status, 1);
            }
            unblamedDeaths = millisecondsSince(servingSince) >= settings_.stableAfter.count()
                                 ? 1
                                 : unblamedDeaths + 1;
            if (unblamedDeaths > settings_.maxUnblamedDeaths) {
                logger_.critical(fmt::format(
                    "supervisor: the serving process died {} times in a row ({} the last time) "
                    "with no plugin to blame; giving up",
                    unblamedDeaths, describeDeath(death)));
                return 70;
            }
            auto pause = std::chrono::milliseconds(
                std::min<long>(5000, 100L << std::min(unblamedDeaths - 1, 6)));
            logger_.error(
                fmt::format("supervisor: the serving process died ({}) with no plugin "
                            "to blame; restarting in {} ms",
                            describeDeath(death), pause.count()));
            timespec wait{static_cast<time_t>(pause.count() / 1000),
                          static_cast<long>(pause.count() % 1000) * 1000000};
            int interrupt = sigtimedwait(&handled, &info, &wait);
            if (interrupt == SIGTERM || interrupt == SIGINT || interrupt == SIGHUP) {
                return 0;
            }
        }
        table.reset();
        header.restarts.fetch_add(1);
        outageSince = died;
        child = spawn();
    }
}

}  // namespace mvi::host::fault
