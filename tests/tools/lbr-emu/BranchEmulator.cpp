// Emulation of the common x86-64 control transfers. Anything it does not
// model exactly (far branches, loop/jrcxz, segment-relative operands) is
// reported as not handled and gets single-stepped by the tracer instead.
#include "BranchEmulator.h"

using namespace llvm;

namespace lbremu {

bool conditionHolds(uint8_t CC, uint64_t F) {
  bool CF = F & 0x1, PF = F & 0x4, ZF = F & 0x40, SF = F & 0x80,
       OF = F & 0x800;
  bool R = false;
  switch (CC >> 1) {
  case 0: R = OF; break;              // o
  case 1: R = CF; break;              // b
  case 2: R = ZF; break;              // e
  case 3: R = CF || ZF; break;        // be
  case 4: R = SF; break;              // s
  case 5: R = PF; break;              // p
  case 6: R = SF != OF; break;        // l
  case 7: R = ZF || SF != OF; break;  // le
  }
  return (CC & 1) ? !R : R;
}

static uint64_t reg(const user_regs_struct &R, int8_t Idx) {
  return reinterpret_cast<const unsigned long long *>(&R)[Idx];
}

static Expected<uint64_t> indirectTarget(const Terminator &T,
                                         const user_regs_struct &R,
                                         Tracee &P) {
  const IndirectOperand &O = T.Ind;
  if (!O.IsMemory)
    return reg(R, O.Base);
  uint64_t EA = uint64_t(O.Disp);
  if (O.Base == IndirectOperand::RipReg)
    EA += T.fallThrough();
  else if (O.Base >= 0)
    EA += reg(R, O.Base);
  if (O.Index >= 0)
    EA += reg(R, O.Index) * O.Scale;
  return P.peekWord(EA);
}

Expected<EmulatedBranch> emulateBranch(const Terminator &T,
                                       user_regs_struct &R, Tracee &P) {
  EmulatedBranch B;
  B.Handled = true;
  B.Taken = true;
  switch (T.Kind) {
  case TermKind::Jcc:
    B.Taken = conditionHolds(T.CondCode, R.eflags);
    B.NextPc = B.Taken ? T.Target : T.fallThrough();
    break;
  case TermKind::JmpRel:
    B.NextPc = T.Target;
    break;
  case TermKind::CallRel:
  case TermKind::CallInd: {
    uint64_t Target = T.Target;
    if (T.Kind == TermKind::CallInd) {
      auto V = indirectTarget(T, R, P); // before rsp changes
      if (!V)
        return V.takeError();
      Target = *V;
    }
    if (Error E = P.pokeWord(R.rsp - 8, T.fallThrough()))
      return std::move(E);
    R.rsp -= 8;
    B.NextPc = Target;
    break;
  }
  case TermKind::Ret: {
    auto V = P.peekWord(R.rsp);
    if (!V)
      return V.takeError();
    R.rsp += 8 + T.RetPop;
    B.NextPc = *V;
    break;
  }
  case TermKind::JmpInd: {
    auto V = indirectTarget(T, R, P);
    if (!V)
      return V.takeError();
    B.NextPc = *V;
    break;
  }
  case TermKind::OtherBranch:
  case TermKind::NonBranch:
    B.Handled = false;
    B.Taken = false;
    return B;
  }
  R.rip = B.NextPc;
  return B;
}

} // namespace lbremu
