// cli/Commands.cpp: the one table of pgoctl subcommands.
#include "cli/Command.h"

namespace pgoctl::cli {

std::function<void(uint64_t, uint64_t)> CommandContext::progress() const {
  if (!StderrIsTty)
    return nullptr;
  return [](uint64_t Done, uint64_t Total) {
    if (Total)
      fprintf(stderr, "\rpgoctl: read %llu / %llu MiB (%.0f%%)\033[K",
              (unsigned long long)(Done >> 20), (unsigned long long)(Total >> 20),
              100.0 * double(Done) / double(Total));
    else
      fprintf(stderr, "\rpgoctl: read %llu MiB\033[K", (unsigned long long)(Done >> 20));
    if (Total && Done >= Total)
      fprintf(stderr, "\r\033[K");
  };
}

llvm::ArrayRef<CommandEntry> commandTable() {
  static const CommandEntry Table[] = {
      {"", "import", "Read perf.data or perf script text into a .pgoprof profile",
       makeImportCommand},
      {"", "show", "Summarize a .pgoprof profile (binaries, samples, top functions)",
       makeShowCommand},
      {"", "merge",
       "Sum profiles with integer weights: .pgoprof, or instrumented profiles (--instr)",
       makeMergeCommand},
      {"", "convert", "Write .profdata (clang sample PGO), .fdata / pre-aggregated (BOLT)",
       makeConvertCommand},
      {"", "summary",
       "Count distribution of a sample .profdata at any cutoff (clang's hot count)",
       makeSummaryCommand},
      {"", "verify", "Did the hot paths get cheaper? Before/after verdict with statistics",
       makeVerifyCommand},
      {"", "lock", "Pin a profile in a lock file for pgo_target() (sha256, kind, source)",
       makeLockCommand},
      {"", "collect",
       "Sample with perf_event_open (no perf binary) into windowed .pgoprof profiles",
       makeCollectCommand},
      {"", "push", "Upload .pgoprof windows to a profile store (file://, s3://)",
       makePushCommand},
      {"", "ls", "List a profile store: raw windows, versions, channels", makeLsCommand},
      {"", "pull", "Download and merge a service's windows from a store (streaming)",
       makePullCommand},
      {"", "publish", "Store a merged profile and its converted forms as a version",
       makePublishCommand},
      {"", "refresh",
       "The weekly refresh: a period's windows, weighted and merged across builds, gated, "
       "published and pinned",
       makeRefreshCommand},
      {"", "gc", "Remove old windows and versions from a store (never a channel's)",
       makeGcCommand},
      {"store", "get", "Download one object of a store (s3://, file://) to a file",
       makeStoreGetCommand},
      {"debug", "samples", "Print perf.data samples as `perf script -F ip,brstack` does",
       makeDebugSamplesCommand},
      {"debug", "profile", "Print every count of a .pgoprof as sorted text",
       makeDebugProfileCommand},
  };
  return Table;
}

} // namespace pgoctl::cli
