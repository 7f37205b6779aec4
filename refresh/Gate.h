// refresh/Gate.h: the quality gate a refreshed profile passes before it is
// published.
// STUB until refresh-gate lands: evaluateGate passes everything.
#pragma once

#include "llvm/ProfileData/SampleProf.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl::refresh {
struct GateThresholds { uint64_t MinSamples = 10000; double MinBinaryShare = 0.5;
  double MinHotCoverage = 0.8; double MinSimilarity = 0.5; double MaxSizeRatio = 4.0; };
struct GateInput {
  uint64_t Samples = 0;          // raw samples of the windows kept
  uint64_t SamplesInService = 0; // of those, in the service's binaries (the windows' main build-ids)
  const llvm::sampleprof::SampleProfileMap *New = nullptr;
  const llvm::sampleprof::SampleProfileMap *Previous = nullptr; // null: first version
  std::vector<std::string> CurrentFunctions; // linkage names in the current binary (symbols)
  uint64_t NewBytes = 0, PreviousBytes = 0;  // sizes of the .profdata (0: unknown)
};
struct GateFigure { std::string Name; double Value = 0, Threshold = 0; bool Pass = true;
  std::string Line; /* one line: what, figure, threshold */ };
struct GateResult { std::vector<GateFigure> Figures; bool Passed = true; };
GateResult evaluateGate(const GateInput &In, const GateThresholds &T);
} // namespace pgoctl::refresh
