// tests/fuzz/lock_fuzzer.cpp: libFuzzer target for the lock file reader
// (lock/LockFile.h) and the profile-kind sniffing (core/FileKind.h).
//
// Each input is parsed as a lock file; an accepted lock must render back to a
// lock that parses to the same fields (the writer never writes what the
// reader refuses or reads differently). The input is also sniffed as a
// profile head. Any crash, sanitizer report or broken round trip is a bug;
// errors are the expected outcome for junk.
#include "lock/LockFile.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  (void)pgoctl::sniffFileKind(llvm::MemoryBufferRef(Text, "fuzz"));
  llvm::Expected<pgoctl::lock::LockFile> L = pgoctl::lock::parseLockFile(Text, "fuzz.pgolock");
  if (!L) {
    llvm::consumeError(L.takeError());
    return 0;
  }
  llvm::Expected<std::string> Out = pgoctl::lock::renderLockFile(*L);
  if (!Out) {
    // Only what a comment cut could make unrepresentable is refused.
    llvm::consumeError(Out.takeError());
    return 0;
  }
  llvm::Expected<pgoctl::lock::LockFile> R = pgoctl::lock::parseLockFile(*Out, "round-trip");
  if (!R || R->Version != L->Version || R->Kind != L->Kind || R->Sha256 != L->Sha256 ||
      R->Source != L->Source || R->Created != L->Created)
    std::abort();
  return 0;
}
