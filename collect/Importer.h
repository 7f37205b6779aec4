// collect/Importer.h: perf.data or `perf script` text in, a Profile out.
//
// Passes (each timed under --stats):
//   0. one pass in time order: the reader puts records back in time order
//      the way perf does (collect/Reorder.h: a window flushed at each
//      FINISHED_ROUND, bounded in memory), side-band records go into
//      ProcessMaps and samples are resolved as they come out of the window.
//      A recording without times on every record (no sample_id_all) is read
//      in file order, trusting it. Either way, when a side-band record still
//      arrives after a sample later than itself (too late for the window, or
//      no window) and would change how addresses resolve (a new mapping, not
//      a repeat of one in force; an exec or fork), the pass is dropped and
//      the file is read with passes 1 and 2 (--two-pass forces them). Pipes
//      are read once, in time order where the window allows; text in stream
//      order.
//   1. side-band: read MMAP/COMM/FORK records of the whole input into
//      ProcessMaps;
//   2. samples: decode each sample of the chosen event, resolve every address
//      (IP, each LBR from/to, each call chain frame) to (module, file offset)
//      at the sample's time (one cached mapping per sample, ProcessMaps::
//      SampleResolver), and count into flat hash maps: one key per LBR entry
//      (its branch and the fall-through range after it, slots prefetched for
//      the whole stack), IP samples, interned call stacks;
//   3. normalize: per module, find the ELF (a --binary matched by build-id,
//      else by file name, else the recorded path), check its build-id, and map
//      file offsets to ELF virtual addresses through its PT_LOAD headers.
//
// LBR semantics (as AutoFDO and llvm-profgen): entries are newest first; each
// entry is a taken branch (from, to); each pair of consecutive entries gives
// the fall-through range from the older entry's target to the newer entry's
// source. Treatment of odd entries:
//   - from == 0 && to == 0: an empty slot of a short stack; skipped.
//   - an end outside every known mapping: the branch is kept with that end
//     marked external (kExternalAddress); both ends external: dropped.
//   - a range whose ends lie in different binaries, or whose begin is above its
//     end (the stack is not continuous there, e.g. an interrupt or a filtered
//     kernel branch): dropped and counted as invalid.
//   - duplicated entries (the same branch twice in a row, which real LBRs
//     record for short loops and some CPUs repeat in error) are kept as they
//     are: each is a taken branch; the range between them is then from the
//     target back to the same source, which is valid when target <= source.
// Counts are numbers of samples, not weighted by period; the period is in the
// metadata.
#pragma once

#include "collect/PerfData.h"
#include "collect/PerfReader.h"
#include "core/Input.h"
#include "core/Profile.h"
#include "core/Support.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl {

struct ImportOptions {
  std::vector<std::string> Binaries; ///< --binary: ELF files to normalize against
  bool IgnoreBuildId = false;        ///< --ignore-build-id (binary/Locate.h)
  std::optional<uint32_t> Pid;       ///< --pid
  std::string Comm;                  ///< --comm
  std::string Event;                 ///< --event; default: the event with most samples
  std::string SampleType;            ///< --sample-type (pprof; collect/Pprof.h)
  bool KeepGoing = false;
  bool TwoPass = false;              ///< --two-pass: skip pass 0 (to check it against 1+2)
  /// Called with (bytes done, bytes total or 0) every few MB; the CLI draws
  /// progress with it when stderr is a terminal.
  std::function<void(uint64_t, uint64_t)> Progress;
  std::map<std::string, std::string> Labels;
  /// Memory a .pgoprof read by loadProfileOrImport may take (--max-memory).
  uint64_t MaxMemory = defaultMaxMemory();
};

struct ImportSummary {
  std::string Format; ///< "perf.data", "perf.data (pipe)", "perf-script", "pprof"
  uint64_t InputBytes = 0;
  uint64_t Samples = 0;        ///< samples in the input (all events)
  uint64_t SamplesUsed = 0;    ///< of the chosen event, after filters
  uint64_t SamplesFiltered = 0;///< other event, pid or comm
  uint64_t UnmappedIps = 0;    ///< IP in no mapping, or in an anonymous one
  uint64_t BranchEntries = 0, EmptyEntries = 0, ExternalBranches = 0;
  uint64_t Ranges = 0, InvalidRanges = 0;
  uint64_t Lost = 0, DamagedBytes = 0;
  std::string Damage; ///< the keep-going message, if any
  std::vector<std::string> Warnings;
  std::vector<std::string> Notes; ///< what the importer did (shown with -v)
};

/// Imports a perf.data file (file or pipe mode, "-" for stdin), `perf
/// script` text or a pprof profile (collect/Pprof.h), detected by content.
llvm::Expected<Profile> importProfile(llvm::StringRef Path, const ImportOptions &Opts,
                                      ImportSummary &Summary, Stats &PassStats);

/// The same for an input opened once (core/Input.h), e.g. after a caller
/// looked at its first bytes: pipes and FIFOs work, as regular files do.
llvm::Expected<Profile> importProfile(InputFile &In, const ImportOptions &Opts,
                                      ImportSummary &Summary, Stats &PassStats);

/// Reads Path as a .pgoprof when it has the .pgoprof magic, else imports it
/// (perf.data or perf script text) with Opts: what commands that take
/// "a profile or a recording" (convert, verify) call.
llvm::Expected<Profile> loadProfileOrImport(llvm::StringRef Path, const ImportOptions &Opts,
                                            Stats &PassStats);

/// Records fed one at a time, in time order, into profiles: the same
/// aggregation and address normalization as importProfile's one pass, for a
/// caller that reads records itself (the agent, from its ring buffers). The
/// caller sets the header (attrs, build-ids) and decodes records into
/// visitor() with a perf::RecordDecoder over header() and readStats().
/// takeProfile() ends a window: the profile of the samples since the last
/// call; the process maps and comm names stay for the next window, so memory
/// is bounded by the distinct addresses and stacks of one window and by the
/// mappings of live processes.
class StreamImporter {
public:
  StreamImporter(const ImportOptions &Opts, std::string Source, std::string Kind);
  ~StreamImporter();
  perf::PerfHeader &header();
  perf::ReadStats &readStats();
  /// Call once header() holds the attrs, before the first record.
  perf::PerfVisitor &visitor();
  llvm::Expected<Profile> takeProfile(ImportSummary &Sum);

private:
  struct Impl;
  std::unique_ptr<Impl> I;
};

} // namespace pgoctl
