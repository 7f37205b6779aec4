// Implementation of X86Decoder on top of llvm::MCDisassembler and
// llvm::MCInstrAnalysis. Classification comes from the MCInstrDesc flags; the
// condition code of a jcc is read from its opcode byte (the hardware
// encoding), so it does not depend on LLVM's internal enums.
#include "X86Decoder.h"

#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCDisassembler/MCDisassembler.h"
#include "llvm/MC/MCInst.h"
#include "llvm/MC/MCInstrAnalysis.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Triple.h"

#include <cstddef>
#include <sys/user.h>

using namespace llvm;

namespace lbremu {

struct X86Decoder::Impl {
  Triple TT{"x86_64-unknown-linux-gnu"};
  std::unique_ptr<MCRegisterInfo> MRI;
  std::unique_ptr<MCAsmInfo> MAI;
  std::unique_ptr<MCSubtargetInfo> STI;
  std::unique_ptr<MCInstrInfo> MII;
  std::unique_ptr<MCContext> Ctx;
  std::unique_ptr<MCDisassembler> Dis;
  std::unique_ptr<MCInstrAnalysis> MIA;
  DenseMap<unsigned, int8_t> RegIndex; // MC register -> user_regs_struct word

  void buildRegIndex();
  bool writesRbp(const MCInst &I, const MCInstrDesc &Desc) const;
  unsigned Rbp = 0, Ebp = 0;
  void describeIndirect(const MCInst &I, Terminator &T) const;
  int8_t regIndex(unsigned Reg) const {
    if (Reg == 0)
      return IndirectOperand::NoReg;
    auto It = RegIndex.find(Reg);
    return It == RegIndex.end() ? int8_t(-100) : It->second;
  }
};

void X86Decoder::Impl::buildRegIndex() {
#define W(field) int8_t(offsetof(user_regs_struct, field) / 8)
  StringMap<int8_t> ByName = {
      {"RAX", W(rax)}, {"RBX", W(rbx)}, {"RCX", W(rcx)}, {"RDX", W(rdx)},
      {"RSI", W(rsi)}, {"RDI", W(rdi)}, {"RBP", W(rbp)}, {"RSP", W(rsp)},
      {"R8", W(r8)},   {"R9", W(r9)},   {"R10", W(r10)}, {"R11", W(r11)},
      {"R12", W(r12)}, {"R13", W(r13)}, {"R14", W(r14)}, {"R15", W(r15)},
      {"RIP", IndirectOperand::RipReg}};
#undef W
  for (unsigned R = 1, E = MRI->getNumRegs(); R < E; ++R) {
    StringRef N = MRI->getName(R);
    if (N == "RBP")
      Rbp = R;
    else if (N == "EBP")
      Ebp = R;
    auto It = ByName.find(N);
    if (It != ByName.end())
      RegIndex[R] = It->second;
  }
}

// Whether I defines %rbp (or %ebp, which zero-extends into it), explicitly or
// implicitly (leave).
bool X86Decoder::Impl::writesRbp(const MCInst &I, const MCInstrDesc &Desc) const {
  for (unsigned K = 0; K < Desc.getNumDefs() && K < I.getNumOperands(); ++K)
    if (I.getOperand(K).isReg() && (I.getOperand(K).getReg() == Rbp || I.getOperand(K).getReg() == Ebp))
      return true;
  for (MCPhysReg R : Desc.implicit_defs())
    if (R == Rbp || R == Ebp)
      return true;
  return false;
}

// Fills T.Ind for "jmp/call reg" and "jmp/call [base+index*scale+disp]".
// Anything unusual (segment override, 32-bit registers) is left unsupported
// and the tracer single-steps it instead.
void X86Decoder::Impl::describeIndirect(const MCInst &I, Terminator &T) const {
  IndirectOperand &O = T.Ind;
  StringRef Name = MII->getName(I.getOpcode());
  if ((Name.starts_with("JMP64r") || Name.starts_with("CALL64r")) &&
      I.getNumOperands() == 1 && I.getOperand(0).isReg()) {
    O.Base = regIndex(I.getOperand(0).getReg());
    O.Supported = O.Base >= 0;
    return;
  }
  if ((Name.starts_with("JMP64m") || Name.starts_with("CALL64m")) &&
      I.getNumOperands() == 5 && I.getOperand(0).isReg() &&
      I.getOperand(1).isImm() && I.getOperand(2).isReg() &&
      I.getOperand(3).isImm() && I.getOperand(4).isReg() &&
      I.getOperand(4).getReg() == 0) {
    O.IsMemory = true;
    O.Base = regIndex(I.getOperand(0).getReg());
    O.Scale = uint8_t(I.getOperand(1).getImm());
    O.Index = regIndex(I.getOperand(2).getReg());
    O.Disp = I.getOperand(3).getImm();
    O.Supported = O.Base >= IndirectOperand::RipReg &&
                  O.Index >= IndirectOperand::NoReg &&
                  O.Index != IndirectOperand::RipReg;
  }
}

X86Decoder::X86Decoder(std::unique_ptr<Impl> I) : P(std::move(I)) {}
X86Decoder::~X86Decoder() = default;

Expected<std::unique_ptr<X86Decoder>> X86Decoder::create() {
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86Disassembler();
  auto I = std::make_unique<Impl>();
  std::string Err;
  const Target *T = TargetRegistry::lookupTarget(I->TT, Err);
  if (!T)
    return createStringError(inconvertibleErrorCode(),
                             "LLVM x86 target unavailable: " + Err);
  I->MRI.reset(T->createMCRegInfo(I->TT));
  MCTargetOptions MCOpts;
  I->MAI.reset(T->createMCAsmInfo(*I->MRI, I->TT, MCOpts));
  I->STI.reset(T->createMCSubtargetInfo(I->TT, "", ""));
  I->MII.reset(T->createMCInstrInfo());
  if (!I->MRI || !I->MAI || !I->STI || !I->MII)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create LLVM MC objects for x86-64");
  I->Ctx = std::make_unique<MCContext>(I->TT, I->MAI.get(), I->MRI.get(),
                                       I->STI.get());
  I->Dis.reset(T->createMCDisassembler(*I->STI, *I->Ctx));
  I->MIA.reset(T->createMCInstrAnalysis(I->MII.get()));
  if (!I->Dis || !I->MIA)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create the LLVM x86-64 disassembler");
  I->buildRegIndex();
  return std::unique_ptr<X86Decoder>(new X86Decoder(std::move(I)));
}

// Returns the jcc condition code if Bytes start with a (prefixed) jcc rel.
static int jccCondCode(ArrayRef<uint8_t> B) {
  size_t K = 0;
  while (K < B.size() && (B[K] == 0x2e || B[K] == 0x3e || B[K] == 0xf2 ||
                          B[K] == 0xf3 || B[K] == 0x66 ||
                          (B[K] >= 0x40 && B[K] <= 0x4f)))
    ++K;
  if (K < B.size() && B[K] >= 0x70 && B[K] <= 0x7f)
    return B[K] & 0xf;
  if (K + 1 < B.size() && B[K] == 0x0f && B[K + 1] >= 0x80 && B[K + 1] <= 0x8f)
    return B[K + 1] & 0xf;
  return -1;
}

Expected<DecodedInsn> X86Decoder::decodeOne(ArrayRef<uint8_t> Bytes,
                                            uint64_t Addr) const {
  MCInst I;
  uint64_t Size = 0;
  auto St = P->Dis->getInstruction(I, Size, Bytes, Addr, nulls());
  if (St != MCDisassembler::Success || Size == 0)
    return createStringError(inconvertibleErrorCode(),
                             "cannot decode instruction at 0x%" PRIx64, Addr);
  DecodedInsn D;
  D.Len = uint8_t(Size);
  const MCInstrDesc &Desc = P->MII->get(I.getOpcode());
  StringRef Name = P->MII->getName(I.getOpcode());
  bool Branch = Desc.isBranch() || Desc.isCall() || Desc.isReturn() ||
                Desc.isIndirectBranch();
  bool SysLike = Name.starts_with("SYSCALL") || Name.starts_with("SYSENTER") ||
                 Name.starts_with("SYSRET") || Name.starts_with("SYSEXIT") ||
                 Name.starts_with("INT") || Name.starts_with("UD") ||
                 Name == "HLT" || Name.starts_with("IRET") ||
                 Name.starts_with("VMCALL");
  if (!Branch && !SysLike && !Desc.mayAffectControlFlow(I, *P->MRI)) {
    D.WritesRbp = P->writesRbp(I, Desc);
    return D;
  }
  D.IsTerminator = true;
  Terminator &T = D.Term;
  T.Addr = Addr;
  T.Len = D.Len;
  if (SysLike || !Branch) {
    T.Kind = TermKind::NonBranch;
    return D;
  }
  T.Conditional = Desc.isConditionalBranch();
  uint64_t Target = 0;
  bool HasTarget = P->MIA->evaluateBranch(I, Addr, Size, Target);
  if (Desc.isReturn()) {
    T.Kind = TermKind::Ret;
    if (Name.starts_with("RETI64") && I.getNumOperands() >= 1 &&
        I.getOperand(0).isImm())
      T.RetPop = uint16_t(I.getOperand(0).getImm());
    else if (!Name.starts_with("RET64"))
      T.Kind = TermKind::OtherBranch; // far/32-bit returns
  } else if (Desc.isConditionalBranch()) {
    int CC = jccCondCode(Bytes.take_front(Size));
    if (CC >= 0 && HasTarget) {
      T.Kind = TermKind::Jcc;
      T.CondCode = uint8_t(CC);
      T.Target = Target;
    } else {
      T.Kind = TermKind::OtherBranch;
    }
  } else if (Desc.isCall()) {
    if (HasTarget && !Desc.isIndirectBranch() &&
        Name.starts_with("CALL64pcrel")) {
      T.Kind = TermKind::CallRel;
      T.Target = Target;
    } else {
      T.Kind = TermKind::CallInd;
      P->describeIndirect(I, T);
    }
  } else if (HasTarget && !Desc.isIndirectBranch()) {
    T.Kind = TermKind::JmpRel;
    T.Target = Target;
  } else if (Desc.isIndirectBranch() || Name.starts_with("JMP64")) {
    T.Kind = TermKind::JmpInd;
    P->describeIndirect(I, T);
  } else {
    T.Kind = TermKind::OtherBranch;
  }
  if ((T.Kind == TermKind::JmpInd || T.Kind == TermKind::CallInd) &&
      !T.Ind.Supported)
    T.Kind = TermKind::OtherBranch;
  return D;
}

} // namespace lbremu
