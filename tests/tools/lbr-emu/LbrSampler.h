// LbrSampler: the emulated PMU. Keeps the last Depth taken branches in a
// ring (like the LBR MSR stack) and, every Period taken branches (like a
// branch-instructions counter overflowing), emits a sample: IP (the target
// of the branch that overflowed the counter), pid/tid, time and the branch
// stack newest first. Optionally dumps each sample as text and feeds the
// exact counts (GroundTruth).
#pragma once

#include "GroundTruth.h"
#include "PerfDataWriter.h"

#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>

namespace lbremu {

class LbrSampler {
public:
  LbrSampler(uint64_t Period, unsigned Depth, PerfDataWriter &W,
             llvm::raw_ostream *Dump, GroundTruth *Exact)
      : Period(Period), Depth(Depth), W(W), Dump(Dump), Exact(Exact) {}

  void setPid(pid_t P) { Pid = P; }

  void branch(uint64_t From, uint64_t To) {
    Ring[Head] = {From, To};
    Head = (Head + 1) % MaxDepth;
    if (Filled < Depth)
      ++Filled;
    ++Taken;
    if (Exact)
      Exact->branch(From, To);
    if (++SinceSample == Period) {
      SinceSample = 0;
      emitSample();
    }
  }
  void resume(uint64_t Pc) {
    if (Exact)
      Exact->resume(Pc);
  }

  uint64_t taken() const { return Taken; }
  uint64_t samples() const { return Samples; }

private:
  void emitSample();
  static constexpr unsigned MaxDepth = 32;
  uint64_t Period;
  unsigned Depth;
  PerfDataWriter &W;
  llvm::raw_ostream *Dump;
  GroundTruth *Exact;
  pid_t Pid = 0;
  std::array<BranchPair, MaxDepth> Ring{};
  unsigned Head = 0, Filled = 0;
  uint64_t SinceSample = 0, Taken = 0, Samples = 0;
};

// Nanoseconds of CLOCK_MONOTONIC (the perf default clock).
uint64_t monotonicNs();

} // namespace lbremu
