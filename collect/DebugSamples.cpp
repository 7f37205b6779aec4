// collect/DebugSamples.cpp: perf-script-compatible sample text.
#include "collect/DebugSamples.h"

#include "llvm/Support/Format.h"

#include <algorithm>

namespace pgoctl::perf {

namespace {

llvm::StringRef branchTypeName(unsigned Type) {
  static const char *const Names[] = {"",        "COND",     "UNCOND",   "IND",
                                      "CALL",    "IND_CALL", "RET",      "SYSCALL",
                                      "SYSRET",  "COND_CALL", "COND_RET", "ERET",
                                      "IRQ",     "SERROR",   "NO_TX",    ""};
  return Names[Type & 15];
}

class Printer : public PerfVisitor {
public:
  explicit Printer(const DebugSamplesOptions &O) : Opts(O) {}

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
        OS << llvm::format("\t%16llx\n", (unsigned long long)Ip);
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
           << branchTypeName(B.type()) << " ";
      }
    }
    OS << "\n";
    Lines.push_back({S.Time, std::move(Line)});
  }

  const DebugSamplesOptions &Opts;
  std::vector<std::pair<uint64_t, std::string>> Lines;
};

} // namespace

llvm::Error printDebugSamples(llvm::StringRef Path, const DebugSamplesOptions &Opts,
                              llvm::raw_ostream &OS) {
  Printer P(Opts);
  ReadOptions RO;
  RO.KeepGoing = Opts.KeepGoing;
  PerfHeader H;
  ReadStats St;
  if (llvm::Error E = readPerfData(Path, P, RO, H, St))
    return E;
  std::stable_sort(P.Lines.begin(), P.Lines.end(),
                   [](const auto &A, const auto &B) { return A.first < B.first; });
  for (const auto &L : P.Lines)
    OS << L.second;
  return llvm::Error::success();
}

} // namespace pgoctl::perf
