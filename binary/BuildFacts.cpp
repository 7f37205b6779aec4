// binary/BuildFacts.cpp: build facts of one ELF file (see BuildFacts.h).
#include "binary/BuildFacts.h"
#include "binary/Disasm.h"
#include "binary/DwarfCheck.h"
#include "binary/ElfFile.h"
#include "binary/Symbols.h"
#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugLine.h"
#include "llvm/DebugInfo/DWARF/DWARFUnit.h"
#include "llvm/MC/MCInst.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

namespace pgoctl::binary {

using namespace llvm;
using namespace llvm::object;

namespace {

/// Startup code from the C runtime (crt1.o, crti.o, crtbegin.o), which no
/// compiler flag of the program changes: left out of the frame-pointer sample.
bool isRuntimeStartup(StringRef Name) {
  static const char *const Names[] = {
      "_start", "_init", "_fini", "__libc_csu_init", "__libc_csu_fini",
      "deregister_tm_clones", "register_tm_clones", "__do_global_dtors_aux",
      "frame_dummy", "_dl_relocate_static_pie"};
  return llvm::is_contained(Names, Name);
}

/// One decoded instruction: its opcode name and its register operands' names.
struct Insn {
  StringRef Op;
  SmallVector<StringRef, 4> Regs; ///< "" for an operand that is not a register
};

/// Calls Visit on each of the first 32 instructions at Bytes, until it
/// returns true (then true) or an instruction does not decode (false).
bool anyOfFirstInsns(const Disasm &D, ArrayRef<uint8_t> Bytes, uint64_t Addr,
                     function_ref<bool(const Insn &)> Visit) {
  for (int N = 0; N < 32 && !Bytes.empty(); ++N) {
    MCInst MI;
    uint64_t Size = 0;
    if (D.Dis->getInstruction(MI, Size, Bytes, Addr, nulls()) != MCDisassembler::Success ||
        Size == 0)
      return false;
    Insn I{D.MII->getName(MI.getOpcode()), {}};
    for (const MCOperand &O : MI)
      I.Regs.push_back(O.isReg() ? StringRef(D.MRI->getName(O.getReg())) : StringRef());
    if (Visit(I))
      return true;
    Bytes = Bytes.drop_front(Size);
    Addr += Size;
  }
  return false;
}

/// x86-64: `push %rbp; mov %rsp,%rbp` among the first instructions. Not
/// only at the entry: shrink wrapping puts it after an early exit that needs
/// no frame. Without frame pointers %rbp is an ordinary callee-saved
/// register: pushed, never set from %rsp.
bool hasX86FrameSetup(const Disasm &D, ArrayRef<uint8_t> Bytes, uint64_t Addr) {
  bool LastWasPushRbp = false;
  return anyOfFirstInsns(D, Bytes, Addr, [&](const Insn &I) {
    auto Reg = [&](size_t K) { return K < I.Regs.size() ? I.Regs[K] : StringRef(); };
    if (LastWasPushRbp && (I.Op == "MOV64rr" || I.Op == "MOV64rr_REV") && Reg(0) == "RBP" &&
        Reg(1) == "RSP")
      return true;
    LastWasPushRbp = I.Op == "PUSH64r" && Reg(0) == "RBP";
    return false;
  });
}

/// AArch64: the frame record stored (`stp x29, x30, [sp, #-N]!`, or `stp
/// x29, x30, [sp, #M]` after `sub sp`), then `mov x29, sp` or `add x29, sp,
/// #M`. Without frame pointers x29 may still be saved as a callee-saved
/// register, but it is never set from sp.
bool hasAArch64FrameSetup(const Disasm &D, ArrayRef<uint8_t> Bytes, uint64_t Addr) {
  auto IsFp = [](StringRef R) { return R == "FP" || R == "X29"; };
  bool SavedFp = false;
  return anyOfFirstInsns(D, Bytes, Addr, [&](const Insn &I) {
    if (I.Op.starts_with("STP") || I.Op.starts_with("STR"))
      SavedFp |= llvm::any_of(I.Regs, IsFp);
    return SavedFp && I.Op == "ADDXri" && I.Regs.size() >= 2 && IsFp(I.Regs[0]) &&
           I.Regs[1] == "SP";
  });
}

bool hasFrameSetup(Triple::ArchType Arch, const Disasm &D, ArrayRef<uint8_t> Bytes,
                   uint64_t Addr) {
  return Arch == Triple::aarch64 ? hasAArch64FrameSetup(D, Bytes, Addr)
                                 : hasX86FrameSetup(D, Bytes, Addr);
}

struct CodeSection {
  uint64_t Addr;
  StringRef Bytes;
};

} // namespace

Expected<BuildFacts> inspectBuild(StringRef Path, const BuildFactsOptions &O) {
  Expected<std::shared_ptr<const ElfFile>> F = ElfFile::open(Path);
  if (!F)
    return F.takeError();
  const ELFObjectFileBase &Obj = (*F)->object();
  BuildFacts B;
  B.Path = Path.str();
  B.Architecture = Triple::getArchTypeName(Obj.getArch()).str();
  Expected<ElfInfo> Info = readElfInfo(**F);
  if (!Info)
    return Info.takeError();
  B.BuildId = Info->BuildId;
  B.IsPIE = Info->IsPIE;

  // Sections: code (for prologues), relocations of code, the debug link.
  std::vector<CodeSection> Code;
  for (const ELFSectionRef Sec : Obj.sections()) {
    Expected<StringRef> Name = Sec.getName();
    if (!Name)
      return addContext(Name.takeError(), Path);
    uint32_t Type = Sec.getType();
    if ((Type == ELF::SHT_RELA || Type == ELF::SHT_REL) && !(Sec.getFlags() & ELF::SHF_ALLOC)) {
      Expected<section_iterator> Target = Sec.getRelocatedSection();
      if (!Target) {
        consumeError(Target.takeError());
      } else if (*Target != Obj.section_end() &&
                 (ELFSectionRef(**Target).getFlags() & ELF::SHF_EXECINSTR)) {
        B.EmitRelocs = true;
      }
    }
    if (*Name == ".gnu_debuglink") {
      if (Expected<StringRef> C = Sec.getContents())
        B.DebugLink = escapeForTerminal(C->take_until([](char Ch) { return Ch == 0; }), 200);
      else
        consumeError(C.takeError());
    }
    if (Sec.isText() && Type == ELF::SHT_PROGBITS) {
      Expected<StringRef> C = Sec.getContents();
      if (!C)
        return addContext(C.takeError(), Path);
      Code.push_back({Sec.getAddress(), *C});
    }
  }

  // Symbols: counts of .symtab and .dynsym functions, local ones, __uniq.
  for (const ELFSymbolRef Sym : Obj.symbols()) {
    uint8_t T = Sym.getELFType();
    if (T != ELF::STT_FUNC && T != ELF::STT_GNU_IFUNC)
      continue;
    ++B.SymtabFunctions;
    if (Sym.getBinding() != ELF::STB_LOCAL)
      continue;
    Expected<StringRef> Name = Sym.getName();
    if (!Name) {
      consumeError(Name.takeError());
      continue;
    }
    if (isRuntimeStartup(*Name))
      continue;
    ++B.LocalFunctions;
    B.UniqFunctions += Name->contains(".__uniq.");
  }
  for (const ELFSymbolRef Sym : Obj.getDynamicSymbolIterators()) {
    uint8_t T = Sym.getELFType();
    if (T != ELF::STT_FUNC && T != ELF::STT_GNU_IFUNC)
      continue;
    Expected<uint32_t> Flags = Sym.getFlags();
    if (!Flags)
      consumeError(Flags.takeError());
    else if (!(*Flags & SymbolRef::SF_Undefined))
      ++B.DynsymFunctions;
  }

  // DWARF, checked before it is read.
  CheckedDwarf CD = openCheckedDwarf(Obj, nullptr);
  B.DamagedUnits = CD.Damaged.size() + (CD.Ctx ? 0 : CD.Problems.size());
  if (CD.Ctx) {
    for (const std::unique_ptr<DWARFUnit> &U : CD.Ctx->compile_units()) {
      ++B.DwarfUnits;
      B.DwarfVersion = std::max<unsigned>(B.DwarfVersion, U->getVersion());
      if (U->getUnitType() == dwarf::DW_UT_skeleton || U->isDWOUnit() ||
          U->getDWOId().has_value())
        ++B.SkeletonUnits;
      if (CD.damaged(*U) || B.LineTablesScanned >= O.LineTableUnits)
        continue;
      const DWARFDebugLine::LineTable *LT = CD.Ctx->getLineTableForUnit(U.get());
      if (!LT)
        continue;
      ++B.LineTablesScanned;
      if (llvm::any_of(LT->Rows, [](const DWARFDebugLine::Row &R) { return R.Discriminator; }))
        ++B.LineTablesWithDiscriminators;
    }
  }

  // Frame pointers in a sample of functions spread over the address range.
  if (Obj.getArch() == Triple::x86_64 || Obj.getArch() == Triple::aarch64) {
    Expected<SymbolTable> Syms = SymbolTable::load(**F);
    if (!Syms)
      return Syms.takeError();
    Expected<Disasm> D = makeDisasm(Obj);
    if (!D)
      return addContext(D.takeError(), Path);
    std::vector<const SymbolInfo *> Cands;
    if (!O.HotAddresses.empty()) {
      // The hottest functions of the profile, most samples first.
      std::map<const SymbolInfo *, uint64_t> Hot;
      for (auto [Addr, Count] : O.HotAddresses)
        if (const SymbolInfo *S = Syms->lookup(Addr); S && !isRuntimeStartup(S->Name))
          Hot[S] += Count;
      std::vector<std::pair<uint64_t, const SymbolInfo *>> ByCount;
      for (auto [S, Count] : Hot)
        ByCount.push_back({Count, S});
      std::sort(ByCount.begin(), ByCount.end(), [](const auto &A, const auto &B) {
        return A.first != B.first ? A.first > B.first : A.second->Start < B.second->Start;
      });
      for (size_t I = 0; I < ByCount.size() && I < O.FramePointerSample; ++I)
        Cands.push_back(ByCount[I].second);
      B.FpHot = !Cands.empty();
    }
    if (Cands.empty())
      for (const SymbolInfo &S : Syms->symbols())
        if (S.Size >= 4 && !isRuntimeStartup(S.Name))
          Cands.push_back(&S);
    size_t N = std::min<size_t>(Cands.size(), O.FramePointerSample);
    B.FramePointersChecked = true;
    for (size_t I = 0; I < N; ++I) {
      const SymbolInfo &S = *Cands[I * Cands.size() / N];
      auto Sec = llvm::find_if(Code, [&](const CodeSection &C) {
        return S.Start >= C.Addr && S.Start - C.Addr < C.Bytes.size();
      });
      if (Sec == Code.end())
        continue; // not in a code section with contents (an alias into data)
      uint64_t Off = S.Start - Sec->Addr;
      StringRef Bytes = Sec->Bytes.substr(Off, std::min<uint64_t>(S.Size, 256));
      ++B.FpSampled;
      if (hasFrameSetup(Obj.getArch(), *D, arrayRefFromStringRef(Bytes), S.Start))
        ++B.FpKept;
      else if (B.FpMissing.size() < O.MaxMissingNames)
        B.FpMissing.push_back(escapeForTerminal(S.Name, 120));
    }
  }
  return B;
}

} // namespace pgoctl::binary
