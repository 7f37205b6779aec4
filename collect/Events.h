// collect/Events.h: what this host can sample, and the event the agent opens.
//
// probeHost() gathers the facts (PMU, branch records, perf_event_paranoid,
// kptr_restrict, capabilities) that both event selection and `pgoctl doctor`
// need. selectEvent() turns a request (`--event auto` or a name, a period or
// a frequency) into a complete perf_event_attr and says why it chose it.
//
// `--event auto` tries, in order:
//   1. taken-branch sampling with a branch stack (LBR) when the core PMU
//      advertises branch records (sysfs caps/branches) and a perf_event_open
//      probe of that very attr succeeds: Intel BR_INST_RETIRED:NEAR_TAKEN,
//      AMD Zen3 (BRS) / Zen4 (LbrExtV2) RETIRED_TAKEN_BRANCH_INSTRUCTIONS,
//      always by period (BRS has no frequency mode);
//   2. precise retired instructions (`instructions:pp`: precise_ip 2, PEBS on
//      Intel) with frame-pointer call chains, when the core PMU advertises
//      zero-skid sampling (sysfs caps/max_precise >= 2) and a probe opens it:
//      its samples follow how often code runs, not how long it takes, which
//      is what the IP estimator turns into counts (lz4: 101% of instrumented
//      PGO's instruction gain, against 73% from time samples;
//      docs/ip-estimator-history.md, "Padding");
//   3. hardware cycles with frame-pointer call chains, when a probe opens it;
//   4. software cpu-clock with call chains (hosts without a PMU, most VMs).
// Hardware events are encoded by libpfm4 (any libpfm4 name works with
// --event; LIBPFM_FORCE_PMU picks the PMU model libpfm4 encodes for).
//
// Default periods are primes, so that sampling does not lock onto a loop
// whose trip count divides the period:
//   LBR (taken branches)  2000003 branches  (~150 samples/s per busy core)
//   instructions:pp       20000003 instructions (~150-300 samples/s per busy core)
//   cycles                20000003 cycles   (~150 samples/s per core at 3 GHz)
//   cpu-clock             10000019 ns       (~100 samples/s per busy CPU)
// At these rates the agent costs well under 1% of one CPU (bench/collect-overhead.md).
#pragma once

#include "llvm/Support/Error.h"

#include <linux/perf_event.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::collect {

inline constexpr uint64_t kDefaultLbrPeriod = 2000003;
inline constexpr uint64_t kDefaultCyclesPeriod = 20000003;
inline constexpr uint64_t kDefaultInstructionsPeriod = 20000003;
inline constexpr uint64_t kDefaultCpuClockPeriodNs = 10000019;

/// Where probeHost looks (tests point these at a fake tree).
struct HostProbeOptions {
  std::string SysfsPmuDir = "/sys/bus/event_source/devices";
  std::string ProcSysKernel = "/proc/sys/kernel";
  std::string ProcSelfStatus = "/proc/self/status"; ///< its CapEff line
  /// Try perf_event_open for branch stacks and hardware cycles (a few
  /// microseconds; off only for tests on a fake tree).
  bool OpenProbes = true;
  /// With OpenProbes off: take what sysfs advertises as what would open (a
  /// core PMU: cycles; caps/branches: the branch stack), so that tests on a
  /// fake tree see the choice a host with that PMU gets.
  bool AssumeProbesSucceed = false;
};

/// Facts about this host that decide what can be sampled and how.
struct HostFacts {
  /// Core PMU in sysfs ("cpu", "cpu_core", "cpu_atom", "armv8_pmuv3_0"...);
  /// empty when the kernel exposes none (a VM without a virtual PMU).
  std::string SysfsCorePmu;
  /// libpfm4's default core PMU: name ("skl", "amd64_fam19h_zen3") and
  /// description; empty when libpfm4 knows no core PMU here.
  std::string PfmPmu, PfmPmuDesc;
  bool PfmForced = false; ///< LIBPFM_FORCE_PMU was set
  /// The core PMU's caps/branches: branch record depth (0: no branch records).
  unsigned BranchDepth = 0;
  /// Result of opening the LBR attr (only tried when BranchDepth > 0).
  bool BranchProbeOk = false;
  std::string BranchProbeError;
  /// The core PMU's caps/max_precise: 2 or 3 is zero-skid sampling (0: none
  /// advertised).
  unsigned MaxPrecise = 0;
  /// Result of opening instructions:pp with a call chain (only tried when
  /// MaxPrecise >= 2).
  bool PreciseInstructionsProbeOk = false;
  std::string PreciseInstructionsProbeError;
  /// Result of opening hardware cycles with a call chain.
  bool CyclesProbeOk = false;
  std::string CyclesProbeError;
  /// kernel.perf_event_paranoid and kernel.kptr_restrict (nullopt: unreadable).
  std::optional<int> PerfEventParanoid, KptrRestrict;
  bool CapPerfmon = false, CapSysAdmin = false;
  bool CapSyslog = false; ///< reads kernel addresses under kptr_restrict=1
  unsigned OnlineCpus = 0;

  bool privileged() const { return CapPerfmon || CapSysAdmin; }
  /// True when system-wide and kernel sampling are allowed.
  bool mayProfileSystemWide() const {
    return privileged() || (PerfEventParanoid && *PerfEventParanoid <= 0);
  }
  /// True when kernel addresses may be sampled (else exclude_kernel is set).
  bool mayProfileKernel() const {
    return privileged() || (PerfEventParanoid && *PerfEventParanoid <= 1);
  }
};

HostFacts probeHost(const HostProbeOptions &O = {});

/// The libpfm4 name of the taken-branch event of a libpfm4 core PMU
/// ("BR_INST_RETIRED:NEAR_TAKEN" on Intel, "RETIRED_TAKEN_BRANCH_INSTRUCTIONS"
/// on AMD Zen 3 and later), empty when none is known; and the name of the
/// PMU's branch record facility ("LBR", "BRS", "LbrExtV2", "BRBE"; empty).
llvm::StringRef takenBranchEvent(llvm::StringRef PfmPmu);
llvm::StringRef branchRecordKind(llvm::StringRef PfmPmu);

enum class EventKind { Lbr, PreciseInstructions, Cycles, CpuClock, Named };

struct EventRequest {
  /// "auto", "lbr" (the taken-branch event of this PMU, even when no probe
  /// says the host has branch records: for --dry-run), "cycles", "cpu-clock",
  /// perf's other generic names (with :p, :pp or :ppp for precise_ip 1-3),
  /// or any libpfm4 event name.
  std::string Name = "auto";
  std::optional<uint64_t> Period; ///< --period
  std::optional<uint64_t> Freq;   ///< --freq (Hz); not with LBR on AMD
  bool CallChains = true;         ///< frame-pointer call chains (not with LBR)
};

struct EventChoice {
  perf_event_attr Attr{};
  EventKind Kind = EventKind::CpuClock;
  std::string Name; ///< as the profile's metadata records it
  std::string Why;  ///< one or two sentences: why this event
  bool branchStack() const { return Attr.sample_type & PERF_SAMPLE_BRANCH_STACK; }
};

/// The event for Req on a host with facts H (errors: ErrorKind::Usage for an
/// unknown name or a bad combination, with what this host has).
llvm::Expected<EventChoice> selectEvent(const HostFacts &H, const EventRequest &Req);

/// The attr's fields, one per line, as `perf record -vv` prints them
/// (non-zero fields only, the same names), so the two can be compared.
std::string describeAttr(const perf_event_attr &A);

/// The event names this host offers (generic ones first, then the libpfm4
/// events of the present core PMU), at most Max; Total gets how many exist.
std::vector<std::string> availableEvents(const HostFacts &H, size_t Max, size_t *Total);

/// The error for perf_event_open failing with Errno: names
/// kernel.perf_event_paranoid and CAP_PERFMON when it is a permission error.
llvm::Error openError(int Errno, const HostFacts &H, llvm::StringRef What);

} // namespace pgoctl::collect
