// cli/CmdConvert.cpp: `pgoctl convert <in.pgoprof|perf.data> --binary PATH...
// --to profdata|fdata|preagg|unsymbolized -o OUT`, and for instrumented
// profiles `pgoctl convert [--to instr-profdata] -o OUT.profdata
// a.profraw b.profdata ... [-w|--weight N,file]... [--sparse]
// [--on-mismatch warn|error]`.
//
// Sample profiles. Passes: read (a .pgoprof, or import a perf.data against the
// given binaries), match binaries (build-id, else file name), write,
// summarize. profdata holds every given binary's functions in one file; the
// per-binary outputs (fdata, preagg, unsymbolized) take -o as a file for one
// binary and as a folder, one `<binary name>.<ext>` each, for several.
//
// Instrumented profiles (-fprofile-generate's .profraw, llvm-profdata's
// indexed .profdata, llvm-profdata's text form; told by their magic, or any
// file with an explicit --to instr-profdata): any number of inputs, positional
// (weight 1) or llvm-profdata-style `--weight N,file`, merged into one indexed
// .profdata (convert/InstrProf.h); no --binary. Sample and instrumented inputs
// do not mix.
#include "cli/Command.h"
#include "collect/Importer.h"
#include "convert/Fdata.h"
#include "convert/InstrProf.h"
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
    App.add_option("inputs", Inputs,
                   "One .pgoprof, perf.data or perf script text; or instrumented profiles "
                   "(.profraw, indexed .profdata), any number");
    App.add_option("--binary", Binaries,
                   "ELF of a profiled binary (repeatable; required for sample profiles)");
    App.add_option("--to", To,
                   "profdata | fdata | preagg | unsymbolized (sample profiles; required); "
                   "instr-profdata (instrumented profiles; the default for them)")
        ->check(CLI::IsMember({"profdata", "fdata", "preagg", "unsymbolized", "instr-profdata"}));
    App.add_option("-o,--output", Output, "Output file (a folder for several binaries "
                                          "with fdata/preagg/unsymbolized)")
        ->required();
    App.add_option("-w,--weight", WeightedInputs,
                   "instr-profdata: a weighted input, N,file (repeatable; as llvm-profdata "
                   "merge --weighted-input)")
        ->allow_extra_args(false);
    App.add_flag("--sparse", IM.Sparse,
                 "instr-profdata: leave out functions with all-zero counts");
    App.add_option("--on-mismatch", OnMismatch,
                   "instr-profdata: a function with another number of counters in another "
                   "input: warn and skip its record (default, as llvm-profdata) | error")
        ->check(CLI::IsMember({"warn", "error"}));
    App.footer("Sample profiles: pgoctl convert IN.pgoprof|perf.data --binary ELF... --to "
               "profdata|fdata|preagg|unsymbolized -o OUT\n"
               "Instrumented profiles (-fprofile-generate): pgoctl convert [--to instr-profdata] "
               "-o OUT.profdata a.profraw b.profdata [-w N,c.profraw]...\n"
               "  merged as llvm-profdata merge --weighted-input=N,file; no --binary\n");
    App.add_option("--format", Format, "profdata encoding: extbinary (default) | text")
        ->check(CLI::IsMember({"text", "extbinary"}));
    App.add_flag("--use-md5", PD.UseMD5, "profdata: MD5 function names");
    App.add_flag("--profile-symbol-list", PD.ProfileSymbolList,
                 "profdata: add the profile symbol list");
    App.add_option("--debug-binary", PD.DebugBinary, "DWARF in a separate file");
    App.add_flag("--ignore-build-id", IgnoreBuildId,
                 "Use a --binary whose build-id differs from the profile's");
    App.add_flag("--no-lbr", FD.NoLbr, "fdata: write no_lbr (IP) mode");
    App.add_flag("--infer-edges", FD.InferEdges,
                 "fdata from IP samples: write the branch and fall-through counts the IP "
                 "estimator infers (LBR mode, BOLT lays out blocks) instead of no_lbr");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    auto Instr = instrInputs();
    if (!Instr)
      return Instr.takeError();
    if (!Instr->empty())
      return runInstr(Ctx, *Instr);
    if (Inputs.size() != 1 || !WeightedInputs.empty())
      return makeError("convert takes one .pgoprof or perf.data input (several inputs and "
                       "--weight are for instrumented .profraw/.profdata profiles)");
    Input = Inputs.front();
    if (To.empty() || To == "instr-profdata")
      return makeError("{0}: no instrumented-profile magic, so read as a sample profile: "
                       "--to profdata|fdata|preagg|unsymbolized is required (a front-end "
                       "text profile without a header flag needs --to instr-profdata)",
                       Input);
    if (Binaries.empty())
      return makeError("{0} is a sample profile: --binary is required", Input);
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
      spdlog::info("{} is {} (matched by {})", M.ElfPath, M.Profile->Path, binary::describe(M.How).str());
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
  /// The inputs with their weights when they are instrumented profiles; empty
  /// for the sample path (one input, no --weight, not instrumented).
  llvm::Expected<std::vector<WeightedPath>> instrInputs() {
    std::vector<WeightedPath> Ws;
    for (const std::string &In : Inputs)
      Ws.push_back({In, 1});
    for (llvm::StringRef Arg : WeightedInputs) {
      auto [WText, File] = Arg.split(',');
      uint64_t W = 0;
      if (File.empty())
        return makeError("--weight '{0}': expected N,file", Arg);
      if (WText.trim().getAsInteger(10, W) || W == 0)
        return makeError("{0}: weight '{1}' is not an integer >= 1", File, WText);
      Ws.push_back({File.str(), W});
    }
    if (Ws.empty())
      return makeError("no input");
    bool AnyInstr = llvm::any_of(Ws, [](const WeightedPath &W) {
      return detectInstrProfile(W.Path) != InstrProfFormat::None;
    });
    if (!AnyInstr && To != "instr-profdata")
      return std::vector<WeightedPath>{};
    // Instrumented: --to is instr-profdata or absent, and no sample options.
    if (!To.empty() && To != "instr-profdata")
      return makeError("instrumented profiles (.profraw/.profdata) convert to "
                       "--to instr-profdata, not {0}",
                       To);
    if (!Binaries.empty())
      spdlog::warn("--binary is not needed for instrumented profiles; ignored");
    IM.AnyFormat = To == "instr-profdata";
    return Ws;
  }

  llvm::Expected<int> runInstr(CommandContext &Ctx, const std::vector<WeightedPath> &Ws) {
    IM.OnMismatch = OnMismatch == "error" ? InstrMergeOptions::MismatchPolicy::Error
                                          : InstrMergeOptions::MismatchPolicy::Warn;
    InstrMergeSummary Sum;
    {
      Stats::Pass S(Ctx.PassStats, "merge instrumented profiles");
      llvm::Error E = mergeInstrProfiles(Ws, IM, Output, Sum);
      for (const std::string &W : Sum.Warnings)
        spdlog::warn("{}", W);
      if (E)
        return std::move(E);
    }
    for (const InstrMergeSummary::Input &In : Sum.Inputs)
      if (In.Skipped)
        spdlog::info("input {} (weight {}): empty, skipped", In.Path, In.Weight);
      else
        spdlog::info("input {} ({}, weight {}): {} function records", In.Path,
                     formatName(In.Format), In.Weight, In.Records);
    spdlog::info("wrote {}: {} functions from {} inputs, {} instrumentation{}", Output,
                 Sum.Functions, Sum.Inputs.size(), Sum.Kind,
                 Sum.MismatchedRecords
                     ? llvm::formatv(", {0} records skipped for counter mismatch",
                                     Sum.MismatchedRecords)
                           .str()
                     : std::string());
    Ctx.PassStats.count("instrumented inputs", Sum.Inputs.size());
    Ctx.PassStats.count("functions", Sum.Functions);
    return 0;
  }

  llvm::Expected<Profile> load(CommandContext &Ctx) {
    ImportOptions IO;
    IO.Binaries = Binaries;
    IO.Progress = Ctx.progress();
    return loadProfileOrImport(Input, IO, Ctx.PassStats);
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
    for (const std::string &N : S.Notes)
      spdlog::info("{}", N);
  }

  std::vector<std::string> Inputs, WeightedInputs;
  std::string Input, Output, To, Format = "extbinary", OnMismatch = "warn";
  std::vector<std::string> Binaries;
  InstrMergeOptions IM;
  bool IgnoreBuildId = false;
  ProfDataOptions PD;
  FdataOptions FD;
};
} // namespace

std::unique_ptr<Command> makeConvertCommand() { return std::make_unique<ConvertCommand>(); }
} // namespace pgoctl::cli
