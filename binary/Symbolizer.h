// binary/Symbolizer.h: what convert needs to know about the code of a binary.
//
// A Symbolizer is built once per binary. It disassembles the executable
// sections with LLVM MC (every instruction's address, size and kind: call,
// return, jump), loads the functions (DWARF subprograms with their address
// ranges and linkage names; the ELF symbol table when there is no DWARF), and
// symbolizes instructions through LLVM's DWARFContext (inline stack, line
// offset from the function's DW_AT_decl_line, discriminator) one function at a
// time, the first time any instruction of that function is asked for; the
// result is cached in flat arrays indexed by instruction, so profile counts
// never cause a DWARF lookup of their own. With SymbolizerOptions::LazyDwarf
// the DWARF of a compile unit is read only when an instruction in it is.
//
// Debug info comes from the binary itself, from a file given with
// --debug-binary, or from /usr/lib/debug/.build-id/xx/yyyy.debug when the
// binary has none; compressed sections (zlib, zstd) are read by LLVM. Without
// DWARF the symbol table gives one frame per function at line offset 0, and a
// warning (to SymbolizerOptions::Warn, as every warning here) says what is
// lost. DWARF is checked before it is trusted
// (DwarfCheck.h): a damaged compile unit is a warning with the section and
// offset, and its functions come from the symbol table the same way; a
// function whose DWARF name is not the name of the symbol at its address (a
// damaged string section) takes the symbol's name, with a warning.
//
// Conventions follow llvm-profgen so that profiles agree: instructions are
// decoded from each symbol (and each section start) to the next, `.plt*` is
// not code, names are linkage names, line offsets are (line - decl_line) &
// 0xffff, and a function range is an entry when the function has one range or
// an ELF symbol of the function's name starts it.
#pragma once

#include "core/Error.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class DWARFUnit;
}

namespace pgoctl::binary {

class ElfFile;

struct SymbolizerOptions {
  std::string DebugBinary;          ///< --debug-binary: DWARF in a separate file
  /// Where .build-id/xx/yyyy.debug files are looked for; the environment
  /// variable PGOCTL_DEBUG_ROOT overrides it (tests use a scratch folder).
  std::string DebugRoot = "/usr/lib/debug";
  /// Read a compile unit's DWARF (check it, its subprograms, its line rows)
  /// the first time an instruction in it is symbolized, found through
  /// .debug_aranges, instead of every unit at create(). For callers that
  /// symbolize a few addresses of a large library (verify on libc); the
  /// frames are the same. functions(), funcRangeAt() and cFunctions() then
  /// hold only the units read so far.
  bool LazyDwarf = false;
  /// Receives each warning when it is found: at create() (no DWARF, a
  /// damaged unit, bytes that do not disassemble) and later, while
  /// instructions are symbolized (a unit read lazily and found damaged,
  /// LLVM's complaints about the DWARF). The Symbolizer keeps a copy, so
  /// what it refers to must outlive the Symbolizer. Empty: dropped.
  WarningHandler Warn;
};

enum class InstKind : uint8_t {
  Other,
  Call,         ///< direct or indirect call
  Return,
  CondBranch,   ///< jcc, loop, jrcxz
  UncondBranch, ///< direct jmp
  IndirectJump, ///< jmp through a register or memory
  Nop,          ///< nop, nopw, nopl: alignment padding
};

/// How an instruction touches data memory (calls, returns and jumps: None).
enum class MemAccess : uint8_t {
  None,
  MoveLoad,  ///< a move from memory: mov, movzx, movsx, cmov...
  OtherLoad, ///< another reader of memory: an operation on a memory operand, pop
  Store,     ///< a writer that does not read: a move to memory, push
  LoadStore, ///< reads and writes: an operation on memory in place
};

/// One frame of an inline stack: a function name (Symbolizer::name), the line
/// offset from the function's start line and the DWARF discriminator.
struct InlineFrame {
  uint32_t Name = 0;
  uint32_t LineOffset = 0;
  uint32_t Discriminator = 0;
  bool operator==(const InlineFrame &) const = default;
};

/// A function: its name and address ranges [Begin, End).
struct BinaryFunction {
  uint32_t Name = 0;
  std::vector<std::pair<uint64_t, uint64_t>> Ranges;
};

/// One address range of a function.
struct FuncRange {
  uint64_t Begin = 0, End = 0;
  uint32_t Func = 0;    ///< index into functions()
  bool IsEntry = false; ///< the range starts at the function's entry
};

class Symbolizer {
public:
  static llvm::Expected<std::unique_ptr<Symbolizer>> create(llvm::StringRef ElfPath,
                                                            const SymbolizerOptions &Opts);
  /// The same over an ELF another view of the binary opened already.
  static llvm::Expected<std::unique_ptr<Symbolizer>>
  create(std::shared_ptr<const ElfFile> Elf, const SymbolizerOptions &Opts);
  ~Symbolizer();

  // Instructions, sorted by address.
  size_t numInsts() const { return InstAddr.size(); }
  uint64_t instAddr(uint32_t I) const { return InstAddr[I]; }
  uint8_t instSize(uint32_t I) const { return InstSize[I]; }
  InstKind instKind(uint32_t I) const { return InstKinds[I]; }
  MemAccess instMem(uint32_t I) const { return InstMem[I]; }
  /// The index of the instruction starting at Addr.
  std::optional<uint32_t> findInst(uint64_t Addr) const;
  /// The index of the first instruction at or after Addr (numInsts() if none).
  uint32_t instLowerBound(uint64_t Addr) const;
  /// The index of the instruction containing Addr (start <= Addr < end).
  std::optional<uint32_t> instContaining(uint64_t Addr) const;
  /// Whether a call, return or direct jmp lies in instructions [Begin, End).
  bool crossesUncondBranch(uint32_t Begin, uint32_t End) const;
  /// The target of a direct call or jump, if known.
  std::optional<uint64_t> directTarget(uint32_t I) const;
  /// Whether instruction I restores the caller's frame pointer (x86-64 `pop
  /// %rbp`, `leave`): a frame-pointer unwind from the registers after it
  /// misses its function's caller.
  bool restoresFrame(uint32_t I) const { return llvm::binary_search(FrameRestores, I); }

  // Functions.
  llvm::ArrayRef<BinaryFunction> functions() const { return Functions; }
  const FuncRange *funcRangeAt(uint64_t Addr) const;
  const FuncRange *funcRangeStartingAt(uint64_t Addr) const;
  llvm::StringRef name(uint32_t N) const { return Names[N]; }

  /// The inline stack of instruction I, outermost function first; empty when
  /// the instruction belongs to no function known to the debug info.
  llvm::ArrayRef<InlineFrame> frames(uint32_t I);
  /// Whether instruction I's line is 0 (code the compiler merged from several
  /// source lines, e.g. one tail-merged call for several call sites: its
  /// LineOffset then names no source location).
  bool lineZero(uint32_t I) {
    (void)frames(I);
    return LineZero[I];
  }

  /// The targets of the jump table read by indirect jump I, inside Ranges
  /// (its function's [begin, end) ranges): x86-64 PIC tables (`lea
  /// JT(%rip),%r; movslq (%r,%i,4),%i; add %r,%i; jmp *%i`, 4-byte offsets
  /// from JT) and absolute tables (`jmp *JT(,%i,8)`), read until an entry
  /// leaves the ranges or is no instruction start. Empty when I reads no
  /// table that could be found.
  std::vector<uint64_t>
  jumpTableTargets(uint32_t I, llvm::ArrayRef<std::pair<uint64_t, uint64_t>> Ranges) const;
  /// The dynamic symbol a PLT entry at Addr calls ("" when Addr is no PLT
  /// entry or it has no symbol).
  llvm::StringRef pltSymbol(uint64_t Addr) const;
  bool hasDwarf() const { return HasDwarf; }
  bool usesFSDiscriminators() const { return FSDiscriminators; }
  /// First executable PT_LOAD's vaddr rounded down to 4 KiB (llvm-profgen's
  /// preferred base, the origin of --use-offset addresses).
  uint64_t preferredBase() const { return PreferredBase; }
  /// The functions of C compile units whose linkage name is mangled (clang's
  /// -funique-internal-linkage-names mangles C statics: `_ZL3fooi.__uniq.N`),
  /// as (linkage name, DW_AT_name) sorted: callers print C functions without
  /// C++ parameter lists.
  llvm::ArrayRef<std::pair<std::string, std::string>> cFunctions() const { return CNames; }
  /// A function's name as people read it: a C function's C name
  /// (cFunctions()), else the linkage name demangled.
  std::string displayName(llvm::StringRef Linkage) const;
  /// Where the debug info came from ("the binary", a path, or "none").
  const std::string &debugSource() const { return DebugSource; }

  struct Impl;

private:
  Symbolizer();
  void symbolizeFunction(uint32_t F);
  uint32_t intern(llvm::StringRef Name);
  void addRange(llvm::StringRef Name, uint64_t Lo, uint64_t Hi);
  void readUnits(llvm::ArrayRef<llvm::DWARFUnit *> Units);
  void finishRanges();
  void loadUnitAt(uint64_t Addr);
  void checkLineRows(llvm::ArrayRef<llvm::DWARFUnit *> Units);
  void symbolizeInst(uint32_t I);
  uint32_t internStack(llvm::ArrayRef<InlineFrame> Stack);

  std::unique_ptr<Impl> P;
  std::vector<uint64_t> InstAddr;
  std::vector<uint8_t> InstSize;
  std::vector<InstKind> InstKinds;
  std::vector<MemAccess> InstMem;
  std::vector<uint32_t> UncondInsts; ///< indices of calls, returns, direct jmps
  std::vector<uint32_t> FrameRestores; ///< indices of `pop %rbp` and `leave`
  std::vector<std::pair<uint32_t, uint64_t>> DirectTargets; ///< sorted by index
  std::vector<BinaryFunction> Functions;
  std::vector<FuncRange> Ranges; ///< sorted by Begin
  std::vector<std::pair<uint64_t, std::string>> PltSymbols; ///< sorted by address
  struct JumpTable {
    uint32_t Jump;     ///< the indirect jump's instruction index
    uint64_t Table;    ///< the table's address
    bool Pic;          ///< 4-byte offsets from Table, else 8-byte addresses
  };
  std::vector<JumpTable> JumpTables; ///< sorted by Jump
  std::vector<std::string> NameStore;
  std::vector<llvm::StringRef> Names;
  /// C functions with mangled linkage names: linkage name -> DW_AT_name.
  std::vector<std::pair<std::string, std::string>> CNames; ///< sorted
  /// Per instruction: 0 = no frames, kUnknown = not symbolized yet, else an
  /// index into StackBegin.
  std::vector<uint32_t> InstStack;
  std::vector<bool> LineZero; ///< per instruction, once symbolized
  std::vector<uint32_t> StackBegin; ///< StackBegin[K]..StackBegin[K+1] in FramePool
  std::vector<InlineFrame> FramePool;
  std::vector<bool> FuncDone;
  bool HasDwarf = false;
  bool FSDiscriminators = false;
  uint64_t PreferredBase = 0;
  std::string DebugSource;
  WarningHandler Warn; ///< SymbolizerOptions::Warn
  /// Per function, empty when the DWARF is healthy: the function comes from
  /// the symbol table because its unit's DWARF is damaged (one frame).
  std::vector<bool> FromSymtab;
  /// Per function, empty when no name was corrected: its DWARF name differed
  /// from the symbol table's at its address, which is used instead.
  std::vector<bool> NameFromSymtab;
  static constexpr uint32_t kUnknown = ~uint32_t(0);
};

/// The function a symbol-table name belongs to, for binaries without DWARF:
/// a split fragment (BOLT's `f.cold.N`, GCC's and LLVM's `f.cold`) is part of
/// `f`, and the suffixes LLVM's sample loader drops from IR names before it
/// looks a function up (`.llvm.N`, `.part.N`) are dropped too, so that the
/// profile names what clang matches. `.__uniq.N` stays, as in DWARF names.
llvm::StringRef symbolTableFunctionName(llvm::StringRef Name);

} // namespace pgoctl::binary
