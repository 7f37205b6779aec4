// refresh/Refresh.cpp: see Refresh.h.
#include "refresh/Refresh.h"
#include "core/Warn.h"

#include "convert/bolt/Fdata.h"
#include "convert/bolt/Yaml.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "lock/LockFile.h"
#include "refresh/BinarySource.h"
#include "refresh/ChangeNote.h"
#include "refresh/CrossBuild.h"
#include "refresh/GitBranch.h"
#include "refresh/Period.h"
#include "refresh/Windows.h"
#include "store/Layout.h"
#include "store/Versions.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <ctime>
#include <set>

namespace pgoctl::refresh {
namespace {

/// How many builds' windows a profile from time samples should take in
/// (the refresh's hint below).
constexpr size_t kTimeSampleBuilds = 3;

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

/// One run of the job: the options (a reduce takes the weights from its
/// partials), the store and where messages go.
class Job {
public:
  Job(store::Store &Store, RefreshOptions O, const RefreshCallbacks &C, Stats &PS)
      : Store(Store), O(std::move(O)), C(C), PS(PS) {}

  llvm::Expected<RefreshResult> run() {
    Accumulated A;
    if (O.Reduce) {
      PartialHeader H;
      llvm::Expected<Accumulated> R = [&] {
        Stats::Pass P(PS, "reduce partials");
        return reducePartials(Store, O.Service, O.Run, O.MaxMemory, H);
      }();
      if (!R)
        return R.takeError();
      A = std::move(*R);
      O.Weights.Now = H.Now;
      O.Weights.HalfLife = H.HalfLife;
      O.Weights.Hosts = H.Hosts;
      SinceSeconds = H.Since;
      PeriodText = periodText("from the partials");
    } else {
      llvm::Expected<WindowSelection> Sel = [&] {
        Stats::Pass P(PS, "list windows");
        return selectWindows(Store,
                             WindowOptions{O.Service, O.Weights.Now, listingSince(O.Since)});
      }();
      if (!Sel)
        return Sel.takeError();
      llvm::Expected<PeriodChoice> PC = [&] {
        Stats::Pass P(PS, "choose the period");
        return choosePeriod(Store, *Sel, O.Since, O.HalfLife, O.MaxMemory);
      }();
      if (!PC)
        return PC.takeError();
      SinceSeconds = PC->P.Since;
      O.Weights.HalfLife = PC->P.HalfLife;
      TimePeriod = !O.Since && !O.HalfLife && PC->TimeSamples;
      narrowPeriod(*Sel, O.Weights.Now, SinceSeconds);
      llvm::StringRef Holds = PC->TimeSamples ? "time samples" : "counts of executions";
      PeriodText = periodText(PC->ByWindow ? "the newest window holds " + Holds.str() : "as given");
      if (PC->ByWindow)
        info(llvm::formatv("period {0} at a {1} half-life: the newest window ({2}) holds {3}{4}",
                           formatDuration(SinceSeconds), formatDuration(O.Weights.HalfLife),
                           PC->Key, Holds, PC->Event.empty() ? "" : " (" + PC->Event + ")")
                 .str());
      if (Sel->Windows.empty() && !O.Partial) {
        info(llvm::formatv("no window of {0} in {1} .. {2}: nothing new", O.Service,
                           store::utcTime(Sel->PeriodStart), store::utcTime(Sel->PeriodEnd))
                 .str());
        return RefreshResult{RefreshStatus::NothingNew, ""};
      }
      AccumulateOptions AO;
      AO.Weights = O.Weights;
      AO.Shard = O.Shard;
      AO.MaxMemory = O.MaxMemory;
      llvm::Expected<Accumulated> R = [&] {
        Stats::Pass P(PS, "download, weight and sum");
        return accumulate(Store, *Sel, AO);
      }();
      if (!R)
        return R.takeError();
      A = std::move(*R);
    }
    for (const std::string &Wn : A.Warnings)
      warn(Wn);
    if (O.Partial)
      return writeThePartial(A);
    scaleToRawSamples(A);
    if (A.Windows == 0) {
      info(llvm::formatv("no window of {0} in the period counts (all too old for the "
                         "half-life): nothing new",
                         O.Service)
               .str());
      return RefreshResult{RefreshStatus::NothingNew, ""};
    }
    return finish(A);
  }

private:
  void info(llvm::StringRef Text) {
    if (C.Info)
      C.Info(Text);
  }
  void warn(llvm::StringRef Text) { warnTo(C.Warning, Text); }
  std::string periodText(llvm::StringRef Why) const {
    return llvm::formatv("{0} at a {1} half-life ({2})", formatDuration(SinceSeconds),
                         formatDuration(O.Weights.HalfLife), Why)
        .str();
  }

  llvm::Expected<RefreshResult> writeThePartial(const Accumulated &A) {
    PartialHeader H;
    H.Service = O.Service;
    H.Run = O.Run;
    H.Shard = O.Shard;
    H.Now = O.Weights.Now;
    H.Since = SinceSeconds;
    H.HalfLife = O.Weights.HalfLife;
    H.Hosts = O.Weights.Hosts;
    auto Plural = [](size_t N, llvm::StringRef What) {
      return llvm::formatv("{0} {1}{2}", N, What, N == 1 ? "" : "s").str();
    };
    if (O.DryRun) {
      info(llvm::formatv("dry run: shard {0}/{1} would write {2} of {3}", O.Shard.Index,
                         O.Shard.Count, Plural(A.Windows, "window"),
                         Plural(A.Hosts.size(), "host"))
               .str());
      return RefreshResult{RefreshStatus::DryRun, ""};
    }
    if (llvm::Error E = writePartial(Store, H, A))
      return std::move(E);
    info(llvm::formatv("shard {0}/{1}: {2} of {3} -> {4}", O.Shard.Index, O.Shard.Count,
                       Plural(A.Windows, "window"), Plural(A.Hosts.size(), "host"),
                       Store.objectUrl(partialKey(O.Service, O.Run, O.Shard, "json")))
             .str());
    return RefreshResult{RefreshStatus::PartialWritten, ""};
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

  llvm::Expected<RefreshResult> finish(Accumulated &A) {
    // The merged profile: deterministic labels, the same in one process and
    // after a reduce.
    A.P.Meta.Labels["service"] = O.Service;
    A.P.Meta.Labels["window-start"] = std::to_string(A.FirstStart);
    A.P.Meta.Labels["window-end"] = std::to_string(A.LastStart);
    A.P.Meta.Labels["refresh-weights"] =
        llvm::formatv("half-life {0}s, host-weight {1}, now {2}", O.Weights.HalfLife,
                      hostWeightName(O.Weights.Hosts), store::utcTime(O.Weights.Now))
            .str();
    std::map<std::string, std::string> Forms;
    llvm::Expected<std::string> PBytes = serializeProfile(A.P);
    if (!PBytes)
      return PBytes.takeError();
    Forms["pgoprof"] = std::move(*PBytes);
    std::string Version = store::sha256Hex(Forms["pgoprof"]);

    BinarySourceOptions BO;
    BO.Paths = O.Binaries;
    BO.Store = &Store;
    BO.DebuginfodUrls = O.DebuginfodUrls;
    BO.Warn = C.Warning;
    llvm::Expected<std::unique_ptr<BinarySource>> Src = BinarySource::create(BO);
    if (!Src)
      return Src.takeError();
    CrossBuildOptions CO;
    CO.Warn = C.Warning;
    llvm::Expected<CrossBuildResult> R = [&] {
      Stats::Pass P(PS, "symbolize and merge builds");
      return mergeAcrossBuilds(A, **Src, CO);
    }();
    if (!R)
      return R.takeError();
    Forms["profdata"] = R->Bytes;
    std::string ProfSha = store::sha256Hex(R->Bytes);
    std::vector<size_t> Oldest = buildsOldestFirst(*R, A);
    const convert::BinaryMatch &Newest = R->Matches[Oldest.back()];

    // Nothing new: the lock pins this profile already.
    std::optional<lock::LockFile> OldLock;
    if (llvm::sys::fs::exists(O.LockPath)) {
      llvm::Expected<lock::LockFile> L = lock::readLockFile(O.LockPath);
      if (!L)
        return L.takeError();
      OldLock = std::move(*L);
      if (OldLock->Sha256 == ProfSha || OldLock->Version == Version) {
        info(llvm::formatv("{0} pins this profile already ({1}): nothing new", O.LockPath,
                           Version.substr(0, 12))
                 .str());
        return RefreshResult{RefreshStatus::NothingNew, Version};
      }
    }

    for (const std::string &T : O.Forms) {
      if (T == "fdata") {
        convert::ConvertSummary Sum;
        std::string Text;
        llvm::raw_string_ostream OS(Text);
        // Without LBR, the edges the IP estimator infers (convert --infer-edges).
        convert::FdataOptions FO;
        FO.InferEdges = A.P.Meta.Mode == ProfileMode::IpSamples;
        FO.Warn = C.Warning;
        if (llvm::Error E = convert::writeFdata(A.P, Newest, FO, OS, Sum))
          return std::move(E);
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
    llvm::Expected<store::ChannelState> Seen = store::readChannel(Store, O.Service, O.Channel);
    if (!Seen)
      return Seen.takeError();
    std::unique_ptr<ReadProfile> Prev;
    uint64_t PrevBytes = 0;
    std::string PrevVersion = Seen->Info ? Seen->Info->Version : "";
    if (!PrevVersion.empty()) {
      std::string Key = store::versionKey(O.Service, PrevVersion, "profdata");
      llvm::Expected<std::optional<store::ObjectInfo>> H = Store.head(Key);
      if (!H)
        return H.takeError();
      if (*H) {
        llvm::Expected<std::string> B = store::getObject(Store, Key, O.MaxMemory);
        if (!B)
          return B.takeError();
        PrevBytes = B->size();
        llvm::Expected<std::unique_ptr<ReadProfile>> P =
            readSampleProfile(*B, Store.objectUrl(Key));
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
        functionNames(O.Current.empty() ? Newest.ElfPath : O.Current);
    if (!Fns)
      return Fns.takeError();
    GI.CurrentFunctions = std::move(*Fns);
    // How trustworthy the merged profile is (convert/sample/Quality.h); its
    // counts are 2^kRawScaleBits times the raw samples (Shard.h).
    GI.QualityOpts.SamplesPerCount = 1.0 / double(uint64_t(1) << kRawScaleBits);
    convert::ProfileQuality Quality = convert::assessQuality(
        convert::qualityInput(A.P, R->Matches, R->Samples, GI.QualityOpts), GI.QualityOpts);
    GI.Quality = &Quality;
    GateResult G = evaluateGate(GI, O.Thresholds);
    for (const GateFigure &F : G.Figures)
      info("gate: " + F.Line);
    std::vector<std::string> BuildIds; // the builds whose windows the profile holds
    for (const BuildUse &B : R->Builds)
      if (B.Used)
        BuildIds.push_back(B.BuildId);
    // From time samples, three builds' windows together held kvsvc's gain in
    // steady state where each build's alone did not (bench/pgo-generations.md).
    size_t BuildsUsed = BuildIds.size();
    if (convert::qualityBasis(Quality) == convert::QualityBasis::Time && BuildsUsed < kTimeSampleBuilds)
      info(llvm::formatv("time samples from {0} build{1} in {2}: a period that takes in the last "
                         "{3} releases at about equal weight keeps more of PGO's gain once the "
                         "builds are optimized ({4})",
                         BuildsUsed, BuildsUsed == 1 ? "" : "s", formatDuration(SinceSeconds),
                         kTimeSampleBuilds,
                         TimePeriod ? "the default for time samples takes in weekly releases; "
                                      "widen --since and --half-life for releases further apart"
                                    : "--since " + formatDuration(kTimePeriod.Since) +
                                          " --half-life " + formatDuration(kTimePeriod.HalfLife) +
                                          " for weekly releases")
               .str());
    if (!G.Passed && !O.Force) {
      info("refused by the gate: nothing published (--force publishes anyway)");
      return RefreshResult{RefreshStatus::Refused, Version};
    }
    if (!G.Passed)
      warn("the gate refused this profile; published anyway (--force)");

    store::VersionInfo Info;
    Info.Service = O.Service;
    Info.Parent = PrevVersion;
    store::WindowFigures WF;
    WF.BuildIds = std::move(BuildIds);
    for (const HostStat &H : A.Hosts)
      WF.Hosts.push_back(H.Host);
    WF.Inputs = A.Keys;
    WF.FirstStart = A.FirstStart;
    WF.LastStart = A.LastStart;
    WF.Samples = A.Samples;
    WF.Windows = A.Windows;
    store::describeWindows(Info, WF);
    for (const GateFigure &F : G.Figures)
      Info.Quality["gate." + F.Name] = F.Value;
    Info.Quality["weights.half-life-seconds"] = double(O.Weights.HalfLife);
    Info.Quality["weights.host-weight-equal"] = O.Weights.Hosts == HostWeight::Equal ? 1 : 0;
    Info.Quality["weights.now"] = double(O.Weights.Now);
    Info.Quality["weights.period-seconds"] = double(SinceSeconds);
    if (A.Hosts.size() <= store::kMaxListedInputs)
      for (const HostStat &H : A.Hosts)
        Info.Quality["weights.host." + H.Host] = effectiveWeight(H.S);
    Info.Quality["samples-in-service"] = double(A.SamplesInService);
    Info.Quality["samples-of-builds-used"] = double(R->SamplesUsed);
    for (const auto &[Name, Value] : convert::qualityFigures(Quality))
      Info.Quality["quality." + Name] = Value;

    if (O.DryRun) {
      info(llvm::formatv("dry run: would publish {0} ({1} windows, {2} hosts), move {3}/{4} "
                         "and rewrite {5}",
                         Version, A.Windows, A.Hosts.size(), O.Service, O.Channel, O.LockPath)
               .str());
      return RefreshResult{RefreshStatus::DryRun, Version};
    }
    llvm::Expected<std::string> Published = [&] {
      Stats::Pass P(PS, "upload");
      return store::publishVersion(Store, Info, Forms);
    }();
    if (!Published)
      return Published.takeError();
    llvm::Expected<bool> Moved = store::moveChannel(Store, O.Service, O.Channel, Version, *Seen);
    if (!Moved)
      return Moved.takeError();
    if (!*Moved)
      return makeKindError(ErrorKind::Mismatch,
                           "{0}: channel {1}/{2} was moved by another writer meanwhile; version "
                           "{3} is stored, the channel and the lock are not changed: run again",
                           Store.url(), O.Service, O.Channel, Version);

    lock::LockFile NewLock;
    NewLock.Kind = lock::ProfileKind::Profdata;
    NewLock.Version = Version;
    NewLock.Sha256 = ProfSha;
    NewLock.Source = Store.objectUrl(store::versionKey(O.Service, Version, "profdata"));
    NewLock.Created = store::utcTime(int64_t(std::time(nullptr)));
    NewLock.Quality = convert::verdictName(Quality.Verdict).str();
    NewLock.QualitySamples = Quality.Samples;
    NewLock.QualityBasis = convert::basisName(convert::qualityBasis(Quality)).str();
    lock::LockFile L = lock::pinNew(OldLock ? *OldLock : lock::LockFile{}, NewLock);
    llvm::Expected<std::string> LockText = lock::renderLockFile(L);
    if (!LockText)
      return addContext(LockText.takeError(), "cannot write " + O.LockPath);
    std::string Where;
    if (O.NoGit) {
      if (llvm::Error E = writeFileAtomic(O.LockPath, *LockText))
        return std::move(E);
      Where = O.LockPath;
    } else {
      GitCommitRequest GR;
      GR.RepoFile = O.LockPath;
      GR.Branch = O.GitBranch.empty() ? "pgoctl-refresh/" + O.Service + "-" + Version.substr(0, 12)
                                    : O.GitBranch;
      GR.NewContent = *LockText;
      GR.Message = llvm::formatv("pgo: refresh the {0} profile to {1}\n\n{2} windows, {3} "
                                 "hosts, {4} builds, {5} samples (pgoctl refresh).\n",
                                 O.Service, Version.substr(0, 12), A.Windows, A.Hosts.size(),
                                 Info.BuildIds.size(), A.Samples)
                       .str();
      llvm::Expected<std::string> Commit = commitFileOnBranch(GR);
      if (!Commit)
        return Commit.takeError();
      Where = "branch " + GR.Branch + " (commit " + *Commit + ")";
    }

    if (!O.ChangeNote.empty()) {
      ChangeNoteInput N;
      N.Service = O.Service;
      N.Version = Version;
      N.Previous = PrevVersion;
      N.Channel = O.Channel;
      N.LockPath = O.LockPath;
      N.Samples = A.Samples;
      N.WindowStart = A.FirstStart;
      N.WindowEnd = A.LastStart;
      N.Period = PeriodText;
      for (const HostStat &H : A.Hosts)
        N.Hosts.push_back({H.Host, H.Samples, H.Windows, effectiveWeight(H.S)});
      for (const BuildUse &B : R->Builds)
        N.Builds.push_back({B.BuildId, B.From, B.Samples, B.Windows, B.Used});
      N.Gate = G.Figures;
      N.New = GI.New;
      N.PreviousProfile = GI.Previous;
      if (llvm::Error E = writeFileAtomic(O.ChangeNote, renderChangeNote(N)))
        return std::move(E);
    }
    info(llvm::formatv("{0}/{1} -> {2} ({3} window{4}, {5} host{6}, {7} build{8}); lock: {9}",
                       O.Service, O.Channel, Version, A.Windows, A.Windows == 1 ? "" : "s",
                       A.Hosts.size(), A.Hosts.size() == 1 ? "" : "s", Info.BuildIds.size(),
                       Info.BuildIds.size() == 1 ? "" : "s", Where)
             .str());
    return RefreshResult{RefreshStatus::Updated, Version};
  }

  store::Store &Store;
  RefreshOptions O;
  int64_t SinceSeconds = 0; ///< the period's length, given or chosen
  bool TimePeriod = false;  ///< the period is the time samples' default
  std::string PeriodText;   ///< for the change note
  const RefreshCallbacks &C;
  Stats &PS;
};

} // namespace

llvm::Expected<RefreshResult> runRefresh(store::Store &S, RefreshOptions O,
                                         const RefreshCallbacks &C, Stats &PassStats) {
  return Job(S, std::move(O), C, PassStats).run();
}

} // namespace pgoctl::refresh
