// cli/CmdPush.cpp: `pgoctl push FILE... --store URL [--service S] [--host H]
// [--start T]`: uploads .pgoprof windows as raw windows of the store
// (raw/<service>/<yyyy-mm-dd>/<host>-<build-id>-<start>.pgoprof, store/Layout.h).
//
// The key of each window and what is checked before it goes up are in
// store/PushWindow.h (`pgoctl collect --store` uploads the same way).
// `--binary FILE` (repeatable) uploads ELF files under
// binaries/<build-id>/<file name>, where the refresh finds a build's binary
// (refresh/BinarySource.h); a file without a build-id is refused, since
// nothing could find it. Prints the key of each object pushed.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "core/Input.h"
#include "binary/Symbols.h"
#include "store/Layout.h"
#include "store/PushWindow.h"

#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {

class PushCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("files", Files, ".pgoprof windows to upload");
    App.add_option("--binary", Binaries,
                   "ELF files to upload under binaries/<build-id>/<file name>");
    addStoreOptions(App, SA);
    App.add_option("--service", Service, "service name (else the profile's `service` label)");
    App.add_option("--host", Host, "host name (else the `host` label)");
    App.add_option("--start", Start, "window start, seconds since 1970 (else the `start` "
                                     "label, else the file's modification time)");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (Files.empty() && Binaries.empty())
      return makeKindError(ErrorKind::Usage, "push: give .pgoprof windows or --binary files");
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    for (const std::string &F : Binaries)
      if (llvm::Error E = pushBinary(**S, F, Ctx))
        return std::move(E);
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
  /// Uploads one ELF file under its build-id, bytes unchanged.
  static llvm::Error pushBinary(store::Store &S, const std::string &F, CommandContext &Ctx) {
    llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo(F);
    if (!Elf)
      return Elf.takeError();
    if (Elf->BuildId.empty())
      return makeKindError(ErrorKind::Input,
                           "{0}: has no build-id (link with -Wl,--build-id), so no refresh "
                           "could find it by one; not pushed",
                           F);
    llvm::Expected<std::string> Key =
        store::binaryKey(Elf->BuildId, llvm::sys::path::filename(F));
    if (!Key)
      return addContext(Key.takeError(), F);
    llvm::Expected<InputFile> In = InputFile::open(F);
    if (!In)
      return In.takeError();
    llvm::Expected<std::string> Bytes = In->readAll(Ctx.MaxMemory);
    if (!Bytes)
      return addContext(Bytes.takeError(), F);
    {
      Stats::Pass Pass(Ctx.PassStats, "upload");
      if (llvm::Error E = S.put(*Key, *Bytes))
        return addContext(std::move(E), F);
    }
    llvm::outs() << *Key << "\n";
    return llvm::Error::success();
  }

  std::vector<std::string> Files, Binaries;
  StoreArgs SA;
  std::string Service, Host, Start;
};

} // namespace

std::unique_ptr<Command> makePushCommand() { return std::make_unique<PushCommand>(); }

} // namespace pgoctl::cli
