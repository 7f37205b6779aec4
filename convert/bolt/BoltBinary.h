// convert/bolt/BoltBinary.h: a binary as BOLT's profile aggregator sees it.
//
// perf2bolt does not write raw LBR records: it attaches them to the functions
// it discovered and disassembled, and turns fall-through ranges into
// basic-block edges of its CFG. BoltBinary rebuilds the parts of that view the
// .fdata depends on, from the ELF alone:
//   - functions: STT_FUNC symbols of executable sections, sorted by address,
//     named as BOLT names them (globals as they are, locals `name/N` with N
//     counting equal local names in address order, `.L` names prefixed `PG`),
//     sized by the symbol and, for address lookup, by the distance to the
//     next symbol ("max size"); PLT entries as `sym@PLT` (from the dynamic
//     relocation of the GOT slot the entry jumps through) and the PLT header
//     as `__BOLT_PSEUDO_.plt`;
//   - per function, on first use, basic blocks from LLVM's MC disassembler:
//     a block starts at the entry, at direct branch targets inside the
//     function, at jump-table targets and after a terminator (jmp, jcc, ret,
//     indirect jmp, hlt, ud2) except that an unconditional jmp right after a
//     jcc stays in the jcc's block; a block falls through to the next one when
//     it ends in a conditional branch with one taken successor or in a
//     non-terminator (calls included), or when a branch of it targets the next
//     block.
// Functions whose bytes do not decode have no CFG (BOLT calls them
// non-simple): their fall-through ranges are dropped, as perf2bolt does.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::binary {
class ElfFile;
}

namespace pgoctl::convert::bolt {

struct BasicBlock {
  uint32_t Offset = 0;     ///< from the function start
  uint32_t End = 0;        ///< offset of the next block (or the function size)
  uint32_t LastInsn = 0;   ///< offset of the block's last instruction
  bool NextIsSucc = false; ///< the next block in address order is a successor
  bool EndsInCall = false; ///< the last instruction is a call
};

struct Function {
  std::string Name;     ///< as BOLT prints it in .fdata
  uint64_t Address = 0;
  uint64_t Size = 0;    ///< symbol size
  uint64_t MaxSize = 0; ///< up to the next symbol or the section end
  bool Pseudo = false;  ///< PLT: traces inside give no edges
  bool Simple = true;   ///< false once the bytes failed to decode
  bool CfgBuilt = false;
  std::vector<BasicBlock> Blocks; ///< by offset, when CfgBuilt && Simple

  bool contains(uint64_t Addr) const { return Addr >= Address && Addr - Address < Size; }
  /// The block holding Offset (BOLT: getBasicBlockContainingOffset), or null.
  const BasicBlock *blockContaining(uint64_t Offset) const;
};

class BoltBinary {
public:
  static llvm::Expected<std::unique_ptr<BoltBinary>> load(llvm::StringRef Path);
  /// The same over an ELF another view of the binary opened already.
  static llvm::Expected<std::unique_ptr<BoltBinary>>
  load(std::shared_ptr<const binary::ElfFile> File);
  ~BoltBinary();

  /// The function whose [Address, Address+MaxSize) holds Addr, or null.
  Function *functionAt(uint64_t Addr);
  /// Builds the function's blocks on first use; false when it has no CFG.
  bool cfg(Function &F);
  /// True when the instruction at Addr (inside a known function) is a return.
  bool isReturn(uint64_t Addr);

  llvm::ArrayRef<Function> functions() const { return Funcs; }

private:
  struct Impl;
  std::unique_ptr<Impl> I;
  std::vector<Function> Funcs; ///< sorted by Address
  BoltBinary();
};

/// BOLT's escaping of a name in .fdata: a space or a backslash gets a
/// backslash in front.
std::string escapeName(llvm::StringRef Name);

} // namespace pgoctl::convert::bolt
