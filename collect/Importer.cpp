// collect/Importer.cpp: the passes of `pgoctl import` (see Importer.h).
#include "collect/Importer.h"
#include "collect/ImportBinaries.h"
#include "collect/PerfReader.h"
#include "collect/PerfScriptText.h"
#include "collect/Pprof.h"
#include "collect/ProcessMaps.h"
#include "collect/Sideband.h"
#include "core/FlatMap.h"
#include "core/ProfileFormat.h"
#include "binary/Locate.h"
#include "binary/Symbols.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"


#include <algorithm>
#include <optional>
#include <fcntl.h>
#include <unistd.h>

namespace pgoctl {

namespace {

using perf::PerfVisitor;

// Hot-path keys are packed locations (ProcessMaps::pack): one u64 each.
struct AddrKey {
  uint64_t P = 0;
  uint64_t hash() const { return mix64(P); }
  bool operator==(const AddrKey &O) const { return P == O.P; }
  bool isEmpty() const { return P == 0; }
};
/// A key that is a hash already (a call stack's).
struct HashKey {
  uint64_t H = 0;
  uint64_t hash() const { return H; }
  bool operator==(const HashKey &O) const { return H == O.H; }
  bool isEmpty() const { return H == 0; }
};
/// One LBR entry: the taken branch (From, To) and, when the fall-through
/// from To to the newer entry's source is a valid range, that source (End;
/// else 0), packed. One key per entry, so one hash lookup counts both the
/// branch and the trace (BOLT's: branch, range begin = To, range end); the
/// branch counts are the sums over End (finishProfile).
struct LbrKey {
  uint64_t From = 0, To = 0, End = 0;
  // Three independent multiplies and a fold (FlatMap takes the low bits):
  // one per LBR entry, so cheaper than a full mix of the chain.
  uint64_t hash() const {
    uint64_t H = From * 0x9e3779b97f4a7c15ULL ^ To * 0xbf58476d1ce4e5b9ULL ^
                 End * 0x94d049bb133111ebULL;
    return H ^ (H >> 29) ^ (H >> 47);
  }
  bool operator==(const LbrKey &O) const {
    return From == O.From && To == O.To && End == O.End;
  }
  bool isEmpty() const { return From == 0 && To == 0 && End == 0; }
};
struct BranchValue {
  uint64_t Count = 0, Mispreds = 0;
};
struct CountValue {
  uint64_t Count = 0;
};

/// The event to import: --event by name, else the first sampling event of the
/// header (not perf's `dummy` tracking event, not a counting-only one). The
/// rule needs only the header, so a stream read once chooses as a file does.
llvm::Expected<int> chooseEvent(const perf::PerfHeader &H, llvm::StringRef Want,
                                llvm::StringRef Path) {
  if (!Want.empty()) {
    for (size_t I = 0; I < H.Attrs.size(); ++I)
      if (H.Attrs[I].Name == Want)
        return int(I);
    std::string Names;
    for (const perf::EventAttr &A : H.Attrs)
      Names += (Names.empty() ? "" : ", ") + A.Name;
    return makeError("{0}: no event named '{1}' (events: {2})", Path, Want, Names);
  }
  for (size_t I = 0; I < H.Attrs.size(); ++I) {
    const perf::EventAttr &A = H.Attrs[I];
    bool Dummy = A.Type == 1 && A.Config == 9;
    if (!Dummy && A.SamplePeriod != 0)
      return int(I);
  }
  return H.Attrs.empty() ? -1 : 0;
}

/// Pass 2 (or the only pass, for streams): samples into counts.
class SampleAggregator : public PerfVisitor {
public:
  SampleAggregator(ProcessMaps &Maps, const perf::ReadStats &RS, const ImportOptions &O,
                   ImportSummary &Sum, bool OnePass)
      : Maps(Maps), RS(RS), Opts(O), Sum(Sum), OnePass(OnePass) {}

  // Filters, set between the passes.
  int ChosenAttr = -1; ///< index into the header's attrs; -1: all
  const perf::PerfHeader *Header = nullptr;
  llvm::StringRef Path;
  llvm::Error ChooseError = llvm::Error::success();
  /// One pass over a file trusting its order: a side-band record that comes
  /// after samples later than it, and would change how addresses resolve,
  /// sets OrderViolated, and the importer reads the file again in two passes.
  bool TrackOrder = false;
  bool OrderViolated = false;
  OrderKey MaxSampleKey;
  uint64_t OtherEventSamples = 0;
  std::function<bool(uint32_t Pid, OrderKey Key)> CommFilter;

  void onHeader(const perf::PerfHeader &H) override {
    Header = &H;
    if (!OnePass)
      return;
    for (const perf::BuildIdEntry &B : H.BuildIds)
      Maps.addBuildId(B.Filename, B.BuildId);
    // In time order with a second pass to fall back on, repeated identical
    // mappings need not be kept (ProcessMaps::setSkipRedundant).
    Maps.setSkipRedundant(TrackOrder && RS.Ordered);
    llvm::Expected<int> C = chooseEvent(H, Opts.Event, Path);
    if (!C)
      ChooseError = C.takeError();
    else
      ChosenAttr = *C;
  }
  void onMmap(const perf::MmapEvent &E) override {
    if (!OnePass)
      return;
    OrderKey Key{E.Time, RS.Seq};
    if (TrackOrder && Key < MaxSampleKey &&
        (Key < Maps.retiredBefore() || !Maps.isRedundant(E, Key)))
      OrderViolated = true;
    Maps.addMmap(E, Key);
    if (Maps.skipsUnsafe())
      OrderViolated = true; // a mapping left out may have mattered
  }
  void onComm(const perf::CommEvent &E) override {
    if (OnePass) {
      OrderKey Key{E.Time, RS.Seq};
      if (TrackOrder && Key < MaxSampleKey && (E.Exec || !Opts.Comm.empty()))
        OrderViolated = true;
      if (E.Exec)
        Maps.addExec(E.Pid, Key);
      if (Maps.skipsUnsafe())
        OrderViolated = true;
      Comm[E.Pid] = E.Comm.str();
    }
  }
  void onForkExit(const perf::ForkExitEvent &E) override {
    if (OnePass && !E.IsFork && E.Pid == E.Tid && RS.Ordered)
      Maps.addExit(E.Pid, {E.Time, RS.Seq}); // lets its parent's old maps go
    if (OnePass && E.IsFork) {
      if (TrackOrder && E.Pid != E.Ppid && OrderKey{E.Time, RS.Seq} < MaxSampleKey)
        OrderViolated = true;
      Maps.addFork(E.Pid, E.Ppid, {E.Time, RS.Seq});
      if (Maps.skipsUnsafe())
        OrderViolated = true;
      // A copy first: inserting the child may grow the map and move the
      // parent's entry.
      auto It = Comm.find(E.Ppid);
      if (It != Comm.end() && E.Pid != E.Ppid) {
        std::string Name = It->second;
        Comm[E.Pid] = std::move(Name);
      }
    }
  }
  void onLost(uint64_t N, bool) override { Sum.Lost += N; }
  void onDamage(uint64_t Offset, llvm::StringRef Msg, uint64_t Dropped) override {
    Sum.Damage = Msg.str();
    Sum.DamagedBytes = Dropped;
  }

  void onSample(const perf::Sample &S) override {
    if (OrderViolated)
      return; // this pass is discarded: the file is read again
    ++Sum.Samples;
    if (ChosenAttr >= 0 && Header && S.Attr != &Header->Attrs[size_t(ChosenAttr)]) {
      ++Sum.SamplesFiltered;
      ++OtherEventSamples;
      return;
    }
    if (Opts.Pid && S.Pid != *Opts.Pid) {
      ++Sum.SamplesFiltered;
      return;
    }
    OrderKey Key{S.Time, RS.Seq};
    if (TrackOrder && MaxSampleKey < Key) {
      MaxSampleKey = Key;
      // In time order, no lookup comes before this sample again (a late
      // one is caught below): replaced mappings may go.
      if (RS.Ordered)
        Maps.retireBefore(Key);
    }
    if (TrackOrder && Key < Maps.retiredBefore()) {
      OrderViolated = true; // a sample too late for the reorder window
      return;
    }
    if (!Opts.Comm.empty()) {
      bool Match = OnePass ? (Comm.count(S.Pid) && Comm[S.Pid] == Opts.Comm)
                           : (CommFilter && CommFilter(S.Pid, Key));
      if (!Match) {
        ++Sum.SamplesFiltered;
        return;
      }
    }
    ++Sum.SamplesUsed;
    if (S.Time) {
      if (!FirstTime || S.Time < FirstTime)
        FirstTime = S.Time;
      LastTime = std::max(LastTime, S.Time);
    }

    if (Resolver)
      Resolver->moveTo(S.Pid, Key);
    else
      Resolver.emplace(Maps, S.Pid, Key);
    ProcessMaps::SampleResolver &Resolve = *Resolver;
    if (uint64_t Ip = Resolve.packed(S.Ip))
      ++Samples[{Ip}].Count;
    else
      ++Sum.UnmappedIps;

    if (S.NumBranches)
      addBranchStack(S, Resolve);
    if (S.CallchainLen)
      addCallchain(S, Resolve);
  }

  void addBranchStack(const perf::Sample &S, ProcessMaps::SampleResolver &Resolve) {
    HasBranches = true;
    // Resolve every entry and prefetch its slot first, then count: the
    // slots' cache misses overlap rather than come one after another.
    // (At most NumBranches entries: Pending grows to the largest stack.)
    if (Pending.size() < S.NumBranches)
      Pending.resize(S.NumBranches);
    size_t NumPending = 0;
    uint64_t PrevFrom = 0; // source of the newer entry (i - 1), packed
    bool HavePrev = false;
    for (uint64_t I = 0; I < S.NumBranches; ++I) {
      perf::BranchEntry B = S.branch(I);
      if (B.From == 0 && B.To == 0) {
        ++Sum.EmptyEntries;
        HavePrev = false;
        continue;
      }
      ++Sum.BranchEntries;
      uint64_t F = Resolve.packed(B.From);
      uint64_t T = Resolve.packed(B.To);
      LbrKey K{F, T, 0};
      // Fall-through from this (older) entry's target to the newer's source,
      // kept with the branch that began it (BOLT's trace): in one module and
      // not backwards (packed, the module is the top bits).
      if (HavePrev) {
        ++Sum.Ranges;
        if (T && (T >> kPackedModuleShift) == (PrevFrom >> kPackedModuleShift) &&
            T <= PrevFrom)
          K.End = PrevFrom;
        else
          ++Sum.InvalidRanges;
      }
      if (!F && !T) {
        ++Sum.ExternalBranches; // (no trace either: T is in no binary)
      } else {
        uint64_t Hash = K.hash();
        Lbr.prefetch(Hash);
        Pending[NumPending++] = {K, Hash, B.mispred()};
      }
      PrevFrom = F;
      HavePrev = true;
    }
    for (size_t I = 0; I < NumPending; ++I) {
      const PendingBranch &P = Pending[I];
      BranchValue &V = Lbr.find(P.Key, P.Hash);
      ++V.Count;
      V.Mispreds += P.Mispred;
    }
  }

  void addCallchain(const perf::Sample &S, ProcessMaps::SampleResolver &Resolve) {
    // The stack goes to a scratch buffer first: most stacks were seen
    // before, and only a new one is copied to the arena.
    if (Scratch.size() < S.CallchainLen)
      Scratch.resize(S.CallchainLen);
    Frame *Out = Scratch.data();
    uint32_t Len = 0;
    uint64_t H = 0x12345;
    for (uint64_t I = 0; I < S.CallchainLen; ++I) {
      uint64_t Ip = S.callchain(I);
      if (Ip >= perf::kContextMax)
        continue;
      Location L = Resolve(Ip);
      Frame Fr;
      if (L.Module == Location::kNone)
        Fr = {Frame::kNoBinary, Ip};
      else
        Fr = {L.Module, L.FileOffset};
      Out[Len++] = Fr;
      // One multiply per frame: a deep stack's chain is serial; mix64
      // below spreads the bits once.
      H = (H ^ Fr.Addr ^ (uint64_t(Fr.Binary) << 50)) * 0x9e3779b97f4a7c15ULL;
      H ^= H >> 32;
    }
    if (Len == 0)
      return;
    H = mix64(H) | 1; // never the empty key
    // Intern: equal stacks share the first copy's arena slice. Stacks of one
    // hash are chained from the index through StackRec::Next.
    uint32_t &Head = StackIndex[{H}].Id; // last record + 1; 0: none
    for (uint32_t Id = Head; Id; Id = StackRecs[Id - 1].Next) {
      StackRec &R = StackRecs[Id - 1];
      if (R.Len == Len &&
          std::equal(StackArena.begin() + R.Offset, StackArena.begin() + R.Offset + Len, Out)) {
        ++R.Count;
        return;
      }
    }
    uint32_t Start = uint32_t(StackArena.size());
    StackArena.insert(StackArena.end(), Out, Out + Len);
    StackRecs.push_back({Start, Len, Head, 1});
    Head = uint32_t(StackRecs.size());
  }

  /// Starts a new window (the agent): counts restart; the process maps, comm
  /// names and the chosen event stay.
  void resetCounts() {
    Samples = FlatMap<AddrKey, CountValue>(kInitialSlots);
    Lbr = FlatMap<LbrKey, BranchValue>(kInitialSlots);
    StackArena.clear();
    StackRecs.clear();
    StackIndex = FlatMap<HashKey, StackHead>(kInitialSlots);
    HasBranches = false;
    FirstTime = LastTime = 0;
    OtherEventSamples = 0;
  }

  ProcessMaps &Maps;
  const perf::ReadStats &RS;
  const ImportOptions &Opts;
  ImportSummary &Sum;
  bool OnePass;
  bool HasBranches = false;
  uint64_t FirstTime = 0, LastTime = 0;
  llvm::DenseMap<uint64_t, std::string> Comm;

  // Small at first (the maps double as they fill): a large start was a
  // memset that cost more than importing a small file.
  static constexpr size_t kInitialSlots = 1 << 10;
  FlatMap<AddrKey, CountValue> Samples{kInitialSlots};
  FlatMap<LbrKey, BranchValue> Lbr{kInitialSlots};
  struct PendingBranch {
    LbrKey Key;
    uint64_t Hash;
    bool Mispred;
  };
  std::vector<PendingBranch> Pending; ///< one sample's entries
  /// Moved from sample to sample: its hits outlive a sample while the maps
  /// stay as they are.
  std::optional<ProcessMaps::SampleResolver> Resolver;
  struct StackRec {
    uint32_t Offset, Len;
    uint32_t Next; ///< the previous record of the same hash + 1; 0: none
    uint64_t Count;
  };
  struct StackHead {
    uint32_t Id = 0;
  };
  std::vector<Frame> StackArena;
  std::vector<Frame> Scratch; ///< the stack of the sample at hand
  std::vector<StackRec> StackRecs;
  FlatMap<HashKey, StackHead> StackIndex{kInitialSlots}; ///< by stack hash
};

/// Finds the ELF for a module: a --binary with the same build-id, else one
/// with the same file name, else the recorded path.

/// The formats import reads, told apart by their first bytes (which InputFile
/// read once and gives back to the reader: a pipe cannot be opened again).
/// The one place that sniffs: perf.data's magic, then pprof (gzip magic or a
/// Profile message's shape, which text does not have), then text.
enum class InputFormat { PerfData, PerfScript, Pprof };
llvm::Expected<InputFormat> detectFormat(const InputFile &In) {
  llvm::StringRef Head = In.head();
  if (Head.empty())
    return makeError("{0}: empty input", In.path());
  if (perf::isPerfData(Head))
    return InputFormat::PerfData;
  if (isPprof(Head))
    return InputFormat::Pprof;
  if (perf::looksLikePerfScript(Head))
    return InputFormat::PerfScript;
  return makeError("{0}: neither perf.data (no PERFILE2 magic), pprof nor perf script text",
                   In.path());
}

struct SourceInfo {
  std::string Source, Kind; ///< for the profile's provenance entry
};

/// Pass 3 and the metadata: the counts of Agg to a profile at ELF virtual
/// addresses. import calls it once; the agent (StreamImporter) per window.
llvm::Expected<Profile> finishProfile(SampleAggregator &AggRef, const ProcessMaps &Maps,
                                      const perf::PerfHeader &H, const perf::ReadStats &RS,
                                      const ImportOptions &Opts, ImportSummary &Sum,
                                      const SourceInfo &Src) {
  SampleAggregator *Agg = &AggRef;
  // Pass 3: to ELF virtual addresses, one binary per module.
  llvm::Expected<ImportBinaries> Found = ImportBinaries::create(Opts, Sum);
  if (!Found)
    return Found.takeError();
  const std::vector<Module> &Mods = Maps.modules();
  Profile Prof;
  std::vector<int> BinIndex(Mods.size(), -1);
  std::vector<std::optional<binary::ElfInfo>> Elf(Mods.size());
  auto binaryFor = [&](uint32_t M) -> BinaryProfile & {
    if (BinIndex[M] < 0) {
      BinIndex[M] = int(Prof.Binaries.size());
      BinaryProfile B;
      B.Path = Mods[M].Path;
      B.BuildId = toHex(Mods[M].BuildId);
      B.IsKernel = Mods[M].IsKernel;
      if (!B.IsKernel)
        Elf[M] = Found->find(Mods[M].Path, B.BuildId);
      if (Elf[M]) {
        B.Segments = Elf[M]->Segments;
        B.Space = AddressSpace::ElfVaddr;
        if (B.BuildId.empty())
          B.BuildId = Elf[M]->BuildId;
      } else {
        B.Space = B.IsKernel ? AddressSpace::ElfVaddr : AddressSpace::FileOffset;
      }
      Prof.Binaries.push_back(std::move(B));
    }
    return Prof.Binaries[size_t(BinIndex[M])];
  };
  uint64_t OutsideSegments = 0;
  auto toAddr = [&](uint32_t M, uint64_t Off) -> uint64_t {
    if (!Elf[M])
      return Off;
    if (std::optional<uint64_t> VA = fileOffsetToVaddr(Elf[M]->Segments, Off))
      return *VA;
    ++OutsideSegments;
    return Off;
  };

  // Unpacks a hot-path key half into (module, ELF address).
  auto unpack = [&](uint64_t P) -> std::pair<uint32_t, uint64_t> {
    uint32_t M = packedModule(P);
    binaryFor(M); // finds the module's ELF, which toAddr needs
    return {M, toAddr(M, packedAddr(P, Mods[M].IsKernel))};
  };
  Agg->Samples.forEach([&](const AddrKey &K, const CountValue &V) {
    auto [M, A] = unpack(K.P);
    binaryFor(M).Samples.push_back({A, V.Count});
  });
  // Each LBR key is a branch and, with an End, a trace; canonicalize sums the
  // branches over their traces' ends, and the ranges over their branches.
  Agg->Lbr.forEach([&](const LbrKey &K, const BranchValue &V) {
    bool SameBinary = K.From && K.To && packedModule(K.From) == packedModule(K.To);
    if (SameBinary) {
      auto [M, From] = unpack(K.From);
      binaryFor(M).Branches.push_back({From, unpack(K.To).second, V.Count, V.Mispreds});
    } else {
      if (K.From) {
        auto [M, From] = unpack(K.From);
        binaryFor(M).Branches.push_back({From, kExternalAddress, V.Count, V.Mispreds});
      }
      if (K.To) {
        auto [M, To] = unpack(K.To);
        binaryFor(M).Branches.push_back({kExternalAddress, To, V.Count, V.Mispreds});
      }
    }
    if (K.End) {
      auto [M, Begin] = unpack(K.To);
      uint64_t End = unpack(K.End).second;
      uint64_t Branch = SameBinary ? unpack(K.From).second : kExternalAddress;
      BinaryProfile &B = binaryFor(M);
      B.Traces.push_back({Branch, Begin, End, V.Count});
      B.Ranges.push_back({Begin, End, V.Count});
    }
  });
  for (const auto &R : Agg->StackRecs) {
    StackCount SC;
    SC.Count = R.Count;
    for (uint32_t I = 0; I < R.Len; ++I) {
      Frame F = Agg->StackArena[R.Offset + I];
      if (F.Binary != Frame::kNoBinary) {
        uint32_t M = F.Binary;
        binaryFor(M);
        F = {uint32_t(BinIndex[M]), toAddr(M, F.Addr)};
      }
      SC.Frames.push_back(F);
    }
    Prof.Stacks.push_back(std::move(SC));
  }
  if (RS.UnknownRecords)
    Sum.Warnings.push_back(std::to_string(RS.UnknownRecords) +
                           " records of a type this pgoctl does not know were skipped (a "
                           "newer perf, or damage: perf script refuses such a file)");
  if (RS.GuestSamples)
    Sum.Warnings.push_back(std::to_string(RS.GuestSamples) +
                           " samples of a guest machine (a virtual machine's addresses, "
                           "recorded on its host) were skipped, as perf script skips them");
  if (RS.BogusMmapBuildIds)
    Sum.Warnings.push_back(std::to_string(RS.BogusMmapBuildIds) +
                           " mapping records are flagged with a build-id that is not one "
                           "(a kernel leak from another tool's events on the process); "
                           "those binaries were matched by path");
  if (OutsideSegments)
    Sum.Warnings.push_back(std::to_string(OutsideSegments) +
                           " addresses fell outside every PT_LOAD segment of their "
                           "binary; kept as file offsets");

  // Metadata.
  ProfileMetadata &M = Prof.Meta;
  const perf::EventAttr *A = nullptr;
  if (!H.Attrs.empty())
    A = Agg->ChosenAttr >= 0 ? &H.Attrs[size_t(Agg->ChosenAttr)] : &H.Attrs[0];
  if (A) {
    M.Event = A->Name;
    if (A->freq())
      M.SampleFreq = A->SamplePeriod;
    else
      M.SamplePeriod = A->SamplePeriod;
  }
  M.Mode = Agg->HasBranches ? ProfileMode::Lbr : ProfileMode::IpSamples;
  M.TimeStartNs = Agg->FirstTime;
  M.TimeEndNs = Agg->LastTime;
  M.Labels = Opts.Labels;
  if (!H.Hostname.empty() && !M.Labels.count("host"))
    M.Labels["host"] = H.Hostname;
  M.ToolVersion = toolVersion().str();
  M.TotalSamples = Sum.SamplesUsed;
  M.LostSamples = Sum.Lost;
  M.UnmappedSamples = Sum.UnmappedIps;
  Provenance Pv;
  Pv.Source = Src.Source;
  Pv.Kind = Src.Kind;
  Pv.Host = H.Hostname;
  Pv.OsRelease = H.OsRelease;
  Pv.PerfVersion = H.PerfVersion;
  Pv.Samples = Sum.SamplesUsed;
  Pv.TimeStartNs = Agg->FirstTime;
  Pv.TimeEndNs = Agg->LastTime;
  M.Inputs.push_back(std::move(Pv));
  Prof.canonicalize();
  return Prof;
}

} // namespace

llvm::Expected<Profile> importProfile(llvm::StringRef Path, const ImportOptions &Opts,
                                      ImportSummary &Sum, Stats &PassStats) {
  llvm::Expected<InputFile> In = InputFile::open(Path);
  if (!In)
    return In.takeError();
  return importProfile(*In, Opts, Sum, PassStats);
}

llvm::Expected<Profile> importProfile(InputFile &In, const ImportOptions &Opts,
                                      ImportSummary &Sum, Stats &PassStats) {
  llvm::StringRef Path = In.path();
  llvm::Expected<InputFormat> Fmt = detectFormat(In);
  if (!Fmt)
    return Fmt.takeError();
  if (*Fmt == InputFormat::Pprof)
    return importPprof(In, Opts, Sum, PassStats);
  std::optional<bool> IsText = *Fmt == InputFormat::PerfScript;
  if (!Opts.SampleType.empty())
    return makeKindError(ErrorKind::Usage,
                         "{0}: --sample-type chooses the values of a pprof profile; this is "
                         "a perf recording (choose its event with --event)",
                         Path);

  ProcessMaps Maps;
  perf::PerfHeader H;
  perf::ReadStats RS;
  perf::ReadOptions RO;
  RO.KeepGoing = Opts.KeepGoing;
  RO.Progress = Opts.Progress;
  // The one pass reads records in time order (collect/Reorder.h) where the
  // recording allows it; the two passes read in input order.
  perf::ReadOptions ROrdered = RO;
  ROrdered.Ordered = true;

  // Pipes, FIFOs and text are read once, in stream order; a perf.data file
  // (also one on standard input) in one pass, or again in two.
  bool Seekable = In.isRegular() && !*IsText;
  std::unique_ptr<SampleAggregator> Agg;

  if (*IsText) {
    Stats::Pass P(PassStats, "read perf script text");
    Sum.Format = "perf-script";
    Agg = std::make_unique<SampleAggregator>(Maps, RS, Opts, Sum, /*OnePass=*/true);
    Agg->Path = Path;
    if (llvm::Error E = perf::readPerfScriptText(In, *Agg, H, RS))
      return std::move(E);
  } else if (!Seekable) {
    Stats::Pass P(PassStats, "read samples (one pass)");
    Agg = std::make_unique<SampleAggregator>(Maps, RS, Opts, Sum, /*OnePass=*/true);
    Agg->Path = Path;
    if (llvm::Error E = perf::readPerfData(In, *Agg, ROrdered, H, RS))
      return std::move(E);
    Sum.Format = "perf.data (pipe)";
  } else {
    // Most files are in time order where it matters: one pass that trusts
    // the order and notices when it may not (SampleAggregator::TrackOrder);
    // then the file is read again in two passes (side-band first).
    if (!Opts.TwoPass) {
      Stats::Pass P(PassStats, "read samples (one pass)");
      Agg = std::make_unique<SampleAggregator>(Maps, RS, Opts, Sum, /*OnePass=*/true);
      Agg->Path = Path;
      Agg->TrackOrder = true;
      if (llvm::Error E = perf::readPerfData(In, *Agg, ROrdered, H, RS))
        return std::move(E);
      if (Agg->ChooseError)
        return std::move(Agg->ChooseError);
    }
    if (Opts.TwoPass || Agg->OrderViolated) {
      Agg.reset();
      Sum = ImportSummary();
      if (!Opts.TwoPass)
        Sum.Notes.push_back(Path.str() + ": side-band records out of time order; read again in "
                                         "two passes");
      Maps = ProcessMaps();
      // Pass 1: side-band records, and which event has samples.
      SidebandVisitor SB(Maps, RS);
      {
        Stats::Pass P(PassStats, "read side-band records");
        perf::ReadOptions RO1 = RO;
        RO1.Progress = nullptr;
        RO1.SkipSamples = true;
        if (llvm::Error E = perf::readPerfData(In, SB, RO1, H, RS))
          return std::move(E);
      }
      llvm::Expected<int> ChosenOr = chooseEvent(H, Opts.Event, Path);
      if (!ChosenOr)
        return ChosenOr.takeError();
      int Chosen = *ChosenOr;
      // Comm filter: comm of a pid at a time, inherited over fork.
      std::function<bool(uint32_t, OrderKey)> CommFilter;
      if (!Opts.Comm.empty()) {
        auto Comms = std::make_shared<std::vector<SidebandVisitor::CommChange>>(SB.Comms);
        auto Forks = std::make_shared<std::vector<SidebandVisitor::ForkInfo>>(SB.Parents);
        std::string Want = Opts.Comm;
        CommFilter = [Comms, Forks, Want](uint32_t Pid, OrderKey Key) {
          for (int Depth = 0; Depth < 64; ++Depth) {
            const SidebandVisitor::CommChange *Best = nullptr;
            for (const auto &C : *Comms)
              if (C.Pid == Pid && C.Key <= Key && (!Best || Best->Key < C.Key))
                Best = &C;
            if (Best)
              return Best->Comm == Want;
            const SidebandVisitor::ForkInfo *F = nullptr;
            for (const auto &Fk : *Forks)
              if (Fk.Child == Pid)
                F = &Fk;
            if (!F)
              return false;
            Pid = F->Parent;
            if (F->Key < Key)
              Key = F->Key;
          }
          return false;
        };
      }
      // Pass 2: samples.
      Stats::Pass P(PassStats, "read samples");
      Agg = std::make_unique<SampleAggregator>(Maps, RS, Opts, Sum, /*OnePass=*/false);
      Agg->ChosenAttr = Chosen;
      Agg->CommFilter = std::move(CommFilter);
      if (llvm::Error E = perf::readPerfData(In, *Agg, RO, H, RS))
        return std::move(E);
    }
    Sum.Format = H.PipeMode ? "perf.data (pipe mode, from a file)" : "perf.data";
  }
  if (Agg->ChooseError)
    return std::move(Agg->ChooseError);
  if (Agg->OtherEventSamples && Agg->ChosenAttr >= 0)
    Sum.Warnings.push_back(std::to_string(Agg->OtherEventSamples) +
                           " samples of other events were left out; importing '" +
                           H.Attrs[size_t(Agg->ChosenAttr)].Name + "' (choose with --event)");
  Sum.InputBytes = RS.Bytes;
  Sum.Lost = RS.Lost + RS.LostSamples;
  PassStats.count("input bytes", RS.Bytes);
  PassStats.count("records", RS.Records);
  PassStats.count("rounds", RS.Rounds);
  PassStats.count("records too late to reorder", RS.LateRecords);
  PassStats.count("samples", Sum.Samples);
  PassStats.count("mappings", Maps.numMappings());
  PassStats.count("mappings left out (identical)", Maps.skippedMappings());

  Stats::Pass P3(PassStats, "normalize addresses");
  return finishProfile(*Agg, Maps, H, RS, Opts, Sum,
                       {Path.str(), *IsText ? "perf-script" : "perf.data"});
}

llvm::Expected<Profile> loadProfileOrImport(llvm::StringRef Path, const ImportOptions &Opts,
                                            Stats &PassStats) {
  // Opened once: the magic is read from the same descriptor the reader uses.
  llvm::Expected<InputFile> In = InputFile::open(Path);
  if (!In)
    return In.takeError();
  if (isPgoprof(In->head())) {
    Stats::Pass S(PassStats, ("read " + Path).str());
    ProfileReadOptions RO;
    RO.MaxMemory = Opts.MaxMemory;
    return readProfile(*In, RO);
  }
  ImportSummary Sum;
  return importProfile(*In, Opts, Sum, PassStats);
}

struct StreamImporter::Impl {
  ImportOptions Opts;
  SourceInfo Src;
  ProcessMaps Maps;
  perf::PerfHeader H;
  perf::ReadStats RS;
  ImportSummary Sum;
  SampleAggregator Agg{Maps, RS, Opts, Sum, /*OnePass=*/true};
  bool HeaderSent = false;
};

StreamImporter::StreamImporter(const ImportOptions &Opts, std::string Source, std::string Kind)
    : I(std::make_unique<Impl>()) {
  I->Opts = Opts;
  I->Src = {std::move(Source), std::move(Kind)};
  I->Agg.Path = I->Src.Source;
}
StreamImporter::~StreamImporter() = default;
perf::PerfHeader &StreamImporter::header() { return I->H; }
perf::ReadStats &StreamImporter::readStats() { return I->RS; }
perf::PerfVisitor &StreamImporter::visitor() {
  if (!I->HeaderSent) {
    I->HeaderSent = true;
    I->Agg.onHeader(I->H);
  }
  return I->Agg;
}

llvm::Expected<Profile> StreamImporter::takeProfile(ImportSummary &Sum) {
  visitor();
  if (I->Agg.ChooseError)
    return std::move(I->Agg.ChooseError);
  llvm::Expected<Profile> P = finishProfile(I->Agg, I->Maps, I->H, I->RS, I->Opts, I->Sum, I->Src);
  Sum = std::move(I->Sum);
  I->Sum = ImportSummary();
  I->Agg.resetCounts();
  return P;
}

} // namespace pgoctl
