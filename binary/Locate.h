// binary/Locate.h: finding the ELF file behind a profile's binary.
//
// Every command that needs a binary's code (import to normalize addresses,
// convert, verify, show) finds it with the one rule below, so a profile that
// symbolizes in one command symbolizes in all of them:
//   1. a given candidate (--binary) whose build-id equals the recorded one;
//   2. else a given candidate with the recorded file name: used when either
//      side has no build-id (unverified); when both have one and they differ
//      it is a mismatch, reported and not used (unless IgnoreBuildId);
//   3. else the recorded path, when UseRecordedPath and the file exists, with
//      the same build-id check as 2 (a file without build-id is used with a
//      warning: nothing proves it is the recorded one).
// The kernel is never located. Candidates are read once (readCandidates).
#pragma once

#include "binary/Symbols.h"
#include "core/Error.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace pgoctl {
struct BinaryProfile;
}

namespace pgoctl::binary {

/// What a profile recorded about a binary.
struct BinaryRef {
  std::string Path;
  std::string BuildId; ///< lowercase hex, "" when none was recorded
  bool IsKernel = false;
  static BinaryRef of(const BinaryProfile &B);
};

/// An ELF file offered for matching (a --binary).
struct Candidate {
  std::string Path;
  ElfInfo Elf;
};

enum class MatchHow {
  None,
  BuildId,          ///< build-ids equal
  FileName,         ///< same file name, one side has no build-id
  BuildIdIgnored,   ///< same file name, build-ids differ, IgnoreBuildId
  Mismatch,         ///< same file name, build-ids differ
};

/// Words for MatchHow in messages ("build-id", "file name", ...).
llvm::StringRef describe(MatchHow How);

struct LocatePolicy {
  bool IgnoreBuildId = false;  ///< use a file-name match with another build-id
  bool UseRecordedPath = true; ///< fall back to the path the profile recorded
};

struct Located {
  std::string Path;
  ElfInfo Elf;
  MatchHow How = MatchHow::None;
  bool FromRecordedPath = false;
};

struct LocateResult {
  std::optional<Located> Found;
  std::string WhyNot; ///< when not found: "kernel", "not found (give --binary)", ...
};

/// Reads the ELF identity of each path; an unreadable file is an error naming it.
llvm::Expected<std::vector<Candidate>> readCandidates(llvm::ArrayRef<std::string> Paths);

/// How candidate C fits the recorded binary Want (rule 1 or 2 above).
MatchHow matchCandidate(const BinaryRef &Want, const Candidate &C, const LocatePolicy &Policy);

/// Finds Want's ELF by the rule above. Mismatches and unverified uses go to Warn.
LocateResult locateBinary(const BinaryRef &Want, llvm::ArrayRef<Candidate> Given,
                          const LocatePolicy &Policy, const WarningHandler &Warn);

} // namespace pgoctl::binary
