// cli/CmdDebugFindBinary.cpp: `pgoctl debug find-binary BUILD-ID [--name N]
// [--binary PATH]... [--store URL] [--debuginfod URL]... [--cache-dir DIR]
// [--max-bytes N]`:
// finds a build's ELF the way `pgoctl refresh` does (refresh/BinarySource.h)
// and prints its path on stdout; where it came from goes to stderr. A build-id
// no source has is an error (exit 3). For tests and for checking a deployment's
// sources before the weekly job needs them.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "refresh/BinarySource.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {

class DebugFindBinaryCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("build-id", BuildId, "the build-id (lowercase hex)")->required();
    App.add_option("--name", Name, "the binary's file name (picks among the store's objects)");
    App.add_option("--binary", Opts.Paths, "ELF files, or folders of them (one level)");
    addStoreOptions(App, SA, /*StoreRequired=*/false);
    App.add_option("--debuginfod", Opts.DebuginfodUrls,
                   "debuginfod server URL (else $DEBUGINFOD_URLS, space-separated)");
    App.add_option("--cache-dir", Opts.CacheDir,
                   "where fetched binaries are kept (default $XDG_CACHE_HOME/pgoctl/binaries)");
    App.add_option("--max-bytes", Opts.MaxBytes, "the largest binary fetched (default 2 GiB)");
  }

  llvm::Expected<int> run(CommandContext &) override {
    Opts.Warn = [](llvm::StringRef W) {
      llvm::errs() << "pgoctl: warning: " << escapeForTerminal(W) << "\n";
    };
    std::unique_ptr<store::Store> Store;
    if (!SA.Url.empty()) {
      llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
      if (!S)
        return S.takeError();
      Store = std::move(*S);
      Opts.Store = Store.get();
    }
    llvm::Expected<std::unique_ptr<refresh::BinarySource>> Src =
        refresh::BinarySource::create(Opts);
    if (!Src)
      return Src.takeError();
    llvm::Expected<std::optional<refresh::FoundBinary>> F = (*Src)->find(BuildId, Name);
    if (!F)
      return F.takeError();
    if (!*F)
      return makeKindError(ErrorKind::Input, "build-id {0}: no source has it", BuildId);
    llvm::errs() << "pgoctl: build-id " << BuildId << " from " << escapeForTerminal((*F)->From)
                 << "\n";
    llvm::outs() << escapeForTerminal((*F)->Path) << "\n";
    return 0;
  }

private:
  std::string BuildId, Name;
  refresh::BinarySourceOptions Opts;
  StoreArgs SA;
};

} // namespace

std::unique_ptr<Command> makeDebugFindBinaryCommand() {
  return std::make_unique<DebugFindBinaryCommand>();
}

} // namespace pgoctl::cli
