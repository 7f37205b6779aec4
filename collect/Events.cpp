// collect/Events.cpp: host probing and event selection (see Events.h).
#include "collect/Events.h"
#include "core/Error.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <linux/perf_event.h>
// libpfm4 after the kernel's header: it then uses the kernel's struct.
#include <perfmon/pfmlib_perf_event.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

namespace pgoctl::collect {

namespace {

std::optional<std::string> readSmallFile(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFileAsStream(Path);
  if (!B)
    return std::nullopt;
  return (*B)->getBuffer().trim().str();
}

std::optional<int> readIntFile(const std::string &Path) {
  std::optional<std::string> S = readSmallFile(Path);
  int V;
  if (!S || llvm::StringRef(*S).getAsInteger(10, V))
    return std::nullopt;
  return V;
}

/// libpfm4 keeps its tables in process-global state: initialize it once.
/// LIBPFM_FORCE_PMU is read here, at the first call.
int pfmInit() {
  static int Rc = pfm_initialize();
  return Rc;
}

long perfEventOpen(perf_event_attr *A, pid_t Pid, int Cpu, int Group, unsigned long Flags) {
  return syscall(SYS_perf_event_open, A, Pid, Cpu, Group, Flags);
}

/// Tries to open A (disabled, on this thread, user space only) and closes it.
bool probeOpen(perf_event_attr A, std::string &Err) {
  A.disabled = 1;
  A.exclude_kernel = 1;
  A.exclude_hv = 1;
  A.inherit = 0;
  long Fd = perfEventOpen(&A, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (Fd < 0) {
    Err = strerror(errno);
    return false;
  }
  close(int(Fd));
  return true;
}

bool isAmdBranchPmu(llvm::StringRef Pmu) {
  return Pmu.starts_with("amd64_fam19h_zen") || Pmu.starts_with("amd64_fam1ah_zen");
}

/// Fields every attr the agent opens shares: side-band records (mmap2 with
/// exec comms, forks), timestamps on them, and the event starts disabled.
void commonAttr(perf_event_attr &A, const HostFacts &H) {
  A.size = sizeof(perf_event_attr);
  A.disabled = 1;
  A.inherit = 1;
  A.mmap = 1;
  A.comm = 1;
  A.task = 1;
  A.sample_id_all = 1;
  A.exclude_guest = 1;
  A.mmap2 = 1;
  A.comm_exec = 1;
  if (!H.mayProfileKernel())
    A.exclude_kernel = 1;
}

struct GenericEvent {
  const char *Name;
  uint32_t Type;
  uint64_t Config;
};
// perf's generic names (tools/perf/util/parse-events.c), which libpfm4 does
// not spell the same way.
const GenericEvent kGeneric[] = {
    {"cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK},
    {"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {"branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS},
    {"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
    {"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {"cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
    {"ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES},
};

/// Encodes a libpfm4 event name into A's type and config words.
llvm::Error pfmEncode(llvm::StringRef Name, perf_event_attr &A, std::string &FullName) {
  if (int Rc = pfmInit(); Rc != PFM_SUCCESS)
    return makeKindError(ErrorKind::Input, "libpfm4 failed to initialize: {0}",
                         pfm_strerror(Rc));
  perf_event_attr Tmp;
  memset(&Tmp, 0, sizeof(Tmp));
  char *Fstr = nullptr;
  pfm_perf_encode_arg_t Arg;
  memset(&Arg, 0, sizeof(Arg));
  Arg.attr = &Tmp;
  Arg.fstr = &Fstr;
  Arg.size = sizeof(Arg);
  std::string N = Name.str();
  int Rc = pfm_get_os_event_encoding(N.c_str(), PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT,
                                     &Arg);
  if (Rc != PFM_SUCCESS)
    return makeKindError(ErrorKind::Usage, "{0}", pfm_strerror(Rc));
  A.type = Tmp.type;
  A.config = Tmp.config;
  A.config1 = Tmp.config1;
  A.config2 = Tmp.config2;
  A.precise_ip = Tmp.precise_ip;
  if (Fstr) {
    FullName = Fstr;
    free(Fstr);
  }
  return llvm::Error::success();
}

llvm::Error unknownEvent(const HostFacts &H, llvm::StringRef Name, llvm::StringRef Why) {
  size_t Total = 0;
  std::vector<std::string> Names = availableEvents(H, 40, &Total);
  std::string List = llvm::join(Names, ", ");
  if (Total > Names.size())
    List += llvm::formatv(", ... ({0} more)", Total - Names.size()).str();
  std::string Pmu = H.PfmPmu.empty() ? std::string("no hardware PMU known to libpfm4")
                                     : "PMU " + H.PfmPmu;
  return makeKindError(ErrorKind::Usage,
                       "--event '{0}': {1}; this host ({2}) has: {3}",
                       escapeForTerminal(Name, 200), Why, Pmu, List);
}

std::string bitNames(uint64_t V, llvm::ArrayRef<const char *> Names) {
  std::string S;
  for (size_t I = 0; I < 64; ++I)
    if (V >> I & 1) {
      if (!S.empty())
        S += '|';
      S += I < Names.size() ? Names[I] : llvm::formatv("(1<<{0})", I).str();
    }
  return S;
}

} // namespace

llvm::StringRef takenBranchEvent(llvm::StringRef Pmu) {
  if (isAmdBranchPmu(Pmu))
    return "RETIRED_TAKEN_BRANCH_INSTRUCTIONS";
  if (Pmu.empty() || Pmu.starts_with("amd64") || Pmu.starts_with("arm") || Pmu == "perf" ||
      Pmu == "netburst" || Pmu == "netburst_p")
    return "";
  return "BR_INST_RETIRED:NEAR_TAKEN"; // Intel core PMUs
}

llvm::StringRef branchRecordKind(llvm::StringRef Pmu) {
  if (Pmu == "amd64_fam19h_zen3")
    return "BRS"; // Branch Sampling, 16 entries
  if (isAmdBranchPmu(Pmu))
    return "LbrExtV2"; // Zen 4 and later
  if (Pmu.starts_with("arm"))
    return "BRBE";
  return takenBranchEvent(Pmu).empty() ? "" : "LBR";
}

HostFacts probeHost(const HostProbeOptions &O) {
  HostFacts H;
  for (const char *Name : {"cpu", "cpu_core", "cpu_atom", "armv8_pmuv3_0", "armv8_pmuv3"}) {
    std::string Dir = O.SysfsPmuDir + "/" + Name;
    if (!readSmallFile(Dir + "/type"))
      continue;
    H.SysfsCorePmu = Name;
    if (std::optional<int> D = readIntFile(Dir + "/caps/branches"); D && *D > 0)
      H.BranchDepth = unsigned(*D);
    if (std::optional<int> P = readIntFile(Dir + "/caps/max_precise"); P && *P > 0)
      H.MaxPrecise = unsigned(*P);
    break;
  }
  H.PerfEventParanoid = readIntFile(O.ProcSysKernel + "/perf_event_paranoid");
  H.KptrRestrict = readIntFile(O.ProcSysKernel + "/kptr_restrict");
  // Effective capabilities: CAP_SYS_ADMIN is bit 21, CAP_SYSLOG 34, CAP_PERFMON 38.
  if (std::optional<std::string> St = readSmallFile(O.ProcSelfStatus)) {
    for (llvm::StringRef Line : llvm::split(*St, '\n'))
      if (Line.consume_front("CapEff:")) {
        uint64_t Caps = 0;
        if (!Line.trim().getAsInteger(16, Caps)) {
          H.CapSysAdmin = Caps >> 21 & 1;
          H.CapPerfmon = Caps >> 38 & 1;
          H.CapSyslog = Caps >> 34 & 1;
        }
      }
  }
  long N = sysconf(_SC_NPROCESSORS_ONLN);
  H.OnlineCpus = N > 0 ? unsigned(N) : 1;
  H.PfmForced = getenv("LIBPFM_FORCE_PMU") != nullptr;
  if (pfmInit() == PFM_SUCCESS) {
    for (int P = 0; P < PFM_PMU_MAX; ++P) {
      pfm_pmu_info_t PI;
      memset(&PI, 0, sizeof(PI));
      PI.size = sizeof(PI);
      if (pfm_get_pmu_info(pfm_pmu_t(P), &PI) != PFM_SUCCESS || !PI.is_present ||
          PI.type != PFM_PMU_TYPE_CORE)
        continue;
      H.PfmPmu = PI.name ? PI.name : "";
      H.PfmPmuDesc = PI.desc ? PI.desc : "";
      break;
    }
  }
  if (O.OpenProbes) {
    if (H.BranchDepth > 0) {
      EventRequest R;
      R.Name = "lbr";
      if (llvm::Expected<EventChoice> C = selectEvent(H, R))
        H.BranchProbeOk = probeOpen(C->Attr, H.BranchProbeError);
      else
        H.BranchProbeError = llvm::toString(C.takeError());
    }
    perf_event_attr A;
    memset(&A, 0, sizeof(A));
    A.size = sizeof(A);
    A.type = PERF_TYPE_HARDWARE;
    A.config = PERF_COUNT_HW_CPU_CYCLES;
    A.sample_period = kDefaultCyclesPeriod;
    A.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN;
    H.CyclesProbeOk = probeOpen(A, H.CyclesProbeError);
    if (H.MaxPrecise >= 2) {
      A.config = PERF_COUNT_HW_INSTRUCTIONS;
      A.sample_period = kDefaultInstructionsPeriod;
      A.precise_ip = 2;
      H.PreciseInstructionsProbeOk = probeOpen(A, H.PreciseInstructionsProbeError);
    }
  } else if (O.AssumeProbesSucceed) {
    H.BranchProbeOk = H.BranchDepth > 0;
    H.CyclesProbeOk = !H.SysfsCorePmu.empty();
    H.PreciseInstructionsProbeOk = H.CyclesProbeOk && H.MaxPrecise >= 2;
  }
  if (!H.PreciseInstructionsProbeOk && H.PreciseInstructionsProbeError.empty())
    H.PreciseInstructionsProbeError =
        H.MaxPrecise ? "caps/max_precise is " + std::to_string(H.MaxPrecise)
                     : std::string("no caps/max_precise");
  return H;
}

llvm::Expected<EventChoice> selectEvent(const HostFacts &H, const EventRequest &Req) {
  if (Req.Period && Req.Freq)
    return makeKindError(ErrorKind::Usage, "--period and --freq exclude each other");
  if ((Req.Period && *Req.Period == 0) || (Req.Freq && *Req.Freq == 0))
    return makeKindError(ErrorKind::Usage, "--period and --freq must be positive");
  EventChoice C;
  perf_event_attr &A = C.Attr;
  memset(&A, 0, sizeof(A));
  commonAttr(A, H);
  llvm::StringRef Name = Req.Name;
  if (Name.empty())
    Name = "auto";

  auto setRate = [&](uint64_t DefaultPeriod) {
    if (Req.Freq) {
      A.freq = 1;
      A.sample_freq = *Req.Freq;
      A.sample_type |= PERF_SAMPLE_PERIOD; // as perf: the period varies per sample
    } else {
      A.sample_period = Req.Period.value_or(DefaultPeriod);
    }
  };
  auto useLbr = [&](llvm::StringRef Why) -> llvm::Error {
    llvm::StringRef Ev = takenBranchEvent(H.PfmPmu);
    if (Ev.empty())
      return unknownEvent(H, "lbr",
                          "no taken-branch event with a branch stack is known for this PMU");
    std::string Full;
    if (llvm::Error E = pfmEncode(Ev, A, Full))
      return E;
    if (Req.Freq && isAmdBranchPmu(H.PfmPmu))
      return makeKindError(ErrorKind::Usage,
                           "AMD branch sampling (BRS/LbrExtV2) has no frequency mode; use "
                           "--period (default {0})",
                           kDefaultLbrPeriod);
    C.Kind = EventKind::Lbr;
    C.Name = Ev.str();
    A.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
                    PERF_SAMPLE_BRANCH_STACK;
    A.branch_sample_type = PERF_SAMPLE_BRANCH_ANY;
    setRate(kDefaultLbrPeriod);
    C.Why = (Why + " (" + Full + ")").str();
    return llvm::Error::success();
  };
  // Precise: precise_ip, perf's :p, :pp, :ppp.
  auto useGeneric = [&](const GenericEvent &G, llvm::StringRef Why, unsigned Precise = 0) {
    A.type = G.Type;
    A.config = G.Config;
    A.precise_ip = Precise;
    C.Name = G.Name;
    if (Precise)
      C.Name += ":" + std::string(Precise, 'p');
    bool Hw = G.Type == PERF_TYPE_HARDWARE;
    C.Kind = G.Type == PERF_TYPE_SOFTWARE && G.Config == PERF_COUNT_SW_CPU_CLOCK
                 ? EventKind::CpuClock
             : Hw && G.Config == PERF_COUNT_HW_CPU_CYCLES && !Precise ? EventKind::Cycles
             : Hw && G.Config == PERF_COUNT_HW_INSTRUCTIONS && Precise >= 2
                 ? EventKind::PreciseInstructions
                 : EventKind::Named;
    A.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
    if (Req.CallChains)
      A.sample_type |= PERF_SAMPLE_CALLCHAIN;
    setRate(G.Type == PERF_TYPE_SOFTWARE                ? kDefaultCpuClockPeriodNs
            : Hw && G.Config == PERF_COUNT_HW_INSTRUCTIONS ? kDefaultInstructionsPeriod
                                                           : kDefaultCyclesPeriod);
    C.Why = Why.str();
  };

  if (Name == "auto") {
    if (H.BranchDepth > 0 && H.BranchProbeOk) {
      if (llvm::Error E = useLbr(llvm::formatv("the {0} PMU records {1}-deep branch stacks "
                                               "and opening one succeeded",
                                               H.SysfsCorePmu, H.BranchDepth)
                                     .str()))
        return std::move(E);
      return C;
    }
    std::string NoLbr =
        H.BranchDepth == 0
            ? (H.SysfsCorePmu.empty() ? "no core PMU in sysfs"
                                      : H.SysfsCorePmu + " has no caps/branches")
            : "opening a branch stack failed: " + H.BranchProbeError;
    if (H.PreciseInstructionsProbeOk) {
      useGeneric(kGeneric[3],
                 "no branch records (" + NoLbr +
                     "); precise retired instructions (caps/max_precise " +
                     std::to_string(H.MaxPrecise) +
                     ") with frame-pointer call chains: samples follow how often code runs",
                 2);
      return C;
    }
    if (H.CyclesProbeOk) {
      useGeneric(kGeneric[2], "no branch records (" + NoLbr + "), no precise instructions (" +
                                  H.PreciseInstructionsProbeError +
                                  "); hardware cycles with frame-pointer call chains");
      return C;
    }
    useGeneric(kGeneric[0],
               "no branch records (" + NoLbr + ") and no hardware cycles (" +
                   (H.CyclesProbeError.empty() ? std::string("not probed")
                                               : H.CyclesProbeError) +
                   "); software cpu-clock with frame-pointer call chains");
    return C;
  }
  if (Name == "lbr") {
    if (llvm::Error E = useLbr("--event lbr: the taken-branch event of PMU " + H.PfmPmu))
      return std::move(E);
    return C;
  }
  auto [Base, Mod] = Name.split(':');
  for (const GenericEvent &G : kGeneric)
    if (Base == G.Name && (Mod.empty() || (Mod.size() <= 3 && Mod.find_first_not_of('p') ==
                                                                   llvm::StringRef::npos))) {
      useGeneric(G, ("--event " + Name).str(), unsigned(Mod.size()));
      return C;
    }
  // Any libpfm4 name: an IP sample with call chains, by period.
  std::string Full;
  if (llvm::Error E = pfmEncode(Name, A, Full)) {
    std::string Msg = llvm::toString(std::move(E));
    return unknownEvent(H, Name, Msg);
  }
  C.Kind = EventKind::Named;
  C.Name = Name.str();
  A.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
  if (Req.CallChains)
    A.sample_type |= PERF_SAMPLE_CALLCHAIN;
  setRate(kDefaultCyclesPeriod);
  C.Why = "--event " + Full;
  return C;
}

std::vector<std::string> availableEvents(const HostFacts &H, size_t Max, size_t *Total) {
  std::vector<std::string> All;
  All.push_back("auto");
  for (const GenericEvent &G : kGeneric)
    if (G.Type == PERF_TYPE_SOFTWARE || H.CyclesProbeOk)
      All.push_back(G.Name);
  if (!takenBranchEvent(H.PfmPmu).empty())
    All.push_back("lbr");
  if (pfmInit() == PFM_SUCCESS && !H.PfmPmu.empty()) {
    for (int P = 0; P < PFM_PMU_MAX; ++P) {
      pfm_pmu_info_t PI;
      memset(&PI, 0, sizeof(PI));
      PI.size = sizeof(PI);
      if (pfm_get_pmu_info(pfm_pmu_t(P), &PI) != PFM_SUCCESS || !PI.name ||
          H.PfmPmu != PI.name)
        continue;
      for (int I = PI.first_event; I != -1; I = pfm_get_event_next(I)) {
        pfm_event_info_t EI;
        memset(&EI, 0, sizeof(EI));
        EI.size = sizeof(EI);
        if (pfm_get_event_info(I, PFM_OS_PERF_EVENT_EXT, &EI) == PFM_SUCCESS && EI.name)
          All.push_back(EI.name);
      }
    }
  }
  if (Total)
    *Total = All.size();
  if (All.size() > Max)
    All.resize(Max);
  return All;
}

std::string describeAttr(const perf_event_attr &A) {
  static const char *const SampleNames[] = {
      "IP", "TID", "TIME", "ADDR", "READ", "CALLCHAIN", "ID", "CPU", "PERIOD",
      "STREAM_ID", "RAW", "BRANCH_STACK", "REGS_USER", "STACK_USER", "WEIGHT",
      "DATA_SRC", "IDENTIFIER", "TRANSACTION", "REGS_INTR", "PHYS_ADDR", "AUX",
      "CGROUP", "DATA_PAGE_SIZE", "CODE_PAGE_SIZE", "WEIGHT_STRUCT"};
  static const char *const BranchNames[] = {
      "USER", "KERNEL", "HV", "ANY", "ANY_CALL", "ANY_RETURN", "IND_CALL", "ABORT_TX",
      "IN_TX", "NO_TX", "COND", "CALL_STACK", "IND_JUMP", "CALL", "NO_FLAGS",
      "NO_CYCLES", "TYPE_SAVE", "HW_INDEX", "PRIV_SAVE"};
  static const char *const ReadNames[] = {"TOTAL_TIME_ENABLED", "TOTAL_TIME_RUNNING", "ID",
                                          "GROUP", "LOST"};
  std::string S;
  auto Line = [&](llvm::StringRef K, const std::string &V) {
    S += llvm::formatv("  {0,-32} {1}\n", K, V).str();
  };
  auto Num = [&](llvm::StringRef K, uint64_t V) {
    if (V)
      Line(K, std::to_string(V));
  };
  auto Hex = [&](llvm::StringRef K, uint64_t V) {
    if (V)
      Line(K, llvm::formatv("{0:x}", V).str());
  };
  Num("type", A.type);
  Num("size", A.size);
  Hex("config", A.config);
  Num("{ sample_period, sample_freq }", A.sample_period);
  if (A.sample_type)
    Line("sample_type", bitNames(A.sample_type, SampleNames));
  if (A.read_format)
    Line("read_format", bitNames(A.read_format, ReadNames));
  Num("disabled", A.disabled);
  Num("inherit", A.inherit);
  Num("pinned", A.pinned);
  Num("exclusive", A.exclusive);
  Num("exclude_user", A.exclude_user);
  Num("exclude_kernel", A.exclude_kernel);
  Num("exclude_hv", A.exclude_hv);
  Num("exclude_idle", A.exclude_idle);
  Num("mmap", A.mmap);
  Num("comm", A.comm);
  Num("freq", A.freq);
  Num("inherit_stat", A.inherit_stat);
  Num("enable_on_exec", A.enable_on_exec);
  Num("task", A.task);
  Num("watermark", A.watermark);
  Num("precise_ip", A.precise_ip);
  Num("mmap_data", A.mmap_data);
  Num("sample_id_all", A.sample_id_all);
  Num("exclude_host", A.exclude_host);
  Num("exclude_guest", A.exclude_guest);
  Num("exclude_callchain_kernel", A.exclude_callchain_kernel);
  Num("exclude_callchain_user", A.exclude_callchain_user);
  Num("mmap2", A.mmap2);
  Num("comm_exec", A.comm_exec);
  Num("use_clockid", A.use_clockid);
  Num("context_switch", A.context_switch);
  Num("write_backward", A.write_backward);
  Num("namespaces", A.namespaces);
  Num("ksymbol", A.ksymbol);
  Num("bpf_event", A.bpf_event);
  Num("cgroup", A.cgroup);
  Num("{ wakeup_events, wakeup_watermark }", A.wakeup_events);
  Hex("{ bp_addr, config1 }", A.config1);
  Hex("{ bp_len, config2 }", A.config2);
  if (A.branch_sample_type)
    Line("branch_sample_type", bitNames(A.branch_sample_type, BranchNames));
  Num("sample_max_stack", A.sample_max_stack);
  return S;
}

llvm::Error openError(int Errno, const HostFacts &H, llvm::StringRef What) {
  if (Errno == EACCES || Errno == EPERM) {
    std::string Par = H.PerfEventParanoid ? std::to_string(*H.PerfEventParanoid) : "unknown";
    return makeKindError(
        ErrorKind::Input,
        "perf_event_open for {0}: {1}; kernel.perf_event_paranoid is {2}: run as root or "
        "with CAP_PERFMON (e.g. `setcap cap_perfmon+ep pgoctl`, or the systemd unit's "
        "AmbientCapabilities=CAP_PERFMON), or lower it: `sysctl kernel.perf_event_paranoid=-1`",
        What, strerror(Errno), Par);
  }
  return makeKindError(ErrorKind::Input, "perf_event_open for {0}: {1}", What,
                       strerror(Errno));
}

} // namespace pgoctl::collect
