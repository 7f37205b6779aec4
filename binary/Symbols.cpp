// binary/Symbols.cpp: ELF build-id, PT_LOAD segments and function symbols via
// LLVM Object. Every error is prefixed with the file's path.
#include "binary/Symbols.h"
#include "binary/DwarfCheck.h"
#include "binary/ElfFile.h"
#include "core/Support.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/Object/BuildID.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"

#include <algorithm>
#include <tuple>

namespace pgoctl::binary {

namespace {

using llvm::object::ELFObjectFileBase;


template <typename ELFT>
llvm::Error readSegments(const llvm::object::ELFObjectFile<ELFT> &Obj,
                         std::vector<LoadSegment> &Out) {
  auto Phdrs = Obj.getELFFile().program_headers();
  if (!Phdrs)
    return Phdrs.takeError();
  for (const auto &P : *Phdrs)
    if (P.p_type == llvm::ELF::PT_LOAD)
      Out.push_back({uint64_t(P.p_vaddr), uint64_t(P.p_memsz), uint64_t(P.p_offset),
                     uint64_t(P.p_filesz), uint32_t(P.p_flags)});
  return llvm::Error::success();
}

llvm::Error readSegmentsAny(const ELFObjectFileBase &Obj, std::vector<LoadSegment> &Out) {
  using namespace llvm::object;
  if (auto *O = llvm::dyn_cast<ELF64LEObjectFile>(&Obj))
    return readSegments(*O, Out);
  if (auto *O = llvm::dyn_cast<ELF32LEObjectFile>(&Obj))
    return readSegments(*O, Out);
  if (auto *O = llvm::dyn_cast<ELF64BEObjectFile>(&Obj))
    return readSegments(*O, Out);
  if (auto *O = llvm::dyn_cast<ELF32BEObjectFile>(&Obj))
    return readSegments(*O, Out);
  return makeError("unknown ELF class");
}

// Rank of a symbol binding when aliases share an address: lower wins.
int bindingRank(uint8_t Binding) {
  switch (Binding) {
  case llvm::ELF::STB_GLOBAL:
    return 0;
  case llvm::ELF::STB_WEAK:
    return 1;
  default:
    return 2;
  }
}

struct RawSymbol {
  uint64_t Start, Size;
  int Rank;
  std::string Name; // mangled
};

bool isFunction(const llvm::object::ELFSymbolRef &Sym) {
  uint8_t Type = Sym.getELFType();
  return (Type == llvm::ELF::STT_FUNC || Type == llvm::ELF::STT_GNU_IFUNC) &&
         Sym.getSize() != 0;
}

// Collects the defined function symbols of one symbol table.
llvm::Error collectFunctions(ELFObjectFileBase::elf_symbol_iterator_range Range,
                             std::vector<RawSymbol> &Out) {
  for (const llvm::object::ELFSymbolRef &Sym : Range) {
    if (!isFunction(Sym))
      continue;
    llvm::Expected<uint32_t> Flags = Sym.getFlags();
    if (!Flags)
      return Flags.takeError();
    if (*Flags & llvm::object::SymbolRef::SF_Undefined)
      continue;
    llvm::Expected<llvm::StringRef> Name = Sym.getName();
    llvm::Expected<uint64_t> Addr = Sym.getAddress();
    if (!Name)
      return Name.takeError();
    if (!Addr)
      return Addr.takeError();
    Out.push_back({*Addr, Sym.getSize(), bindingRank(Sym.getBinding()), Name->str()});
  }
  return llvm::Error::success();
}

// Strips a symbol-version suffix ("memcpy@@GLIBC_2.14") before demangling.
std::string demangleName(llvm::StringRef Mangled) {
  llvm::StringRef Base = Mangled.take_until([](char C) { return C == '@'; });
  std::string Out = llvm::demangle(Base.str());
  if (Base.size() != Mangled.size())
    Out += Mangled.drop_front(Base.size()).str();
  return Out;
}

/// clang's -funique-internal-linkage-names mangles a C file's static
/// functions as C++ names (`_ZL4worki.__uniq.N`), which demangle with C++
/// parameter lists. Those whose address lies in a C compile unit (DWARF's
/// DW_AT_language) are named as in the source, `work`. DWARF is read only
/// when the table holds such a name; damaged units are passed over.
void nameCStatics(const ELFObjectFileBase &Obj, std::vector<SymbolInfo> &Syms,
                  const std::vector<std::string> &Mangled) {
  auto IsCandidate = [](llvm::StringRef N) {
    return N.starts_with("_Z") && N.contains(".__uniq.");
  };
  if (llvm::none_of(Mangled, IsCandidate))
    return;
  CheckedDwarf D = openCheckedDwarf(Obj, [](llvm::StringRef) {}, DwarfCheckMode::OnDemand);
  if (!D.Ctx)
    return;
  std::vector<std::pair<uint64_t, uint64_t>> CRanges;
  for (const std::unique_ptr<llvm::DWARFUnit> &CU : D.Ctx->compile_units()) {
    if (!D.check(*CU))
      continue;
    std::optional<uint64_t> Lang =
        llvm::dwarf::toUnsigned(CU->getUnitDIE(true).find(llvm::dwarf::DW_AT_language));
    if (!Lang || !llvm::dwarf::isC(llvm::dwarf::SourceLanguage(*Lang)))
      continue;
    llvm::Expected<llvm::DWARFAddressRangesVector> Rs = CU->collectAddressRanges();
    if (!Rs) {
      llvm::consumeError(Rs.takeError());
      continue;
    }
    for (const llvm::DWARFAddressRange &R : *Rs)
      CRanges.push_back({R.LowPC, R.HighPC});
  }
  // Disjoint, sorted: one binary search per symbol.
  std::sort(CRanges.begin(), CRanges.end());
  std::vector<std::pair<uint64_t, uint64_t>> Merged;
  for (const auto &R : CRanges)
    if (!Merged.empty() && R.first <= Merged.back().second)
      Merged.back().second = std::max(Merged.back().second, R.second);
    else
      Merged.push_back(R);
  for (size_t I = 0; I < Syms.size(); ++I) {
    if (!IsCandidate(Mangled[I]))
      continue;
    uint64_t A = Syms[I].Start;
    auto It = std::upper_bound(Merged.begin(), Merged.end(), std::make_pair(A, UINT64_MAX));
    if (It == Merged.begin() || A >= std::prev(It)->second)
      continue;
    std::string Base = Mangled[I].substr(0, Mangled[I].find('.'));
    llvm::ItaniumPartialDemangler Dem;
    if (Dem.partialDemangle(Base.c_str()) || !Dem.isFunction())
      continue;
    size_t N = 0;
    if (char *Name = Dem.getFunctionBaseName(nullptr, &N)) {
      Syms[I].Name = Name;
      std::free(Name);
    }
  }
}

} // namespace

llvm::Expected<ElfInfo> readElfInfo(llvm::StringRef Path) {
  auto F = ElfFile::open(Path);
  if (!F)
    return F.takeError();
  return readElfInfo(**F);
}

llvm::Expected<ElfInfo> readElfInfo(const ElfFile &F) {
  const ELFObjectFileBase &Obj = F.object();
  llvm::StringRef Path = F.path();
  ElfInfo Info;
  Info.IsPIE = Obj.getEType() == llvm::ELF::ET_DYN;
  Info.Is64Bit = Obj.is64Bit();
  Info.IsLittleEndian = Obj.isLittleEndian();
  Info.Machine = Obj.getEMachine();
  if (llvm::Expected<uint64_t> Entry = Obj.getStartAddress())
    Info.Entry = *Entry;
  else
    return addContext(Entry.takeError(), Path);
  llvm::object::BuildIDRef Id = llvm::object::getBuildID(&Obj);
  Info.BuildId = pgoctl::toHex(llvm::StringRef(reinterpret_cast<const char *>(Id.data()), Id.size()));
  if (llvm::Error E = readSegmentsAny(Obj, Info.Segments))
    return addContext(std::move(E), Path);
  return Info;
}

llvm::Expected<SymbolTable> SymbolTable::load(llvm::StringRef Path) {
  auto F = ElfFile::open(Path);
  if (!F)
    return F.takeError();
  return load(**F);
}

llvm::Expected<SymbolTable> SymbolTable::load(const ElfFile &F) {
  const ELFObjectFileBase &Obj = F.object();
  llvm::StringRef Path = F.path();
  std::vector<RawSymbol> Raw;
  if (llvm::Error E = collectFunctions(Obj.symbols(), Raw))
    return addContext(std::move(E), Path);
  bool FromDynsym = false;
  if (Raw.empty()) {
    if (llvm::Error E = collectFunctions(Obj.getDynamicSymbolIterators(), Raw))
      return addContext(std::move(E), Path);
    FromDynsym = true;
  }
  // Aliases: keep the best-ranked symbol of each address.
  std::sort(Raw.begin(), Raw.end(), [](const RawSymbol &A, const RawSymbol &B) {
    return std::tie(A.Start, A.Rank, A.Name) < std::tie(B.Start, B.Rank, B.Name);
  });
  std::vector<SymbolInfo> Syms;
  std::vector<std::string> Mangled;
  for (const RawSymbol &R : Raw)
    if (Syms.empty() || Syms.back().Start != R.Start) {
      Syms.push_back({demangleName(R.Name), R.Start, R.Size});
      Mangled.push_back(R.Name);
    }
  nameCStatics(Obj, Syms, Mangled);
  SymbolTable T = fromSymbols(std::move(Syms));
  T.FromDynsym = FromDynsym;
  return T;
}

SymbolTable SymbolTable::fromSymbols(std::vector<SymbolInfo> Syms) {
  std::sort(Syms.begin(), Syms.end(), [](const SymbolInfo &A, const SymbolInfo &B) {
    return std::tie(A.Start, A.Name) < std::tie(B.Start, B.Name);
  });
  Syms.erase(std::unique(Syms.begin(), Syms.end(),
                         [](const SymbolInfo &A, const SymbolInfo &B) {
                           return A.Start == B.Start;
                         }),
             Syms.end());
  SymbolTable T;
  T.Syms = std::move(Syms);
  return T;
}

const SymbolInfo *SymbolTable::lookup(uint64_t VAddr) const {
  auto It = std::upper_bound(Syms.begin(), Syms.end(), VAddr,
                             [](uint64_t A, const SymbolInfo &S) { return A < S.Start; });
  // Walk back over symbols starting at or before VAddr; the nearest one that
  // contains VAddr wins. Functions rarely nest, so this is one step in practice;
  // the walk is bounded to keep a pathological table from making lookups linear.
  for (int Steps = 0; It != Syms.begin() && Steps < 16; ++Steps) {
    --It;
    if (VAddr - It->Start < It->Size)
      return &*It;
  }
  return nullptr;
}

} // namespace pgoctl::binary
