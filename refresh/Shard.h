// refresh/Shard.h: the weighted sum of a period's windows, in one process or
// split over N (`--shard I/N --partial --run ID`, then `--reduce --run ID`).
//
// accumulate() downloads the windows of the hosts of its shard, host by
// host: a host's windows are summed with their decay weights
// (refresh/Weights.h), the sum is scaled by the host's normalization, and
// the hosts are summed (merge/, exact integers). Hosts go to shard
// xxh3_64(host) mod N (LLVM's xxh3: the same on every machine), so a host's
// windows, and thus its normalization, are in one shard. Memory: one window,
// one host's sum and the shard's sum.
//
// A partial is two objects of the store:
//   partials/<service>/<run>/<i>-of-<n>.pgoprof  the shard's sum
//   partials/<service>/<run>/<i>-of-<n>.json     its statistics and options
// reduce() reads all N (each must be there, once, with the same options)
// and sums them: merge/ is associative and commutative and every host's
// scaling is done inside its shard, so the result has the bytes of the
// single-process sum.
#pragma once

#include "core/Profile.h"
#include "refresh/Weights.h"
#include "refresh/Windows.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl::refresh {

/// `--shard I/N`: 0 <= I < N (Kubernetes' JOB_COMPLETION_INDEX is I).
struct ShardSpec {
  unsigned Index = 0, Count = 1;
};
inline constexpr unsigned kMaxShards = 100000;
inline bool validShard(const ShardSpec &S) {
  return S.Count > 0 && S.Index < S.Count && S.Count <= kMaxShards;
}
llvm::Expected<ShardSpec> parseShard(llvm::StringRef Text);
bool hostInShard(llvm::StringRef Host, const ShardSpec &S);

struct HostStat {
  std::string Host;
  uint64_t Windows = 0, Samples = 0; ///< raw samples (the windows' totals)
  uint64_t DecayedTotal = 0;         ///< sum of decay weight x samples
  Scale S;                           ///< the host's normalization
};
struct BuildStat {
  std::string BuildId;
  uint64_t Windows = 0, Samples = 0;
  std::vector<std::string> Keys; ///< its windows, sorted
};

/// The weighted sum and what it is made of.
struct Accumulated {
  Profile P;          ///< meaningful when Windows > 0
  uint64_t Windows = 0;
  uint64_t TooOld = 0;  ///< windows whose decay weight is 0
  uint64_t Samples = 0; ///< raw samples of the windows summed
  /// Of those, in the binary whose build-id the window's key names (the
  /// service's binary): the window's samples times the share of its
  /// events (IP samples, branch records) in that binary.
  uint64_t SamplesInService = 0;
  int64_t FirstStart = 0, LastStart = 0;
  std::vector<HostStat> Hosts;   ///< sorted by host
  std::vector<BuildStat> Builds; ///< sorted by build-id
  std::vector<std::string> Keys; ///< windows summed, sorted
  std::vector<std::string> Warnings;
};

/// Brings the weighted sum back to 2^kRawScaleBits times the raw samples it
/// came from (every count times 16 x Samples / the sum's own sample total,
/// rounded down): the weights set proportions, and counts of 2^32 per host
/// would otherwise reach the toolchain (LLVM's profile inference works in
/// 64-bit flow costs); the factor 16 keeps a host's single samples from
/// rounding down to nothing. A function of A alone, so sharded and single
/// runs stay byte-identical.
inline constexpr unsigned kRawScaleBits = 4;
void scaleToRawSamples(Accumulated &A);

struct AccumulateOptions {
  WeightOptions Weights;
  ShardSpec Shard;
  uint64_t MaxMemory = 0; ///< bound of one window's read (0: defaultMaxMemory())
};

llvm::Expected<Accumulated> accumulate(store::Store &S, const WindowSelection &Sel,
                                       const AccumulateOptions &O);

/// One window, downloaded and parsed (MaxMemory as AccumulateOptions').
llvm::Expected<Profile> readWindow(store::Store &S, const WindowRef &W, uint64_t MaxMemory);

/// What a partial records besides its sum, so reduce needs no flag but --run.
struct PartialHeader {
  std::string Service, Run;
  ShardSpec Shard;
  int64_t Now = 0, Since = 0, HalfLife = 0;
  HostWeight Hosts = HostWeight::Equal;
};

std::string partialKey(llvm::StringRef Service, llvm::StringRef Run, const ShardSpec &S,
                       llvm::StringRef Ext);

/// A partial's statistics as JSON (format pgoctl-refresh-partial-1), and
/// back (Partial.cpp). The reader takes the text as hostile (a store anyone with write
/// access can fill): every field is checked for type and range (a shard I/N
/// as --shard takes it, positive durations, host scales with a nonzero
/// denominator), and errors of kind Damaged name the object.
std::string renderPartialJson(const PartialHeader &H, const Accumulated &A);
llvm::Error parsePartialJson(const std::string &Text, llvm::StringRef Name, PartialHeader &H,
                             Accumulated &A);

/// Writes the shard's sum and statistics (the .json last).
llvm::Error writePartial(store::Store &S, const PartialHeader &H, const Accumulated &A);

/// Reads the N partials of a run and sums them. Errors: a partial missing or
/// twice, partials of different options, a host in two shards.
llvm::Expected<Accumulated> reducePartials(store::Store &S, llvm::StringRef Service,
                                           llvm::StringRef Run, uint64_t MaxMemory,
                                           PartialHeader &Header);

} // namespace pgoctl::refresh
