// Sample emission. The dump format (--dump-samples) is one line per sample:
//   <ip-hex> <from-hex>/<to-hex> ...   (branches newest first; IP alone for
//                                       instructions)
// i.e. the same information `perf script -F ip,brstack` prints.
#include "LbrSampler.h"

#include "llvm/ADT/StringExtras.h"

#include <linux/perf_event.h>
#include <time.h>

using namespace llvm;

namespace lbremu {

uint64_t monotonicNs() {
  struct timespec T;
  clock_gettime(CLOCK_MONOTONIC, &T);
  return uint64_t(T.tv_sec) * 1000000000ull + uint64_t(T.tv_nsec);
}

void LbrSampler::emitSample() {
  std::array<BranchPair, MaxDepth> Stack;
  for (unsigned I = 0; I < Filled; ++I)
    Stack[I] = Ring[(Head + MaxDepth - 1 - I) % MaxDepth];
  ArrayRef<BranchPair> Br(Stack.data(), Filled);
  uint64_t Ip = Stack[0].To;
  W.sample(Pid, Ip, monotonicNs(), Br);
  ++Samples;
  if (Dump) {
    *Dump << utohexstr(Ip, true);
    for (const BranchPair &B : Br)
      *Dump << ' ' << utohexstr(B.From, true) << '/' << utohexstr(B.To, true);
    *Dump << '\n';
  }
}

void LbrSampler::emitIpSample(uint64_t Ip) {
  Chain.clear();
  if (Unwind) {
    Chain.push_back(PERF_CONTEXT_USER);
    Chain.push_back(Ip);
    Unwind(Chain);
  }
  W.sample(Pid, Ip, monotonicNs(), {}, Chain);
  ++Samples;
  if (Dump)
    *Dump << utohexstr(Ip, true) << '\n';
}

} // namespace lbremu
