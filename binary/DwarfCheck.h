// binary/DwarfCheck.h: DWARF that has been checked before it is trusted.
//
// LLVM's DWARF parsers read what a damaged section says (an abbreviation,
// a string offset, a line-table header length) and a random byte flip can
// make them crash or give a wrong name. openCheckedDwarf() opens the
// DWARFContext with error handlers that attribute every problem to the
// compile unit being read, and reads each unit eagerly (its DIEs, its line
// table, the names and ranges of its subprograms) so that damage is seen at
// load time, not in the middle of symbolization. A unit with any problem is
// marked damaged; the Symbolizer then takes that unit's functions from the
// ELF symbol table instead (function-level, as binaries without DWARF).
// With DwarfCheckMode::OnDemand only .debug_abbrev and the unit headers are
// checked at open; each unit is checked by CheckedDwarf::check() the first
// time it is used (verify reads a few units of libc, not all of them).
#pragma once

#include "core/Error.h"

#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/Object/ObjectFile.h"

#include <memory>
#include <string>
#include <vector>

namespace pgoctl::binary {

struct DwarfSink;

enum class DwarfCheckMode {
  AllUnits, ///< check every unit at open
  OnDemand, ///< check units with CheckedDwarf::check()
};

struct CheckedDwarf {
  /// Null when the DWARF cannot be read at all (a damaged .debug_abbrev):
  /// Problems says why, and the binary is symbolized as one without DWARF.
  std::unique_ptr<llvm::DWARFContext> Ctx;
  /// .debug_info offsets of the damaged units (do not symbolize them).
  std::vector<uint64_t> Damaged;
  bool damaged(const llvm::DWARFUnit &U) const;
  /// One line per damaged unit: section, offset and LLVM's first complaint.
  std::vector<std::string> Problems;
  /// Checks U as AllUnits does at open (damage goes to Damaged and
  /// Problems); whether U is healthy.
  bool check(llvm::DWARFUnit &U);
  /// Where LLVM's complaints go (shared with the context's handlers).
  std::shared_ptr<DwarfSink> Sink;
};

/// Opens Obj's DWARF and checks every compile unit. Problems found later
/// (while symbolizing) go to LateProblems as they happen, at most a few.
CheckedDwarf openCheckedDwarf(const llvm::object::ObjectFile &Obj,
                              WarningHandler LateProblems,
                              DwarfCheckMode Mode = DwarfCheckMode::AllUnits);

/// Whether a DWARF function name and an ELF symbol name name the same
/// function, after the suffixes that compilers and the sample loader add or
/// drop (see symbolTableFunctionName).
bool sameFunctionName(llvm::StringRef DwarfName, llvm::StringRef SymbolName);

} // namespace pgoctl::binary
