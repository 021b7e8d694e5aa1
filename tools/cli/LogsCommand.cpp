#include "LogsCommand.h"

#include <Poco/NumberParser.h>
#include <Poco/URI.h>

#include <memory>

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
    command->add_option("--since", arguments->since, "show only lines logged at or after TIME")
        ->type_name("TIME");
    command->footer(
        "TIME is a local time (2026-11-28 10:29:01, 2026-11-28), an ISO 8601 time with a zone\n"
        "(2026-11-28T09:29:01Z), or a time that long ago (30s, 10m, 2h, 1d). With --follow, "
        "Ctrl-C stops.");
    context.onRun(*command, [&context, arguments] { return logs(context, *arguments); });
}

}  // namespace mvi::cli
