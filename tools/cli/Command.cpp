#include "Command.h"

#include <Poco/String.h>
#include <termios.h>
#include <unistd.h>

#include "CliError.h"

namespace mvi::cli {

CliConfig& CommandContext::config() {
    if (!config_) {
        config_.emplace(CliConfig::defaultPath());
    }
    return *config_;
}

HostClient CommandContext::client() {
    if (onFleet()) {
        throw CliError("This command works on one host, not on a fleet");
    }
    std::string host = config().activeHost();
    return HostClient(host, config().token(host));
}

CLI::Option* CommandContext::addFleetOption(CLI::App& command) {
    return command
        .add_option("--fleet", fleet_, "work on every host of this fleet (see mvi fleet)")
        ->type_name("NAME");
}

std::vector<HostClient> CommandContext::hosts() {
    if (!onFleet()) {
        return {client()};
    }
    std::vector<HostClient> clients;
    for (const std::string& url : config().fleetHosts(fleet_)) {
        clients.emplace_back(url, config().token(url));
    }
    if (clients.empty()) {
        throw CliError("No fleet " + fleet_ + " (mvi fleet add NAME URL... creates one)");
    }
    return clients;
}

std::string CommandContext::eachHost(const std::function<void(HostClient&)>& action) {
    std::vector<HostClient> clients = hosts();
    std::size_t failed = 0;
    for (HostClient& host : clients) {
        if (!onFleet()) {
            action(host);
            continue;
        }
        try {
            action(host);
        } catch (const CliError& error) {
            ++failed;
            out.flush();
            err << host.url() << ": " << error.what() << std::endl;
        }
    }
    if (failed == 0) {
        return {};
    }
    return std::to_string(failed) + " of " + std::to_string(clients.size()) + " hosts of fleet " +
           fleet_ + " failed (see above)";
}

bool CommandContext::confirm(const std::string& question, bool assumeYes) {
    if (assumeYes) {
        return true;
    }
    if (!interactive) {
        throw CliError(
            "Not confirmed: standard input is not a terminal, so nobody can answer "
            "\"" +
            question + "\"; pass --yes to go ahead");
    }
    out << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(in, answer);
    answer = Poco::toLower(Poco::trim(answer));
    return answer == "y" || answer == "yes";
}

std::string CommandContext::askSecret(const std::string& prompt) {
    err << prompt << std::flush;
    termios saved{};
    const bool hide = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hide) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(in, line);
    if (hide) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        err << '\n';
    }
    return line;
}

void CommandContext::onRun(CLI::App& command, std::function<int()> action) {
    command.callback([this, action = std::move(action)] { exitCode_ = action(); });
}

}  // namespace mvi::cli
