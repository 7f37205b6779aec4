// merge/Merge.cpp: the weighted, order-independent sum of profiles.
//
// A Merger keeps, per binary key, sorted and folded count vectors, one for
// inputs in ELF vaddrs and one for inputs in file offsets; stacks are kept in
// a map keyed by their frames, whose binary field holds (binary id << 1 |
// is-file-offset) until finish() renumbers them in key order. All arithmetic
// saturates and records that it did; add() and finish() turn that into an
// error unless the options allow saturation. See merge/Merge.h for the rules.
#include "merge/Merge.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

namespace pgoctl {

namespace {

/// Saturating arithmetic that remembers whether it saturated.
struct Arith {
  bool Overflowed = false;
  uint64_t add(uint64_t A, uint64_t B) {
    bool O = false;
    uint64_t R = llvm::SaturatingAdd(A, B, &O);
    Overflowed |= O;
    return R;
  }
  uint64_t mul(uint64_t A, uint64_t B) {
    bool O = false;
    uint64_t R = llvm::SaturatingMultiply(A, B, &O);
    Overflowed |= O;
    return R;
  }
};

struct Counts {
  std::vector<BranchCount> Branches;
  std::vector<RangeCount> Ranges;
  std::vector<TraceCount> Traces;
  std::vector<AddrCount> Samples;
  std::vector<FunctionCount> Functions; ///< function-level counts (no addresses)
};

auto branchKey = [](const BranchCount &B) { return std::pair(B.From, B.To); };
auto rangeKey = [](const RangeCount &R) { return std::pair(R.Begin, R.End); };
auto traceKey = [](const TraceCount &T) { return std::tuple(T.Begin, T.End, T.Branch); };
auto sampleKey = [](const AddrCount &S) { return S.Addr; };
auto functionKey = [](const FunctionCount &F) -> const std::string & { return F.Name; };

/// Folds adjacent entries of sorted V with equal keys.
template <typename T, typename KeyFn, typename FoldFn>
void foldAdjacent(std::vector<T> &V, KeyFn Key, FoldFn Fold) {
  size_t Out = 0;
  for (size_t I = 0; I < V.size(); ++I) {
    if (Out > 0 && Key(V[Out - 1]) == Key(V[I]))
      Fold(V[Out - 1], V[I]);
    else
      V[Out++] = V[I];
  }
  V.resize(Out);
}

/// Sorts and folds New, then merges it into the sorted, folded Acc.
template <typename T, typename KeyFn, typename FoldFn>
void mergeInto(std::vector<T> &Acc, std::vector<T> New, KeyFn Key, FoldFn Fold) {
  auto Less = [&](const T &A, const T &B) { return Key(A) < Key(B); };
  std::sort(New.begin(), New.end(), Less);
  foldAdjacent(New, Key, Fold);
  if (Acc.empty()) {
    Acc = std::move(New);
    return;
  }
  std::vector<T> Out;
  Out.reserve(Acc.size() + New.size());
  std::merge(Acc.begin(), Acc.end(), New.begin(), New.end(), std::back_inserter(Out), Less);
  foldAdjacent(Out, Key, Fold);
  Acc = std::move(Out);
}

/// Adds the counts of Src (scaled by W) into Dst.
void addCounts(Counts &Dst, const BinaryProfile &Src, uint64_t W, Arith &A) {
  std::vector<BranchCount> Br = Src.Branches;
  for (BranchCount &B : Br) {
    B.Count = A.mul(B.Count, W);
    B.Mispreds = A.mul(B.Mispreds, W);
  }
  std::vector<RangeCount> Rg = Src.Ranges;
  for (RangeCount &R : Rg)
    R.Count = A.mul(R.Count, W);
  std::vector<TraceCount> Tr = Src.Traces;
  for (TraceCount &T : Tr)
    T.Count = A.mul(T.Count, W);
  std::vector<AddrCount> Sm = Src.Samples;
  for (AddrCount &S : Sm)
    S.Count = A.mul(S.Count, W);
  mergeInto(Dst.Branches, std::move(Br), branchKey, [&](BranchCount &X, const BranchCount &Y) {
    X.Count = A.add(X.Count, Y.Count);
    X.Mispreds = A.add(X.Mispreds, Y.Mispreds);
  });
  mergeInto(Dst.Ranges, std::move(Rg), rangeKey,
            [&](RangeCount &X, const RangeCount &Y) { X.Count = A.add(X.Count, Y.Count); });
  mergeInto(Dst.Traces, std::move(Tr), traceKey,
            [&](TraceCount &X, const TraceCount &Y) { X.Count = A.add(X.Count, Y.Count); });
  mergeInto(Dst.Samples, std::move(Sm), sampleKey,
            [&](AddrCount &X, const AddrCount &Y) { X.Count = A.add(X.Count, Y.Count); });
  std::vector<FunctionCount> Fn = Src.Functions;
  for (FunctionCount &F : Fn) {
    F.Self = A.mul(F.Self, W);
    F.Total = A.mul(F.Total, W);
  }
  mergeInto(Dst.Functions, std::move(Fn), functionKey,
            [&](FunctionCount &X, const FunctionCount &Y) {
              X.Self = A.add(X.Self, Y.Self);
              X.Total = A.add(X.Total, Y.Total);
            });
}

/// One binary key's accumulated state.
struct BinAcc {
  std::string Key, BuildId, Path;
  bool IsKernel = false;
  std::vector<LoadSegment> Segments;
  bool HasVaddr = false, HasOffset = false;
  Counts Vaddr, Offset;
  std::string VaddrSource, OffsetSource; ///< smallest source of each kind
};

void keepSmallest(std::string &Into, const std::string &S) {
  if (Into.empty() || S < Into)
    Into = S;
}

uint64_t minNonzero(uint64_t A, uint64_t B) {
  if (A == 0)
    return B;
  if (B == 0)
    return A;
  return std::min(A, B);
}

std::string describe(const BinAcc &B) {
  return B.BuildId.empty() ? llvm::formatv("binary '{0}'", B.Path).str()
                           : llvm::formatv("binary '{0}' (build-id {1})", B.Path, B.BuildId).str();
}

/// Converts file offset Addr of B to a vaddr (external addresses stay).
llvm::Error toVaddr(const BinAcc &B, uint64_t &Addr) {
  if (Addr == kExternalAddress)
    return llvm::Error::success();
  std::optional<uint64_t> V = fileOffsetToVaddr(B.Segments, Addr);
  if (!V)
    return makeError("{0}: file offset {1:x} lies in no PT_LOAD segment; cannot "
                     "convert it to an ELF vaddr",
                     describe(B), Addr);
  Addr = *V;
  return llvm::Error::success();
}

llvm::Error convertCounts(const BinAcc &B, Counts &C) {
  for (BranchCount &Br : C.Branches) {
    if (llvm::Error E = toVaddr(B, Br.From))
      return E;
    if (llvm::Error E = toVaddr(B, Br.To))
      return E;
  }
  for (RangeCount &R : C.Ranges) {
    if (llvm::Error E = toVaddr(B, R.Begin))
      return E;
    if (llvm::Error E = toVaddr(B, R.End))
      return E;
  }
  for (TraceCount &T : C.Traces)
    for (uint64_t *Addr : {&T.Branch, &T.Begin, &T.End})
      if (llvm::Error E = toVaddr(B, *Addr))
        return E;
  for (AddrCount &S : C.Samples)
    if (llvm::Error E = toVaddr(B, S.Addr))
      return E;
  return llvm::Error::success();
}

} // namespace

std::string joinValueSets(llvm::StringRef A, llvm::StringRef B) {
  std::set<std::string> Items;
  for (llvm::StringRef S : {A, B}) {
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    S.split(Parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    for (llvm::StringRef P : Parts)
      Items.insert(P.str());
  }
  return llvm::join(Items, ",");
}

struct Merger::Impl {
  MergeOptions Opts;
  std::map<std::string, uint32_t> KeyToId;
  std::vector<BinAcc> Bins;
  std::map<std::vector<Frame>, uint64_t> Stacks;
  ProfileMetadata Meta;
  size_t NumInputs = 0;

  llvm::Error overflowError(Arith &A, llvm::StringRef Where) {
    if (!A.Overflowed || Opts.Overflow == OverflowPolicy::Saturate)
      return llvm::Error::success();
    return makeError("{0}: counts overflow 64 bits", Where);
  }

  uint32_t binaryId(const BinaryProfile &B) {
    std::string Key = B.key();
    auto [It, New] = KeyToId.try_emplace(Key, uint32_t(Bins.size()));
    if (New) {
      Bins.emplace_back();
      Bins.back().Key = Key;
      Bins.back().BuildId = B.BuildId;
      Bins.back().Path = B.Path;
    }
    return It->second;
  }

  void addIdentity(BinAcc &Acc, const BinaryProfile &B, llvm::StringRef Source) {
    keepSmallest(Acc.Path, B.Path);
    Acc.IsKernel |= B.IsKernel;
    std::vector<LoadSegment> Segs = B.Segments;
    std::sort(Segs.begin(), Segs.end());
    Segs.erase(std::unique(Segs.begin(), Segs.end()), Segs.end());
    if (!Segs.empty() && (Acc.Segments.empty() || Segs < Acc.Segments))
      Acc.Segments = std::move(Segs);
    bool Offsets = B.Space == AddressSpace::FileOffset;
    (Offsets ? Acc.HasOffset : Acc.HasVaddr) = true;
    keepSmallest(Offsets ? Acc.OffsetSource : Acc.VaddrSource, Source.str());
  }

  llvm::Error addBinaries(const WeightedProfile &In, std::vector<uint32_t> &FrameIds) {
    for (const BinaryProfile &B : In.P.Binaries) {
      uint32_t Id = binaryId(B);
      BinAcc &Acc = Bins[Id];
      addIdentity(Acc, B, In.Source);
      bool Offsets = B.Space == AddressSpace::FileOffset;
      FrameIds.push_back(Id << 1 | uint32_t(Offsets));
      Arith A;
      addCounts(Offsets ? Acc.Offset : Acc.Vaddr, B, In.Weight, A);
      if (llvm::Error E = overflowError(
              A, llvm::formatv("{0}: binary '{1}' weighted by {2}", In.Source, B.Path,
                               In.Weight)
                     .str()))
        return E;
    }
    return llvm::Error::success();
  }

  llvm::Error addStacks(const WeightedProfile &In, llvm::ArrayRef<uint32_t> FrameIds) {
    Arith A;
    for (const StackCount &S : In.P.Stacks) {
      std::vector<Frame> Frames = S.Frames;
      for (Frame &F : Frames) {
        if (F.Binary == Frame::kNoBinary)
          continue;
        if (F.Binary >= FrameIds.size())
          return makeError("{0}: stack frame names binary {1} of {2}", In.Source, F.Binary,
                           FrameIds.size());
        F.Binary = FrameIds[F.Binary];
      }
      uint64_t &C = Stacks[std::move(Frames)];
      C = A.add(C, A.mul(S.Count, In.Weight));
    }
    return overflowError(A, llvm::formatv("{0}: stacks", In.Source).str());
  }

  static Provenance provenanceOf(const WeightedProfile &In) {
    Provenance P;
    P.Source = In.Source;
    P.Kind = "pgoprof";
    auto Host = In.P.Meta.Labels.find("host");
    if (Host != In.P.Meta.Labels.end())
      P.Host = Host->second;
    P.Samples = In.P.Meta.TotalSamples;
    P.TimeStartNs = In.P.Meta.TimeStartNs;
    P.TimeEndNs = In.P.Meta.TimeEndNs;
    return P;
  }

  void addProvenance(const WeightedProfile &In, Arith &A) {
    std::vector<Provenance> List = In.P.Meta.Inputs;
    if (List.empty())
      List.push_back(provenanceOf(In));
    for (Provenance &P : List) {
      P.Weight = A.mul(P.Weight, In.Weight);
      Meta.Inputs.push_back(std::move(P));
    }
  }

  llvm::Error addMeta(const WeightedProfile &In) {
    const ProfileMetadata &M = In.P.Meta;
    bool First = NumInputs == 0;
    Meta.Event = joinValueSets(First ? "" : Meta.Event, M.Event);
    if (First) {
      Meta.SamplePeriod = M.SamplePeriod;
      Meta.SampleFreq = M.SampleFreq;
      Meta.Mode = M.Mode;
      Meta.TimeStartNs = M.TimeStartNs;
      Meta.TimeEndNs = M.TimeEndNs;
    } else {
      if (Meta.SamplePeriod != M.SamplePeriod)
        Meta.SamplePeriod = 0;
      if (Meta.SampleFreq != M.SampleFreq)
        Meta.SampleFreq = 0;
      if (Meta.Mode != M.Mode)
        Meta.Mode = ProfileMode::Unknown;
      Meta.TimeStartNs = minNonzero(Meta.TimeStartNs, M.TimeStartNs);
      Meta.TimeEndNs = std::max(Meta.TimeEndNs, M.TimeEndNs);
    }
    for (const auto &[K, V] : M.Labels) {
      auto It = Meta.Labels.find(K);
      Meta.Labels[K] = joinValueSets(It == Meta.Labels.end() ? "" : It->second, V);
    }
    Arith A;
    Meta.TotalSamples = A.add(Meta.TotalSamples, A.mul(M.TotalSamples, In.Weight));
    Meta.LostSamples = A.add(Meta.LostSamples, A.mul(M.LostSamples, In.Weight));
    Meta.UnmappedSamples = A.add(Meta.UnmappedSamples, A.mul(M.UnmappedSamples, In.Weight));
    addProvenance(In, A);
    return overflowError(A, llvm::formatv("{0}: metadata sample totals", In.Source).str());
  }

  /// Puts the file-offset counts of B into its vaddr counts when both exist.
  llvm::Error reconcile(BinAcc &B) {
    if (!B.HasOffset || !B.HasVaddr)
      return llvm::Error::success();
    if (Opts.MixedSpaces == MixedSpacePolicy::Error)
      return makeError("{0} has ELF vaddrs in {1} but file offsets in {2}; refusing to "
                       "sum different address spaces",
                       describe(B), B.VaddrSource, B.OffsetSource);
    if (B.Segments.empty())
      return makeError("{0} has ELF vaddrs in {1} but file offsets in {2}, and no input "
                       "recorded its PT_LOAD segments to convert them; re-import {2} "
                       "with the binary available",
                       describe(B), B.VaddrSource, B.OffsetSource);
    if (llvm::Error E = convertCounts(B, B.Offset))
      return E;
    Arith A;
    addCounts(B.Vaddr, toBinaryProfile(B.Offset), 1, A);
    B.Offset = Counts();
    B.HasOffset = false;
    return overflowError(A, describe(B));
  }

  static BinaryProfile toBinaryProfile(Counts &C) {
    BinaryProfile P;
    P.Branches = std::move(C.Branches);
    P.Ranges = std::move(C.Ranges);
    P.Traces = std::move(C.Traces);
    P.Samples = std::move(C.Samples);
    P.Functions = std::move(C.Functions);
    return P;
  }

  /// Renumbers stack frames to the final binary order (Index[id]); frames of
  /// converted binaries get vaddrs.
  llvm::Error finishStacks(llvm::ArrayRef<uint32_t> Index,
                           const std::vector<bool> &Converted, Profile &Out) {
    std::map<std::vector<Frame>, uint64_t> Final;
    Arith A;
    for (auto &[Frames, Count] : Stacks) {
      std::vector<Frame> F = Frames;
      for (Frame &Fr : F) {
        if (Fr.Binary == Frame::kNoBinary)
          continue;
        uint32_t Id = Fr.Binary >> 1;
        if ((Fr.Binary & 1) && Converted[Id])
          if (llvm::Error E = toVaddr(Bins[Id], Fr.Addr))
            return E;
        Fr.Binary = Index[Id];
      }
      uint64_t &C = Final[std::move(F)];
      C = A.add(C, Count);
    }
    for (auto &[Frames, Count] : Final)
      Out.Stacks.push_back({Frames, Count});
    return overflowError(A, "stacks");
  }
};

Merger::Merger(const MergeOptions &Opts) : I(std::make_unique<Impl>()) { I->Opts = Opts; }
Merger::~Merger() = default;
Merger::Merger(Merger &&) = default;
Merger &Merger::operator=(Merger &&) = default;

llvm::Error Merger::add(WeightedProfile In) {
  if (In.Weight == 0)
    return makeError("{0}: weight must be at least 1", In.Source);
  std::vector<uint32_t> FrameIds;
  if (llvm::Error E = I->addBinaries(In, FrameIds))
    return E;
  if (llvm::Error E = I->addStacks(In, FrameIds))
    return E;
  if (llvm::Error E = I->addMeta(In))
    return E;
  ++I->NumInputs;
  return llvm::Error::success();
}

llvm::Expected<Profile> Merger::finish() {
  if (I->NumInputs == 0)
    return makeError("no profiles to merge");
  Profile Out;
  Out.Meta = I->Meta;
  Out.Meta.ToolVersion = toolVersion().str();
  std::vector<uint32_t> Index(I->Bins.size());
  std::vector<bool> Converted(I->Bins.size());
  for (auto &[Key, Id] : I->KeyToId) { // key order = canonical binary order
    BinAcc &B = I->Bins[Id];
    Converted[Id] = B.HasOffset && B.HasVaddr;
    if (llvm::Error E = I->reconcile(B))
      return std::move(E);
    Index[Id] = uint32_t(Out.Binaries.size());
    BinaryProfile P = Impl::toBinaryProfile(B.HasOffset ? B.Offset : B.Vaddr);
    P.BuildId = B.BuildId;
    P.Path = B.Path;
    P.IsKernel = B.IsKernel;
    P.Space = B.HasOffset ? AddressSpace::FileOffset : AddressSpace::ElfVaddr;
    P.Segments = B.Segments;
    Out.Binaries.push_back(std::move(P));
  }
  if (llvm::Error E = I->finishStacks(Index, Converted, Out))
    return std::move(E);
  Out.canonicalize();
  return Out;
}

llvm::Expected<Profile> mergeProfiles(llvm::ArrayRef<WeightedProfile> Inputs,
                                      const MergeOptions &Opts) {
  Merger M(Opts);
  for (const WeightedProfile &In : Inputs)
    if (llvm::Error E = M.add(In))
      return std::move(E);
  return M.finish();
}

} // namespace pgoctl
