// cli/CmdDebugProfile.cpp: `pgoctl debug profile <file.pgoprof>`: every count
// of a profile as sorted text, one per line, for diffs and tests.
#include "cli/Command.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace pgoctl::cli {
namespace {

std::string addr(uint64_t A) {
  return A == kExternalAddress ? "external" : llvm::formatv("{0:x}", A).str();
}

void printBinaryCounts(const BinaryProfile &B, llvm::raw_ostream &OS) {
  for (const BranchCount &Br : B.Branches)
    OS << "  branch " << addr(Br.From) << " " << addr(Br.To) << " " << Br.Count << " "
       << Br.Mispreds << "\n";
  for (const RangeCount &R : B.Ranges)
    OS << "  range " << addr(R.Begin) << " " << addr(R.End) << " " << R.Count << "\n";
  for (const TraceCount &T : B.Traces)
    OS << "  trace " << addr(T.Branch) << " " << addr(T.Begin) << " " << addr(T.End) << " "
       << T.Count << "\n";
  for (const AddrCount &S : B.Samples)
    OS << "  ip " << addr(S.Addr) << " " << S.Count << "\n";
  for (const FunctionCount &F : B.Functions)
    OS << "  function " << escapeForTerminal(F.Name) << " self " << F.Self << " total "
       << F.Total << "\n";
}

/// Binaries in path order with their counts; no build-ids, indices or stacks.
void printCounts(const Profile &P, llvm::raw_ostream &OS) {
  std::vector<const BinaryProfile *> Bins;
  for (const BinaryProfile &B : P.Binaries)
    Bins.push_back(&B);
  std::stable_sort(Bins.begin(), Bins.end(),
                   [](auto *A, auto *B) { return A->Path < B->Path; });
  for (const BinaryProfile *B : Bins) {
    OS << "binary " << B->Path
       << (B->Space == AddressSpace::ElfVaddr ? " vaddr" : " fileoffset") << "\n";
    printBinaryCounts(*B, OS);
  }
}

class DebugProfileCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("input", Input, ".pgoprof file")->required();
    App.add_flag("--counts-only", CountsOnly,
                 "Only binaries (by path) and their counts: compares the contents of "
                 "profiles from different sources");
  }
  llvm::Expected<int> run(CommandContext &Ctx) override {
    llvm::Expected<Profile> P = readProfileFile(Input, ProfileReadOptions{Ctx.MaxMemory});
    if (!P)
      return P.takeError();
    llvm::raw_ostream &OS = llvm::outs();
    const ProfileMetadata &M = P->Meta;
    if (CountsOnly) {
      printCounts(*P, OS);
      return 0;
    }
    OS << "event " << M.Event << "\nperiod " << M.SamplePeriod << "\nfreq " << M.SampleFreq
       << "\nmode " << modeName(M.Mode) << "\ntime " << M.TimeStartNs << " "
       << M.TimeEndNs << "\nsamples " << M.TotalSamples << "\nlost " << M.LostSamples
       << "\nunmapped " << M.UnmappedSamples << "\n";
    {
      OS << "tool " << M.ToolVersion << "\n";
      for (const auto &[K, V] : M.Labels)
        OS << "label " << K << "=" << V << "\n";
      for (const Provenance &I : M.Inputs)
        OS << "input " << I.Kind << " " << I.Source << " host=" << I.Host
           << " samples=" << I.Samples << " weight=" << I.Weight << "\n";
    }
    for (size_t I = 0; I < P->Binaries.size(); ++I) {
      const BinaryProfile &B = P->Binaries[I];
      OS << "binary " << I << " " << B.Path << " buildid=" << (B.BuildId.empty() ? "-" : B.BuildId)
         << " space=" << (B.Space == AddressSpace::ElfVaddr ? "vaddr" : "fileoffset")
         << (B.IsKernel ? " kernel" : "") << "\n";
      for (const LoadSegment &S : B.Segments)
        OS << llvm::formatv("  segment vaddr={0:x} memsz={1:x} offset={2:x} filesz={3:x} flags={4}\n",
                            S.VAddr, S.MemSize, S.FileOffset, S.FileSize, S.Flags);
      printBinaryCounts(B, OS);
    }
    for (const StackCount &S : P->Stacks) {
      OS << "stack " << S.Count;
      for (const Frame &F : S.Frames)
        OS << " " << (F.Binary == Frame::kNoBinary ? std::string("?") : std::to_string(F.Binary))
           << ":" << addr(F.Addr);
      OS << "\n";
    }
    return 0;
  }

private:
  std::string Input;
  bool CountsOnly = false;
};
} // namespace

std::unique_ptr<Command> makeDebugProfileCommand() {
  return std::make_unique<DebugProfileCommand>();
}
} // namespace pgoctl::cli
