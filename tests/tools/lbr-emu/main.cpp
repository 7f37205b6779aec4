// lbr-emu: runs a program under ptrace and writes the perf.data file that a
// PMU with LBR would have produced for it (`perf record -b -e branches:u -c
// PERIOD`, or with --event instructions `perf record -e instructions:upp`),
// plus, with --exact, the true branch and range counts.
// This file wires the parts together; see Tracer.h for how it traces.
#include "GroundTruth.h"
#include "LbrSampler.h"
#include "Options.h"
#include "PerfDataWriter.h"
#include "ProcessMaps.h"
#include "Tracee.h"
#include "Tracer.h"
#include "X86Decoder.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <sched.h>

using namespace llvm;
using namespace lbremu;

static int fail(Error E) {
  errs() << "lbr-emu: error: " << toString(std::move(E)) << '\n';
  return 1;
}

// Pins this process (and so the program it forks) to one CPU.
static Error pinCpu(int Cpu) {
  if (Cpu == -2)
    return Error::success();
  if (Cpu == -1)
    Cpu = sched_getcpu();
  if (Cpu < 0)
    return Error::success();
  cpu_set_t Set;
  CPU_ZERO(&Set);
  CPU_SET(Cpu, &Set);
  if (sched_setaffinity(0, sizeof(Set), &Set) != 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot pin to CPU " + std::to_string(Cpu));
  return Error::success();
}

static Expected<int> runTool(const Options &O, int Argc, char **Argv) {
  if (Error E = pinCpu(O.PinCpu))
    return std::move(E);
  auto Dec = X86Decoder::create();
  if (!Dec)
    return Dec.takeError();

  PerfDataConfig PC;
  PC.Path = O.Output;
  PC.Period = O.Period;
  PC.Event = O.Event;
  PC.CallChains = O.CallChains;
  for (int I = 0; I < Argc; ++I)
    PC.CmdLine.push_back(Argv[I]);
  auto Writer = PerfDataWriter::create(PC);
  if (!Writer)
    return Writer.takeError();

  std::optional<raw_fd_ostream> Dump;
  if (!O.DumpSamples.empty()) {
    std::error_code EC;
    Dump.emplace(O.DumpSamples, EC, sys::fs::OF_Text);
    if (EC)
      return createStringError(EC, "cannot write " + O.DumpSamples);
  }
  std::optional<GroundTruth> Truth;
  if (O.Exact)
    Truth.emplace();

  auto P = Tracee::spawn(O.Command, O.NoAslr);
  if (!P)
    return P.takeError();
  ProcessMaps Maps((*P)->pid());
  LbrSampler Sampler(O.Event, O.Period, O.Phase, O.Depth, **Writer, Dump ? &*Dump : nullptr,
                     Truth ? &*Truth : nullptr);
  Tracer Tr(O, **P, **Dec, Maps, Sampler, **Writer, Truth ? &*Truth : nullptr);

  uint64_t T0 = monotonicNs();
  auto Stats = Tr.run();
  if (!Stats)
    return Stats.takeError();
  double Secs = double(monotonicNs() - T0) / 1e9;

  (*Writer)->exit((*P)->pid(), monotonicNs());
  if (Error E = (*Writer)->finish(Maps.buildIds()))
    return std::move(E);
  if (Dump) {
    Dump->close();
    if (Dump->has_error())
      return createStringError(Dump->error(), "error writing " + O.DumpSamples);
  }
  if (Truth) {
    GroundTruth::Totals Tot{Sampler.taken(), Stats->Instructions,
                            Sampler.samples(), O.Period, O.Depth};
    if (Error E = Truth->write(O.ExactOutput, Tot))
      return std::move(E);
  }
  if (O.Stats) {
    errs() << format("lbr-emu: mode=%s instructions=%llu taken=%llu "
                     "samples=%llu stops=%llu emulated=%llu blocks=%llu "
                     "seconds=%.3f insn/s=%.0f\n",
                     O.Mode == TraceMode::Block ? "block" : "singlestep",
                     (unsigned long long)Stats->Instructions,
                     (unsigned long long)Sampler.taken(),
                     (unsigned long long)Sampler.samples(),
                     (unsigned long long)Stats->Stops,
                     (unsigned long long)Stats->Emulated,
                     (unsigned long long)Stats->Blocks, Secs,
                     Secs > 0 ? double(Stats->Instructions) / Secs : 0.0);
  }
  if (Stats->ExitCode != 0)
    errs() << "lbr-emu: note: the program exited with status "
           << Stats->ExitCode << " (output written)\n";
  return Stats->ExitCode;
}

int main(int Argc, char **Argv) {
  auto O = parseOptions(Argc - 1, Argv + 1);
  if (!O) {
    errs() << "lbr-emu: error: " << toString(O.takeError()) << '\n'
           << usageText();
    return 2;
  }
  auto Code = runTool(*O, Argc, Argv);
  if (!Code)
    return fail(Code.takeError());
  return *Code;
}
