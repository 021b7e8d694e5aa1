#include "FleetRollout.h"

#include <chrono>
#include <sstream>
#include <thread>
#include <utility>

#include "CliError.h"
#include "TextTable.h"

namespace mvi::cli {
namespace {

using Clock = std::chrono::steady_clock;

// How often an observed host is asked again.
constexpr std::chrono::milliseconds kObserveInterval(250);
// How long an uploaded version may take to be listed as serving.
constexpr std::chrono::seconds kReadyDeadline(120);

// Why one host failed a step: unreachable, or what it answered.
struct HostFailure {
    std::string message;
    bool unreachable = false;
};

// Sends a request; a host that cannot be reached becomes a HostFailure.
HostAnswer ask(const HostClient& client, const std::string& method, const std::string& path,
               const std::string& body = "") {
    try {
        return client.request(method, path, body);
    } catch (const CliError& error) {
        throw HostFailure{error.what(), true};
    }
}

// The `detail` of an error answer, in one line.
std::string detailOf(const HostAnswer& answer) {
    nlohmann::json body = answer.json();
    if (body.is_object() && body.contains("detail")) {
        return HostClient::describeDetail(body["detail"]);
    }
    return "answered " + std::to_string(answer.status);
}

// Sends a request that must succeed (2xx); anything else becomes a HostFailure.
HostAnswer demand(const HostClient& client, const std::string& method, const std::string& path,
                  const std::string& body = "") {
    HostAnswer answer = ask(client, method, path, body);
    if (answer.status / 100 != 2) {
        throw HostFailure{detailOf(answer), false};
    }
    return answer;
}

std::string versionBody(const std::string& name, const std::string& version) {
    return nlohmann::json{{"name", name}, {"version", version}}.dump();
}

long count(const nlohmann::json& entry, const char* field) {
    if (!entry.is_object() || !entry.contains("stats") || !entry["stats"].is_object()) {
        return 0;
    }
    return entry["stats"].value(field, 0L);
}

}  // namespace

void addRolloutOptions(CLI::App& command, RolloutOptions& options, CLI::Option* fleet) {
    command
        .add_flag("--all-at-once", options.allAtOnce,
                  "switch every host at once, then observe them together")
        ->needs(fleet);
    command
        .add_option("--observe", options.observeSeconds,
                    "watch each switched host this long before going on (default 2)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.0, 3600.0).description(""))
        ->needs(fleet);
    command
        .add_option("--max-error-rate", options.maxErrorRate,
                    "the share of the new version's calls failing (5xx) that stops and rolls back, "
                    "0 to 1 (default 0.01)")
        ->type_name("FRACTION")
        ->check(CLI::Range(0.0, 1.0).description(""))
        ->needs(fleet);
}

FleetRollout::FleetRollout(std::string action, std::vector<HostClient> hosts, std::string name,
                           std::string version, RolloutOptions options, std::ostream& out)
    : action_(std::move(action)),
      name_(std::move(name)),
      version_(std::move(version)),
      options_(options),
      out_(out) {
    for (HostClient& client : hosts) {
        hosts_.push_back(Host{std::move(client), {}, State::Untouched, {}, false, false, 0, 0});
    }
}

nlohmann::json FleetRollout::entryOf(const HostClient& client, std::string& main) const {
    nlohmann::json list = demand(client, "GET", "/services/").json();
    nlohmann::json found;
    main.clear();
    if (!list.is_array()) {
        throw HostFailure{"the service list is not a list", false};
    }
    for (const auto& entry : list) {
        if (entry.value("name", "") != name_) {
            continue;
        }
        if (entry.value("main", false)) {
            main = entry.value("version", "");
        }
        if (entry.value("version", "") == version_ && entry.value("status", "") != "draining" &&
            entry.value("status", "") != "unloaded") {
            found = entry;
        }
    }
    return found;
}

void FleetRollout::fail(Host& host, const std::string& error, bool unreachable) {
    host.state = unreachable ? State::Unreachable : State::Failed;
    host.detail = host.detail.empty() ? error : host.detail + "; " + error;
    out_ << host.client.url() << ": " << (unreachable ? "" : "failed: ") << error << std::endl;
}

void FleetRollout::survey(bool needVersion) {
    bool fit = true;
    for (Host& host : hosts_) {
        try {
            std::string main;
            nlohmann::json entry = entryOf(host.client, main);
            host.previousMain = main;
            if (needVersion && entry.is_null()) {
                fail(host, "has no " + name_ + " " + version_ + " (mvi deploy --fleet sends it)",
                     false);
                fit = false;
            } else if (needVersion && entry.value("status", "") != "ready") {
                fail(host, name_ + " " + version_ + " is " + entry.value("status", "?"), false);
                fit = false;
            } else if (!needVersion && !entry.is_null()) {
                fail(host,
                     "already has " + name_ + " " + version_ +
                         " (mvi assign --fleet switches to it; or kill it first)",
                     false);
                fit = false;
            } else if (needVersion) {
                host.state = main == version_ ? State::Switched : State::Shadow;
            }
        } catch (const HostFailure& failure) {
            fail(host, failure.message, failure.unreachable);
            fit = false;
        }
    }
    if (!fit) {
        stop("stopped before it began: nothing changed");
    }
}

void FleetRollout::upload(const std::string& artifact,
                          const std::map<std::string, std::string>& fields,
                          Poco::Timespan timeout) {
    for (Host& host : hosts_) {
        out_ << "Deploying " << name_ << " " << version_ << " to " << host.client.url() << "..."
             << std::endl;
        try {
            HostAnswer answer;
            try {
                answer = host.client.upload("/services/~tar", fields, artifact, timeout);
            } catch (const CliError& error) {
                throw HostFailure{error.what(), true};
            }
            if (answer.status / 100 != 2) {
                throw HostFailure{detailOf(answer), false};
            }
            host.uploaded = true;
            host.state = State::Shadow;
            if (host.previousMain.empty()) {
                host.state = State::FirstMain;
                host.detail = "the service's first version here: main at once";
            }
            const auto deadline = Clock::now() + kReadyDeadline;
            for (;;) {
                std::string main;
                nlohmann::json entry = entryOf(host.client, main);
                const std::string status = entry.is_null() ? "gone" : entry.value("status", "");
                if (status == "ready") {
                    break;
                }
                if (status != "loading" || Clock::now() > deadline) {
                    throw HostFailure{"the version is " + status +
                                          (entry.is_object() && entry["error"].is_string()
                                               ? ": " + entry["error"].get<std::string>()
                                               : ""),
                                      false};
                }
                std::this_thread::sleep_for(kObserveInterval);
            }
        } catch (const HostFailure& failure) {
            fail(host, failure.message, failure.unreachable);
            removeUploaded();
            stop("failed: the hosts that received it had it removed again");
        }
    }
}

std::string FleetRollout::problemOf(const Host& host, bool asMain, nlohmann::json* entry) const {
    HostAnswer ready = ask(host.client, "GET", "/~ready");
    if (ready.status != 200) {
        return "not ready: " + detailOf(ready);
    }
    if (!asMain) {
        return {};
    }
    std::string main;
    nlohmann::json found = entryOf(host.client, main);
    if (found.is_null() || found.value("status", "") != "ready") {
        return name_ + " " + version_ + " no longer serves";
    }
    if (entry != nullptr) {
        *entry = std::move(found);
    }
    if (main != version_) {
        return "the main version of " + name_ + " became " + main;
    }
    return {};
}

bool FleetRollout::switchHost(Host& host) {
    try {
        std::string problem = problemOf(host, false);
        if (!problem.empty()) {
            throw HostFailure{problem, false};
        }
        std::string main;
        nlohmann::json entry = entryOf(host.client, main);
        host.requests = count(entry, "requests");
        host.errors = count(entry, "errors");
        host.switched = true;
        demand(host.client, "PUT", "/services/~assign", versionBody(name_, version_));
        host.state = State::Switched;
        out_ << host.client.url() << ": " << name_ << " " << version_ << " is main" << std::endl;
        return true;
    } catch (const HostFailure& failure) {
        fail(host, failure.message, failure.unreachable);
        return false;
    }
}

bool FleetRollout::observe(const std::vector<Host*>& hosts) {
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(static_cast<long>(options_.observeSeconds * 1000));
    for (;;) {
        const bool last = Clock::now() >= deadline;
        for (Host* host : hosts) {
            try {
                nlohmann::json entry;
                std::string problem = problemOf(*host, true, &entry);
                if (problem.empty() && last) {
                    const long requests = count(entry, "requests") - host->requests;
                    const long errors = count(entry, "errors") - host->errors;
                    if (requests > 0 && static_cast<double>(errors) >
                                            options_.maxErrorRate * static_cast<double>(requests)) {
                        std::ostringstream text;
                        text << errors << " of " << requests << " calls failed (over "
                             << options_.maxErrorRate * 100 << "%)";
                        problem = text.str();
                    } else {
                        host->detail = std::to_string(requests) + " calls, " +
                                       std::to_string(errors) + " failed while observed";
                    }
                }
                if (!problem.empty()) {
                    throw HostFailure{problem, false};
                }
            } catch (const HostFailure& failure) {
                fail(*host, failure.message, failure.unreachable);
                return false;
            }
        }
        if (last) {
            return true;
        }
        std::this_thread::sleep_for(
            std::min<Clock::duration>(kObserveInterval, deadline - Clock::now()));
    }
}

void FleetRollout::switchMains() {
    std::vector<Host*> waiting;
    for (Host& host : hosts_) {
        if (host.state == State::Shadow) {
            waiting.push_back(&host);
        }
    }
    bool switched = true;
    if (options_.allAtOnce) {
        for (Host* host : waiting) {
            switched = switched && switchHost(*host);
        }
        switched = switched && observe(waiting);
    } else {
        for (Host* host : waiting) {
            switched = switched && switchHost(*host) && observe({host});
        }
    }
    if (!switched) {
        rollBack();
        stop("failed: the hosts already switched have their previous main version back");
    }
}

void FleetRollout::removeUploaded() {
    for (auto host = hosts_.rbegin(); host != hosts_.rend(); ++host) {
        if (!host->uploaded) {
            continue;
        }
        try {
            demand(host->client, "DELETE", "/services/", versionBody(name_, version_));
            host->state = State::Removed;
            host->detail = name_ + " " + version_ + " removed again";
        } catch (const HostFailure& failure) {
            fail(*host, "could not be removed again: " + failure.message, failure.unreachable);
            continue;
        }
        out_ << host->client.url() << ": " << host->detail << std::endl;
    }
}

void FleetRollout::rollBack() {
    for (auto host = hosts_.rbegin(); host != hosts_.rend(); ++host) {
        if (!host->switched || host->previousMain.empty()) {
            continue;
        }
        try {
            demand(host->client, "PUT", "/services/~assign",
                   versionBody(name_, host->previousMain));
        } catch (const HostFailure& failure) {
            fail(*host, "could not be rolled back: " + failure.message, failure.unreachable);
            continue;
        }
        const std::string note =
            "main is " + host->previousMain + " again; " + version_ + " stays deployed as a shadow";
        if (host->state == State::Switched) {
            host->state = State::RolledBack;
            host->detail = note;
        } else {
            host->detail += "; " + note;
        }
        out_ << host->client.url() << ": " << note << std::endl;
    }
}

void FleetRollout::stop(const std::string& outcome) {
    report();
    throw CliError(action_ + " of " + name_ + " " + version_ + " " + outcome);
}

std::string FleetRollout::stateName(State state) {
    switch (state) {
        case State::Untouched:
            return "not deployed";
        case State::Shadow:
            return "shadow";
        case State::FirstMain:
        case State::Switched:
            return "switched";
        case State::RolledBack:
            return "rolled back";
        case State::Removed:
            return "removed";
        case State::Failed:
            return "failed";
        case State::Unreachable:
            return "unreachable";
    }
    return "?";
}

void FleetRollout::report() {
    TextTable table({"HOST", "STATE", "MAIN", "DETAIL"});
    for (Host& host : hosts_) {
        std::string main = "?";
        try {
            entryOf(host.client, main);
            main = main.empty() ? "-" : main;
        } catch (const HostFailure&) {
            main = "?";
        }
        table.addRow({host.client.url(), stateName(host.state), main, host.detail});
    }
    out_ << '\n';
    table.print(out_);
}

}  // namespace mvi::cli
