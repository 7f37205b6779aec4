// cli/Command.h: the shape of a pgoctl subcommand.
//
// Every subcommand is a Command object listed once in the table in
// Commands.cpp. A command declares its options on its own CLI11 sub-app (bound
// to fields of its own options struct) and runs against a CommandContext, which
// carries what all commands share (verbosity, the --stats timer). Library code
// below never sees CLI11 or global state: commands pass their options down as
// structs. Errors travel as llvm::Error up to main, which prints them with the
// program name and picks the exit code from the error's kind (core/Error.h).
#pragma once

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <memory>

namespace CLI {
class App;
}

namespace pgoctl::cli {

struct CommandContext {
  Stats PassStats;
  bool ShowStats = false;
  uint64_t MaxMemory = 0;   ///< --max-memory: bytes a reader may allocate for one input
  bool StderrIsTty = false; ///< progress output only on a terminal

  /// A progress callback for long reads: a line on stderr that rewrites
  /// itself, or nothing when stderr is not a terminal.
  std::function<void(uint64_t, uint64_t)> progress() const;
};

class Command {
public:
  virtual ~Command() = default;
  virtual void addOptions(CLI::App &App) = 0;
  /// Returns the process exit code on success (0 unless the command defines
  /// others, like verify's gate), or an error (exit code 3... see main).
  virtual llvm::Expected<int> run(CommandContext &Ctx) = 0;
  /// The exit code of an error of kind K, usage errors included (default:
  /// core/Error.h's table). A command with its own codes for a scheduler
  /// (refresh: 2 and 3 mean "nothing new" and "refused") maps every error to 1.
  virtual int exitCodeForError(ErrorKind K) const { return exitCodeFor(K); }
};

struct CommandEntry {
  const char *Group; ///< "" for a top-level command, else its parent ("debug")
  const char *Name;
  const char *Help;
  std::unique_ptr<Command> (*Make)();
};

/// The table of subcommands, in the order `pgoctl --help` lists them.
llvm::ArrayRef<CommandEntry> commandTable();

// Factories, one per command file.
std::unique_ptr<Command> makeImportCommand();
std::unique_ptr<Command> makeShowCommand();
std::unique_ptr<Command> makeMergeCommand();
std::unique_ptr<Command> makeConvertCommand();
std::unique_ptr<Command> makeVerifyCommand();
std::unique_ptr<Command> makeSummaryCommand();
std::unique_ptr<Command> makeDebugSamplesCommand();
std::unique_ptr<Command> makeDebugProfileCommand();
std::unique_ptr<Command> makeLockCommand();
std::unique_ptr<Command> makePushCommand();
std::unique_ptr<Command> makeLsCommand();
std::unique_ptr<Command> makePullCommand();
std::unique_ptr<Command> makePublishCommand();
std::unique_ptr<Command> makeGcCommand();
std::unique_ptr<Command> makeStoreGetCommand();
std::unique_ptr<Command> makeCollectCommand();
std::unique_ptr<Command> makeRefreshCommand();

} // namespace pgoctl::cli
