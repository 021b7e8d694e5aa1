#include "LogoutCommand.h"

#include "CliError.h"

namespace mvi::cli {

namespace {

// Revokes and forgets the token of `url` (saved by the caller).
void logoutOf(CommandContext& context, const std::string& url) {
    const std::string token = context.config().token(url);
    if (token.empty()) {
        context.out << "Not logged in to " << url << std::endl;
        return;
    }
    // The token is forgotten here even when the host cannot be told.
    try {
        HostAnswer answer = HostClient(url, token).request("POST", "/auth/logout");
        if (answer.status / 100 != 2 && answer.status != 401) {
            context.err << "Warning: " << url << " answered " << answer.status
                        << " to the logout; the token is forgotten here anyway" << std::endl;
        }
    } catch (const CliError& error) {
        context.err << "Warning: " << error.what() << "; the token is forgotten here anyway"
                    << std::endl;
    }
    context.config().removeToken(url);
    context.out << "Logged out of " << url << std::endl;
}

int logout(CommandContext& context) {
    if (!context.onFleet()) {
        logoutOf(context, context.config().activeHost());
    } else {
        for (const HostClient& host : context.hosts()) {
            logoutOf(context, host.url());
        }
    }
    context.config().save();
    return 0;
}

}  // namespace

void addLogoutCommand(CLI::App& mvi, CommandContext& context) {
    CLI::App* command = mvi.add_subcommand("logout", "Log out of the active host");
    context.addFleetOption(*command);
    context.onRun(*command, [&context] { return logout(context); });
}

}  // namespace mvi::cli
