#include "TokenCommand.h"

#include <Poco/NumberParser.h>

#include <memory>

#include "CliError.h"
#include "TimeText.h"

namespace mvi::cli {

namespace {

// DAYS: a positive number of days, or `never`.
const CLI::Validator kDays(
    [](const std::string& days) {
        unsigned count = 0;
        return days == "never" || (Poco::NumberParser::tryParseUnsigned(days, count) && count > 0)
                   ? std::string()
                   : "expects a positive number of days or 'never', not '" + days + "'";
    },
    "");

int token(CommandContext& context, const std::string& days) {
    nlohmann::json request = nlohmann::json::object();
    if (days == "never") {
        request["expires_in_days"] = nullptr;
    } else if (!days.empty()) {
        request["expires_in_days"] = Poco::NumberParser::parseUnsigned(days);
    }
    nlohmann::json answer = context.client().send("POST", "/auth/token", request);
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

}  // namespace

void addTokenCommand(CLI::App& mvi, CommandContext& context) {
    auto days = std::make_shared<std::string>();
    CLI::App* command =
        mvi.add_subcommand("token", "Make a long-lived API token on the active host");
    command
        ->add_option("DAYS", *days,
                     "how many days it is valid, or never (default: the host's auth.token_days)")
        ->type_name("DAYS|never")
        ->check(kDays);
    context.onRun(*command, [&context, days] { return token(context, *days); });
}

}  // namespace mvi::cli
