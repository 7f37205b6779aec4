// cli/main.cpp: pgoctl's entry point. Builds the subcommands from the table,
// parses, runs the chosen one, and maps errors to messages and exit codes.
#include "cli/Command.h"
#include "core/Profile.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

using namespace pgoctl::cli;

int main(int argc, char **argv) {
  // `pgoctl debug samples` is spelled as two words in the docs; accept both.
  std::vector<std::string> Args(argv, argv + argc);
  for (size_t I = 1; I + 1 < Args.size(); ++I)
    if (Args[I] == "debug" && (Args[I + 1] == "samples" || Args[I + 1] == "profile")) {
      Args[I] = "debug-" + Args[I + 1];
      Args.erase(Args.begin() + long(I) + 1);
      break;
    }

  CLI::App App{"pgoctl: production profiles in, faster builds out"};
  App.require_subcommand(1);
  int Verbose = 0;
  bool Quiet = false;
  CommandContext Ctx;
  App.add_flag("-v,--verbose", Verbose, "More log output (repeatable)");
  App.add_flag("-q,--quiet", Quiet, "Only errors");
  App.add_flag("--stats", Ctx.ShowStats, "Print the time of each pass");
  App.set_version_flag("--version", std::string(pgoctl::toolVersion()));

  std::vector<std::pair<CLI::App *, std::unique_ptr<Command>>> Cmds;
  for (const CommandEntry &E : commandTable()) {
    CLI::App *Sub = App.add_subcommand(E.Name, E.Help);
    Cmds.emplace_back(Sub, E.Make());
    Cmds.back().second->addOptions(*Sub);
  }
  std::vector<const char *> CArgs;
  for (const std::string &A : Args)
    CArgs.push_back(A.c_str());
  try {
    App.parse(int(CArgs.size()), CArgs.data());
  } catch (const CLI::ParseError &E) {
    int RC = App.exit(E);
    return RC == 0 ? 0 : 3;
  }
  spdlog::set_pattern("pgoctl: %l: %v");
  spdlog::set_level(Quiet ? spdlog::level::err
                          : Verbose >= 2 ? spdlog::level::trace
                          : Verbose == 1 ? spdlog::level::debug
                                         : spdlog::level::info);
  Ctx.StderrIsTty = isatty(2);
  for (auto &[Sub, Cmd] : Cmds) {
    if (!Sub->parsed())
      continue;
    llvm::Expected<int> RC = Cmd->run(Ctx);
    if (Ctx.ShowStats)
      fprintf(stderr, "%s", Ctx.PassStats.render().c_str());
    if (!RC) {
      fprintf(stderr, "pgoctl %s: error: %s\n", Sub->get_name().c_str(),
              llvm::toString(RC.takeError()).c_str());
      return 3;
    }
    return *RC;
  }
  return 3;
}
