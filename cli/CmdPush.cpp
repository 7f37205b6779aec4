// cli/CmdPush.cpp: `pgoctl push FILE... --store URL [--service S] [--host H]
// [--start T]`: uploads .pgoprof windows as raw windows of the store
// (raw/<service>/<yyyy-mm-dd>/<host>-<build-id>-<start>.pgoprof, store/Layout.h).
//
// Each file is read (bounded by --max-memory) and parsed first, so only a
// valid profile is uploaded; its bytes go up unchanged. The key's parts:
//   service   --service, else the profile's `service` label;
//   host      --host, else the `host` label, else the first input's host;
//   build-id  the `build-id` label, else that of the user-space binary with the
//             most samples, else `none`;
//   start     --start (seconds since 1970), else the `start` label, else the
//             file's modification time (what `perf report` shows as
//             "captured on": perf.data holds no wall-clock time).
// Each value is checked (store/Layout.h: no `/`, `..`, control characters).
// `--binary FILE` (repeatable) uploads ELF files under
// binaries/<build-id>/<file name>, where the refresh finds a build's binary
// (refresh/BinarySource.h); a file without a build-id is refused, since
// nothing could find it. Prints the key of each object pushed.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "core/Input.h"
#include "core/ProfileFormat.h"
#include "binary/Symbols.h"
#include "store/Layout.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {

/// The build-id of the user-space binary with the most samples.
std::string mainBuildId(const Profile &P) {
  std::string Best;
  uint64_t BestN = 0;
  for (const BinaryProfile &B : P.Binaries) {
    if (B.IsKernel || B.BuildId.empty())
      continue;
    uint64_t N = B.totalSamples();
    for (const BranchCount &Br : B.Branches)
      N = llvm::SaturatingAdd(N, Br.Count);
    if (Best.empty() || N > BestN)
      Best = B.BuildId, BestN = N;
  }
  return Best.empty() ? "none" : Best;
}

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
    for (const std::string &F : Files) {
      llvm::Expected<InputFile> In = InputFile::open(F);
      if (!In)
        return In.takeError();
      llvm::Expected<std::string> Bytes = In->readAll(Ctx.MaxMemory);
      if (!Bytes)
        return addContext(Bytes.takeError(), F);
      llvm::Expected<Profile> P =
          parseProfile(*Bytes, F, ProfileReadOptions{Ctx.MaxMemory});
      if (!P)
        return P.takeError();
      store::RawWindow W;
      W.Service = pick(Service, P->Meta.Labels, "service");
      W.Host = pick(Host, P->Meta.Labels, "host");
      if (W.Host.empty() && !P->Meta.Inputs.empty())
        W.Host = P->Meta.Inputs.front().Host;
      if (W.Service.empty())
        return makeKindError(ErrorKind::Usage, "{0}: no `service` label; give --service", F);
      if (W.Host.empty())
        return makeKindError(ErrorKind::Usage, "{0}: no `host` label or host; give --host", F);
      auto BL = P->Meta.Labels.find("build-id");
      W.BuildId = BL != P->Meta.Labels.end() ? BL->second : mainBuildId(*P);
      std::string StartText = pick(Start, P->Meta.Labels, "start");
      if (!StartText.empty()) {
        if (llvm::StringRef(StartText).getAsInteger(10, W.Start) || W.Start < 0)
          return makeKindError(ErrorKind::Usage,
                               "{0}: start `{1}` is not seconds since 1970", F,
                               escapeForTerminal(StartText, 64));
      } else {
        llvm::sys::fs::file_status St;
        if (std::error_code EC = llvm::sys::fs::status(F, St))
          return makeKindError(ErrorKind::Input, "{0}: {1}", F, EC.message());
        W.Start = llvm::sys::toTimeT(St.getLastModificationTime());
      }
      llvm::Expected<std::string> Key = store::rawKey(W);
      if (!Key)
        return addContext(Key.takeError(), F);
      {
        Stats::Pass Pass(Ctx.PassStats, "upload");
        if (llvm::Error E = (*S)->put(*Key, *Bytes))
          return addContext(std::move(E), F);
      }
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

  static std::string pick(const std::string &Flag, const std::map<std::string, std::string> &L,
                          const char *Label) {
    if (!Flag.empty())
      return Flag;
    auto It = L.find(Label);
    return It == L.end() ? "" : It->second;
  }

  std::vector<std::string> Files, Binaries;
  StoreArgs SA;
  std::string Service, Host, Start;
};

} // namespace

std::unique_ptr<Command> makePushCommand() { return std::make_unique<PushCommand>(); }

} // namespace pgoctl::cli
