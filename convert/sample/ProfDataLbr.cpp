// convert/sample/ProfDataLbr.cpp: LBR counts to FunctionSamples, as llvm-profgen
// does for a non-context-sensitive profile.
//
// 1. Ranges: a fall-through range counts when both ends are instructions of
//    the binary (llvm-profgen's addressIsCode) and no call, return or direct
//    jmp lies inside it (isValidFallThroughRange: such ranges come from
//    duplicated LBR entries).
// 2. Every instruction of a range gets the range's count; the instructions of
//    every function holding a range start are visited too, with count 0, so
//    the compiler sees cold code as cold (llvm-profgen's
//    preprocessRangeCounter). Overlapping ranges add up: the per-instruction
//    count is a prefix sum over a difference array, one per region of
//    contiguous instructions, so each instruction is visited once.
// 3. Branches whose target starts a function entry give a call target at the
//    source's leaf location and head samples to the callee; a source outside
//    the binary gives head samples only.
// Deliberate difference: a jump (not a call) from inside a function to its
// own entry, a loop whose header is the entry, is not counted as a call;
// llvm-profgen counts it as a recursive call.
#include "convert/sample/SampleBuilder.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

namespace pgoctl::convert {

namespace {

struct InstRange {
  uint32_t B = 0, E = 0; ///< instruction indices, inclusive
  uint64_t Count = 0;
};

/// Step 1: the valid ranges, as instruction indices.
std::vector<InstRange> validRanges(const BinaryProfile &B, const Symbolizer &S,
                                   ConvertSummary &Sum) {
  std::vector<InstRange> Out;
  uint64_t NotCode = 0, Crossing = 0;
  for (const RangeCount &R : B.Ranges) {
    Sum.Samples += R.Count;
    std::optional<uint32_t> Bi = S.findInst(R.Begin), Ei = S.findInst(R.End);
    if (!Bi || !Ei || *Bi > *Ei) {
      NotCode += R.Count;
      continue;
    }
    if (S.crossesUncondBranch(*Bi, *Ei)) {
      Crossing += R.Count;
      continue;
    }
    Out.push_back({*Bi, *Ei, R.Count});
  }
  if (NotCode)
    Sum.Dropped.push_back(llvm::formatv("{0} range counts of {1} with an end outside the "
                                        "disassembled code (PLT, data, stale binary?)",
                                        NotCode, B.Path));
  if (Crossing)
    Sum.Dropped.push_back(llvm::formatv("{0} range counts of {1} across a call, return or "
                                        "jmp (duplicated LBR entries)",
                                        Crossing, B.Path));
  return Out;
}

/// Step 2: per-instruction counts over the ranges and the functions they
/// start in.
InstCounts instructionCounts(const std::vector<InstRange> &Ranges, const Symbolizer &S,
                             ConvertSummary &Sum) {
  // Regions to visit: the ranges plus every range of each touched function.
  std::vector<std::pair<uint32_t, uint32_t>> Spans; // inclusive
  std::vector<bool> Touched(S.functions().size(), false);
  for (const InstRange &R : Ranges) {
    Spans.emplace_back(R.B, R.E);
    if (const FuncRange *F = S.funcRangeAt(S.instAddr(R.B))) {
      Sum.SamplesAttributed += R.Count;
      Touched[F->Func] = true;
    }
  }
  for (uint32_t F = 0; F < Touched.size(); ++F)
    if (Touched[F])
      for (const auto &[Lo, Hi] : S.functions()[F].Ranges) {
        uint32_t I = S.instLowerBound(Lo), J = I;
        while (J < S.numInsts() && S.instAddr(J) < Hi)
          ++J;
        if (J > I)
          Spans.emplace_back(I, J - 1);
      }
  llvm::sort(Spans);
  // Merge into disjoint regions, each with its slice of one flat difference
  // array (a slot per instruction plus one past the region's end).
  struct Region {
    uint32_t B, E;
    size_t Off;
  };
  std::vector<Region> Regions;
  size_t Total = 0;
  for (const auto &[B, E] : Spans) {
    if (!Regions.empty() && B <= Regions.back().E + 1) {
      if (E > Regions.back().E) {
        Total += E - Regions.back().E; // the region's end slot moves with it
        Regions.back().E = E;
      }
      continue;
    }
    Regions.push_back({B, E, Total});
    Total += E - B + 2; // one slot per instruction and one past the end
  }
  std::vector<int64_t> Diff(Total, 0);
  for (const InstRange &R : Ranges) {
    auto It = llvm::upper_bound(Regions, R.B,
                                [](uint32_t B, const Region &Rg) { return B < Rg.B; });
    const Region &Rg = *std::prev(It);
    Diff[Rg.Off + (R.B - Rg.B)] += int64_t(R.Count);
    Diff[Rg.Off + (R.E - Rg.B) + 1] -= int64_t(R.Count);
  }
  InstCounts Out;
  Out.reserve(Total);
  for (const Region &Rg : Regions) {
    int64_t Run = 0;
    for (uint32_t I = Rg.B; I <= Rg.E; ++I) {
      Run += Diff[Rg.Off + (I - Rg.B)];
      Out.emplace_back(I, uint64_t(Run));
    }
  }
  return Out;
}

/// Step 3: calls into function entries.
void addBranches(const BinaryProfile &B, Symbolizer &S, SampleBuilder &SB,
                 ConvertSummary &Sum) {
  for (const BranchCount &Br : B.Branches) {
    Sum.Branches += Br.Count;
    if (Br.To == kExternalAddress || !S.findInst(Br.To))
      continue;
    llvm::StringRef Callee = SampleBuilder::calleeAt(S, Br.To);
    if (Callee.empty())
      continue;
    std::optional<uint32_t> From;
    if (Br.From != kExternalAddress)
      From = S.findInst(Br.From);
    if (From && S.instKind(*From) != InstKind::Call) {
      const FuncRange *FromF = S.funcRangeAt(Br.From);
      const FuncRange *ToF = S.funcRangeAt(Br.To);
      if (FromF && ToF && FromF->Func == ToF->Func)
        continue; // a loop back to the entry, not a call
    }
    SB.addCall(S, From, Callee, Br.Count);
    Sum.BranchesAttributed += Br.Count;
  }
}

} // namespace

void addLbrSamples(const BinaryProfile &B, Symbolizer &S, SampleBuilder &SB,
                   ConvertSummary &Sum) {
  std::vector<InstRange> Ranges = validRanges(B, S, Sum);
  SB.addInstCounts(S, instructionCounts(Ranges, S, Sum));
  addBranches(B, S, SB, Sum);
}

} // namespace pgoctl::convert
