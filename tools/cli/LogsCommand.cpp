#include "LogsCommand.h"

#include <Poco/NumberParser.h>
#include <Poco/URI.h>
#include <Poco/Util/Option.h>

#include "CliError.h"
#include "TimeText.h"

namespace mvi::cli {

void LogsCommand::defineOptions(Poco::Util::OptionSet& options) const {
    options.addOption(
        Poco::Util::Option("tail", "n", "show only the last N lines (or all)").argument("N"));
    options.addOption(
        Poco::Util::Option("follow", "f", "keep printing new lines as they are logged"));
    options.addOption(Poco::Util::Option("since", "", "show only lines logged at or after TIME")
                          .argument("TIME"));
}

std::string LogsCommand::details() const {
    return "TIME is a local time (2026-11-28 10:29:01, 2026-11-28), an ISO 8601 time with a zone "
           "(2026-11-28T09:29:01Z), or a time that long ago (30s, 10m, 2h, 1d). With --follow, "
           "Ctrl-C stops.";
}

int LogsCommand::run(CommandContext& context, const Arguments& arguments) const {
    Poco::URI query("/services/~logs");
    query.addQueryParameter("name", arguments.positional[0]);
    if (arguments.positional.size() > 1) {
        query.addQueryParameter("version", arguments.positional[1]);
    }
    if (arguments.has("tail")) {
        std::string tail = arguments.value("tail");
        unsigned count = 0;
        if (tail != "all" && !Poco::NumberParser::tryParseUnsigned(tail, count)) {
            throw CliError("mvi logs: -n takes a number of lines or 'all', not '" + tail + "'", 2);
        }
        query.addQueryParameter("tail", tail);
    }
    if (arguments.has("since")) {
        query.addQueryParameter("since", TimeText::isoFromUser(arguments.value("since")));
    }
    HostClient host = client(context);
    if (!arguments.has("follow")) {
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

}  // namespace mvi::cli
