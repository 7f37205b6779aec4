// merge/InstrMerge.h: merging instrumented (-fprofile-generate) profiles.
//
// `pgoctl merge --instr` (the spelling of `llvm-profdata merge`) merges the
// profiles an instrumented build writes (.profraw, raw) or llvm-profdata makes
// (.profdata, indexed; or its --text form): detectInstrProfile() tells the format by the
// file's magic (the header flag for text), and mergeInstrProfiles() reads
// every input with LLVM's InstrProfReader, adds its records to one
// InstrProfWriter with the input's weight (counts and value profiles
// multiplied, as `llvm-profdata merge --weighted-input=N,file`), and writes an
// indexed .profdata atomically: nothing is written on error.
//
// The rules follow llvm-profdata merge: an empty raw profile (or empty file)
// is skipped; a function with the same name and hash but another number of
// counters (counter mismatch: the inputs come from different builds) keeps
// the counts already merged and the input's record is skipped, with a warning
// naming the file and the function, or fails the merge with OnMismatch =
// Error. Binary ids and temporal profile traces are carried over. Two
// differences from llvm-profdata 22: each record is scaled by its weight
// before it is merged, so an indirect-call target new to a function is
// weighted too (llvm-profdata adds it unweighted, and its result then depends
// on input order and threads); and front-end and IR profiles never mix
// (llvm-profdata lets an indexed front-end profile into an IR merge).
#pragma once

#include "core/Error.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl {

/// The kind of an instrumented profile file, by its magic.
enum class InstrProfFormat {
  None,    ///< not an instrumented profile (or unreadable)
  Raw,     ///< .profraw, written by the instrumented program (32/64-bit, either byte order)
  Indexed, ///< .profdata, written by llvm-profdata or pgoctl
  Text,    ///< llvm-profdata --text, recognized by its header flag (":ir", ":fe", ...)
};

/// Reads the first bytes of Path. None when the file is not a raw, indexed or
/// flagged text instrumented profile, or cannot be read (the reader then says
/// why).
InstrProfFormat detectInstrProfile(llvm::StringRef Path);

/// "raw", "indexed" or "none".
llvm::StringRef formatName(InstrProfFormat F);

struct WeightedPath {
  std::string Path;
  uint64_t Weight = 1;
};

struct InstrMergeOptions {
  /// A counter mismatch between inputs: warn and skip the record (as
  /// llvm-profdata merge), or fail.
  enum class MismatchPolicy { Warn, Error } OnMismatch = MismatchPolicy::Warn;
  /// Leave out functions with all-zero counts (llvm-profdata merge --sparse).
  bool Sparse = false;
  /// Give inputs detectInstrProfile() calls None to LLVM's reader anyway
  /// (front-end text profiles have no header flag); else they are an error.
  bool AnyFormat = false;
  /// Each warning as it is found (an empty input skipped, a counter
  /// mismatch, the reader's complaint about a file); empty: dropped.
  WarningHandler Warn;
};

/// What the merge did, for the command's summary.
struct InstrMergeSummary {
  struct Input {
    std::string Path;
    uint64_t Weight = 1;
    InstrProfFormat Format = InstrProfFormat::None;
    uint64_t Records = 0; ///< function records read
    bool Skipped = false; ///< an empty raw profile
  };
  std::vector<Input> Inputs;
  uint64_t Functions = 0;         ///< function records (name, hash) in the output
  uint64_t MismatchedRecords = 0; ///< records skipped for a counter mismatch
  std::string Kind;               ///< "IR", "IR, context-sensitive", "front-end", ...
};

/// Merges Inputs (each a raw or indexed instrumented profile, in any mix) into
/// an indexed profile at OutPath. Errors name the file: unreadable, corrupt or
/// truncated input, unsupported (raw) version, front-end and IR profiles mixed,
/// a counter mismatch with OnMismatch = Error, no inputs. OutPath is untouched
/// on error.
llvm::Error mergeInstrProfiles(llvm::ArrayRef<WeightedPath> Inputs,
                               const InstrMergeOptions &Opts, llvm::StringRef OutPath,
                               InstrMergeSummary &Sum);

} // namespace pgoctl
