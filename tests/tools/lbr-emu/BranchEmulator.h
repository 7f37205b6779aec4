// BranchEmulator: executes a block's terminating branch on behalf of the
// program, from the registers seen at the breakpoint: evaluates a jcc on
// EFLAGS, pushes the return address of a call, pops it for a ret, loads the
// target of an indirect jmp/call. This saves the second ptrace round trip
// (single-stepping the branch) for nearly every branch.
#pragma once

#include "Tracee.h"
#include "X86Decoder.h"

namespace lbremu {

// True when the x86 condition code CC holds for EFLAGS.
bool conditionHolds(uint8_t CC, uint64_t Eflags);

struct EmulatedBranch {
  bool Handled = false; // false: the caller must single-step it
  bool Taken = false;
  uint64_t NextPc = 0;
};

// Emulates T with registers R (updated in place; the caller writes them
// back). Memory is written only for calls (the pushed return address).
llvm::Expected<EmulatedBranch> emulateBranch(const Terminator &T,
                                             user_regs_struct &R, Tracee &P);

} // namespace lbremu
