// Tracee: the traced process. Starts the program under ptrace (stopped at its
// first instruction after execve), resumes it by continuing or single
// stepping, and gives access to its registers and memory. Every failure is an
// llvm::Error naming the ptrace request and the address.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <sys/user.h>
#include <vector>

namespace lbremu {

struct Stop {
  enum Kind {
    Trap,      // SIGTRAP from our int3 or single-step
    Signal,    // another signal the program must receive (Sig)
    Exited,    // process exited (Code) or was killed by a signal (Sig)
    Exec,      // PTRACE_EVENT_EXEC: new program image
    NewThread, // PTRACE_EVENT_CLONE (thread), unsupported
    NewProcess,// PTRACE_EVENT_FORK / VFORK, unsupported
  };
  Kind K = Trap;
  int Sig = 0;
  int Code = 0;
};

class Tracee {
public:
  // Forks and execs Command; returns once the child stopped after execve.
  static llvm::Expected<std::unique_ptr<Tracee>>
  spawn(const std::vector<std::string> &Command, bool NoAslr);
  ~Tracee();

  pid_t pid() const { return Pid; }
  bool alive() const { return Alive; }

  // Resume and wait for the next stop. Sig is a signal to deliver.
  llvm::Expected<Stop> cont(int Sig = 0);
  llvm::Expected<Stop> step(int Sig = 0);

  llvm::Error getRegs(user_regs_struct &R);
  llvm::Error setRegs(const user_regs_struct &R);
  llvm::Error setPc(uint64_t Pc);

  // Reads up to Buf.size() bytes; returns how many were readable.
  size_t readMemory(uint64_t Addr, llvm::MutableArrayRef<uint8_t> Buf);
  llvm::Expected<uint64_t> peekWord(uint64_t Addr);
  llvm::Error pokeWord(uint64_t Addr, uint64_t Value);

  // /proc/PID/mem follows the address space it was opened on: reopen it
  // after the program calls execve.
  llvm::Error reopenMemory();

  // Kills the process (used when we refuse to go on).
  void kill();

private:
  explicit Tracee(pid_t P);
  llvm::Expected<Stop> waitStop();
  pid_t Pid;
  int MemFd = -1;
  bool Alive = true;
};

} // namespace lbremu
