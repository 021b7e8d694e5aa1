#include "ParametersCommand.h"

#include "CliError.h"
#include "TextTable.h"

namespace mvi::cli {

std::string ParametersCommand::details() const {
    return "VALUE is read as JSON (42, true, [1,2], \"text\"); anything that is not JSON is taken "
           "as a string, so `set greeting_phrase Howdy` works. To set a string that looks like "
           "JSON, quote it: '\"42\"'. Put -- before a VALUE that starts with a dash.";
}

int ParametersCommand::run(CommandContext& context, const Arguments& arguments) const {
    const auto& words = arguments.positional;
    std::string service = words[0];
    std::size_t next = 1;
    if (words.size() > 1 && words[1] != "set") {
        service += "_" + words[1];
        next = 2;
    }
    const bool set = words.size() > next;
    if (set && (words[next] != "set" || words.size() != next + 3)) {
        throw CliError("Usage: mvi parameters " + usage(), 2);
    }
    if (!set && words.size() != next) {
        throw CliError("Usage: mvi parameters " + usage(), 2);
    }

    HostClient host = client(context);
    std::string path = "/services/" + HostClient::segment(service) + "/~parameters";
    if (set) {
        const std::string& parameter = words[next + 1];
        const std::string& text = words[next + 2];
        nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
        if (value.is_discarded()) {
            value = text;
        }
        host.send("POST", path + "/" + HostClient::segment(parameter), {{"value", value}});
        context.out << "Set " << parameter << " of " << words[0]
                    << (next == 2 ? " " + words[1] : "") << " to " << value.dump() << std::endl;
        return 0;
    }
    nlohmann::json parameters = host.get(path);
    if (!parameters.is_object() || parameters.empty()) {
        context.out << "No parameters" << std::endl;
        return 0;
    }
    TextTable table({"PARAMETER", "VALUE"});
    for (const auto& [parameter, value] : parameters.items()) {
        table.addRow({parameter, value.dump()});
    }
    table.print(context.out);
    return 0;
}

}  // namespace mvi::cli
