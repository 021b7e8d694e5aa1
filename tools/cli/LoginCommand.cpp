#include "LoginCommand.h"

#include <Poco/Util/Option.h>
#include <termios.h>
#include <unistd.h>

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

}  // namespace

void LoginCommand::defineOptions(Poco::Util::OptionSet& options) const {
    options.addOption(Poco::Util::Option("host", "", "the host's URL (default: the active host)")
                          .argument("URL"));
    options.addOption(Poco::Util::Option("username", "u", "user name").argument("USER"));
    options.addOption(Poco::Util::Option("password", "p", "password (asked for when left out)")
                          .argument("PASSWORD")
                          .group("credentials"));
    options.addOption(Poco::Util::Option("token", "t", "log in with a token made by mvi token")
                          .argument("TOKEN")
                          .group("credentials"));
}

int LoginCommand::run(CommandContext& context, const Arguments& arguments) const {
    const std::string url = CliConfig::normalizeUrl(
        arguments.has("host") ? arguments.value("host") : context.config.activeHost());
    HostClient anonymous(url, "");

    if (arguments.has("token")) {
        const std::string token = arguments.value("token");
        HostAnswer answer = HostClient(url, token).request("GET", "/auth/verify");
        if (answer.status == 401) {
            throw CliError("Login to " + url + " failed: the token was refused");
        }
        if (answer.status / 100 != 2) {
            anonymous.fail(answer);
        }
        context.config.setActiveHost(url);
        context.config.setToken(url, token);
        context.config.save();
        context.out << "Logged in to " << url << " with a token" << std::endl;
        return 0;
    }

    if (!arguments.has("username") && !arguments.has("password")) {
        HostAnswer probe = anonymous.request("GET", "/auth/verify");
        nlohmann::json verified = probe.json();
        bool authOff = probe.status / 100 == 2 && verified.is_object() &&
                       verified.contains("auth") && verified["auth"] == false;
        // A host without the /auth routes has no authentication at all.
        if (authOff || probe.status == 404) {
            context.config.setActiveHost(url);
            context.config.removeToken(url);
            context.config.save();
            context.out << url << " does not require a login; it is now the active host"
                        << std::endl;
            return 0;
        }
    }

    std::string username = arguments.value("username");
    if (username.empty()) {
        if (!context.interactive) {
            throw CliError(
                "mvi login: --username is required when standard input is not a "
                "terminal",
                2);
        }
        username = readLine(context, "Username: ", false);
    }
    std::string password = arguments.has("password") ? arguments.value("password")
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
    context.config.setActiveHost(url);
    context.config.setToken(url, body["token"].get<std::string>());
    context.config.save();
    context.out << "Logged in to " << url << " as " << username << std::endl;
    return 0;
}

}  // namespace mvi::cli
