// Vetting of new builds end to end: a file cut short, a build whose constructors or registration
// crash, call exit(3) or hang, and a build with STB_GNU_UNIQUE symbols are refused before the
// serving process opens them, whether dropped into the plugins folder, uploaded, or present at
// start; the serving process keeps running and serving the others, and stopping the host never
// waits for a build on trial.

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

/// Bytes a build is cut to: inside its second loadable segment (every plugin's code segment
/// starts at 4096 and is far longer than this).
constexpr std::size_t kCutTo = 10000;

/// `POST /services/hello/hello {"name": "Bob"}`; an empty string when the host does not answer.
std::string greet(const HostProcess& host) {
    try {
        Response response = host.post("/services/hello/hello", {{"name", "Bob"}});
        return response.status == 200 ? response.json().get<std::string>() : "";
    } catch (const std::exception&) {
        return "";
    }
}

/// The first `bytes` bytes of the built hello plugin: a copy cut short.
std::string truncatedHello(std::size_t bytes = kCutTo) {
    return readFile(builtPlugin("hello")).substr(0, bytes);
}

/// Puts `content` into the plugins folder as `fileName` (written aside, then renamed in).
void dropContent(const HostProcess& host, const std::string& content, const std::string& fileName) {
    fs::path temporary = fs::path(host.pluginsDir()) / ("." + fileName + ".tmp");
    {
        std::ofstream output(temporary, std::ios::binary | std::ios::trunc);
        output << content;
    }
    fs::rename(temporary, fs::path(host.pluginsDir()) / fileName);
}

/// The `GET /services/` entry of (name, version) once its status is `status`; null when it
/// never gets there within `deadline`.
json waitForStatus(const HostProcess& host, const std::string& name, const std::string& version,
                   const std::string& status,
                   std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    json entry;
    bool reached = waitFor(
        [&] {
            try {
                entry = serviceEntry(host, name, version);
            } catch (const std::exception&) {
                return false;
            }
            return entry.is_object() && entry["status"] == status;
        },
        deadline);
    return reached ? entry : json();
}

/// Probe processes (`mvi-host --probe=...`) whose parent is `parent`.
std::vector<pid_t> probeProcesses(pid_t parent) {
    std::vector<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) {
            continue;
        }
        std::string stat = readFile((entry.path() / "stat").string());
        auto close = stat.rfind(')');
        char state = 0;
        int ppid = 0;
        if (close == std::string::npos ||
            std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != parent ||
            state == 'Z') {
            continue;
        }
        std::string commandLine = readFile((entry.path() / "cmdline").string());
        if (commandLine.find("--probe=") != std::string::npos) {
            found.push_back(static_cast<pid_t>(std::stoi(name)));
        }
    }
    return found;
}

/// Whether process `pid` is gone (or only a zombie).
bool processGone(pid_t pid) {
    std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    return stat.empty() || close == std::string::npos || stat.find(" Z ", close) == close + 1;
}

/// A bad build and what its refusal must say.
struct BadBuild {
    const char* label;
    /// The fixture target, or empty for a copy of hello cut short.
    const char* fixture;
    std::vector<const char*> expected;
};

const BadBuild kBadBuilds[] = {
    {"truncated", "", {"bad_1.0.0.so is cut short: segment", "but the file has 10000 bytes"}},
    {"ctor_crash",
     "fixture_ctor_crash",
     {"its constructors or registration crashed with SIGSEGV (Segmentation fault)"}},
    {"register_crash",
     "fixture_register_crash",
     {"its constructors or registration crashed with SIGSEGV (Segmentation fault)"}},
    {"register_exit", "fixture_register_exit", {"its constructors or registration called exit(3)"}},
    {"unique_symbols",
     "fixture_unique_symbols",
     {"STB_GNU_UNIQUE", "fixture_unique::calls()::count", "mvi_add_plugin", "-fno-gnu-unique",
      "plugins.allow_unique_symbols=true"}},
};

/// Names a bad build by its label in test output.
void PrintTo(const BadBuild& bad, std::ostream* stream) {
    *stream << bad.label;
}

void dropBad(const HostProcess& host, const BadBuild& bad, const std::string& fileName) {
    if (std::string(bad.fixture).empty()) {
        dropContent(host, truncatedHello(), fileName);
    } else {
        installPlugin(builtPlugin(bad.fixture), host.pluginsDir(), fileName);
    }
}

void expectReason(const std::string& reason, const BadBuild& bad) {
    for (const char* text : bad.expected) {
        EXPECT_NE(reason.find(text), std::string::npos) << reason;
    }
}

class VettingDropped : public ::testing::TestWithParam<BadBuild> {};

TEST_P(VettingDropped, IsRefusedBeforeTheServingProcessOpensIt) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    ASSERT_EQ(greet(*host), "Hello Bob");
    pid_t serving = host->servingPid();
    ASSERT_GT(serving, 0);

    dropBad(*host, GetParam(), "bad_1.0.0.so");

    json entry = waitForStatus(*host, "bad", "1.0.0", "failed");
    ASSERT_TRUE(entry.is_object()) << host->get("/services/").body;
    expectReason(entry["error"].get<std::string>(), GetParam());
    // Calls to it say why; a Critical notification says the same.
    Response call = host->post("/services/bad/ok", json::object());
    EXPECT_EQ(call.status, 503) << call.body;
    EXPECT_TRUE(hasNotification(*host, "bad", "CRITICAL", "Failed to load"));

    EXPECT_EQ(host->servingPid(), serving) << "the serving process was replaced";
    EXPECT_EQ(greet(*host), "Hello Bob");
    // The build never reached the serving process.
    for (const std::string& mapped : mappedFilesUnder(serving, host->dataDir())) {
        EXPECT_EQ(mapped.find("bad_1.0.0"), std::string::npos) << mapped;
    }
}

INSTANTIATE_TEST_SUITE_P(Bad, VettingDropped, ::testing::ValuesIn(kBadBuilds),
                         [](const ::testing::TestParamInfo<BadBuild>& param) {
                             return std::string(param.param.label);
                         });

/// POSTs a multipart upload of `content` as (name, version) to /services/~tar.
Response upload(const HostProcess& host, const std::string& name, const std::string& version,
                const std::string& content) {
    return deployFile(host.port(), name, version, content, name + ".so");
}

TEST(Vetting, AnUploadCutShortOrCrashingIsRefusedWith422AndNothingChanges) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    pid_t serving = host->servingPid();
    auto files = listing(host->pluginsDir());
    json services = host->get("/services/").json();

    Response cut = upload(*host, "counter", "2.0.0", truncatedHello());
    EXPECT_EQ(cut.status, 422) << cut.body;
    std::string detail = cut.json()["detail"].dump();
    EXPECT_NE(detail.find("counter 2.0.0 failed to load, nothing was deployed"), std::string::npos)
        << detail;
    EXPECT_NE(detail.find("is cut short: segment"), std::string::npos) << detail;

    Response crash = upload(*host, "crash", "1.0.0", readFile(builtPlugin("fixture_ctor_crash")));
    EXPECT_EQ(crash.status, 422) << crash.body;
    EXPECT_NE(crash.body.find("crashed with SIGSEGV (Segmentation fault)"), std::string::npos)
        << crash.body;

    EXPECT_EQ(listing(host->pluginsDir()), files);
    EXPECT_EQ(host->get("/services/").json(), services);
    EXPECT_EQ(host->servingPid(), serving);
    EXPECT_EQ(greet(*host), "Hello Bob");
}

TEST(Vetting, BadFilesPresentAtStartNeverKeepTheHostFromServing) {
    std::string work = makeTemporaryDirectory();
    std::string plugins = (fs::path(work) / "plugins").string();
    fs::create_directories(plugins);
    installPlugin(builtPlugin("hello"), plugins, "hello_1.0.0.so");
    {
        std::ofstream cut(fs::path(plugins) / "cut_1.0.0.so", std::ios::binary);
        cut << truncatedHello();
    }
    installPlugin(builtPlugin("fixture_ctor_crash"), plugins, "ctor_1.0.0.so");
    installPlugin(builtPlugin("fixture_register_hang"), plugins, "hang_1.0.0.so");

    auto started = std::chrono::steady_clock::now();
    HostProcess host({"--define", "plugins.registration_timeout_seconds=1"}, work);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    pid_t serving = host.servingPid();
    EXPECT_EQ(greet(host), "Hello Bob");
    EXPECT_NE(serviceEntry(host, "cut", "1.0.0")["error"].get<std::string>().find("is cut short"),
              std::string::npos);
    EXPECT_NE(serviceEntry(host, "ctor", "1.0.0")["error"].get<std::string>().find("SIGSEGV"),
              std::string::npos);
    EXPECT_NE(serviceEntry(host, "hang", "1.0.0")["error"].get<std::string>().find(
                  "registration did not return within 1 s"),
              std::string::npos);
    EXPECT_EQ(host.servingPid(), serving);
    EXPECT_EQ(host.get("/~ready").status, 503);
}

TEST(Vetting, ARegistrationThatHangsIsRefusedAtItsDeadline) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}},
                          {"--define", "plugins.registration_timeout_seconds=1"});
    pid_t serving = host->servingPid();

    auto dropped = std::chrono::steady_clock::now();
    installPlugin(builtPlugin("fixture_register_hang"), host->pluginsDir(), "hang_1.0.0.so");
    json entry = waitForStatus(*host, "hang", "1.0.0", "failed", std::chrono::seconds(5));
    ASSERT_TRUE(entry.is_object()) << host->get("/services/").body;
    auto took = std::chrono::steady_clock::now() - dropped;
    EXPECT_LT(took, std::chrono::seconds(4));
    EXPECT_NE(entry["error"].get<std::string>().find("registration did not return within 1 s"),
              std::string::npos)
        << entry.dump();
    EXPECT_TRUE(probeProcesses(serving).empty()) << "the probe process was not killed";
    EXPECT_EQ(host->servingPid(), serving);
    EXPECT_EQ(greet(*host), "Hello Bob");

    auto stopping = std::chrono::steady_clock::now();
    int status = host->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
}

TEST(Vetting, ABuildOnTrialNeverHoldsUpTheLoadsOfOtherServices) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}},
                          {"--define", "plugins.registration_timeout_seconds=120"});
    pid_t serving = host->servingPid();
    installPlugin(builtPlugin("fixture_register_hang"), host->pluginsDir(), "hang_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return !probeProcesses(serving).empty(); }));

    // Another service dropped while the first one's registration hangs in its probe loads and
    // serves before that probe has ended.
    installPlugin(builtPlugin("hello"), host->pluginsDir(), "greeter_1.0.0.so");
    json greeter = waitForStatus(*host, "greeter", "1.0.0", "ready", std::chrono::seconds(60));
    ASSERT_TRUE(greeter.is_object()) << host->get("/services/").body;
    Response answer = host->post("/services/greeter/hello", {{"name", "Bob"}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_FALSE(probeProcesses(serving).empty()) << "the hanging build's probe had ended";
    EXPECT_NE(serviceEntry(*host, "hang", "1.0.0")["status"], "failed");
}

TEST(Vetting, StoppingTheHostNeverWaitsForABuildOnTrial) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}},
                          {"--define", "plugins.registration_timeout_seconds=120"});
    pid_t serving = host->servingPid();
    installPlugin(builtPlugin("fixture_register_hang"), host->pluginsDir(), "hang_1.0.0.so");
    std::vector<pid_t> probes;
    ASSERT_TRUE(waitFor([&] {
        probes = probeProcesses(serving);
        return !probes.empty();
    }));
    // Requests are served while the build is on trial.
    EXPECT_EQ(greet(*host), "Hello Bob");

    host->keepWorkDirectory();
    auto stopping = std::chrono::steady_clock::now();
    int status = host->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
    for (pid_t probe : probes) {
        EXPECT_TRUE(waitFor([&] { return processGone(probe); }, std::chrono::seconds(2)))
            << "probe process " << probe << " outlived the host";
    }

    // The cut-short probe left no notification behind: at the next start the build is tried
    // again and refused for what it does.
    std::string work = host->workDirectory();
    host.reset();
    HostProcess again({"--define", "plugins.registration_timeout_seconds=1"}, work);
    EXPECT_EQ(greet(again), "Hello Bob");
    EXPECT_TRUE(hasNotification(again, "hang", "CRITICAL", "did not return within 1 s"));
    EXPECT_FALSE(hasNotification(again, "hang", "CRITICAL", "stopping"))
        << again.get("/notifications/").body;
}

TEST(Vetting, UniqueSymbolsAreLoadedWithAWarningWhenAllowed) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}}, {"--define", "plugins.allow_unique_symbols=true"});
    installPlugin(builtPlugin("fixture_unique_symbols"), host->pluginsDir(), "unique_1.0.0.so");
    json entry = waitForStatus(*host, "unique", "1.0.0", "ready");
    ASSERT_TRUE(entry.is_object()) << host->get("/services/").body;
    Response count = host->post("/services/unique/count", json::object());
    EXPECT_EQ(count.status, 200) << count.body;
    EXPECT_EQ(count.json(), 1);
    EXPECT_TRUE(hasNotification(*host, "unique", "WARNING", "STB_GNU_UNIQUE"));
    Response log = host->get("/services/~logs?name=unique&version=1.0.0");
    EXPECT_NE(log.body.find("plugins.allow_unique_symbols is true"), std::string::npos) << log.body;
}

TEST(Vetting, ABuildThatPassedItsProbeIsNotProbedAgainAfterARestart) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    ASSERT_EQ(greet(*host), "Hello Bob");
    {
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session session("SQLite", (fs::path(host->dataDir()) / "mvi.db").string());
        int probed = 0;
        session << "SELECT COUNT(*) FROM probed_builds", Poco::Data::Keywords::into(probed),
            Poco::Data::Keywords::now;
        EXPECT_EQ(probed, 1);
    }
    host->keepWorkDirectory();
    host->stop();
    std::string work = host->workDirectory();
    host.reset();

    // A probe would now fail (the probe program exits 1): hello loads because it is not probed.
    HostProcess again({"--define", "plugins.probe_executable=/bin/false"}, work);
    EXPECT_EQ(greet(again), "Hello Bob");
    // A new build is probed (and refused by that probe program).
    installPlugin(builtPlugin("fixture_counter_v1"), again.pluginsDir(), "counter_1.0.0.so");
    json entry = waitForStatus(again, "counter", "1.0.0", "failed");
    ASSERT_TRUE(entry.is_object()) << again.get("/services/").body;
    EXPECT_NE(entry["error"].get<std::string>().find("called exit(1)"), std::string::npos)
        << entry.dump();
}

}  // namespace
}  // namespace mvi::test
