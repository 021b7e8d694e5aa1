#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi assign NAME VERSION [--yes]`: makes that version the main one, which answers the calls
/// made by name (the previous main becomes a shadow). Asks for confirmation unless `--yes`.
class AssignCommand : public Command {
  public:
    std::string name() const override { return "assign"; }
    std::string summary() const override { return "Make a version the main one of its service"; }
    std::string usage() const override { return "NAME VERSION"; }
    std::size_t minArguments() const override { return 2; }
    std::size_t maxArguments() const override { return 2; }
    void defineOptions(Poco::Util::OptionSet& options) const override;
    int run(CommandContext& context, const Arguments& arguments) const override;
};

}  // namespace mvi::cli
