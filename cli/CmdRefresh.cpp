// cli/CmdRefresh.cpp: `pgoctl refresh --store URL --service S --lock FILE ...`,
// the weekly profile-refresh job (refresh/): the period's raw windows,
// weighted (decay by age, per-host normalization) and summed, merged across
// builds at source level, checked by the quality gate, published as a
// version with its provenance, the channel moved, the lock rewritten (and
// committed on a new git branch), a change note written.
//
// Exit codes for a scheduler: 0 updated (or a partial written), 2 nothing
// new (no window in the period, or the merged profile is the one the lock
// pins), 3 refused by the gate (nothing published), 1 any error, usage
// errors included (Command::exitCodeForError).
//
// Sharded: `--shard I/N --partial --run ID` writes the shard's sum to the
// store (refresh/Shard.h); `--reduce --run ID` sums the N partials and goes
// on as a single process would, with the same bytes.
#include "cli/Command.h"
#include "cli/Options.h"
#include "cli/StoreOptions.h"
#include "convert/bolt/Fdata.h"
#include "convert/bolt/Yaml.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "lock/LockFile.h"
#include "refresh/BinarySource.h"
#include "refresh/ChangeNote.h"
#include "refresh/CrossBuild.h"
#include "refresh/Gate.h"
#include "refresh/GitBranch.h"
#include "refresh/Shard.h"
#include "refresh/Weights.h"
#include "refresh/Windows.h"
#include "store/Versions.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <ctime>
#include <set>

namespace pgoctl::cli {
namespace {

using namespace pgoctl::refresh;

/// Linkage names of the function symbols of an ELF (the names a sample
/// profile uses), for the gate's hot-function coverage.
llvm::Expected<std::vector<std::string>> functionNames(llvm::StringRef Path) {
  llvm::Expected<llvm::object::OwningBinary<llvm::object::ObjectFile>> O =
      llvm::object::ObjectFile::createObjectFile(Path);
  if (!O)
    return addContext(O.takeError(), Path);
  std::set<std::string> Names;
  for (const llvm::object::SymbolRef &S : O->getBinary()->symbols()) {
    llvm::Expected<llvm::object::SymbolRef::Type> T = S.getType();
    llvm::Expected<llvm::StringRef> N = S.getName();
    if (!T || !N) {
      llvm::consumeError(T.takeError());
      llvm::consumeError(N.takeError());
      continue;
    }
    if (*T == llvm::object::SymbolRef::ST_Function && !N->empty())
      Names.insert(N->str());
  }
  return std::vector<std::string>(Names.begin(), Names.end());
}

/// A sample profile read from bytes (the previous version's .profdata).
struct ReadProfile {
  llvm::LLVMContext Ctx;
  std::unique_ptr<llvm::sampleprof::SampleProfileReader> Reader;
};
llvm::Expected<std::unique_ptr<ReadProfile>> readSampleProfile(llvm::StringRef Bytes,
                                                              llvm::StringRef Name) {
  auto R = std::make_unique<ReadProfile>();
  std::unique_ptr<llvm::MemoryBuffer> B = llvm::MemoryBuffer::getMemBufferCopy(Bytes, Name);
  auto FS = llvm::vfs::getRealFileSystem();
  auto Reader = llvm::sampleprof::SampleProfileReader::create(B, R->Ctx, *FS);
  if (!Reader)
    return makeKindError(ErrorKind::Damaged, "{0}: {1}", Name, Reader.getError().message());
  R->Reader = std::move(*Reader);
  if (std::error_code EC = R->Reader->read())
    return makeKindError(ErrorKind::Damaged, "{0}: {1}", Name, EC.message());
  return std::move(R);
}

class RefreshCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    addStoreOptions(App, SA);
    App.add_option("--service", Service, "the service whose windows to refresh")->required();
    App.add_option("--lock", LockPath, "the service's lock file to rewrite (not with --partial)");
    App.add_option("--since", Since, "the period: windows that started this long before --now "
                                     "(default 7d)");
    App.add_option("--now", Now, "the end of the period, YYYY-MM-DDTHH:MM:SSZ (default: now; "
                                 "fix it to make a run reproducible)");
    App.add_option("--half-life", HalfLife,
                   "decay by age: a window counts 2^(-age/half-life) (default 3d)");
    App.add_option("--host-weight", HostWeightText,
                   "equal: every host's decayed total counts the same, so one busy or "
                   "misbehaving host cannot dominate (default); none: hosts count by their "
                   "samples");
    App.add_option("--to", To, "forms to publish besides .pgoprof: profdata (always), fdata "
                               "(the newest build's), yaml (comma-separated)")
        ->delimiter(',')
        ->check(CLI::IsMember({"profdata", "fdata", "yaml"}));
    App.add_option("--channel", Channel, "the channel to move (default stable)");
    App.add_option("--binary", Binaries, "ELF files of the builds (found by build-id)");
    App.add_option("--debuginfod", Debuginfod, "debuginfod server URL (repeatable; default "
                                               "$DEBUGINFOD_URLS)");
    App.add_option("--current", Current, "the current build's binary (gate: hot-function "
                                         "coverage; default: the newest build's)");
    App.add_option("--min-samples", Thresholds.MinSamples, "gate: fewest raw samples");
    App.add_option("--min-binary-share", Thresholds.MinBinaryShare,
                   "gate: smallest share of samples in the service's binaries")
        ->check(finiteRange(0, 1));
    App.add_option("--min-hot-coverage", Thresholds.MinHotCoverage,
                   "gate: smallest share of the previous version's hot functions the current "
                   "binary has")
        ->check(finiteRange(0, 1));
    App.add_option("--min-similarity", Thresholds.MinSimilarity,
                   "gate: smallest overlap with the previous version")
        ->check(finiteRange(0, 1));
    App.add_option("--max-size-ratio", Thresholds.MaxSizeRatio,
                   "gate: largest size ratio to the previous version")
        ->check(finiteRange(1, 1e9));
    App.add_flag("--force", Force, "publish even when the gate refuses");
    App.add_option("--git-branch", GitBranch, "the branch the lock change is committed on "
                                              "(default pgoctl-refresh/SERVICE-VERSION)");
    App.add_flag("--no-git", NoGit, "rewrite the lock file in place instead of committing it "
                                    "on a branch");
    App.add_option("--change-note", ChangeNote, "write the Markdown change description here");
    App.add_option("--shard", ShardText, "with --partial: this process's share of the hosts, "
                                         "I/N with 0 <= I < N");
    App.add_flag("--partial", Partial, "write this shard's sum to the store and stop");
    App.add_flag("--reduce", Reduce, "sum the N partials of --run and go on");
    App.add_option("--run", Run, "the id of a sharded run (partials/SERVICE/RUN/)");
    App.add_flag("--dry-run", DryRun, "merge and gate, publish nothing");
    App.add_flag("--stats", ShowStats, "print the time of each pass");
  }

  int exitCodeForError(ErrorKind) const override { return 1; }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    Ctx.ShowStats |= ShowStats;
    if (llvm::Error E = checkArgs())
      return std::move(E);
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    Store = S->get();

    Accumulated A;
    if (Reduce) {
      PartialHeader H;
      llvm::Expected<Accumulated> R = [&] {
        Stats::Pass P(Ctx.PassStats, "reduce partials");
        return reducePartials(*Store, Service, Run, Ctx.MaxMemory, H);
      }();
      if (!R)
        return R.takeError();
      A = std::move(*R);
      W.Now = H.Now;
      W.HalfLife = H.HalfLife;
      W.Hosts = H.Hosts;
      SinceSec = H.Since;
    } else {
      llvm::Expected<WindowSelection> Sel = [&] {
        Stats::Pass P(Ctx.PassStats, "list windows");
        return selectWindows(*Store, WindowOptions{Service, W.Now, SinceSec});
      }();
      if (!Sel)
        return Sel.takeError();
      if (Sel->Windows.empty() && !Partial) {
        llvm::errs() << "pgoctl refresh: no window of " << Service << " in "
                     << store::utcTime(Sel->PeriodStart) << " .. "
                     << store::utcTime(Sel->PeriodEnd) << ": nothing new\n";
        return 2;
      }
      AccumulateOptions AO;
      AO.Weights = W;
      AO.Shard = Shard;
      AO.MaxMemory = Ctx.MaxMemory;
      llvm::Expected<Accumulated> R = [&] {
        Stats::Pass P(Ctx.PassStats, "download, weight and sum");
        return accumulate(*Store, *Sel, AO);
      }();
      if (!R)
        return R.takeError();
      A = std::move(*R);
    }
    for (const std::string &Wn : A.Warnings)
      warn(Wn);
    if (Partial)
      return writeThePartial(A);
    scaleToRawSamples(A);
    if (A.Windows == 0) {
      llvm::errs() << "pgoctl refresh: no window of " << Service
                   << " in the period counts (all too old for the half-life): nothing new\n";
      return 2;
    }
    return finish(Ctx, A);
  }

private:
  llvm::Error checkArgs() {
    if (llvm::Error E = store::checkKeyPart(Service, "--service"))
      return E;
    if (llvm::Error E = store::checkKeyPart(Channel, "--channel"))
      return E;
    if (Partial && Reduce)
      return usageError("--partial and --reduce are two steps of a sharded run: give one");
    if ((Partial || Reduce) && Run.empty())
      return usageError("--partial and --reduce need --run ID (the same in every shard)");
    if (!Run.empty())
      if (llvm::Error E = store::checkKeyPart(Run, "--run"))
        return E;
    if (Partial != !ShardText.empty())
      return usageError("--shard I/N goes with --partial (and --partial needs --shard)");
    if (!ShardText.empty()) {
      llvm::Expected<ShardSpec> Sh = parseShard(ShardText);
      if (!Sh)
        return Sh.takeError();
      Shard = *Sh;
    }
    if (!Partial && LockPath.empty())
      return usageError("--lock FILE is required (the lock file the refresh rewrites)");
    if (Reduce && (!Now.empty() || !Since.empty() || !HalfLife.empty() || !HostWeightText.empty()))
      return usageError("--reduce takes --now, --since, --half-life and --host-weight from the "
                        "partials: do not give them");
    if (Now.empty()) {
      W.Now = int64_t(std::time(nullptr));
    } else {
      llvm::Expected<int64_t> T = lock::parseCreated(Now);
      if (!T)
        return addContext(T.takeError(), "--now");
      W.Now = *T;
    }
    llvm::Expected<int64_t> Sn = store::parseDuration(Since.empty() ? "7d" : Since, "--since");
    if (!Sn)
      return Sn.takeError();
    SinceSec = *Sn;
    llvm::Expected<int64_t> H = store::parseDuration(HalfLife.empty() ? "3d" : HalfLife,
                                                     "--half-life");
    if (!H)
      return H.takeError();
    if (*H <= 0 || SinceSec <= 0)
      return usageError("--since and --half-life must be longer than zero");
    W.HalfLife = *H;
    llvm::Expected<HostWeight> HW = parseHostWeight(HostWeightText.empty() ? "equal"
                                                                           : HostWeightText);
    if (!HW)
      return HW.takeError();
    W.Hosts = *HW;
    if (To.empty())
      To.push_back("profdata");
    return llvm::Error::success();
  }

  void warn(llvm::StringRef Text) {
    llvm::errs() << "pgoctl refresh: warning: " << escapeForTerminal(Text) << "\n";
  }

  llvm::Expected<int> writeThePartial(const Accumulated &A) {
    PartialHeader H;
    H.Service = Service;
    H.Run = Run;
    H.Shard = Shard;
    H.Now = W.Now;
    H.Since = SinceSec;
    H.HalfLife = W.HalfLife;
    H.Hosts = W.Hosts;
    if (DryRun) {
      llvm::errs() << "pgoctl refresh: dry run: shard " << Shard.Index << "/" << Shard.Count
                   << " would write " << A.Windows << " windows of " << A.Hosts.size()
                   << " hosts\n";
      return 0;
    }
    if (llvm::Error E = writePartial(*Store, H, A))
      return std::move(E);
    llvm::errs() << "pgoctl refresh: shard " << Shard.Index << "/" << Shard.Count << ": "
                 << A.Windows << " windows of " << A.Hosts.size() << " hosts -> "
                 << Store->objectUrl(partialKey(Service, Run, Shard, "json")) << "\n";
    return 0;
  }

  /// The newest used build (by its last window start) and the oldest-first
  /// order of the used builds.
  std::vector<size_t> buildsOldestFirst(const CrossBuildResult &R, const Accumulated &A) {
    std::vector<std::pair<int64_t, size_t>> Order;
    size_t MatchIdx = 0;
    for (size_t I = 0; I < R.Builds.size(); ++I) {
      if (!R.Builds[I].Used)
        continue;
      int64_t Last = 0;
      for (const std::string &K : A.Builds[I].Keys)
        if (std::optional<store::RawWindow> Wn = store::parseRawKey(K))
          Last = std::max(Last, Wn->Start);
      Order.push_back({Last, MatchIdx++});
    }
    llvm::sort(Order);
    std::vector<size_t> Out;
    for (auto &[Last, I] : Order)
      Out.push_back(I);
    return Out;
  }

  llvm::Expected<int> finish(CommandContext &Ctx, Accumulated &A) {
    // The merged profile: deterministic labels, the same in one process and
    // after a reduce.
    A.P.Meta.Labels["service"] = Service;
    A.P.Meta.Labels["window-start"] = std::to_string(A.FirstStart);
    A.P.Meta.Labels["window-end"] = std::to_string(A.LastStart);
    A.P.Meta.Labels["refresh-weights"] =
        llvm::formatv("half-life {0}s, host-weight {1}, now {2}", W.HalfLife,
                      hostWeightName(W.Hosts), store::utcTime(W.Now))
            .str();
    std::map<std::string, std::string> Forms;
    llvm::Expected<std::string> PBytes = serializeProfile(A.P);
    if (!PBytes)
      return PBytes.takeError();
    Forms["pgoprof"] = std::move(*PBytes);
    std::string Version = store::sha256Hex(Forms["pgoprof"]);

    BinarySourceOptions BO;
    BO.Paths = Binaries;
    BO.Store = Store;
    BO.DebuginfodUrls = Debuginfod;
    llvm::Expected<std::unique_ptr<BinarySource>> Src = BinarySource::create(BO);
    if (!Src)
      return Src.takeError();
    llvm::Expected<CrossBuildResult> R = [&] {
      Stats::Pass P(Ctx.PassStats, "symbolize and merge builds");
      return mergeAcrossBuilds(A, **Src, CrossBuildOptions{});
    }();
    if (!R)
      return R.takeError();
    for (const std::string &Wn : R->Warnings)
      warn(Wn);
    Forms["profdata"] = R->Bytes;
    std::string ProfSha = store::sha256Hex(R->Bytes);
    std::vector<size_t> Oldest = buildsOldestFirst(*R, A);
    const convert::BinaryMatch &Newest = R->Matches[Oldest.back()];

    // Nothing new: the lock pins this profile already.
    std::optional<lock::LockFile> OldLock;
    if (llvm::sys::fs::exists(LockPath)) {
      llvm::Expected<lock::LockFile> L = lock::readLockFile(LockPath);
      if (!L)
        return L.takeError();
      OldLock = std::move(*L);
      if (OldLock->Sha256 == ProfSha || OldLock->Version == Version) {
        llvm::errs() << "pgoctl refresh: " << LockPath << " pins this profile already ("
                     << Version.substr(0, 12) << "): nothing new\n";
        return 2;
      }
    }

    for (const std::string &T : To) {
      if (T == "fdata") {
        convert::ConvertSummary Sum;
        std::string Text;
        llvm::raw_string_ostream OS(Text);
        // Without LBR, the edges the IP estimator infers (convert --infer-edges).
        convert::FdataOptions FO;
        FO.InferEdges = A.P.Meta.Mode == ProfileMode::IpSamples;
        if (llvm::Error E = convert::writeFdata(A.P, Newest, FO, OS, Sum))
          return std::move(E);
        for (const std::string &Wn : Sum.Warnings)
          warn(Wn);
        Forms["fdata"] = std::move(Text);
      } else if (T == "yaml") {
        std::vector<std::string> Yamls, Names;
        for (size_t I : Oldest) {
          convert::ConvertSummary Sum;
          // Without LBR, the edges the IP estimator infers (convert --infer-edges).
          convert::BoltYamlOptions YO;
          YO.Fdata.InferEdges = A.P.Meta.Mode == ProfileMode::IpSamples;
          llvm::Expected<std::string> Y = convert::writeBoltYaml(A.P, R->Matches[I], YO, Sum);
          if (!Y)
            return Y.takeError();
          Yamls.push_back(std::move(*Y));
          Names.push_back(R->Matches[I].ElfPath);
        }
        llvm::Expected<std::string> Y = convert::mergeBoltYaml(Yamls, Names);
        if (!Y)
          return Y.takeError();
        Forms["yaml"] = std::move(*Y);
      }
    }

    // The previous version (the channel's), for the gate and the note.
    llvm::Expected<store::ChannelState> Seen = store::readChannel(*Store, Service, Channel);
    if (!Seen)
      return Seen.takeError();
    std::unique_ptr<ReadProfile> Prev;
    uint64_t PrevBytes = 0;
    std::string PrevVersion = Seen->Info ? Seen->Info->Version : "";
    if (!PrevVersion.empty()) {
      std::string Key = store::versionKey(Service, PrevVersion, "profdata");
      llvm::Expected<std::optional<store::ObjectInfo>> H = Store->head(Key);
      if (!H)
        return H.takeError();
      if (*H) {
        llvm::Expected<std::string> B = store::getObject(*Store, Key, Ctx.MaxMemory);
        if (!B)
          return B.takeError();
        PrevBytes = B->size();
        llvm::Expected<std::unique_ptr<ReadProfile>> P =
            readSampleProfile(*B, Store->objectUrl(Key));
        if (!P)
          return P.takeError();
        Prev = std::move(*P);
      }
    }

    GateInput GI;
    GI.Samples = A.Samples;
    GI.SamplesInService = A.SamplesInService;
    GI.New = &R->Samples.Map;
    GI.Previous = Prev ? &Prev->Reader->getProfiles() : nullptr;
    GI.NewBytes = R->Bytes.size();
    GI.PreviousBytes = PrevBytes;
    llvm::Expected<std::vector<std::string>> Fns =
        functionNames(Current.empty() ? Newest.ElfPath : Current);
    if (!Fns)
      return Fns.takeError();
    GI.CurrentFunctions = std::move(*Fns);
    GateResult G = evaluateGate(GI, Thresholds);
    for (const GateFigure &F : G.Figures)
      llvm::errs() << "pgoctl refresh: gate: " << escapeForTerminal(F.Line) << "\n";
    if (!G.Passed && !Force) {
      llvm::errs() << "pgoctl refresh: refused by the gate: nothing published (--force "
                      "publishes anyway)\n";
      return 3;
    }
    if (!G.Passed)
      warn("the gate refused this profile; published anyway (--force)");

    store::VersionInfo Info;
    Info.Service = Service;
    Info.Parent = PrevVersion;
    for (const BuildUse &B : R->Builds)
      if (B.Used)
        Info.BuildIds.push_back(B.BuildId);
    for (const HostStat &H : A.Hosts)
      Info.Hosts.push_back(H.Host);
    // The windows by key; beyond kMaxListed, per day (a version's .json is
    // read with a 1 MiB bound: store/Versions.h).
    constexpr size_t kMaxListed = 2000;
    if (A.Keys.size() <= kMaxListed) {
      Info.Inputs = A.Keys;
    } else {
      std::map<std::string, uint64_t> PerDay;
      for (const std::string &K : A.Keys)
        ++PerDay[llvm::StringRef(K).rsplit('/').first.str() + "/"];
      for (const auto &[Day, N] : PerDay)
        Info.Inputs.push_back(Day + " (" + std::to_string(N) + " windows)");
    }
    Info.WindowStart = A.FirstStart;
    Info.WindowEnd = A.LastStart;
    Info.Samples = A.Samples;
    for (const GateFigure &F : G.Figures)
      Info.Quality["gate." + F.Name] = F.Value;
    Info.Quality["weights.half-life-seconds"] = double(W.HalfLife);
    Info.Quality["weights.host-weight-equal"] = W.Hosts == HostWeight::Equal ? 1 : 0;
    Info.Quality["weights.now"] = double(W.Now);
    Info.Quality["weights.period-seconds"] = double(SinceSec);
    if (A.Hosts.size() <= kMaxListed)
      for (const HostStat &H : A.Hosts)
        Info.Quality["weights.host." + H.Host] = effectiveWeight(H.S);
    Info.Quality["samples-in-service"] = double(A.SamplesInService);
    Info.Quality["samples-of-builds-used"] = double(R->SamplesUsed);
    Info.Quality["windows"] = double(A.Windows);

    if (DryRun) {
      llvm::errs() << "pgoctl refresh: dry run: would publish " << Version << " ("
                   << A.Windows << " windows, " << A.Hosts.size() << " hosts), move "
                   << Service << "/" << Channel << " and rewrite " << LockPath << "\n";
      llvm::outs() << Version << "\n";
      return 0;
    }
    llvm::Expected<std::string> Published = [&] {
      Stats::Pass P(Ctx.PassStats, "upload");
      return store::publishVersion(*Store, Info, Forms);
    }();
    if (!Published)
      return Published.takeError();
    llvm::Expected<bool> Moved = store::moveChannel(*Store, Service, Channel, Version, *Seen);
    if (!Moved)
      return Moved.takeError();
    if (!*Moved)
      return makeKindError(ErrorKind::Mismatch,
                           "{0}: channel {1}/{2} was moved by another writer meanwhile; version "
                           "{3} is stored, the channel and the lock are not changed: run again",
                           Store->url(), Service, Channel, Version);

    lock::LockFile NewLock;
    NewLock.Kind = lock::ProfileKind::Profdata;
    NewLock.Version = Version;
    NewLock.Sha256 = ProfSha;
    NewLock.Source = Store->objectUrl(store::versionKey(Service, Version, "profdata"));
    NewLock.Created = store::utcTime(int64_t(std::time(nullptr)));
    lock::LockFile L = lock::pinNew(OldLock ? *OldLock : lock::LockFile{}, NewLock);
    llvm::Expected<std::string> LockText = lock::renderLockFile(L);
    if (!LockText)
      return addContext(LockText.takeError(), "cannot write " + LockPath);
    std::string Where;
    if (NoGit) {
      if (llvm::Error E = writeFileAtomic(LockPath, *LockText))
        return std::move(E);
      Where = LockPath;
    } else {
      GitCommitRequest GR;
      GR.RepoFile = LockPath;
      GR.Branch = GitBranch.empty() ? "pgoctl-refresh/" + Service + "-" + Version.substr(0, 12)
                                    : GitBranch;
      GR.NewContent = *LockText;
      GR.Message = llvm::formatv("pgo: refresh the {0} profile to {1}\n\n{2} windows, {3} "
                                 "hosts, {4} builds, {5} samples (pgoctl refresh).\n",
                                 Service, Version.substr(0, 12), A.Windows, A.Hosts.size(),
                                 Info.BuildIds.size(), A.Samples)
                       .str();
      llvm::Expected<std::string> Commit = commitFileOnBranch(GR);
      if (!Commit)
        return Commit.takeError();
      Where = "branch " + GR.Branch + " (commit " + *Commit + ")";
    }

    if (!ChangeNote.empty()) {
      ChangeNoteInput N;
      N.Service = Service;
      N.Version = Version;
      N.Previous = PrevVersion;
      N.Channel = Channel;
      N.LockPath = LockPath;
      N.Samples = A.Samples;
      N.WindowStart = A.FirstStart;
      N.WindowEnd = A.LastStart;
      for (const HostStat &H : A.Hosts)
        N.Hosts.push_back({H.Host, H.Samples, H.Windows, effectiveWeight(H.S)});
      for (const BuildUse &B : R->Builds)
        N.Builds.push_back({B.BuildId, B.From, B.Samples, B.Windows, B.Used});
      N.Gate = G.Figures;
      N.New = GI.New;
      N.PreviousProfile = GI.Previous;
      if (llvm::Error E = writeFileAtomic(ChangeNote, renderChangeNote(N)))
        return std::move(E);
    }
    llvm::errs() << "pgoctl refresh: " << Service << "/" << Channel << " -> " << Version
                 << " (" << A.Windows << " windows, " << A.Hosts.size() << " hosts, "
                 << Info.BuildIds.size() << " builds); lock: " << escapeForTerminal(Where)
                 << "\n";
    llvm::outs() << Version << "\n";
    return 0;
  }

  StoreArgs SA;
  std::string Service, LockPath, Since, Now, HalfLife, HostWeightText, Channel = "stable";
  std::vector<std::string> To, Binaries, Debuginfod;
  std::string Current, GitBranch, ChangeNote, ShardText, Run;
  GateThresholds Thresholds;
  bool Force = false, NoGit = false, Partial = false, Reduce = false, DryRun = false,
       ShowStats = false;
  // Derived from the flags (checkArgs).
  WeightOptions W;
  int64_t SinceSec = 0;
  ShardSpec Shard;
  store::Store *Store = nullptr;
};

} // namespace

std::unique_ptr<Command> makeRefreshCommand() { return std::make_unique<RefreshCommand>(); }

} // namespace pgoctl::cli
