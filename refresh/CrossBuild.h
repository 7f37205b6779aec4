// refresh/CrossBuild.h: one sample profile from the windows of several builds.
//
// A period's merged profile holds one BinaryProfile per build of the
// service (addresses differ between builds). mergeAcrossBuilds() finds each
// build's ELF by build-id through a BinarySource, symbolizes each build with
// its own binary and sums the builds at source level (function, line offset,
// discriminator, call targets) into one SampleProfileMap, as `llvm-profdata
// merge` sums the builds' profiles converted alone (convert's
// buildSampleMap). A build whose binary no source has is reported, with its
// windows and its share of the raw samples, and left out: it is never
// symbolized with another build's binary. Warnings go to CrossBuildOptions::Warn
// (left-out builds once the loop over builds is done, then the symbolizers'
// and the writer's as they are found); when no build is left, the reasons are
// the error's text instead.
#pragma once

#include "convert/sample/ProfData.h"
#include "core/Profile.h"
#include "refresh/BinarySource.h"
#include "refresh/Shard.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace pgoctl::refresh {

struct BuildUse {
  std::string BuildId;
  std::string Path, From; ///< the binary used and where it came from
  uint64_t Windows = 0, Samples = 0;
  bool Used = false;
  std::string WhyNot; ///< when not used
};

struct CrossBuildResult {
  convert::SampleMap Samples; ///< the merged profile (names owned by its symbolizers)
  std::string Bytes;          ///< its .profdata (extbinary)
  std::vector<BuildUse> Builds; ///< in Accumulated::Builds' order
  uint64_t SamplesUsed = 0; ///< raw samples of the builds used
  /// The BinaryMatch of each build used, in Samples' order (fdata needs one).
  std::vector<convert::BinaryMatch> Matches;
};

struct CrossBuildOptions {
  convert::ProfDataOptions ProfData; ///< its Warn is replaced by Warn below
  /// Warnings; empty: dropped. The symbolizers in the result keep a copy
  /// (they may warn when used later), so what it refers to must outlive them.
  WarningHandler Warn;
};

/// A is the period's weighted sum with its statistics; Src finds binaries.
/// Fails when no build could be used (nothing to merge), or on damage.
llvm::Expected<CrossBuildResult> mergeAcrossBuilds(const Accumulated &A, BinarySource &Src,
                                                   const CrossBuildOptions &O);

} // namespace pgoctl::refresh
