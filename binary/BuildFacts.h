// binary/BuildFacts.h: how a binary was built, as far as profiling cares.
//
// inspectBuild() reads what `pgoctl doctor --binary` reports about one ELF
// file: its build-id, whether it keeps a symbol table, its DWARF (version,
// split units, line-table discriminators, which -fdebug-info-for-profiling
// adds), relocations kept by `-Wl,--emit-relocs` (non-allocated REL/RELA
// sections of executable sections: BOLT needs them to move functions),
// internal functions with `-funique-internal-linkage-names` suffixes
// (`.__uniq.N`), and frame pointers: a sample of functions, spread over the
// address range or a profile's hottest, decoded with MC (binary/Disasm.h)
// and checked for `push %rbp; mov %rsp,%rbp` among their first 32
// instructions (shrink wrapping moves it after an early exit; x86-64 only).
// Damaged DWARF is opened through openCheckedDwarf and its units skipped.
#pragma once

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pgoctl::binary {

struct BuildFactsOptions {
  /// How many functions' prologues are decoded (evenly spaced by address).
  unsigned FramePointerSample = 256;
  /// How many DWARF units' line tables are scanned for discriminators.
  unsigned LineTableUnits = 64;
  /// Names of sampled functions without a frame pointer kept for the report.
  unsigned MaxMissingNames = 8;
  /// (ELF virtual address, samples) from a profile of this binary: the
  /// sample is then its hottest functions instead of a spread.
  std::vector<std::pair<uint64_t, uint64_t>> HotAddresses;
};

struct BuildFacts {
  std::string Path;
  std::string BuildId;      ///< lowercase hex, "" when none
  std::string Architecture; ///< "x86_64", "aarch64", ...
  bool IsPIE = false;
  /// Function symbols in .symtab (0: stripped) and in .dynsym.
  size_t SymtabFunctions = 0, DynsymFunctions = 0;
  /// Local (STB_LOCAL) functions of .symtab, and those with `.__uniq.`.
  size_t LocalFunctions = 0, UniqFunctions = 0;
  /// DWARF: the highest unit version (0: no DWARF), compile units, skeleton
  /// units (split DWARF: the rest is in .dwo files), damaged units.
  unsigned DwarfVersion = 0;
  size_t DwarfUnits = 0, SkeletonUnits = 0, DamagedUnits = 0;
  /// Units whose line table was scanned, and those with a discriminator.
  size_t LineTablesScanned = 0, LineTablesWithDiscriminators = 0;
  std::string DebugLink; ///< .gnu_debuglink's file name (separate debug info)
  bool EmitRelocs = false; ///< a non-allocated REL/RELA section of code
  /// Frame pointers: false when the architecture's prologue is not known.
  bool FramePointersChecked = false;
  size_t FpSampled = 0, FpKept = 0;
  bool FpHot = false; ///< the sample is a profile's hottest functions
  std::vector<std::string> FpMissing; ///< some sampled functions without (demangled)
};

/// Reads the facts above; errors (not an ELF file, unreadable) name the file.
llvm::Expected<BuildFacts> inspectBuild(llvm::StringRef Path, const BuildFactsOptions &O = {});

} // namespace pgoctl::binary
