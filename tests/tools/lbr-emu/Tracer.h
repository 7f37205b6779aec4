// Tracer: drives the traced program from its first instruction to its exit
// and reports every taken user-space branch to the LbrSampler.
//
// Block mode (default): each basic block is decoded once (cached by start
// address); an int3 is planted on its terminating instruction; the program
// runs at full speed to it; the branch is then emulated from the registers
// (BranchEmulator) or, for rare kinds, single-stepped. Single-step mode steps
// every instruction and is the reference the block mode is tested against:
// both must produce the same branch trace.
//
// It also keeps the executable mappings current (re-reading /proc/PID/maps
// after mmap/munmap/mprotect/mremap syscalls and exec) and writes COMM and
// MMAP2 records for them. Threads and fork/vfork are refused.
#pragma once

#include "Breakpoints.h"
#include "LbrSampler.h"
#include "Options.h"
#include "PerfDataWriter.h"
#include "ProcessMaps.h"
#include "Tracee.h"
#include "X86Decoder.h"

#include "llvm/ADT/DenseMap.h"

namespace lbremu {

struct TraceStats {
  uint64_t Instructions = 0; // instructions executed (rep iterations: 1)
  uint64_t Stops = 0;        // ptrace stops taken
  uint64_t Emulated = 0;     // branches emulated without stepping
  uint64_t Blocks = 0;       // distinct blocks decoded
  int ExitCode = 0;          // program exit status (128+sig if killed)
};

class Tracer {
public:
  Tracer(const Options &O, Tracee &T, const X86Decoder &D, ProcessMaps &M,
         LbrSampler &S, PerfDataWriter &W, GroundTruth *G)
      : Opts(O), T(T), Dec(D), Maps(M), Sampler(S), Writer(W), Truth(G),
        Bps(T) {}

  llvm::Expected<TraceStats> run();

private:
  struct Block {
    Terminator Term;
    uint32_t NumInsns = 0; // from the block start to the terminator, incl.
    std::vector<uint64_t> Insns; // their addresses, when instructions are sampled
    bool WritesRbp = false;      // an instruction before Term writes %rbp
  };

  llvm::Error start();
  // Frame-pointer unwinding from the registers of the last stop: the return
  // address above each saved rbp, while frames go up the stack (at most 127,
  // as perf's default). In block mode the registers are the block's end's;
  // a block that writes rbp (`mov %rsp,%rbp` of a prologue, `pop %rbp` of an
  // epilogue) and gets a sample is stepped instead (stepBlock), so that a
  // sample unwinds from the rbp after its own instruction, as a kernel's
  // unwinding at the sampled instruction does.
  void unwind(std::vector<uint64_t> &Chain);
  // Steps B's instructions before its terminator from Pc, each retired on
  // its own. False when a stop other than the step's trap came (handled;
  // the caller goes on from R.rip).
  llvm::Expected<bool> stepBlock(const Block &B, bool &Exit);
  // Runs B from its start to a breakpoint at its terminator. False when the
  // program stopped elsewhere (handled; the caller goes on from R.rip).
  llvm::Expected<bool> runToTerminator(const Block &B, bool &Exit);
  llvm::Expected<const Block *> blockAt(uint64_t Pc);
  llvm::Expected<DecodedInsn> insnAt(uint64_t Pc);
  llvm::Error refreshMaps();
  llvm::Error onExec();
  llvm::Error refuse(const Stop &S);
  // Handles a stop that is not the expected trap. Returns true if the
  // program has exited.
  llvm::Expected<bool> handleOther(const Stop &S);
  // The stop S of a cont or step: true if it is the trap asked for; else
  // handled (handleOther), Exit set when the program is gone, false.
  llvm::Expected<bool> trapped(llvm::Expected<Stop> S, bool &Exit);
  llvm::Expected<bool> stepTerminator(const Terminator &Tm, uint64_t &NextPc,
                                      bool &Taken);
  llvm::Error afterSyscall(uint64_t Nr);
  llvm::Error runBlocks();
  llvm::Error runSingleStep();

  const Options &Opts;
  Tracee &T;
  const X86Decoder &Dec;
  ProcessMaps &Maps;
  LbrSampler &Sampler;
  PerfDataWriter &Writer;
  GroundTruth *Truth;
  Breakpoints Bps;
  llvm::DenseMap<uint64_t, Block> Blocks;
  llvm::DenseMap<uint64_t, DecodedInsn> Insns;
  user_regs_struct R{};
  int PendingSig = 0;
  bool Exited = false;
  TraceStats Stats;
};

} // namespace lbremu
