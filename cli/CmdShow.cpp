#include "cli/Command.h"
#include <CLI/CLI.hpp>
namespace pgoctl::cli {
namespace {
class C : public Command {
public:
  void addOptions(CLI::App &) override {}
  llvm::Expected<int> run(CommandContext &) override { return makeError("not yet"); }
};
}
std::unique_ptr<Command> makeShowCommand() { return std::make_unique<C>(); }
}
