#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi logout`: ends the session on the active host (`POST /auth/logout`) and forgets its
/// token.
class LogoutCommand : public Command {
  public:
    std::string name() const override { return "logout"; }
    std::string summary() const override { return "Log out of the active host"; }
    std::string usage() const override { return ""; }
    std::size_t minArguments() const override { return 0; }
    std::size_t maxArguments() const override { return 0; }
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
