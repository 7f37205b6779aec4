// convert/sample/ProfDataSummary.h: the count distribution of an LLVM sample profile
// (.profdata, any of LLVM's sample formats), as clang's profile summary sees
// it, at any cutoff.
//
// Clang calls a count "hot" when it is at least the profile summary's
// MinCount at the 99% cutoff: the smallest count among the largest counts
// that together make up 99% of the profile's total (every body-sample count,
// inlinees included, as LLVM's SampleProfileSummaryBuilder adds them up). The
// summary stored in a .profdata only has LLVM's fixed cutoffs (..., 99%,
// 99.9%, ...). sampleProfileSummary() recomputes it with LLVM's own builder at
// the cutoffs asked for, so a build can pass clang an explicit
// `-profile-summary-hot-count` at a cutoff between those steps (the CMake
// module's PGO_SAMPLE_HOT_CUTOFF; bench/example-pgo.md says why).
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ProfileData/SampleProf.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace pgoctl::convert {

/// One line of a detailed summary: the counts at or above MinCount, NumCounts
/// of them, make up at least Cutoff / 1e6 of the total.
struct SampleSummaryEntry {
  uint32_t Cutoff = 0; ///< parts per million, e.g. 990000 for 99%
  uint64_t MinCount = 0;
  uint64_t NumCounts = 0;
};

struct SampleSummary {
  uint64_t TotalCount = 0;
  uint64_t MaxCount = 0;
  uint64_t NumCounts = 0;
  uint64_t NumFunctions = 0;
  std::vector<SampleSummaryEntry> Entries; ///< ascending by Cutoff, one per cutoff asked
};

/// Parses a percentage such as "99", "99.7" or "99.9999" into parts per
/// million (990000, 997000, 999999). Errors: not a number, more than four
/// decimals, not in (0, 100).
llvm::Expected<uint32_t> parseCutoffPercent(llvm::StringRef Text);

/// "99.7" for 997000: the shortest decimal percentage.
std::string formatCutoffPercent(uint32_t Cutoff);

/// The summary of an in-memory sample profile at Cutoffs (parts per million,
/// each in (0, 1e6); sorted and deduplicated here), with LLVM's own builder:
/// what a .profdata of Profiles would give. Convert's quality figures
/// (Quality.h) take clang's hot count from it.
SampleSummary summarizeSampleProfiles(const llvm::sampleprof::SampleProfileMap &Profiles,
                                      llvm::ArrayRef<uint32_t> Cutoffs);

/// Reads the sample profile at Path and computes its summary at Cutoffs
/// (parts per million, each in (0, 1e6); any order, duplicates dropped).
/// Errors name the file: unreadable, not a sample profile (an instrumentation
/// .profdata says so), malformed.
llvm::Expected<SampleSummary> sampleProfileSummary(llvm::StringRef Path,
                                                   llvm::ArrayRef<uint32_t> Cutoffs);

} // namespace pgoctl::convert
