// mvi-host: serves MVI services loaded from shared libraries over HTTP.

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/SplitterChannel.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <Poco/Path.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "Host.h"
#include "fault/ActivatedSocket.h"
#include "fault/CrashHandler.h"
#include "fault/PhaseTable.h"
#include "fault/Supervisor.h"
#include "http/TlsSocket.h"
#include "logs/HostLogChannel.h"
#include "logs/JournalFormatter.h"
#include "plugin/BuildProbe.h"
#include "state/DataFolder.h"

namespace {

using Poco::Util::Option;

/// The longest a stopping serving process waits for its calls before it exits anyway.
constexpr int kStopTimeoutSeconds = 20;

class HostApplication : public Poco::Util::ServerApplication {
  protected:
    void defineOptions(Poco::Util::OptionSet& options) override {
        ServerApplication::defineOptions(options);
        options.addOption(Option("help", "h", "Show this help and exit.")
                              .required(false)
                              .repeatable(false)
                              .callback(Poco::Util::OptionCallback<HostApplication>(
                                  this, &HostApplication::showHelp)));
        options.addOption(Option("config", "c", "Read configuration from FILE.")
                              .required(false)
                              .repeatable(false)
                              .argument("FILE")
                              .binding("mvi.config_file"));
        options.addOption(Option("host", "", "Address to listen on (http.host).")
                              .required(false)
                              .repeatable(false)
                              .argument("ADDRESS")
                              .binding("http.host"));
        options.addOption(Option("port", "p", "Port to listen on; 0 picks one (http.port).")
                              .required(false)
                              .repeatable(false)
                              .argument("PORT")
                              .binding("http.port"));
        options.addOption(Option("plugins-dir", "", "Folder of plugin files (plugins.dir).")
                              .required(false)
                              .repeatable(false)
                              .argument("DIR")
                              .binding("plugins.dir"));
        options.addOption(Option("data-dir", "", "Folder for the host's state (data.dir).")
                              .required(false)
                              .repeatable(false)
                              .argument("DIR")
                              .binding("data.dir"));
        options.addOption(Option("serve", "",
                                 "Run the serving process alone, without the supervisor that "
                                 "restarts it after a crash (for debugging, or under a service "
                                 "manager that restarts it).")
                              .required(false)
                              .repeatable(false)
                              .binding("mvi.serve"));
        options.addOption(Option("probe", "",
                                 "Try FILE as a new build would be tried before it is served: "
                                 "open it with the host's loader, run its constructors and its "
                                 "registration, print one line of JSON with the outcome and exit "
                                 "0 (a crash, an exit or a hang of the build ends this process "
                                 "instead).")
                              .required(false)
                              .repeatable(false)
                              .argument("FILE")
                              .binding("mvi.probe_file"));
        options.addOption(Option("probe-dir", "", "Internal: scratch folder of a probe.")
                              .required(false)
                              .repeatable(false)
                              .argument("DIR")
                              .binding("mvi.probe_dir"));
        options.addOption(
            Option("probe-env", "", "Internal: JSON file with the environment of a probed version.")
                .required(false)
                .repeatable(false)
                .argument("FILE")
                .binding("mvi.probe_env"));
        options.addOption(Option("listen-fd", "", "Internal: serve on this inherited socket.")
                              .required(false)
                              .repeatable(false)
                              .argument("FD")
                              .binding("mvi.listen_fd"));
        options.addOption(
            Option("phase-fd", "", "Internal: keep the phase table in this inherited memory.")
                .required(false)
                .repeatable(false)
                .argument("FD")
                .binding("mvi.phase_fd"));
        options.addOption(Option("define", "D", "Set a configuration key: KEY=VALUE.")
                              .required(false)
                              .repeatable(true)
                              .argument("KEY=VALUE")
                              .callback(Poco::Util::OptionCallback<HostApplication>(
                                  this, &HostApplication::define)));
    }

    void initialize(Application& self) override {
        if (helpRequested_) {
            return;
        }
        std::string file = config().getString("mvi.config_file", "");
        if (file.empty() && Poco::File("config/mvi-host.properties").exists()) {
            file = "config/mvi-host.properties";
        }
        if (!file.empty()) {
            loadConfiguration(file, PRIO_DEFAULT);
        }
        // Environment between the file and the command line.
        Poco::AutoPtr<Poco::Util::MapConfiguration> environment(new Poco::Util::MapConfiguration);
        mvi::host::HostConfig::applyEnvironment(*environment);
        config().add(environment, PRIO_DEFAULT - 50);
        ServerApplication::initialize(self);
    }

    int main(const std::vector<std::string>&) override {
        if (helpRequested_) {
            return EXIT_OK;
        }
        // Every file and folder this process and its children create is private to the host's
        // user (the data folder holds the signing secret of tokens); services' own files too.
        umask(077);
        // A reader that went away (a closed terminal or pipe, a client) is an error to handle
        // where it happens, never a reason to die.
        signal(SIGPIPE, SIG_IGN);
        if (config().has("mvi.probe_file")) {
            // A probe is a process of its own: no supervisor, no phase table, no crash handler.
            setUpLogging("error");
            mvi::host::BuildProbe::probeHere(config().getString("mvi.probe_file"),
                                             config().getString("mvi.probe_dir", ""),
                                             config().getString("mvi.probe_env", ""));
        }
        try {
            auto settings = mvi::host::HostConfig::from(config());
            setUpLogging(settings.logs.level);
            checkTransport(settings);
            if (!config().has("mvi.serve")) {
                return supervise(settings);
            }
            return serve(settings);
        } catch (const mvi::host::DataFolder::Unusable& error) {
            std::cerr << "mvi-host: " << error.what() << std::endl;
            return EXIT_CANTCREAT;
        } catch (const mvi::host::DataFolder::Damaged& error) {
            std::cerr << "mvi-host: " << error.what() << std::endl;
            return EXIT_DATAERR;
        } catch (const Poco::Exception& error) {
            std::cerr << "mvi-host: " << error.displayText() << std::endl;
            return EXIT_CONFIG;
        } catch (const std::exception& error) {
            std::cerr << "mvi-host: " << error.what() << std::endl;
            return EXIT_SOFTWARE;
        }
        return EXIT_OK;
    }

  private:
    /// Refuses to serve auth over plain HTTP off loopback when `auth.require_tls` says so;
    /// warns otherwise.
    static void checkTransport(const mvi::host::HostConfig& settings) {
        if (settings.tls.enabled()) {
            // Refused here, with the reason, rather than by every serving process in turn.
            mvi::host::TlsCertificates(settings.tls.certificateFile, settings.tls.keyFile,
                                       Poco::Logger::get("mvi"));
        }
        std::string warning = settings.plainTextWarning();
        if (warning.empty()) {
            return;
        }
        if (settings.auth.requireTls) {
            throw Poco::InvalidArgumentException("auth.require_tls is true, and " + warning);
        }
        Poco::Logger::get("mvi").warning("WARNING: " + warning);
    }

    /// The supervisor: holds the socket and restarts the serving process (DESIGN.md §9).
    int supervise(const mvi::host::HostConfig& settings) {
        mvi::host::fault::Supervisor::Settings supervision;
        supervision.executable = Poco::Path("/proc/self/exe").toString();
        char resolved[4096];
        ssize_t length = readlink("/proc/self/exe", resolved, sizeof resolved - 1);
        if (length > 0) {
            supervision.executable.assign(resolved, static_cast<std::size_t>(length));
        }
        std::vector<std::string> arguments = argv();
        supervision.arguments.assign(arguments.begin() + 1, arguments.end());
        supervision.httpHost = settings.http.host;
        supervision.httpPort = settings.http.port;
        supervision.backlog = settings.http.maxQueued;
        // Under systemd with mvi-host.socket, the socket it passed instead of http.host:port.
        supervision.listenFd = mvi::host::fault::takeActivatedSocket();
        // Once per start, before any serving process: a restart after a crash does not wait for
        // the whole database to be read again.
        supervision.databasePath = checkedDataFolder(settings);
        int status = 0;
        {
            mvi::host::fault::Supervisor supervisor(supervision, Poco::Logger::get("mvi"));
            status = supervisor.run();
        }
        // The supervisor has nothing left to write, and its exit must not wait on anything:
        // under LeakSanitizer, the exit-time check was seen to hang in this process (whose
        // signals stay blocked for sigtimedwait), so it leaves at once.
        std::cout.flush();
        std::cerr.flush();
        std::clog.flush();
        std::_Exit(status);
    }

    /// The serving process: loads the plugins and answers requests.
    int serve(const mvi::host::HostConfig& settings) {
        // Blocked before any thread starts, so that every thread inherits the mask and these
        // signals only end the wait below (a thread that did not block them would take one and
        // the default action would end the process without stopping the host).
        sigset_t stopSignals;
        sigemptyset(&stopSignals);
        for (int stopSignal : {SIGINT, SIGQUIT, SIGTERM}) {
            sigaddset(&stopSignals, stopSignal);
        }
        pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
        int phaseFd = config().getInt("mvi.phase_fd", -1);
        if (phaseFd >= 0) {
            mvi::host::fault::PhaseTable::attach(phaseFd);
        }
        mvi::host::fault::CrashHandler::install();
        int listenFd = config().getInt("mvi.listen_fd", -1);
        if (listenFd < 0) {
            // Run alone, without a supervisor that checked the data folder (and took the socket
            // a service manager may have passed).
            checkedDataFolder(settings);
            listenFd = mvi::host::fault::takeActivatedSocket();
        }
        mvi::host::Host host(settings);
        // Past the stuck-calls limit the serving process stops as on SIGTERM, and tells the
        // supervisor to start a fresh one rather than to exit.
        host.onTooManyStuckCalls([] {
            mvi::host::fault::CrashHandler::planExit(true);
            kill(getpid(), SIGTERM);
        });
        if (listenFd >= 0) {
            host.adoptListeningSocket(listenFd);
        }
        host.loadPluginsFolder();
        host.start();
        mvi::host::fault::PhaseTable::instance().header().serving.store(1);
        std::cout << "mvi-host listening on " << (host.config().tls.enabled() ? "https" : "http")
                  << "://" << host.config().http.host << ":" << host.port() << std::endl;
        int received = 0;
        while (sigwait(&stopSignals, &received) != 0) {
        }
        mvi::host::fault::CrashHandler::planExit(false);
        // A stop that cannot end (a plugin call holding a lock the stop needs) is cut short.
        std::thread guard([] {
            std::this_thread::sleep_for(std::chrono::seconds(kStopTimeoutSeconds + 5));
            std::cerr << "mvi-host: the stop did not end within " << kStopTimeoutSeconds + 5
                      << " s; leaving without it" << std::endl;
            std::_Exit(EXIT_OK);
        });
        guard.detach();
        Poco::Logger::get("mvi").information(std::string("stopping on ") + signalName(received) +
                                             ": draining calls, unloading "
                                             "services, writing what is queued");
        if (!host.stop(std::chrono::seconds(kStopTimeoutSeconds))) {
            // A call that never returned still runs in a plugin: everything accepted is written,
            // but destroying the host under it is not safe, so the process ends here.
            std::cout.flush();
            std::_Exit(EXIT_OK);
        }
        return EXIT_OK;
    }

    /// Prepares the data folder and checks its database (DataFolder); returns the database's
    /// path. Throws DataFolder::Unusable or DataFolder::Damaged.
    static std::string checkedDataFolder(const mvi::host::HostConfig& settings) {
        mvi::host::DataFolder data(settings.data.dir, {settings.plugins.dir},
                                   Poco::Logger::get("mvi"));
        data.prepare();
        data.checkDatabase();
        return data.databasePath();
    }

    static const char* signalName(int signal) {
        switch (signal) {
            case SIGINT:
                return "SIGINT";
            case SIGQUIT:
                return "SIGQUIT";
            case SIGTERM:
                return "SIGTERM";
            default:
                return "a signal";
        }
    }

    void showHelp(const std::string&, const std::string&) {
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage("[OPTIONS]");
        help.setHeader("Serves MVI services loaded from <name>_<version>.so plugin files.");
        help.format(std::cout);
        helpRequested_ = true;
        stopOptionsProcessing();
    }

    void define(const std::string&, const std::string& value) {
        auto equals = value.find('=');
        if (equals == std::string::npos || equals == 0) {
            throw Poco::InvalidArgumentException("--define expects KEY=VALUE, got " + value);
        }
        config().setString(value.substr(0, equals), value.substr(equals + 1));
    }

    static void setUpLogging(const std::string& level) {
        // Under systemd, standard error is the journal's stream: it stamps each line itself and
        // takes its priority from a "<N>" prefix.
        Poco::AutoPtr<Poco::Formatter> formatter;
        if (mvi::host::JournalFormatter::isJournalStream(std::getenv("JOURNAL_STREAM"),
                                                         STDERR_FILENO)) {
            formatter = new mvi::host::JournalFormatter;
        } else {
            formatter = new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i %p %s: %t");
        }
        // The console, and the host's own log (`GET /logs/`) once a Host has its log store.
        Poco::AutoPtr<Poco::SplitterChannel> channel(new Poco::SplitterChannel);
        channel->addChannel(new Poco::FormattingChannel(formatter, new Poco::ConsoleChannel));
        channel->addChannel(mvi::host::HostLogChannel::shared());
        Poco::Logger::root().setChannel(channel);
        Poco::Logger::root().setLevel(level);
        for (const char* name : {"mvi", "service"}) {
            Poco::Logger::get(name).setChannel(channel);
            Poco::Logger::get(name).setLevel(level);
        }
    }

    bool helpRequested_ = false;
};

}  // namespace

POCO_SERVER_MAIN(HostApplication)
