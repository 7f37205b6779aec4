// cli/CmdShow.cpp: `pgoctl show <file.pgoprof> [--json] [--top N] [--binary PATH]...`.
//
// Prints a profile's metadata (event, period/frequency, mode, time window,
// labels, tool version, provenance), one block per binary (path, build-id,
// address space, numbers of branches and ranges, IP samples and their share of
// all samples), and the top N functions. The ELF of each binary is found and
// the samples attributed to its function symbols by verify/Attribution.h
// (findBinarySymbols, topSymbols); this file parses options and prints. --json
// prints the same data as JSON with a fixed key order.
#include "binary/Locate.h"
#include "cli/Command.h"
#include "cli/Options.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "verify/Attribution.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
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
  verify::BinarySymbols Found;
  std::string Note; ///< why there are no symbols
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

ResolvedBinary resolve(const BinaryProfile &B, llvm::ArrayRef<binary::Candidate> Cands,
                       const binary::LocatePolicy &Policy) {
  ResolvedBinary R;
  R.B = &B;
  R.Found = verify::findBinarySymbols(B, Cands, Policy, nullptr);
  if (R.Found.ElfPath.empty())
    R.Note = R.Found.WhyNot;
  else if (!R.Found.Syms) {
    R.Note = "symbols unreadable: " + R.Found.SymsError;
    R.Found.ElfPath.clear();
  }
  return R;
}

// --- The report as data -------------------------------------------------------

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

Json binaryJson(const ResolvedBinary &R, const verify::SymbolTop &T) {
  const BinaryProfile &B = *R.B;
  Json J;
  J["path"] = B.Path;
  J["build_id"] = B.BuildId;
  J["is_kernel"] = B.IsKernel;
  J["address_space"] = addressSpaceName(B.Space);
  J["branches"] = B.Branches.size();
  J["ranges"] = B.Ranges.size();
  J["ip_samples"] = B.totalSamples();
  J["percent"] = percent(B.totalSamples(), T.TotalSamples);
  if (R.Found.Syms)
    J["elf"] = {{"path", R.Found.ElfPath}, {"symbols", R.Found.Syms->symbols().size()}};
  else
    J["elf"] = {{"path", nullptr}, {"note", R.Note}};
  return J;
}

Json topJson(const verify::SymbolTop &T, llvm::ArrayRef<ResolvedBinary> Bins) {
  Json J;
  J["by"] = T.BySamples ? "samples" : "branches";
  J["total_samples"] = T.TotalSamples;
  J["total_branches"] = T.TotalBranches;
  J["entries"] = Json::array();
  for (const verify::SymbolCount &E : T.Entries) {
    Json X;
    if (E.Function.empty()) {
      X["function"] = nullptr;
      X[E.IsOffset ? "file_offset" : "address"] = hex(E.Addr);
    } else {
      X["function"] = E.Function;
    }
    X["binary"] = Bins[E.Binary].B->Path;
    X["samples"] = E.Samples;
    X["percent"] = percent(E.Samples, T.TotalSamples);
    X["branches"] = E.Branches;
    X["branch_percent"] = percent(E.Branches, T.TotalBranches);
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

void printBinary(llvm::raw_ostream &OS, const ResolvedBinary &R, const verify::SymbolTop &T) {
  const BinaryProfile &B = *R.B;
  OS << "  " << esc(B.Path) << (B.IsKernel ? " [kernel]" : "") << "\n";
  OS << "    build-id: " << (B.BuildId.empty() ? "none" : esc(B.BuildId)) << "\n";
  OS << "    address space: " << addressSpaceName(B.Space) << "\n";
  OS << llvm::formatv("    branches: {0}  ranges: {1}  ip samples: {2} ({3:f2}%)\n",
                      B.Branches.size(), B.Ranges.size(), B.totalSamples(),
                      percent(B.totalSamples(), T.TotalSamples));
  if (R.Found.Syms)
    OS << "    elf: " << esc(R.Found.ElfPath) << " (" << R.Found.Syms->symbols().size()
       << " functions)\n";
  else
    OS << "    elf: " << esc(R.Note) << "\n";
}

void printTop(llvm::raw_ostream &OS, const verify::SymbolTop &T,
              llvm::ArrayRef<ResolvedBinary> Bins) {
  OS << llvm::formatv("top {0} by {1} (of {2} samples, {3} branches):\n", T.Entries.size(),
                      T.BySamples ? "samples" : "branches", T.TotalSamples, T.TotalBranches);
  OS << llvm::formatv("  {0,12} {1,7} {2,12} {3,7}  {4}\n", "samples", "%", "branches",
                      "%", "function [binary]");
  for (const verify::SymbolCount &E : T.Entries) {
    std::string What = E.Function.empty()
                           ? (E.IsOffset ? "offset " : "") + hex(E.Addr)
                           : E.Function;
    OS << llvm::formatv("  {0,12} {1,7:f2} {2,12} {3,7:f2}  {4} [{5}]\n", E.Samples,
                        percent(E.Samples, T.TotalSamples), E.Branches,
                        percent(E.Branches, T.TotalBranches), esc(What),
                        esc(Bins[E.Binary].B->Path));
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
          Bins.push_back({&B, {}, "not looked up (--top 0)"});
    }
    std::vector<const verify::BinarySymbols *> Syms;
    for (const ResolvedBinary &R : Bins)
      Syms.push_back(&R.Found);
    verify::SymbolTop T = verify::topSymbols(*P, Syms, O.Top);
    if (O.Json)
      printJson(*P, Bins, T);
    else
      printText(*P, Bins, T);
    return 0;
  }

private:
  void printJson(const Profile &P, llvm::ArrayRef<ResolvedBinary> Bins,
                 const verify::SymbolTop &T) {
    Json J;
    J["file"] = O.Input;
    J["metadata"] = metadataJson(P.Meta);
    J["binaries"] = Json::array();
    for (const ResolvedBinary &R : Bins)
      J["binaries"].push_back(binaryJson(R, T));
    if (O.Top > 0)
      J["top"] = topJson(T, Bins);
    llvm::outs() << J.dump(2) << "\n";
  }

  void printText(const Profile &P, llvm::ArrayRef<ResolvedBinary> Bins,
                 const verify::SymbolTop &T) {
    llvm::raw_ostream &OS = llvm::outs();
    OS << "file: " << O.Input << "\n";
    printMetadata(OS, P.Meta);
    OS << "binaries: " << Bins.size() << "\n";
    for (const ResolvedBinary &R : Bins)
      printBinary(OS, R, T);
    if (O.Top > 0)
      printTop(OS, T, Bins);
  }

  ShowOptions O;
};

} // namespace

std::unique_ptr<Command> makeShowCommand() { return std::make_unique<ShowCommand>(); }
} // namespace pgoctl::cli
