// cli/CmdShow.cpp: `pgoctl show <file.pgoprof> [--json] [--top N] [--binary PATH]...`.
//
// Prints a profile's metadata (event, period/frequency, mode, time window,
// labels, tool version, provenance), one block per binary (path, build-id,
// address space, numbers of branches and ranges, IP samples and their share of
// all samples), and the top N functions. For the top list each binary's ELF is
// looked up: a --binary whose build-id matches (or, for a profile binary
// without build-id, whose file name matches), else the recorded path when it
// exists and its build-id matches or the profile has none. IP samples, and the
// branch counts by their source address, are attributed to the ELF's function
// symbols (binary/Symbols.h); file-offset profiles are converted to vaddrs
// through the ELF's segments first. Binaries without an ELF contribute their
// addresses instead (raw file offsets when the profile has them). Ranking is by
// IP samples, or by branch counts when the profile has no IP samples; percents
// are of all samples (Meta.TotalSamples, or the binaries' sum when that is 0)
// and of all branch counts. --json prints the same data as JSON with a fixed
// key order.
#include "binary/Locate.h"
#include "binary/Symbols.h"
#include "cli/Command.h"
#include "cli/Options.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace pgoctl::cli {
namespace {

using Json = nlohmann::ordered_json;

struct ShowOptions {
  std::string Input;
  bool Json = false;
  unsigned Top = 20;
  BinaryArgs Bins;
};

/// A profile binary and what we found of its ELF.
struct ResolvedBinary {
  const BinaryProfile *B = nullptr;
  std::string ElfPath; ///< empty: not found
  std::string Note;    ///< why not found
  binary::ElfInfo Info;
  std::optional<binary::SymbolTable> Syms;
};

/// One line of the top list: a function, or an address when unsymbolized.
struct TopEntry {
  uint32_t Binary = 0;
  std::string Function; ///< empty for an address entry
  uint64_t Addr = 0;
  bool IsOffset = false; ///< Addr is a raw file offset
  uint64_t Samples = 0, Branches = 0;
};

std::string addressSpaceName(AddressSpace S) {
  return S == AddressSpace::FileOffset ? "file-offset" : "elf-vaddr";
}

std::string hex(uint64_t V) { return llvm::formatv("{0:x}", V).str(); }

double percent(uint64_t Part, uint64_t Whole) {
  return Whole == 0 ? 0.0 : std::round(10000.0 * double(Part) / double(Whole)) / 100.0;
}

/// Text from the profile (paths, labels, names) made safe for a terminal.
std::string esc(llvm::StringRef Text) { return escapeForTerminal(Text); }

std::string seconds(uint64_t Ns) {
  return llvm::formatv("{0}.{1}", Ns / 1000000000, llvm::format_decimal(Ns % 1000000000, 9))
      .str();
}

// --- Finding ELF files ------------------------------------------------------

ResolvedBinary resolve(const BinaryProfile &B, llvm::ArrayRef<binary::Candidate> Cands,
                       const binary::LocatePolicy &Policy) {
  ResolvedBinary R;
  R.B = &B;
  binary::LocateResult L =
      binary::locateBinary(binary::BinaryRef::of(B), Cands, Policy, nullptr);
  if (!L.Found) {
    R.Note = L.WhyNot;
    return R;
  }
  R.ElfPath = L.Found->Path;
  R.Info = std::move(L.Found->Elf);
  llvm::Expected<binary::SymbolTable> Syms = binary::SymbolTable::load(R.ElfPath);
  if (!Syms) {
    R.Note = "symbols unreadable: " + llvm::toString(Syms.takeError());
    R.ElfPath.clear();
    return R;
  }
  R.Syms = std::move(*Syms);
  return R;
}

// --- Attribution --------------------------------------------------------------

/// Adds samples/branches at one profile address of binary Idx to the map.
void attribute(const ResolvedBinary &R, uint32_t Idx, uint64_t Addr, uint64_t Samples,
               uint64_t Branches, std::map<std::pair<uint32_t, std::string>, TopEntry> &Out) {
  bool IsOffset = R.B->Space == AddressSpace::FileOffset;
  if (R.Syms && IsOffset) {
    if (std::optional<uint64_t> V = fileOffsetToVaddr(R.Info.Segments, Addr)) {
      Addr = *V;
      IsOffset = false;
    }
  }
  const binary::SymbolInfo *S = R.Syms && !IsOffset ? R.Syms->lookup(Addr) : nullptr;
  std::string Key = S ? "f:" + S->Name : "a:" + hex(Addr);
  TopEntry &E = Out[{Idx, Key}];
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

std::vector<TopEntry> topEntries(llvm::ArrayRef<ResolvedBinary> Bins, bool BySamples,
                                 unsigned N) {
  std::map<std::pair<uint32_t, std::string>, TopEntry> Agg;
  for (uint32_t I = 0; I < Bins.size(); ++I) {
    for (const AddrCount &S : Bins[I].B->Samples)
      attribute(Bins[I], I, S.Addr, S.Count, 0, Agg);
    for (const BranchCount &Br : Bins[I].B->Branches)
      if (Br.From != kExternalAddress)
        attribute(Bins[I], I, Br.From, 0, Br.Count, Agg);
  }
  std::vector<TopEntry> V;
  for (auto &[K, E] : Agg)
    V.push_back(std::move(E));
  // Stable: ties keep the map's (binary, name) order.
  std::stable_sort(V.begin(), V.end(), [&](const TopEntry &A, const TopEntry &B) {
    auto KA = BySamples ? std::pair(A.Samples, A.Branches) : std::pair(A.Branches, A.Samples);
    auto KB = BySamples ? std::pair(B.Samples, B.Branches) : std::pair(B.Branches, B.Samples);
    return KA > KB;
  });
  if (V.size() > N)
    V.resize(N);
  return V;
}

// --- The report as data -------------------------------------------------------

struct Totals {
  uint64_t Samples = 0;  ///< percent base for samples
  uint64_t Branches = 0; ///< percent base for branch counts
  bool BySamples = true;
};

Totals totalsOf(const Profile &P) {
  Totals T;
  uint64_t BinSamples = 0;
  for (const BinaryProfile &B : P.Binaries) {
    BinSamples = llvm::SaturatingAdd(BinSamples, B.totalSamples());
    for (const BranchCount &Br : B.Branches)
      T.Branches = llvm::SaturatingAdd(T.Branches, Br.Count);
  }
  // The recorded total, unless the binaries hold more (a merged or crafted
  // profile): a share is never above 100%.
  T.Samples = std::max(P.Meta.TotalSamples, BinSamples);
  T.BySamples = BinSamples > 0 || T.Branches == 0;
  return T;
}

Json metadataJson(const ProfileMetadata &M) {
  Json J;
  J["event"] = M.Event;
  J["sample_period"] = M.SamplePeriod;
  J["sample_freq"] = M.SampleFreq;
  J["mode"] = modeName(M.Mode).str();
  J["time_start_ns"] = M.TimeStartNs;
  J["time_end_ns"] = M.TimeEndNs;
  J["tool_version"] = M.ToolVersion;
  J["total_samples"] = M.TotalSamples;
  J["lost_samples"] = M.LostSamples;
  J["unmapped_samples"] = M.UnmappedSamples;
  J["labels"] = Json::object();
  for (const auto &[K, V] : M.Labels)
    J["labels"][K] = V;
  J["inputs"] = Json::array();
  for (const Provenance &P : M.Inputs)
    J["inputs"].push_back({{"source", P.Source},
                           {"kind", P.Kind},
                           {"sha256", P.Sha256},
                           {"host", P.Host},
                           {"os_release", P.OsRelease},
                           {"perf_version", P.PerfVersion},
                           {"samples", P.Samples},
                           {"weight", P.Weight},
                           {"time_start_ns", P.TimeStartNs},
                           {"time_end_ns", P.TimeEndNs}});
  return J;
}

Json binaryJson(const ResolvedBinary &R, const Totals &T) {
  const BinaryProfile &B = *R.B;
  Json J;
  J["path"] = B.Path;
  J["build_id"] = B.BuildId;
  J["is_kernel"] = B.IsKernel;
  J["address_space"] = addressSpaceName(B.Space);
  J["branches"] = B.Branches.size();
  J["ranges"] = B.Ranges.size();
  J["ip_samples"] = B.totalSamples();
  J["percent"] = percent(B.totalSamples(), T.Samples);
  if (R.Syms)
    J["elf"] = {{"path", R.ElfPath}, {"symbols", R.Syms->symbols().size()}};
  else
    J["elf"] = {{"path", nullptr}, {"note", R.Note}};
  return J;
}

Json topJson(llvm::ArrayRef<TopEntry> Top, llvm::ArrayRef<ResolvedBinary> Bins,
             const Totals &T) {
  Json J;
  J["by"] = T.BySamples ? "samples" : "branches";
  J["total_samples"] = T.Samples;
  J["total_branches"] = T.Branches;
  J["entries"] = Json::array();
  for (const TopEntry &E : Top) {
    Json X;
    if (E.Function.empty()) {
      X["function"] = nullptr;
      X[E.IsOffset ? "file_offset" : "address"] = hex(E.Addr);
    } else {
      X["function"] = E.Function;
    }
    X["binary"] = Bins[E.Binary].B->Path;
    X["samples"] = E.Samples;
    X["percent"] = percent(E.Samples, T.Samples);
    X["branches"] = E.Branches;
    X["branch_percent"] = percent(E.Branches, T.Branches);
    J["entries"].push_back(std::move(X));
  }
  return J;
}

// --- Text ---------------------------------------------------------------------

void printMetadata(llvm::raw_ostream &OS, const ProfileMetadata &M) {
  OS << "tool version: " << esc(M.ToolVersion) << "\n";
  OS << "event: " << (M.Event.empty() ? "unknown" : esc(M.Event)) << "\n";
  OS << "sample period: " << M.SamplePeriod << "\n";
  OS << "sample freq: " << M.SampleFreq << "\n";
  OS << "mode: " << modeName(M.Mode) << "\n";
  if (M.TimeStartNs || M.TimeEndNs)
    OS << "time: " << seconds(M.TimeStartNs) << " .. " << seconds(M.TimeEndNs) << " s\n";
  else
    OS << "time: unknown\n";
  OS << "samples: " << M.TotalSamples << " total, " << M.LostSamples << " lost, "
     << M.UnmappedSamples << " unmapped\n";
  OS << "labels: " << M.Labels.size() << "\n";
  for (const auto &[K, V] : M.Labels)
    OS << "  " << esc(K) << " = " << esc(V) << "\n";
  OS << "inputs: " << M.Inputs.size() << "\n";
  for (const Provenance &P : M.Inputs)
    OS << "  " << esc(P.Source) << " [" << esc(P.Kind)
       << "] host=" << (P.Host.empty() ? "?" : esc(P.Host))
       << " samples=" << P.Samples << " weight=" << P.Weight << "\n";
}

void printBinary(llvm::raw_ostream &OS, const ResolvedBinary &R, const Totals &T) {
  const BinaryProfile &B = *R.B;
  OS << "  " << esc(B.Path) << (B.IsKernel ? " [kernel]" : "") << "\n";
  OS << "    build-id: " << (B.BuildId.empty() ? "none" : esc(B.BuildId)) << "\n";
  OS << "    address space: " << addressSpaceName(B.Space) << "\n";
  OS << llvm::formatv("    branches: {0}  ranges: {1}  ip samples: {2} ({3:f2}%)\n",
                      B.Branches.size(), B.Ranges.size(), B.totalSamples(),
                      percent(B.totalSamples(), T.Samples));
  if (R.Syms)
    OS << "    elf: " << esc(R.ElfPath) << " (" << R.Syms->symbols().size() << " functions)\n";
  else
    OS << "    elf: " << esc(R.Note) << "\n";
}

void printTop(llvm::raw_ostream &OS, llvm::ArrayRef<TopEntry> Top,
              llvm::ArrayRef<ResolvedBinary> Bins, const Totals &T) {
  OS << llvm::formatv("top {0} by {1} (of {2} samples, {3} branches):\n", Top.size(),
                      T.BySamples ? "samples" : "branches", T.Samples, T.Branches);
  OS << llvm::formatv("  {0,12} {1,7} {2,12} {3,7}  {4}\n", "samples", "%", "branches",
                      "%", "function [binary]");
  for (const TopEntry &E : Top) {
    std::string What = E.Function.empty()
                           ? (E.IsOffset ? "offset " : "") + hex(E.Addr)
                           : E.Function;
    OS << llvm::formatv("  {0,12} {1,7:f2} {2,12} {3,7:f2}  {4} [{5}]\n", E.Samples,
                        percent(E.Samples, T.Samples), E.Branches,
                        percent(E.Branches, T.Branches), esc(What), esc(Bins[E.Binary].B->Path));
  }
}

class ShowCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("input", O.Input, ".pgoprof file ('-' for standard input)")->required();
    App.add_flag("--json", O.Json, "Print JSON instead of text");
    App.add_option("--top", O.Top, "Number of top functions to list (0: none)")
        ->capture_default_str();
    addBinaryOptions(App, O.Bins, "ELF file of a profiled binary (repeatable)");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    llvm::Expected<Profile> P = readProfileFile(O.Input, ProfileReadOptions{Ctx.MaxMemory});
    if (!P)
      return P.takeError();
    auto Cands = binary::readCandidates(O.Bins.Paths);
    if (!Cands)
      return addContext(Cands.takeError(), "--binary");
    binary::LocatePolicy Policy;
    Policy.IgnoreBuildId = O.Bins.IgnoreBuildId;
    std::vector<ResolvedBinary> Bins;
    {
      Stats::Pass SP(Ctx.PassStats, "find binaries and symbols");
      if (O.Top > 0)
        for (const BinaryProfile &B : P->Binaries)
          Bins.push_back(resolve(B, *Cands, Policy));
      else
        for (const BinaryProfile &B : P->Binaries)
          Bins.push_back({&B, "", "not looked up (--top 0)", {}, {}});
    }
    Totals T = totalsOf(*P);
    std::vector<TopEntry> Top = topEntries(Bins, T.BySamples, O.Top);
    if (O.Json)
      printJson(*P, Bins, Top, T);
    else
      printText(*P, Bins, Top, T);
    return 0;
  }

private:
  void printJson(const Profile &P, llvm::ArrayRef<ResolvedBinary> Bins,
                 llvm::ArrayRef<TopEntry> Top, const Totals &T) {
    Json J;
    J["file"] = O.Input;
    J["metadata"] = metadataJson(P.Meta);
    J["binaries"] = Json::array();
    for (const ResolvedBinary &R : Bins)
      J["binaries"].push_back(binaryJson(R, T));
    if (O.Top > 0)
      J["top"] = topJson(Top, Bins, T);
    llvm::outs() << J.dump(2) << "\n";
  }

  void printText(const Profile &P, llvm::ArrayRef<ResolvedBinary> Bins,
                 llvm::ArrayRef<TopEntry> Top, const Totals &T) {
    llvm::raw_ostream &OS = llvm::outs();
    OS << "file: " << O.Input << "\n";
    printMetadata(OS, P.Meta);
    OS << "binaries: " << Bins.size() << "\n";
    for (const ResolvedBinary &R : Bins)
      printBinary(OS, R, T);
    if (O.Top > 0)
      printTop(OS, Top, Bins, T);
  }

  ShowOptions O;
};

} // namespace

std::unique_ptr<Command> makeShowCommand() { return std::make_unique<ShowCommand>(); }
} // namespace pgoctl::cli
