// cli/CmdGc.cpp: `pgoctl gc --store URL --keep-days N [--dry-run]`: retention.
// Removes raw windows that started more than N days ago and versions written
// more than N days ago, never a version a channel names (store/Versions.h).
// Prints each key removed (or that would be, with --dry-run) and a total.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "store/Versions.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <ctime>

namespace pgoctl::cli {
namespace {

class GcCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    addStoreOptions(App, SA);
    App.add_option("--keep-days", KeepDays, "keep what is younger than this many days")
        ->required()
        ->check(CLI::Range(0u, 36500u));
    App.add_flag("--dry-run", DryRun, "print what would be removed, remove nothing");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    store::GcOptions O;
    O.Cutoff = int64_t(std::time(nullptr)) - int64_t(KeepDays) * 86400;
    O.DryRun = DryRun;
    llvm::raw_ostream &OS = llvm::outs();
    llvm::Expected<store::GcResult> R =
        store::collectGarbage(**S, O, [&](llvm::StringRef Key, uint64_t) {
          OS << (DryRun ? "would remove " : "removed ") << escapeForTerminal(Key, 1024) << "\n";
        });
    if (!R)
      return R.takeError();
    llvm::errs() << "pgoctl gc: " << (DryRun ? "would remove " : "removed ") << R->Removed
                 << " objects (" << R->Bytes << " bytes); " << R->KeptByChannel
                 << " versions kept as a channel names them\n";
    return 0;
  }

private:
  StoreArgs SA;
  unsigned KeepDays = 0;
  bool DryRun = false;
};

} // namespace

std::unique_ptr<Command> makeGcCommand() { return std::make_unique<GcCommand>(); }

} // namespace pgoctl::cli
