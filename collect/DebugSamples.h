// collect/DebugSamples.h: `pgoctl debug samples`, one line per sample in the
// text form `perf script -F ip,brstack` prints, so the decoder can be diffed
// against perf itself. Samples are printed in timestamp order (as perf's
// ordered-events queue delivers them), file order where samples carry no time.
#pragma once

#include "collect/PerfReader.h"

#include "llvm/Support/raw_ostream.h"

namespace pgoctl::perf {

struct DebugSamplesOptions {
  bool KeepGoing = false;
  bool Pid = false;           ///< also print pid/tid first, like `-F pid,tid,ip,brstack`
  unsigned MaxStack = 127;    ///< perf script's default call chain depth
};

llvm::Error printDebugSamples(llvm::StringRef Path, const DebugSamplesOptions &Opts,
                              llvm::raw_ostream &OS);

} // namespace pgoctl::perf
