// ptrace plumbing for Tracee. The child does PTRACE_TRACEME and execvp; the
// parent sets PTRACE_O_EXITKILL (the program never outlives lbr-emu) and asks
// for exec/clone/fork events so that threads and forks can be refused.
#include "Tracee.h"

#include "llvm/Support/Errno.h"
#include "llvm/ADT/StringExtras.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace lbremu {

static Error sysError(const Twine &What) {
  return createStringError(std::error_code(errno, std::generic_category()),
                           What + ": " + sys::StrError(errno));
}

Tracee::Tracee(pid_t P) : Pid(P) {}

Tracee::~Tracee() {
  if (MemFd >= 0)
    close(MemFd);
  if (Alive)
    kill();
}

void Tracee::kill() {
  if (!Alive)
    return;
  ::kill(Pid, SIGKILL);
  // Reap every traced task (threads auto-attached by PTRACE_O_TRACECLONE
  // too): the leader's exit is only reported after the other threads'.
  int St;
  for (;;) {
    pid_t R = waitpid(-1, &St, __WALL);
    if (R < 0 && errno == EINTR)
      continue;
    if (R < 0 || (R == Pid && (WIFEXITED(St) || WIFSIGNALED(St))))
      break;
  }
  Alive = false;
}

Expected<std::unique_ptr<Tracee>>
Tracee::spawn(const std::vector<std::string> &Command, bool NoAslr) {
  // Report exec failures of the child through a close-on-exec pipe.
  int Pipe[2];
  if (pipe2(Pipe, O_CLOEXEC) != 0)
    return sysError("pipe2");
  pid_t P = fork();
  if (P < 0)
    return sysError("fork");
  if (P == 0) {
    close(Pipe[0]);
    std::vector<char *> Argv;
    for (const std::string &A : Command)
      Argv.push_back(const_cast<char *>(A.c_str()));
    Argv.push_back(nullptr);
    if (NoAslr)
      personality(ADDR_NO_RANDOMIZE);
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0)
      execvp(Argv[0], Argv.data());
    int E = errno;
    (void)!write(Pipe[1], &E, sizeof(E));
    _exit(127);
  }
  close(Pipe[1]);
  int ChildErr = 0;
  ssize_t N = read(Pipe[0], &ChildErr, sizeof(ChildErr));
  close(Pipe[0]);
  std::unique_ptr<Tracee> T(new Tracee(P));
  if (N == sizeof(ChildErr)) {
    int St;
    waitpid(P, &St, __WALL);
    T->Alive = false;
    errno = ChildErr;
    return sysError("cannot run '" + Command[0] + "'");
  }
  int St;
  if (waitpid(P, &St, __WALL) != P)
    return sysError("waitpid");
  if (!WIFSTOPPED(St) || WSTOPSIG(St) != SIGTRAP) {
    T->Alive = false;
    return createStringError(inconvertibleErrorCode(),
                             "program did not stop after execve");
  }
  long Opts = PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC | PTRACE_O_TRACECLONE |
              PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
  if (ptrace(PTRACE_SETOPTIONS, P, nullptr, (void *)Opts) != 0)
    return sysError("PTRACE_SETOPTIONS");
  if (Error E = T->reopenMemory())
    return std::move(E);
  return std::move(T);
}

Error Tracee::reopenMemory() {
  if (MemFd >= 0)
    close(MemFd);
  std::string MemPath = "/proc/" + std::to_string(Pid) + "/mem";
  MemFd = open(MemPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (MemFd < 0)
    return sysError("open " + MemPath);
  return Error::success();
}

Expected<Stop> Tracee::waitStop() {
  int St;
  for (;;) {
    pid_t R = waitpid(Pid, &St, __WALL);
    if (R == Pid)
      break;
    if (R < 0 && errno == EINTR)
      continue;
    return sysError("waitpid");
  }
  Stop S;
  if (WIFEXITED(St)) {
    Alive = false;
    S.K = Stop::Exited;
    S.Code = WEXITSTATUS(St);
    return S;
  }
  if (WIFSIGNALED(St)) {
    Alive = false;
    S.K = Stop::Exited;
    S.Sig = WTERMSIG(St);
    return S;
  }
  int Sig = WSTOPSIG(St);
  unsigned Event = unsigned(St) >> 16;
  if (Sig == SIGTRAP && Event != 0) {
    switch (Event) {
    case PTRACE_EVENT_EXEC:
      S.K = Stop::Exec;
      return S;
    case PTRACE_EVENT_CLONE:
      S.K = Stop::NewThread;
      return S;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
      S.K = Stop::NewProcess;
      return S;
    default:
      S.K = Stop::Trap;
      return S;
    }
  }
  S.K = Sig == SIGTRAP ? Stop::Trap : Stop::Signal;
  S.Sig = Sig;
  return S;
}

Expected<Stop> Tracee::cont(int Sig) {
  if (ptrace(PTRACE_CONT, Pid, nullptr, (void *)(long)Sig) != 0)
    return sysError("PTRACE_CONT");
  return waitStop();
}

Expected<Stop> Tracee::step(int Sig) {
  if (ptrace(PTRACE_SINGLESTEP, Pid, nullptr, (void *)(long)Sig) != 0)
    return sysError("PTRACE_SINGLESTEP");
  return waitStop();
}

Error Tracee::getRegs(user_regs_struct &R) {
  if (ptrace(PTRACE_GETREGS, Pid, nullptr, &R) != 0)
    return sysError("PTRACE_GETREGS");
  return Error::success();
}

Error Tracee::setRegs(const user_regs_struct &R) {
  if (ptrace(PTRACE_SETREGS, Pid, nullptr, &R) != 0)
    return sysError("PTRACE_SETREGS");
  return Error::success();
}

Error Tracee::setPc(uint64_t Pc) {
  if (ptrace(PTRACE_POKEUSER, Pid, (void *)offsetof(user_regs_struct, rip),
             (void *)Pc) != 0)
    return sysError("PTRACE_POKEUSER rip");
  return Error::success();
}

size_t Tracee::readMemory(uint64_t Addr, MutableArrayRef<uint8_t> Buf) {
  size_t Done = 0;
  while (Done < Buf.size()) {
    ssize_t N = pread(MemFd, Buf.data() + Done, Buf.size() - Done,
                      off_t(Addr + Done));
    if (N <= 0)
      break;
    Done += size_t(N);
  }
  return Done;
}

Expected<uint64_t> Tracee::peekWord(uint64_t Addr) {
  errno = 0;
  long V = ptrace(PTRACE_PEEKDATA, Pid, (void *)Addr, nullptr);
  if (errno != 0)
    return sysError(Twine("PTRACE_PEEKDATA at 0x") + Twine(utohexstr(Addr)));
  return uint64_t(V);
}

Error Tracee::pokeWord(uint64_t Addr, uint64_t Value) {
  if (ptrace(PTRACE_POKEDATA, Pid, (void *)Addr, (void *)Value) != 0)
    return sysError(Twine("PTRACE_POKEDATA at 0x") + Twine(utohexstr(Addr)));
  return Error::success();
}

} // namespace lbremu
