// Liveness (/~health), readiness (/~ready) and the Prometheus metrics (/metrics) of a real host
// process serving real plugins over real HTTP. The metrics text is read back with a small parser
// of the exposition format written here.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Labels = std::map<std::string, std::string>;

struct Sample {
    std::string name;
    Labels labels;
    double value = 0;
};

// The parsed exposition: the declared type of each family and every sample. Throws
// std::runtime_error for any line that is not in the format.
struct Exposition {
    std::map<std::string, std::string> types;
    std::vector<Sample> samples;

    // The value of the one sample `name` whose labels include `labels`; -1 when there is none.
    double value(const std::string& name, const Labels& labels = {}) const {
        double found = -1;
        int matches = 0;
        for (const Sample& sample : samples) {
            if (sample.name != name) {
                continue;
            }
            bool all = true;
            for (const auto& [key, wanted] : labels) {
                auto it = sample.labels.find(key);
                all = all && it != sample.labels.end() && it->second == wanted;
            }
            if (all) {
                found = sample.value;
                ++matches;
            }
        }
        if (matches > 1) {
            throw std::runtime_error("more than one sample matches " + name);
        }
        return found;
    }

    std::vector<Sample> all(const std::string& name, const Labels& labels) const {
        std::vector<Sample> found;
        for (const Sample& sample : samples) {
            bool all = sample.name == name;
            for (const auto& [key, wanted] : labels) {
                auto it = sample.labels.find(key);
                all = all && it != sample.labels.end() && it->second == wanted;
            }
            if (all) {
                found.push_back(sample);
            }
        }
        return found;
    }
};

double parseValue(const std::string& text) {
    if (text == "+Inf") {
        return std::numeric_limits<double>::infinity();
    }
    if (text == "-Inf") {
        return -std::numeric_limits<double>::infinity();
    }
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        throw std::runtime_error("bad value " + text);
    }
    if (used != text.size()) {
        throw std::runtime_error("bad value " + text);
    }
    return value;
}

bool isNameChar(char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// The family a sample belongs to: histograms' samples carry a suffix.
std::string familyOf(const std::string& sample, const std::map<std::string, std::string>& types) {
    if (types.count(sample) != 0) {
        return sample;
    }
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        std::string s(suffix);
        if (sample.size() > s.size() &&
            sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
            std::string base = sample.substr(0, sample.size() - s.size());
            auto found = types.find(base);
            if (found != types.end() && found->second == "histogram") {
                return base;
            }
        }
    }
    throw std::runtime_error("sample " + sample + " has no # TYPE line before it");
}

Exposition parseExposition(const std::string& text) {
    Exposition exposition;
    std::istringstream lines(text);
    std::string line;
    std::string currentFamily;
    while (std::getline(lines, line)) {
        if (line.empty()) {
            continue;
        }
        if (line[0] == '#') {
            std::istringstream words(line);
            std::string hash, keyword, name, rest;
            words >> hash >> keyword >> name;
            std::getline(words, rest);
            if (keyword == "TYPE") {
                rest = rest.substr(rest.find_first_not_of(' '));
                if (rest != "counter" && rest != "gauge" && rest != "histogram") {
                    throw std::runtime_error("unknown type in: " + line);
                }
                if (exposition.types.count(name) != 0) {
                    throw std::runtime_error("family declared twice: " + name);
                }
                exposition.types[name] = rest;
                currentFamily = name;
            }
            continue;
        }
        std::size_t at = 0;
        Sample sample;
        while (at < line.size() && isNameChar(line[at], at == 0)) {
            sample.name += line[at++];
        }
        if (sample.name.empty()) {
            throw std::runtime_error("no metric name: " + line);
        }
        if (at < line.size() && line[at] == '{') {
            ++at;
            while (at < line.size() && line[at] != '}') {
                std::string key;
                while (at < line.size() && isNameChar(line[at], key.empty())) {
                    key += line[at++];
                }
                if (key.empty() || line.compare(at, 2, "=\"") != 0) {
                    throw std::runtime_error("bad label in: " + line);
                }
                at += 2;
                std::string value;
                while (at < line.size() && line[at] != '"') {
                    if (line[at] == '\\' && at + 1 < line.size()) {
                        char escaped = line[at + 1];
                        value += escaped == 'n' ? '\n' : escaped;
                        at += 2;
                    } else {
                        value += line[at++];
                    }
                }
                if (at >= line.size()) {
                    throw std::runtime_error("unterminated label value: " + line);
                }
                ++at;
                sample.labels[key] = value;
                if (at < line.size() && line[at] == ',') {
                    ++at;
                }
            }
            if (at >= line.size()) {
                throw std::runtime_error("unterminated labels: " + line);
            }
            ++at;
        }
        if (at >= line.size() || line[at] != ' ') {
            throw std::runtime_error("no value: " + line);
        }
        sample.value = parseValue(line.substr(at + 1));
        if (familyOf(sample.name, exposition.types) != currentFamily) {
            throw std::runtime_error("sample outside its family's block: " + line);
        }
        exposition.samples.push_back(std::move(sample));
    }
    return exposition;
}

Exposition metrics(const HostProcess& host) {
    Response response = host.get("/metrics");
    if (response.status != 200) {
        throw std::runtime_error("/metrics answered " + std::to_string(response.status));
    }
    return parseExposition(response.body);
}

Labels series(const std::string& service, const std::string& version,
              const std::string& entrypoint) {
    return {{"service", service}, {"version", version}, {"entrypoint", entrypoint}};
}

TEST(Metrics, ParserRejectsWhatIsNotTheFormat) {
    EXPECT_THROW(parseExposition("x 1\n"), std::runtime_error);  // no TYPE
    EXPECT_THROW(parseExposition("# TYPE x counter\nx{a=\"1} 2\n"), std::runtime_error);
    EXPECT_THROW(parseExposition("# TYPE x counter\nx one\n"), std::runtime_error);
    auto parsed = parseExposition("# TYPE x counter\nx{a=\"q\\\"\\\\\"} 2\n");
    EXPECT_EQ(parsed.value("x", {{"a", "q\"\\"}}), 2);
}

TEST(Health, LiveAndReadyWithEveryVersionLoaded) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}, {"calculator", "calculator_1.0.0.so"}});
    Response health = host->get("/~health");
    ASSERT_EQ(health.status, 200);
    EXPECT_EQ(health.json()["status"], "alive");
    Response ready = host->get("/~ready");
    ASSERT_EQ(ready.status, 200) << ready.body;
    EXPECT_EQ(ready.json()["status"], "ready");
    EXPECT_EQ(ready.json()["loaded_versions"], 2);
    EXPECT_EQ(request(host->port(), "POST", "/~ready", "{}").status, 405);
}

TEST(Health, AFailedVersionMakesTheHostNotReadyUntilItIsRemoved) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_wrong_major", "broken_1.0.0.so"}});
    Response ready = host->get("/~ready");
    ASSERT_EQ(ready.status, 503) << ready.body;
    json answer = ready.json();
    std::string detail = answer["detail"];
    EXPECT_NE(detail.find("broken 1.0.0"), std::string::npos) << detail;
    EXPECT_NE(detail.find("failed to load"), std::string::npos) << detail;
    ASSERT_EQ(answer["not_ready"].size(), 1U);
    EXPECT_EQ(answer["not_ready"][0]["name"], "broken");
    EXPECT_EQ(answer["not_ready"][0]["state"], "failed");
    // Alive all the same, and the good service serves.
    EXPECT_EQ(host->get("/~health").status, 200);
    EXPECT_EQ(host->post("/services/hello/hello", {{"name", "x"}}).status, 200);

    fs::remove(fs::path(host->pluginsDir()) / "broken_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return host->get("/~ready").status == 200; }));
    EXPECT_EQ(host->get("/~ready").json()["loaded_versions"], 1);

    // Metrics count the failure and the good load.
    Exposition exposition = metrics(*host);
    EXPECT_EQ(exposition.value("mvi_load_failures_total"), 1);
    EXPECT_EQ(exposition.value("mvi_loads_total"), 1);
}

TEST(Metrics, CallsErrorsAndLatencyPerEntrypoint) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_misbehaving", "misbehaving_1.0.0.so"}});
    Response response = host->get("/metrics");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0U);
    Exposition before = parseExposition(response.body);
    EXPECT_EQ(before.types["mvi_requests_total"], "counter");
    EXPECT_EQ(before.types["mvi_request_duration_seconds"], "histogram");
    EXPECT_EQ(before.types["mvi_loaded_versions"], "gauge");
    EXPECT_EQ(before.value("mvi_requests_total", series("hello", "1.0.0", "hello")), 0);
    EXPECT_EQ(before.value("mvi_loaded_versions"), 2);
    EXPECT_EQ(before.value("mvi_loads_total"), 2);

    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(host->post("/services/hello/hello", {{"name", "n" + std::to_string(i)}}).status,
                  200);
    }
    ASSERT_EQ(host->post("/services/hello_1.0.0/hello", json::object()).status, 422);
    ASSERT_EQ(host->post("/services/misbehaving/fails", json::object()).status, 500);
    ASSERT_EQ(host->post("/services/misbehaving/custom_status", json::object()).status, 418);

    Exposition after = metrics(*host);
    auto hello = series("hello", "1.0.0", "hello");
    EXPECT_EQ(after.value("mvi_requests_total", hello), 4);
    auto clientErrors = hello;
    clientErrors["class"] = "4xx";
    EXPECT_EQ(after.value("mvi_request_errors_total", clientErrors), 1);
    auto serverErrors = hello;
    serverErrors["class"] = "5xx";
    EXPECT_EQ(after.value("mvi_request_errors_total", serverErrors), 0);

    auto fails = series("misbehaving", "1.0.0", "fails");
    EXPECT_EQ(after.value("mvi_requests_total", fails), 1);
    fails["class"] = "5xx";
    EXPECT_EQ(after.value("mvi_request_errors_total", fails), 1);
    auto teapot = series("misbehaving", "1.0.0", "custom_status");
    teapot["class"] = "4xx";
    EXPECT_EQ(after.value("mvi_request_errors_total", teapot), 1);

    // The histogram: buckets cumulative, ending with +Inf equal to the count, which equals the
    // requests; the sum is positive once calls were made.
    auto buckets = after.all("mvi_request_duration_seconds_bucket", hello);
    ASSERT_GE(buckets.size(), 2U);
    double previous = 0;
    double previousBound = -1;
    for (const Sample& bucket : buckets) {
        double bound = parseValue(bucket.labels.at("le"));
        EXPECT_GT(bound, previousBound);
        EXPECT_GE(bucket.value, previous);
        previous = bucket.value;
        previousBound = bound;
    }
    EXPECT_EQ(buckets.back().labels.at("le"), "+Inf");
    EXPECT_EQ(buckets.back().value, 4);
    EXPECT_EQ(after.value("mvi_request_duration_seconds_count", hello), 4);
    EXPECT_GT(after.value("mvi_request_duration_seconds_sum", hello), 0);
    EXPECT_EQ(after.value("mvi_request_duration_seconds_count",
                          series("misbehaving", "1.0.0", "version")),
              0);
}

TEST(Metrics, MirroredCopiesSwapsAndUnloads) {
    auto host = startHost(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    ASSERT_EQ(metrics(*host).value("mvi_loaded_versions"), 2);
    for (int i = 0; i < 4; ++i) {
        ASSERT_EQ(host->post("/services/counter/hit", json::object()).status, 200);
    }
    // Every by-name call was mirrored to the shadow, which counts the copies as its calls.
    ASSERT_TRUE(waitFor([&] { return metrics(*host).value("mvi_mirror_sent_total") == 4; }));
    Exposition mirrored = metrics(*host);
    EXPECT_EQ(mirrored.value("mvi_mirror_failed_total"), 0);
    EXPECT_EQ(mirrored.value("mvi_mirror_dropped_total"), 0);
    EXPECT_EQ(mirrored.value("mvi_monitor_dropped_total"), 0);
    EXPECT_EQ(mirrored.value("mvi_monitor_failed_total"), 0);
    EXPECT_EQ(mirrored.value("mvi_requests_total", series("counter", "1.0.0", "hit")), 4);
    EXPECT_EQ(mirrored.value("mvi_requests_total", series("counter", "2.0.0", "hit")), 4);
    EXPECT_EQ(mirrored.value("mvi_swaps_total"), 0);
    EXPECT_EQ(mirrored.value("mvi_unloads_total"), 0);

    // A new build of 1.0.0 replaces the serving one: a swap, then the old build unloads.
    installPlugin(builtPlugin("fixture_counter_v3"), host->pluginsDir(), "counter_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return metrics(*host).value("mvi_swaps_total") == 1; }));
    ASSERT_TRUE(waitFor([&] { return metrics(*host).value("mvi_unloads_total") == 1; }));
    Exposition swapped = metrics(*host);
    EXPECT_EQ(swapped.value("mvi_loads_total"), 3);
    EXPECT_EQ(swapped.value("mvi_load_failures_total"), 0);
    EXPECT_EQ(swapped.value("mvi_loaded_versions"), 2);
    EXPECT_EQ(swapped.value("mvi_unloads_stuck_total"), 0);

    // Removing a file unloads its version and the gauge follows.
    fs::remove(fs::path(host->pluginsDir()) / "counter_2.0.0.so");
    ASSERT_TRUE(waitFor([&] {
        Exposition now = metrics(*host);
        return now.value("mvi_loaded_versions") == 1 && now.value("mvi_unloads_total") == 2;
    }));
    EXPECT_EQ(metrics(*host).value("mvi_requests_total", series("counter", "2.0.0", "hit")), -1);
}

TEST(Metrics, TokenRequiredWhenAuthIsOn) {
    auto host = startHost(
        {{"hello", "hello_1.0.0.so"}},
        {"--define", "auth.enabled=true", "--define", "auth.admin_password=secret-for-tests"});
    EXPECT_EQ(host->get("/metrics").status, 401);
    EXPECT_EQ(host->get("/services/hello/openapi.json").status, 401);
    EXPECT_EQ(host->get("/~ready").status, 200);
    EXPECT_EQ(host->get("/~health").status, 200);
    Response login =
        request(host->port(), "POST", "/auth/login", "username=admin&password=secret-for-tests",
                "application/x-www-form-urlencoded");
    ASSERT_EQ(login.status, 200) << login.body;
    std::string token = login.json().value("token", "");
    ASSERT_FALSE(token.empty()) << login.body;
    Response authorized = request(host->port(), "GET", "/metrics", "", "application/json",
                                  {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(authorized.status, 200);
    EXPECT_NO_THROW(parseExposition(authorized.body));
}

}  // namespace
}  // namespace mvi::test
