// verify/Attribution.h: from a profile to cost per canonical function.
//
// attribute() turns one Profile into sample counts per canonical function
// (CanonicalName.h): self (the function on top of the stack) and inclusive
// (the function anywhere on the stack, once per sample even when it recurses),
// plus the folded stacks (root first) a flame graph is drawn from. When the
// profile has call stacks every stack is used; otherwise the IP samples are
// (self and inclusive then differ only through inline frames).
//
// Every address goes through the binary's ELF symbol table (the function that
// holds it, canonicalized) and, when the binary has DWARF, through
// binary::Symbolizer's inline stack, so code PGO inlined into its caller is
// charged to the inlined function with the caller above it. Return addresses
// (every frame but the leaf) are looked up at address - 1, the call
// instruction. The DWARF stack is used only when its outermost function agrees
// with the symbol table (by name, or as an alias: the DWARF function's range
// is exactly the symbol's, e.g. libc's _exit/_Exit; the symbol's name is then
// kept, as without DWARF); a binary whose debug info went stale (BOLT without
// -update-debug-sections moves code but not DWARF) thus falls back to symbols,
// and the number of such addresses is reported.
//
// Binaries are found by binary/Locate.h's rule, as every command finds them. A binary without an ELF is one
// pseudo-function "[file name]"; the kernel is "[kernel]", unmapped frames
// "[unknown]". Names are interned in a NameTable shared by every profile of a
// comparison, so ids agree across before and after.
//
// topSymbols() is `show`'s plainer view of one profile: IP samples and branch
// counts per ELF symbol as the symbol table names it (no canonical names, no
// stacks, no DWARF), addresses where no symbol is known. Both views find the
// ELF and its symbols through findBinarySymbols().
#pragma once

#include "binary/Locate.h"
#include "binary/Symbolizer.h"
#include "core/Profile.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::verify {

class NameTable {
public:
  uint32_t intern(llvm::StringRef Name);
  llvm::StringRef name(uint32_t Id) const { return Names[Id]; }
  size_t size() const { return Names.size(); }

private:
  llvm::StringMap<uint32_t> Ids;
  std::vector<std::string> Names;
};

struct FunctionCost {
  uint64_t Self = 0, Incl = 0;
  /// Samples with the function on the stack as an inlined frame only (DWARF
  /// inline stacks): tells a function inlined in one build from the other.
  uint64_t InclInlined = 0;
};

/// One input profile, attributed.
struct AttributedProfile {
  std::string Source;
  std::string Event;
  uint64_t Period = 0, Freq = 0;
  std::optional<double> Work;   ///< from the label "work", when present
  bool FromStacks = false;      ///< call stacks were used (else IP samples)
  uint64_t Samples = 0;         ///< samples attributed
  std::vector<FunctionCost> Costs; ///< indexed by NameTable id (may be shorter)
  std::map<std::vector<uint32_t>, uint64_t> Folded; ///< root-first name ids -> samples
  uint64_t StaleDwarfAddrs = 0; ///< DWARF disagreed with the symbol table here
  std::vector<std::string> Warnings;

  FunctionCost cost(uint32_t Id) const { return Id < Costs.size() ? Costs[Id] : FunctionCost{}; }
};

struct AttributionOptions {
  std::vector<std::string> Binaries; ///< ELF files to symbolize against
  std::string WorkLabel = "work";    ///< label holding the work done in the window
};

/// Symbolizers shared by the Attributors of one comparison, by ELF file and
/// build-id: a library both sides ran (libc with its separate debug info) is
/// disassembled and its DWARF read once, not once per side.
class SymbolizerCache {
public:
  llvm::Expected<std::shared_ptr<binary::Symbolizer>> get(const std::string &ElfPath,
                                                          llvm::StringRef BuildId);

private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<binary::Symbolizer>> Map;
};

/// Attributes profiles; keeps each binary's symbols across calls (and across
/// Attributors sharing a SymbolizerCache).
class Attributor {
public:
  Attributor(NameTable &Names, AttributionOptions Opts, SymbolizerCache *Shared = nullptr);
  ~Attributor();
  llvm::Expected<AttributedProfile> attribute(const Profile &P, llvm::StringRef Source);

  struct ResolvedElf;

private:
  ResolvedElf *resolve(const BinaryProfile &B, std::vector<std::string> &Warnings);

  NameTable &Names;
  AttributionOptions Opts;
  std::map<std::string, std::unique_ptr<ResolvedElf>> Cache; ///< by BinaryProfile::key()
  std::vector<binary::Candidate> Given;                        ///< the readable Binaries
  bool GivenRead = false;
  SymbolizerCache OwnSymbolizers;
  SymbolizerCache *Symbolizers; ///< the shared cache, or OwnSymbolizers
};

/// A profile binary's ELF and its symbol table, found by binary/Locate.h's
/// rule: what the Attributor and `show` start from.
struct BinarySymbols {
  std::string ElfPath; ///< empty: no ELF found (WhyNot says why)
  std::string WhyNot;
  binary::ElfInfo Elf;
  std::optional<binary::SymbolTable> Syms; ///< empty with an ELF: SymsError says why
  std::string SymsError;
};

/// Finds B's ELF among Cands (mismatches go to Warn) and reads its symbols.
BinarySymbols findBinarySymbols(const BinaryProfile &B, llvm::ArrayRef<binary::Candidate> Cands,
                                const binary::LocatePolicy &Policy, const WarningHandler &Warn);

/// The IP samples and taken-branch counts of one ELF function symbol of a
/// binary, or of one address where no symbol is known.
struct SymbolCount {
  uint32_t Binary = 0;  ///< index into the profile's binaries
  std::string Function; ///< the symbol's name (not canonicalized); empty for an address
  uint64_t Addr = 0;
  bool IsOffset = false; ///< Addr is a raw file offset (no ELF to convert it)
  uint64_t Samples = 0, Branches = 0;
};

/// `show`'s top list: counts per function symbol, ranked.
struct SymbolTop {
  bool BySamples = true;     ///< ranked by IP samples (else by branch counts)
  uint64_t TotalSamples = 0; ///< percent base for samples
  uint64_t TotalBranches = 0;
  std::vector<SymbolCount> Entries;
};

/// The top N symbols of P. Bins[I] holds binary I's symbols (null, or no
/// Syms: its addresses are listed instead). IP samples count at their
/// address, branches at their source (branches from outside the binary are
/// left out); file offsets become vaddrs through the ELF's segments. Ranked
/// by samples, or by branch counts when P has branches and no IP samples;
/// ties keep (binary, name) order. The sample total is P's recorded total,
/// or the binaries' sum when that is larger (a share is never above 100%).
SymbolTop topSymbols(const Profile &P, llvm::ArrayRef<const BinarySymbols *> Bins, unsigned N);

} // namespace pgoctl::verify
