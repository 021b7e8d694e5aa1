#include "LogsCommand.h"

#include <Poco/NumberParser.h>
#include <Poco/URI.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CliError.h"
#include "TimeText.h"

namespace mvi::cli {

namespace {

struct LogsArguments {
    std::string name;
    std::string version;
    std::string tail;
    std::string since;
    bool follow = false;
};

// `-n` takes a number of lines or `all`.
const CLI::Validator kLineCount(
    [](const std::string& tail) {
        unsigned count = 0;
        return tail == "all" || Poco::NumberParser::tryParseUnsigned(tail, count)
                   ? std::string()
                   : "expects a number of lines or 'all', not '" + tail + "'";
    },
    "");

// Writes whole lines to a shared output, each starting with its host's URL: what one host's
// followed log sends arrives in pieces that may end mid-line.
class HostLines {
  public:
    HostLines(std::string host, std::ostream& out, std::mutex& mutex)
        : prefix_(std::move(host) + " | "), out_(out), mutex_(mutex) {}

    void add(const char* data, std::size_t size) {
        pending_.append(data, size);
        const std::size_t end = pending_.rfind('\n');
        if (end == std::string::npos) {
            return;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        std::size_t start = 0;
        while (start <= end) {
            const std::size_t newline = pending_.find('\n', start);
            out_ << prefix_;
            out_.write(pending_.data() + start, static_cast<std::streamsize>(newline - start + 1));
            start = newline + 1;
        }
        out_.flush();
        pending_.erase(0, end + 1);
    }

  private:
    std::string prefix_;
    std::string pending_;
    std::ostream& out_;
    std::mutex& mutex_;
};

// `mvi logs --fleet`: every host's log, each line starting with its host. Without --follow the
// hosts are read in turn; with it, each host is followed on a thread of its own until it ends
// the log (a host that stops or cannot be reached is named on the error stream, the others go
// on).
int fleetLogs(CommandContext& context, Poco::URI query, bool follow) {
    std::mutex mutex;
    if (!follow) {
        const std::string failed = context.eachHost([&](HostClient& host) {
            HostAnswer answer = host.request("GET", query.getPathAndQuery());
            if (answer.status / 100 != 2) {
                host.fail(answer);
            }
            HostLines lines(host.url(), context.out, mutex);
            lines.add(answer.body.data(), answer.body.size());
            if (!answer.body.empty() && answer.body.back() != '\n') {
                lines.add("\n", 1);
            }
        });
        if (!failed.empty()) {
            throw CliError(failed);
        }
        return 0;
    }
    query.addQueryParameter("follow", "true");
    std::vector<HostClient> hosts = context.hosts();
    std::vector<std::thread> followers;
    std::atomic<std::size_t> failed{0};
    for (const HostClient& host : hosts) {
        followers.emplace_back([&context, &mutex, &failed, &host, path = query.getPathAndQuery()] {
            HostLines lines(host.url(), context.out, mutex);
            try {
                host.stream(
                    path, [&lines](const char* data, std::size_t size) { lines.add(data, size); });
            } catch (const std::exception& error) {
                ++failed;
                std::lock_guard<std::mutex> lock(mutex);
                context.out.flush();
                context.err << host.url() << ": " << error.what() << std::endl;
            }
        });
    }
    for (std::thread& follower : followers) {
        follower.join();
    }
    if (failed > 0) {
        throw CliError(std::to_string(failed.load()) + " of " + std::to_string(hosts.size()) +
                       " hosts of fleet " + context.fleet() + " failed (see above)");
    }
    return 0;
}

int logs(CommandContext& context, const LogsArguments& arguments) {
    Poco::URI query("/services/~logs");
    query.addQueryParameter("name", arguments.name);
    if (!arguments.version.empty()) {
        query.addQueryParameter("version", arguments.version);
    }
    if (!arguments.tail.empty()) {
        query.addQueryParameter("tail", arguments.tail);
    }
    if (!arguments.since.empty()) {
        query.addQueryParameter("since", TimeText::isoFromUser(arguments.since));
    }
    if (context.onFleet()) {
        return fleetLogs(context, query, arguments.follow);
    }
    HostClient host = context.client();
    if (!arguments.follow) {
        HostAnswer answer = host.request("GET", query.getPathAndQuery());
        if (answer.status / 100 != 2) {
            host.fail(answer);
        }
        context.out << answer.body << std::flush;
        return 0;
    }
    query.addQueryParameter("follow", "true");
    host.stream(query.getPathAndQuery(), [&](const char* data, std::size_t size) {
        context.out.write(data, static_cast<std::streamsize>(size));
        context.out.flush();
    });
    return 0;
}

}  // namespace

void addLogsCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<LogsArguments>();
    CLI::App* command =
        mvi.add_subcommand("logs", "Show the log of a service version (the main one by default)");
    command->add_option("NAME", arguments->name, "the service")->required();
    command->add_option("VERSION", arguments->version, "the version (default: the main one)");
    command->add_option("-n,--tail", arguments->tail, "show only the last N lines (or all)")
        ->type_name("N|all")
        ->check(kLineCount);
    command->add_flag("-f,--follow", arguments->follow,
                      "keep printing new lines as they are logged");
    context.addFleetOption(*command);
    command->add_option("--since", arguments->since, "show only lines logged at or after TIME")
        ->type_name("TIME");
    command->footer(
        "TIME is a local time (2026-11-28 10:29:01, 2026-11-28), an ISO 8601 time with a zone\n"
        "(2026-11-28T09:29:01Z), or a time that long ago (30s, 10m, 2h, 1d). With --follow, "
        "Ctrl-C stops.");
    context.onRun(*command, [&context, arguments] { return logs(context, *arguments); });
}

}  // namespace mvi::cli
