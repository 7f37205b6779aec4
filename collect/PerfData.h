// collect/PerfData.h: the decoded shapes of a perf.data file.
//
// These are pgoctl's own names for what linux/perf_event.h and perf's
// tools/perf/util/header.h define on disk: record types, sample_type bits,
// feature ids, and the structs the reader hands to its visitor. Nothing here
// reads bytes; collect/PerfReader.cpp does. Pointers in the structs point into
// the reader's buffer and are valid only during the visitor call.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace pgoctl::perf {

// perf_event_header.type: kernel records, then perf tool records (>= 64).
enum RecordType : uint32_t {
  kMmap = 1, kLost = 2, kComm = 3, kExit = 4, kThrottle = 5, kUnthrottle = 6,
  kFork = 7, kRead = 8, kSample = 9, kMmap2 = 10, kAux = 11, kItraceStart = 12,
  kLostSamples = 13, kSwitch = 14, kSwitchCpuWide = 15, kNamespaces = 16,
  kKsymbol = 17, kBpfEvent = 18, kCgroup = 19, kTextPoke = 20, kAuxOutputHwId = 21,
  kHeaderAttr = 64, kHeaderEventType = 65, kHeaderTracingData = 66,
  kHeaderBuildId = 67, kFinishedRound = 68, kIdIndex = 69, kAuxtraceInfo = 70,
  kAuxtrace = 71, kAuxtraceError = 72, kThreadMap = 73, kCpuMap = 74,
  kStatConfig = 75, kStat = 76, kStatRound = 77, kEventUpdate = 78,
  kTimeConv = 79, kHeaderFeature = 80, kCompressed = 81, kFinishedInit = 82,
};
llvm::StringRef recordTypeName(uint32_t Type);

// perf_event_attr.sample_type bits.
enum SampleTypeBit : uint64_t {
  kSampleIp = 1u << 0, kSampleTid = 1u << 1, kSampleTime = 1u << 2,
  kSampleAddr = 1u << 3, kSampleRead = 1u << 4, kSampleCallchain = 1u << 5,
  kSampleId = 1u << 6, kSampleCpu = 1u << 7, kSamplePeriod = 1u << 8,
  kSampleStreamId = 1u << 9, kSampleRaw = 1u << 10, kSampleBranchStack = 1u << 11,
  kSampleRegsUser = 1u << 12, kSampleStackUser = 1u << 13, kSampleWeight = 1u << 14,
  kSampleDataSrc = 1u << 15, kSampleIdentifier = 1u << 16,
  kSampleTransaction = 1u << 17, kSampleRegsIntr = 1u << 18,
  kSamplePhysAddr = 1u << 19, kSampleAux = 1u << 20, kSampleCgroup = 1u << 21,
  kSampleDataPageSize = 1u << 22, kSampleCodePageSize = 1u << 23,
  kSampleWeightStruct = 1u << 24,
};
// branch_sample_type bits we interpret.
inline constexpr uint64_t kBranchHwIndex = 1u << 17;
inline constexpr uint64_t kBranchCounters = 1u << 19;
// read_format bits.
inline constexpr uint64_t kReadTotalTimeEnabled = 1, kReadTotalTimeRunning = 2,
                          kReadId = 4, kReadGroup = 8, kReadLost = 16;
// perf_event_header.misc.
inline constexpr uint16_t kMiscCpumodeMask = 7;
inline constexpr uint16_t kMiscKernel = 1, kMiscUser = 2, kMiscHypervisor = 3,
                          kMiscGuestKernel = 4, kMiscGuestUser = 5;
inline constexpr uint16_t kMiscCommExec = 1u << 13;
inline constexpr uint16_t kMiscMmapBuildId = 1u << 14;
inline constexpr uint16_t kMiscBuildIdSize = 1u << 15; // in BUILD_ID entries
// Call chain context markers (PERF_CONTEXT_*), at the top of the u64 range.
inline constexpr uint64_t kContextMax = uint64_t(-4095);

// Header feature bits (HEADER_* in perf's header.h).
enum Feature : unsigned {
  kFeatTracingData = 1, kFeatBuildId = 2, kFeatHostname = 3, kFeatOsRelease = 4,
  kFeatVersion = 5, kFeatArch = 6, kFeatNrCpus = 7, kFeatCpuDesc = 8,
  kFeatCpuId = 9, kFeatTotalMem = 10, kFeatCmdline = 11, kFeatEventDesc = 12,
  kFeatCpuTopology = 13, kFeatNumaTopology = 14, kFeatBranchStack = 15,
  kFeatPmuMappings = 16, kFeatGroupDesc = 17, kFeatAuxtrace = 18, kFeatStat = 19,
  kFeatCache = 20, kFeatSampleTime = 21, kFeatMemTopology = 22, kFeatClockId = 23,
  kFeatDirFormat = 24, kFeatBpfProgInfo = 25, kFeatBpfBtf = 26,
  kFeatCompressed = 27, kFeatCpuPmuCaps = 28, kFeatClockData = 29,
  kFeatHybridTopology = 30, kFeatPmuCaps = 31, kFeatLast = 256,
};

/// One event of the recording (a perf_event_attr plus its name and ids).
struct EventAttr {
  uint32_t Type = 0;
  uint32_t Size = 0;
  uint64_t Config = 0;
  uint64_t SamplePeriod = 0; ///< or frequency when Freq
  uint64_t SampleType = 0;
  uint64_t ReadFormat = 0;
  uint64_t Flags = 0; ///< the bitfield word (disabled, inherit, ..., freq, ...)
  uint64_t BranchSampleType = 0;
  uint64_t SampleRegsUser = 0;
  uint32_t SampleStackUser = 0;
  uint64_t SampleRegsIntr = 0;
  std::string Name; ///< from EVENT_DESC / EVENT_UPDATE, else derived
  std::vector<uint64_t> Ids;

  bool freq() const { return (Flags >> 10) & 1; }
  bool sampleIdAll() const { return (Flags >> 18) & 1; }
  bool excludeKernel() const { return (Flags >> 5) & 1; }
  bool excludeUser() const { return (Flags >> 4) & 1; }
};

/// A name for an attr without EVENT_DESC, spelled as `perf record -e` takes it
/// (cycles, cpu-clock, r20c4, ...).
std::string defaultEventName(const EventAttr &A);

/// One LBR entry exactly as on disk.
struct BranchEntry {
  uint64_t From, To, Flags;
  bool mispred() const { return Flags & 1; }
  bool predicted() const { return (Flags >> 1) & 1; }
  bool inTx() const { return (Flags >> 2) & 1; }
  bool abort() const { return (Flags >> 3) & 1; }
  unsigned cycles() const { return (Flags >> 4) & 0xffff; }
  unsigned type() const { return (Flags >> 20) & 0xf; }
};
static_assert(sizeof(BranchEntry) == 24);

/// A decoded PERF_RECORD_SAMPLE. Fields absent from sample_type are zero.
struct Sample {
  const EventAttr *Attr = nullptr;
  uint64_t FileOffset = 0; ///< of the record, for messages
  uint16_t Misc = 0;
  uint64_t Ip = 0;
  uint32_t Pid = 0, Tid = 0;
  uint64_t Time = 0;
  uint64_t Addr = 0;
  uint64_t Id = 0;
  uint64_t StreamId = 0;
  uint32_t Cpu = 0;
  uint64_t Period = 0;
  uint64_t Weight = 0;
  uint64_t DataSrc = 0;
  uint64_t PhysAddr = 0;
  /// Call chain including PERF_CONTEXT_* markers, as the kernel wrote it
  /// (read entries with callchain(i): the bytes may be unaligned).
  const char *CallchainRaw = nullptr;
  uint64_t CallchainLen = 0;
  /// Branch stack, newest first. Unaligned-safe: entries are copied out by
  /// branch(i); BranchesRaw points at the bytes.
  const char *BranchesRaw = nullptr;
  uint64_t NumBranches = 0;
  bool HasHwIndex = false;
  uint64_t HwIndex = 0;

  uint16_t cpumode() const { return Misc & kMiscCpumodeMask; }
  // Inline: import calls them once per LBR entry and call-chain frame.
  BranchEntry branch(uint64_t I) const {
    BranchEntry E;
    std::memcpy(&E, BranchesRaw + 24 * I, 24);
    return E;
  }
  uint64_t callchain(uint64_t I) const {
    uint64_t V;
    std::memcpy(&V, CallchainRaw + 8 * I, 8);
    return V;
  }
};

struct MmapEvent {
  uint32_t Pid = 0, Tid = 0;
  uint64_t Start = 0, Len = 0, Pgoff = 0;
  uint32_t Prot = 0, MapFlags = 0; ///< MMAP2 only
  bool IsMmap2 = false;
  bool Executable = true; ///< false for data mmaps (PERF_RECORD_MISC_MMAP_DATA)
  std::string BuildId;    ///< raw bytes, MMAP2 with build-id only
  llvm::StringRef Filename;
  uint16_t Misc = 0;
  uint64_t Time = 0; ///< from sample_id, 0 if absent
};

struct CommEvent {
  uint32_t Pid = 0, Tid = 0;
  llvm::StringRef Comm;
  bool Exec = false;
  uint64_t Time = 0;
};

struct ForkExitEvent {
  bool IsFork = true;
  uint32_t Pid = 0, Ppid = 0, Tid = 0, Ptid = 0;
  uint64_t Time = 0;
};

struct BuildIdEntry {
  int32_t Pid = 0;
  std::string BuildId; ///< raw bytes
  std::string Filename;
  uint16_t Misc = 0;
};

/// What the file header and feature sections say about the recording.
struct PerfHeader {
  bool PipeMode = false;
  uint64_t FileSize = 0;
  uint64_t DataOffset = 0, DataSize = 0;
  std::vector<EventAttr> Attrs;
  std::vector<BuildIdEntry> BuildIds;
  std::string Hostname, OsRelease, PerfVersion, Arch, CpuDesc, CpuId;
  std::vector<std::string> Cmdline;
  uint32_t NrCpusAvailable = 0, NrCpusOnline = 0;
  uint64_t FeatureBits[4] = {0, 0, 0, 0};
  bool hasFeature(unsigned F) const { return (FeatureBits[F / 64] >> (F % 64)) & 1; }
};

/// Counters of what the reader saw, for --stats and the import summary.
struct ReadStats {
  uint64_t Bytes = 0;
  uint64_t Records = 0;
  /// Input position (1-based count of records) of the record being
  /// delivered to the visitor: with ReadOptions::Ordered records arrive in
  /// time order, not input order, and this orders equal times as the input.
  uint64_t Seq = 0;
  uint64_t Samples = 0;
  std::vector<uint64_t> SamplesPerAttr; ///< index: PerfHeader::Attrs
  uint64_t RecordsByType[128] = {};
  uint64_t UnknownRecords = 0;
  /// MMAP2 records flagged as carrying a build-id whose build-id part is not
  /// one (size over 20 or reserved bytes set: the kernel leaked the flag from
  /// another event onto maj/min/ino); read as records without a build-id.
  uint64_t BogusMmapBuildIds = 0;
  /// Samples of a guest machine (cpumode guest kernel or guest user, from a
  /// KVM host's recording): their addresses are the guest's, so they are
  /// counted here and not delivered, as perf script skips them without
  /// --guest.
  uint64_t GuestSamples = 0;
  uint64_t Lost = 0;        ///< events lost (PERF_RECORD_LOST)
  uint64_t LostSamples = 0; ///< PERF_RECORD_LOST_SAMPLES
  uint64_t Throttles = 0;   ///< PERF_RECORD_THROTTLE
  uint64_t DamagedBytes = 0;///< dropped after damage with keep-going
  uint64_t FirstTime = 0, LastTime = 0;
  /// ReadOptions::Ordered: FINISHED_ROUND records seen, records delivered
  /// after newer ones (too late for the reorder window), and times the
  /// window was full and delivered its older half.
  uint64_t Rounds = 0, LateRecords = 0, HalfFlushes = 0;
  bool Ordered = false; ///< records were delivered in time order
};

} // namespace pgoctl::perf
