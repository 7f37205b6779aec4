// cli/CmdConvert.cpp: `pgoctl convert <in.pgoprof|perf.data> --binary PATH...
// --to profdata|fdata|yaml|preagg|unsymbolized -o OUT`. Instrumented profiles given
// to convert are merged as `pgoctl merge --instr` does (the spelling of
// earlier releases, kept with a notice).
//
// Sample profiles. Passes: read (a .pgoprof, or import a perf.data against the
// given binaries), match binaries (build-id, else file name), write,
// summarize. profdata holds every given binary's functions in one file; the
// per-binary outputs (fdata, yaml, preagg, unsymbolized) take -o as a file for one
// binary and as a folder, one `<binary name>.<ext>` each, for several. yaml is
// BOLT's YAML profile (convert/bolt/Yaml.h: llvm-bolt -w on the .fdata), the
// one `llvm-bolt -infer-stale-profile` matches to a later build.
//
// With --to profdata, convert also says how far the profile can be trusted
// (convert/sample/Quality.h): one `quality good|thin|poor: ...` line on
// stderr (with how much longer to record; a warning when poor), and the
// figures as JSON with --quality-json FILE.
#include "cli/Command.h"
#include "collect/Importer.h"
#include "convert/bolt/Fdata.h"
#include "convert/bolt/Yaml.h"
#include "cli/Options.h"
#include "convert/sample/ProfData.h"
#include "convert/sample/Quality.h"
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
    addWeightedInputOptions(App, In,
                            "One .pgoprof, perf.data or perf script text (instrumented "
                            "profiles: see pgoctl merge --instr)");
    addBinaryOptions(App, Bins, "ELF of a profiled binary (repeatable; required)");
    App.add_option("--to", To,
                   "profdata | fdata | yaml | preagg | unsymbolized (sample profiles; required); "
                   "instr-profdata (instrumented profiles; the default for them)")
        ->check(CLI::IsMember(
            {"profdata", "fdata", "yaml", "preagg", "unsymbolized", "instr-profdata"}));
    App.add_option("-o,--output", Output, "Output file (a folder for several binaries "
                                          "with fdata/preagg/unsymbolized)")
        ->required();
    App.add_flag("--keep-going", KeepGoing,
                 "perf.data input: on damage keep what was read before it");
    App.add_flag("--allow-empty", PD.AllowEmpty,
                 "Write the output even when under 1% of the samples fall into a function "
                 "of the binary (otherwise an error: a stripped or wrong binary)");
    addInstrOptions(App, InstrOpts);
    App.footer("Instrumented profiles (-fprofile-generate) are merged by pgoctl merge --instr "
               "-o OUT.profdata a.profraw [-w N,b.profraw]...\n");
    App.add_option("--format", Format, "profdata encoding: extbinary (default) | text")
        ->check(CLI::IsMember({"text", "extbinary"}));
    App.add_flag("--use-md5", PD.UseMD5, "profdata: MD5 function names");
    App.add_flag("--profile-symbol-list", PD.ProfileSymbolList,
                 "profdata: add the profile symbol list");
    App.add_option("--debug-binary", PD.DebugBinary, "DWARF in a separate file");
    App.add_flag("--no-lbr", FD.NoLbr, "fdata: write no_lbr (IP) mode");
    App.add_option("--llvm-bolt", Yaml.LlvmBolt,
                   "yaml: the llvm-bolt that writes it (default: next to clang-22, "
                   "/usr/lib/llvm-22/bin, PATH)");
    App.add_option("--quality-json", QualityJson,
                   "profdata: write the profile-quality figures (hot-block error, functions "
                   "that could flip, how much longer to record) as JSON to this file");
    App.add_flag("--infer-edges", FD.InferEdges,
                 "fdata from IP samples: write the branch and fall-through counts the IP "
                 "estimator infers (LBR mode, BOLT lays out blocks) instead of no_lbr");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    auto Instr = instrInputs();
    if (!Instr)
      return Instr.takeError();
    if (!Instr->empty()) {
      spdlog::warn("instrumented profiles are merged by `pgoctl merge --instr`; `pgoctl "
                   "convert` will stop taking them");
      return runInstrMerge(Ctx, *Instr, InstrOpts, Output);
    }
    if (In.Inputs.size() != 1 || !In.Weighted.empty() || !In.Weights.empty())
      return usageError("convert takes one .pgoprof or perf.data input (to merge several, "
                        "pgoctl merge; instrumented profiles: pgoctl merge --instr)");
    Input = In.Inputs.front();
    if (To.empty() || To == "instr-profdata")
      return usageError("{0}: no instrumented-profile magic, so read as a sample profile: "
                        "--to profdata|fdata|yaml|preagg|unsymbolized is required (a front-end "
                        "text profile without a header flag: pgoctl merge --instr)",
                        Input);
    if (Bins.Paths.empty())
      return usageError("{0} is a sample profile: --binary is required", Input);
    // Pass 1: the profile.
    llvm::Expected<Profile> P = load(Ctx);
    if (!P)
      return P.takeError();
    // Pass 2: which binary is which.
    llvm::Expected<std::vector<BinaryMatch>> Matches = [&] {
      Stats::Pass S(Ctx.PassStats, "match binaries");
      return matchBinaries(*P, Bins.Paths, Bins.IgnoreBuildId);
    }();
    if (!Matches)
      return Matches.takeError();
    for (const BinaryMatch &M : *Matches)
      spdlog::info("{} is {} (matched by {})", M.ElfPath, M.Profile->Path, binary::describe(M.How).str());
    // Pass 3: write. Warnings are logged as the writers find them.
    PD.Warn = FD.Warn = logWarnings();
    Stats::Pass S(Ctx.PassStats, "write " + To);
    ConvertSummary Sum;
    if (To == "profdata") {
      PD.Fmt = Format == "text" ? ProfDataOptions::Format::Text
                                : ProfDataOptions::Format::ExtBinary;
      llvm::Expected<SampleMap> M = buildSampleMap(*P, *Matches, PD, Sum);
      if (!M)
        return M.takeError();
      if (llvm::Error E = writeSampleMap(*M, PD, Output, Sum))
        return std::move(E);
      if (llvm::Error E = assessQualityOf(*P, *Matches, *M))
        return std::move(E);
    } else {
      if (!QualityJson.empty())
        return usageError("--quality-json needs --to profdata (the figures compare with "
                          "clang's hot count of the sample profile)");
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
    auto Ws = weightedInputs(In);
    if (!Ws)
      return Ws.takeError();
    bool AnyInstr = llvm::any_of(*Ws, [](const WeightedPath &W) {
      return detectInstrProfile(W.Path) != InstrProfFormat::None;
    });
    if (!AnyInstr && To != "instr-profdata")
      return std::vector<WeightedPath>{};
    // Instrumented: --to is instr-profdata or absent, and no sample options.
    if (!To.empty() && To != "instr-profdata")
      return usageError("instrumented profiles (.profraw/.profdata) convert to "
                        "--to instr-profdata, not {0}",
                        To);
    if (!Bins.Paths.empty())
      spdlog::warn("--binary is not needed for instrumented profiles; ignored");
    InstrOpts.Options.AnyFormat = To == "instr-profdata";
    return Ws;
  }

  llvm::Expected<Profile> load(CommandContext &Ctx) {
    ImportOptions IO;
    IO.Binaries = Bins.Paths;
    IO.IgnoreBuildId = Bins.IgnoreBuildId;
    IO.KeepGoing = KeepGoing;
    IO.MaxMemory = Ctx.MaxMemory;
    IO.Progress = Ctx.progress();
    return loadProfileOrImport(Input, IO, Ctx.PassStats);
  }

  llvm::Error writePerBinary(const Profile &P, const std::vector<BinaryMatch> &Ms,
                             ConvertSummary &Sum) {
    const char *Ext = To == "fdata"    ? ".fdata"
                      : To == "yaml"   ? ".yaml"
                      : To == "preagg" ? ".preagg"
                                       : ".unsym.txt";
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
      if (To == "yaml") {
        Yaml.Fdata = FD;
        llvm::Expected<std::string> Y = writeBoltYaml(P, M, Yaml, Sum);
        if (!Y)
          return Y.takeError();
        Text = std::move(*Y);
      } else {
        llvm::raw_string_ostream OS(Text);
        llvm::Error E = To == "fdata"    ? writeFdata(P, M, FD, OS, Sum)
                        : To == "preagg" ? writePreAggregated(P, M, OS, Sum, FD.Warn)
                                         : writeUnsymbolized(P, M, OS, Sum);
        if (E)
          return E;
      }
      if (llvm::Error E2 = checkAttribution(Sum, Path, PD.AllowEmpty))
        return E2;
      if (llvm::Error E2 = writeFileAtomic(Path, Text))
        return E2;
    }
    return llvm::Error::success();
  }

  /// The quality line for report() and --quality-json.
  llvm::Error assessQualityOf(const Profile &P, llvm::ArrayRef<BinaryMatch> Ms,
                              const SampleMap &M) {
    QualityOptions QO;
    ProfileQuality Q = assessQuality(qualityInput(P, Ms, M, QO), QO);
    QualityLine = formatQuality(Q, QO);
    QualityPoor = Q.Verdict == QualityVerdict::Poor;
    if (!QualityJson.empty())
      return writeFileAtomic(QualityJson, qualityJson(Q, QO));
    return llvm::Error::success();
  }

  void report(const ConvertSummary &S) {
    uint64_t Samples = S.Samples, Attributed = S.SamplesAttributed;
    double Share = Samples ? 100.0 * double(Attributed) / double(Samples) : 0;
    spdlog::info("wrote {}: {} of {} samples attributed ({:.1f}%), {} functions covered",
                 Output, Attributed, Samples, Share, uint64_t(S.FunctionsCovered));
    if (S.Branches)
      spdlog::info("branches: {} of {} attributed", uint64_t(S.BranchesAttributed),
                   uint64_t(S.Branches));
    for (const std::string &D : S.Dropped)
      spdlog::info("dropped: {}", D);
    for (const std::string &N : S.Notes)
      spdlog::info("{}", N);
    // Poor: a warning (the line says how much longer to record).
    if (QualityPoor)
      spdlog::warn("{}", QualityLine);
    else if (!QualityLine.empty())
      spdlog::info("{}", QualityLine);
  }

  WeightedInputArgs In;
  std::string Input, Output, To, Format = "extbinary", QualityJson, QualityLine;
  bool QualityPoor = false;
  BinaryArgs Bins;
  InstrArgs InstrOpts;
  bool KeepGoing = false;
  ProfDataOptions PD;
  FdataOptions FD;
  BoltYamlOptions Yaml;
};
} // namespace

std::unique_ptr<Command> makeConvertCommand() { return std::make_unique<ConvertCommand>(); }
} // namespace pgoctl::cli
