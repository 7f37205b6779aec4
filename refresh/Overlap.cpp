// refresh/Overlap.cpp: see Overlap.h for the definition computed here.
#include "refresh/Overlap.h"

#include <algorithm>
#include <cmath>

namespace pgoctl::refresh {

using llvm::sampleprof::FunctionSamples;
using llvm::sampleprof::SampleProfileMap;

namespace {

/// Line samples of F and of every inlinee below it.
uint64_t lineSamples(const FunctionSamples &F) {
  uint64_t Sum = 0;
  for (const auto &L : F.getBodySamples())
    Sum += L.second.getSamples();
  for (const auto &C : F.getCallsiteSamples())
    for (const auto &Callee : C.second)
      Sum += lineSamples(Callee.second);
  return Sum;
}

/// One matched top-level function: its totals, and what its lines add up to.
struct FunctionPass {
  double TotalA = 0, TotalB = 0; ///< S(f) in each profile
  double Difference = 0;         ///< D(f)
  uint64_t Min = 0, Max = 0;     ///< sample overlap numerator and denominator

  void unit(uint64_t A, uint64_t B) {
    double FA = TotalA > 0 ? double(A) / TotalA : 0;
    double FB = TotalB > 0 ? double(B) / TotalB : 0;
    Difference += std::fabs(FA - FB);
    Min += std::min(A, B);
    Max += std::max(A, B);
  }

  /// Lines of A and B (the function or one inlinee of it in both profiles).
  void compare(const FunctionSamples &A, const FunctionSamples &B) {
    const auto &BodyA = A.getBodySamples(), &BodyB = B.getBodySamples();
    for (const auto &L : BodyA) {
      auto It = BodyB.find(L.first);
      unit(L.second.getSamples(), It == BodyB.end() ? 0 : It->second.getSamples());
    }
    for (const auto &L : BodyB)
      if (!BodyA.count(L.first))
        unit(0, L.second.getSamples());

    const auto &SitesA = A.getCallsiteSamples(), &SitesB = B.getCallsiteSamples();
    for (const auto &Site : SitesA) {
      auto Other = SitesB.find(Site.first);
      for (const auto &Callee : Site.second) {
        const FunctionSamples *Match = nullptr;
        if (Other != SitesB.end())
          if (auto It = Other->second.find(Callee.first); It != Other->second.end())
            Match = &It->second;
        if (Match)
          compare(Callee.second, *Match);
        else
          unit(lineSamples(Callee.second), 0);
      }
    }
    for (const auto &Site : SitesB) {
      auto Other = SitesA.find(Site.first);
      for (const auto &Callee : Site.second)
        if (Other == SitesA.end() || !Other->second.count(Callee.first))
          unit(0, lineSamples(Callee.second));
    }
  }
};

} // namespace

OverlapFigures computeOverlap(const SampleProfileMap &A, const SampleProfileMap &B) {
  OverlapFigures R;
  for (const auto &F : A)
    R.SamplesA += lineSamples(F.second);
  for (const auto &F : B)
    R.SamplesB += lineSamples(F.second);
  if (R.SamplesA == 0 || R.SamplesB == 0)
    return R;
  R.Defined = true;
  // llvm-profdata rounds figures within this distance of 0 or 1 (float sums).
  constexpr double Epsilon = 0.000005;
  double Similarity = 0;
  uint64_t Min = 0, Max = 0;
  for (const auto &F : A) {
    uint64_t SA = lineSamples(F.second);
    auto It = B.find(F.second.getContext());
    if (It == B.end()) {
      Max += SA;
      continue;
    }
    ++R.FunctionsMatched;
    FunctionPass P;
    P.TotalA = double(SA);
    P.TotalB = double(lineSamples(It->second));
    P.compare(F.second, It->second);
    double Internal = (2.0 - P.Difference) / 2;
    if (std::fabs(Internal) < Epsilon)
      Internal = 0;
    double WA = P.TotalA / double(R.SamplesA), WB = P.TotalB / double(R.SamplesB);
    double FS = Internal * (1 - std::fabs(WA - WB));
    Similarity += FS * (WA + WB) / 2;
    Min += P.Min;
    Max += P.Max;
  }
  for (const auto &F : B)
    if (A.find(F.second.getContext()) == A.end())
      Max += lineSamples(F.second);
  if (std::fabs(Similarity - 1) < Epsilon)
    Similarity = 1;
  R.Similarity = std::clamp(Similarity, 0.0, 1.0);
  R.SampleOverlap = Max ? double(Min) / double(Max) : 0;
  return R;
}

double sampleOverlap(const SampleProfileMap &A, const SampleProfileMap &B) {
  return computeOverlap(A, B).Similarity;
}

} // namespace pgoctl::refresh
