// refresh/Overlap.h: how alike two sample profiles are, as one number.
//
// The figure `llvm-profdata overlap --sample` prints as "Whole program profile
// similarity", computed from its definition (llvm-profdata's
// SampleOverlapAggregator documents it):
//   - a function's samples S(f) are the counts of its body lines plus those of
//     every inlinee below it; its weight W(f) = S(f) / the profile's total;
//   - a line (line offset, discriminator) of f has the share c/S(f) of f's
//     samples in each profile; an inlinee present in only one profile counts
//     as one line holding all its samples; an inlinee present in both is
//     compared line by line, with the shares still taken of S(f);
//   - D(f) = the sum of |share in A - share in B| over those lines (0..2), the
//     function-internal similarity FIS(f) = (2 - D(f)) / 2;
//   - FS(f) = FIS(f) * (1 - |W_A(f) - W_B(f)|); a function in one profile only
//     has FS = 0;
//   - similarity = sum over f of FS(f) * (W_A(f) + W_B(f)) / 2, in [0, 1].
// The same pass gives the "Whole program sample overlap": the sum over
// matched lines of min(count A, count B) divided by the sum of the max (lines
// and functions present in one profile only count with their samples).
// Functions are matched by their context (the name for a flat profile).
#pragma once

#include "llvm/ProfileData/SampleProf.h"

#include <cstdint>

namespace pgoctl::refresh {

struct OverlapFigures {
  double Similarity = 0;    ///< "Whole program profile similarity", 0..1
  double SampleOverlap = 0; ///< "Whole program sample overlap", 0..1
  uint64_t SamplesA = 0, SamplesB = 0; ///< line samples of each profile
  uint64_t FunctionsMatched = 0;
  /// False when either profile has no samples: llvm-profdata prints no
  /// figure then, and both figures here are 0.
  bool Defined = false;
};

/// Both figures for profiles A and B (symmetric in A and B).
OverlapFigures computeOverlap(const llvm::sampleprof::SampleProfileMap &A,
                              const llvm::sampleprof::SampleProfileMap &B);

/// The similarity of A and B in [0, 1] (0 when either has no samples).
double sampleOverlap(const llvm::sampleprof::SampleProfileMap &A,
                     const llvm::sampleprof::SampleProfileMap &B);

} // namespace pgoctl::refresh
