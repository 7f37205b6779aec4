// core/Support.cpp: error context, hex, atomic writes, pass timers.
#include "core/Support.h"
#include "core/Error.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace pgoctl {

llvm::Error addContext(llvm::Error E, llvm::StringRef Context) {
  if (!E)
    return E;
  KindedMessage M = takeKindedMessage(std::move(E));
  return makeKindError(M.Kind, "{0}: {1}", Context, M.Message);
}

std::string toHex(llvm::StringRef Bytes) {
  static const char Digits[] = "0123456789abcdef";
  std::string Out;
  Out.reserve(Bytes.size() * 2);
  for (unsigned char C : Bytes) {
    Out.push_back(Digits[C >> 4]);
    Out.push_back(Digits[C & 15]);
  }
  return Out;
}

llvm::Error writeFileAtomic(llvm::StringRef Path, llvm::StringRef Data) {
  llvm::SmallString<256> Dir(Path);
  llvm::sys::path::remove_filename(Dir);
  if (Dir.empty())
    Dir = ".";
  llvm::SmallString<256> Model(Dir);
  llvm::sys::path::append(Model, llvm::sys::path::filename(Path) + ".tmp%%%%%%");
  int FD = -1;
  llvm::SmallString<256> TempPath;
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(Model, FD, TempPath))
    return makeError("{0}: cannot create a temporary file in {1}: {2}", Path, Dir,
                     EC.message());
  const char *P = Data.data();
  size_t Left = Data.size();
  while (Left > 0) {
    ssize_t N = ::write(FD, P, Left);
    if (N < 0) {
      if (errno == EINTR)
        continue;
      int Err = errno;
      ::close(FD);
      llvm::sys::fs::remove(TempPath);
      return makeError("{0}: write failed: {1}", TempPath, strerror(Err));
    }
    P += N;
    Left -= size_t(N);
  }
  ::fsync(FD);
  ::close(FD);
  if (std::error_code EC = llvm::sys::fs::rename(TempPath, Path)) {
    llvm::sys::fs::remove(TempPath);
    return makeError("{0}: cannot rename {1} into place: {2}", Path, TempPath,
                     EC.message());
  }
  return llvm::Error::success();
}

Stats::Pass::Pass(Stats &S, std::string Name)
    : S(S), Name(std::move(Name)), Start(std::chrono::steady_clock::now()) {}

Stats::Pass::~Pass() {
  std::chrono::duration<double> D = std::chrono::steady_clock::now() - Start;
  S.Passes.push_back({std::move(Name), D.count()});
}

void Stats::count(llvm::StringRef Name, uint64_t Value) {
  for (auto &[K, V] : Counters)
    if (K == Name) {
      V += Value;
      return;
    }
  Counters.emplace_back(Name.str(), Value);
}

std::string Stats::render() const {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  double Total = 0;
  for (const Entry &E : Passes)
    Total += E.Seconds;
  OS << "pass                              seconds\n";
  for (const Entry &E : Passes)
    OS << llvm::formatv("  {0,-30} {1,9:f3}\n", E.Name, E.Seconds);
  OS << llvm::formatv("  {0,-30} {1,9:f3}\n", "total", Total);
  for (const auto &[K, V] : Counters)
    OS << llvm::formatv("  {0,-30} {1,9}\n", K, V);
  OS << llvm::formatv("  {0,-30} {1,9:f1} MiB\n", "peak RSS",
                      double(peakRssBytes()) / (1024.0 * 1024.0));
  return Out;
}

uint64_t peakRssBytes() {
  struct rusage RU;
  if (getrusage(RUSAGE_SELF, &RU) != 0)
    return 0;
  return uint64_t(RU.ru_maxrss) * 1024;
}

} // namespace pgoctl
