// core/Profile.cpp: canonical ordering of a profile (sorted, deduplicated).
#include "core/Profile.h"

#include "llvm/Support/Path.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace pgoctl {

llvm::StringRef modeName(ProfileMode M) {
  switch (M) {
  case ProfileMode::IpSamples:
    return "ip";
  case ProfileMode::Lbr:
    return "lbr";
  case ProfileMode::Unknown:
    break;
  }
  return "unknown";
}

llvm::StringRef toolVersion() { return "pgoctl 0.1.0"; }

std::string BinaryProfile::key() const {
  return BuildId.empty() ? "path:" + Path : "buildid:" + BuildId;
}

uint64_t BinaryProfile::totalSamples() const {
  uint64_t N = 0;
  for (const AddrCount &S : Samples)
    N = llvm::SaturatingAdd(N, S.Count);
  return N;
}

bool isSharedLibrary(const BinaryProfile &B) {
  return llvm::sys::path::filename(B.Path).contains(".so");
}

const BinaryProfile *mainBinary(const Profile &P) {
  auto isLib = isSharedLibrary;
  auto weight = [](const BinaryProfile &B) {
    uint64_t N = B.totalSamples();
    for (const BranchCount &Br : B.Branches)
      N = llvm::SaturatingAdd(N, Br.Count);
    return N;
  };
  const BinaryProfile *Best = nullptr;
  for (const BinaryProfile &B : P.Binaries)
    if (!B.IsKernel && !llvm::StringRef(B.Path).starts_with("[") &&
        (!Best || std::make_pair(!isLib(B), weight(B)) >
                      std::make_pair(!isLib(*Best), weight(*Best))))
      Best = &B;
  return Best;
}

std::vector<RangeCount> rangesOfTraces(llvm::ArrayRef<TraceCount> Traces) {
  std::vector<RangeCount> Out;
  for (const TraceCount &T : Traces) {
    if (!Out.empty() && Out.back().Begin == T.Begin && Out.back().End == T.End)
      Out.back().Count = llvm::SaturatingAdd(Out.back().Count, T.Count);
    else
      Out.push_back({T.Begin, T.End, T.Count});
  }
  return Out;
}

std::vector<RangeCount> BinaryProfile::untracedRanges() const {
  std::vector<RangeCount> Traced = rangesOfTraces(Traces), Out;
  auto Key = [](const RangeCount &R) { return std::pair(R.Begin, R.End); };
  size_t J = 0;
  for (const RangeCount &R : Ranges) {
    while (J < Traced.size() && Key(Traced[J]) < Key(R))
      ++J;
    uint64_t Covered = J < Traced.size() && Key(Traced[J]) == Key(R) ? Traced[J].Count : 0;
    // A range no trace covers is kept whatever its count (a zero count read
    // from a file too, so that writing it back gives the same profile).
    if (R.Count > Covered || Covered == 0)
      Out.push_back({R.Begin, R.End, R.Count - Covered});
  }
  return Out;
}

namespace {
// Sorts V by Key and folds runs of equal keys with Fold(into, from). The folds
// below sum counts saturating at UINT64_MAX: a wrapped sum would turn two huge
// counts into a small one without a word.
template <typename T, typename KeyFn, typename FoldFn>
void sortAndFold(std::vector<T> &V, KeyFn Key, FoldFn Fold) {
  std::sort(V.begin(), V.end(),
            [&](const T &A, const T &B) { return Key(A) < Key(B); });
  size_t Out = 0;
  for (size_t I = 0; I < V.size(); ++I) {
    if (Out > 0 && Key(V[Out - 1]) == Key(V[I]))
      Fold(V[Out - 1], V[I]);
    else if (Out != I)
      V[Out++] = std::move(V[I]);
    else
      ++Out;
  }
  V.resize(Out);
}

} // namespace

void BinaryProfile::canonicalize() {
  BinaryProfile &B = *this;
  sortAndFold(
      B.Branches, [](const BranchCount &X) { return std::pair(X.From, X.To); },
      [](BranchCount &A, const BranchCount &X) {
        A.Count = llvm::SaturatingAdd(A.Count, X.Count);
        A.Mispreds = llvm::SaturatingAdd(A.Mispreds, X.Mispreds);
      });
  sortAndFold(
      B.Ranges, [](const RangeCount &X) { return std::pair(X.Begin, X.End); },
      [](RangeCount &A, const RangeCount &X) { A.Count = llvm::SaturatingAdd(A.Count, X.Count); });
  sortAndFold(
      B.Traces, [](const TraceCount &X) { return std::tuple(X.Begin, X.End, X.Branch); },
      [](TraceCount &A, const TraceCount &X) { A.Count = llvm::SaturatingAdd(A.Count, X.Count); });
  sortAndFold(
      B.Samples, [](const AddrCount &X) { return X.Addr; },
      [](AddrCount &A, const AddrCount &X) { A.Count = llvm::SaturatingAdd(A.Count, X.Count); });
  sortAndFold(
      B.Functions, [](const FunctionCount &X) -> const std::string & { return X.Name; },
      [](FunctionCount &A, const FunctionCount &X) {
        A.Self = llvm::SaturatingAdd(A.Self, X.Self);
        A.Total = llvm::SaturatingAdd(A.Total, X.Total);
      });
  std::sort(B.Segments.begin(), B.Segments.end());
  B.Segments.erase(std::unique(B.Segments.begin(), B.Segments.end()), B.Segments.end());
}

namespace {

template <typename T> void append(std::vector<T> &Into, std::vector<T> &From) {
  Into.insert(Into.end(), std::make_move_iterator(From.begin()),
              std::make_move_iterator(From.end()));
  From.clear();
}
} // namespace

void Profile::canonicalize() {
  // 1. Order binaries by identity; binaries with the same identity are folded.
  std::vector<uint32_t> Order(Binaries.size());
  std::iota(Order.begin(), Order.end(), 0);
  std::vector<std::string> Keys;
  Keys.reserve(Binaries.size());
  for (const BinaryProfile &B : Binaries)
    Keys.push_back(B.key());
  std::stable_sort(Order.begin(), Order.end(),
                   [&](uint32_t A, uint32_t B) { return Keys[A] < Keys[B]; });
  std::vector<uint32_t> NewIndex(Binaries.size());
  std::vector<BinaryProfile> Sorted;
  for (uint32_t Old : Order) {
    if (!Sorted.empty() && Sorted.back().key() == Keys[Old]) {
      BinaryProfile &Dst = Sorted.back();
      BinaryProfile &Src = Binaries[Old];
      append(Dst.Branches, Src.Branches);
      append(Dst.Ranges, Src.Ranges);
      append(Dst.Traces, Src.Traces);
      append(Dst.Samples, Src.Samples);
      append(Dst.Functions, Src.Functions);
      if (Dst.Segments.empty())
        Dst.Segments = std::move(Src.Segments);
      // Paths can differ for one build-id; keep the smallest for determinism.
      if (Src.Path < Dst.Path)
        Dst.Path = Src.Path;
    } else {
      Sorted.push_back(std::move(Binaries[Old]));
    }
    NewIndex[Old] = uint32_t(Sorted.size() - 1);
  }
  Binaries = std::move(Sorted);
  for (BinaryProfile &B : Binaries)
    B.canonicalize();

  // 2. Renumber frames, then sort and fold stacks.
  for (StackCount &S : Stacks)
    for (Frame &F : S.Frames)
      if (F.Binary != Frame::kNoBinary)
        F.Binary = NewIndex[F.Binary];
  sortAndFold(
      Stacks, [](const StackCount &S) -> const std::vector<Frame> & { return S.Frames; },
      [](StackCount &A, const StackCount &X) { A.Count = llvm::SaturatingAdd(A.Count, X.Count); });

  // 3. Provenance in a canonical order, so merge order does not matter.
  std::sort(Meta.Inputs.begin(), Meta.Inputs.end());
}

const BinaryProfile *Profile::findBinary(llvm::StringRef Key) const {
  for (const BinaryProfile &B : Binaries)
    if (B.key() == Key)
      return &B;
  return nullptr;
}

std::optional<uint64_t> fileOffsetToVaddr(llvm::ArrayRef<LoadSegment> Segments,
                                          uint64_t Offset) {
  for (const LoadSegment &S : Segments)
    if (Offset >= S.FileOffset && Offset - S.FileOffset < S.FileSize)
      return S.VAddr + (Offset - S.FileOffset);
  return std::nullopt;
}

} // namespace pgoctl
