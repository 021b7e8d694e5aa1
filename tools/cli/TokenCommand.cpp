#include "TokenCommand.h"

#include <Poco/NumberParser.h>

#include "CliError.h"
#include "TimeText.h"

namespace mvi::cli {

int TokenCommand::run(CommandContext& context, const Arguments& arguments) const {
    nlohmann::json request = nlohmann::json::object();
    if (!arguments.positional.empty()) {
        const std::string& days = arguments.positional[0];
        unsigned count = 0;
        if (days == "never") {
            request["expires_in_days"] = nullptr;
        } else if (Poco::NumberParser::tryParseUnsigned(days, count) && count > 0) {
            request["expires_in_days"] = count;
        } else {
            throw CliError(
                "mvi token: DAYS must be a positive number of days or 'never', not '" + days + "'",
                2);
        }
    }
    nlohmann::json answer = client(context).send("POST", "/auth/token", request);
    if (!answer.is_object() || !answer.contains("token") || !answer["token"].is_string()) {
        throw CliError("The host answered no token");
    }
    context.out << answer["token"].get<std::string>() << std::endl;
    std::string expires = answer.contains("expires_at") && answer["expires_at"].is_string()
                              ? "expires " + TimeText::localFromIso(answer["expires_at"])
                              : "never expires";
    std::string id =
        answer.contains("id")
            ? answer["id"].is_string() ? answer["id"].get<std::string>() : answer["id"].dump()
            : std::string();
    context.err << "Token " << (id.empty() ? "" : id + " ") << expires
                << "; send it as the header 'Authorization: Bearer <token>'" << std::endl;
    return 0;
}

}  // namespace mvi::cli
