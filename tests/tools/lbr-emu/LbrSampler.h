// LbrSampler: the emulated PMU. Keeps the last Depth taken branches in a
// ring (like the LBR MSR stack) and, every Period taken branches (like a
// branch-instructions counter overflowing), emits a sample: IP (the target
// of the branch that overflowed the counter), pid/tid, time and the branch
// stack newest first. With SampledEvent::Instructions it counts retired
// instructions instead and emits, every Period of them, an IP sample of the
// instruction that overflowed the counter (what PEBS gives, without skid).
// Optionally dumps each sample as text and feeds the exact counts
// (GroundTruth).
#pragma once

#include "GroundTruth.h"
#include "PerfDataWriter.h"

#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace lbremu {

class LbrSampler {
public:
  /// Phase: events counted before the first one (below Period).
  LbrSampler(SampledEvent Event, uint64_t Period, uint64_t Phase, unsigned Depth,
             PerfDataWriter &W, llvm::raw_ostream *Dump, GroundTruth *Exact)
      : Event(Event), Period(Period), Depth(Depth), W(W), Dump(Dump), Exact(Exact),
        SinceSample(Phase) {}

  bool countsInstructions() const { return Event == SampledEvent::Instructions; }

  void setPid(pid_t P) { Pid = P; }
  // Appends the return addresses of the current call stack (frame-pointer
  // unwinding) to a call chain; set by the tracer when -g.
  std::function<void(std::vector<uint64_t> &)> Unwind;

  void branch(uint64_t From, uint64_t To) {
    Ring[Head] = {From, To};
    Head = (Head + 1) % MaxDepth;
    if (Filled < Depth)
      ++Filled;
    ++Taken;
    if (Exact)
      Exact->branch(From, To);
    if (Event == SampledEvent::Branches && ++SinceSample == Period) {
      SinceSample = 0;
      emitSample();
    }
  }
  // Instructions that retired, in order (SampledEvent::Instructions).
  void retired(llvm::ArrayRef<uint64_t> Insns) {
    for (uint64_t Ip : Insns)
      if (++SinceSample == Period) {
        SinceSample = 0;
        emitIpSample(Ip);
      }
  }
  // Whether one of the next N retired instructions is sampled.
  bool sampleWithin(uint64_t N) const {
    return Event == SampledEvent::Instructions && SinceSample + N >= Period;
  }
  void resume(uint64_t Pc) {
    if (Exact)
      Exact->resume(Pc);
  }

  uint64_t taken() const { return Taken; }
  uint64_t samples() const { return Samples; }

private:
  void emitSample();
  void emitIpSample(uint64_t Ip);
  static constexpr unsigned MaxDepth = 32;
  SampledEvent Event;
  uint64_t Period;
  unsigned Depth;
  PerfDataWriter &W;
  llvm::raw_ostream *Dump;
  GroundTruth *Exact;
  pid_t Pid = 0;
  std::array<BranchPair, MaxDepth> Ring{};
  unsigned Head = 0, Filled = 0;
  uint64_t SinceSample, Taken = 0, Samples = 0;
  std::vector<uint64_t> Chain;
};

// Nanoseconds of CLOCK_MONOTONIC (the perf default clock).
uint64_t monotonicNs();

} // namespace lbremu
