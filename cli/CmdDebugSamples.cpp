// cli/CmdDebugSamples.cpp: `pgoctl debug samples <perf.data>`.
#include "cli/Command.h"
#include "collect/DebugSamples.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {
class DebugSamplesCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("input", Input, "perf.data file ('-' for standard input)")->required();
    App.add_flag("--keep-going", Opts.KeepGoing, "Print what precedes damage in the input");
    App.add_flag("--show-pid", Opts.Pid,
                 "Print pid/tid before each sample (as perf script -F pid,tid,...)");
  }
  llvm::Expected<int> run(CommandContext &Ctx) override {
    Stats::Pass P(Ctx.PassStats, "decode and print");
    if (llvm::Error E = perf::printDebugSamples(Input, Opts, llvm::outs()))
      return std::move(E);
    return 0;
  }

private:
  std::string Input;
  perf::DebugSamplesOptions Opts;
};
} // namespace

std::unique_ptr<Command> makeDebugSamplesCommand() {
  return std::make_unique<DebugSamplesCommand>();
}
} // namespace pgoctl::cli
