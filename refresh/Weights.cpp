// refresh/Weights.cpp: see Weights.h.
#include "refresh/Weights.h"

#include "core/Error.h"

#include <cmath>

namespace pgoctl::refresh {

llvm::Expected<HostWeight> parseHostWeight(llvm::StringRef Text) {
  if (Text == "equal")
    return HostWeight::Equal;
  if (Text == "none")
    return HostWeight::None;
  return makeKindError(ErrorKind::Usage, "--host-weight `{0}`: equal or none",
                       escapeForTerminal(Text, 64));
}

llvm::StringRef hostWeightName(HostWeight W) { return W == HostWeight::Equal ? "equal" : "none"; }

uint64_t decayWeight(int64_t Start, const WeightOptions &O) {
  int64_t Age = Start >= O.Now ? 0 : O.Now - Start;
  // age / half-life = Q + R / HalfLife: 2^-Q is a shift, 2^(-R/HalfLife) in
  // [0.5, 1] is the only non-integer step (one exp2 of a value that depends
  // on the start alone, so every process computes the same weight).
  int64_t Q = Age / O.HalfLife, R = Age % O.HalfLife;
  if (Q > int64_t(kDecayBits))
    return 0;
  double F = std::exp2(-double(R) / double(O.HalfLife)); // (0.5, 1]
  uint64_t W = uint64_t(std::llround(std::ldexp(F, int(kDecayBits))));
  return W >> Q;
}

Scale hostScale(uint64_t DecayedTotal, const WeightOptions &O) {
  if (O.Hosts == HostWeight::None)
    return {1, uint64_t(1) << (kDecayBits - kNoneFracBits), uint64_t(1) << kNoneFracBits};
  return {uint64_t(1) << kHostBits, DecayedTotal};
}

double effectiveWeight(const Scale &S) {
  if (S.Den == 0)
    return 0;
  return double(S.Num) * double(uint64_t(1) << kDecayBits) / double(S.Den) / double(S.Unit);
}

} // namespace pgoctl::refresh
