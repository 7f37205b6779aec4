// core/ProfileScale.cpp: see ProfileScale.h.
#include "core/ProfileScale.h"

#include <algorithm>
#include <cassert>

namespace pgoctl {

uint64_t scaleCount(uint64_t C, uint64_t Num, uint64_t Den, bool &Saturated) {
  assert(Den > 0 && "scaleCount: zero denominator");
  unsigned __int128 V = (unsigned __int128)C * Num / Den;
  if (V > UINT64_MAX) {
    Saturated = true;
    return UINT64_MAX;
  }
  return uint64_t(V);
}

namespace {
struct Scaler {
  uint64_t Num, Den, Saturated = 0;
  uint64_t operator()(uint64_t C) {
    bool Sat = false;
    uint64_t V = scaleCount(C, Num, Den, Sat);
    Saturated += Sat;
    return V;
  }
};

/// Scales each record's count with Get/Set and drops those that became zero.
template <typename T, typename CountFn> void scaleAll(std::vector<T> &V, CountFn Count, Scaler &S) {
  size_t Out = 0;
  for (size_t I = 0; I < V.size(); ++I) {
    uint64_t &C = Count(V[I]);
    bool WasZero = C == 0;
    C = S(C);
    if (C == 0 && !WasZero)
      continue;
    // Not onto itself: a self-move empties a vector (a stack's frames).
    if (Out != I)
      V[Out] = std::move(V[I]);
    ++Out;
  }
  V.resize(Out);
}
} // namespace

uint64_t scaleCounts(Profile &P, uint64_t Num, uint64_t Den) {
  Scaler S{Num, Den};
  for (BinaryProfile &B : P.Binaries) {
    std::vector<RangeCount> Untraced = B.untracedRanges();
    scaleAll(Untraced, [](RangeCount &R) -> uint64_t & { return R.Count; }, S);
    scaleAll(B.Traces, [](TraceCount &T) -> uint64_t & { return T.Count; }, S);
    // Ranges: the scaled untraced part plus the scaled traces' sums.
    B.Ranges = rangesOfTraces(B.Traces);
    B.Ranges.insert(B.Ranges.end(), Untraced.begin(), Untraced.end());
    for (BranchCount &Br : B.Branches)
      Br.Mispreds = S(Br.Mispreds);
    scaleAll(B.Branches, [](BranchCount &Br) -> uint64_t & { return Br.Count; }, S);
    scaleAll(B.Samples, [](AddrCount &A) -> uint64_t & { return A.Count; }, S);
    for (FunctionCount &F : B.Functions)
      F.Self = S(F.Self);
    scaleAll(B.Functions, [](FunctionCount &F) -> uint64_t & { return F.Total; }, S);
    B.canonicalize(); // folds the two range lists
  }
  scaleAll(P.Stacks, [](StackCount &St) -> uint64_t & { return St.Count; }, S);
  P.Meta.TotalSamples = S(P.Meta.TotalSamples);
  P.Meta.LostSamples = S(P.Meta.LostSamples);
  P.Meta.UnmappedSamples = S(P.Meta.UnmappedSamples);
  return S.Saturated;
}

} // namespace pgoctl
