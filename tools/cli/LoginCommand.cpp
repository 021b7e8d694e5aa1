#include "LoginCommand.h"

#include <termios.h>
#include <unistd.h>

#include <memory>

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

    if (arguments.usernameGiven->count() == 0 && arguments.passwordGiven->count() == 0) {
        HostAnswer probe = anonymous.request("GET", "/auth/verify");
        nlohmann::json verified = probe.json();
        bool authOff = probe.status / 100 == 2 && verified.is_object() &&
                       verified.contains("auth") && verified["auth"] == false;
        // A host without the /auth routes has no authentication at all.
        if (authOff || probe.status == 404) {
            context.config().setActiveHost(url);
            context.config().removeToken(url);
            context.config().save();
            context.out << url << " does not require a login; it is now the active host"
                        << std::endl;
            return 0;
        }
    }

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
        throw CliError("Login to " + url + " failed: a user name and a password are required");
    }
    HostAnswer answer =
        anonymous.postForm("/auth/login", {{"username", username}, {"password", password}});
    if (answer.status == 401 || answer.status == 403) {
        nlohmann::json body = answer.json();
        throw CliError("Login to " + url + " failed: " +
                       (body.is_object() && body.contains("detail")
                            ? HostClient::describeDetail(body["detail"])
                            : std::string("wrong user name or password")));
    }
    if (answer.status / 100 != 2) {
        anonymous.fail(answer);
    }
    nlohmann::json body = answer.json();
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
        throw CliError("Login to " + url + " failed: the host answered no token");
    }
    context.config().setActiveHost(url);
    context.config().setToken(url, body["token"].get<std::string>());
    context.config().save();
    context.out << "Logged in to " << url << " as " << username << std::endl;
    return 0;
}

}  // namespace

void addLoginCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<LoginArguments>();
    CLI::App* command =
        mvi.add_subcommand("login", "Log in to an mvi-host and make it the active host");
    arguments->hostGiven =
        command->add_option("--host", arguments->host, "the host's URL (default: the active host)")
            ->type_name("URL");
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
    context.onRun(*command, [&context, arguments] { return login(context, *arguments); });
}

}  // namespace mvi::cli
