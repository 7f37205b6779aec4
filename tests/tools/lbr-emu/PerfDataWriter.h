// PerfDataWriter: writes a perf.data file in "file mode" (PERFILE2), as
// `perf record -b -e branches:u` would (or, for SampledEvent::Instructions,
// `perf record -e instructions:upp`, IP samples without a branch stack): a
// header, one perf_event_attr, a data section of COMM / MMAP2 / SAMPLE / EXIT
// records (with sample_id_all trailers), and feature sections (BUILD_ID,
// HOSTNAME, OSRELEASE, VERSION, ARCH, NRCPUS, CPUDESC, CPUID, TOTAL_MEM,
// CMDLINE, EVENT_DESC, and BRANCH_STACK for branches). Records stream to "<out>.tmp"; finish()
// writes the features, patches the header and renames to the final name.
#pragma once

#include "Options.h"
#include "ProcessMaps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lbremu {

struct BranchPair {
  uint64_t From = 0, To = 0;
};

struct PerfDataConfig {
  std::string Path;
  SampledEvent Event = SampledEvent::Branches;
  bool CallChains = false; // PERF_SAMPLE_CALLCHAIN (instructions only)
  uint64_t Period = 0;
  std::vector<std::string> CmdLine; // of lbr-emu itself (HEADER_CMDLINE)
};

class PerfDataWriter {
public:
  static llvm::Expected<std::unique_ptr<PerfDataWriter>>
  create(const PerfDataConfig &C);
  ~PerfDataWriter();

  void comm(pid_t Pid, llvm::StringRef Name, bool Exec, uint64_t Time);
  void mmap2(pid_t Pid, const Mapping &M, uint64_t Time);
  // Branches newest first (none for SampledEvent::Instructions); Chain:
  // the call chain as perf stores it (PERF_CONTEXT_USER, the IP, return
  // addresses), with CallChains.
  void sample(pid_t Pid, uint64_t Ip, uint64_t Time,
              llvm::ArrayRef<BranchPair> Branches, llvm::ArrayRef<uint64_t> Chain = {});
  void exit(pid_t Pid, uint64_t Time);

  // BuildIds: file path -> build-id of every executable mapping.
  llvm::Error finish(const std::map<std::string, std::vector<uint8_t>> &BuildIds);
  // Removes the temporary file (on error paths).
  void abandon();

private:
  explicit PerfDataWriter(const PerfDataConfig &C) : Cfg(C) {}
  void put(const void *P, size_t N);
  template <class T> void put(const T &V) { put(&V, sizeof(V)); }
  void putSampleId(pid_t Pid, uint64_t Time);

  PerfDataConfig Cfg;
  std::string TmpPath;
  FILE *F = nullptr;
  uint64_t DataStart = 0, DataSize = 0;
  bool WriteFailed = false;
};

} // namespace lbremu
