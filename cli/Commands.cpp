// cli/Commands.cpp: the one table of pgoctl subcommands.
#include "cli/Command.h"

namespace pgoctl::cli {

llvm::ArrayRef<CommandEntry> commandTable() {
  static const CommandEntry Table[] = {
      {"import", "Read perf.data or perf script text into a .pgoprof profile",
       makeImportCommand},
      {"show", "Summarize a .pgoprof profile (binaries, samples, top functions)",
       makeShowCommand},
      {"merge", "Sum profiles (with integer weights) into one .pgoprof", makeMergeCommand},
      {"convert", "Write .profdata (clang sample PGO), .fdata / pre-aggregated (BOLT)",
       makeConvertCommand},
      {"verify", "Did the hot paths get cheaper? Before/after verdict with statistics", makeVerifyCommand},
      {"debug-samples",
       "Print perf.data samples as `perf script -F ip,brstack` does (also: `debug samples`)",
       makeDebugSamplesCommand},
      {"debug-profile",
       "Print every count of a .pgoprof as sorted text (also: `debug profile`)",
       makeDebugProfileCommand},
  };
  return Table;
}

} // namespace pgoctl::cli
