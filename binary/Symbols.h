// binary/Symbols.h: what pgoctl needs to know about an ELF file.
//
// readElfInfo() reads the identity and layout of a binary: its GNU build-id
// (NT_GNU_BUILD_ID, lowercase hex) and its PT_LOAD program headers, which map
// file offsets to ELF virtual addresses (collect/ uses them to normalize
// sampled addresses, show/merge to convert AddressSpace::FileOffset profiles).
// SymbolTable loads the function symbols of a binary (.symtab, or .dynsym when
// the binary is stripped), demangled and sorted by address, and maps an ELF
// virtual address to the function containing it by binary search. A C file's
// statics that clang's -funique-internal-linkage-names mangled as C++ are
// named as in the C source (`work`, not `work(big, int) (.__uniq.N)`), from
// the DWARF language of their unit. Errors name
// the file.
#pragma once

#include "core/Profile.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::binary {

class ElfFile;

/// Identity and layout of one ELF file.
struct ElfInfo {
  std::string BuildId;               ///< lowercase hex of NT_GNU_BUILD_ID, "" if none
  std::vector<LoadSegment> Segments; ///< PT_LOAD headers, in program-header order
  bool IsPIE = false;                ///< e_type == ET_DYN (PIE executable or DSO)
  bool Is64Bit = false;
  bool IsLittleEndian = true;
  uint16_t Machine = 0; ///< e_machine (EM_X86_64, EM_AARCH64, ...)
  uint64_t Entry = 0;   ///< e_entry
};

/// Reads build-id and PT_LOAD segments of the ELF file at Path.
llvm::Expected<ElfInfo> readElfInfo(llvm::StringRef Path);
llvm::Expected<ElfInfo> readElfInfo(const ElfFile &F);

/// One function symbol: [Start, Start+Size).
struct SymbolInfo {
  std::string Name; ///< demangled (a C static: its C name)
  uint64_t Start = 0;
  uint64_t Size = 0;
};

/// The function symbols of one ELF file, sorted by address.
class SymbolTable {
public:
  /// Loads STT_FUNC and STT_GNU_IFUNC symbols with nonzero size from .symtab,
  /// falling back to .dynsym when .symtab holds none. Several symbols at one
  /// address (aliases) keep one: global over weak over local, then the
  /// smallest name.
  static llvm::Expected<SymbolTable> load(llvm::StringRef Path);
  static llvm::Expected<SymbolTable> load(const ElfFile &F);

  /// Builds a table from given symbols (sorted and deduplicated here).
  static SymbolTable fromSymbols(std::vector<SymbolInfo> Syms);

  /// The function containing VAddr, or nullptr. Of the symbols starting at or
  /// before VAddr the nearest one containing it wins (a symbol nested in a
  /// larger one); at most 16 symbols back are considered.
  const SymbolInfo *lookup(uint64_t VAddr) const;

  llvm::ArrayRef<SymbolInfo> symbols() const { return Syms; }
  /// True when the symbols came from .dynsym (the binary had no .symtab functions).
  bool fromDynsym() const { return FromDynsym; }

private:
  std::vector<SymbolInfo> Syms;
  bool FromDynsym = false;
};

} // namespace pgoctl::binary
