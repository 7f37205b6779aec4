// cli/CmdStoreGet.cpp: `pgoctl store get URL -o FILE [--sha256 HEX]
// [--max-bytes N]`: one object of a store (s3://bucket/key, file:///path) to a
// file. The body is kept in memory (at most --max-bytes), checked against
// --sha256 when given, and only then written atomically: a failed or
// mismatched download leaves nothing on disk. pgo_target() runs it for s3://
// lock sources, so credentials stay in the AWS environment and files.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {

class StoreGetCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("url", Url, "the object: s3://bucket/key or file:///path")->required();
    App.add_option("-o,--output", Output, "file to write")->required();
    App.add_option("--sha256", Sha256, "refuse a body with another sha256 (lowercase hex)");
    App.add_option("--max-bytes", MaxBytes, "largest object read (default 1 GiB)");
    addStoreOptions(App, SA, /*StoreRequired=*/false);
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    llvm::Expected<store::ObjectUrl> O = store::splitObjectUrl(Url);
    if (!O)
      return O.takeError();
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA, O->StoreUrl);
    if (!S)
      return S.takeError();
    llvm::Expected<std::string> Body = [&] {
      Stats::Pass P(Ctx.PassStats, "download");
      return store::getObject(**S, O->Key, MaxBytes);
    }();
    if (!Body)
      return Body.takeError();
    std::string Got = store::sha256Hex(*Body);
    if (!Sha256.empty() && Got != llvm::StringRef(Sha256).lower())
      return makeKindError(ErrorKind::Mismatch, "{0}: sha256 {1}, expected {2}; nothing written",
                           escapeForTerminal(Url, 512), Got, escapeForTerminal(Sha256, 80));
    if (llvm::Error E = writeFileAtomic(Output, *Body))
      return std::move(E);
    llvm::errs() << "pgoctl store get: " << Body->size() << " bytes, sha256 "
                 << llvm::StringRef(Got).take_front(12) << "\n";
    return 0;
  }

private:
  std::string Url, Output, Sha256;
  uint64_t MaxBytes = uint64_t(1) << 30;
  StoreArgs SA;
};

} // namespace

std::unique_ptr<Command> makeStoreGetCommand() { return std::make_unique<StoreGetCommand>(); }

} // namespace pgoctl::cli
