#include "ReloadBench.h"

#include <Poco/File.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include <utility>
#include <vector>

#include "ChildProcess.h"
#include "ServiceProbe.h"

namespace mvi::bench {
namespace {

/// The file both builds are deployed as.
const std::string kPluginFile = "counter_1.0.0.so";
/// What wrk loads: the main version, by name.
const std::string kByNamePath = "/services/counter/version";
/// What the swap probe calls: the version being replaced, by version.
const std::string kByVersionPath = "/services/counter_1.0.0/version";
/// The line the host prints once it serves, followed by its URL.
const std::string kListeningPrefix = "mvi-host listening on ";
/// Lines of a program's output quoted in an error message.
constexpr std::size_t kTailLines = 20;

/// `text` with a program's last output appended, for an error message.
std::string withOutput(const std::string& text, const std::string& program,
                       const ChildProcess& child) {
    std::string tail = child.outputTail(kTailLines);
    if (tail.empty()) {
        return text + " (" + program + " printed nothing)";
    }
    return text + "\n--- last output of " + program + " ---\n" + tail;
}

/// How a child process ended, from the exit code `ChildProcess::wait` gives.
std::string describeExit(int code) {
    if (code >= 256) {
        return "was killed by signal " + std::to_string(code - 256);
    }
    return "exited with code " + std::to_string(code);
}

/// A path in `directory`.
std::string pathIn(const std::string& directory, const std::string& name) {
    return Poco::Path(Poco::Path::forDirectory(directory), name).toString();
}

}  // namespace

ReloadBench::ReloadBench(BenchSettings settings) : settings_(std::move(settings)) {}

Poco::Clock ReloadBench::installBuild(const std::string& build, const std::string& pluginsDir) {
    Poco::File hidden(pathIn(pluginsDir, "." + kPluginFile + ".tmp"));
    Poco::File(build).copyTo(hidden.path());
    hidden.renameTo(pathIn(pluginsDir, kPluginFile));
    return Poco::Clock();
}

std::string ReloadBench::waitForBuild(ServiceProbe& probe, ChildProcess& host,
                                      const std::string& what, const std::string& previous,
                                      const std::string& expected, std::uint64_t& failures) const {
    const Poco::Clock::ClockDiff deadline =
        static_cast<Poco::Clock::ClockDiff>(settings_.swapDeadlineSeconds) *
        Poco::Clock::resolution();
    Poco::Clock started;
    ServiceProbe::Answer answer;
    for (;;) {
        answer = probe.call();
        if (answer.status == 200) {
            if (answer.body != previous && (expected.empty() || answer.body == expected)) {
                return answer.body;
            }
        } else {
            ++failures;
        }
        if (auto code = host.wait(Poco::Timespan(0))) {
            throw BenchError(withOutput("mvi-host " + describeExit(*code) + " during the run",
                                        "mvi-host", host));
        }
        if (started.elapsed() > deadline) {
            std::string message = "no answer from " + what + " on " + kByVersionPath + " within " +
                                  std::to_string(settings_.swapDeadlineSeconds) +
                                  " s (last answer: " + std::to_string(answer.status) + " " +
                                  answer.body + ")";
            if (!previous.empty() && answer.body == previous) {
                message += "; do the two builds answer `version` differently?";
            }
            throw BenchError(withOutput(message, "mvi-host", host));
        }
    }
}

BenchReport ReloadBench::run(std::ostream& progress) {
    // Removed, with everything in it, when the run ends either way.
    Poco::TemporaryFile work;
    work.createDirectories();
    const std::string pluginsDir = pathIn(work.path(), "plugins");
    const std::string dataDir = pathIn(work.path(), "data");
    Poco::File(pluginsDir).createDirectories();

    const std::vector<std::string> builds = {settings_.buildA, settings_.buildB};
    installBuild(builds[0], pluginsDir);

    std::vector<std::string> hostArguments = {"--host",        "127.0.0.1", "--port",     "0",
                                              "--plugins-dir", pluginsDir,  "--data-dir", dataDir};
    for (const std::string& define : settings_.hostDefines) {
        hostArguments.insert(hostArguments.end(), {"--define", define});
    }
    ChildProcess host(settings_.hostBinary, hostArguments, work.path());
    auto listening =
        host.waitForLine(kListeningPrefix, Poco::Timespan(settings_.swapDeadlineSeconds, 0));
    unsigned port = 0;
    if (!listening ||
        !Poco::NumberParser::tryParseUnsigned(listening->substr(listening->rfind(':') + 1), port)) {
        std::string reason = "mvi-host did not start";
        if (auto code = host.wait(Poco::Timespan(0))) {
            reason += " (it " + describeExit(*code) + ")";
        }
        throw BenchError(withOutput(reason, "mvi-host", host));
    }

    ServiceProbe probe(port, kByVersionPath);
    std::uint64_t startupFailures = 0;
    std::vector<std::string> answers = {
        waitForBuild(probe, host, "build A", "", "", startupFailures), ""};
    progress << "mvi-host serves " << kPluginFile << " on port " << port << "; build A answers "
             << answers[0] << std::endl;

    const std::string url = "http://127.0.0.1:" + std::to_string(port) + kByNamePath;
    ChildProcess wrk(
        settings_.wrk,
        {"-t", std::to_string(settings_.threads), "-c", std::to_string(settings_.connections), "-d",
         std::to_string(settings_.durationSeconds) + "s", "--latency", "-s", settings_.script, url},
        work.path());
    progress << "wrk loads " << url << " for " << settings_.durationSeconds
             << " s while builds A and B are swapped in turn" << std::endl;

    BenchReport report;
    report.url = url;
    report.threads = settings_.threads;
    report.connections = settings_.connections;
    const Poco::Clock::ClockDiff runTime =
        static_cast<Poco::Clock::ClockDiff>(settings_.durationSeconds) * Poco::Clock::resolution();
    Poco::Clock loadStarted;
    std::size_t serving = 0;
    while (loadStarted.elapsed() < runTime && wrk.running()) {
        const std::size_t next = 1 - serving;
        Poco::Clock landed = installBuild(builds[next], pluginsDir);
        answers[next] = waitForBuild(probe, host, "the new build", answers[serving], answers[next],
                                     report.probeFailures);
        report.swapLatenciesMs.push_back(static_cast<double>(landed.elapsed()) / 1000.0);
        if (report.swapLatenciesMs.size() == 1) {
            progress << "build B answers " << answers[1] << std::endl;
        }
        serving = next;
    }

    auto wrkExit = wrk.wait(Poco::Timespan(settings_.swapDeadlineSeconds, 0));
    if (!wrkExit) {
        throw BenchError(withOutput("wrk did not finish " +
                                        std::to_string(settings_.swapDeadlineSeconds) +
                                        " s after its duration",
                                    "wrk", wrk));
    }
    if (*wrkExit != 0) {
        throw BenchError(withOutput("wrk failed (it " + describeExit(*wrkExit) + ")", "wrk", wrk));
    }
    try {
        report.wrk = WrkSummary::parse(wrk.output());
    } catch (const std::runtime_error& error) {
        throw BenchError(withOutput(error.what(), "wrk", wrk));
    }
    if (auto code = host.wait(Poco::Timespan(0))) {
        throw BenchError(
            withOutput("mvi-host " + describeExit(*code) + " during the run", "mvi-host", host));
    }
    int hostExit = host.stop(Poco::Timespan(30, 0));
    if (hostExit != 0) {
        progress << withOutput("warning: when stopped, mvi-host " + describeExit(hostExit),
                               "mvi-host", host)
                 << std::endl;
    }
    return report;
}

}  // namespace mvi::bench
