// convert/bolt/BoltBinary.cpp: BOLT's view of a binary (functions, names, basic
// blocks) rebuilt from the ELF with llvm::object and LLVM's MC disassembler.
//
// The rules follow what perf2bolt 22 does (see BoltBinary.h and the notes at
// the top of Fdata.cpp); where this file simplifies (FDE sizes, landing pads,
// secondary entry points, IBT PLTs) the difference is said where it is made.
#include "convert/bolt/BoltBinary.h"
#include "binary/ElfFile.h"
#include "binary/Disasm.h"
#include "core/Support.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/BinaryFormat/ELF.h"
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
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <map>
#include <set>

using namespace llvm;
using namespace llvm::object;

namespace pgoctl::convert::bolt {

using binary::Disasm;
using binary::makeDisasm;

namespace {

struct Section {
  std::string Name;
  uint64_t Addr = 0, Size = 0;
  bool Alloc = false, Exec = false;
  StringRef Bytes; ///< empty for NOBITS
  bool contains(uint64_t A) const { return A >= Addr && A - Addr < Size; }
};

/// One decoded instruction, classified the way BOLT's MCPlusBuilder does.
struct Insn {
  uint32_t Offset = 0;
  uint32_t Size = 0;
  bool Terminator = false, Cond = false, Uncond = false, Indirect = false;
  bool Call = false, Return = false;
  std::optional<uint64_t> Target; ///< direct branch or call target address
};

struct LocalLabel;
struct Sym;

} // namespace

struct BoltBinary::Impl {
  std::shared_ptr<const binary::ElfFile> Elf; ///< shared with the Symbolizer
  std::vector<Section> Sections;
  Disasm MC; ///< convert/Disasm.h: shared with the Symbolizer
  DenseMap<uint64_t, bool> ReturnCache;

  const Section *sectionAt(uint64_t A) const {
    for (const Section &S : Sections)
      if (S.Alloc && S.contains(A))
        return &S;
    return nullptr;
  }
  /// Bytes of the loaded image at [A, A+N), or an empty ref.
  ArrayRef<uint8_t> bytes(uint64_t A, uint64_t N) const {
    const Section *S = sectionAt(A);
    if (!S || S->Bytes.empty() || A - S->Addr + N > S->Bytes.size())
      return {};
    return ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(S->Bytes.data()) + (A - S->Addr), N);
  }
  bool decode(ArrayRef<uint8_t> Bytes, uint64_t Addr, MCInst &MI, uint64_t &Size) const {
    return MC.Dis->getInstruction(MI, Size, Bytes, Addr, nulls()) == MCDisassembler::Success &&
           Size > 0;
  }
  Insn classify(const MCInst &MI, uint64_t Addr, uint64_t Size, uint64_t FuncAddr) const;
  void findJumpTableTargets(const Function &F, const std::vector<Insn> &Insns,
                            const std::vector<MCInst> &MIs, std::set<uint64_t> &Targets) const;
  bool disassemble(const Function &F, std::vector<Insn> &Insns,
                   std::vector<MCInst> &MIs) const;
  // Passes of load().
  void addPltEntries(std::map<uint64_t, Function> &ByAddr) const;
  std::optional<uint64_t> pltGotSlot(uint64_t Entry, unsigned EntrySize) const;
  void setMaxSizes(std::map<uint64_t, Function> &ByAddr, std::vector<LocalLabel> &Labels) const;
};

Insn BoltBinary::Impl::classify(const MCInst &MI, uint64_t Addr, uint64_t Size,
                                uint64_t FuncAddr) const {
  const MCInstrDesc &D = MC.MII->get(MI.getOpcode());
  StringRef Name = MC.MII->getName(MI.getOpcode());
  Insn In;
  In.Offset = uint32_t(Addr - FuncAddr);
  In.Size = uint32_t(Size);
  // BOLT treats hlt and traps as terminators too (its -terminal-x86-hlt and
  // -terminal-trap defaults).
  In.Terminator = D.isTerminator() || Name == "HLT" || Name == "TRAP" || Name.starts_with("UD1");
  In.Cond = D.isConditionalBranch();
  In.Uncond = D.isUnconditionalBranch();
  In.Indirect = D.isIndirectBranch();
  In.Call = D.isCall();
  In.Return = D.isReturn();
  uint64_t T = 0;
  if ((D.isBranch() || D.isCall()) && !D.isIndirectBranch() &&
      MC.MIA->evaluateBranch(MI, Addr, Size, T))
    In.Target = T;
  return In;
}

// Jump tables, as BOLT finds them for clang's code: a PIC table (`lea
// TABLE(%rip)`, then 32-bit entries relative to TABLE) or an absolute one
// (`jmp *TABLE(,%reg,8)`), in a non-executable section. Entries are read while
// they land on instructions of the function. Their targets start blocks.
void BoltBinary::Impl::findJumpTableTargets(const Function &F, const std::vector<Insn> &Insns,
                                            const std::vector<MCInst> &MIs,
                                            std::set<uint64_t> &Targets) const {
  bool HasIndirectJump = false;
  for (const Insn &In : Insns)
    HasIndirectJump |= In.Indirect && !In.Call;
  if (!HasIndirectJump)
    return;
  std::set<uint64_t> Starts;
  for (const Insn &In : Insns)
    Starts.insert(In.Offset);
  auto scan = [&](uint64_t Table, unsigned EntrySize, bool Relative) {
    const Section *S = sectionAt(Table);
    if (!S || S->Exec || S->Bytes.empty())
      return;
    for (uint64_t A = Table; A + EntrySize <= S->Addr + S->Bytes.size(); A += EntrySize) {
      ArrayRef<uint8_t> B = bytes(A, EntrySize);
      if (B.empty())
        return;
      uint64_t Target;
      if (Relative) {
        int32_t V;
        memcpy(&V, B.data(), 4);
        Target = Table + int64_t(V);
      } else {
        memcpy(&Target, B.data(), 8);
      }
      if (!F.contains(Target) || !Starts.count(Target - F.Address))
        return;
      Targets.insert(Target - F.Address);
    }
  };
  for (size_t K = 0; K < Insns.size(); ++K) {
    const MCInst &MI = MIs[K];
    const Insn &In = Insns[K];
    StringRef Name = MC.MII->getName(MI.getOpcode());
    // Memory operands are 5 MC operands: base, scale, index, disp, segment.
    for (unsigned Op = 0; Op + 4 < MI.getNumOperands(); ++Op) {
      const MCOperand &Base = MI.getOperand(Op), &Scale = MI.getOperand(Op + 1),
                      &Index = MI.getOperand(Op + 2), &Disp = MI.getOperand(Op + 3),
                      &Seg = MI.getOperand(Op + 4);
      if (!Base.isReg() || !Scale.isImm() || !Index.isReg() || !Disp.isImm() || !Seg.isReg())
        continue;
      StringRef BaseName = Base.getReg() ? StringRef(MC.MRI->getName(Base.getReg())) : "";
      if (Name.starts_with("LEA64") && BaseName == "RIP" && !Index.getReg())
        scan(F.Address + In.Offset + In.Size + Disp.getImm(), 4, true);
      else if (!Base.getReg() && Scale.getImm() == 8 && Index.getReg() && Disp.getImm() > 0)
        scan(uint64_t(Disp.getImm()), 8, false);
      break;
    }
  }
}

const BasicBlock *Function::blockContaining(uint64_t Offset) const {
  if (Offset > Size || Blocks.empty())
    return nullptr;
  auto It = std::upper_bound(Blocks.begin(), Blocks.end(), Offset,
                             [](uint64_t O, const BasicBlock &B) { return O < B.Offset; });
  if (It == Blocks.begin())
    return nullptr;
  --It;
  return Offset < It->End ? &*It : nullptr;
}

BoltBinary::BoltBinary() : I(std::make_unique<Impl>()) {}
BoltBinary::~BoltBinary() = default;

std::string escapeName(StringRef Name) {
  std::string Out;
  Out.reserve(Name.size());
  for (char C : Name) {
    if (C == ' ' || C == '\\')
      Out += '\\';
    Out += C;
  }
  return Out;
}

Expected<std::unique_ptr<BoltBinary>> BoltBinary::load(StringRef Path) {
  Expected<std::shared_ptr<const binary::ElfFile>> F = binary::ElfFile::open(Path);
  if (!F)
    return F.takeError();
  return load(std::move(*F));
}

namespace {

/// A symbol in memory, with what BOLT's function discovery looks at.
struct Sym {
  uint64_t Addr, Size;
  SymbolRef::Type Type;
  bool Global;
  StringRef Name;
  const Section *Sec; // null: absolute
  size_t Idx;         // symbol table order, for a stable sort
};

/// A symbol that may lie inside a function body; BOLT tolerates local NOTYPE
/// zero-size ones (labels) there, any other ends the function's max size.
struct LocalLabel {
  uint64_t Addr;
  bool Tolerated;
};

/// Functions by address while they are found.
using FunctionMap = std::map<uint64_t, Function>;

} // namespace

/// The ELF's sections, with their bytes (none for NOBITS); SectionIndexOf
/// maps an llvm::object section index to its place in Sections.
static void readSections(const ELFObjectFileBase &Elf, std::vector<Section> &Sections,
                         DenseMap<uint64_t, size_t> &SectionIndexOf) {
  for (const SectionRef &S : Elf.sections()) {
    ELFSectionRef ES(S);
    Section Sec;
    if (Expected<StringRef> N = S.getName())
      Sec.Name = N->str();
    else
      consumeError(N.takeError());
    Sec.Addr = S.getAddress();
    Sec.Size = S.getSize();
    Sec.Alloc = ES.getFlags() & ELF::SHF_ALLOC;
    Sec.Exec = ES.getFlags() & ELF::SHF_EXECINSTR;
    if (ES.getType() != ELF::SHT_NOBITS) {
      if (Expected<StringRef> C = S.getContents())
        Sec.Bytes = *C;
      else
        consumeError(C.takeError());
    }
    SectionIndexOf[S.getIndex()] = Sections.size();
    Sections.push_back(std::move(Sec));
  }
}

/// Defined symbols of allocated sections (or absolute), sorted as BOLT sorts
/// them: by address, functions first, section symbols last (stable
/// otherwise: symbol table order). Unreadable symbols and symbols lying
/// outside their section are left out, as BOLT ignores them.
static std::vector<Sym> readSymbols(const ELFObjectFileBase &Elf,
                                    const std::vector<Section> &Sections,
                                    const DenseMap<uint64_t, size_t> &SectionIndexOf) {
  std::vector<Sym> Syms;
  for (const SymbolRef &S : Elf.symbols()) {
    Expected<SymbolRef::Type> Ty = S.getType();
    Expected<uint32_t> Fl = S.getFlags();
    Expected<uint64_t> Ad = S.getAddress();
    Expected<StringRef> Nm = S.getName();
    Expected<section_iterator> Si = S.getSection();
    if (!Ty || !Fl || !Ad || !Nm || !Si) {
      consumeError(Ty.takeError());
      consumeError(Fl.takeError());
      consumeError(Ad.takeError());
      consumeError(Nm.takeError());
      consumeError(Si.takeError());
      continue;
    }
    if (*Ty == SymbolRef::ST_File || (*Fl & SymbolRef::SF_Undefined))
      continue;
    Sym X{*Ad, ELFSymbolRef(S).getSize(), *Ty, bool(*Fl & SymbolRef::SF_Global), *Nm, nullptr,
          Syms.size()};
    if (!(*Fl & SymbolRef::SF_Absolute)) {
      if (*Si == Elf.section_end())
        continue;
      const Section &Sec = Sections[SectionIndexOf.lookup((*Si)->getIndex())];
      if (!Sec.Alloc)
        continue;
      if (X.Addr < Sec.Addr || X.Addr + X.Size > Sec.Addr + Sec.Size)
        continue;
      X.Sec = &Sec;
    }
    Syms.push_back(X);
  }
  auto rank = [](const Sym &S) {
    return S.Type == SymbolRef::ST_Function ? 0 : S.Type == SymbolRef::ST_Debug ? 2 : 1;
  };
  std::sort(Syms.begin(), Syms.end(), [&](const Sym &A, const Sym &B) {
    return std::make_tuple(A.Addr, rank(A), A.Idx) < std::make_tuple(B.Addr, rank(B), B.Idx);
  });
  return Syms;
}

/// Functions from the sorted symbols, named as BOLT names them: local names
/// get `/N`, N counting equal names in this order; the first name at an
/// address names the function. Every symbol's address goes to Labels.
static void discoverFunctions(llvm::ArrayRef<Sym> Syms, FunctionMap &ByAddr,
                              std::vector<LocalLabel> &Labels) {
  StringMap<unsigned> LocalCount;
  const Function *Prev = nullptr;
  for (const Sym &S : Syms) {
    if (S.Addr == 0 || S.Name == "__hot_start" || S.Name == "__hot_end")
      continue;
    Labels.push_back({S.Addr, !S.Global && S.Type == SymbolRef::ST_Unknown && S.Size == 0});
    if (S.Type == SymbolRef::ST_Debug)
      continue; // section symbols: never functions, no names that count
    std::string Name = S.Name.starts_with(".L") ? "PG" + S.Name.str() : S.Name.str();
    if (Name.empty())
      continue;
    if (!S.Global)
      Name += "/" + std::to_string(++LocalCount[Name]);
    if (!S.Sec || !S.Sec->Exec || S.Addr == S.Sec->Addr + S.Sec->Size)
      continue;
    // A symbol inside the previous function is a label or a second entry of
    // it, not a function of its own.
    if (Prev && Prev->contains(S.Addr) && Prev->Address != S.Addr)
      continue;
    auto [It, New] = ByAddr.try_emplace(S.Addr);
    if (New) {
      It->second.Name = escapeName(Name);
      It->second.Address = S.Addr;
      It->second.Size = S.Size;
    } else if (S.Type != SymbolRef::ST_Function) {
      continue; // an alias: the first name stays
    }
    Prev = &It->second;
  }
}

/// PLT entries: `sym@PLT` by the dynamic relocation (JUMP_SLOT, GLOB_DAT) of
/// the GOT slot the entry's indirect jump reads; the header is a pseudo
/// function `__BOLT_PSEUDO_<section>`.
void BoltBinary::Impl::addPltEntries(FunctionMap &ByAddr) const {
  const ELFObjectFileBase &Obj = Elf->object();
  DenseMap<uint64_t, std::string> GotSlotSym;
  for (const SectionRef &RS : Obj.dynamic_relocation_sections())
    for (const RelocationRef &R : RS.relocations()) {
      uint64_t Ty = R.getType();
      if (Ty != ELF::R_X86_64_JUMP_SLOT && Ty != ELF::R_X86_64_GLOB_DAT)
        continue;
      symbol_iterator SI = R.getSymbol();
      if (SI == Obj.symbol_end())
        continue;
      if (Expected<StringRef> N = SI->getName(); N && !N->empty())
        GotSlotSym[R.getOffset()] = N->str();
      else if (!N)
        consumeError(N.takeError());
    }
  for (const Section &S : Sections) {
    unsigned EntrySize = S.Name == ".plt" || S.Name == ".plt.sec" || S.Name == ".iplt" ? 16
                         : S.Name == ".plt.got"                                      ? 8
                                                                                     : 0;
    if (!EntrySize || !S.Alloc || S.Bytes.empty())
      continue;
    for (uint64_t E = S.Addr; E + EntrySize <= S.Addr + S.Size; E += EntrySize) {
      std::optional<uint64_t> Slot = pltGotSlot(E, EntrySize);
      std::string Name;
      if (Slot) {
        auto It = GotSlotSym.find(*Slot);
        if (It != GotSlotSym.end())
          Name = It->second + "@PLT";
      }
      if (Name.empty() && E == S.Addr)
        Name = "__BOLT_PSEUDO_" + S.Name;
      if (Name.empty() || ByAddr.count(E))
        continue;
      Function F;
      F.Name = escapeName(Name);
      F.Address = E;
      F.Size = EntrySize;
      F.Pseudo = true;
      ByAddr.emplace(E, std::move(F));
    }
  }
}

/// The GOT slot a PLT entry at E jumps through (`jmp *slot(%rip)`), if any.
std::optional<uint64_t> BoltBinary::Impl::pltGotSlot(uint64_t E, unsigned EntrySize) const {
  for (uint64_t A = E; A < E + EntrySize;) {
    MCInst MI;
    uint64_t Sz = 0;
    if (!decode(bytes(A, E + EntrySize - A), A, MI, Sz))
      return std::nullopt;
    const MCInstrDesc &D = MC.MII->get(MI.getOpcode());
    if (D.isIndirectBranch() && MI.getNumOperands() >= 5 && MI.getOperand(0).isReg() &&
        StringRef(MC.MRI->getName(MI.getOperand(0).getReg())) == "RIP" &&
        MI.getOperand(3).isImm())
      return A + Sz + MI.getOperand(3).getImm();
    A += Sz;
  }
  return std::nullopt;
}

/// Max sizes: up to the next symbol that is not a tolerated label inside the
/// body, the next function, or the end of the section.
void BoltBinary::Impl::setMaxSizes(FunctionMap &ByAddr, std::vector<LocalLabel> &Labels) const {
  std::sort(Labels.begin(), Labels.end(),
            [](const LocalLabel &A, const LocalLabel &B) { return A.Addr < B.Addr; });
  for (auto It = ByAddr.begin(); It != ByAddr.end(); ++It) {
    Function &F = It->second;
    const Section *Sec = sectionAt(F.Address);
    uint64_t Next = Sec ? Sec->Addr + Sec->Size : F.Address + F.Size;
    if (auto N = std::next(It); N != ByAddr.end())
      Next = std::min(Next, N->first);
    auto L = std::upper_bound(Labels.begin(), Labels.end(), F.Address,
                              [](uint64_t A, const LocalLabel &X) { return A < X.Addr; });
    for (; L != Labels.end() && L->Addr < Next; ++L)
      if (!(L->Tolerated && L->Addr <= F.Address + F.Size)) {
        Next = L->Addr;
        break;
      }
    F.MaxSize = std::max(Next - F.Address, F.Size);
    if (F.Size == 0)
      F.Size = F.MaxSize;
  }
}

// Passes: sections, symbols, functions from symbols, PLT entries, max sizes.
// Basic blocks come later, per function, in cfg().
Expected<std::unique_ptr<BoltBinary>>
BoltBinary::load(std::shared_ptr<const binary::ElfFile> File) {
  std::unique_ptr<BoltBinary> B(new BoltBinary());
  Impl &I = *B->I;
  I.Elf = std::move(File);
  StringRef Path = I.Elf->path();
  const ELFObjectFileBase &Elf = I.Elf->object();
  if (Elf.getArch() != Triple::x86_64)
    return makeError("{0}: .fdata output supports x86-64 binaries only", Path);
  Expected<Disasm> MC = makeDisasm(Elf);
  if (!MC)
    return MC.takeError();
  I.MC = std::move(*MC);
  if (!I.MC.MIA)
    return makeError("{0}: no LLVM instruction analysis for x86-64", Path);

  DenseMap<uint64_t, size_t> SectionIndexOf;
  readSections(Elf, I.Sections, SectionIndexOf);
  std::vector<Sym> Syms = readSymbols(Elf, I.Sections, SectionIndexOf);
  FunctionMap ByAddr;
  std::vector<LocalLabel> Labels;
  discoverFunctions(Syms, ByAddr, Labels);
  I.addPltEntries(ByAddr);
  I.setMaxSizes(ByAddr, Labels);
  B->Funcs.reserve(ByAddr.size());
  for (auto &KV : ByAddr)
    B->Funcs.push_back(std::move(KV.second));
  return B;
}

Function *BoltBinary::functionAt(uint64_t Addr) {
  auto It = std::upper_bound(Funcs.begin(), Funcs.end(), Addr,
                             [](uint64_t A, const Function &F) { return A < F.Address; });
  if (It == Funcs.begin())
    return nullptr;
  --It;
  return Addr - It->Address < It->MaxSize ? &*It : nullptr;
}

bool BoltBinary::isReturn(uint64_t Addr) {
  auto [It, New] = I->ReturnCache.try_emplace(Addr, false);
  if (!New)
    return It->second;
  Function *F = functionAt(Addr);
  if (!F)
    return false;
  MCInst MI;
  uint64_t Sz = 0;
  uint64_t End = F->Address + F->MaxSize;
  bool R = I->decode(I->bytes(Addr, std::min<uint64_t>(15, End - Addr)), Addr, MI, Sz) &&
           I->MC.MII->get(MI.getOpcode()).isReturn();
  I->ReturnCache[Addr] = R;
  return R;
}

/// Disassembles F's body; false when a byte does not decode (zero bytes at
/// the end are padding).
bool BoltBinary::Impl::disassemble(const Function &F, std::vector<Insn> &Insns,
                                   std::vector<MCInst> &MIs) const {
  ArrayRef<uint8_t> Bytes = bytes(F.Address, F.Size);
  if (Bytes.empty())
    return false;
  for (uint64_t Off = 0; Off < F.Size;) {
    MCInst MI;
    uint64_t Sz = 0;
    if (!decode(Bytes.drop_front(Off), F.Address + Off, MI, Sz))
      return llvm::all_of(Bytes.drop_front(Off), [](uint8_t B) { return B == 0; });
    Insns.push_back(classify(MI, F.Address + Off, Sz, F.Address));
    MIs.push_back(MI);
    Off += Sz;
  }
  return true;
}

namespace {

/// A direct jump or jcc inside the function (one leaving it is a tail call).
bool isInternal(const Function &F, const Insn &In) {
  return In.Target && !In.Call && F.contains(*In.Target);
}

/// Block labels: the entry, direct branch targets inside the function and
/// jump-table targets; false when a branch lands inside an instruction.
bool blockLabels(const Function &F, llvm::ArrayRef<Insn> Insns,
                 const std::set<uint64_t> &JumpTable, std::set<uint64_t> &Labels) {
  std::set<uint64_t> Starts;
  for (const Insn &In : Insns)
    Starts.insert(In.Offset);
  Labels = {0};
  for (const Insn &In : Insns)
    if (isInternal(F, In)) {
      uint64_t T = *In.Target - F.Address;
      if (!Starts.count(T))
        return false;
      Labels.insert(T);
    }
  Labels.insert(JumpTable.begin(), JumpTable.end());
  return true;
}

/// Basic blocks: a label starts one; a terminator ends one, but an
/// unconditional jump (not a tail call) right after a jcc joins the jcc's
/// block. A block falls into the next when it ends in a conditional branch
/// with one taken successor or in a non-terminator, or when a branch of it
/// targets the next block.
std::vector<BasicBlock> buildBlocks(const Function &F, llvm::ArrayRef<Insn> Insns,
                                    const std::set<uint64_t> &Labels,
                                    const std::set<uint64_t> &JumpTable) {
  struct Building {
    BasicBlock BB;
    size_t LastIdx = 0;
    std::vector<uint64_t> Succ; // taken successors (offsets)
  };
  std::vector<Building> Blocks;
  bool Open = false;
  for (size_t K = 0; K < Insns.size(); ++K) {
    const Insn &In = Insns[K];
    bool NewBlock = Labels.count(In.Offset) || Blocks.empty();
    if (!NewBlock && !Open) {
      const Insn &Prev = Insns[Blocks.back().LastIdx];
      bool IsUncond = In.Uncond && isInternal(F, In);
      bool PrevIsCtc = Prev.Cond && Prev.Target && !F.contains(*Prev.Target);
      bool PrevIsUncond = Prev.Uncond && isInternal(F, Prev);
      NewBlock = !(IsUncond && !Prev.Indirect && !PrevIsUncond && !PrevIsCtc && !Prev.Return);
    }
    if (NewBlock) {
      Building NB;
      NB.BB.Offset = In.Offset;
      Blocks.push_back(NB);
    }
    Building &Cur = Blocks.back();
    Cur.LastIdx = K;
    Cur.BB.LastInsn = In.Offset;
    if (isInternal(F, In))
      Cur.Succ.push_back(*In.Target - F.Address);
    if (In.Indirect && !In.Call)
      Cur.Succ.insert(Cur.Succ.end(), JumpTable.begin(), JumpTable.end());
    Open = !In.Terminator;
  }
  std::vector<BasicBlock> Out;
  for (size_t K = 0; K < Blocks.size(); ++K) {
    Building &B = Blocks[K];
    const Insn &Last = Insns[B.LastIdx];
    bool PrevIsCtc = Last.Cond && Last.Target && !F.contains(*Last.Target);
    bool FallsThrough = B.Succ.empty()   ? (!Last.Terminator || PrevIsCtc)
                        : B.Succ.size() == 1 ? Last.Cond
                                             : false;
    B.BB.End = K + 1 < Blocks.size() ? Blocks[K + 1].BB.Offset : uint32_t(F.Size);
    B.BB.EndsInCall = Last.Call;
    B.BB.NextIsSucc = K + 1 < Blocks.size() &&
                      (FallsThrough || llvm::is_contained(B.Succ, Blocks[K + 1].BB.Offset));
    Out.push_back(B.BB);
  }
  return Out;
}

} // namespace

// Passes: disassembly, jump tables, block labels, blocks. A function whose
// bytes do not decode, or with a branch into an instruction, has no CFG.
bool BoltBinary::cfg(Function &F) {
  if (F.CfgBuilt)
    return F.Simple && !F.Pseudo;
  F.CfgBuilt = true;
  if (F.Pseudo)
    return false;
  std::vector<Insn> Insns;
  std::vector<MCInst> MIs;
  std::set<uint64_t> JumpTable, Labels;
  if (!I->disassemble(F, Insns, MIs)) {
    F.Simple = false;
    return false;
  }
  I->findJumpTableTargets(F, Insns, MIs, JumpTable);
  if (!blockLabels(F, Insns, JumpTable, Labels)) {
    F.Simple = false;
    return false;
  }
  F.Blocks = buildBlocks(F, Insns, Labels, JumpTable);
  return true;
}

} // namespace pgoctl::convert::bolt
