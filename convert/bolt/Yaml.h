// convert/bolt/Yaml.h: BOLT's YAML profile, the one `llvm-bolt
// -infer-stale-profile` can match to another build of the same program.
//
// A YAML profile names functions and basic blocks by BOLT's own hashes of
// their instructions (BinaryFunction::computeHash / computeBlockHashes over
// BOLT's CFG), which only BOLT's disassembler and CFG builder reproduce. So
// writeBoltYaml() does not compute them: it writes the binary's .fdata
// (Fdata.h, equal to perf2bolt's) to a temporary file and runs BOLT's own
// writer on it, `llvm-bolt BINARY -data=X.fdata -w X.yaml -o /dev/null`
// (argv, never a shell; llvm-bolt skips writing a binary to /dev/null). The
// result equals `perf2bolt -w` on the same recording except for the header's
// profile-origin and PLT entries without blocks (docs/design.md).
//
// mergeBoltYaml() combines the YAML profiles of several builds of one program
// (a refresh's week of releases) into one that llvm-bolt reads; BOLT's
// merge-fdata refuses functions whose hash or id differ, which is every
// changed function and nearly every id across builds. See mergeBoltYaml.
#pragma once

#include "convert/Convert.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>
#include <vector>

namespace pgoctl::convert {

struct BoltYamlOptions {
  /// llvm-bolt to run; empty: findLlvmBolt's search.
  std::string LlvmBolt;
  /// How the intermediate .fdata is written.
  FdataOptions Fdata;
  /// llvm-bolt is stopped after this many seconds (0: no limit).
  unsigned TimeoutSeconds = 900;
};

/// The llvm-bolt to run: Given when not empty (it must exist), else the one
/// next to clang-22 (PATH, symlinks resolved), else /usr/lib/llvm-22/bin,
/// else llvm-bolt-22 or llvm-bolt on PATH. An error of kind input, saying
/// where it looked, when there is none.
llvm::Expected<std::string> findLlvmBolt(llvm::StringRef Given);

/// BOLT's YAML profile of B's binary from P: the bytes llvm-bolt -w writes.
/// Sum is filled as writeFdata fills it (the caller's checkAttribution
/// applies). Errors: llvm-bolt missing, failing (with the end of its log) or
/// writing something that is not a YAML profile.
llvm::Expected<std::string> writeBoltYaml(const Profile &P, const BinaryMatch &B,
                                          const BoltYamlOptions &Opts, ConvertSummary &Sum);

/// What mergeBoltYaml did with the functions of its inputs.
struct BoltYamlMergeSummary {
  uint64_t Functions = 0;  ///< in the output
  uint64_t Summed = 0;     ///< older profiles of a function added to a newer one (same hash)
  uint64_t Superseded = 0; ///< older profiles left out: the function changed (another hash)
  uint64_t OnlyOlder = 0;  ///< functions only older builds have (kept, for stale matching)
};

/// Merges YAML profiles of builds of one program, OLDEST FIRST, the newest
/// last (the newest build's header is kept). Per function name: the newest
/// profile that has it is taken; an older profile of a function with the same
/// hash and blocks adds its counts (blocks, edges, calls); one with another
/// hash is left out (the code changed; the newer profile describes the
/// current code better, and BOLT's stale matcher takes one profile per
/// function). Function ids are renumbered so that they stay unique and call
/// sites keep naming their callees. Inputs must agree on the hash function,
/// the block order and LBR vs sample mode; fields pgoctl does not know
/// (pseudo probes) are an error, never dropped. Each input is named in
/// errors as Names[i] when given, else "YAML profile #i".
llvm::Expected<std::string> mergeBoltYaml(llvm::ArrayRef<std::string> Profiles,
                                          llvm::ArrayRef<std::string> Names = {},
                                          BoltYamlMergeSummary *Sum = nullptr);

} // namespace pgoctl::convert
