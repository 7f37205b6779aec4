// X86Decoder: wraps LLVM's MC disassembler for x86-64. Given the bytes of
// straight-line code it finds the first instruction that can change the
// control flow (the block's terminator) and describes it well enough for the
// tracer to emulate it: kind, length, static target, condition code, or the
// register/memory operand of an indirect branch.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>

namespace lbremu {

enum class TermKind : uint8_t {
  Jcc,       // jcc rel (7x / 0f 8x): taken iff condition holds on EFLAGS
  JmpRel,    // jmp rel
  CallRel,   // call rel
  Ret,       // ret / ret imm16
  JmpInd,    // jmp via register or memory
  CallInd,   // call via register or memory
  OtherBranch, // loop/jrcxz/far/xbegin...: single-stepped, recorded
  NonBranch, // syscall/int/ud2/hlt...: single-stepped, not an LBR branch
};

// Location of an indirect branch's target. Register numbers are indices of
// 64-bit words in struct user_regs_struct; RipReg means "next instruction".
struct IndirectOperand {
  static constexpr int8_t NoReg = -1;
  static constexpr int8_t RipReg = -2;
  bool IsMemory = false;
  bool Supported = false; // false: fall back to single-stepping
  int8_t Base = NoReg;
  int8_t Index = NoReg;
  uint8_t Scale = 1;
  int64_t Disp = 0;
};

struct Terminator {
  uint64_t Addr = 0;
  uint64_t Target = 0; // static target of Jcc/JmpRel/CallRel
  uint16_t RetPop = 0; // imm16 of "ret imm16"
  uint8_t Len = 0;
  uint8_t CondCode = 0; // x86 condition code (low nibble of the opcode)
  bool Conditional = false; // may fall through (jcc, loop, jrcxz, xbegin)
  TermKind Kind = TermKind::NonBranch;
  IndirectOperand Ind;

  bool isLbrBranch() const { return Kind != TermKind::NonBranch; }
  bool isConditional() const { return Conditional; }
  uint64_t fallThrough() const { return Addr + Len; }
};

// One decoded instruction (used by the single-step mode).
struct DecodedInsn {
  uint8_t Len = 0;
  bool IsTerminator = false;
  bool WritesRbp = false; // pop %rbp, leave, mov %rsp,%rbp, ...: frame set-up and tear-down
  Terminator Term; // valid when IsTerminator
};

class X86Decoder {
public:
  static llvm::Expected<std::unique_ptr<X86Decoder>> create();
  ~X86Decoder();

  // Decodes one instruction at Addr from Bytes. Error if undecodable.
  llvm::Expected<DecodedInsn> decodeOne(llvm::ArrayRef<uint8_t> Bytes,
                                        uint64_t Addr) const;

private:
  struct Impl;
  explicit X86Decoder(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> P;
};

} // namespace lbremu
