#include "AssignCommand.h"

#include <Poco/Util/Option.h>

#include "CliError.h"
#include "ServiceTable.h"

namespace mvi::cli {

void AssignCommand::defineOptions(Poco::Util::OptionSet& options) const {
    options.addOption(Poco::Util::Option("yes", "y", "do not ask for confirmation"));
}

int AssignCommand::run(CommandContext& context, const Arguments& arguments) const {
    const std::string& serviceName = arguments.positional[0];
    const std::string& version = arguments.positional[1];
    HostClient host = client(context);
    std::string currentMain;
    bool known = false;
    for (const auto& entry : host.get("/services/")) {
        if (entry.value("name", "") != serviceName) {
            continue;
        }
        if (entry.value("main", false)) {
            currentMain = entry.value("version", "");
        }
        known = known || entry.value("version", "") == version;
    }
    if (!known) {
        throw CliError("No service " + serviceName + " " + version + " on " + host.url());
    }
    if (currentMain == version) {
        context.out << serviceName << " " << version << " is already the main version" << std::endl;
        return 0;
    }
    std::string question = "Make " + serviceName + " " + version + " the main version" +
                           (currentMain.empty() ? "" : " instead of " + currentMain) + "?";
    if (!confirm(context, question, arguments.has("yes"))) {
        throw CliError("Aborted: the main version was not changed");
    }
    host.send("PUT", "/services/~assign", {{"name", serviceName}, {"version", version}});
    context.out << serviceName << " " << version << " is now the main version" << std::endl;
    ServiceTable::build(host.get("/services/"), serviceName).print(context.out);
    return 0;
}

}  // namespace mvi::cli
