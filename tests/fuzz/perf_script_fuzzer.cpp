// tests/fuzz/perf_script_fuzzer.cpp: libFuzzer target for `perf script` text.
//
// Each input is written to a memfd and imported by path (importProfile, which
// tells text from perf.data by content and reads the text with
// collect/PerfScriptText), with keep-going off and on, and once more with a
// pid filter (the per-process side-band tracking of COMM/FORK/EXIT lines).
// Seeds are real `perf script` outputs of the fixtures (make_seeds.py), and
// perf_script.dict holds the tokens the parser looks for. Any crash, hang,
// sanitizer report or unbounded allocation is a bug; errors are the expected
// outcome for junk.
#include "FuzzSupport.h"

#include "collect/Importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  pgoctl::fuzz::MemFile F(Data, Size);
  if (!F.ok())
    return 0;
  for (int Mode = 0; Mode < 3; ++Mode) {
    pgoctl::ImportOptions Opts;
    Opts.KeepGoing = Mode == 1;
    if (Mode == 2)
      Opts.Pid = 1; // a pid the seeds do not use much: the filter path
    pgoctl::ImportSummary Sum;
    pgoctl::Stats S;
    llvm::Expected<pgoctl::Profile> P = pgoctl::importProfile(F.path(), Opts, Sum, S);
    if (!P)
      llvm::consumeError(P.takeError());
  }
  return 0;
}
