// collect/DebugSamples.cpp: perf-script-compatible sample text.
#include "collect/DebugSamples.h"
#include "core/Input.h"
#include "collect/Sideband.h"

#include "llvm/Support/Format.h"

#include <algorithm>
#include <iterator>

namespace pgoctl::perf {

using pgoctl::ProcessMaps;

namespace {

/// The branch type perf prints for an entry (perf's get_branch_type): the
/// type (bits 20-23); for PERF_BR_EXTEND_ABI (15) the new_type (bits 26-29)
/// instead, which perf names up to ARCH_5 and prints past it as glibc prints
/// a null string.
llvm::StringRef branchTypeName(const BranchEntry &B) {
  static const char *const Names[] = {"",        "COND",     "UNCOND",   "IND",
                                      "CALL",    "IND_CALL", "RET",      "SYSCALL",
                                      "SYSRET",  "COND_CALL", "COND_RET", "ERET",
                                      "IRQ",     "SERROR",   "NO_TX"};
  static const char *const NewNames[] = {"FAULT_ALGN", "FAULT_DATA", "FAULT_INST",
                                         "ARCH_1",     "ARCH_2",     "ARCH_3",
                                         "ARCH_4",     "ARCH_5"};
  constexpr unsigned kExtendAbi = 15;
  if (B.type() != kExtendAbi)
    return Names[B.type()];
  unsigned New = (B.Flags >> 26) & 0xf;
  return New < std::size(NewNames) ? NewNames[New] : "(null)";
}

class Printer : public PerfVisitor {
public:
  Printer(const DebugSamplesOptions &O, ProcessMaps &Maps, const ReadStats &RS)
      : Opts(O), Maps(Maps), RS(RS) {}

  void onSample(const Sample &S) override {
    std::string Line;
    llvm::raw_string_ostream OS(Line);
    uint64_t ST = S.Attr->SampleType;
    if (Opts.Pid)
      OS << llvm::format("%7u/%-7u", S.Pid, S.Tid);
    if (ST & kSampleCallchain) {
      // perf prints the resolved chain (markers dropped) one frame a line.
      OS << "\n";
      unsigned Printed = 0;
      for (uint64_t I = 0; I < S.CallchainLen && Printed < Opts.MaxStack; ++I) {
        uint64_t Ip = S.callchain(I);
        if (Ip >= kContextMax)
          continue;
        OS << llvm::format("\t%16llx\n", (unsigned long long)printedFrame(S, Ip));
        ++Printed;
      }
    } else {
      OS << llvm::format(" %16llx", (unsigned long long)S.Ip);
    }
    if (ST & kSampleBranchStack) {
      for (uint64_t I = 0; I < S.NumBranches; ++I) {
        BranchEntry B = S.branch(I);
        char Pred = !(B.mispred() || B.predicted()) ? '-' : B.predicted() ? 'P' : 'M';
        OS << llvm::format(" 0x%llx/0x%llx/%c/%c/%c/%u/", (unsigned long long)B.From,
                           (unsigned long long)B.To, Pred, B.inTx() ? 'X' : '-',
                           B.abort() ? 'A' : '-', B.cycles())
           << branchTypeName(B) << " ";
      }
    }
    OS << "\n";
    Lines.push_back({S.Time, std::move(Line)});
  }

  /// perf prints a call chain frame relative to its map (ip - start + pgoff)
  /// when the frame lies in a file-backed user mapping, else as is.
  uint64_t printedFrame(const Sample &S, uint64_t Ip) {
    pgoctl::Location L = Maps.resolve(S.Pid, Ip, {S.Time, RS.Records});
    if (L.Module == pgoctl::Location::kNone)
      return Ip;
    return Maps.modules()[L.Module].IsKernel ? Ip : L.FileOffset;
  }

  const DebugSamplesOptions &Opts;
  ProcessMaps &Maps;
  const ReadStats &RS;
  std::vector<std::pair<uint64_t, std::string>> Lines;
};

} // namespace

llvm::Error printDebugSamples(llvm::StringRef Path, const DebugSamplesOptions &Opts,
                              llvm::raw_ostream &OS) {
  ReadOptions RO;
  RO.KeepGoing = Opts.KeepGoing;
  PerfHeader H;
  ReadStats St;
  ProcessMaps Maps;
  // Opened once: a regular file is read twice (side-band first), a stream
  // (a pipe, a FIFO, <(...)) once, with call-chain frames printed unresolved.
  llvm::Expected<InputFile> In = InputFile::open(Path);
  if (!In)
    return In.takeError();
  if (In->isRegular()) {
    pgoctl::SidebandVisitor SB(Maps, St);
    ReadOptions RO1 = RO;
    RO1.SkipSamples = true;
    if (llvm::Error E = readPerfData(*In, SB, RO1, H, St))
      return E; // readPerfData reads a regular file from its start each time
  }
  // Samples in perf's order: its rounds when the file allows (Reorder.h),
  // else sorted by time.
  Printer P(Opts, Maps, St);
  ReadOptions RO2 = RO;
  RO2.Ordered = true;
  if (llvm::Error E = readPerfData(*In, P, RO2, H, St))
    return E;
  if (!St.Ordered)
    std::stable_sort(P.Lines.begin(), P.Lines.end(),
                     [](const auto &A, const auto &B) { return A.first < B.first; });
  for (const auto &L : P.Lines)
    OS << L.second;
  return llvm::Error::success();
}

} // namespace pgoctl::perf
