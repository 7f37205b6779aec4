// binary/Symbolizer.cpp: disassembly, functions and cached symbolization of
// one binary (see Symbolizer.h).
//
// create() runs four steps: open the binary and find its debug info (the
// binary, --debug-binary, or the build-id folder); load functions (DWARF
// subprograms, else ELF function symbols); disassemble the executable
// sections; mark function entries. Symbolization happens later, per function,
// through DWARFContext::getInliningInfoForAddress with linkage names.
#include "binary/Symbolizer.h"
#include "core/Warn.h"
#include "binary/ElfFile.h"
#include "binary/Disasm.h"
#include "binary/DwarfCheck.h"
#include "core/Support.h"
#include "binary/Symbols.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/DebugInfo/DWARF/DWARFCompileUnit.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDie.h"
#include "llvm/Demangle/Demangle.h"
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
#include "llvm/ProfileData/SampleProf.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>

namespace pgoctl::binary {

using namespace llvm;
using namespace llvm::object;

struct Symbolizer::Impl {
  std::shared_ptr<const ElfFile> Main; ///< shared with other views of the binary
  std::shared_ptr<const ElfFile> Debug;
  const ELFObjectFileBase *MainObj = nullptr;
  const ELFObjectFileBase *DebugObj = nullptr; ///< MainObj when DWARF is inline
  std::unique_ptr<DWARFContext> Dwarf;
  StringMap<uint32_t> NameIds;
  /// ELF symbols: address and raw name, sorted by address.
  std::vector<std::pair<uint64_t, StringRef>> Syms;
  /// Function symbols (STT_FUNC/IFUNC, size > 0) for the no-DWARF fallback.
  std::vector<std::tuple<uint64_t, uint64_t, StringRef>> FuncSyms;
  /// [Lo, Hi) of the weak function symbols (inline functions, templates:
  /// one COMDAT copy per translation unit, the linker keeps one).
  std::vector<std::pair<uint64_t, uint64_t>> WeakFuncs;
  /// Per function from DWARF: the unit describing it.
  std::vector<DWARFUnit *> FuncUnit;
  /// DWARF names the symbol table contradicted (damaged strings), and the
  /// symbol table's name for each: inlined copies of those functions read
  /// the same damaged string, and get the same correction.
  StringMap<std::string> SymtabNameFor;
  StringMap<uint32_t> FuncByName; ///< function index by name
  CheckedDwarf Checked;           ///< the units found damaged (Ctx moved to Dwarf)
  bool Lazy = false;              ///< SymbolizerOptions::LazyDwarf
  DenseSet<DWARFUnit *> Loaded;   ///< lazy: units read so far
};

Symbolizer::Symbolizer() : P(std::make_unique<Impl>()) {}
Symbolizer::~Symbolizer() = default;

namespace {

bool hasSection(const ObjectFile &Obj, StringRef Name) {
  for (const SectionRef &S : Obj.sections()) {
    Expected<StringRef> N = S.getName();
    if (!N) {
      consumeError(N.takeError());
      continue;
    }
    // .zdebug_* is the old GNU compressed form.
    if (*N == Name || (Name.starts_with(".debug_") && *N == (".z" + Name.drop_front(2)).str()))
      return true;
  }
  return false;
}

InstKind kindOf(const MCInstrDesc &D, StringRef Opcode) {
  if (D.isCall())
    return InstKind::Call;
  if (D.isReturn())
    return InstKind::Return;
  if (D.isBranch()) {
    if (D.isIndirectBranch())
      return InstKind::IndirectJump;
    return D.isUnconditionalBranch() ? InstKind::UncondBranch : InstKind::CondBranch;
  }
  // X86's NOOP, NOOPW, NOOPL, NOOPQ and their register forms.
  if (Opcode.starts_with("NOOP"))
    return InstKind::Nop;
  return InstKind::Other;
}

MemAccess memOf(const MCInstrDesc &D, InstKind K, StringRef Opcode) {
  if (K != InstKind::Other && K != InstKind::Nop)
    return MemAccess::None;
  bool Load = D.mayLoad(), Store = D.mayStore();
  if (Load && Store)
    return MemAccess::LoadStore;
  if (Store)
    return MemAccess::Store;
  if (!Load)
    return MemAccess::None;
  return Opcode.starts_with("MOV") || Opcode.starts_with("CMOV") ? MemAccess::MoveLoad
                                                                  : MemAccess::OtherLoad;
}

} // namespace

// --- Step 1: the binary and its debug info ---------------------------------

static Error openBinaries(Symbolizer::Impl &P, std::shared_ptr<const ElfFile> Main,
                          const SymbolizerOptions &Opts, std::string &DebugSource) {
  StringRef ElfPath = Main->path();
  P.Main = std::move(Main);
  P.MainObj = &P.Main->object();
  std::string DebugPath = Opts.DebugBinary;
  if (DebugPath.empty() && !hasSection(*P.MainObj, ".debug_info")) {
    // The distribution's place for split debug info, by build-id.
    Expected<ElfInfo> Info = readElfInfo(ElfPath);
    if (!Info)
      return Info.takeError();
    if (Info->BuildId.size() > 2) {
      const char *Env = getenv("PGOCTL_DEBUG_ROOT");
      SmallString<256> Candidate(Env && *Env ? StringRef(Env) : StringRef(Opts.DebugRoot));
      sys::path::append(Candidate, ".build-id", Info->BuildId.substr(0, 2),
                        Info->BuildId.substr(2) + ".debug");
      if (sys::fs::exists(Candidate))
        DebugPath = std::string(Candidate);
    }
  }
  if (DebugPath.empty()) {
    P.DebugObj = P.MainObj;
    DebugSource = hasSection(*P.MainObj, ".debug_info") ? "the binary" : "none";
    return Error::success();
  }
  Expected<std::shared_ptr<const ElfFile>> Debug = ElfFile::open(DebugPath);
  if (!Debug)
    return Debug.takeError();
  P.Debug = std::move(*Debug);
  P.DebugObj = &P.Debug->object();
  DebugSource = DebugPath;
  return Error::success();
}

static void collectSymbols(Symbolizer::Impl &P, const ELFObjectFileBase &Obj, bool Dynamic) {
  auto Range = Dynamic ? Obj.getDynamicSymbolIterators() : Obj.symbols();
  for (const ELFSymbolRef &Sym : Range) {
    Expected<uint64_t> Addr = Sym.getAddress();
    Expected<StringRef> Name = Sym.getName();
    Expected<section_iterator> Sec = Sym.getSection();
    if (!Addr || !Name || !Sec) {
      consumeError(Addr.takeError());
      consumeError(Name.takeError());
      consumeError(Sec.takeError());
      continue;
    }
    if (*Sec == Obj.section_end() || Name->empty())
      continue;
    P.Syms.emplace_back(*Addr, *Name);
    uint8_t Type = Sym.getELFType();
    if ((Type == ELF::STT_FUNC || Type == ELF::STT_GNU_IFUNC) && Sym.getSize() > 0)
    {
      P.FuncSyms.emplace_back(*Addr, *Addr + Sym.getSize(), *Name);
      if (Sym.getBinding() == ELF::STB_WEAK)
        P.WeakFuncs.emplace_back(*Addr, *Addr + Sym.getSize());
    }
  }
}

static void loadSymbols(Symbolizer::Impl &P) {
  collectSymbols(P, *P.MainObj, false);
  if (P.Syms.empty() && P.DebugObj != P.MainObj)
    collectSymbols(P, *P.DebugObj, false); // stripped binary, symbols in the debug file
  if (P.Syms.empty())
    collectSymbols(P, *P.MainObj, true);
  llvm::sort(P.Syms);
  llvm::sort(P.FuncSyms);
  llvm::sort(P.WeakFuncs);
}

// --- Step 2: functions ---------------------------------------------------

Expected<std::unique_ptr<Symbolizer>> Symbolizer::create(StringRef ElfPath,
                                                         const SymbolizerOptions &Opts) {
  Expected<std::shared_ptr<const ElfFile>> F = ElfFile::open(ElfPath);
  if (!F)
    return F.takeError();
  return create(std::move(*F), Opts);
}

uint32_t Symbolizer::intern(StringRef Name) {
  auto [It, New] = P->NameIds.try_emplace(Name, uint32_t(Names.size()));
  if (New)
    Names.push_back(It->first());
  return It->second;
}

void Symbolizer::addRange(StringRef Name, uint64_t Lo, uint64_t Hi) {
  if (Hi <= Lo || Lo < PreferredBase)
    return;
  auto [It, New] = P->FuncByName.try_emplace(Name, uint32_t(Functions.size()));
  if (New)
    Functions.push_back({intern(Name), {}});
  Functions[It->second].Ranges.emplace_back(Lo, Hi);
  Ranges.push_back({Lo, Hi, It->second, false});
}

// The functions of healthy units: their subprograms, checked against the
// symbol table. A unit found damaged here joins P->Checked.Damaged.
void Symbolizer::readUnits(ArrayRef<DWARFUnit *> Units) {
  Impl &P = *this->P;
  StringRef ElfPath = P.Main->path();
  struct Subprogram {
    StringRef Name;
    DWARFAddressRangesVector Ranges;
    DWARFUnit *Unit;
  };
  std::vector<Subprogram> Subprograms;
  for (DWARFUnit *CU : Units) {
    std::optional<uint64_t> Lang =
        dwarf::toUnsigned(CU->getUnitDIE(false).find(dwarf::DW_AT_language));
    bool IsC = Lang && dwarf::isC(dwarf::SourceLanguage(*Lang));
    for (const DWARFDebugInfoEntry &Entry : CU->dies()) {
      DWARFDie Die(CU, &Entry);
      if (!Die.isSubprogramDIE())
        continue;
      const char *Name = Die.getName(DINameKind::LinkageName);
      const char *Short = Die.getName(DINameKind::ShortName);
      // Definitions only: GCC declares its builtins with the library name
      // as linkage name (`__builtin_memcpy`, linkage `memcpy`), which names
      // no C function of this binary.
      if (Name && Short && IsC && StringRef(Name) != Short &&
          !Die.find(dwarf::DW_AT_declaration))
        CNames.emplace_back(Name, Short);
      if (!Name)
        Name = Short;
      if (!Name)
        continue;
      Expected<DWARFAddressRangesVector> Rs = Die.getAddressRanges();
      if (!Rs) {
        consumeError(Rs.takeError());
        continue;
      }
      Subprograms.push_back({Name, std::move(*Rs), CU});
    }
  }
  llvm::sort(CNames);
  // Cross-check with the symbol table: the function symbols at a
  // subprogram's entry must carry its name (a damaged .debug_str or
  // .debug_str_offsets turns `op_add` into `opPadd`). A subprogram whose
  // entry lies inside another function's symbol, not at its start, has a
  // damaged address: its unit falls back like a damaged one. Inlined
  // copies of a renamed function are renamed too (symbolizeInst); a
  // function that exists only inlined has no symbol to check against.
  unsigned Renamed = 0;
  std::vector<StringRef> RenamedNames;
  std::vector<DWARFUnit *> BadAddress;
  for (Subprogram &Sp : Subprograms) {
    if (Sp.Ranges.empty())
      continue;
    uint64_t Lo = Sp.Ranges.front().LowPC;
    for (const DWARFAddressRange &R : Sp.Ranges)
      Lo = std::min(Lo, R.LowPC);
    if (Lo < PreferredBase)
      continue;
    auto It = llvm::lower_bound(P.FuncSyms, Lo,
                                [](const auto &F, uint64_t A) { return std::get<0>(F) < A; });
    bool AtStart = false, Matches = false;
    StringRef SymName;
    for (auto J = It; J != P.FuncSyms.end() && std::get<0>(*J) == Lo; ++J) {
      AtStart = true;
      if (SymName.empty())
        SymName = std::get<2>(*J);
      Matches |= sameFunctionName(Sp.Name, std::get<2>(*J));
    }
    if (AtStart && !Matches) {
      P.SymtabNameFor[Sp.Name] = symbolTableFunctionName(SymName).str();
      Sp.Name = symbolTableFunctionName(SymName);
      RenamedNames.push_back(Sp.Name);
      ++Renamed;
    } else if (!AtStart && It != P.FuncSyms.begin() && Lo < std::get<1>(*std::prev(It))) {
      BadAddress.push_back(Sp.Unit);
    }
  }
  if (Renamed)
    warnTo(Warn, formatv("{0}: damaged DWARF ({1}): {2} function name(s) differ from the "
                         "symbol table at the function's address; the symbol table's names "
                         "are used",
                         ElfPath, DebugSource, Renamed)
                     .str());
  for (DWARFUnit *U : BadAddress)
    if (!P.Checked.damaged(*U)) {
      P.Checked.Damaged.push_back(U->getOffset());
      warnTo(Warn, formatv("{0}: damaged DWARF ({1}): .debug_info unit at offset "
                           "{2:x}: a function's address lies inside another function",
                           ElfPath, DebugSource, U->getOffset())
                       .str());
    }
  for (const Subprogram &Sp : Subprograms)
    if (!P.Checked.damaged(*Sp.Unit))
      for (const DWARFAddressRange &R : Sp.Ranges)
        addRange(Sp.Name, R.LowPC, R.HighPC);
  for (const Subprogram &Sp : Subprograms)
    if (auto It = P.FuncByName.find(Sp.Name); It != P.FuncByName.end()) {
      P.FuncUnit.resize(Functions.size(), nullptr);
      if (!P.FuncUnit[It->second])
        P.FuncUnit[It->second] = Sp.Unit;
    }
  if (Renamed) {
    NameFromSymtab.resize(Functions.size(), false);
    for (StringRef Name : RenamedNames)
      if (auto It = P.FuncByName.find(Name); It != P.FuncByName.end())
        NameFromSymtab[It->second] = true;
  }
}

// Ranges sorted and unique by start, each function's ranges sorted, entries
// marked.
void Symbolizer::finishRanges() {
  // A function defined in several compile units (a template or inline
  // function emitted as a COMDAT copy by each) has a subprogram in each: GNU
  // ld points the discarded copies' debug info at the kept copy, so the same
  // range comes once per unit. Once is enough (step 1 of the IP estimator
  // cut each copy into blocks of its own, and flow entered the copies nothing
  // jumps to as if they were landing pads).
  for (BinaryFunction &F : Functions) {
    llvm::sort(F.Ranges);
    F.Ranges.erase(std::unique(F.Ranges.begin(), F.Ranges.end()), F.Ranges.end());
  }
  // A start address claimed twice keeps the first function (as llvm-profgen).
  llvm::sort(Ranges, [](const FuncRange &A, const FuncRange &B) {
    return A.Begin != B.Begin ? A.Begin < B.Begin : A.Func < B.Func;
  });
  Ranges.erase(std::unique(Ranges.begin(), Ranges.end(),
                           [](const FuncRange &A, const FuncRange &B) {
                             return A.Begin == B.Begin;
                           }),
               Ranges.end());
  // Entries: the only range of a function, or the range holding an ELF symbol
  // of the function's (canonical) name.
  for (FuncRange &R : Ranges)
    R.IsEntry = Functions[R.Func].Ranges.size() == 1;
  for (const auto &[Addr, Name] : P->Syms)
    if (const FuncRange *R = funcRangeAt(Addr))
      if (Names[Functions[R->Func].Name] == sampleprof::FunctionSamples::getCanonicalFnName(Name))
        const_cast<FuncRange *>(R)->IsEntry = true;
}

// Lazy DWARF: reads, checks and indexes the unit holding Addr the first time
// an instruction in it is symbolized, as create() does for every unit.
void Symbolizer::loadUnitAt(uint64_t Addr) {
  DWARFCompileUnit *CU = P->Dwarf->getCompileUnitForCodeAddress(Addr);
  if (!CU || !P->Loaded.insert(CU).second)
    return;
  if (!P->Checked.check(*CU)) {
    warnTo(Warn, formatv("{0}: damaged DWARF ({1}): {2}", P->Main->path(), DebugSource,
                         P->Checked.Problems.back())
                     .str());
    return; // its functions come from the symbol table (no frames)
  }
  DWARFUnit *U = CU;
  readUnits(U);
  finishRanges();
  checkLineRows(U);
  FuncDone.resize(Functions.size(), false);
}

Expected<std::unique_ptr<Symbolizer>> Symbolizer::create(std::shared_ptr<const ElfFile> Elf,
                                                         const SymbolizerOptions &Opts) {
  std::unique_ptr<Symbolizer> S(new Symbolizer());
  S->Warn = Opts.Warn;
  Impl &P = *S->P;
  std::string ElfPathStore = Elf->path();
  StringRef ElfPath = ElfPathStore;
  if (Error E = openBinaries(P, Elf, Opts, S->DebugSource))
    return std::move(E);
  Expected<ElfInfo> Info = readElfInfo(*Elf);
  if (!Info)
    return Info.takeError();
  for (const LoadSegment &Seg : Info->Segments)
    if (Seg.Flags & ELF::PF_X) {
      S->PreferredBase = Seg.VAddr & ~uint64_t(0xfff);
      break;
    }
  loadSymbols(P);
  for (const auto &[Addr, Name] : P.Syms)
    if (Name == "__llvm_fs_discriminator__")
      S->FSDiscriminators = true;

  CheckedDwarf Checked;
  if (S->DebugSource != "none") {
    Checked = openCheckedDwarf(*P.DebugObj, S->Warn,
                               Opts.LazyDwarf ? DwarfCheckMode::OnDemand
                                              : DwarfCheckMode::AllUnits);
    for (const std::string &Problem : Checked.Problems)
      warnTo(S->Warn,
             formatv("{0}: damaged DWARF ({1}): {2}", ElfPath, S->DebugSource, Problem).str());
    if (!Checked.Ctx)
      S->DebugSource = "none";
  }
  if (S->DebugSource != "none") {
    P.Dwarf = std::move(Checked.Ctx);
    P.Checked = std::move(Checked);
    P.Lazy = Opts.LazyDwarf;
  }
  if (S->DebugSource != "none" && P.Lazy) {
    // Units are read when an instruction in them is symbolized.
    S->HasDwarf = !P.Dwarf->compile_units().empty();
  } else if (S->DebugSource != "none") {
    // A damaged unit's subprograms are not read: its functions come from the
    // symbol table below.
    std::vector<DWARFUnit *> Units;
    for (const std::unique_ptr<DWARFUnit> &CU : P.Dwarf->compile_units())
      if (!P.Checked.damaged(*CU))
        Units.push_back(CU.get());
    S->readUnits(Units);
    S->HasDwarf = !S->Functions.empty();
    // The functions of damaged units: function symbols that no function from
    // healthy DWARF overlaps, one frame each (as without DWARF).
    if (S->HasDwarf && !P.Checked.Damaged.empty()) {
      std::vector<std::pair<uint64_t, uint64_t>> Covered;
      for (const FuncRange &R : S->Ranges)
        Covered.emplace_back(R.Begin, R.End);
      llvm::sort(Covered);
      size_t NumDwarf = S->Functions.size();
      for (const auto &[Lo, Hi, Name] : P.FuncSyms) {
        auto It = llvm::lower_bound(Covered, std::make_pair(Hi, uint64_t(0)));
        bool Overlaps = false;
        for (auto J = It; J != Covered.begin();) {
          --J;
          if (J->second > Lo) {
            Overlaps = true;
            break;
          }
          if (J->first + (uint64_t(1) << 32) < Lo)
            break; // no function is 4 GiB long
        }
        if (!Overlaps)
          S->addRange(symbolTableFunctionName(Name), Lo, Hi);
      }
      S->FromSymtab.assign(S->Functions.size(), false);
      for (size_t F = NumDwarf; F < S->Functions.size(); ++F)
        S->FromSymtab[F] = true;
    }
    if (!S->HasDwarf)
      warnTo(S->Warn,
             formatv("{0}: debug info ({1}) describes no functions", ElfPath, S->DebugSource)
                 .str());
  }
  if (!S->HasDwarf) {
    for (const auto &[Lo, Hi, Name] : P.FuncSyms)
      S->addRange(symbolTableFunctionName(Name), Lo, Hi);
    warnTo(S->Warn, formatv("{0}: no DWARF (build with -g, or give --debug-binary): profile "
                            "is per function from the symbol table; line offsets, "
                            "discriminators and inline stacks are lost",
                            ElfPath)
                        .str());
  }
  S->finishRanges();

  // --- Step 3: disassembly -------------------------------------------------
  Expected<Disasm> D = makeDisasm(*P.MainObj);
  if (!D)
    return D.takeError();
  struct Sec {
    uint64_t Addr;
    ArrayRef<uint8_t> Bytes;
  };
  std::vector<Sec> Secs;
  for (ELFSectionRef Section : P.MainObj->sections()) {
    Expected<StringRef> Name = Section.getName();
    if (!Name) {
      consumeError(Name.takeError());
      continue;
    }
    if (!(Section.getFlags() & ELF::SHF_EXECINSTR) || Section.getType() == ELF::SHT_NOBITS ||
        Name->starts_with(".plt") || Section.getSize() == 0)
      continue;
    Expected<StringRef> Bytes = Section.getContents();
    if (!Bytes)
      return addContext(Bytes.takeError(), ElfPath);
    Secs.push_back({Section.getAddress(), arrayRefFromStringRef(*Bytes)});
  }
  llvm::sort(Secs, [](const Sec &A, const Sec &B) { return A.Addr < B.Addr; });
  uint64_t Invalid = 0;
  for (const Sec &Section : Secs) {
    uint64_t End = Section.Addr + Section.Bytes.size();
    std::vector<uint64_t> Starts{Section.Addr};
    auto It = llvm::lower_bound(P.Syms, std::make_pair(Section.Addr, StringRef()));
    for (; It != P.Syms.end() && It->first < End; ++It)
      Starts.push_back(It->first);
    Starts.erase(std::unique(Starts.begin(), Starts.end()), Starts.end());
    if (!S->InstAddr.empty() && Section.Addr < S->InstAddr.back())
      continue; // overlapping sections: keep the first
    for (size_t K = 0; K < Starts.size(); ++K) {
      uint64_t Next = K + 1 < Starts.size() ? Starts[K + 1] : End;
      // The last `lea JT(%rip), %r` and its instruction index, for PIC
      // jump tables.
      std::optional<std::pair<uint64_t, uint32_t>> LastRipLea;
      for (uint64_t A = Starts[K]; A < Next;) {
        MCInst Inst;
        uint64_t Size = 0;
        MCDisassembler::DecodeStatus St = D->Dis->getInstruction(
            Inst, Size, Section.Bytes.slice(A - Section.Addr), A, nulls());
        if (Size == 0)
          Size = 1;
        if (St == MCDisassembler::Success) {
          const MCInstrDesc &Desc = D->MII->get(Inst.getOpcode());
          InstKind K2 = kindOf(Desc, D->MII->getName(Inst.getOpcode()));
          uint32_t Idx = uint32_t(S->InstAddr.size());
          S->InstAddr.push_back(A);
          S->InstSize.push_back(uint8_t(Size));
          S->InstKinds.push_back(K2);
          S->InstMem.push_back(memOf(Desc, K2, D->MII->getName(Inst.getOpcode())));
          if (K2 == InstKind::Call || K2 == InstKind::Return || K2 == InstKind::UncondBranch)
            S->UncondInsts.push_back(Idx);
          StringRef Op = D->MII->getName(Inst.getOpcode());
          if (Op.starts_with("LEAVE") ||
              (Op == "POP64r" && Inst.getNumOperands() >= 1 && Inst.getOperand(0).isReg() &&
               StringRef(D->MRI->getName(Inst.getOperand(0).getReg())) == "RBP"))
            S->FrameRestores.push_back(Idx);
          auto IsRip = [&](const MCOperand &O) {
            return O.isReg() && StringRef(D->MRI->getName(O.getReg())) == "RIP";
          };
          if (Op == "LEA64r" && Inst.getNumOperands() >= 6 && IsRip(Inst.getOperand(1)) &&
              Inst.getOperand(4).isImm())
            LastRipLea = {A + Size + uint64_t(Inst.getOperand(4).getImm()), Idx};
          if (K2 == InstKind::IndirectJump) {
            if (Op == "JMP64m" && Inst.getNumOperands() >= 5 && Inst.getOperand(0).isReg() &&
                !Inst.getOperand(0).getReg() && Inst.getOperand(1).isImm() &&
                Inst.getOperand(1).getImm() == 8 && Inst.getOperand(3).isImm())
              S->JumpTables.push_back({Idx, uint64_t(Inst.getOperand(3).getImm()), false});
            else if (Op == "JMP64r" && LastRipLea && Idx - LastRipLea->second <= 8)
              S->JumpTables.push_back({Idx, LastRipLea->first, true});
          }
          uint64_t Target = 0;
          if ((K2 == InstKind::Call || K2 == InstKind::UncondBranch ||
               K2 == InstKind::CondBranch) &&
              D->MIA && D->MIA->evaluateBranch(Inst, A, Size, Target))
            S->DirectTargets.emplace_back(Idx, Target);
        } else {
          ++Invalid;
        }
        A += Size;
      }
    }
  }
  if (Invalid)
    warnTo(S->Warn,
           formatv("{0}: {1} bytes of executable sections did not disassemble", ElfPath,
                   Invalid)
               .str());
  // PLT entries and the dynamic symbols they call (LLVM's analysis of the
  // entries' GOT loads, as llvm-objdump's `<sym@plt>`).
  for (const ELFPltEntry &E : P.MainObj->getPltEntries(*D->STI)) {
    if (!E.Symbol)
      continue;
    Expected<StringRef> Name = SymbolRef(*E.Symbol, P.MainObj).getName();
    if (!Name) {
      consumeError(Name.takeError());
      continue;
    }
    S->PltSymbols.emplace_back(E.Address, Name->str());
  }
  llvm::sort(S->PltSymbols);
  S->InstStack.assign(S->InstAddr.size(), kUnknown);
  S->LineZero.assign(S->InstAddr.size(), false);
  S->StackBegin = {0, 0}; // stack 0 is the empty stack
  if (S->HasDwarf && !P.Lazy && P.Dwarf) {
    std::vector<DWARFUnit *> Units;
    for (const std::unique_ptr<DWARFUnit> &CU : P.Dwarf->compile_units())
      Units.push_back(CU.get());
    S->checkLineRows(Units);
  }
  S->FuncDone.assign(S->Functions.size(), false);
  return std::move(S);
}

// --- Lookups ---------------------------------------------------------------

std::vector<uint64_t>
Symbolizer::jumpTableTargets(uint32_t I, ArrayRef<std::pair<uint64_t, uint64_t>> Ranges) const {
  std::vector<uint64_t> Out;
  auto It = llvm::lower_bound(JumpTables, I,
                              [](const JumpTable &T, uint32_t J) { return T.Jump < J; });
  if (It == JumpTables.end() || It->Jump != I)
    return Out;
  const JumpTable &T = *It;
  // The bytes of the section holding the table (.rodata, or .text for tables
  // placed in code).
  for (const SectionRef &Sec : P->MainObj->sections()) {
    uint64_t SA = Sec.getAddress(), SS = Sec.getSize();
    if (T.Table < SA || T.Table >= SA + SS || Sec.isBSS())
      continue;
    Expected<StringRef> Bytes = Sec.getContents();
    if (!Bytes) {
      consumeError(Bytes.takeError());
      return Out;
    }
    // Entries until one leaves the function or is no instruction start (the
    // table's end is not recorded: the next table or data follows it).
    unsigned Size = T.Pic ? 4 : 8;
    constexpr unsigned kMaxEntries = 4096;
    for (uint64_t E = T.Table - SA; E + Size <= Bytes->size() && Out.size() < kMaxEntries;
         E += Size) {
      const char *At = Bytes->data() + E;
      uint64_t Target = T.Pic ? T.Table + uint64_t(int64_t(int32_t(support::endian::read32le(At))))
                              : support::endian::read64le(At);
      bool Inside = llvm::any_of(
          Ranges, [&](const auto &R) { return Target >= R.first && Target < R.second; });
      if (!Inside || !findInst(Target))
        break;
      Out.push_back(Target);
    }
    break;
  }
  llvm::sort(Out);
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  return Out;
}

std::string Symbolizer::displayName(StringRef Linkage) const {
  auto It = llvm::lower_bound(CNames, Linkage, [](const std::pair<std::string, std::string> &C,
                                                  StringRef L) { return C.first < L; });
  if (It != CNames.end() && It->first == Linkage)
    return It->second;
  return llvm::demangle(Linkage);
}

StringRef Symbolizer::pltSymbol(uint64_t Addr) const {
  auto It = llvm::lower_bound(PltSymbols, Addr,
                              [](const auto &E, uint64_t A) { return E.first < A; });
  return It != PltSymbols.end() && It->first == Addr ? StringRef(It->second) : StringRef();
}

std::optional<uint32_t> Symbolizer::findInst(uint64_t Addr) const {
  auto It = llvm::lower_bound(InstAddr, Addr);
  if (It == InstAddr.end() || *It != Addr)
    return std::nullopt;
  return uint32_t(It - InstAddr.begin());
}

uint32_t Symbolizer::instLowerBound(uint64_t Addr) const {
  return uint32_t(llvm::lower_bound(InstAddr, Addr) - InstAddr.begin());
}

std::optional<uint32_t> Symbolizer::instContaining(uint64_t Addr) const {
  auto It = llvm::upper_bound(InstAddr, Addr);
  if (It == InstAddr.begin())
    return std::nullopt;
  uint32_t I = uint32_t(It - InstAddr.begin() - 1);
  if (Addr >= InstAddr[I] + InstSize[I])
    return std::nullopt;
  return I;
}

bool Symbolizer::crossesUncondBranch(uint32_t Begin, uint32_t End) const {
  auto It = llvm::lower_bound(UncondInsts, Begin);
  return It != UncondInsts.end() && *It < End;
}

std::optional<uint64_t> Symbolizer::directTarget(uint32_t I) const {
  auto It = llvm::lower_bound(DirectTargets, std::make_pair(I, uint64_t(0)));
  if (It == DirectTargets.end() || It->first != I)
    return std::nullopt;
  return It->second;
}

const FuncRange *Symbolizer::funcRangeAt(uint64_t Addr) const {
  auto It = llvm::upper_bound(Ranges, Addr,
                              [](uint64_t A, const FuncRange &R) { return A < R.Begin; });
  if (It == Ranges.begin())
    return nullptr;
  --It;
  return Addr < It->End ? &*It : nullptr;
}

const FuncRange *Symbolizer::funcRangeStartingAt(uint64_t Addr) const {
  const FuncRange *R = funcRangeAt(Addr);
  return R && R->Begin == Addr ? R : nullptr;
}

// --- Symbolization -----------------------------------------------------------

uint32_t Symbolizer::internStack(ArrayRef<InlineFrame> Stack) {
  if (Stack.empty())
    return 0;
  // Neighbouring instructions usually share a stack: compare with the last.
  uint32_t Last = uint32_t(StackBegin.size() - 2);
  if (Last > 0 && ArrayRef<InlineFrame>(FramePool).slice(StackBegin[Last],
                                                         StackBegin[Last + 1] - StackBegin[Last]) ==
                      Stack)
    return Last;
  FramePool.insert(FramePool.end(), Stack.begin(), Stack.end());
  StackBegin.push_back(uint32_t(FramePool.size()));
  return uint32_t(StackBegin.size() - 2);
}

ArrayRef<InlineFrame> Symbolizer::frames(uint32_t I) {
  if (InstStack[I] == kUnknown) {
    if (P->Lazy)
      loadUnitAt(InstAddr[I]);
    const FuncRange *R = funcRangeAt(InstAddr[I]);
    if (R && !FuncDone[R->Func])
      symbolizeFunction(R->Func);
    if (InstStack[I] == kUnknown)
      InstStack[I] = 0;
  }
  uint32_t K = InstStack[I];
  return ArrayRef<InlineFrame>(FramePool).slice(StackBegin[K], StackBegin[K + 1] - StackBegin[K]);
}

// A line-table row of code, and a code address of .debug_addr (entries,
// inlined code, call sites), is at an instruction start: a damaged line
// program (an address advance changed) or a damaged .debug_addr entry puts
// one between instructions. The functions of such a unit are symbolized
// from the symbol table.
//
// Except inside a weak function (an inline function or a template
// instance): every unit that used it compiled its own COMDAT copy, and a
// profile-guided build compiles the copies differently; the linker keeps
// one, and the DWARF of the discarded copies can be resolved against the
// kept one's symbol, so their addresses land inside it between its
// instructions (clang 22 + lld, kvsvc built with a sample profile). That is
// not damage of the unit: only that function is symbolized from the symbol
// table (its inline frames are ambiguous), the unit's others keep theirs.
void Symbolizer::checkLineRows(ArrayRef<DWARFUnit *> Units) {
  StringRef ElfPath = P->Main->path();
  std::vector<DWARFUnit *> Bad;
  std::vector<uint32_t> WeakBad;
  auto BetweenInsts = [&](uint64_t A) {
    return A >= PreferredBase && funcRangeAt(A) && !findInst(A);
  };
  // Whether A is inside a weak function: then that function is noted.
  auto InWeak = [&](uint64_t A) {
    auto It = llvm::upper_bound(P->WeakFuncs, std::make_pair(A, ~uint64_t(0)));
    if (It == P->WeakFuncs.begin() || A >= std::prev(It)->second)
      return false;
    WeakBad.push_back(funcRangeAt(A)->Func);
    return true;
  };
  for (DWARFUnit *CU : Units) {
    if (!llvm::is_contained(P->FuncUnit, CU))
      continue;
    // The unit's .debug_addr entries (bounded: a unit has few).
    bool BadAddr = false;
    for (uint32_t K = 0; K < (1u << 20) && !BadAddr; ++K) {
      std::optional<object::SectionedAddress> A = CU->getAddrOffsetSectionItem(K);
      if (!A)
        break;
      if (BetweenInsts(A->Address) && !InWeak(A->Address)) {
        BadAddr = true;
        Bad.push_back(CU);
        warnTo(Warn, formatv("{0}: damaged DWARF ({1}): .debug_addr of the unit at "
                             ".debug_info offset {2:x}: entry {3} ({4:x}) is between "
                             "instructions; its functions come from the symbol table",
                             ElfPath, DebugSource, CU->getOffset(), K, A->Address)
                         .str());
      }
    }
    if (BadAddr)
      continue;
    Expected<const DWARFDebugLine::LineTable *> LT =
        P->Dwarf->getLineTableForUnit(CU, [](Error E) { consumeError(std::move(E)); });
    if (!LT) {
      consumeError(LT.takeError());
      continue;
    }
    if (!*LT)
      continue;
    for (const DWARFDebugLine::Row &Row : (*LT)->Rows) {
      uint64_t A = Row.Address.Address;
      if (Row.EndSequence || !BetweenInsts(A) || InWeak(A))
        continue;
      Bad.push_back(CU);
      warnTo(Warn, formatv("{0}: damaged DWARF ({1}): .debug_line of the unit at "
                           ".debug_info offset {2:x}: a row at {3:x} is between "
                           "instructions; its functions come from the symbol table",
                           ElfPath, DebugSource, CU->getOffset(), A)
                       .str());
      break;
    }
  }
  if (Bad.empty() && WeakBad.empty())
    return;
  FromSymtab.resize(Functions.size(), false);
  for (size_t F = 0; F < Functions.size() && F < P->FuncUnit.size(); ++F)
    if (llvm::is_contained(Bad, P->FuncUnit[F]))
      FromSymtab[F] = true;
  llvm::sort(WeakBad);
  WeakBad.erase(std::unique(WeakBad.begin(), WeakBad.end()), WeakBad.end());
  for (uint32_t F : WeakBad) {
    if (FromSymtab[F])
      continue;
    FromSymtab[F] = true;
    warnTo(Warn, formatv("{0}: {1}: the DWARF of another copy of this weak function "
                         "(one the linker discarded) points between its instructions; it "
                         "is symbolized from the symbol table",
                         ElfPath, Names[Functions[F].Name])
                     .str());
  }
}

void Symbolizer::symbolizeFunction(uint32_t F) {
  FuncDone[F] = true;
  for (const auto &[Lo, Hi] : Functions[F].Ranges) {
    auto It = llvm::lower_bound(InstAddr, Lo);
    for (uint32_t I = uint32_t(It - InstAddr.begin()); I < InstAddr.size() && InstAddr[I] < Hi;
         ++I)
      if (InstStack[I] == kUnknown)
        symbolizeInst(I);
  }
}

void Symbolizer::symbolizeInst(uint32_t I) {
  const FuncRange *R = funcRangeAt(InstAddr[I]);
  if (!HasDwarf || (R && R->Func < FromSymtab.size() && FromSymtab[R->Func])) {
    InstStack[I] = R ? internStack(InlineFrame{Functions[R->Func].Name, 0, 0}) : 0;
    return;
  }
  DILineInfoSpecifier Spec(DILineInfoSpecifier::FileLineInfoKind::RawValue,
                           DINameKind::LinkageName);
  DIInliningInfo Info =
      P->Dwarf->getInliningInfoForAddress({InstAddr[I], SectionedAddress::UndefSection}, Spec);
  SmallVector<InlineFrame, 8> Stack;
  LineZero[I] = Info.getNumberOfFrames() > 0 && Info.getFrame(0).Line == 0;
  for (int K = int(Info.getNumberOfFrames()) - 1; K >= 0; --K) {
    const DILineInfo &Fr = Info.getFrame(unsigned(K));
    if (Fr.FunctionName.empty() || Fr.FunctionName == DILineInfo::BadString)
      break;
    StringRef Name = Fr.FunctionName;
    if (auto Fix = P->SymtabNameFor.find(Name); Fix != P->SymtabNameFor.end())
      Name = Fix->second;
    auto [It, New] = P->NameIds.try_emplace(Name, uint32_t(Names.size()));
    if (New)
      Names.push_back(It->first());
    Stack.push_back({It->second, (Fr.Line - Fr.StartLine) & 0xffff, Fr.Discriminator});
  }
  // The outermost frame is the function itself: its name as checked against
  // the symbol table at load time.
  if (!Stack.empty() && R && Names[Stack.front().Name] != Names[Functions[R->Func].Name] &&
      R->Func < NameFromSymtab.size() && NameFromSymtab[R->Func])
    Stack.front().Name = Functions[R->Func].Name;
  InstStack[I] = internStack(Stack);
}

StringRef symbolTableFunctionName(StringRef Name) {
  size_t Cold = Name.rfind(".cold");
  if (Cold != StringRef::npos && Cold > 0) {
    StringRef Rest = Name.drop_front(Cold + 5);
    if (Rest.empty() ||
        (Rest.consume_front(".") && !Rest.empty() && llvm::all_of(Rest, llvm::isDigit)))
      Name = Name.take_front(Cold);
  }
  return sampleprof::FunctionSamples::getCanonicalFnName(Name);
}

} // namespace pgoctl::binary
