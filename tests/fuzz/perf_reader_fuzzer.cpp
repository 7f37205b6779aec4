// tests/fuzz/perf_reader_fuzzer.cpp: libFuzzer target for the perf.data reader.
//
// Each input is written to a memfd and read through the public entry points
// (file mode via /proc/self/fd, both passes of debug samples' reader and the
// importer's), with keep-going off and on. Any crash, hang, sanitizer report or
// unbounded allocation is a bug; errors are the expected outcome for junk.
#include "FuzzSupport.h"

#include "collect/DebugSamples.h"
#include "collect/Importer.h"

#include "llvm/Support/raw_ostream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  pgoctl::fuzz::MemFile F(Data, Size);
  if (!F.ok())
    return 0;
  for (bool KeepGoing : {false, true}) {
    pgoctl::ImportOptions Opts;
    Opts.KeepGoing = KeepGoing;
    pgoctl::ImportSummary Sum;
    pgoctl::Stats S;
    llvm::Expected<pgoctl::Profile> P = pgoctl::importProfile(F.path(), Opts, Sum, S);
    if (!P)
      llvm::consumeError(P.takeError());
    std::string Out;
    llvm::raw_string_ostream OS(Out);
    pgoctl::perf::DebugSamplesOptions DO;
    DO.KeepGoing = KeepGoing;
    if (llvm::Error E = pgoctl::perf::printDebugSamples(F.path(), DO, OS))
      llvm::consumeError(std::move(E));
  }
  return 0;
}
