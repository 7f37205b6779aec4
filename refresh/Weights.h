// refresh/Weights.h: how much each window of the period counts.
//
// Two factors, both exact integers so that the merged counts do not depend
// on the order or grouping of windows (`--shard I/N --partial` + `--reduce`
// give the bytes of one process):
//
//  - decay by age: a window that started `age` seconds before --now gets the
//    integer weight d = round(2^24 * 2^(-age / half-life)) (2^24 at age 0,
//    half that one half-life earlier; 0 beyond 24 half-lives: left out). It
//    is a function of the window's start alone.
//  - per-host normalization (--host-weight): a host's windows are summed
//    with their decay weights (exact 64-bit integer sums, overflow an error),
//    giving counts N and the host's decayed total T = sum of d x the
//    window's samples (Meta.TotalSamples). Then
//      equal  every count becomes floor(N * 2^32 / T): each host's decayed
//             total counts the same (2^32 samples), so one busy or
//             misbehaving host cannot dominate;
//      none   every count becomes N / 2^8 (exact: N is a multiple of
//             2^8 only at age 0, so floor): raw samples, decayed, in units
//             of 2^-16 of a sample, so a single sample a little older than
//             now does not round down to nothing.
//    The host's result depends on that host's windows only; hosts are then
//    summed as integers (merge/). Sharding splits hosts, never a host.
// core/ProfileScale.h does the rounding (ranges stay the sums of traces).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace pgoctl::refresh {

enum class HostWeight { Equal, None };

/// `equal` or `none`; anything else is a usage error.
llvm::Expected<HostWeight> parseHostWeight(llvm::StringRef Text);
llvm::StringRef hostWeightName(HostWeight W);

inline constexpr unsigned kDecayBits = 24; ///< the decay weight of age 0 is 2^24
inline constexpr unsigned kHostBits = 32;  ///< `equal`: a host's decayed total becomes 2^32
inline constexpr unsigned kNoneFracBits = 16; ///< `none`: a raw sample of age 0 becomes 2^16

struct WeightOptions {
  int64_t Now = 0;               ///< seconds since 1970 (--now)
  int64_t HalfLife = 3 * 86400;  ///< seconds (--half-life), > 0
  HostWeight Hosts = HostWeight::Equal;
};

/// round(2^24 * 2^(-age/HalfLife)), age = max(0, Now - Start); 0 when the
/// window is more than 24 half-lives old.
uint64_t decayWeight(int64_t Start, const WeightOptions &O);

/// The fraction a host's decay-weighted sum is scaled by (core/ProfileScale.h).
struct Scale {
  uint64_t Num = 1, Den = 1;
  uint64_t Unit = 1; ///< what a raw sample of age 0 becomes, over 2^24 * Num / Den
};
/// DecayedTotal: the host's sum of decay weight x window samples. With
/// `equal` and a zero total the host has no samples to normalize: Den 0,
/// which the caller reports and leaves the host out for.
Scale hostScale(uint64_t DecayedTotal, const WeightOptions &O);

/// The weight a host's samples got, relative to a raw sample of age 0
/// (for provenance and the change note): 2^24 * Num / Den / Unit.
double effectiveWeight(const Scale &S);

} // namespace pgoctl::refresh
