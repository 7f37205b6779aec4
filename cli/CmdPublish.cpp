// cli/CmdPublish.cpp: `pgoctl publish FILE... --store URL --service S
// [--channel NAME] [--to profdata,fdata --binary ELF...]`: stores a version.
//
// The inputs are merged (merge/, weight 1 each; one input is stored as
// merged, i.e. canonical), the .pgoprof's sha256 is the version, and the
// converted forms are made by convert/ as `pgoctl convert` makes them. The
// objects go up through store/Versions.h (forms, then the .json), then the
// channel is moved by compare-and-swap; if another publisher moved it
// meanwhile, the version stays stored and the error says to publish again.
// The .json gets the figures the merged profile knows (samples, hosts,
// build-ids, windows, window start and end: store::windowFiguresOf), written
// as refresh writes its own (store::describeWindows). Prints the version
// (the sha256) on stdout.
#include "cli/Command.h"
#include "cli/Options.h"
#include "cli/StoreOptions.h"
#include "convert/Convert.h"
#include "convert/bolt/Fdata.h"
#include "convert/sample/ProfData.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "merge/Merge.h"
#include "store/Versions.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>


namespace pgoctl::cli {
namespace {

class PublishCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("files", Files, ".pgoprof profiles to merge into the version")->required();
    addStoreOptions(App, SA);
    App.add_option("--service", Service, "service the version is of")->required();
    App.add_option("--channel", Channel, "channel to point at the version (e.g. stable)");
    App.add_option("--to", To, "converted forms to store too: profdata, fdata (comma-separated)")
        ->delimiter(',')
        ->check(CLI::IsMember({"profdata", "fdata"}));
    addBinaryOptions(App, Bins, "ELF of a profiled binary (for --to)");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (llvm::Error E = store::checkKeyPart(Service, "--service"))
      return std::move(E);
    if (!Channel.empty())
      if (llvm::Error E = store::checkKeyPart(Channel, "--channel"))
        return std::move(E);
    if (!To.empty() && Bins.Paths.empty())
      return usageError("--to {0} needs --binary", To.front());
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();

    Merger M{MergeOptions{}};
    for (const std::string &F : Files) {
      llvm::Expected<Profile> P = readProfileFile(F, ProfileReadOptions{Ctx.MaxMemory});
      if (!P)
        return P.takeError();
      if (llvm::Error E = M.add({std::move(*P), 1, F}))
        return std::move(E);
    }
    llvm::Expected<Profile> P = M.finish();
    if (!P)
      return P.takeError();
    std::map<std::string, std::string> Forms;
    llvm::Expected<std::string> Bytes = serializeProfile(*P);
    if (!Bytes)
      return Bytes.takeError();
    Forms["pgoprof"] = std::move(*Bytes);
    for (const std::string &T : To) {
      llvm::Expected<std::string> Out = convertTo(Ctx, *P, T);
      if (!Out)
        return Out.takeError();
      Forms[T] = std::move(*Out);
    }

    store::VersionInfo Info;
    Info.Service = Service;
    store::describeWindows(Info, store::windowFiguresOf(*P));

    store::ChannelState Seen;
    if (!Channel.empty()) {
      llvm::Expected<store::ChannelState> C = store::readChannel(**S, Service, Channel);
      if (!C)
        return C.takeError();
      Seen = std::move(*C);
      if (Seen.Info)
        Info.Parent = Seen.Info->Version;
    }
    llvm::Expected<std::string> Version = [&] {
      Stats::Pass Pass(Ctx.PassStats, "upload");
      return store::publishVersion(**S, Info, Forms);
    }();
    if (!Version)
      return Version.takeError();
    if (!Channel.empty()) {
      llvm::Expected<bool> Moved = store::moveChannel(**S, Service, Channel, *Version, Seen);
      if (!Moved)
        return Moved.takeError();
      if (!*Moved)
        return makeKindError(ErrorKind::Mismatch,
                             "{0}: channel {1}/{2} was moved by another writer while this "
                             "version ({3}) was published; it is stored, the channel is not "
                             "moved: publish again",
                             (*S)->url(), Service, Channel, *Version);
      llvm::errs() << "pgoctl publish: " << Service << "/" << Channel << " -> " << *Version
                   << "\n";
    }
    llvm::outs() << *Version << "\n";
    return 0;
  }

private:
  /// One converted form, written by convert/ to a temporary file and read back.
  llvm::Expected<std::string> convertTo(CommandContext &Ctx, const Profile &P,
                                        const std::string &To) {
    using namespace pgoctl::convert;
    llvm::Expected<std::vector<BinaryMatch>> Ms =
        matchBinaries(P, Bins.Paths, Bins.IgnoreBuildId);
    if (!Ms)
      return Ms.takeError();
    Stats::Pass Pass(Ctx.PassStats, "convert to " + To);
    ConvertSummary Sum;
    if (To == "fdata") {
      if (Ms->size() != 1)
        return usageError("--to fdata stores one binary's .fdata: give one --binary");
      std::string Text;
      llvm::raw_string_ostream OS(Text);
      if (llvm::Error E = writeFdata(P, Ms->front(), FdataOptions{}, OS, Sum))
        return std::move(E);
      if (llvm::Error E = checkAttribution(Sum, "the .fdata form", false))
        return std::move(E);
      return Text;
    }
    llvm::SmallString<128> Tmp;
    if (std::error_code EC = llvm::sys::fs::createTemporaryFile("pgoctl-publish", "profdata", Tmp))
      return makeKindError(ErrorKind::Input, "a temporary file: {0}", EC.message());
    auto Remove = llvm::scope_exit([&] { llvm::sys::fs::remove(Tmp); });
    if (llvm::Error E = writeProfData(P, *Ms, ProfDataOptions{}, Tmp, Sum))
      return std::move(E);
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B = llvm::MemoryBuffer::getFile(Tmp);
    if (!B)
      return makeKindError(ErrorKind::Input, "{0}: {1}", Tmp, B.getError().message());
    return (*B)->getBuffer().str();
  }

  std::vector<std::string> Files, To;
  StoreArgs SA;
  BinaryArgs Bins;
  std::string Service, Channel;
};

} // namespace

std::unique_ptr<Command> makePublishCommand() { return std::make_unique<PublishCommand>(); }

} // namespace pgoctl::cli
