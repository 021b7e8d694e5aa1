#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi parameters NAME [VERSION] [set PARAMETER VALUE]`: a service's parameters and their
/// values, or sets one. Without VERSION it reads the main version and a value set reaches the
/// main version and every shadow.
class ParametersCommand : public Command {
  public:
    std::string name() const override { return "parameters"; }
    std::string summary() const override { return "Show or set the parameters of a service"; }
    std::string usage() const override { return "NAME [VERSION] [set PARAMETER VALUE]"; }
    std::size_t minArguments() const override { return 1; }
    std::size_t maxArguments() const override { return 5; }
    std::string details() const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
