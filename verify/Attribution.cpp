// verify/Attribution.cpp: symbols, inline stacks and stacks to per-function
// counts (see Attribution.h).
#include "verify/Attribution.h"

#include "binary/Locate.h"
#include "binary/Symbolizer.h"
#include "binary/Symbols.h"
#include "core/Support.h"
#include "verify/CanonicalName.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"

#include <algorithm>

#include <cstdlib>

namespace pgoctl::verify {

uint32_t NameTable::intern(llvm::StringRef Name) {
  auto [It, New] = Ids.try_emplace(Name, uint32_t(Names.size()));
  if (New)
    Names.push_back(Name.str());
  return It->second;
}

/// What we know of one profile binary's ELF, and the names of its addresses.
struct Attributor::ResolvedElf {
  std::string PseudoName; ///< "[file]" when there is no ELF or no symbol
  std::optional<binary::SymbolTable> Syms;
  std::shared_ptr<binary::Symbolizer> Sym;
  std::vector<LoadSegment> Segments; ///< to convert file offsets
  bool Offsets = false;              ///< the profile has file offsets
  bool Kernel = false;
  /// C functions the demangler would give C++ parameter lists (clang's
  /// -funique-internal-linkage-names mangles C statics): canonical C++ form
  /// -> the C name, from the DWARF units' language.
  llvm::StringMap<std::string> CForms;
  size_t CFormsSeen = 0; ///< Sym->cFunctions().size() when CForms was built

  /// CForms from the C functions of the DWARF units Sym has read so far
  /// (units are read lazily, as addresses in them are symbolized).
  void syncCForms() {
    llvm::ArrayRef<std::pair<std::string, std::string>> C = Sym->cFunctions();
    if (C.size() == CFormsSeen)
      return;
    CForms.clear();
    for (const auto &[Linkage, Short] : C)
      CForms[canonicalFunctionName(Linkage)] = Short;
    CFormsSeen = C.size();
  }
  /// (address, is return address) -> interned names, outermost first.
  llvm::DenseMap<uint64_t, llvm::SmallVector<uint32_t, 4>> Memo;

  /// The canonical name of a symbol or DWARF linkage name of this binary.
  std::string canonical(llvm::StringRef Name) const {
    std::string C = canonicalFunctionName(Name);
    if (auto It = CForms.find(C); It != CForms.end())
      return It->second;
    return C;
  }
};

llvm::Expected<std::shared_ptr<binary::Symbolizer>>
SymbolizerCache::get(const std::string &ElfPath, llvm::StringRef BuildId) {
  std::shared_ptr<binary::Symbolizer> &Slot = Map[{ElfPath, BuildId.str()}];
  if (!Slot) {
    // Verify symbolizes the sampled addresses only: DWARF is read per unit
    // (libc's debug info is large; a profile touches a few of its units).
    binary::SymbolizerOptions SymOpts;
    SymOpts.LazyDwarf = true;
    llvm::Expected<std::unique_ptr<binary::Symbolizer>> S =
        binary::Symbolizer::create(ElfPath, SymOpts);
    if (!S)
      return S.takeError();
    Slot = std::move(*S);
  }
  return Slot;
}

Attributor::Attributor(NameTable &Names, AttributionOptions Opts, SymbolizerCache *Shared)
    : Names(Names), Opts(std::move(Opts)), Symbolizers(Shared ? Shared : &OwnSymbolizers) {}
Attributor::~Attributor() = default;

Attributor::ResolvedElf *Attributor::resolve(const BinaryProfile &B,
                                             std::vector<std::string> &Warnings) {
  std::unique_ptr<ResolvedElf> &Slot = Cache[B.key()];
  if (Slot)
    return Slot.get();
  Slot = std::make_unique<ResolvedElf>();
  ResolvedElf &R = *Slot;
  llvm::StringRef File = llvm::sys::path::filename(B.Path);
  // The unsymbolized samples of a binary count as one function named after
  // the file; the ".bolt" that a BOLT step adds to the name (pgo_target
  // writes <t>.bolt beside <t>) is folded, as BOLT's fragment names are, so
  // the binary matches its un-BOLTed self.
  llvm::StringRef Stem = File;
  Stem.consume_back(".bolt");
  R.PseudoName = "[" + (Stem.empty() ? std::string("unknown") : Stem.str()) + "]";
  R.Offsets = B.Space == AddressSpace::FileOffset;
  if (B.IsKernel) {
    R.Kernel = true;
    R.PseudoName = "[kernel]";
    return Slot.get();
  }
  if (!GivenRead) {
    GivenRead = true;
    for (const std::string &P : Opts.Binaries) {
      llvm::Expected<binary::ElfInfo> I = binary::readElfInfo(P);
      if (!I) {
        Warnings.push_back(llvm::toString(I.takeError()));
        continue;
      }
      Given.push_back({P, std::move(*I)});
    }
  }
  BinarySymbols BS = findBinarySymbols(B, Given, binary::LocatePolicy{},
                                       [&](llvm::StringRef W) { Warnings.push_back(W.str()); });
  if (BS.ElfPath.empty()) {
    Warnings.push_back(llvm::formatv("{0}: no ELF found (give it with --binary-before/after); "
                                     "its samples count as one function {1}",
                                     B.Path, R.PseudoName));
    return Slot.get();
  }
  const std::string &Path = BS.ElfPath;
  R.Segments = BS.Elf.Segments;
  if (BS.Syms)
    R.Syms = std::move(BS.Syms);
  else
    Warnings.push_back(BS.SymsError);
  llvm::Expected<std::shared_ptr<binary::Symbolizer>> Sy =
      Symbolizers->get(Path, BS.Elf.BuildId);
  if (Sy && (*Sy)->hasDwarf()) {
    R.Sym = std::move(*Sy);
    R.syncCForms();
  }
  else if (!Sy)
    Warnings.push_back(llvm::toString(Sy.takeError()));
  else
    Warnings.push_back(llvm::formatv("{0}: no DWARF: inlined functions are charged to their "
                                     "callers",
                                     Path));
  return Slot.get();
}

namespace {

/// Marks a name id in a path as an inlined frame (Walker::add strips it).
constexpr uint32_t kInlined = 1u << 31;

/// Builds per-function counts of one profile.
class Walker {
public:
  Walker(NameTable &Names, AttributedProfile &Out) : Names(Names), Out(Out) {}

  /// The names at Addr of R (outermost first), memoized.
  llvm::ArrayRef<uint32_t> namesAt(Attributor::ResolvedElf &R, uint64_t Addr, bool Return) {
    if (R.Kernel || (!R.Syms && !R.Sym))
      return pseudo(R.PseudoName);
    uint64_t Key = (Addr << 1) | uint64_t(Return);
    auto It = R.Memo.find(Key);
    if (It != R.Memo.end())
      return It->second;
    llvm::SmallVector<uint32_t, 4> &V = R.Memo[Key];
    uint64_t A = Addr;
    if (R.Offsets) {
      std::optional<uint64_t> VA = fileOffsetToVaddr(R.Segments, Addr);
      A = VA ? *VA : Addr;
    }
    uint64_t Lookup = Return && A > 0 ? A - 1 : A;
    // The inline stack first: it reads the DWARF unit holding Lookup, whose
    // C functions canonical() must know.
    llvm::ArrayRef<binary::InlineFrame> Fr;
    if (R.Sym)
      if (std::optional<uint32_t> I = R.Sym->instContaining(Lookup)) {
        Fr = R.Sym->frames(*I);
        R.syncCForms();
      }
    std::string Canon;
    const binary::SymbolInfo *SI = R.Syms ? R.Syms->lookup(Lookup) : nullptr;
    if (SI)
      Canon = R.canonical(SI->Name);
    if (!Fr.empty()) {
      std::string Outer = R.canonical(R.Sym->name(Fr[0].Name));
      // Another name for the same code is an alias, not stale DWARF: the
      // symbol table keeps one of the names at an address (libc's _exit,
      // DWARF's _Exit); the DWARF range is exactly the symbol's. The
      // symbol's name is kept, as without DWARF.
      const binary::FuncRange *FR = SI ? R.Sym->funcRangeAt(Lookup) : nullptr;
      bool Alias = FR && FR->Begin == SI->Start && FR->End == SI->Start + SI->Size;
      if (Canon.empty() || Outer == Canon || Alias) {
        for (const binary::InlineFrame &F : Fr)
          V.push_back(&F == Fr.data()
                          ? Names.intern(Alias ? Canon : R.canonical(R.Sym->name(F.Name)))
                          : Names.intern(R.canonical(R.Sym->name(F.Name))) | kInlined);
        return V;
      }
      ++Out.StaleDwarfAddrs;
    }
    V.push_back(Names.intern(Canon.empty() ? R.PseudoName : Canon));
    return V;
  }

  llvm::ArrayRef<uint32_t> pseudo(const std::string &Name) {
    PseudoBuf.assign(1, Names.intern(Name));
    return PseudoBuf;
  }

  /// Counts one root-first path.
  void add(llvm::ArrayRef<uint32_t> FlaggedPath, uint64_t Count) {
    if (FlaggedPath.empty() || Count == 0)
      return;
    std::vector<uint32_t> Path(FlaggedPath.begin(), FlaggedPath.end());
    for (uint32_t &Id : Path)
      Id &= ~kInlined;
    Out.Samples += Count;
    grow(Path);
    Out.Costs[Path.back()].Self += Count;
    // Incl once per function; InclInlined when no frame of it is outlined.
    Seen.clear();
    Outlined.clear();
    for (size_t I = 0; I < Path.size(); ++I) {
      if (Seen.insert(Path[I]).second)
        Out.Costs[Path[I]].Incl += Count;
      if (!(FlaggedPath[I] & kInlined))
        Outlined.insert(Path[I]);
    }
    for (uint32_t Id : Seen)
      if (!Outlined.count(Id))
        Out.Costs[Id].InclInlined += Count;
    Out.Folded[std::move(Path)] += Count;
  }

private:
  void grow(llvm::ArrayRef<uint32_t> Path) {
    for (uint32_t Id : Path)
      if (Id >= Out.Costs.size())
        Out.Costs.resize(Id + 1);
  }

  NameTable &Names;
  AttributedProfile &Out;
  llvm::SmallVector<uint32_t, 1> PseudoBuf;
  llvm::DenseSet<uint32_t> Seen, Outlined;
};

} // namespace

llvm::Expected<AttributedProfile> Attributor::attribute(const Profile &P,
                                                        llvm::StringRef Source) {
  AttributedProfile Out;
  Out.Source = Source.str();
  Out.Event = P.Meta.Event;
  Out.Period = P.Meta.SamplePeriod;
  Out.Freq = P.Meta.SampleFreq;
  if (auto It = P.Meta.Labels.find(Opts.WorkLabel); It != P.Meta.Labels.end()) {
    char *End = nullptr;
    double W = std::strtod(It->second.c_str(), &End);
    if (End == It->second.c_str() || *End || !(W > 0))
      return makeError("{0}: label {1}={2} is not a positive number", Source, Opts.WorkLabel,
                       It->second);
    Out.Work = W;
  }
  std::vector<ResolvedElf *> Elves;
  for (const BinaryProfile &B : P.Binaries)
    Elves.push_back(resolve(B, Out.Warnings));

  Walker W(Names, Out);
  uint32_t Unknown = Names.intern("[unknown]");
  uint32_t Kernel = Names.intern("[kernel]");
  std::vector<uint32_t> Path;
  if (!P.Stacks.empty()) {
    Out.FromStacks = true;
    for (const StackCount &S : P.Stacks) {
      Path.clear();
      for (size_t I = S.Frames.size(); I-- > 0;) {
        const Frame &F = S.Frames[I];
        bool Return = I > 0;
        if (F.Binary == Frame::kNoBinary || F.Binary >= Elves.size()) {
          // Kernel addresses are not in any mapping of the process.
          uint32_t Id = (F.Addr >> 63) ? Kernel : Unknown;
          if (Path.empty() || Path.back() != Id)
            Path.push_back(Id);
          continue;
        }
        llvm::ArrayRef<uint32_t> Ns = W.namesAt(*Elves[F.Binary], F.Addr, Return);
        if (Elves[F.Binary]->Kernel && !Path.empty() && Path.back() == Kernel)
          continue;
        Path.insert(Path.end(), Ns.begin(), Ns.end());
      }
      W.add(Path, S.Count);
    }
  } else {
    for (size_t BI = 0; BI < P.Binaries.size(); ++BI)
      for (const AddrCount &A : P.Binaries[BI].Samples) {
        llvm::ArrayRef<uint32_t> Ns = W.namesAt(*Elves[BI], A.Addr, false);
        Path.assign(Ns.begin(), Ns.end());
        W.add(Path, A.Count);
      }
    if (P.Meta.UnmappedSamples)
      W.add({Unknown}, P.Meta.UnmappedSamples);
  }
  if (Out.StaleDwarfAddrs)
    Out.Warnings.push_back(llvm::formatv(
        "{0}: at {1} addresses the debug info names another function than the symbol table "
        "(stale DWARF, e.g. BOLT without -update-debug-sections); symbols used there",
        Source, Out.StaleDwarfAddrs));
  if (Out.Samples == 0)
    return makeError("{0}: no samples", Source);
  return Out;
}

BinarySymbols findBinarySymbols(const BinaryProfile &B, llvm::ArrayRef<binary::Candidate> Cands,
                                const binary::LocatePolicy &Policy, const WarningHandler &Warn) {
  BinarySymbols Out;
  binary::LocateResult L = binary::locateBinary(binary::BinaryRef::of(B), Cands, Policy, Warn);
  if (!L.Found) {
    Out.WhyNot = L.WhyNot;
    return Out;
  }
  Out.ElfPath = L.Found->Path;
  Out.Elf = std::move(L.Found->Elf);
  llvm::Expected<binary::SymbolTable> S = binary::SymbolTable::load(Out.ElfPath);
  if (S)
    Out.Syms = std::move(*S);
  else
    Out.SymsError = llvm::toString(S.takeError());
  return Out;
}

namespace {

/// Adds samples and branches at one address of binary Idx (symbols R) to Out,
/// keyed by (binary, "f:" symbol or "a:" address).
void countAt(const BinaryProfile &B, const BinarySymbols *R, uint32_t Idx, uint64_t Addr,
             uint64_t Samples, uint64_t Branches,
             std::map<std::pair<uint32_t, std::string>, SymbolCount> &Out) {
  bool IsOffset = B.Space == AddressSpace::FileOffset;
  const binary::SymbolTable *Syms = R && R->Syms ? &*R->Syms : nullptr;
  if (Syms && IsOffset) {
    if (std::optional<uint64_t> V = fileOffsetToVaddr(R->Elf.Segments, Addr)) {
      Addr = *V;
      IsOffset = false;
    }
  }
  const binary::SymbolInfo *S = Syms && !IsOffset ? Syms->lookup(Addr) : nullptr;
  std::string Key = S ? "f:" + S->Name : "a:" + llvm::formatv("{0:x}", Addr).str();
  SymbolCount &E = Out[{Idx, Key}];
  E.Binary = Idx;
  if (S)
    E.Function = S->Name;
  else {
    E.Addr = Addr;
    E.IsOffset = IsOffset;
  }
  E.Samples = llvm::SaturatingAdd(E.Samples, Samples);
  E.Branches = llvm::SaturatingAdd(E.Branches, Branches);
}

} // namespace

SymbolTop topSymbols(const Profile &P, llvm::ArrayRef<const BinarySymbols *> Bins, unsigned N) {
  SymbolTop T;
  uint64_t BinSamples = 0;
  for (const BinaryProfile &B : P.Binaries) {
    BinSamples = llvm::SaturatingAdd(BinSamples, B.totalSamples());
    for (const BranchCount &Br : B.Branches)
      T.TotalBranches = llvm::SaturatingAdd(T.TotalBranches, Br.Count);
  }
  T.TotalSamples = std::max(P.Meta.TotalSamples, BinSamples);
  T.BySamples = BinSamples > 0 || T.TotalBranches == 0;

  std::map<std::pair<uint32_t, std::string>, SymbolCount> Agg;
  for (uint32_t I = 0; I < P.Binaries.size(); ++I) {
    const BinaryProfile &B = P.Binaries[I];
    const BinarySymbols *R = I < Bins.size() ? Bins[I] : nullptr;
    for (const AddrCount &S : B.Samples)
      countAt(B, R, I, S.Addr, S.Count, 0, Agg);
    for (const BranchCount &Br : B.Branches)
      if (Br.From != kExternalAddress)
        countAt(B, R, I, Br.From, 0, Br.Count, Agg);
  }
  for (auto &[K, E] : Agg)
    T.Entries.push_back(std::move(E));
  std::stable_sort(T.Entries.begin(), T.Entries.end(),
                   [&](const SymbolCount &A, const SymbolCount &B) {
                     auto KA = T.BySamples ? std::pair(A.Samples, A.Branches)
                                           : std::pair(A.Branches, A.Samples);
                     auto KB = T.BySamples ? std::pair(B.Samples, B.Branches)
                                           : std::pair(B.Branches, B.Samples);
                     return KA > KB;
                   });
  if (T.Entries.size() > N)
    T.Entries.resize(N);
  return T;
}

} // namespace pgoctl::verify
