// convert/Convert.h: from a pgoctl profile to what the toolchain consumes.
//
// `pgoctl convert` writes clang sample-PGO `.profdata` (LLVM's
// SampleProfileWriter; text, extbinary, or the unsymbolized text
// llvm-profgen reads), BOLT `.fdata` (LBR or no_lbr) and BOLT's pre-aggregated
// input, for one or more binaries of a profile. The binary given with
// --binary usually sits at another path than the one recorded (a build
// artifact, a copy): matchBinaries() pairs each given ELF with a binary of the
// profile by binary/Locate.h's rule (build-id, else file name) and says which;
// a build-id mismatch is an error (kind mismatch) unless IgnoreBuildId. The writers
// live in their own files (Fdata.h, ProfData.h) and share the summary below;
// their warnings go, as they are found, to the WarningHandler of their options
// (ProfDataOptions::Warn, FdataOptions::Warn), which the symbolizers they
// create share.
#pragma once

#include "binary/Locate.h"
#include "binary/Symbolizer.h"
#include "binary/Symbols.h"
#include "core/Error.h"
#include "core/Profile.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace pgoctl::convert {

// convert works on binary/'s view of a binary throughout.
using binary::BinaryFunction;
using binary::ElfInfo;
using binary::FuncRange;
using binary::InlineFrame;
using binary::InstKind;
using binary::MemAccess;
using binary::Symbolizer;
using binary::SymbolizerOptions;

enum class OutputKind { ProfData, Fdata, PreAggregated, Unsymbolized };

/// One --binary paired with the profile's binary it stands for.
struct BinaryMatch {
  const BinaryProfile *Profile = nullptr;
  std::string ElfPath; ///< the file given with --binary
  ElfInfo Elf;
  binary::MatchHow How = binary::MatchHow::None;
};

/// Pairs each path with a binary of P. Errors: a path matching no binary of
/// the profile, a build-id mismatch (unless IgnoreBuildId), an unreadable ELF.
llvm::Expected<std::vector<BinaryMatch>>
matchBinaries(const Profile &P, const std::vector<std::string> &Paths, bool IgnoreBuildId);

/// What a writer did, for the command's summary.
/// A count that saturates at 2^64-1 instead of wrapping (a crafted or merged
/// profile can hold counts near 2^64).
struct SaturatingCount {
  uint64_t Value = 0;
  SaturatingCount &operator+=(uint64_t N) {
    Value = llvm::SaturatingAdd(Value, N);
    return *this;
  }
  SaturatingCount &operator++() { return *this += 1; }
  operator uint64_t() const { return Value; }
};

struct ConvertSummary {
  SaturatingCount Samples;           ///< IP samples (or branch records) of the binary
  SaturatingCount SamplesAttributed; ///< of those, inside a known function
  SaturatingCount FunctionsCovered;  ///< functions with a nonzero count in the output
  SaturatingCount Branches, BranchesAttributed;
  std::vector<std::string> Dropped; ///< "N samples outside any function", ...
  std::vector<std::string> Notes; ///< what the writer did that the user should know
};

/// A conversion whose output would hold almost nothing of its input (under 1%
/// of the binary's samples or branch records attributed to a function: a
/// stripped or foreign binary, the wrong --binary with --ignore-build-id) is an
/// error of kind mismatch unless AllowEmpty; the output is then not written.
llvm::Error checkAttribution(const ConvertSummary &Sum, llvm::StringRef Output,
                             bool AllowEmpty);

struct ProfDataOptions {
  enum class Format { Text, ExtBinary } Fmt = Format::ExtBinary;
  bool UseMD5 = false;
  bool ProfileSymbolList = false;
  std::string DebugBinary; ///< --debug-binary: DWARF in a separate file
  bool AllowEmpty = false; ///< --allow-empty: see checkAttribution
  /// Warnings (of the writer and of each binary's Symbolizer), as they are
  /// found; empty: dropped.
  WarningHandler Warn;
};

struct FdataOptions {
  bool NoLbr = false; ///< force no_lbr mode (default: by the profile's mode)
  /// IP profiles: write an LBR-mode .fdata of the edges the IP estimator
  /// infers (convert/sample/ProfDataIp.cpp) instead of no_lbr samples, so that BOLT
  /// can lay out blocks (it has block counts but no edges from no_lbr).
  bool InferEdges = false;
  /// Warnings (of the writer, and of the Symbolizer --infer-edges uses), as
  /// they are found; empty: dropped.
  WarningHandler Warn;
};

} // namespace pgoctl::convert
