// refresh/Gate.h: the quality gate a refreshed profile passes before it is
// published (`pgoctl refresh`, exit 3 when it refuses, unless --force).
//
// Five figures, each with its threshold and one line saying what was found
// (`refused: 812 samples, fewer than --min-samples 10000`):
//   samples       raw samples of the windows kept, at least MinSamples;
//   binary-share  the share of their user-space samples in the service's
//                 binaries (the windows' main build-ids and the shared
//                 libraries they loaded), at least MinBinaryShare: a window
//                 set where most samples come from another program is refused;
//   hot-coverage  the functions carrying 90% of the new profile's samples,
//                 weighted by their samples: the share found in the current
//                 binary's symbols (by linkage name, else with `.llvm.N` /
//                 `.__uniq.N` suffixes stripped on both sides), at least
//                 MinHotCoverage;
//   similarity    refresh/Overlap.h's figure between the new profile and the
//                 previous published one, at least MinSimilarity (a collapse
//                 means a traffic shift or a broken collector);
//   size-ratio    the new .profdata's size over the previous one's, within
//                 [1/MaxSizeRatio, MaxSizeRatio];
//   quality       convert's profile-quality verdict (convert/sample/Quality.h:
//                 the hot blocks' median Poisson error, functions that could
//                 flip hot/cold, how much longer to record); the value is the
//                 hot-block error. A thin or poor profile is a `warning` line,
//                 not a refusal, unless MinQuality (--min-quality) asks for
//                 better; a gate given no quality has no such figure.
// A figure that cannot be computed (no previous version, sizes or symbols
// unknown) is skipped with a note, and passes.
#pragma once

#include "convert/sample/Quality.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ProfileData/SampleProf.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::refresh {

struct GateThresholds {
  uint64_t MinSamples = 10000;
  double MinBinaryShare = 0.5;
  double MinHotCoverage = 0.8;
  double MinSimilarity = 0.5;
  double MaxSizeRatio = 4.0;
  /// The worst quality verdict that passes (--min-quality); none: any passes.
  std::optional<convert::QualityVerdict> MinQuality;
};

/// An error (kind usage) naming the option when a threshold is out of range:
/// shares and similarity in [0, 1], MaxSizeRatio at least 1.
llvm::Error checkThresholds(const GateThresholds &T);

struct GateInput {
  uint64_t Samples = 0;          ///< raw samples of the windows kept
  uint64_t SamplesInService = 0; ///< of those, in the service's binaries (see binary-share)
  const llvm::sampleprof::SampleProfileMap *New = nullptr;
  const llvm::sampleprof::SampleProfileMap *Previous = nullptr; ///< null: first version
  std::vector<std::string> CurrentFunctions; ///< linkage names in the current binary (symbols)
  uint64_t NewBytes = 0, PreviousBytes = 0;  ///< sizes of the .profdata (0: unknown)
  const convert::ProfileQuality *Quality = nullptr; ///< null: not computed (no figure)
  convert::QualityOptions QualityOpts;              ///< what Quality was computed with
};

struct GateFigure {
  std::string Name; ///< samples, binary-share, hot-coverage, similarity, size-ratio
  double Value = 0, Threshold = 0;
  bool Pass = true;
  bool Skipped = false; ///< not computable (Line says why); passes
  bool Warning = false; ///< passes, but the line starts `warning` (a thin profile)
  std::string Line;     ///< one line: what, figure, threshold
};

struct GateResult {
  std::vector<GateFigure> Figures;
  bool Passed = true;
};

GateResult evaluateGate(const GateInput &In, const GateThresholds &T);

/// The top-level functions carrying Fraction of P's samples (by total
/// samples, largest first; ties by name), with their samples.
struct HotFunction {
  std::string Name; ///< empty for a profile that holds MD5 names only
  uint64_t NameHash = 0;
  uint64_t Samples = 0;
};
std::vector<HotFunction> hotFunctions(const llvm::sampleprof::SampleProfileMap &P,
                                      double Fraction);

/// Name without its trailing `.llvm.N` and `.__uniq.N` suffixes (any order,
/// repeated): the parts that change from build to build.
llvm::StringRef stripBuildSuffixes(llvm::StringRef Name);

} // namespace pgoctl::refresh
