// Breakpoints: int3 bytes planted at block terminators so that the program
// runs at full speed between branches. Keeps the original bytes, and can put
// them back over a buffer read from memory so the decoder never sees an int3
// of ours.
#pragma once

#include "Tracee.h"

#include "llvm/ADT/DenseMap.h"

namespace lbremu {

class Breakpoints {
public:
  explicit Breakpoints(Tracee &T) : T(T) {}

  bool has(uint64_t Addr) const { return Orig.count(Addr) != 0; }
  llvm::Error insert(uint64_t Addr);
  llvm::Error remove(uint64_t Addr);
  // Restores the original bytes of our breakpoints inside [Addr, Addr+Len).
  void unpatch(uint64_t Addr, llvm::MutableArrayRef<uint8_t> Buf) const;
  // Forgets all breakpoints without touching memory (after execve).
  void forget() { Orig.clear(); }
  // Removes the breakpoints inside [Begin, End): restores the original byte
  // where the memory still exists, forgets it where it was unmapped.
  void removeRange(uint64_t Begin, uint64_t End);

private:
  llvm::Error writeByte(uint64_t Addr, uint8_t Byte, uint8_t *Old);
  Tracee &T;
  llvm::DenseMap<uint64_t, uint8_t> Orig;
};

} // namespace lbremu
