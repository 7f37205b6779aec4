// tests/fuzz/FuzzSupport.h: what the fuzz targets share.
//
// MemFile puts a fuzz input in an anonymous in-memory file (memfd) so the
// readers under test open it by path (/proc/self/fd/N) exactly as they open a
// user's file, without touching the disk. fuzzCheck() reports a broken
// property: it prints what differs and aborts, which libFuzzer records as a
// crash with the input that caused it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace pgoctl::fuzz {

class MemFile {
public:
  MemFile(const uint8_t *Data, size_t Size) {
    FD = memfd_create("fuzz", MFD_CLOEXEC);
    if (FD < 0)
      return;
    size_t Done = 0;
    while (Done < Size) {
      ssize_t N = write(FD, Data + Done, Size - Done);
      if (N <= 0) {
        close(FD);
        FD = -1;
        return;
      }
      Done += size_t(N);
    }
    Path = "/proc/self/fd/" + std::to_string(FD);
  }
  ~MemFile() {
    if (FD >= 0)
      close(FD);
  }
  MemFile(const MemFile &) = delete;
  MemFile &operator=(const MemFile &) = delete;

  bool ok() const { return FD >= 0; }
  const std::string &path() const { return Path; }

private:
  int FD = -1;
  std::string Path;
};

/// Aborts with a message when a property the target checks does not hold.
inline void fuzzCheck(bool Ok, const std::string &What) {
  if (Ok)
    return;
  std::fprintf(stderr, "fuzz property violated: %s\n", What.c_str());
  std::abort();
}

} // namespace pgoctl::fuzz
