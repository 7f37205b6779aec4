// cli/CmdRefresh.cpp: `pgoctl refresh --store URL --service S --lock FILE ...`,
// the weekly profile-refresh job: the flags, read into refresh::RefreshOptions
// (refresh/Refresh.h runs the job), and the job's status as an exit code for
// a scheduler: 0 updated (or a partial written, or a dry run), 2 nothing new
// (no window in the period, or the merged profile is the one the lock pins),
// 3 refused by the gate (nothing published), 1 any error, usage errors
// included (Command::exitCodeForError).
#include "cli/Command.h"
#include "cli/Options.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "lock/LockFile.h"
#include "refresh/Refresh.h"
#include "store/Versions.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <ctime>
#include <tuple>

namespace pgoctl::cli {
namespace {

using namespace pgoctl::refresh;

class RefreshCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    addStoreOptions(App, SA);
    App.add_option("--service", O.Service, "the service whose windows to refresh")->required();
    App.add_option("--lock", O.LockPath, "the service's lock file to rewrite (not with --partial)");
    App.add_option("--since", Since, "the period: windows that started this long before --now "
                                     "(default 7d; 21d when the newest window holds time "
                                     "samples)");
    App.add_option("--now", Now, "the end of the period, YYYY-MM-DDTHH:MM:SSZ (default: now; "
                                 "fix it to make a run reproducible)");
    App.add_option("--half-life", HalfLife,
                   "decay by age: a window counts 2^(-age/half-life) (default 3d; 21d when "
                   "the newest window holds time samples)");
    App.add_option("--host-weight", HostWeightText,
                   "equal: every host's decayed total counts the same, so one busy or "
                   "misbehaving host cannot dominate (default); none: hosts count by their "
                   "samples");
    App.add_option("--to", O.Forms, "forms to publish besides .pgoprof: profdata (always), fdata "
                               "(the newest build's), yaml (comma-separated)")
        ->delimiter(',')
        ->check(CLI::IsMember({"profdata", "fdata", "yaml"}));
    App.add_option("--channel", O.Channel, "the channel to move (default stable)");
    App.add_option("--binary", O.Binaries, "ELF files of the builds (found by build-id)");
    App.add_option("--debuginfod", O.DebuginfodUrls, "debuginfod server URL (repeatable; default "
                                               "$DEBUGINFOD_URLS)");
    App.add_option("--current", O.Current, "the current build's binary (gate: hot-function "
                                         "coverage; default: the newest build's)");
    App.add_option("--min-samples", O.Thresholds.MinSamples, "gate: fewest raw samples");
    App.add_option("--min-binary-share", O.Thresholds.MinBinaryShare,
                   "gate: smallest share of samples in the service's binaries")
        ->check(finiteRange(0, 1));
    App.add_option("--min-hot-coverage", O.Thresholds.MinHotCoverage,
                   "gate: smallest share of the previous version's hot functions the current "
                   "binary has")
        ->check(finiteRange(0, 1));
    App.add_option("--min-similarity", O.Thresholds.MinSimilarity,
                   "gate: smallest overlap with the previous version")
        ->check(finiteRange(0, 1));
    App.add_option("--max-size-ratio", O.Thresholds.MaxSizeRatio,
                   "gate: largest size ratio to the previous version")
        ->check(finiteRange(1, 1e9));
    App.add_option("--min-quality", MinQuality,
                   "gate: refuse a profile whose quality verdict is worse than this (good | "
                   "thin; default: a thin or poor profile is a warning only)")
        ->check(CLI::IsMember({"good", "thin", "poor"}));
    App.add_flag("--force", O.Force, "publish even when the gate refuses");
    App.add_option("--git-branch", O.GitBranch, "the branch the lock change is committed on "
                                              "(default pgoctl-refresh/SERVICE-VERSION)");
    App.add_flag("--no-git", O.NoGit, "rewrite the lock file in place instead of committing it "
                                    "on a branch");
    App.add_option("--change-note", O.ChangeNote, "write the Markdown change description here");
    App.add_option("--shard", ShardText, "with --partial: this process's share of the hosts, "
                                         "I/N with 0 <= I < N");
    App.add_flag("--partial", O.Partial, "write this shard's sum to the store and stop");
    App.add_flag("--reduce", O.Reduce, "sum the N partials of --run and go on");
    App.add_option("--run", O.Run, "the id of a sharded run (partials/SERVICE/RUN/)");
    App.add_flag("--dry-run", O.DryRun, "merge and gate, publish nothing");
    App.add_flag("--stats", ShowStats, "print the time of each pass");
  }

  int exitCodeForError(ErrorKind) const override { return 1; }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    Ctx.ShowStats |= ShowStats;
    if (llvm::Error E = checkArgs())
      return std::move(E);
    if (!MinQuality.empty())
      O.Thresholds.MinQuality = MinQuality == "good"   ? convert::QualityVerdict::Good
                                : MinQuality == "thin" ? convert::QualityVerdict::Thin
                                                       : convert::QualityVerdict::Poor;
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    O.MaxMemory = Ctx.MaxMemory;
    RefreshCallbacks C;
    C.Info = [](llvm::StringRef Text) {
      llvm::errs() << "pgoctl refresh: " << escapeForTerminal(Text) << "\n";
    };
    C.Warning = [](llvm::StringRef Text) {
      llvm::errs() << "pgoctl refresh: warning: " << escapeForTerminal(Text) << "\n";
    };
    llvm::Expected<RefreshResult> R = runRefresh(**S, O, C, Ctx.PassStats);
    if (!R)
      return R.takeError();
    switch (R->Status) {
    case RefreshStatus::Updated:
    case RefreshStatus::DryRun:
      if (!R->Version.empty())
        llvm::outs() << R->Version << "\n";
      return 0;
    case RefreshStatus::PartialWritten:
      return 0;
    case RefreshStatus::NothingNew:
      return 2;
    case RefreshStatus::Refused:
      return 3;
    }
    return 1;
  }

private:
  llvm::Error checkArgs() {
    if (llvm::Error E = store::checkKeyPart(O.Service, "--service"))
      return E;
    if (llvm::Error E = store::checkKeyPart(O.Channel, "--channel"))
      return E;
    if (O.Partial && O.Reduce)
      return usageError("--partial and --reduce are two steps of a sharded run: give one");
    if ((O.Partial || O.Reduce) && O.Run.empty())
      return usageError("--partial and --reduce need --run ID (the same in every shard)");
    if (!O.Run.empty())
      if (llvm::Error E = store::checkKeyPart(O.Run, "--run"))
        return E;
    if (O.Partial != !ShardText.empty())
      return usageError("--shard I/N goes with --partial (and --partial needs --shard)");
    if (!ShardText.empty()) {
      llvm::Expected<ShardSpec> Sh = parseShard(ShardText);
      if (!Sh)
        return Sh.takeError();
      O.Shard = *Sh;
    }
    if (!O.Partial && O.LockPath.empty())
      return usageError("--lock FILE is required (the lock file the refresh rewrites)");
    if (O.Reduce && (!Now.empty() || !Since.empty() || !HalfLife.empty() || !HostWeightText.empty()))
      return usageError("--reduce takes --now, --since, --half-life and --host-weight from the "
                        "partials: do not give them");
    if (Now.empty()) {
      O.Weights.Now = int64_t(std::time(nullptr));
    } else {
      llvm::Expected<int64_t> T = lock::parseCreated(Now);
      if (!T)
        return addContext(T.takeError(), "--now");
      O.Weights.Now = *T;
    }
    for (auto [Text, Flag, Out] : {std::tuple{&Since, "--since", &O.Since},
                                   std::tuple{&HalfLife, "--half-life", &O.HalfLife}}) {
      if (Text->empty())
        continue;
      llvm::Expected<int64_t> D = store::parseDuration(*Text, Flag);
      if (!D)
        return D.takeError();
      if (*D <= 0)
        return usageError("--since and --half-life must be longer than zero");
      *Out = *D;
    }
    llvm::Expected<HostWeight> HW = parseHostWeight(HostWeightText.empty() ? "equal"
                                                                           : HostWeightText);
    if (!HW)
      return HW.takeError();
    O.Weights.Hosts = *HW;
    return llvm::Error::success();
  }

  StoreArgs SA;
  std::string Since, Now, HalfLife, HostWeightText, ShardText;
  std::string MinQuality; ///< --min-quality: into O.Thresholds after parsing
  bool ShowStats = false;
  RefreshOptions O; ///< the flags; the weights, period and shard from checkArgs
};
} // namespace

std::unique_ptr<Command> makeRefreshCommand() { return std::make_unique<RefreshCommand>(); }

} // namespace pgoctl::cli
