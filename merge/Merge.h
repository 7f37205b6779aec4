// merge/Merge.h: summing profiles of the same binaries, with integer weights.
//
// mergeProfiles() is associative and commutative: any grouping and order of
// the same weighted inputs gives a profile whose serialized bytes are equal.
// Binaries are matched by BinaryProfile::key() (build-id, else path); their
// branch, range, IP-sample and stack counts are multiplied by the input's
// weight and summed. Metadata is combined by rules that are themselves
// associative and commutative:
//
//   Event           the sorted, unique set of all non-empty events, joined
//                   with "," (an already-joined "a,b" is split first).
//   SamplePeriod,   kept when every input has the same value, else 0
//   SampleFreq      ("unknown"; 0 absorbs).
//   Mode            kept when every input has the same mode, else Unknown
//                   (an LBR profile merged with an IP-only one is Unknown:
//                   its branch counts do not cover the IP-only inputs).
//   TimeStart/End   minimum of the nonzero starts, maximum of the ends.
//   Labels          per key, the sorted unique set of the values of the
//                   inputs that have the key (split on ","), joined with ",".
//                   A key only some inputs have keeps their value.
//   Total/Lost/     summed, each multiplied by the input's weight, so they
//   UnmappedSamples stay in the unit of the counts (shares stay meaningful).
//   Inputs          all inputs' provenance lists concatenated (a merged
//                   .pgoprof keeps its inner list), each entry's Weight
//                   multiplied by the outer weight; an input with an empty
//                   list gets one entry {Source, Kind "pgoprof", Samples =
//                   TotalSamples, Weight}. Provenance Samples stay raw.
//   ToolVersion     toolVersion() of this pgoctl.
//
// Per binary: Path is the smallest path seen, IsKernel is true if any input
// says so, Segments are the lexicographically smallest non-empty segment list.
//
// Overflow: counts are computed with saturating 64-bit arithmetic; with
// OverflowPolicy::Error (the default) any saturation is an error naming the
// input and binary, with OverflowPolicy::Saturate the count stays at
// UINT64_MAX (saturating sums of non-negative numbers stay associative).
//
// Address spaces: when one binary is in ELF vaddrs in some inputs and in file
// offsets (AddressSpace::FileOffset) in others, the file offsets are converted
// to vaddrs through the binary's PT_LOAD segments (recorded by any input) and
// then summed (MixedSpacePolicy::Convert, the default); the conversion happens
// once at the end, so it does not depend on input order. Without segments, with
// an offset that lies in no segment, or with MixedSpacePolicy::Error, merging
// fails with an error naming the binary and the inputs. Binaries that are file
// offsets in every input stay file offsets.
#pragma once

#include "core/Profile.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace pgoctl {

struct WeightedProfile {
  Profile P;
  uint64_t Weight = 1; ///< >= 1
  std::string Source;  ///< file name, for error messages and provenance
};

enum class OverflowPolicy : uint8_t { Error, Saturate };
enum class MixedSpacePolicy : uint8_t { Convert, Error };

struct MergeOptions {
  OverflowPolicy Overflow = OverflowPolicy::Error;
  MixedSpacePolicy MixedSpaces = MixedSpacePolicy::Convert;
  // Per-input normalization (scale every input to the same total before
  // weighting) belongs here when it comes: it changes how add() scales an
  // input's counts, nothing else.
};

/// Incremental merge: add inputs one at a time (each may be dropped after
/// add()), then finish(). Memory is the union of the inputs' distinct
/// addresses and stacks, not their sum. mergeProfiles() is a wrapper.
class Merger {
public:
  explicit Merger(const MergeOptions &Opts);
  ~Merger();
  Merger(Merger &&);
  Merger &operator=(Merger &&);

  /// Adds one input; errors (weight 0, overflow) name In.Source.
  llvm::Error add(WeightedProfile In);
  /// The canonical merged profile; call once. Fails when nothing was added or binaries
  /// cannot be reconciled (see the address-space rules above).
  llvm::Expected<Profile> finish();

private:
  struct Impl;
  std::unique_ptr<Impl> I;
};

llvm::Expected<Profile> mergeProfiles(llvm::ArrayRef<WeightedProfile> Inputs,
                                      const MergeOptions &Opts);

/// Joins the ","-separated values of A and B into one sorted, unique,
/// ","-separated list (empty items dropped). The metadata join rule.
std::string joinValueSets(llvm::StringRef A, llvm::StringRef B);

} // namespace pgoctl
