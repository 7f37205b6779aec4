// collect/Agent.h: `pgoctl collect`, the sampling agent.
//
// Opens the chosen event (collect/Events.h) with perf_event_open for the
// targets, reads the kernel's mmap ring buffers itself, puts the records of
// all buffers in time order (collect/AgentRing.h), decodes them with the one
// record decoder (collect/PerfRecord.h) and aggregates them with import's
// aggregator and address normalization (StreamImporter, collect/Importer.h).
// No perf binary, no perf.data. Output: one profile per window, to -o FILE
// or into a spool folder.
//
// Targets:
//   -- CMD ARGS   runs CMD; per-CPU events on its pid with inherit (children
//                 by fork and exec, all threads), enabled at its exec;
//   --pid N,M     per-thread, per-CPU events on each thread of each process,
//                 with inherit (threads and children started later follow);
//   --cgroup PATH per-CPU cgroup events (the kernel filters; processes that
//                 join later are sampled);
//   --comm NAME   system-wide per-CPU events, samples of processes whose
//                 command name is NAME kept (also processes started later);
//   -a            system-wide.
// Processes already running get synthetic COMM and MMAP2 records from
// /proc/PID/{comm,maps} (as perf synthesizes them), and the kernel one mmap of
// its text, before any sampled record.
//
// Windows: --window S per profile (default: one window for the whole run),
// --duration S in all, --duty ON/EVERY samples ON seconds of every EVERY (the
// events are disabled in between). SIGINT/SIGTERM (the caller's StopFd)
// end the run after the current window is written.
#pragma once

#include "collect/Events.h"
#include "collect/Importer.h"
#include "core/Error.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::collect {

struct AgentTarget {
  std::vector<std::string> Command; ///< -- CMD ARGS
  std::vector<uint32_t> Pids;       ///< --pid
  std::string Comm;                 ///< --comm
  std::string Cgroup;               ///< --cgroup (a cgroup v2 folder)
  bool SystemWide = false;          ///< -a
};

struct AgentOptions {
  AgentTarget Target;
  EventRequest Event;
  double DurationSec = 0; ///< 0: until the command exits or a stop signal
  double WindowSec = 0;   ///< 0: one window
  double DutyOnSec = 0, DutyEverySec = 0; ///< --duty ON/EVERY; 0: always on
  std::string Output;   ///< -o: the last window (with --window: each window replaces it)
  std::string SpoolDir; ///< --spool: one file per window
  uint64_t SpoolMaxBytes = 0; ///< --spool-max-mb; 0: unbounded
  std::string Service;  ///< for labels and spool names; default from the target
  std::map<std::string, std::string> Labels; ///< --label
  std::string LabelAllow; ///< --label-allow REGEX: keys kept (others dropped)
  std::vector<std::string> Binaries; ///< --binary, as import
  bool IgnoreBuildId = false;
  unsigned RingPages = 64; ///< data pages per ring (a power of two)
  /// --mmap-build-ids: the kernel writes each mapping's build-id into its
  /// MMAP2 record (a binary replaced on disk while it runs is still matched
  /// by build-id). Off by default: kernels leak the flag into other tools'
  /// records on the same task (see openUnit).
  bool MmapBuildIds = false;
  /// Readable when the run should stop (the CLI's signalfd); -1: none.
  int StopFd = -1;
};

/// What one written window held.
struct WindowReport {
  std::string Path;
  uint64_t Samples = 0, Lost = 0, Throttles = 0, Unmapped = 0;
  double AgentCpuSeconds = 0, WallSeconds = 0;
  uint64_t DroppedWindows = 0; ///< spool files removed to make room before it
  std::vector<std::string> Warnings;
};

struct AgentResult {
  std::vector<WindowReport> Windows;
  int CommandExit = 0; ///< -- CMD: its exit status (128+signal when killed)
  std::string EventName, EventWhy;
};

/// Runs the agent until the duration ends, the command exits or StopFd is
/// readable. OnWindow is called after each window is written.
llvm::Expected<AgentResult> runAgent(const AgentOptions &O, const HostFacts &H,
                                     const std::function<void(const WindowReport &)> &OnWindow);

/// The test hook of the ring-buffer path: the kernel records of a perf.data
/// file (with its attrs) go through a ring buffer in memory, the agent's
/// reader, time ordering and decoder, into one profile written to
/// O.Output, so it can be compared with `pgoctl import` of the same file.
llvm::Expected<WindowReport> replayThroughRing(llvm::StringRef PerfData, const AgentOptions &O);

} // namespace pgoctl::collect
