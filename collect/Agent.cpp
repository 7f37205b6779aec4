// collect/Agent.cpp: the sampling agent (see Agent.h).
//
// Per CPU, each target unit (a process's thread, a cgroup, or the whole CPU)
// gets two events: a `dummy` software event that carries the side-band records
// (mmap2, comm, fork/exit) and stays enabled, and the sampling event, whose
// records go to the dummy's ring (PERF_EVENT_IOC_SET_OUTPUT). The sampler is
// switched off outside the duty cycle while side-band keeps flowing, so
// mappings made in the pauses are known when sampling resumes. Both share one
// sample_type, so one attr in the header decodes all records.
#include "collect/Agent.h"
#include "collect/AgentRing.h"
#include "collect/PerfReader.h"
#include "collect/PerfRecord.h"
#include "collect/Reorder.h"
#include "binary/Symbols.h"
#include "core/Error.h"
#include "core/Profile.h"
#include "core/ProfileFormat.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pgoctl::collect {

namespace {

using Clock = std::chrono::steady_clock;

long perfEventOpen(perf_event_attr *A, pid_t Pid, int Cpu, int Group, unsigned long Flags) {
  return syscall(SYS_perf_event_open, A, Pid, Cpu, Group, Flags);
}

/// perf_event_attr to the reader's EventAttr (what a perf.data header holds).
perf::EventAttr toEventAttr(const perf_event_attr &A, llvm::StringRef Name) {
  perf::EventAttr E;
  E.Type = A.type;
  E.Size = A.size;
  E.Config = A.config;
  E.SamplePeriod = A.sample_period;
  E.SampleType = A.sample_type;
  E.ReadFormat = A.read_format;
  uint64_t Flags;
  memcpy(&Flags, reinterpret_cast<const char *>(&A) + 40, 8); // the bitfield word
  E.Flags = Flags;
  E.BranchSampleType = A.branch_sample_type;
  E.Name = Name.str();
  return E;
}

double cpuSeconds() {
  struct rusage U;
  getrusage(RUSAGE_SELF, &U);
  return double(U.ru_utime.tv_sec + U.ru_stime.tv_sec) +
         double(U.ru_utime.tv_usec + U.ru_stime.tv_usec) / 1e6;
}

std::string readFileTrimmed(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFileAsStream(Path);
  return B ? (*B)->getBuffer().trim().str() : std::string();
}

/// Encodes synthetic side-band records in the kernel's layout (with the
/// sample_id block sample_id_all appends), so they go through the decoder as
/// records from a ring do. Time 0: before every sampled record.
class Synth {
public:
  explicit Synth(uint64_t SampleType) : ST(SampleType) {}
  std::vector<char> comm(uint32_t Pid, uint32_t Tid, llvm::StringRef Comm) {
    std::vector<char> R;
    begin(R, PERF_RECORD_COMM, 0);
    put32(R, Pid);
    put32(R, Tid);
    putStr(R, Comm);
    return end(R, Pid, Tid);
  }
  std::vector<char> mmap2(uint32_t Pid, uint64_t Start, uint64_t Len, uint64_t Pgoff,
                          llvm::StringRef BuildId, llvm::StringRef File, bool Kernel) {
    std::vector<char> R;
    uint16_t Misc = (Kernel ? PERF_RECORD_MISC_KERNEL : PERF_RECORD_MISC_USER) |
                    (BuildId.empty() ? 0 : PERF_RECORD_MISC_MMAP_BUILD_ID);
    begin(R, PERF_RECORD_MMAP2, Misc);
    put32(R, Pid);
    put32(R, Pid);
    put64(R, Start);
    put64(R, Len);
    put64(R, Pgoff);
    char Id[24] = {};
    if (!BuildId.empty()) {
      Id[0] = char(std::min<size_t>(BuildId.size(), 20));
      memcpy(Id + 4, BuildId.data(), std::min<size_t>(BuildId.size(), 20));
    }
    R.insert(R.end(), Id, Id + 24); // maj/min/ino/ino_generation or build-id
    put32(R, PROT_READ | PROT_EXEC);
    put32(R, MAP_PRIVATE);
    putStr(R, File);
    return end(R, Pid, Pid);
  }

private:
  void begin(std::vector<char> &R, uint32_t Type, uint16_t Misc) {
    R.resize(8);
    memcpy(R.data(), &Type, 4);
    memcpy(R.data() + 4, &Misc, 2);
  }
  static void put32(std::vector<char> &R, uint32_t V) {
    R.insert(R.end(), reinterpret_cast<char *>(&V), reinterpret_cast<char *>(&V) + 4);
  }
  static void put64(std::vector<char> &R, uint64_t V) {
    R.insert(R.end(), reinterpret_cast<char *>(&V), reinterpret_cast<char *>(&V) + 8);
  }
  static void putStr(std::vector<char> &R, llvm::StringRef S) {
    R.insert(R.end(), S.begin(), S.end());
    R.push_back(0);
    while (R.size() % 8)
      R.push_back(0);
  }
  std::vector<char> end(std::vector<char> &R, uint32_t Pid, uint32_t Tid) {
    // sample_id: TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER (zeros but the pid).
    if (ST & PERF_SAMPLE_TID) {
      put32(R, Pid);
      put32(R, Tid);
    }
    for (uint64_t Bit : {uint64_t(PERF_SAMPLE_TIME), uint64_t(PERF_SAMPLE_ID),
                         uint64_t(PERF_SAMPLE_STREAM_ID), uint64_t(PERF_SAMPLE_CPU),
                         uint64_t(PERF_SAMPLE_IDENTIFIER)})
      if (ST & Bit)
        put64(R, 0);
    uint16_t Size = uint16_t(R.size());
    memcpy(R.data() + 6, &Size, 2);
    return std::move(R);
  }
  uint64_t ST;
};

struct ProcMapping {
  uint64_t Start, End, Pgoff;
  std::string Path;
};

/// The executable file mappings of a running process, from /proc/PID/maps.
std::vector<ProcMapping> readProcMaps(uint32_t Pid) {
  std::vector<ProcMapping> Out;
  std::string Text = readFileTrimmed("/proc/" + std::to_string(Pid) + "/maps");
  for (llvm::StringRef Line : llvm::split(Text, '\n')) {
    // start-end perms offset dev inode path
    llvm::SmallVector<llvm::StringRef, 6> F;
    Line.split(F, ' ', 5, false);
    if (F.size() < 6 || F[1].size() < 3 || F[1][2] != 'x')
      continue;
    llvm::StringRef Path = F[5].trim();
    auto [S, E] = F[0].split('-');
    ProcMapping M;
    if (S.getAsInteger(16, M.Start) || E.getAsInteger(16, M.End) ||
        F[2].getAsInteger(16, M.Pgoff))
      continue;
    M.Path = Path.str();
    Out.push_back(std::move(M));
  }
  return Out;
}

std::vector<uint32_t> allPids() {
  std::vector<uint32_t> Pids;
  if (DIR *D = opendir("/proc")) {
    while (dirent *E = readdir(D)) {
      uint32_t P;
      if (!llvm::StringRef(E->d_name).getAsInteger(10, P))
        Pids.push_back(P);
    }
    closedir(D);
  }
  return Pids;
}

std::vector<uint32_t> threadsOf(uint32_t Pid) {
  std::vector<uint32_t> Tids;
  if (DIR *D = opendir(("/proc/" + std::to_string(Pid) + "/task").c_str())) {
    while (dirent *E = readdir(D)) {
      uint32_t T;
      if (!llvm::StringRef(E->d_name).getAsInteger(10, T))
        Tids.push_back(T);
    }
    closedir(D);
  }
  return Tids;
}

/// Processes of a cgroup folder and its descendants.
void cgroupPids(const std::string &Dir, std::vector<uint32_t> &Out, int Depth = 0) {
  if (Depth > 32)
    return;
  for (llvm::StringRef L : llvm::split(readFileTrimmed(Dir + "/cgroup.procs"), '\n')) {
    uint32_t P;
    if (!L.trim().getAsInteger(10, P))
      Out.push_back(P);
  }
  if (DIR *D = opendir(Dir.c_str())) {
    while (dirent *E = readdir(D))
      if (E->d_type == DT_DIR && E->d_name[0] != '.')
        cgroupPids(Dir + "/" + E->d_name, Out, Depth + 1);
    closedir(D);
  }
}

/// True while one of Pids runs (a zombie counts as exited).
bool anyAlive(const std::vector<uint32_t> &Pids) {
  for (uint32_t P : Pids) {
    std::string Stat = readFileTrimmed("/proc/" + std::to_string(P) + "/stat");
    size_t Paren = Stat.rfind(')');
    if (Paren != std::string::npos && Paren + 2 < Stat.size() && Stat[Paren + 2] != 'Z')
      return true;
  }
  return false;
}

/// UTC time with milliseconds, for file names: 20261205T140406.123Z.
std::string utcStamp(std::chrono::system_clock::time_point T) {
  std::time_t Secs = std::chrono::system_clock::to_time_t(T);
  long Ms = long(std::chrono::duration_cast<std::chrono::milliseconds>(T.time_since_epoch())
                     .count() %
                 1000);
  std::tm Tm;
  gmtime_r(&Secs, &Tm);
  char Buf[40];
  size_t N = strftime(Buf, sizeof(Buf), "%Y%m%dT%H%M%S", &Tm);
  snprintf(Buf + N, sizeof(Buf) - N, ".%03ldZ", Ms);
  return Buf;
}

/// A file-name component: [A-Za-z0-9._+] kept, anything else '_', bounded.
std::string nameComponent(llvm::StringRef S) {
  std::string R;
  for (char C : S.take_front(64))
    R.push_back(llvm::isAlnum(C) || C == '.' || C == '_' || C == '+' ? C : '_');
  return R.empty() ? std::string("unknown") : R;
}

/// One open ring (per CPU), and every fd of the session.
struct Session {
  std::vector<int> Fds;
  std::vector<int> Samplers; ///< fds to enable/disable for the duty cycle
  struct Ring {
    int Fd;
    void *Map;
    size_t MapLen;
    RingView View;
  };
  std::vector<Ring> Rings;
  ~Session() {
    for (Ring &R : Rings)
      munmap(R.Map, R.MapLen);
    for (int Fd : Fds)
      close(Fd);
  }
  void setSampling(bool On) {
    for (int Fd : Samplers)
      ioctl(Fd, On ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
  }
};

/// Opens the side-band dummy and the sampler for (Pid, Cpu); the first pair
/// on a CPU gets a ring, later ones write into it.
llvm::Error openUnit(Session &S, const EventChoice &Ev, const HostFacts &H, pid_t Pid,
                     int Cpu, unsigned long Flags, bool OnExec, bool Inherit,
                     std::vector<int> &RingOfCpu, const AgentOptions &O) {
  const unsigned RingPages = O.RingPages;
  perf_event_attr Side = Ev.Attr;
  Side.type = PERF_TYPE_SOFTWARE;
  Side.config = PERF_COUNT_SW_DUMMY;
  Side.sample_period = 1;
  Side.freq = 0;
  Side.branch_sample_type = 0;
  Side.sample_type &= ~uint64_t(PERF_SAMPLE_BRANCH_STACK);
  Side.config1 = Side.config2 = 0;
  Side.precise_ip = 0;
  Side.disabled = OnExec ? 1 : 0;
  Side.enable_on_exec = OnExec;
  Side.inherit = Inherit;
  Side.watermark = 1;
  Side.wakeup_watermark = uint32_t(RingPages * getpagesize() / 2);
  // MMAP2 records carry the build-id (Linux 5.12+) only when asked: the
  // kernel leaks the flag into the MMAP2 records of other tools' events on
  // the same task (perf record then reads maj/min/ino as a build-id and
  // aborts), so by default build-ids come from the files, as perf's do.
  Side.build_id = O.MmapBuildIds;
  perf_event_attr Smp = Ev.Attr;
  Smp.mmap = Smp.comm = Smp.task = Smp.mmap2 = Smp.comm_exec = 0;
  Smp.disabled = OnExec ? 1 : 0;
  Smp.enable_on_exec = OnExec;
  Smp.inherit = Inherit;
  Flags |= PERF_FLAG_FD_CLOEXEC;
  long SideFd = perfEventOpen(&Side, Pid, Cpu, -1, Flags);
  if (SideFd < 0 && errno == EINVAL && Side.build_id) { // a kernel before build-ids in MMAP2
    Side.build_id = 0;
    SideFd = perfEventOpen(&Side, Pid, Cpu, -1, Flags);
  }
  if (SideFd < 0)
    return openError(errno, H, llvm::formatv("side-band (pid {0}, cpu {1})", Pid, Cpu).str());
  S.Fds.push_back(int(SideFd));
  long SmpFd = perfEventOpen(&Smp, Pid, Cpu, -1, Flags);
  if (SmpFd < 0)
    return openError(errno, H, llvm::formatv("{0} (pid {1}, cpu {2})", Ev.Name, Pid, Cpu).str());
  S.Fds.push_back(int(SmpFd));
  S.Samplers.push_back(int(SmpFd));
  if (RingOfCpu[size_t(Cpu)] < 0) {
    size_t Len = size_t(1 + RingPages) * size_t(getpagesize());
    void *M = mmap(nullptr, Len, PROT_READ | PROT_WRITE, MAP_SHARED, int(SideFd), 0);
    if (M == MAP_FAILED)
      return makeKindError(ErrorKind::Resource,
                           "mmap of a {0} KiB perf ring buffer on cpu {1}: {2} (raise "
                           "kernel.perf_event_mlock_kb or use fewer --ring-pages)",
                           Len / 1024, Cpu, strerror(errno));
    Session::Ring R{int(SideFd), M, Len, {}};
    R.View.Ctl = static_cast<perf_event_mmap_page *>(M);
    R.View.Data = static_cast<char *>(M) + getpagesize();
    R.View.Size = uint64_t(RingPages) * uint64_t(getpagesize());
    S.Rings.push_back(R);
    RingOfCpu[size_t(Cpu)] = int(SideFd);
  } else if (ioctl(int(SideFd), PERF_EVENT_IOC_SET_OUTPUT, RingOfCpu[size_t(Cpu)]) < 0) {
    return makeError("PERF_EVENT_IOC_SET_OUTPUT on cpu {0}: {1}", Cpu, strerror(errno));
  }
  if (ioctl(int(SmpFd), PERF_EVENT_IOC_SET_OUTPUT, RingOfCpu[size_t(Cpu)]) < 0)
    return makeError("PERF_EVENT_IOC_SET_OUTPUT on cpu {0}: {1}", Cpu, strerror(errno));
  return llvm::Error::success();
}

/// The decode/order/aggregate pipeline both the live agent and the replay
/// hook use: records from rings, in time order, into a StreamImporter.
class Pipeline {
public:
  Pipeline(const AgentOptions &O, std::vector<perf::EventAttr> Attrs, llvm::StringRef Source)
      : SI(importOptions(O), Source.str(), "pgoctl-collect"),
        Dec(SI.header(), SI.readStats(), Visitor) {
    for (perf::EventAttr &A : Attrs)
      Dec.addAttr(std::move(A));
    SI.header().PerfVersion = ("pgoctl " + toolVersion()).str();
    struct utsname U;
    if (uname(&U) == 0) {
      SI.header().Hostname = U.nodename;
      SI.header().OsRelease = U.release;
    }
  }
  /// Sends the header (attrs, build-ids, host) on: call before the first record.
  void start() { Visitor.Inner = &SI.visitor(); }

  /// A record straight to the decoder (synthetic records, time 0).
  void deliver(const char *R, uint16_t Size) {
    uint32_t Type;
    memcpy(&Type, R, 4);
    Dec.countRecord(Type);
    std::string Why;
    if (Dec.decode(R, Size, 0, Why) == perf::RecordDecoder::Result::Damaged)
      ++Damaged;
  }
  /// A record read from a ring: kept until the end of its round.
  void fromRing(const char *R, uint16_t Size) {
    Orderer.push(R, Size, Dec.recordTime(R, Size), ++Read, 0, deliverFn());
  }
  void endRound() { Orderer.endRound(deliverFn()); }
  void flushAll() { Orderer.flushAll(deliverFn()); }
  StreamImporter &importer() { return SI; }
  uint64_t throttles() const { return Visitor.Throttles; }
  uint64_t Damaged = 0;

private:
  static ImportOptions importOptions(const AgentOptions &O) {
    ImportOptions I;
    I.Binaries = O.Binaries;
    I.IgnoreBuildId = O.IgnoreBuildId;
    I.Comm = O.Target.Comm;
    return I;
  }
  /// Forwards to the importer's visitor, counting throttling.
  struct CountingVisitor : perf::PerfVisitor {
    perf::PerfVisitor *Inner = nullptr;
    uint64_t Throttles = 0;
    void onHeader(const perf::PerfHeader &H) override { Inner->onHeader(H); }
    void onSample(const perf::Sample &S) override { Inner->onSample(S); }
    void onMmap(const perf::MmapEvent &E) override { Inner->onMmap(E); }
    void onComm(const perf::CommEvent &E) override { Inner->onComm(E); }
    void onForkExit(const perf::ForkExitEvent &E) override { Inner->onForkExit(E); }
    void onLost(uint64_t N, bool S) override { Inner->onLost(N, S); }
    void onThrottle(bool T) override { Throttles += T; }
  };
  StreamImporter SI;
  CountingVisitor Visitor;
  perf::RecordDecoder Dec;
  perf::Reorderer Orderer;
  uint64_t Read = 0; ///< records read from rings
  struct Sink {
    Pipeline *P;
    void operator()(const char *R, uint16_t Size, uint64_t, uint64_t) const { P->deliver(R, Size); }
  } ToDecoder{this};
  perf::Reorderer::DeliverFn deliverFn() { return ToDecoder; }
};

/// Labels of a window: the automatic ones, the user's, then the allow-list.
void applyLabels(Profile &P, const AgentOptions &O, llvm::StringRef Service,
                 const std::map<std::string, std::string> &Meta) {
  auto &L = P.Meta.Labels;
  struct utsname U;
  if (uname(&U) == 0) {
    L["host"] = U.nodename;
    L["kernel"] = U.release;
  }
  L["service"] = Service.str();
  L["pgoctl-version"] = toolVersion().str();
  std::vector<std::string> Ids;
  for (const BinaryProfile &B : P.Binaries)
    if (!B.IsKernel && !B.BuildId.empty() && B.totalSamples() > 0 && Ids.size() < 16)
      Ids.push_back(B.BuildId);
  if (!Ids.empty())
    L["build-ids"] = llvm::join(Ids, ",");
  for (const auto &[K, V] : O.Labels)
    L[K] = V;
  if (!O.LabelAllow.empty()) {
    llvm::Regex Allow("^(" + O.LabelAllow + ")$");
    for (auto It = L.begin(); It != L.end();)
      It = Allow.match(It->first) ? std::next(It) : L.erase(It);
    if (!L.count("host"))
      for (Provenance &Pv : P.Meta.Inputs)
        Pv.Host.clear();
  }
  for (const auto &[K, V] : Meta) // the agent's own numbers: never redacted
    L[K] = V;
}

/// The build-id of the service's executable (core's mainBinary), shortened
/// for file names.
std::string mainBuildId(const Profile &P) {
  const BinaryProfile *B = mainBinary(P);
  return B && !B->BuildId.empty() ? B->BuildId.substr(0, 16) : "nobuildid";
}

/// Spool files (*.pgoprof) oldest first, with sizes.
struct SpoolFile {
  std::string Path;
  uint64_t Size;
  int64_t MTimeNs;
};
std::vector<SpoolFile> listSpool(const std::string &Dir) {
  std::vector<SpoolFile> Out;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC)) {
    if (!llvm::StringRef(It->path()).ends_with(".pgoprof"))
      continue;
    llvm::sys::fs::file_status St;
    if (llvm::sys::fs::status(It->path(), St) || St.type() != llvm::sys::fs::file_type::regular_file)
      continue;
    Out.push_back({It->path(), St.getSize(),
                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                       St.getLastModificationTime().time_since_epoch())
                       .count()});
  }
  std::sort(Out.begin(), Out.end(), [](const SpoolFile &A, const SpoolFile &B) {
    return A.MTimeNs != B.MTimeNs ? A.MTimeNs < B.MTimeNs : A.Path < B.Path;
  });
  return Out;
}

/// Writes one window: -o, or a new file in the spool (making room first).
class WindowWriter {
public:
  WindowWriter(const AgentOptions &O, std::string Service) : O(O), Service(std::move(Service)) {}

  llvm::Error write(Profile &P, WindowReport &R, std::map<std::string, std::string> Meta,
                    std::chrono::system_clock::time_point Start) {
    if (PendingDropped)
      Meta["pgoctl.spool-dropped-windows"] = std::to_string(PendingDropped);
    // The wall-clock start in seconds since 1970: the `start` a store key
    // takes (store/PushWindow.h), whoever uploads the file and when.
    Meta["start"] = std::to_string(std::chrono::system_clock::to_time_t(Start));
    applyLabels(P, O, Service, Meta);
    llvm::Expected<std::string> Bytes = serializeProfile(P);
    if (!Bytes)
      return Bytes.takeError();
    if (O.SpoolDir.empty()) {
      R.Path = O.Output;
      return writeFileAtomic(O.Output, *Bytes);
    }
    std::string Host = P.Meta.Labels.count("host") ? P.Meta.Labels["host"] : "host";
    std::string Base = nameComponent(Service) + "-" + nameComponent(Host) + "-" +
                       nameComponent(mainBuildId(P)) + "-" + utcStamp(Start);
    llvm::SmallString<256> Path(O.SpoolDir);
    llvm::sys::path::append(Path, Base + ".pgoprof");
    for (int N = 1; llvm::sys::fs::exists(Path) && N < 1000; ++N) {
      Path = O.SpoolDir;
      llvm::sys::path::append(Path, Base + "-" + std::to_string(N) + ".pgoprof");
    }
    // Make room: drop the oldest windows, never the one being written.
    if (O.SpoolMaxBytes) {
      std::vector<SpoolFile> Files = listSpool(O.SpoolDir);
      uint64_t Total = Bytes->size();
      for (const SpoolFile &F : Files)
        Total += F.Size;
      uint64_t Dropped = 0;
      for (const SpoolFile &F : Files) {
        if (Total <= O.SpoolMaxBytes)
          break;
        if (llvm::sys::fs::remove(F.Path))
          continue;
        Total -= F.Size;
        ++Dropped;
        R.Warnings.push_back("spool full (--spool-max-mb is " +
                             std::to_string(O.SpoolMaxBytes >> 10) +
                             " KiB): dropped the oldest window " +
                             escapeForTerminal(llvm::sys::path::filename(F.Path)));
      }
      if (Total > O.SpoolMaxBytes)
        R.Warnings.push_back("this window alone (" + std::to_string(Bytes->size()) +
                             " bytes) exceeds --spool-max-mb; written anyway");
      // The count goes into the next window's metadata.
      PendingDropped = Dropped;
      R.DroppedWindows = Dropped;
    }
    R.Path = std::string(Path);
    return writeFileAtomic(Path, *Bytes);
  }

private:
  const AgentOptions &O;
  std::string Service;
  uint64_t PendingDropped = 0;
};

/// Removes temporaries a killed agent left in the spool (writeFileAtomic's
/// NAME.pgoprof.tmpXXXXXX), so only whole windows are ever there.
void cleanSpoolTemps(const std::string &Dir) {
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC))
    if (llvm::StringRef(It->path()).contains(".pgoprof.tmp"))
      llvm::sys::fs::remove(It->path());
}

std::string defaultService(const AgentOptions &O) {
  if (!O.Service.empty())
    return O.Service;
  const AgentTarget &T = O.Target;
  if (!T.Command.empty())
    return llvm::sys::path::filename(T.Command[0]).str();
  if (!T.Comm.empty())
    return T.Comm;
  if (!T.Cgroup.empty())
    return llvm::sys::path::filename(llvm::StringRef(T.Cgroup).rtrim('/')).str();
  if (!T.Pids.empty())
    return readFileTrimmed("/proc/" + std::to_string(T.Pids[0]) + "/comm");
  return "host";
}

/// Synthetic COMM and MMAP2 records of running processes, and the kernel's
/// text mapping, delivered before any record from a ring.
void synthesizeExisting(Pipeline &Pl, const std::vector<uint32_t> &Pids, uint64_t SampleType,
                        bool Kernel, llvm::StringRef CommFilter) {
  Synth Sy(SampleType);
  llvm::StringMap<std::string> BuildIds; // path -> raw build-id bytes
  auto buildIdOf = [&](const std::string &Path) -> std::string {
    auto It = BuildIds.find(Path);
    if (It != BuildIds.end())
      return It->second;
    std::string Raw;
    if (llvm::Expected<binary::ElfInfo> E = binary::readElfInfo(Path)) {
      std::string Hex = E->BuildId;
      if (!Hex.empty() && Hex.size() <= 40)
        Raw = llvm::fromHex(Hex);
    } else {
      llvm::consumeError(E.takeError());
    }
    BuildIds[Path] = Raw;
    return Raw;
  };
  if (Kernel) {
    // The kernel text from _text to the end of the address space, as perf's
    // kernel map; _text is among the first lines of /proc/kallsyms, so the
    // read stops there (the whole file is megabytes).
    uint64_t Text = 0;
    if (FILE *F = fopen("/proc/kallsyms", "re")) {
      char Line[512];
      for (int N = 0; N < 100000 && fgets(Line, sizeof(Line), F); ++N) {
        llvm::StringRef L = llvm::StringRef(Line).rtrim();
        if (L.ends_with(" _text") || L.ends_with(" _stext")) {
          if (L.take_front(16).getAsInteger(16, Text))
            Text = 0;
          break;
        }
      }
      fclose(F);
    }
    if (Text) {
      std::vector<char> R = Sy.mmap2(~0u, Text, ~uint64_t(0) - Text, Text, "",
                                     "[kernel.kallsyms]_text", true);
      Pl.deliver(R.data(), uint16_t(R.size()));
    }
  }
  for (uint32_t Pid : Pids) {
    std::string Comm = readFileTrimmed("/proc/" + std::to_string(Pid) + "/comm");
    if (Comm.empty() || (!CommFilter.empty() && Comm != CommFilter))
      continue;
    std::vector<char> C = Sy.comm(Pid, Pid, Comm);
    Pl.deliver(C.data(), uint16_t(C.size()));
    for (const ProcMapping &M : readProcMaps(Pid)) {
      bool File = llvm::StringRef(M.Path).starts_with("/");
      std::vector<char> R = Sy.mmap2(Pid, M.Start, M.End - M.Start, M.Pgoff,
                                     File ? buildIdOf(M.Path) : std::string(), M.Path, false);
      if (R.size() < 65535)
        Pl.deliver(R.data(), uint16_t(R.size()));
    }
  }
}

std::map<std::string, std::string> windowMeta(const WindowReport &R, llvm::StringRef Event) {
  return {{"pgoctl.agent-cpu-seconds", llvm::formatv("{0:f3}", R.AgentCpuSeconds).str()},
          {"pgoctl.window-seconds", llvm::formatv("{0:f3}", R.WallSeconds).str()},
          {"pgoctl.lost", std::to_string(R.Lost)},
          {"pgoctl.throttles", std::to_string(R.Throttles)},
          {"pgoctl.event", Event.str()}};
}

} // namespace

llvm::Expected<AgentResult> runAgent(const AgentOptions &O, const HostFacts &H,
                                     const std::function<void(const WindowReport &)> &OnWindow) {
  const AgentTarget &T = O.Target;
  int Kinds = !T.Command.empty() + !T.Pids.empty() + !T.Comm.empty() + !T.Cgroup.empty() +
              T.SystemWide;
  if (Kinds != 1)
    return makeKindError(ErrorKind::Usage,
                         "give exactly one target: -- CMD, --pid, --comm, --cgroup or -a");
  if (O.Output.empty() == O.SpoolDir.empty())
    return makeKindError(ErrorKind::Usage, "give -o FILE or --spool DIR");
  if (!O.Output.empty() && (O.WindowSec > 0 || O.DutyEverySec > 0))
    return makeKindError(ErrorKind::Usage, "--window and --duty write several profiles: "
                                           "use --spool DIR");
  if (O.DutyEverySec > 0 && (O.DutyOnSec <= 0 || O.DutyOnSec > O.DutyEverySec))
    return makeKindError(ErrorKind::Usage, "--duty ON/EVERY needs 0 < ON <= EVERY");
  if (O.RingPages == 0 || (O.RingPages & (O.RingPages - 1)))
    return makeKindError(ErrorKind::Usage, "--ring-pages must be a power of two");
  if (!O.LabelAllow.empty()) {
    llvm::Regex R(O.LabelAllow);
    std::string Err;
    if (!R.isValid(Err))
      return makeKindError(ErrorKind::Usage, "--label-allow: {0}", Err);
  }
  if (!T.SystemWide && !T.Comm.empty() && !H.mayProfileSystemWide())
    return openError(EACCES, H, "--comm (system-wide events)");
  if (T.SystemWide && !H.mayProfileSystemWide())
    return openError(EACCES, H, "-a (system-wide events)");
  if (!O.SpoolDir.empty()) {
    if (std::error_code EC = llvm::sys::fs::create_directories(O.SpoolDir))
      return makeKindError(ErrorKind::Input, "--spool {0}: {1}", O.SpoolDir, EC.message());
    cleanSpoolTemps(O.SpoolDir);
  }

  llvm::Expected<EventChoice> EvOr = selectEvent(H, O.Event);
  if (!EvOr)
    return EvOr.takeError();
  EventChoice Ev = *EvOr;
  Ev.Attr.inherit = 0; // per unit below
  AgentResult Result;
  Result.EventName = Ev.Name;
  Result.EventWhy = Ev.Why;
  std::string Service = defaultService(O);
  Pipeline Pl(O, {toEventAttr(Ev.Attr, Ev.Name)}, "pgoctl collect (" + Service + ")");

  unsigned NCpus = H.OnlineCpus ? H.OnlineCpus : 1;
  {
    long Conf = sysconf(_SC_NPROCESSORS_CONF);
    if (Conf > long(NCpus))
      NCpus = unsigned(Conf);
  }
  Session S;
  std::vector<int> RingOfCpu(NCpus, -1);
  pid_t Child = -1;
  int GoPipe[2] = {-1, -1};
  auto cleanupChild = [&] {
    if (Child > 0) {
      kill(Child, SIGKILL);
      waitpid(Child, nullptr, 0);
    }
  };
  std::vector<uint32_t> Existing;
  bool OnExec = false;

  // Opens a unit on every CPU, skipping CPUs that are offline.
  auto openAllCpus = [&](pid_t Pid, unsigned long Flags, bool Inherit) -> llvm::Error {
    bool Any = false;
    for (unsigned C = 0; C < NCpus; ++C) {
      llvm::Error E = openUnit(S, Ev, H, Pid, int(C), Flags, OnExec, Inherit, RingOfCpu, O);
      if (E) {
        // An offline CPU (ENODEV) is skipped; anything else is the answer.
        std::string Msg = llvm::toString(std::move(E));
        if (Msg.find(strerror(ENODEV)) != std::string::npos && C > 0)
          continue;
        return makeKindError(ErrorKind::Input, "{0}", Msg);
      }
      Any = true;
    }
    return Any ? llvm::Error::success()
               : makeKindError(ErrorKind::Input, "no CPU could be profiled");
  };

  if (!T.Command.empty()) {
    if (pipe2(GoPipe, O_CLOEXEC) != 0)
      return makeError("pipe: {0}", strerror(errno));
    Child = fork();
    if (Child < 0)
      return makeError("fork: {0}", strerror(errno));
    if (Child == 0) {
      sigset_t None;
      sigemptyset(&None);
      sigprocmask(SIG_SETMASK, &None, nullptr);
      close(GoPipe[1]);
      char Go;
      if (read(GoPipe[0], &Go, 1) != 1)
        _exit(127);
      std::vector<char *> Argv;
      for (const std::string &A : T.Command)
        Argv.push_back(const_cast<char *>(A.c_str()));
      Argv.push_back(nullptr);
      execvp(Argv[0], Argv.data());
      dprintf(2, "pgoctl collect: cannot run %s: %s\n", Argv[0], strerror(errno));
      _exit(127);
    }
    close(GoPipe[0]);
    OnExec = true;
    if (llvm::Error E = openAllCpus(Child, 0, /*Inherit=*/true)) {
      close(GoPipe[1]);
      cleanupChild();
      return std::move(E);
    }
  } else if (!T.Pids.empty()) {
    for (uint32_t Pid : T.Pids) {
      std::vector<uint32_t> Tids = threadsOf(Pid);
      if (Tids.empty())
        return makeKindError(ErrorKind::Input, "--pid {0}: no such process", Pid);
      for (uint32_t Tid : Tids)
        if (llvm::Error E = openAllCpus(pid_t(Tid), 0, /*Inherit=*/true))
          return std::move(E);
      Existing.push_back(Pid);
    }
  } else if (!T.Cgroup.empty()) {
    int CgFd = open(T.Cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (CgFd < 0)
      return makeKindError(ErrorKind::Input, "--cgroup {0}: {1}", escapeForTerminal(T.Cgroup),
                           strerror(errno));
    S.Fds.push_back(CgFd);
    if (llvm::Error E = openAllCpus(CgFd, PERF_FLAG_PID_CGROUP, false))
      return std::move(E);
    cgroupPids(T.Cgroup, Existing);
  } else {
    if (llvm::Error E = openAllCpus(-1, 0, false))
      return std::move(E);
    Existing = allPids();
  }

  // Running processes first (time 0), then the rings.
  Pl.start();
  synthesizeExisting(Pl, Existing, Ev.Attr.sample_type, !Ev.Attr.exclude_kernel, T.Comm);
  if (!OnExec)
    for (int Fd : S.Fds)
      ioctl(Fd, PERF_EVENT_IOC_ENABLE, 0); // the cgroup fd ignores it
  if (Child > 0) {
    char Go = 1;
    if (write(GoPipe[1], &Go, 1) != 1) {
      cleanupChild();
      return makeError("cannot start the command: {0}", strerror(errno));
    }
    close(GoPipe[1]);
  }

  WindowWriter Writer(O, Service);
  std::vector<char> Scratch;
  const auto RunStart = Clock::now();
  auto WinStart = RunStart;
  auto WinStartWall = std::chrono::system_clock::now();
  double WinCpuStart = cpuSeconds();
  uint64_t LostBefore = 0, ThrottleBefore = 0;
  bool Sampling = true;
  bool Stop = false, ChildDone = false;
  auto secondsSince = [](Clock::time_point T0) {
    return std::chrono::duration<double>(Clock::now() - T0).count();
  };

  auto readRound = [&] {
    for (Session::Ring &R : S.Rings)
      drainRing(R.View, Scratch, [&](const char *Rec, uint16_t Sz) { Pl.fromRing(Rec, Sz); });
    Pl.endRound();
  };
  auto writeWindow = [&](bool Last) -> llvm::Error {
    readRound();
    if (Last)
      Pl.flushAll();
    ImportSummary Sum;
    llvm::Expected<Profile> P = Pl.importer().takeProfile(Sum);
    if (!P)
      return P.takeError();
    WindowReport R;
    R.Samples = Sum.SamplesUsed;
    const perf::ReadStats &RS = Pl.importer().readStats();
    R.Lost = RS.Lost + RS.LostSamples - LostBefore;
    LostBefore = RS.Lost + RS.LostSamples;
    R.Throttles = Pl.throttles() - ThrottleBefore;
    ThrottleBefore = Pl.throttles();
    R.Unmapped = Sum.UnmappedIps;
    R.WallSeconds = secondsSince(WinStart);
    R.AgentCpuSeconds = cpuSeconds() - WinCpuStart;
    P->Meta.LostSamples = R.Lost;
    R.Warnings = Sum.Warnings;
    if (llvm::Error E = Writer.write(*P, R, windowMeta(R, Ev.Name), WinStartWall))
      return E;
    if (OnWindow)
      OnWindow(R);
    Result.Windows.push_back(std::move(R));
    WinStart = Clock::now();
    WinStartWall = std::chrono::system_clock::now();
    WinCpuStart = cpuSeconds();
    return llvm::Error::success();
  };

  std::vector<pollfd> Pfds;
  if (O.StopFd >= 0)
    Pfds.push_back({O.StopFd, POLLIN, 0});
  for (Session::Ring &R : S.Rings)
    Pfds.push_back({R.Fd, POLLIN, 0});
  while (!Stop) {
    double Now = secondsSince(RunStart);
    // How long until something is due: the end of the run, of the window,
    // of the duty phase; at most 100 ms (a round).
    double Due = 0.1;
    if (O.DurationSec > 0)
      Due = std::min(Due, O.DurationSec - Now);
    double WinLen = O.WindowSec > 0 ? O.WindowSec : 0;
    if (O.DutyEverySec > 0)
      WinLen = WinLen > 0 ? std::min(WinLen, O.DutyOnSec) : O.DutyOnSec;
    if (Sampling && WinLen > 0)
      Due = std::min(Due, WinLen - secondsSince(WinStart));
    int TimeoutMs = int(std::max(0.0, Due) * 1000) + 1;
    int N = poll(Pfds.data(), Pfds.size(), TimeoutMs);
    if (N < 0 && errno != EINTR) {
      cleanupChild();
      return makeError("poll: {0}", strerror(errno));
    }
    if (O.StopFd >= 0 && (Pfds[0].revents & POLLIN)) {
      char Buf[256]; // consume the signal (a signalfd): it is handled here
      if (read(O.StopFd, Buf, sizeof(Buf)) < 0) {
      }
      Stop = true;
    }
    // A per-task ring whose task exited reports POLLHUP for good: stop
    // polling it (it is still read every round) instead of spinning.
    for (size_t I = O.StopFd >= 0 ? 1 : 0; I < Pfds.size(); ++I)
      if (Pfds[I].revents & (POLLHUP | POLLERR))
        Pfds[I].fd = -1;
    if (Child > 0 && !ChildDone) {
      int Status;
      if (waitpid(Child, &Status, WNOHANG) == Child) {
        ChildDone = true;
        Stop = true;
        Result.CommandExit = WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
        Child = -1;
      }
    }
    if (!T.Pids.empty() && !anyAlive(T.Pids))
      Stop = true; // every target process has exited
    Now = secondsSince(RunStart);
    if (O.DurationSec > 0 && Now >= O.DurationSec)
      Stop = true;
    if (Stop)
      break;
    readRound();
    if (Sampling && WinLen > 0 && secondsSince(WinStart) >= WinLen) {
      bool Pause = O.DutyEverySec > 0 &&
                   std::fmod(Now, O.DutyEverySec) >= O.DutyOnSec - 1e-3;
      if (Pause)
        S.setSampling(false);
      if (llvm::Error E = writeWindow(false)) {
        cleanupChild();
        return std::move(E);
      }
      Sampling = !Pause;
    }
    if (!Sampling && std::fmod(secondsSince(RunStart), O.DutyEverySec) < O.DutyOnSec) {
      S.setSampling(true);
      Sampling = true;
      WinStart = Clock::now();
      WinStartWall = std::chrono::system_clock::now();
      WinCpuStart = cpuSeconds();
    }
  }
  if (Child > 0) { // stopped by a signal or the duration: stop the command too
    kill(Child, SIGTERM);
    int Status;
    waitpid(Child, &Status, 0);
    Result.CommandExit = WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
  }
  S.setSampling(false);
  if (llvm::Error E = writeWindow(true))
    return std::move(E);
  return Result;
}

std::vector<std::string> spoolWindows(llvm::StringRef Dir) {
  std::vector<std::string> Out;
  for (SpoolFile &F : listSpool(Dir.str()))
    Out.push_back(std::move(F.Path));
  return Out;
}

llvm::Expected<WindowReport> replayThroughRing(llvm::StringRef PerfData, const AgentOptions &O) {
  // The file's attrs first (a header-only read), then its kernel records.
  struct HeaderOnly : perf::PerfVisitor {};
  HeaderOnly HV;
  perf::PerfHeader H;
  perf::ReadStats RS;
  perf::ReadOptions RO;
  RO.RawRecord = [](const char *, uint16_t) { return true; };
  if (llvm::Error E = perf::readPerfData(PerfData, HV, RO, H, RS))
    return std::move(E);
  Pipeline Pl(O, H.Attrs, PerfData);
  Pl.importer().header().BuildIds = H.BuildIds;
  Pl.importer().header().Hostname = H.Hostname;
  Pl.importer().header().OsRelease = H.OsRelease;
  Pl.start();

  // Records enter a small ring as the kernel writes them; the ring is read
  // when full; FINISHED_ROUND ends a round, as it does for perf.
  MemoryRing Ring(64 << 10);
  std::vector<char> Scratch;
  auto drain = [&] {
    drainRing(Ring.view(), Scratch, [&](const char *R, uint16_t Sz) { Pl.fromRing(R, Sz); });
  };
  struct RoundVisitor : perf::PerfVisitor {
    std::function<void()> OnRound;
    void onFinishedRound() override { OnRound(); }
  } RV;
  RV.OnRound = [&] {
    drain();
    Pl.endRound();
  };
  RO.RawRecord = [&](const char *R, uint16_t Size) {
    if (!Ring.push(R, Size)) {
      drain();
      Ring.push(R, Size);
    }
    return true;
  };
  perf::PerfHeader H2;
  if (llvm::Error E = perf::readPerfData(PerfData, RV, RO, H2, RS))
    return std::move(E);
  drain();
  Pl.flushAll();
  ImportSummary Sum;
  llvm::Expected<Profile> P = Pl.importer().takeProfile(Sum);
  if (!P)
    return P.takeError();
  WindowReport R;
  R.Samples = Sum.SamplesUsed;
  R.Path = O.Output;
  R.Warnings = Sum.Warnings;
  if (llvm::Error E = writeProfileFile(*P, O.Output))
    return std::move(E);
  return R;
}

} // namespace pgoctl::collect
