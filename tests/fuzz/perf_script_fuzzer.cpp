// tests/fuzz/perf_script_fuzzer.cpp: libFuzzer target for `perf script` text.
//
// Each input is written to a memfd and imported by path (importProfile, which
// tells text from perf.data by content and reads the text with
// collect/PerfScriptText), with keep-going off and on, and once more with a
// pid filter (the per-process side-band tracking of COMM/FORK/EXIT lines),
// and once through a pipe, which the reader streams a line at a time: the
// pipe must give what the file gave (both fail, or both succeed with the
// same counts).
// Seeds are real `perf script` outputs of the fixtures (make_seeds.py), and
// perf_script.dict holds the tokens the parser looks for. Any crash, hang,
// sanitizer report or unbounded allocation is a bug; errors are the expected
// outcome for junk.
#include "FuzzSupport.h"

#include "collect/Importer.h"

#include <fcntl.h>
#include <string>

namespace {

/// What an import of the text says, for comparing the file and the pipe.
std::string outcome(llvm::Expected<pgoctl::Profile> &P, const pgoctl::ImportSummary &Sum) {
  if (!P) {
    llvm::consumeError(P.takeError());
    return "error";
  }
  std::string Out = std::to_string(Sum.Samples) + " " + std::to_string(Sum.SamplesUsed) + " " +
                    std::to_string(Sum.UnmappedIps) + " " + std::to_string(Sum.BranchEntries) +
                    " " + std::to_string(Sum.Ranges) + " " + std::to_string(Sum.InvalidRanges);
  for (const pgoctl::BinaryProfile &B : P->Binaries)
    Out += " " + B.Path + ":" + std::to_string(B.totalSamples()) + "/" +
           std::to_string(B.Branches.size()) + "/" + std::to_string(B.Ranges.size());
  return Out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  pgoctl::fuzz::MemFile F(Data, Size);
  if (!F.ok())
    return 0;
  std::string FromFile;
  for (int Mode = 0; Mode < 3; ++Mode) {
    pgoctl::ImportOptions Opts;
    Opts.KeepGoing = Mode == 1;
    if (Mode == 2)
      Opts.Pid = 1; // a pid the seeds do not use much: the filter path
    pgoctl::ImportSummary Sum;
    pgoctl::Stats S;
    llvm::Expected<pgoctl::Profile> P = pgoctl::importProfile(F.path(), Opts, Sum, S);
    std::string O = outcome(P, Sum);
    if (Mode == 0)
      FromFile = O;
  }
  // The same input through a pipe (max_len fits in a pipe's buffer).
  int Fds[2];
  if (Size == 0 || pipe2(Fds, O_CLOEXEC) != 0)
    return 0;
  fcntl(Fds[1], F_SETPIPE_SZ, int(Size));
  fcntl(Fds[1], F_SETFL, O_NONBLOCK); // a pipe too small: skip, never block
  size_t Done = 0;
  while (Done < Size) {
    ssize_t N = write(Fds[1], Data + Done, Size - Done);
    if (N <= 0)
      break;
    Done += size_t(N);
  }
  close(Fds[1]);
  if (Done == Size) {
    pgoctl::ImportOptions Opts;
    pgoctl::ImportSummary Sum;
    pgoctl::Stats S;
    llvm::Expected<pgoctl::Profile> P =
        pgoctl::importProfile("/proc/self/fd/" + std::to_string(Fds[0]), Opts, Sum, S);
    std::string FromPipe = outcome(P, Sum);
    pgoctl::fuzz::fuzzCheck(FromPipe == FromFile,
                            "file gave '" + FromFile + "', pipe gave '" + FromPipe + "'");
  }
  close(Fds[0]);
  return 0;
}
