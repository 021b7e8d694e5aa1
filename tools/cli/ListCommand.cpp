#include "ListCommand.h"

#include "CliError.h"
#include "ServiceTable.h"

namespace mvi::cli {

int ListCommand::run(CommandContext& context, const Arguments& arguments) const {
    HostClient host = client(context);
    std::string serviceName = arguments.positional.size() > 0 ? arguments.positional[0] : "";
    std::string version = arguments.positional.size() > 1 ? arguments.positional[1] : "";
    TextTable table = ServiceTable::build(host.get("/services/"), serviceName, version);
    if (table.empty() && !serviceName.empty()) {
        throw CliError("No service " + serviceName + (version.empty() ? "" : " " + version) +
                       " on " + host.url());
    }
    table.print(context.out);
    return 0;
}

}  // namespace mvi::cli
