// convert/sample/Quality.h: how far a sample profile's counts can be trusted,
// and how much longer to record.
//
// Sampled counts are Poisson: a block seen in n samples (IP) or a range or
// branch seen in n LBR records has a relative standard error of about
// 1/sqrt(n), whatever the estimator makes of it afterwards; k times longer
// recording divides it by sqrt(k). The figures (all first principles, so a
// test can compute them by hand):
//  - hot functions: the fewest functions, by raw samples (IP samples; LBR:
//    taken-branch records leaving the function), largest first, ties by
//    name, that carry HotFraction (90%) of the samples attributed to
//    functions;
//  - hot blocks: the sampled (n >= 1) items of the hot functions: IP, the
//    basic blocks of the IP estimator's CFG (IpCfg.h); LBR, the fall-through
//    ranges and taken branches starting in the function;
//  - the hot-block error: the sample-weighted median of 1/sqrt(n) over the hot
//    blocks (the error of the block a typical hot sample lies in): the
//    smallest e such that blocks with error <= e hold half the hot blocks'
//    samples; and the share of hot blocks with fewer than ThinSamples (10);
//  - decisions that could flip: clang's hot count T is the profile summary's
//    MinCount at the 99% cutoff of the sample profile (ProfDataSummary.h,
//    LLVM's builder); a function whose hottest item (the largest count
//    estimate, IP: IpFlow's raw block estimate; LBR: the record count) has
//    count c from n samples could be hot in one recording and not in another
//    of the same length when |c - T| <= c / sqrt(n) (one standard error);
//    the hottest item rather than the head count because IP head counts are
//    often inferred from callers, with no samples of their own;
//  - entries without a sample (IP): the hot functions with no sample on
//    their entry block nor on a block that calls or tail-jumps to it
//    directly. Their entry count is then whatever the estimator's flow left
//    there; clang derives the function's block counts from it, and takes
//    a loop-heavy function's loops for cold in one recording and hot in
//    another (docs/ip-estimator-history.md, "Calls without a sample"). No
//    prior fixes that, so the line names them;
//  - the recommendation: record (e / TargetError)^2 times longer (at least 1)
//    to bring the hot-block error e to TargetError (5%: a median hot block of
//    400 samples);
//  - the verdict: good when e <= TargetError (5%), poor when there is no hot
//    block or e > PoorError (20%: a median hot block under 25 samples), thin
//    in between. So "good" is exactly "no need to record longer".
//  - the basis: IP samples of a time event (cpu-clock, cycles, an unknown
//    event) land on an instruction in proportion to the time it takes, not to
//    how often it runs, so the block counts lean toward stalls whatever the
//    length (bench/real-projects.md measures what that costs). The figures
//    above measure only sampling noise; the line says so, and what to record
//    instead. The verdict does not change: on a host without a PMU time is
//    all there is.
#pragma once

#include "convert/sample/ProfData.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pgoctl::convert {

struct QualityOptions {
  double HotFraction = 0.9;   ///< share of the samples the hot functions carry
  uint64_t ThinSamples = 10;  ///< a hot block under this many samples is "thin"
  double TargetError = 0.05;  ///< the hot-block error a good profile has at most
  double PoorError = 0.2;     ///< above it, the profile is poor
  uint32_t HotCutoff = 990000; ///< clang's hot cutoff (parts per million)
  /// Raw samples per stored count: 1 for a recording; refresh's weighted sums
  /// hold 16x their raw samples (refresh/Shard.h), so n = count x this.
  double SamplesPerCount = 1;
  size_t MaxFlipNames = 5; ///< how many of the functions that could flip to name
};

/// A block (IP) or a range or branch (LBR): its raw samples and the count
/// estimate clang's hot count is compared with.
struct QualityItem {
  uint64_t Samples = 0;
  uint64_t Count = 0;
};

struct QualityFunction {
  std::string Name;  ///< the linkage name (JSON)
  std::string Shown; ///< as the text line prints it (Symbolizer::displayName); empty: Name
  uint64_t Samples = 0; ///< raw samples (IP) or taken-branch records (LBR) of the function
  std::vector<QualityItem> Items;
  /// IP: a sample on the entry block or on a block calling it directly.
  bool EntrySampled = true;
};

/// What the figures are computed from; qualityInput() reads it from a
/// profile, a test writes it by hand.
struct QualityInput {
  bool Lbr = false;
  uint64_t Samples = 0;  ///< raw samples (LBR: branch records) of the binaries
  uint64_t HotCount = 0; ///< clang's hot count (0: none, nothing can flip)
  double Seconds = 0;    ///< the recording's length (0: unknown)
  bool TimeSamples = false; ///< IP samples of a time event (see the basis above)
  std::string Event;        ///< the recording's event as the file names it (may be empty)
  std::vector<QualityFunction> Functions;
};

enum class QualityVerdict { Good, Thin, Poor };
llvm::StringRef verdictName(QualityVerdict V); ///< "good", "thin", "poor"

struct FlipCandidate {
  std::string Name, Shown; ///< as QualityFunction's
  uint64_t Count = 0, Samples = 0;
};

/// A hot function whose entry count rests on no sample (IP).
struct UnsampledEntry {
  std::string Name, Shown; ///< as QualityFunction's
  uint64_t Samples = 0;    ///< the function's own
};

struct ProfileQuality {
  bool Lbr = false;
  uint64_t Samples = 0, SamplesAttributed = 0, HotSamples = 0;
  size_t Functions = 0, HotFunctions = 0;
  size_t HotBlocks = 0, ThinHotBlocks = 0;
  double HotBlockError = 1; ///< the sample-weighted median; 1 when no hot block
  double ThinShare = 0;     ///< ThinHotBlocks / HotBlocks
  uint64_t HotCount = 0;
  size_t FlipCount = 0;
  std::vector<FlipCandidate> Flips; ///< the closest to the threshold first, at most MaxFlipNames
  size_t UnsampledEntryCount = 0;
  std::vector<UnsampledEntry> UnsampledEntries; ///< the most samples first, at most MaxFlipNames
  double RecordFactor = 1;          ///< record this many times longer (>= 1)
  double Seconds = 0;               ///< the recording's length (0: unknown)
  double TargetError = 0.05;
  bool TimeSamples = false;
  std::string Event;
  QualityVerdict Verdict = QualityVerdict::Poor;
};

/// The figures of In (see the header comment).
ProfileQuality assessQuality(const QualityInput &In, const QualityOptions &O);

/// The input of assessQuality for binaries Ms of P whose sample profile is M
/// (buildSampleMap's, M.Syms in Ms' order): per function its blocks (IP) or
/// ranges and branches (LBR), clang's hot count of M.Map, P's time window.
QualityInput qualityInput(const Profile &P, llvm::ArrayRef<BinaryMatch> Ms, const SampleMap &M,
                          const QualityOptions &O);

/// What the samples count: LBR records count branches; IP samples follow
/// instructions retired or time (see the basis above). The lock's
/// `quality_basis` takes basisName().
enum class QualityBasis { Branches, Instructions, Time };
QualityBasis qualityBasis(const ProfileQuality &Q);
llvm::StringRef basisName(QualityBasis B); ///< "branches", "instructions", "time"

/// One line for a terminal (function names escaped):
/// `quality thin: 8123 samples, 7310 on 2 hot functions; hot-block error 12.5%
/// (median), 3 of 40 hot blocks under 10 samples; 1 function could flip
/// hot/cold (work); record ~6.3x longer (3 min instead of 30 s) for 5%`,
/// with IP samples `; 1 hot function has no sample on its entry or a call to
/// it (ProcessCommands): its entry count is a guess, and the compiler may
/// take its loops for cold`, and for time samples `; time samples (cpu-clock) lean toward slow
/// instructions, which recording longer does not fix: record LBR or
/// instructions:pp where the PMU has them (pgoctl doctor)`.
std::string formatQuality(const ProfileQuality &Q, const QualityOptions &O);

/// The figures as (name, value) pairs, for JSON and provenance: samples,
/// hot-samples, hot-functions, hot-blocks, thin-hot-blocks, hot-block-error,
/// thin-share, hot-count, flips, unsampled-entries, record-factor, seconds,
/// verdict (0 good, 1 thin, 2 poor), basis (QualityBasis: 0 branches, 1
/// instructions, 2 time).
std::vector<std::pair<std::string, double>> qualityFigures(const ProfileQuality &Q);

/// A JSON object: "verdict" (good|thin|poor), "mode" (ip|lbr), "basis"
/// (branches|instructions|time), "event" (the recording's), the figures,
/// "target-error", "flip-functions" and "unsampled-entry-functions" (names,
/// JSON-escaped; invalid UTF-8 replaced) and "advice" (formatQuality's line).
std::string qualityJson(const ProfileQuality &Q, const QualityOptions &O);

} // namespace pgoctl::convert
