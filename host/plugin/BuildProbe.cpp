#include "plugin/BuildProbe.h"

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/Path.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "core/ServiceId.h"
#include "fault/Attribution.h"
#include "logs/LogStore.h"
#include "notifications/NotificationStore.h"
#include "plugin/PluginLoader.h"
#include "plugin/Unloader.h"

extern char** environ;

namespace mvi::host {
namespace {

/// How often a waiting probe looks at its process.
constexpr int kPollMs = 10;

/// Both ends of a pipe, closed on destruction.
struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() {
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
        }
    }
    ~Pipe() {
        closeEnd(0);
        closeEnd(1);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void closeEnd(int end) {
        if (fds[end] >= 0) {
            ::close(fds[end]);
            fds[end] = -1;
        }
    }
};

/// Removes a folder and everything in it on destruction.
struct ScratchFolder {
    std::string path;
    ~ScratchFolder() {
        try {
            Poco::File folder(path);
            if (folder.exists()) {
                folder.remove(true);
            }
        } catch (const std::exception&) {
            // A scratch folder left behind is removed with the cache at the next start.
        }
    }
};

/// Writes all of `text` to `fd`.
void writeAll(int fd, const std::string& text) {
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t written = ::write(fd, data, left);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return;
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

/// The probe's verdict from the last JSON line the probe process printed, if any.
std::optional<BuildProbe::Outcome> verdict(const std::string& output) {
    std::size_t end = output.size();
    while (end > 0) {
        std::size_t start = output.rfind('\n', end - 1);
        start = start == std::string::npos ? 0 : start + 1;
        std::string line = output.substr(start, end - start);
        end = start == 0 ? 0 : start - 1;
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (!parsed.is_object() || !parsed.contains("probe") || !parsed["probe"].is_string()) {
            continue;
        }
        BuildProbe::Outcome outcome;
        outcome.passed = true;
        if (parsed["probe"] != "passed") {
            outcome.registrationError =
                parsed.value("error", std::string("its registration failed"));
        }
        return outcome;
    }
    return std::nullopt;
}

}  // namespace

BuildProbe::BuildProbe(Settings settings) : settings_(std::move(settings)) {}

BuildProbe::~BuildProbe() {
    stop();
}

void BuildProbe::stop() {
    stopping_ = true;
    std::lock_guard lock(mutex_);
    for (pid_t pid : running_) {
        ::kill(pid, SIGKILL);
    }
}

pid_t BuildProbe::spawn(const std::string& path, const std::string& scratch,
                        const std::string& environmentFile, int outputFd) {
    std::vector<std::string> arguments = {settings_.executable, "--probe=" + path,
                                          "--probe-dir=" + scratch};
    if (!environmentFile.empty()) {
        arguments.push_back("--probe-env=" + environmentFile);
    }
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outputFd, STDOUT_FILENO);
    // Nothing else of the serving process (its listening socket, its phase table, its database)
    // reaches the probe.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);

    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = -1;
    int error;
    {
        // Registered before `stop` can look, so a stop never misses it.
        std::lock_guard lock(mutex_);
        error = stopping_ ? ECANCELED
                          : posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
        if (error == 0) {
            running_.insert(pid);
        }
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error == ECANCELED) {
        throw std::runtime_error("the host is stopping: the build was not probed");
    }
    if (error != 0) {
        throw std::runtime_error(fmt::format("cannot start the probe process {}: {}",
                                             settings_.executable, std::strerror(error)));
    }
    return pid;
}

BuildProbe::Outcome BuildProbe::run(const std::string& path, const Environment& environment) {
    Outcome outcome;
    ScratchFolder scratch{Poco::Path(Poco::Path::forDirectory(settings_.scratchDir),
                                     fmt::format(".probe-{}", ++probes_))
                              .toString()};
    try {
        Poco::File(scratch.path).createDirectories();
        // The environment reaches the probe as a file in its scratch folder (private to the
        // host's user), never through the environment of a process.
        std::string environmentFile;
        if (!environment.empty()) {
            environmentFile =
                Poco::Path(Poco::Path::forDirectory(scratch.path), "environment.json").toString();
            std::ofstream file(environmentFile, std::ios::binary | std::ios::trunc);
            file << EnvironmentRules::toJson(environment).dump();
            file.close();
            if (!file) {
                throw std::runtime_error("cannot write the environment of the probe to " +
                                         environmentFile);
            }
        }
        Pipe output;
        pid_t pid = spawn(path, scratch.path, environmentFile, output.fds[1]);
        output.closeEnd(1);

        using Clock = std::chrono::steady_clock;
        const Clock::time_point deadline = Clock::now() + settings_.timeout;
        std::string printed;
        bool timedOut = false;
        bool stopped = false;
        for (;;) {
            if (output.fds[0] >= 0) {
                pollfd ready{output.fds[0], POLLIN, 0};
                if (::poll(&ready, 1, kPollMs) > 0) {
                    char buffer[4096];
                    ssize_t got = ::read(output.fds[0], buffer, sizeof buffer);
                    if (got > 0) {
                        printed.append(buffer, static_cast<std::size_t>(got));
                    } else if (got == 0 || errno != EINTR) {
                        output.closeEnd(0);
                    }
                }
            } else {
                ::usleep(kPollMs * 1000);
            }
            // Look without reaping: the pid stays ours until it leaves `running_`.
            siginfo_t info{};
            if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == pid) {
                break;
            }
            if (stopping_) {
                stopped = true;
                ::kill(pid, SIGKILL);
                break;
            }
            if (Clock::now() >= deadline) {
                timedOut = true;
                ::kill(pid, SIGKILL);
                break;
            }
        }
        int status = 0;
        {
            std::lock_guard lock(mutex_);
            running_.erase(pid);
        }
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        // What it printed before it ended.
        while (output.fds[0] >= 0) {
            char buffer[4096];
            ssize_t got = ::read(output.fds[0], buffer, sizeof buffer);
            if (got > 0) {
                printed.append(buffer, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                output.closeEnd(0);
            }
        }

        if (stopped) {
            outcome.stopped = true;
            outcome.reason = "the host is stopping: its probe was cut short";
            return outcome;
        }
        if (timedOut) {
            outcome.reason = fmt::format(
                "registration did not return within {} s (plugins.registration_timeout_seconds) "
                "in a probe process, which was killed",
                settings_.timeout.count());
            return outcome;
        }
        if (WIFSIGNALED(status)) {
            fault::Death death;
            death.signaled = true;
            death.signal = WTERMSIG(status);
            outcome.reason =
                fmt::format("its constructors or registration crashed with {} in a probe process",
                            fault::describeDeath(death));
            return outcome;
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        auto found = verdict(printed);
        if (code == 0 && found) {
            return *found;
        }
        outcome.reason = fmt::format(
            "its constructors or registration called exit({}) in a probe process", code);
    } catch (const std::exception& error) {
        outcome.passed = false;
        outcome.stopped = stopping_;
        outcome.reason = error.what();
    }
    return outcome;
}

void BuildProbe::probeHere(const std::string& path, const std::string& scratchDir,
                           const std::string& environmentFile) {
    // Dies with its parent; a crash leaves no core file behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1) {
        std::_Exit(1);
    }
    rlimit noCore{0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);
    // A fatal signal of the build ends the process with that signal, for the parent to name
    // (Poco's application installs handlers that would turn it into an abort).
    for (int fatal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT}) {
        ::signal(fatal, SIG_DFL);
    }
    // The verdict goes to the real standard output; anything the build prints to stderr.
    int verdictFd = ::dup(STDOUT_FILENO);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);

    std::string scratch = scratchDir;
    bool ownScratch = false;
    // Ends the process with `result` as the verdict. Called where the loader and the loaded
    // build are still alive: no destructor of the build runs, only its constructors and its
    // registration are on trial.
    auto finish = [&](const nlohmann::json& result) {
        writeAll(verdictFd, result.dump() + "\n");
        if (ownScratch) {
            ScratchFolder remove{scratch};
        }
        std::_Exit(0);
    };
    try {
        if (scratch.empty()) {
            char pattern[] = "/tmp/mvi-probe-XXXXXX";
            if (::mkdtemp(pattern) == nullptr) {
                throw std::runtime_error(std::string("cannot create a scratch folder: ") +
                                         std::strerror(errno));
            }
            scratch = pattern;
            ownScratch = true;
        }
        Poco::Logger& quiet = Poco::Logger::get("probe");
        quiet.setLevel(Poco::Message::PRIO_FATAL);
        LogStore logs(Poco::Path(Poco::Path::forDirectory(scratch), "logs").toString(),
                      LogStore::Settings{}, quiet);
        NotificationStore notifications;
        // Periodic tasks are declared as in the serving process but never run here.
        struct NoTimers : TimerService {
            void add(const std::shared_ptr<ServiceVersion>&, TimerSpec) override {}
            void ready(const std::shared_ptr<ServiceVersion>&) override {}
            void cancel(const ServiceVersion*) override {}
        } timers;
        Unloader unloader(quiet);
        HostServices services{logs, notifications};
        services.timers = &timers;
        PluginLoader::Vetting vetting;
        // The serving process decided about UNIQUE symbols already; only the build's own code
        // is tried here.
        vetting.allowUniqueSymbols = true;
        PluginLoader loader(Poco::Path(Poco::Path::forDirectory(scratch), "cache").toString(),
                            services, vetting, unloader, quiet);
        ServiceId id = parsePluginFileName(Poco::Path(path).getFileName())
                           .value_or(ServiceId{"probe", "0.0.0"});
        Environment environment;
        if (!environmentFile.empty()) {
            std::ifstream file(environmentFile, std::ios::binary);
            if (!file) {
                throw std::runtime_error("cannot read the environment file " + environmentFile);
            }
            environment = EnvironmentRules::fromJson(nlohmann::json::parse(file));
        }
        auto version = loader.load(id, path, environment);
        if (version->state() == VersionState::Ready) {
            finish({{"probe", "passed"}, {"entrypoints", version->entrypoints().size()}});
        }
        finish({{"probe", "failed"}, {"error", version->error()}});
    } catch (const std::exception& error) {
        finish({{"probe", "failed"}, {"error", error.what()}});
    }
    std::_Exit(0);
}

}  // namespace mvi::host
