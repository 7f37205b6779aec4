// cli/CmdConvert.cpp: `pgoctl convert <in.pgoprof|perf.data> --binary PATH...
// --to profdata|fdata|preagg|unsymbolized -o OUT`.
//
// Passes: read (a .pgoprof, or import a perf.data against the given binaries),
// match binaries (build-id, else file name), write, summarize. profdata holds
// every given binary's functions in one file; the per-binary outputs (fdata,
// preagg, unsymbolized) take -o as a file for one binary and as a folder,
// one `<binary name>.<ext>` each, for several.
#include "cli/Command.h"
#include "collect/Importer.h"
#include "convert/Fdata.h"
#include "convert/ProfData.h"
#include "core/ProfileFormat.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace pgoctl::cli {
namespace {

using namespace pgoctl::convert;

class ConvertCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("input", Input, ".pgoprof, perf.data or perf script text")->required();
    App.add_option("--binary", Binaries, "ELF of a profiled binary (repeatable)")->required();
    App.add_option("--to", To, "profdata | fdata | preagg | unsymbolized")
        ->required()
        ->check(CLI::IsMember({"profdata", "fdata", "preagg", "unsymbolized"}));
    App.add_option("-o,--output", Output, "Output file (a folder for several binaries "
                                          "with fdata/preagg/unsymbolized)")
        ->required();
    App.add_option("--format", Format, "profdata encoding: extbinary (default) | text")
        ->check(CLI::IsMember({"text", "extbinary"}));
    App.add_flag("--use-md5", PD.UseMD5, "profdata: MD5 function names");
    App.add_flag("--profile-symbol-list", PD.ProfileSymbolList,
                 "profdata: add the profile symbol list");
    App.add_option("--debug-binary", PD.DebugBinary, "DWARF in a separate file");
    App.add_flag("--ignore-build-id", IgnoreBuildId,
                 "Use a --binary whose build-id differs from the profile's");
    App.add_flag("--no-lbr", FD.NoLbr, "fdata: write no_lbr (IP) mode");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    // Pass 1: the profile.
    llvm::Expected<Profile> P = load(Ctx);
    if (!P)
      return P.takeError();
    // Pass 2: which binary is which.
    llvm::Expected<std::vector<BinaryMatch>> Matches = [&] {
      Stats::Pass S(Ctx.PassStats, "match binaries");
      return matchBinaries(*P, Binaries, IgnoreBuildId);
    }();
    if (!Matches)
      return Matches.takeError();
    for (const BinaryMatch &M : *Matches)
      spdlog::info("{} is {} (matched by {})", M.ElfPath, M.Profile->Path, M.How);
    // Pass 3: write.
    Stats::Pass S(Ctx.PassStats, "write " + To);
    ConvertSummary Sum;
    if (To == "profdata") {
      PD.Fmt = Format == "text" ? ProfDataOptions::Format::Text
                                : ProfDataOptions::Format::ExtBinary;
      if (llvm::Error E = writeProfData(*P, *Matches, PD, Output, Sum))
        return std::move(E);
    } else {
      if (llvm::Error E = writePerBinary(*P, *Matches, Sum))
        return std::move(E);
    }
    report(Sum);
    return 0;
  }

private:
  llvm::Expected<Profile> load(CommandContext &Ctx) {
    // The format by its magic: a .pgoprof is read, anything else imported.
    char Magic[sizeof(kPgoprofMagic)] = {};
    if (FILE *F = fopen(Input.c_str(), "rb")) {
      size_t N = fread(Magic, 1, sizeof(Magic), F);
      fclose(F);
      if (N == sizeof(Magic) && isPgoprof(llvm::StringRef(Magic, N))) {
        Stats::Pass S(Ctx.PassStats, "read profile");
        return readProfileFile(Input);
      }
    }
    ImportOptions IO;
    IO.Binaries = Binaries;
    IO.Progress = Ctx.StderrIsTty;
    ImportSummary ISum;
    return importProfile(Input, IO, ISum, Ctx.PassStats);
  }

  llvm::Error writePerBinary(const Profile &P, const std::vector<BinaryMatch> &Ms,
                             ConvertSummary &Sum) {
    const char *Ext = To == "fdata" ? ".fdata" : To == "preagg" ? ".preagg" : ".unsym.txt";
    bool Folder = Ms.size() > 1;
    if (Folder)
      if (std::error_code EC = llvm::sys::fs::create_directories(Output))
        return makeError("{0}: {1}", Output, EC.message());
    for (const BinaryMatch &M : Ms) {
      std::string Path = Output;
      if (Folder) {
        llvm::SmallString<256> P(Output);
        llvm::sys::path::append(P, llvm::sys::path::filename(M.ElfPath) + Ext);
        Path = std::string(P);
      }
      std::string Text;
      llvm::raw_string_ostream OS(Text);
      llvm::Error E = To == "fdata"    ? writeFdata(P, M, FD, OS, Sum)
                      : To == "preagg" ? writePreAggregated(P, M, OS, Sum)
                                       : writeUnsymbolized(P, M, OS, Sum);
      if (E)
        return E;
      if (llvm::Error E2 = writeFileAtomic(Path, Text))
        return E2;
    }
    return llvm::Error::success();
  }

  void report(const ConvertSummary &S) {
    for (const std::string &W : S.Warnings)
      spdlog::warn("{}", W);
    double Share = S.Samples ? 100.0 * double(S.SamplesAttributed) / double(S.Samples) : 0;
    spdlog::info("wrote {}: {} of {} samples attributed ({:.1f}%), {} functions covered",
                 Output, S.SamplesAttributed, S.Samples, Share, S.FunctionsCovered);
    if (S.Branches)
      spdlog::info("branches: {} of {} attributed", S.BranchesAttributed, S.Branches);
    for (const std::string &D : S.Dropped)
      spdlog::info("dropped: {}", D);
  }

  std::string Input, Output, To, Format = "extbinary";
  std::vector<std::string> Binaries;
  bool IgnoreBuildId = false;
  ProfDataOptions PD;
  FdataOptions FD;
};
} // namespace

std::unique_ptr<Command> makeConvertCommand() { return std::make_unique<ConvertCommand>(); }
} // namespace pgoctl::cli
