// The two tracing loops (block and single-step) and their shared handling of
// signals, exec, maps changes and refused events. See Tracer.h.
#include "Tracer.h"
#include "BranchEmulator.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>
#include <sys/syscall.h>

using namespace llvm;

namespace lbremu {

static Error err(const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(), Msg);
}

static std::string hex(uint64_t V) { return "0x" + utohexstr(V, true); }

static std::string readComm(pid_t Pid) {
  auto B = MemoryBuffer::getFileAsStream("/proc/" + std::to_string(Pid) +
                                         "/comm");
  if (!B)
    return "unknown";
  return (*B)->getBuffer().trim().str();
}

// Signal masks from /proc/PID/status ("SigIgn:", "SigCgt:").
static uint64_t statusMask(pid_t Pid, StringRef Key) {
  auto B = MemoryBuffer::getFileAsStream("/proc/" + std::to_string(Pid) +
                                         "/status");
  if (!B)
    return 0;
  SmallVector<StringRef, 64> Lines;
  (*B)->getBuffer().split(Lines, '\n');
  for (StringRef L : Lines)
    if (L.consume_front(Key)) {
      uint64_t M = 0;
      L.trim().getAsInteger(16, M);
      return M;
    }
  return 0;
}

static bool ignoredByDefault(int Sig) {
  return Sig == SIGCHLD || Sig == SIGURG || Sig == SIGWINCH || Sig == SIGCONT;
}

Error Tracer::refreshMaps() {
  auto D = Maps.refresh();
  if (!D)
    return D.takeError();
  if (!D->Removed.empty()) {
    for (const Mapping &M : D->Removed) {
      // Put original bytes back where the memory still exists (mprotect,
      // split mappings); forget the breakpoints where it does not.
      SmallVector<uint64_t, 16> Gone;
      for (auto &KV : Blocks)
        if (KV.first >= M.Start && KV.first < M.End)
          Gone.push_back(KV.first);
      for (uint64_t A : Gone)
        Blocks.erase(A);
      Gone.clear();
      for (auto &KV : Insns)
        if (KV.first >= M.Start && KV.first < M.End)
          Gone.push_back(KV.first);
      for (uint64_t A : Gone)
        Insns.erase(A);
      Bps.removeRange(M.Start, M.End);
    }
  }
  uint64_t Now = monotonicNs();
  for (const Mapping &M : D->Added) {
    Writer.mmap2(T.pid(), M, Now);
    if (Truth)
      Truth->noteMapping(M);
  }
  return Error::success();
}

Error Tracer::start() {
  Sampler.setPid(T.pid());
  if (Opts.CallChains)
    Sampler.Unwind = [this](std::vector<uint64_t> &Chain) { unwind(Chain); };
  if (Error E = T.getRegs(R))
    return E;
  Writer.comm(T.pid(), readComm(T.pid()), /*Exec=*/true, monotonicNs());
  if (Error E = refreshMaps())
    return E;
  Sampler.resume(R.rip);
  return Error::success();
}

Error Tracer::onExec() {
  Blocks.clear();
  Insns.clear();
  Bps.forget(); // the old image is gone with its breakpoints
  if (Error E = T.reopenMemory())
    return E;
  if (Error E = T.getRegs(R))
    return E;
  Writer.comm(T.pid(), readComm(T.pid()), /*Exec=*/true, monotonicNs());
  if (Error E = refreshMaps())
    return E;
  Sampler.resume(R.rip);
  return Error::success();
}

Error Tracer::refuse(const Stop &S) {
  T.kill();
  Exited = true;
  if (S.K == Stop::NewThread)
    return err("the program created a thread (clone); lbr-emu supports "
               "single-threaded programs only, no output written");
  return err("the program created a process (fork/vfork/posix_spawn/"
             "system); lbr-emu traces a single process only, no output "
             "written");
}

Expected<bool> Tracer::handleOther(const Stop &S) {
  switch (S.K) {
  case Stop::Exited:
    Exited = true;
    Stats.ExitCode = S.Sig ? 128 + S.Sig : S.Code;
    return true;
  case Stop::Signal:
    if (Error E = T.getRegs(R))
      return std::move(E);
    PendingSig = S.Sig;
    return false;
  case Stop::Exec:
    if (Error E = onExec())
      return std::move(E);
    return false;
  case Stop::NewThread:
  case Stop::NewProcess:
    return refuse(S);
  case Stop::Trap:
    if (Error E = T.getRegs(R))
      return std::move(E);
    return false;
  }
  return false;
}

// Delivers PendingSig. A caught signal is stepped into: the kernel stops at
// the handler's first instruction before running it. A signal that would be
// ignored is dropped; a fatal one is delivered and ends the program.
static bool isCaught(pid_t Pid, int Sig) {
  return (statusMask(Pid, "SigCgt:") >> (Sig - 1)) & 1;
}

Expected<DecodedInsn> Tracer::insnAt(uint64_t Pc) {
  auto It = Insns.find(Pc);
  if (It != Insns.end())
    return It->second;
  uint8_t Buf[16];
  size_t N = T.readMemory(Pc, Buf);
  if (N == 0) {
    if (Error E = refreshMaps())
      return std::move(E);
    N = T.readMemory(Pc, Buf);
    if (N == 0)
      return err("cannot read code at " + hex(Pc));
  }
  Bps.unpatch(Pc, MutableArrayRef<uint8_t>(Buf, N));
  auto D = Dec.decodeOne(ArrayRef<uint8_t>(Buf, N), Pc);
  if (!D)
    return D.takeError();
  Insns[Pc] = *D;
  return *D;
}

Expected<const Tracer::Block *> Tracer::blockAt(uint64_t Pc) {
  auto It = Blocks.find(Pc);
  if (It != Blocks.end())
    return &It->second;
  if (!Maps.find(Pc))
    if (Error E = refreshMaps())
      return std::move(E);
  Block B;
  uint8_t Buf[256];
  uint64_t BufAddr = Pc;
  size_t Len = 0, Off = 0;
  uint64_t A = Pc;
  for (;;) {
    if (Len - Off < 16) {
      BufAddr = A;
      Off = 0;
      Len = T.readMemory(BufAddr, Buf);
      if (Len == 0)
        return err("cannot read code at " + hex(A) +
                   " (jumped to unmapped memory?)");
      Bps.unpatch(BufAddr, MutableArrayRef<uint8_t>(Buf, Len));
    }
    auto D = Dec.decodeOne(ArrayRef<uint8_t>(Buf + Off, Len - Off), A);
    if (!D)
      return D.takeError();
    ++B.NumInsns;
    if (Sampler.countsInstructions())
      B.Insns.push_back(A);
    B.WritesRbp |= D->WritesRbp;
    if (D->IsTerminator) {
      B.Term = D->Term;
      break;
    }
    A += D->Len;
    Off += D->Len;
    if (A - Pc > (1u << 20))
      return err("no branch within 1 MiB after " + hex(Pc));
  }
  ++Stats.Blocks;
  return &(Blocks[Pc] = B);
}

Error Tracer::afterSyscall(uint64_t Nr) {
  if (Nr == SYS_mmap || Nr == SYS_munmap || Nr == SYS_mprotect ||
      Nr == SYS_mremap)
    return refreshMaps();
  return Error::success();
}

// Single-steps the terminator Tm (the program is stopped at it, R current).
// Returns true if the program exited meanwhile.
Expected<bool> Tracer::stepTerminator(const Terminator &Tm, uint64_t &NextPc,
                                      bool &Taken) {
  bool HadBp = Bps.has(Tm.Addr);
  if (HadBp)
    if (Error E = Bps.remove(Tm.Addr))
      return std::move(E);
  R.rip = Tm.Addr;
  if (Error E = T.setRegs(R))
    return std::move(E);
  uint64_t Nr = R.rax;
  auto S = T.step();
  if (!S)
    return S.takeError();
  ++Stats.Stops;
  Taken = false;
  if (S->K != Stop::Trap) {
    auto Done = handleOther(*S);
    if (!Done || *Done)
      return Done;
    if (HadBp && S->K != Stop::Exec)
      if (Error E = Bps.insert(Tm.Addr))
        return std::move(E);
    NextPc = R.rip;
    if (S->K == Stop::Exec)
      return false;
    // A signal arrived before the instruction completed: it is delivered
    // next and the instruction runs again afterwards.
    return false;
  }
  if (Error E = T.getRegs(R))
    return std::move(E);
  if (HadBp)
    if (Error E = Bps.insert(Tm.Addr))
      return std::move(E);
  NextPc = R.rip;
  if (Tm.isLbrBranch()) {
    Taken = !Tm.isConditional() || NextPc != Tm.fallThrough();
    return false;
  }
  if (Error E = afterSyscall(Nr))
    return std::move(E);
  if (NextPc != Tm.fallThrough())
    Sampler.resume(NextPc); // e.g. rt_sigreturn
  return false;
}

// Delivers PendingSig at Pc (see isCaught). Returns true if the program
// exited.
static Expected<bool> deliver(Tracee &T, Breakpoints &Bps,
                              user_regs_struct &R, int &PendingSig,
                              uint64_t &Stops) {
  int Sig = PendingSig;
  PendingSig = 0;
  uint64_t Mask = statusMask(T.pid(), "SigIgn:");
  bool Ignored = ((Mask >> (Sig - 1)) & 1) ||
                 (ignoredByDefault(Sig) && !isCaught(T.pid(), Sig));
  if (Ignored || Sig == SIGSTOP || Sig == SIGTSTP || Sig == SIGTTIN ||
      Sig == SIGTTOU)
    return false;
  uint64_t Pc = R.rip;
  bool HadBp = Bps.has(Pc);
  if (HadBp)
    if (Error E = Bps.remove(Pc))
      return std::move(E);
  auto S = T.step(Sig);
  if (!S)
    return S.takeError();
  ++Stops;
  if (S->K == Stop::Exited)
    return true;
  if (HadBp)
    if (Error E = Bps.insert(Pc))
      return std::move(E);
  if (Error E = T.getRegs(R))
    return std::move(E);
  if (S->K == Stop::Signal)
    PendingSig = S->Sig;
  return false;
}

void Tracer::unwind(std::vector<uint64_t> &Chain) {
  uint64_t Frame = R.rbp;
  for (int K = 0; K < 127 && Frame && Frame % 8 == 0; ++K) {
    uint64_t Words[2];
    if (T.readMemory(Frame, MutableArrayRef<uint8_t>(reinterpret_cast<uint8_t *>(Words),
                                                      sizeof(Words))) != sizeof(Words))
      break;
    if (!Words[1])
      break;
    Chain.push_back(Words[1]);
    if (Words[0] <= Frame)
      break;
    Frame = Words[0];
  }
}

Expected<bool> Tracer::trapped(Expected<Stop> S, bool &Exit) {
  if (!S)
    return S.takeError();
  ++Stats.Stops;
  if (S->K == Stop::Trap)
    return true;
  auto Done = handleOther(*S);
  if (!Done)
    return Done.takeError();
  Exit = *Done;
  return false;
}

Expected<bool> Tracer::runToTerminator(const Block &B, bool &Exit) {
  if (!Bps.has(B.Term.Addr))
    if (Error E = Bps.insert(B.Term.Addr))
      return std::move(E);
  auto Trapped = trapped(T.cont(), Exit);
  if (!Trapped || !*Trapped)
    return Trapped;
  if (Error E = T.getRegs(R))
    return std::move(E);
  if (R.rip - 1 != B.Term.Addr) {
    // Not our breakpoint: a stray trap (e.g. after execve). Go on from
    // where the program is.
    if (Bps.has(R.rip - 1))
      R.rip -= 1;
    Sampler.resume(R.rip);
    return false;
  }
  return true;
}

Expected<bool> Tracer::stepBlock(const Block &B, bool &Exit) {
  // Steps until the terminator; each step retires the block's instructions
  // that rip moved past (a `rep` one stays put for its iterations, and a
  // prefix the decoder listed on its own goes with its instruction).
  size_t K = 0;
  while (R.rip != B.Term.Addr) {
    auto Trapped = trapped(T.step(), Exit);
    if (!Trapped || !*Trapped)
      return Trapped;
    if (Error E = T.getRegs(R))
      return std::move(E);
    if (R.rip < B.Insns.front() || R.rip > B.Term.Addr)
      return err("stepping the block of " + hex(B.Insns.front()) + " went to " + hex(R.rip) +
                 ", outside it (code changed under the tracer?)");
    size_t Past = K;
    while (Past + 1 < B.Insns.size() && B.Insns[Past] < R.rip)
      ++Past;
    Sampler.retired(ArrayRef<uint64_t>(B.Insns).slice(K, Past - K));
    K = Past;
  }
  return true;
}

Error Tracer::runBlocks() {
  uint64_t Pc = R.rip;
  while (!Exited) {
    if (PendingSig) {
      auto Done = deliver(T, Bps, R, PendingSig, Stats.Stops);
      if (!Done)
        return Done.takeError();
      if (*Done) {
        Exited = true;
        break;
      }
      Pc = R.rip;
      Sampler.resume(Pc);
      continue;
    }
    auto BOr = blockAt(Pc);
    if (!BOr)
      return BOr.takeError();
    const Block &B = **BOr;
    size_t Retired = 0; // of B.Insns, by stepBlock
    if (Pc != B.Term.Addr) {
      bool Exit = false;
      bool Step = B.WritesRbp && Opts.CallChains && Sampler.sampleWithin(B.NumInsns);
      auto AtTerm = Step ? stepBlock(B, Exit) : runToTerminator(B, Exit);
      if (!AtTerm)
        return AtTerm.takeError();
      if (Exit)
        break;
      if (!*AtTerm) {
        Pc = R.rip;
        continue;
      }
      Stats.Instructions += B.NumInsns;
      if (Step)
        Retired = B.Insns.size() - 1;
    } else {
      Stats.Instructions += 1;
    }
    if (Sampler.countsInstructions()) // from Pc, the block's start, to its terminator
      Sampler.retired(ArrayRef<uint64_t>(B.Insns).drop_front(Retired));
    const Terminator Term = B.Term; // B may dangle below (execve clears the cache)
    auto Em = emulateBranch(Term, R, T);
    if (!Em)
      return Em.takeError();
    uint64_t Next;
    bool Taken;
    if (Em->Handled) {
      if (Error E = T.setRegs(R))
        return E;
      Next = Em->NextPc;
      Taken = Em->Taken;
      ++Stats.Emulated;
    } else {
      auto Done = stepTerminator(Term, Next, Taken);
      if (!Done)
        return Done.takeError();
      if (*Done)
        break;
    }
    if (Taken)
      Sampler.branch(Term.Addr, Next);
    Pc = Next;
  }
  return Error::success();
}

Error Tracer::runSingleStep() {
  uint64_t Pc = R.rip;
  while (!Exited) {
    if (PendingSig) {
      auto Done = deliver(T, Bps, R, PendingSig, Stats.Stops);
      if (!Done)
        return Done.takeError();
      if (*Done) {
        Exited = true;
        break;
      }
      Pc = R.rip;
      Sampler.resume(Pc);
      continue;
    }
    auto D = insnAt(Pc);
    if (!D)
      return D.takeError();
    uint64_t Nr = R.rax;
    auto S = T.step();
    if (!S)
      return S.takeError();
    ++Stats.Stops;
    if (S->K != Stop::Trap) {
      auto Done = handleOther(*S);
      if (!Done)
        return Done.takeError();
      if (*Done)
        break;
      Pc = R.rip;
      continue;
    }
    if (Error E = T.getRegs(R))
      return E;
    ++Stats.Instructions;
    if (Sampler.countsInstructions())
      Sampler.retired(Pc);
    uint64_t Next = R.rip;
    if (D->IsTerminator) {
      const Terminator &Tm = D->Term;
      if (Tm.isLbrBranch()) {
        if (!Tm.isConditional() || Next != Tm.fallThrough())
          Sampler.branch(Pc, Next);
      } else {
        if (Error E = afterSyscall(Nr))
          return E;
        if (Next != Tm.fallThrough())
          Sampler.resume(Next);
      }
    }
    Pc = Next;
  }
  return Error::success();
}

Expected<TraceStats> Tracer::run() {
  if (Error E = start())
    return std::move(E);
  Error E = Opts.Mode == TraceMode::Block ? runBlocks() : runSingleStep();
  if (E)
    return std::move(E);
  return Stats;
}

} // namespace lbremu
