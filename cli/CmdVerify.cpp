// cli/CmdVerify.cpp: `pgoctl verify --before A [A2 ...] --after B [B2 ...]
// [--binary-before P]... [--binary-after Q]... [--work-before N --work-after M]
// [--expect cheaper] [--top N] [--max-growth PCT] [--min-effect PCT] [--alpha A]
// [--drift PCT] [--work-drift PCT]
// [--json|--markdown] [--flamegraph OUT.html]`.
// With `--store URL --service S [--since 7d]`, each --before/--after is a
// stored side instead of a file: `build-id:X` (every raw window of that main
// binary, each one profile for the bootstrap), `version:SHA` or
// `channel:NAME` (a published version's merged profile).
//
// Passes: load each input (a .pgoprof is read, anything else imported as
// perf.data against that side's binaries), attribute each to canonical
// functions (verify/Attribution.h; one Attributor per side, so a rebuilt
// binary at the same path is not confused with its predecessor), compare and
// gate (verify/Verify.h), report. The exit code is the verdict: 0 PASS,
// 1 FAIL, 2 INCONCLUSIVE; usage and input errors are 3 (main).
#include "cli/Command.h"
#include "cli/Options.h"
#include "cli/StoreOptions.h"
#include "collect/Importer.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "store/Layout.h"
#include "store/Versions.h"
#include "verify/FlameGraph.h"
#include "verify/Report.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace pgoctl::cli {
namespace {

using namespace pgoctl::verify;

class VerifyCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("--before", Before, ".pgoprof or perf.data of the old build (several: "
                                       "hosts, windows)")
        ->required()
        ->expected(1, -1);
    App.add_option("--after", After, ".pgoprof or perf.data of the new build")
        ->required()
        ->expected(1, -1);
    App.add_option("--binary-before", BinBefore, "ELF of the old build (repeatable)")
        ->expected(1, -1);
    App.add_option("--binary-after", BinAfter, "ELF of the new build (repeatable)")
        ->expected(1, -1);
    App.add_option("--work-before", WorkBefore, "Work done in the before window(s): "
                                                "requests, jobs (else the label 'work')")
        ->check(finiteRange(1e-300, 1e300));
    App.add_option("--work-after", WorkAfter, "Work done in the after window(s)")
        ->check(finiteRange(1e-300, 1e300));
    App.add_flag("--paired", Opts.Paired,
                 "The i-th --before and i-th --after profile were recorded at the same time "
                 "(side by side): the bootstrap resamples pairs, so drift of the machine "
                 "common to a pair cancels");
    App.add_option("--top", Opts.Top, "Size of the hot set (default 5)")
        ->check(CLI::Range(1u, 100000u));
    App.add_option("--max-growth", Opts.MaxGrowthPct,
                   "Fail when a top-N function grows by more than PCT% (default 15)")
        ->check(finiteRange(0, 1e6));
    App.add_option("--min-effect", Opts.MinEffectPct,
                   "Smallest change in % reported as real (default 5)")
        ->check(finiteRange(0, 1e6));
    App.add_option("--alpha", Opts.Alpha,
                   "Family-wise false-alarm level (default 0.05)")
        ->check(finiteRange(1e-9, 0.5));
    App.add_option("--min-samples", Opts.MinSamples,
                   "Functions with fewer samples (both sides) are not tested (default 10)");
    App.add_option("--min-share", Opts.MinSharePct,
                   "A function under PCT% of a side's samples is not in its top N "
                   "(default 0.5)")
        ->check(finiteRange(0, 100));
    App.add_flag("!--no-fail-on-new-hot", Opts.FailOnNewHot,
                 "Gate: do not fail when a function enters the top N by self cost");
    App.add_option("--expect", Expect,
                   "'cheaper': the release check of a PGO/BOLT build, which also fails "
                   "unless the hot set got cheaper per unit of work (default: the deploy "
                   "gate, which fails on regressions only)")
        ->check(CLI::IsMember({"cheaper"}));
    App.add_flag("--no-require-cheaper", NoRequireCheaper,
                 "Gate: do not require the hot set to get cheaper (the default; undoes "
                 "--expect cheaper)");
    App.add_option("--drift", Opts.DriftPct,
                   "Drift allowance in % for a function's cost relative to the rest of its "
                   "profile, when a side has fewer than 3 profiles (default 5)")
        ->check(finiteRange(0, 1e6));
    App.add_option("--work-drift", Opts.WorkDriftPct,
                   "Drift allowance in % for cost per unit of work, when a side has fewer "
                   "than 3 profiles (default 25)")
        ->check(finiteRange(0, 1e6));
    App.add_option("--ignore", Opts.Ignore,
                   "Leave a function (name or glob) out of the hot set and the gate, "
                   "e.g. '[kernel]' (repeatable; still listed)")
        ->allow_extra_args(false);
    App.add_flag("--gate-kernel", Opts.GateKernel,
                 "Let [kernel] take part in the hot set and the gate (by default it is "
                 "measured and listed only: its share moves with the machine's load)");
    App.add_option("--rows", Rows,
                   "Functions listed in the table, largest change first (default 20; 0: all)");
    App.add_option("--work-label", WorkLabel, "Label holding a profile's work (default work)");
    auto *J = App.add_flag("--json", Json, "Print the verdict as JSON");
    auto *M = App.add_flag("--markdown", Markdown, "Print the verdict as Markdown (PR comment)");
    J->excludes(M);
    App.add_option("--flamegraph", FlameOut, "Write a differential flame graph (HTML)");
    addStoreOptions(App, SA, /*StoreRequired=*/false);
    App.add_option("--service", Service, "--store: the service whose windows or versions to "
                                         "compare");
    App.add_option("--since", Since, "--store: only windows that started this long ago or "
                                     "later (7d, 12h)");
    App.add_flag("--keep-going", KeepGoing,
                 "perf.data inputs: on damage keep what was read before it");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (!SA.Url.empty()) {
      if (llvm::Error E = store::checkKeyPart(Service, "--service"))
        return std::move(E);
      llvm::Expected<int64_t> C = sinceCutoff(Since);
      if (!C)
        return C.takeError();
      Cutoff = *C;
      llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
      if (!S)
        return S.takeError();
      Store = std::move(*S);
    } else if (!Service.empty() || !Since.empty()) {
      return usageError("--service and --since select stored windows: give --store too");
    }
    if (WorkBefore)
      Opts.WorkBefore = *WorkBefore;
    if (WorkAfter)
      Opts.WorkAfter = *WorkAfter;
    Opts.RequireCheaper = Expect == "cheaper" && !NoRequireCheaper;
    NameTable Names;
    SymbolizerCache Symbolizers; // libraries both sides ran are read once
    std::vector<AttributedProfile> A, B;
    if (llvm::Error E = loadSide(Ctx, SideSource{Before, BinBefore}, Names, Symbolizers, A))
      return std::move(E);
    if (llvm::Error E = loadSide(Ctx, SideSource{After, BinAfter}, Names, Symbolizers, B))
      return std::move(E);
    llvm::Expected<VerifyResult> R = [&] {
      Stats::Pass S(Ctx.PassStats, "compare");
      return compare(A, B, Names, Opts);
    }();
    if (!R)
      return R.takeError();
    // Warnings go to stderr (stdout is the report, maybe a PR comment); JSON
    // and Markdown carry them too.
    bool Log = !Json && !Markdown;
    if (spdlog::default_logger()->should_log(spdlog::level::warn))
      for (const std::string &W : R->Warnings)
        llvm::errs() << "warning: " << escapeForTerminal(W) << "\n";
    if (!FlameOut.empty()) {
      Stats::Pass S(Ctx.PassStats, "flame graph");
      if (llvm::Error E = writeFlameGraphFile(*R, FlameGraphOptions{}, FlameOut))
        return std::move(E);
      if (Log)
        spdlog::info("wrote {}", FlameOut);
    }
    ReportOptions RO;
    RO.Rows = Rows;
    if (Json)
      writeJson(*R, llvm::outs());
    else if (Markdown)
      writeMarkdown(*R, RO, llvm::outs());
    else
      writeTable(*R, RO, llvm::outs());
    llvm::outs().flush();
    return exitCode(R->Result);
  }

private:
  /// A side's profiles, one per window, from wherever they live: the local
  /// files given (a .pgoprof, or a perf.data imported against the side's
  /// binaries), or with --store the specs of stored windows or versions.
  struct SideSource {
    std::vector<std::string> Files;
    std::vector<std::string> Binaries;
  };

  llvm::Error loadSide(CommandContext &Ctx, const SideSource &Side, NameTable &Names,
                       SymbolizerCache &Symbolizers, std::vector<AttributedProfile> &Out) {
    AttributionOptions AO;
    AO.Binaries = Side.Binaries;
    AO.WorkLabel = WorkLabel;
    Attributor Attr(Names, AO, &Symbolizers);
    auto Add = [&](const std::string &Name, const Profile &P) -> llvm::Error {
      Stats::Pass S(Ctx.PassStats, "attribute " + Name);
      llvm::Expected<AttributedProfile> AP = Attr.attribute(P, Name);
      if (!AP)
        return AP.takeError();
      Out.push_back(std::move(*AP));
      return llvm::Error::success();
    };
    for (const std::string &In : Side.Files) {
      if (Store) {
        if (llvm::Error E = loadStored(Ctx, In, Add))
          return E;
        continue;
      }
      llvm::Expected<Profile> P = load(Ctx, In, Side.Binaries);
      if (!P)
        return P.takeError();
      if (llvm::Error E = Add(In, *P))
        return E;
    }
    return llvm::Error::success();
  }

  /// One stored side: `build-id:X` (each raw window of that build since the
  /// cutoff), `version:SHA` or `channel:NAME` (the version's merged profile).
  llvm::Error
  loadStored(CommandContext &Ctx, const std::string &Spec,
             const std::function<llvm::Error(const std::string &, const Profile &)> &Add) {
    auto [Kind, Value] = llvm::StringRef(Spec).split(':');
    std::string Body;
    store::Sink Into{[&](llvm::StringRef C) {
                       Body.append(C.data(), C.size());
                       return llvm::Error::success();
                     },
                     [&] { Body.clear(); }};
    auto Fetch = [&](const std::string &Key) -> llvm::Expected<Profile> {
      Body.clear();
      Stats::Pass P(Ctx.PassStats, "download");
      if (llvm::Error E = Store->get(Key, Into, Ctx.MaxMemory))
        return std::move(E);
      return parseProfile(Body, Store->objectUrl(Key), ProfileReadOptions{Ctx.MaxMemory});
    };
    if (Kind == "version" || Kind == "channel") {
      llvm::Expected<store::VersionInfo> V =
          store::resolveVersion(*Store, Service, Kind == "channel" ? Value : "",
                                Kind == "version" ? Value : "");
      if (!V)
        return V.takeError();
      std::string Key = store::versionKey(Service, V->Version, "pgoprof");
      llvm::Expected<Profile> P = Fetch(Key);
      if (!P)
        return P.takeError();
      return Add(Store->objectUrl(Key), *P);
    }
    if (Kind != "build-id" || Value.empty())
      return usageError("with --store, a side is build-id:ID, version:SHA or channel:NAME, "
                        "not `{0}`",
                        escapeForTerminal(Spec, 200));
    unsigned Windows = 0;
    llvm::Error E = Store->list(store::rawPrefix(Service), [&](const store::ObjectInfo &O)
                                                                -> llvm::Error {
      std::optional<store::RawWindow> W = store::parseRawKey(O.Key);
      if (!W || W->BuildId != Value || W->Start < Cutoff)
        return llvm::Error::success();
      llvm::Expected<Profile> P = Fetch(O.Key);
      if (!P)
        return P.takeError();
      ++Windows;
      return Add(Store->objectUrl(O.Key), *P);
    });
    if (E)
      return E;
    if (!Windows)
      return makeKindError(ErrorKind::Input, "{0}: no window of service {1} with build-id {2}{3}",
                           Store->url(), Service, escapeForTerminal(Value, 200),
                           Since.empty() ? "" : " since " + Since);
    return llvm::Error::success();
  }

  llvm::Expected<Profile> load(CommandContext &Ctx, const std::string &Input,
                               const std::vector<std::string> &Binaries) {
    ImportOptions IO;
    IO.Binaries = Binaries;
    IO.KeepGoing = KeepGoing;
    IO.MaxMemory = Ctx.MaxMemory;
    IO.Progress = Ctx.progress();
    return loadProfileOrImport(Input, IO, Ctx.PassStats);
  }

  StoreArgs SA;
  std::string Service, Since;
  int64_t Cutoff = 0;
  std::unique_ptr<store::Store> Store; ///< --store: the sides are stored windows
  std::vector<std::string> Before, After, BinBefore, BinAfter;
  std::optional<double> WorkBefore, WorkAfter;
  std::string FlameOut, WorkLabel = "work", Expect;
  bool NoRequireCheaper = false;
  unsigned Rows = 20;
  bool Json = false, Markdown = false, KeepGoing = false;
  VerifyOptions Opts;
};
} // namespace

std::unique_ptr<Command> makeVerifyCommand() { return std::make_unique<VerifyCommand>(); }
} // namespace pgoctl::cli
