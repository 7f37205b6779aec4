// perf.data layout, following tools/perf/Documentation/perf.data-file-format.txt
// and include/uapi/linux/perf_event.h:
//   [header 104 B][attr + ids section][data records][feature index][features]
#include "PerfDataWriter.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cerrno>
#include <cstring>
#include <linux/perf_event.h>
#include <sys/utsname.h>
#include <unistd.h>

using namespace llvm;

namespace lbremu {

namespace {

struct FileSection {
  uint64_t Offset, Size;
};

struct FileHeader {
  uint64_t Magic;
  uint64_t Size;
  uint64_t AttrSize;
  FileSection Attrs, Data, EventTypes;
  uint64_t Features[4];
};
static_assert(sizeof(FileHeader) == 104, "perf file header is 104 bytes");

enum Feature : unsigned {
  FeatBuildId = 2,
  FeatHostname = 3,
  FeatOsRelease = 4,
  FeatVersion = 5,
  FeatArch = 6,
  FeatNrCpus = 7,
  FeatCpuDesc = 8,
  FeatCpuId = 9,
  FeatTotalMem = 10,
  FeatCmdLine = 11,
  FeatEventDesc = 12,
  FeatBranchStack = 15,
};

constexpr uint64_t IpSampleType =
    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD;
constexpr uint16_t MiscUser = PERF_RECORD_MISC_USER;
constexpr uint16_t MiscBuildIdSize = 1 << 15; // PERF_RECORD_MISC_BUILD_ID_SIZE
constexpr size_t NameAlign = 64;

// Growing byte buffer for feature bodies.
struct Bytes {
  std::vector<uint8_t> B;
  void put(const void *P, size_t N) {
    auto *C = static_cast<const uint8_t *>(P);
    B.insert(B.end(), C, C + N);
  }
  template <class T> void put(const T &V) { put(&V, sizeof(V)); }
  void zeros(size_t N) { B.insert(B.end(), N, 0); }
  // perf_header_string: u32 len (padded to 64) + NUL-padded chars.
  void str(StringRef S) {
    uint32_t Len = uint32_t(alignTo(S.size() + 1, NameAlign));
    put(Len);
    put(S.data(), S.size());
    zeros(Len - S.size());
  }
};

perf_event_attr makeAttr(const PerfDataConfig &C) {
  perf_event_attr A;
  memset(&A, 0, sizeof(A));
  A.type = PERF_TYPE_HARDWARE;
  A.size = sizeof(A);
  A.sample_period = C.Period;
  A.sample_type = IpSampleType;
  if (C.Event == SampledEvent::Branches) {
    A.config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS;
    A.sample_type |= PERF_SAMPLE_BRANCH_STACK;
    A.branch_sample_type = PERF_SAMPLE_BRANCH_USER | PERF_SAMPLE_BRANCH_ANY;
  } else {
    A.config = PERF_COUNT_HW_INSTRUCTIONS;
    A.precise_ip = 2;
    if (C.CallChains)
      A.sample_type |= PERF_SAMPLE_CALLCHAIN;
  }
  A.disabled = 1;
  A.inherit = 1;
  A.exclude_kernel = 1;
  A.exclude_hv = 1;
  A.mmap = 1;
  A.comm = 1;
  A.task = 1;
  A.enable_on_exec = 1;
  A.sample_id_all = 1;
  A.exclude_guest = 1;
  A.mmap2 = 1;
  A.comm_exec = 1;
  return A;
}

std::string readFirstLine(const char *Path, StringRef Key) {
  auto Buf = MemoryBuffer::getFileAsStream(Path);
  if (!Buf)
    return "";
  SmallVector<StringRef, 0> Lines;
  (*Buf)->getBuffer().split(Lines, '\n');
  for (StringRef L : Lines)
    if (L.starts_with(Key)) {
      auto V = L.split(':').second.trim();
      return V.str();
    }
  return "";
}

} // namespace

Expected<std::unique_ptr<PerfDataWriter>>
PerfDataWriter::create(const PerfDataConfig &C) {
  std::unique_ptr<PerfDataWriter> W(new PerfDataWriter(C));
  W->TmpPath = C.Path + ".tmp";
  W->F = fopen(W->TmpPath.c_str(), "wb");
  if (!W->F)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot create " + W->TmpPath + ": " +
                                 strerror(errno));
  setvbuf(W->F, nullptr, _IOFBF, 1 << 20);
  // Placeholder header, then the single attr entry (no ids).
  FileHeader H{};
  W->put(H);
  perf_event_attr A = makeAttr(C);
  W->put(A);
  FileSection Ids{0, 0};
  W->put(Ids);
  W->DataStart = sizeof(FileHeader) + sizeof(A) + sizeof(Ids);
  W->DataSize = 0;
  return std::move(W);
}

PerfDataWriter::~PerfDataWriter() {
  if (F)
    abandon();
}

void PerfDataWriter::abandon() {
  if (F) {
    fclose(F);
    F = nullptr;
  }
  unlink(TmpPath.c_str());
}

void PerfDataWriter::put(const void *P, size_t N) {
  if (fwrite(P, 1, N, F) != N)
    WriteFailed = true;
}

void PerfDataWriter::putSampleId(pid_t Pid, uint64_t Time) {
  uint32_t PidTid[2] = {uint32_t(Pid), uint32_t(Pid)};
  put(PidTid);
  put(Time);
}

void PerfDataWriter::comm(pid_t Pid, StringRef Name, bool Exec,
                          uint64_t Time) {
  size_t NameLen = alignTo(std::min<size_t>(Name.size(), 15) + 1, 8);
  perf_event_header H;
  H.type = PERF_RECORD_COMM;
  H.misc = MiscUser | (Exec ? PERF_RECORD_MISC_COMM_EXEC : 0);
  H.size = uint16_t(sizeof(H) + 8 + NameLen + 16);
  put(H);
  uint32_t PidTid[2] = {uint32_t(Pid), uint32_t(Pid)};
  put(PidTid);
  char Buf[24] = {};
  memcpy(Buf, Name.data(), std::min<size_t>(Name.size(), 15));
  put(Buf, NameLen);
  putSampleId(Pid, Time);
  DataSize += H.size;
}

void PerfDataWriter::mmap2(pid_t Pid, const Mapping &M, uint64_t Time) {
  size_t NameLen = alignTo(M.Path.size() + 1, 8);
  perf_event_header H;
  H.type = PERF_RECORD_MMAP2;
  H.misc = MiscUser;
  bool WithBuildId = !M.BuildId.empty() && M.BuildId.size() <= 20;
  if (WithBuildId)
    H.misc |= PERF_RECORD_MISC_MMAP_BUILD_ID;
  // pid,tid + addr,len,pgoff + 24-byte union + prot,flags + name + sample_id
  size_t Size = sizeof(H) + 8 + 24 + 24 + 8 + NameLen + 16;
  H.size = uint16_t(Size);
  put(H);
  uint32_t PidTid[2] = {uint32_t(Pid), uint32_t(Pid)};
  put(PidTid);
  uint64_t Geo[3] = {M.Start, M.End - M.Start, M.PgOff};
  put(Geo);
  uint8_t Union[24] = {};
  if (WithBuildId) {
    Union[0] = uint8_t(M.BuildId.size());
    memcpy(Union + 4, M.BuildId.data(), M.BuildId.size());
  } else {
    uint32_t MajMin[2] = {M.Major, M.Minor};
    memcpy(Union, MajMin, 8);
    memcpy(Union + 8, &M.Inode, 8);
  }
  put(Union);
  uint32_t ProtFlags[2] = {5 /*PROT_READ|PROT_EXEC*/, 2 /*MAP_PRIVATE*/};
  put(ProtFlags);
  std::vector<char> Name(NameLen, 0);
  memcpy(Name.data(), M.Path.data(), M.Path.size());
  put(Name.data(), NameLen);
  putSampleId(Pid, Time);
  DataSize += Size;
}

void PerfDataWriter::sample(pid_t Pid, uint64_t Ip, uint64_t Time,
                            ArrayRef<BranchPair> Branches, ArrayRef<uint64_t> Chain) {
  perf_event_header H;
  H.type = PERF_RECORD_SAMPLE;
  H.misc = MiscUser;
  bool Stack = Cfg.Event == SampledEvent::Branches;
  bool Calls = !Stack && Cfg.CallChains;
  size_t Size = sizeof(H) + 8 + 8 + 8 + 8 + (Stack ? 8 + Branches.size() * 24 : 0) +
                (Calls ? 8 + Chain.size() * 8 : 0);
  H.size = uint16_t(Size);
  put(H);
  put(Ip);
  uint32_t PidTid[2] = {uint32_t(Pid), uint32_t(Pid)};
  put(PidTid);
  put(Time);
  put(Cfg.Period);
  if (!Stack) {
    if (Calls) {
      put(uint64_t(Chain.size()));
      put(Chain.data(), Chain.size() * 8);
    }
    DataSize += Size;
    return;
  }
  uint64_t Nr = Branches.size();
  put(Nr);
  for (const BranchPair &B : Branches) {
    // perf_branch_entry flags: bit 0 mispred, bit 1 predicted.
    uint64_t E[3] = {B.From, B.To, 2};
    put(E);
  }
  DataSize += Size;
}

void PerfDataWriter::exit(pid_t Pid, uint64_t Time) {
  perf_event_header H;
  H.type = PERF_RECORD_EXIT;
  H.misc = MiscUser;
  H.size = uint16_t(sizeof(H) + 16 + 8 + 16);
  put(H);
  uint32_t Ids[4] = {uint32_t(Pid), uint32_t(getpid()), uint32_t(Pid),
                     uint32_t(getpid())};
  put(Ids);
  put(Time);
  putSampleId(Pid, Time);
  DataSize += H.size;
}

Error PerfDataWriter::finish(
    const std::map<std::string, std::vector<uint8_t>> &BuildIds) {
  std::map<unsigned, Bytes> Feat;

  Bytes &BI = Feat[FeatBuildId];
  for (auto &[Path, Id] : BuildIds) {
    if (Id.empty() || Id.size() > 20)
      continue;
    size_t NameLen = alignTo(Path.size() + 1, NameAlign);
    perf_event_header H;
    H.type = 0;
    H.misc = MiscUser | MiscBuildIdSize;
    H.size = uint16_t(sizeof(H) + 4 + 24 + NameLen);
    BI.put(H);
    int32_t Pid = -1; // host machine
    BI.put(Pid);
    uint8_t Id24[24] = {};
    memcpy(Id24, Id.data(), Id.size());
    Id24[20] = uint8_t(Id.size());
    BI.put(Id24);
    BI.put(Path.data(), Path.size());
    BI.zeros(NameLen - Path.size());
  }

  struct utsname U;
  uname(&U);
  Feat[FeatHostname].str(U.nodename);
  Feat[FeatOsRelease].str(U.release);
  Feat[FeatVersion].str("6.1.lbr-emu");
  Feat[FeatArch].str(U.machine);
  uint32_t Cpus = uint32_t(sysconf(_SC_NPROCESSORS_ONLN));
  Feat[FeatNrCpus].put(Cpus);
  Feat[FeatNrCpus].put(Cpus);
  std::string Model = readFirstLine("/proc/cpuinfo", "model name");
  Feat[FeatCpuDesc].str(Model.empty() ? "unknown" : Model);
  std::string Vendor = readFirstLine("/proc/cpuinfo", "vendor_id");
  std::string Family = readFirstLine("/proc/cpuinfo", "cpu family");
  std::string ModelNr = readFirstLine("/proc/cpuinfo", "model\t");
  std::string Stepping = readFirstLine("/proc/cpuinfo", "stepping");
  // Same shape as perf's x86 get_cpuid(): vendor,family,model,stepping.
  Feat[FeatCpuId].str(Vendor + "," + Family + "," + ModelNr + "," + Stepping);
  uint64_t MemKb = uint64_t(sysconf(_SC_PHYS_PAGES)) *
                   uint64_t(sysconf(_SC_PAGESIZE)) / 1024;
  Feat[FeatTotalMem].put(MemKb);
  Bytes &CL = Feat[FeatCmdLine];
  CL.put(uint32_t(Cfg.CmdLine.size()));
  for (const std::string &A : Cfg.CmdLine)
    CL.str(A);
  Bytes &ED = Feat[FeatEventDesc];
  perf_event_attr A = makeAttr(Cfg);
  ED.put(uint32_t(1));
  ED.put(uint32_t(sizeof(A)));
  ED.put(A);
  ED.put(uint32_t(0)); // no ids
  bool Branches = Cfg.Event == SampledEvent::Branches;
  ED.str(Branches ? "branches:u" : "instructions:upp");  // perf record -e, -g or not
  if (Branches)
    Feat[FeatBranchStack]; // present, empty

  // Feature index then bodies, right after the data section.
  uint64_t IndexOff = DataStart + DataSize;
  uint64_t BodyOff = IndexOff + Feat.size() * sizeof(FileSection);
  FileHeader H{};
  for (auto &[Bit, B] : Feat) {
    FileSection S{BodyOff, B.B.size()};
    put(S);
    BodyOff += B.B.size();
    H.Features[Bit / 64] |= uint64_t(1) << (Bit % 64);
  }
  for (auto &[Bit, B] : Feat)
    put(B.B.data(), B.B.size());

  memcpy(&H.Magic, "PERFILE2", 8);
  H.Size = sizeof(FileHeader);
  H.AttrSize = sizeof(perf_event_attr) + sizeof(FileSection);
  H.Attrs = {sizeof(FileHeader), H.AttrSize};
  H.Data = {DataStart, DataSize};
  H.EventTypes = {0, 0};
  if (fseek(F, 0, SEEK_SET) != 0)
    WriteFailed = true;
  put(H);
  bool CloseFailed = fclose(F) != 0;
  F = nullptr;
  if (WriteFailed || CloseFailed) {
    unlink(TmpPath.c_str());
    return createStringError(inconvertibleErrorCode(),
                             "error writing " + TmpPath);
  }
  if (rename(TmpPath.c_str(), Cfg.Path.c_str()) != 0) {
    int E = errno;
    unlink(TmpPath.c_str());
    return createStringError(std::error_code(E, std::generic_category()),
                             "cannot rename " + TmpPath + " to " + Cfg.Path);
  }
  return Error::success();
}

} // namespace lbremu
