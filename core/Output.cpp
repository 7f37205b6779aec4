// core/Output.cpp: the output writer (see Output.h) and the registry of live
// temporary files that a SIGINT/SIGTERM/SIGHUP handler removes.
#include "core/Output.h"
#include "core/Support.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace pgoctl {

namespace {

// -- Live temporary files. The signal handler may run at any instruction, so
// it touches only this fixed array (no allocation, no locks): a slot's path is
// written while the slot is Claimed and published by the release store of
// Live; the handler unlinks Live slots. A write beyond kMaxTemps concurrent
// temporary files still works, its file is just not removed on a signal.
constexpr int kMaxTemps = 16;
constexpr size_t kMaxTempPath = 4096;
enum SlotState : int { Free = 0, Claimed = 1, Live = 2 };
struct TempSlot {
  std::atomic<int> State{Free};
  char Path[kMaxTempPath];
};
TempSlot Temps[kMaxTemps];
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction OldActions[std::size(kSignals)];
std::once_flag InstallOnce;

extern "C" void removeTempsAndReraise(int Sig) {
  int SavedErrno = errno;
  for (TempSlot &S : Temps)
    if (S.State.load(std::memory_order_acquire) == Live)
      ::unlink(S.Path);
  for (size_t I = 0; I < std::size(kSignals); ++I)
    if (kSignals[I] == Sig)
      ::sigaction(Sig, &OldActions[I], nullptr);
  errno = SavedErrno;
  // Blocked while this handler runs; delivered with the old disposition
  // (usually: terminate) as soon as it returns.
  ::raise(Sig);
}

void installHandlers() {
  for (size_t I = 0; I < std::size(kSignals); ++I) {
    struct sigaction Old;
    if (::sigaction(kSignals[I], nullptr, &Old) != 0)
      continue;
    OldActions[I] = Old;
    if (!(Old.sa_flags & SA_SIGINFO) && Old.sa_handler == SIG_IGN)
      continue; // e.g. SIGHUP under nohup: stays ignored
    struct sigaction New = {};
    New.sa_handler = removeTempsAndReraise;
    sigemptyset(&New.sa_mask);
    for (int S : kSignals)
      sigaddset(&New.sa_mask, S);
    ::sigaction(kSignals[I], &New, nullptr);
  }
}

/// Blocks SIGINT/SIGTERM/SIGHUP for its lifetime, so a temporary file is never
/// created without being registered.
class SignalBlock {
public:
  SignalBlock() {
    sigset_t Set;
    sigemptyset(&Set);
    for (int S : kSignals)
      sigaddset(&Set, S);
    pthread_sigmask(SIG_BLOCK, &Set, &Old);
  }
  ~SignalBlock() { pthread_sigmask(SIG_SETMASK, &Old, nullptr); }

private:
  sigset_t Old;
};

/// A temporary file beside Target: registered while it exists, removed by the
/// destructor unless commit() renamed it onto Target.
class TempFile {
public:
  ~TempFile() {
    if (FD >= 0)
      ::close(FD);
    if (!TempPath.empty() && !Committed)
      ::unlink(TempPath.c_str());
    if (Slot >= 0)
      Temps[Slot].State.store(Free, std::memory_order_release);
  }

  llvm::Error create(llvm::StringRef Target) {
    std::call_once(InstallOnce, installHandlers);
    llvm::SmallString<256> Dir(Target);
    llvm::sys::path::remove_filename(Dir);
    if (Dir.empty())
      Dir = ".";
    llvm::SmallString<256> Model(Dir);
    llvm::sys::path::append(Model, llvm::sys::path::filename(Target) + ".tmp%%%%%%");
    llvm::SmallString<256> Got;
    SignalBlock Block;
    // Mode 0666 less the umask, as any new file; fixed up below for a file
    // being replaced.
    if (std::error_code EC = llvm::sys::fs::createUniqueFile(
            Model, FD, Got, llvm::sys::fs::OF_None, 0666))
      return makeError("{0}: cannot create a temporary file in {1}: {2}", Target, Dir,
                       EC.message());
    TempPath = Got.str().str();
    if (TempPath.size() < kMaxTempPath)
      for (int I = 0; I < kMaxTemps; ++I) {
        int Expected = Free;
        if (Temps[I].State.compare_exchange_strong(Expected, Claimed)) {
          memcpy(Temps[I].Path, TempPath.c_str(), TempPath.size() + 1);
          Temps[I].State.store(Live, std::memory_order_release);
          Slot = I;
          break;
        }
      }
    return llvm::Error::success();
  }

  int fd() const { return FD; }
  const std::string &path() const { return TempPath; }

  /// Closes the file (checked) and renames it onto Target.
  llvm::Error commit(llvm::StringRef Target) {
    int F = FD;
    FD = -1;
    if (::close(F) != 0)
      return makeError("{0}: close failed: {1}", Target, strerror(errno));
    if (::rename(TempPath.c_str(), Target.str().c_str()) != 0)
      return makeError("{0}: cannot rename {1} into place: {2}", Target, TempPath,
                       strerror(errno));
    Committed = true;
    return llvm::Error::success();
  }

private:
  int FD = -1;
  int Slot = -1;
  std::string TempPath;
  bool Committed = false;
};

llvm::Error writeAll(int FD, llvm::StringRef Data, llvm::StringRef Name) {
  const char *P = Data.data();
  size_t Left = Data.size();
  while (Left > 0) {
    ssize_t N = ::write(FD, P, Left);
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return makeError("{0}: write failed: {1}", Name, strerror(errno));
    }
    P += N;
    Left -= size_t(N);
  }
  return llvm::Error::success();
}

/// fsync, where it means something: a regular file's data must reach the
/// disk; devices and pipes say EINVAL, which is not an error for them.
llvm::Error syncFd(int FD, llvm::StringRef Name) {
  struct stat St;
  bool Known = ::fstat(FD, &St) == 0;
  bool Dir = Known && S_ISDIR(St.st_mode);
  if (Known && !Dir && !S_ISREG(St.st_mode))
    return llvm::Error::success();
  if (::fsync(FD) != 0 && !(Dir && errno == EINVAL))
    return makeError("{0}: fsync failed: {1}", Name, strerror(errno));
  return llvm::Error::success();
}

/// N if Path names an open descriptor (/dev/stdout, /dev/fd/N, ...), else -1.
int descriptorPath(llvm::StringRef Path) {
  if (Path == "/dev/stdout")
    return 1;
  if (Path == "/dev/stderr")
    return 2;
  unsigned N;
  if ((Path.consume_front("/dev/fd/") || Path.consume_front("/proc/self/fd/")) &&
      !Path.getAsInteger(10, N) && N < (1u << 20))
    return int(N);
  return -1;
}

/// Follows Path's symbolic links to the name that is not one (which may not
/// exist: a dangling link's target). Sets Fd when a hop names a descriptor.
llvm::Expected<std::string> finalTarget(llvm::StringRef Path, int &Fd) {
  std::string P = Path.str();
  for (int Hops = 0;; ++Hops) {
    if ((Fd = descriptorPath(P)) >= 0)
      return P;
    struct stat St;
    if (::lstat(P.c_str(), &St) != 0) {
      if (errno == ENOENT)
        return P;
      return makeError("{0}: {1}", Path, strerror(errno));
    }
    if (!S_ISLNK(St.st_mode))
      return P;
    if (Hops >= 40)
      return makeError("{0}: too many levels of symbolic links", Path);
    char Buf[4096];
    ssize_t N = ::readlink(P.c_str(), Buf, sizeof(Buf));
    if (N < 0 || size_t(N) >= sizeof(Buf))
      return makeError("{0}: cannot read the symbolic link {1}", Path, P);
    llvm::StringRef Link(Buf, size_t(N));
    if (llvm::sys::path::is_absolute(Link)) {
      P = Link.str();
    } else {
      llvm::SmallString<256> Next(llvm::sys::path::parent_path(P));
      llvm::sys::path::append(Next, Link);
      P = Next.str().str();
    }
  }
}

/// Writes to an existing non-regular file (device, FIFO, socket) or an open
/// descriptor: no temporary file, nothing renamed.
llvm::Error writeInPlace(int FD, llvm::StringRef Data, llvm::StringRef Name) {
  if (llvm::Error E = writeAll(FD, Data, Name))
    return E;
  return syncFd(FD, Name);
}

} // namespace

llvm::Error writeFileAtomic(llvm::StringRef Path, llvm::StringRef Data) {
  if (Path.empty())
    return makeError("no output file name");
  int Fd = -1;
  llvm::Expected<std::string> TargetOr = finalTarget(Path, Fd);
  if (!TargetOr)
    return TargetOr.takeError();
  std::string Target = std::move(*TargetOr);
  if (Fd >= 0) {
    struct stat St;
    if (::fstat(Fd, &St) != 0)
      return makeError("{0}: descriptor {1} is not open", Path, Fd);
    return writeInPlace(Fd, Data, Path);
  }

  struct stat St;
  bool Exists = ::stat(Target.c_str(), &St) == 0;
  if (!Exists && errno != ENOENT)
    return makeError("{0}: {1}", Path, strerror(errno));
  if (Exists && S_ISDIR(St.st_mode))
    return makeError("{0}: is a directory; give a file name for the output", Path);
  if (Exists && !S_ISREG(St.st_mode)) {
    int FD = ::open(Target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (FD < 0)
      return makeError("{0}: cannot open for writing: {1}", Path, strerror(errno));
    llvm::Error E = writeInPlace(FD, Data, Path);
    if (::close(FD) != 0 && !E)
      return makeError("{0}: close failed: {1}", Path, strerror(errno));
    return E;
  }

  TempFile T;
  if (llvm::Error E = T.create(Target))
    return E;
  if (Exists) {
    // Keep what the replaced file had: its permission bits, and as root its
    // owner (a non-root user cannot give a file away, and owns the new one).
    if (::fchmod(T.fd(), St.st_mode & 07777) != 0)
      return makeError("{0}: cannot set the mode of {1}: {2}", Path, T.path(),
                       strerror(errno));
    if (::geteuid() == 0 && ::fchown(T.fd(), St.st_uid, St.st_gid) != 0)
      return makeError("{0}: cannot set the owner of {1}: {2}", Path, T.path(),
                       strerror(errno));
  }
  if (llvm::Error E = writeAll(T.fd(), Data, Target))
    return E;
  if (::fsync(T.fd()) != 0)
    return makeError("{0}: fsync failed: {1}", Target, strerror(errno));
  if (llvm::Error E = T.commit(Target))
    return E;

  // The rename is durable once the folder is.
  llvm::SmallString<256> Dir(llvm::sys::path::parent_path(Target));
  if (Dir.empty())
    Dir = ".";
  int DirFD = ::open(Dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (DirFD < 0)
    return makeError("{0}: cannot open its folder to sync it: {1}", Target,
                     strerror(errno));
  llvm::Error E = syncFd(DirFD, Dir);
  ::close(DirFD);
  return E;
}

} // namespace pgoctl
