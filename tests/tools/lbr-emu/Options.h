// Options of lbr-emu: one struct filled from the command line and passed
// down to the tracer, the sampler and the writers. No globals.
#pragma once

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lbremu {

// What the emulated PMU counts and samples on overflow.
enum class SampledEvent {
  Branches,     // taken branches, with the LBR stack (branches:u)
  Instructions, // retired instructions, IP only, no skid (instructions:u
                // with PEBS, precise_ip 2)
};

enum class TraceMode {
  Block,      // decode basic blocks once, run to their branch, emulate it
  SingleStep, // PTRACE_SINGLESTEP every instruction (reference mode)
};

struct Options {
  SampledEvent Event = SampledEvent::Branches;
  uint64_t Period = 10007;       // events per sample (a prime)
  // Events counted before the program starts (0 <= Phase < Period): the
  // first sample comes after Period - Phase events. A deterministic program
  // sampled at one period gives nearly the same samples on every run; other
  // phases give independent recordings of it, as a fleet's would be.
  uint64_t Phase = 0;
  bool CallChains = false;       // -g: frame-pointer call chains (instructions)
  unsigned Depth = 32;           // LBR entries per sample (16 or 32)
  bool Exact = false;            // write the ground-truth file
  std::string Output;            // perf.data to write
  std::string ExactOutput;       // ground truth (default Output + ".exact")
  std::string DumpSamples;       // optional text dump of the samples
  TraceMode Mode = TraceMode::Block;
  bool Stats = false;            // print counters and speed on stderr
  // CPU to pin lbr-emu and the program to (-1: the CPU we start on, -2: no
  // pinning). Tracer and tracee on one CPU avoid a cross-CPU wake-up per
  // ptrace stop, which makes tracing about 3x faster in VMs.
  int PinCpu = -1;
  bool NoAslr = false;           // run the program with ADDR_NO_RANDOMIZE
  std::vector<std::string> Command; // program and its arguments
};

// Parses argv (without argv[0]). Returns an error naming the bad option.
llvm::Expected<Options> parseOptions(int Argc, char **Argv);

const char *usageText();

} // namespace lbremu
