#include "LoginCommand.h"

#include <termios.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <utility>

#include "CliError.h"

namespace mvi::cli {
namespace {

// One line from the user: asked at the terminal (without echo for a secret) or read from
// standard input when nobody is at the terminal.
std::string readLine(CommandContext& context, const std::string& prompt, bool secret) {
    std::string line;
    if (!context.interactive) {
        std::getline(context.in, line);
        return line;
    }
    context.err << prompt << std::flush;
    termios saved{};
    const bool hide = secret && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hide) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(context.in, line);
    if (hide) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        context.err << '\n';
    }
    return line;
}

struct LoginArguments {
    std::string host;
    std::string username;
    std::string password;
    std::string token;
    const CLI::Option* hostGiven = nullptr;
    const CLI::Option* usernameGiven = nullptr;
    const CLI::Option* passwordGiven = nullptr;
    const CLI::Option* tokenGiven = nullptr;
};

// Whether the host answers without a login: auth off, or no /auth routes at all.
bool needsNoLogin(const HostClient& anonymous) {
    HostAnswer probe = anonymous.request("GET", "/auth/verify");
    nlohmann::json verified = probe.json();
    const bool authOff = probe.status / 100 == 2 && verified.is_object() &&
                         verified.contains("auth") && verified["auth"] == false;
    return authOff || probe.status == 404;
}

// The user name and password given, or asked for at the terminal. Throws CliError when nobody
// is at the terminal to give a missing user name, or one of them is empty.
std::pair<std::string, std::string> credentials(CommandContext& context,
                                                const LoginArguments& arguments) {
    std::string username = arguments.username;
    if (username.empty()) {
        if (!context.interactive) {
            throw CliError(
                "mvi login: --username is required when standard input is not a "
                "terminal",
                2);
        }
        username = readLine(context, "Username: ", false);
    }
    std::string password = arguments.passwordGiven->count() > 0
                               ? arguments.password
                               : readLine(context, "Password: ", true);
    if (username.empty() || password.empty()) {
        throw CliError("Login failed: a user name and a password are required");
    }
    return {username, password};
}

// Logs in to the host of `anonymous` and returns the token it answers. Throws CliError saying
// why the host refused.
std::string tokenFor(const HostClient& anonymous, const std::string& username,
                     const std::string& password) {
    HostAnswer answer =
        anonymous.postForm("/auth/login", {{"username", username}, {"password", password}});
    if (answer.status == 401 || answer.status == 403) {
        nlohmann::json body = answer.json();
        throw CliError("Login to " + anonymous.url() + " failed: " +
                       (body.is_object() && body.contains("detail")
                            ? HostClient::describeDetail(body["detail"])
                            : std::string("wrong user name or password")));
    }
    if (answer.status / 100 != 2) {
        anonymous.fail(answer);
    }
    nlohmann::json body = answer.json();
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
        throw CliError("Login to " + anonymous.url() + " failed: the host answered no token");
    }
    return body["token"].get<std::string>();
}

int login(CommandContext& context, const LoginArguments& arguments) {
    const std::string url = CliConfig::normalizeUrl(
        arguments.hostGiven->count() > 0 ? arguments.host : context.config().activeHost());
    HostClient anonymous(url, "");

    if (arguments.tokenGiven->count() > 0) {
        const std::string& token = arguments.token;
        HostAnswer answer = HostClient(url, token).request("GET", "/auth/verify");
        if (answer.status == 401) {
            throw CliError("Login to " + url + " failed: the token was refused");
        }
        if (answer.status / 100 != 2) {
            anonymous.fail(answer);
        }
        context.config().setActiveHost(url);
        context.config().setToken(url, token);
        context.config().save();
        context.out << "Logged in to " << url << " with a token" << std::endl;
        return 0;
    }

    if (arguments.usernameGiven->count() == 0 && arguments.passwordGiven->count() == 0 &&
        needsNoLogin(anonymous)) {
        context.config().setActiveHost(url);
        context.config().removeToken(url);
        context.config().save();
        context.out << url << " does not require a login; it is now the active host" << std::endl;
        return 0;
    }

    const auto [username, password] = credentials(context, arguments);
    const std::string token = tokenFor(anonymous, username, password);
    context.config().setActiveHost(url);
    context.config().setToken(url, token);
    context.config().save();
    context.out << "Logged in to " << url << " as " << username << std::endl;
    return 0;
}

// `mvi login --fleet NAME`: the same user name and password on every host of the fleet, a token
// stored for each; the active host stays as it is. A host that refuses is named and the others
// go on.
int loginToFleet(CommandContext& context, const LoginArguments& arguments) {
    std::optional<std::pair<std::string, std::string>> given;
    const std::string failed = context.eachHost([&](HostClient& host) {
        const std::string& url = host.url();
        HostClient anonymous(url, "");
        if (needsNoLogin(anonymous)) {
            context.config().removeToken(url);
            context.out << url << " does not require a login" << std::endl;
            return;
        }
        if (!given) {
            given = credentials(context, arguments);
        }
        context.config().setToken(url, tokenFor(anonymous, given->first, given->second));
        context.out << "Logged in to " << url << " as " << given->first << std::endl;
    });
    context.config().save();
    if (!failed.empty()) {
        throw CliError(failed);
    }
    return 0;
}

}  // namespace

void addLoginCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<LoginArguments>();
    CLI::App* command =
        mvi.add_subcommand("login", "Log in to an mvi-host and make it the active host");
    CLI::Option* host =
        command->add_option("--host", arguments->host, "the host's URL (default: the active host)")
            ->type_name("URL");
    arguments->hostGiven = host;
    arguments->usernameGiven =
        command->add_option("-u,--username", arguments->username, "user name")->type_name("USER");
    CLI::Option* password =
        command
            ->add_option("-p,--password", arguments->password, "password (asked for when left out)")
            ->type_name("PASSWORD");
    CLI::Option* token =
        command->add_option("-t,--token", arguments->token, "log in with a token made by mvi token")
            ->type_name("TOKEN");
    password->excludes(token);
    arguments->passwordGiven = password;
    arguments->tokenGiven = token;
    CLI::Option* fleet = context.addFleetOption(*command);
    fleet->excludes(token)->excludes(host);
    command->footer(
        "With --fleet NAME the same user name and password log in to every host of the fleet,\n"
        "each keeping its own token; the active host stays as it is.");
    context.onRun(*command, [&context, arguments] {
        return context.onFleet() ? loginToFleet(context, *arguments) : login(context, *arguments);
    });
}

}  // namespace mvi::cli
