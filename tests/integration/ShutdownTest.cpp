// Stopping a real mvi-host with SIGTERM or SIGINT sent to its supervisor (as a service manager
// or Ctrl-C would) while every kind of plugin is loaded: a periodic task (ticker), a plain
// service (hello), a shadow getting mirrored copies (sentiment 2.0.0 beside 1.0.0) and a
// service storing monitoring values until the moment the signal arrives (the store probe). The
// host exits 0 within a generous deadline, and a host restarted on the same folders has every
// monitoring value the first one acknowledged.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

using nlohmann::json;

/// Far more than a clean stop takes; the host itself gives up waiting after 20 s.
constexpr auto kStopDeadline = std::chrono::seconds(28);

/// By-name calls of sentiment before the stop; each is mirrored to the shadow.
constexpr int kClassified = 20;

/// Probe calls acknowledged before the signal is sent; more keep coming while the host stops.
constexpr int kProbesBeforeSignal = 30;

/// The values of `variable` stored for `svc` (a name, or name_version for one version).
std::vector<json> storedValues(const HostProcess& host, const std::string& svc,
                               const std::string& variable) {
    Response answer = host.get("/services/" + svc + "/~monitor?variables=" + variable);
    if (answer.status != 200) {
        return {};
    }
    json body = answer.json();
    if (!body.contains(variable)) {
        return {};
    }
    return body[variable]["value"].get<std::vector<json>>();
}

/// The value of the sample `name{thread="<thread>"}` in the host's /metrics, or -1.
double backgroundErrors(const HostProcess& host, const std::string& thread) {
    Response answer = host.get("/metrics");
    std::string prefix = "mvi_background_errors_total{thread=\"" + thread + "\"} ";
    auto at = answer.body.find(prefix);
    if (answer.status != 200 || at == std::string::npos) {
        return -1;
    }
    return std::stod(answer.body.substr(at + prefix.size()));
}

/// Calls the store probe one call after the other until told to stop; counts the calls whose
/// value the host accepted and answered. The probe numbers its values 1, 2, ... in call order,
/// so the acknowledged ones are 1..acknowledged.
class ProbeLoad {
  public:
    explicit ProbeLoad(const HostProcess& host) : port_(host.port()), thread_([this] { run(); }) {}
    ~ProbeLoad() { finish(); }

    int acknowledged() const { return acknowledged_.load(); }

    void finish() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    void run() {
        while (!stop_) {
            try {
                Response answer = postJson(port_, "/services/probe/probe", json::object());
                if (answer.status != 200 || answer.json()["good"] != 0) {
                    return;
                }
                ++acknowledged_;
            } catch (const std::exception&) {
                // The host stopped: no later call is answered either.
                return;
            }
        }
    }

    unsigned port_;
    std::atomic<bool> stop_{false};
    std::atomic<int> acknowledged_{0};
    std::thread thread_;
};

void stopsCleanlyAndKeepsWhatItAcknowledged(int signal) {
    auto host = startHost({{"ticker", "ticker_1.0.0.so"},
                           {"hello", "hello_1.0.0.so"},
                           {"sentiment", "sentiment_1.0.0.so"},
                           {"sentiment", "sentiment_2.0.0.so"},
                           {"fixture_store_probe_v1", "probe_1.0.0.so"}});
    // The periodic task runs: stopping the host while one is scheduled used to abort it.
    ASSERT_TRUE(waitFor([&] {
        Response ticks = host->get("/services/ticker/ticks");
        return ticks.status == 200 && ticks.json().get<int>() >= 2;
    }));
    Response hello = host->post("/services/hello/hello", {{"name", "Bob"}});
    ASSERT_EQ(hello.status, 200) << hello.body;
    EXPECT_EQ(hello.json(), "Hello Bob");
    for (int i = 0; i < kClassified; ++i) {
        Response verdict = host->post("/services/sentiment/classify", {{"text", "a good day"}});
        ASSERT_EQ(verdict.status, 200) << verdict.body;
    }
    // No background thread has failed so far; each is listed from the start.
    for (const char* thread :
         {"scheduler", "unloader", "mirror", "monitor-writer", "call-watchdog", "plugin-watcher"}) {
        EXPECT_EQ(backgroundErrors(*host, thread), 0) << thread;
    }

    host->keepWorkDirectory();
    const std::string work = host->workDirectory();
    int acknowledged = 0;
    {
        ProbeLoad load(*host);
        ASSERT_TRUE(waitFor([&] { return load.acknowledged() >= kProbesBeforeSignal; }));
        auto sent = std::chrono::steady_clock::now();
        int status = host->stopWith(signal, kStopDeadline);
        auto took = std::chrono::steady_clock::now() - sent;
        load.finish();
        acknowledged = load.acknowledged();
        EXPECT_FALSE(host->timedOut()) << "the host did not stop within the deadline";
        ASSERT_TRUE(WIFEXITED(status))
            << "the host ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        EXPECT_EQ(WEXITSTATUS(status), 0);
        EXPECT_LT(took, std::chrono::seconds(15));
    }
    host.reset();

    HostProcess restarted({}, work);
    // Every probe value the first host acknowledged is there: 1, 2, ..., acknowledged.
    std::vector<json> probes = storedValues(restarted, "probe", "probe");
    std::vector<int> numbers;
    for (const json& value : probes) {
        numbers.push_back(value.get<int>());
    }
    std::sort(numbers.begin(), numbers.end());
    ASSERT_GE(acknowledged, kProbesBeforeSignal);
    ASSERT_GE(numbers.size(), static_cast<std::size_t>(acknowledged));
    for (int n = 1; n <= acknowledged; ++n) {
        EXPECT_TRUE(std::binary_search(numbers.begin(), numbers.end(), n))
            << "acknowledged probe value " << n << " is missing";
    }
    // The main version's values and its shadow's, from every mirrored copy.
    EXPECT_EQ(storedValues(restarted, "sentiment_1.0.0", "score").size(),
              static_cast<std::size_t>(kClassified));
    EXPECT_EQ(storedValues(restarted, "sentiment_2.0.0", "score").size(),
              static_cast<std::size_t>(kClassified));
    EXPECT_EQ(restarted.stop(), 0);
}

TEST(Shutdown, SigtermStopsCleanlyAndKeepsEveryAcknowledgedValue) {
    stopsCleanlyAndKeepsWhatItAcknowledged(SIGTERM);
}

TEST(Shutdown, SigintStopsCleanlyAndKeepsEveryAcknowledgedValue) {
    stopsCleanlyAndKeepsWhatItAcknowledged(SIGINT);
}

TEST(Shutdown, SigtermToTheServingProcessStopsTheHost) {
    auto host = startHost({{"ticker", "ticker_1.0.0.so"}, {"hello", "hello_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] {
        Response ticks = host->get("/services/ticker/ticks");
        return ticks.status == 200 && ticks.json().get<int>() >= 1;
    }));
    pid_t serving = host->servingPid();
    ASSERT_GT(serving, 0);
    ASSERT_EQ(::kill(serving, SIGTERM), 0);
    // The serving process stops cleanly and, since it meant to, the supervisor ends with it.
    int status = 0;
    pid_t supervisor = host->pid();
    auto end = std::chrono::steady_clock::now() + kStopDeadline;
    while (waitpid(supervisor, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    bool ended = std::chrono::steady_clock::now() < end;
    ASSERT_TRUE(ended) << "the supervisor did not end";
    ASSERT_TRUE(WIFEXITED(status))
        << "the supervisor ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace mvi::test
