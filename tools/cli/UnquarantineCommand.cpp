#include "UnquarantineCommand.h"

#include "CliError.h"
#include "ServiceTable.h"

namespace mvi::cli {

int UnquarantineCommand::run(CommandContext& context, const Arguments& arguments) const {
    const std::string& serviceName = arguments.positional[0];
    const std::string& version = arguments.positional[1];
    HostClient host = client(context);
    nlohmann::json loaded =
        host.send("POST", "/services/~unquarantine", {{"name", serviceName}, {"version", version}});
    std::string status = loaded.is_object() ? loaded.value("status", "") : "";
    if (status == "ready") {
        context.out << serviceName << " " << version << " is out of quarantine and loaded"
                    << std::endl;
    } else {
        context.out << serviceName << " " << version << " is out of quarantine; it did not load"
                    << std::endl;
    }
    ServiceTable::build(host.get("/services/"), serviceName).print(context.out);
    return status == "ready" || status.empty() ? 0 : 1;
}

}  // namespace mvi::cli
