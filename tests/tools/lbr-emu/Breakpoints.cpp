// Breakpoint insertion via aligned PTRACE_PEEKDATA/POKEDATA words, so a word
// never crosses a page boundary.
#include "Breakpoints.h"

#include "llvm/ADT/SmallVector.h"

using namespace llvm;

namespace lbremu {

Error Breakpoints::writeByte(uint64_t Addr, uint8_t Byte, uint8_t *Old) {
  uint64_t Aligned = Addr & ~uint64_t(7);
  unsigned Shift = unsigned(Addr - Aligned) * 8;
  auto W = T.peekWord(Aligned);
  if (!W)
    return W.takeError();
  if (Old)
    *Old = uint8_t(*W >> Shift);
  uint64_t New = (*W & ~(uint64_t(0xff) << Shift)) | (uint64_t(Byte) << Shift);
  return T.pokeWord(Aligned, New);
}

Error Breakpoints::insert(uint64_t Addr) {
  if (has(Addr))
    return Error::success();
  uint8_t Old;
  if (Error E = writeByte(Addr, 0xcc, &Old))
    return E;
  Orig[Addr] = Old;
  return Error::success();
}

Error Breakpoints::remove(uint64_t Addr) {
  auto It = Orig.find(Addr);
  if (It == Orig.end())
    return Error::success();
  uint8_t B = It->second;
  Orig.erase(It);
  return writeByte(Addr, B, nullptr);
}

void Breakpoints::unpatch(uint64_t Addr, MutableArrayRef<uint8_t> Buf) const {
  if (Orig.empty())
    return;
  // Blocks are short, so probing each byte is cheaper than a sorted index.
  for (size_t I = 0; I < Buf.size(); ++I)
    if (Buf[I] == 0xcc) {
      auto It = Orig.find(Addr + I);
      if (It != Orig.end())
        Buf[I] = It->second;
    }
}

void Breakpoints::removeRange(uint64_t Begin, uint64_t End) {
  SmallVector<std::pair<uint64_t, uint8_t>, 16> Gone;
  for (auto &KV : Orig)
    if (KV.first >= Begin && KV.first < End)
      Gone.push_back(KV);
  for (auto &[A, B] : Gone) {
    Orig.erase(A);
    consumeError(writeByte(A, B, nullptr)); // fails if unmapped: fine
  }
}

} // namespace lbremu
