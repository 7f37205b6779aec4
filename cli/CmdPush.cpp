// cli/CmdPush.cpp: `pgoctl push FILE... --store URL [--service S] [--host H]
// [--start T]`: uploads .pgoprof windows as raw windows of the store
// (raw/<service>/<yyyy-mm-dd>/<host>-<build-id>-<start>.pgoprof, store/Layout.h).
//
// The key of each window and what is checked before it goes up are in
// store/PushWindow.h (`pgoctl collect --store` uploads the same way).
// Prints the key of each window pushed.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "store/PushWindow.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {

class PushCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("files", Files, ".pgoprof windows to upload")->required();
    addStoreOptions(App, SA);
    App.add_option("--service", Service, "service name (else the profile's `service` label)");
    App.add_option("--host", Host, "host name (else the `host` label)");
    App.add_option("--start", Start, "window start, seconds since 1970 (else the `start` "
                                     "label, else the file's modification time)");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    store::PushKeyOptions K{Service, Host, Start};
    for (const std::string &F : Files) {
      Stats::Pass Pass(Ctx.PassStats, "upload");
      llvm::Expected<std::string> Key = store::pushWindowFile(**S, F, K, Ctx.MaxMemory);
      if (!Key)
        return Key.takeError();
      llvm::outs() << *Key << "\n";
    }
    return 0;
  }

private:
  std::vector<std::string> Files;
  StoreArgs SA;
  std::string Service, Host, Start;
};

} // namespace

std::unique_ptr<Command> makePushCommand() { return std::make_unique<PushCommand>(); }

} // namespace pgoctl::cli
