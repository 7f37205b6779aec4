// cli/main.cpp: pgoctl's entry point. Builds the subcommands from the table,
// parses, runs the chosen one, and maps errors to messages and exit codes
// (core/Error.h has the table of codes; this is the one place they are chosen).
#include "cli/Command.h"
#include "cli/Options.h"
#include "core/Input.h"
#include "core/Error.h"
#include "core/Profile.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <map>
#include <mutex>

using namespace pgoctl;
using namespace pgoctl::cli;

namespace {

/// Log lines go to stderr (stdout holds results), as "pgoctl: LEVEL: text",
/// with control characters from file names and labels escaped.
class EscapingStderrSink : public spdlog::sinks::base_sink<std::mutex> {
protected:
  void sink_it_(const spdlog::details::log_msg &Msg) override {
    std::string Text = escapeLinesForTerminal(
        llvm::StringRef(Msg.payload.data(), Msg.payload.size()), 64 * 1024);
    auto Level = spdlog::level::to_string_view(Msg.level);
    fprintf(stderr, "pgoctl: %.*s: %s\n", int(Level.size()), Level.data(), Text.c_str());
  }
  void flush_() override { fflush(stderr); }
};

} // namespace

int main(int argc, char **argv) {
  CLI::App App{"pgoctl: production profiles in, faster builds out"};
  App.require_subcommand(1);
  int Verbose = 0;
  bool Quiet = false;
  CommandContext Ctx;
  App.add_flag("-v,--verbose", Verbose, "More log output (repeatable)");
  App.add_flag("-q,--quiet", Quiet, "Only errors");
  App.add_flag("--stats", Ctx.ShowStats, "Print the time of each pass");
  std::string MaxMemory;
  App.add_option("--max-memory", MaxMemory,
                 "Most memory a reader may allocate for one input, e.g. 2G (default: half "
                 "the physical memory, between 256M and 4G)");
  App.set_version_flag("--version", std::string(pgoctl::toolVersion()));

  std::map<std::string, CLI::App *> Groups;
  std::vector<std::pair<CLI::App *, std::unique_ptr<Command>>> Cmds;
  std::vector<std::pair<CLI::App *, Command *>> Aliases;
  for (const CommandEntry &E : commandTable()) {
    CLI::App *Parent = &App;
    if (*E.Group) {
      CLI::App *&G = Groups[E.Group];
      if (!G) {
        G = App.add_subcommand(E.Group, std::string(E.Group) == "store"
                                            ? "Objects of a profile store (file://, s3://)"
                                            : "Inspect inputs and profiles as the oracles print them");
        G->require_subcommand(1);
      }
      Parent = G;
    }
    CLI::App *Sub = Parent->add_subcommand(E.Name, E.Help);
    std::unique_ptr<Command> Cmd = E.Make();
    Cmd->addOptions(*Sub);
    if (*E.Group) {
      // The one-word spelling of earlier releases (`debug-samples`), hidden;
      // it binds the same options of the same command.
      CLI::App *Old = App.add_subcommand(std::string(E.Group) + "-" + E.Name, E.Help);
      Old->group("");
      Cmd->addOptions(*Old);
      Aliases.emplace_back(Old, Cmd.get());
    }
    Cmds.emplace_back(Sub, std::move(Cmd));
  }
  try {
    App.parse(argc, argv);
  } catch (const CLI::ParseError &E) {
    int RC = App.exit(E);
    if (RC == 0)
      return 0;
    for (auto &[Sub, Cmd] : Cmds)
      if (Sub->parsed())
        return Cmd->exitCodeForError(ErrorKind::Usage);
    return exitCodeFor(ErrorKind::Usage);
  }
  auto Logger = std::make_shared<spdlog::logger>("pgoctl", std::make_shared<EscapingStderrSink>());
  spdlog::set_default_logger(Logger);
  spdlog::set_level(Quiet ? spdlog::level::err
                          : Verbose >= 2 ? spdlog::level::trace
                          : Verbose == 1 ? spdlog::level::debug
                                         : spdlog::level::info);
  Ctx.StderrIsTty = isatty(2);
  Ctx.MaxMemory = defaultMaxMemory();
  if (!MaxMemory.empty()) {
    llvm::Expected<uint64_t> V = parseByteSize(MaxMemory, "--max-memory");
    if (!V) {
      fprintf(stderr, "pgoctl: error: %s\n",
              escapeForTerminal(llvm::toString(V.takeError())).c_str());
      return exitCodeFor(ErrorKind::Usage);
    }
    Ctx.MaxMemory = *V;
  }
  std::vector<std::pair<CLI::App *, Command *>> All(Aliases);
  for (auto &[Sub, Cmd] : Cmds)
    All.emplace_back(Sub, Cmd.get());
  for (auto &[Sub, Cmd] : All) {
    if (!Sub->parsed())
      continue;
    llvm::Expected<int> RC = Cmd->run(Ctx);
    if (Ctx.ShowStats)
      fprintf(stderr, "%s", Ctx.PassStats.render().c_str());
    if (!RC) {
      KindedMessage M = takeKindedMessage(RC.takeError());
      std::string Name = Sub->get_parent() != &App
                             ? Sub->get_parent()->get_name() + " " + Sub->get_name()
                             : Sub->get_name();
      fprintf(stderr, "pgoctl %s: error: %s\n", Name.c_str(),
              escapeLinesForTerminal(M.Message).c_str());
      return Cmd->exitCodeForError(M.Kind);
    }
    return *RC;
  }
  return exitCodeFor(ErrorKind::Usage);
}
