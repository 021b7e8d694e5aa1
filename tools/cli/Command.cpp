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
    std::string host = config().activeHost();
    return HostClient(host, config().token(host));
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
