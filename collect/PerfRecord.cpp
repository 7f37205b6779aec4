// collect/PerfRecord.cpp: decoding one kernel record (see PerfRecord.h).
// Formats: linux include/uapi/linux/perf_event.h.
#include "collect/PerfRecord.h"
#include "collect/PerfBytes.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

namespace pgoctl::perf {

using namespace detail;

namespace {
RecordDecoder::Result fail(std::string &Why, std::string Msg) {
  Why = std::move(Msg);
  return RecordDecoder::Result::Damaged;
}

/// Number of u64s a read_format block takes.
uint64_t readFormatWords(uint64_t RF, Cursor &C) {
  uint64_t PerValue = 1 + ((RF & kReadId) ? 1 : 0) + ((RF & kReadLost) ? 1 : 0);
  uint64_t Times = ((RF & kReadTotalTimeEnabled) ? 1 : 0) +
                   ((RF & kReadTotalTimeRunning) ? 1 : 0);
  if (!(RF & kReadGroup))
    return PerValue + Times;
  uint64_t Nr = C.u64();
  if (Nr > (1u << 16)) {
    C.Bad = true;
    return 0;
  }
  return Times + Nr * PerValue; // nr itself already consumed
}
} // namespace

void RecordDecoder::addAttr(EventAttr A) {
  unsigned Index = unsigned(H.Attrs.size());
  for (uint64_t Id : A.Ids)
    if (!reservedId(Id))
      IdToAttr[Id] = Index;
  H.Attrs.push_back(std::move(A));
}

const EventAttr *RecordDecoder::attrById(uint64_t Id) const {
  if (reservedId(Id))
    return nullptr;
  auto It = IdToAttr.find(Id);
  return It == IdToAttr.end() ? nullptr : &H.Attrs[It->second];
}

// With several events, a record's attr is found by its id: the first u64 of a
// sample with PERF_SAMPLE_IDENTIFIER, else at the fixed position the first
// attr's sample_type gives (perf requires all attrs to agree on it).
const EventAttr *RecordDecoder::attrForSample(const char *Body, size_t Len, bool *UnknownId) const {
  if (UnknownId)
    *UnknownId = false;
  if (H.Attrs.size() == 1)
    return &H.Attrs[0];
  uint64_t ST = H.Attrs[0].SampleType;
  size_t Pos;
  if (ST & kSampleIdentifier)
    Pos = 0;
  else if (ST & kSampleId)
    Pos = 8 * (((ST & kSampleIp) ? 1 : 0) + ((ST & kSampleTid) ? 1 : 0) +
               ((ST & kSampleTime) ? 1 : 0) + ((ST & kSampleAddr) ? 1 : 0));
  else
    return &H.Attrs[0];
  if (Pos + 8 > Len)
    return nullptr;
  const EventAttr *A = attrById(ld64(Body + Pos));
  if (!A && UnknownId)
    *UnknownId = true;
  return A;
}

const EventAttr *RecordDecoder::attrForSideband(const char *Body, size_t Len) const {
  if (H.Attrs.size() <= 1)
    return H.Attrs.empty() ? nullptr : &H.Attrs[0];
  const EventAttr &A0 = H.Attrs[0];
  if (!A0.sampleIdAll())
    return &A0;
  uint64_t ST = A0.SampleType;
  size_t FromEnd;
  if (ST & kSampleIdentifier)
    FromEnd = 8;
  else if (ST & kSampleId)
    FromEnd = 8 * (1 + ((ST & kSampleCpu) ? 1 : 0) + ((ST & kSampleStreamId) ? 1 : 0));
  else
    return &A0;
  if (FromEnd > Len)
    return &A0;
  const EventAttr *A = attrById(ld64(Body + Len - FromEnd));
  return A ? A : &A0;
}

uint64_t RecordDecoder::sidebandTime(const char *Body, size_t Len, const EventAttr *A) const {
  if (!A || !A->sampleIdAll() || !(A->SampleType & kSampleTime))
    return 0;
  uint64_t ST = A->SampleType;
  size_t After = ((ST & kSampleIdentifier) ? 1 : 0) + ((ST & kSampleCpu) ? 1 : 0) +
                 ((ST & kSampleStreamId) ? 1 : 0) + ((ST & kSampleId) ? 1 : 0);
  size_t FromEnd = 8 * (After + 1);
  return FromEnd <= Len ? ld64(Body + Len - FromEnd) : 0;
}

RecordDecoder::Result RecordDecoder::decodeSample(const char *R, uint16_t Size, uint64_t Offset,
                                                  std::string &Why) {
  const char *Body = R + 8;
  size_t Len = Size - 8u;
  Sample Smp;
  bool UnknownId = false;
  Smp.Attr = attrForSample(Body, Len, &UnknownId);
  if (!Smp.Attr)
    return fail(Why, UnknownId ? "its event id belongs to no event attribute of the file"
                            : "too short to hold its event id");
  Smp.FileOffset = Offset;
  Smp.Misc = ld16(R + 4);
  const EventAttr &A = *Smp.Attr;
  uint64_t ST = A.SampleType;
  Cursor C(Body, Body + Len);
  if (ST & kSampleIdentifier)
    Smp.Id = C.u64();
  if (ST & kSampleIp)
    Smp.Ip = C.u64();
  if (ST & kSampleTid) {
    Smp.Pid = C.u32();
    Smp.Tid = C.u32();
  }
  if (ST & kSampleTime)
    Smp.Time = C.u64();
  if (ST & kSampleAddr)
    Smp.Addr = C.u64();
  if (ST & kSampleId)
    Smp.Id = C.u64();
  if (ST & kSampleStreamId)
    Smp.StreamId = C.u64();
  if (ST & kSampleCpu) {
    Smp.Cpu = C.u32();
    C.u32();
  }
  Smp.Period = A.freq() ? 0 : A.SamplePeriod;
  if (ST & kSamplePeriod)
    Smp.Period = C.u64();
  if (ST & kSampleRead) {
    uint64_t Words = readFormatWords(A.ReadFormat, C);
    C.take(Words * 8);
  }
  if (ST & kSampleCallchain) {
    uint64_t Nr = C.u64();
    if (Nr > C.left() / 8)
      return fail(Why, llvm::formatv("call chain of {0} entries exceeds the record", Nr).str());
    Smp.CallchainLen = Nr;
    Smp.CallchainRaw = C.take(Nr * 8);
  }
  if (ST & kSampleRaw) {
    uint32_t RawSize = C.u32();
    C.take(RawSize);
  }
  if (ST & kSampleBranchStack) {
    uint64_t Nr = C.u64();
    if (A.BranchSampleType & kBranchHwIndex) {
      Smp.HasHwIndex = true;
      Smp.HwIndex = C.u64();
    }
    if (Nr > C.left() / 24)
      return fail(Why, llvm::formatv("branch stack of {0} entries exceeds the record", Nr).str());
    Smp.NumBranches = Nr;
    Smp.BranchesRaw = C.take(Nr * 24);
    if (A.BranchSampleType & kBranchCounters)
      C.take(Nr * 8);
  }
  if (ST & kSampleRegsUser) {
    uint64_t Abi = C.u64();
    if (Abi)
      C.take(8 * uint64_t(__builtin_popcountll(A.SampleRegsUser)));
  }
  if (ST & kSampleStackUser) {
    uint64_t StackSize = C.u64();
    if (StackSize) {
      C.take(StackSize);
      C.u64(); // dyn_size
    }
  }
  if (ST & (kSampleWeight | kSampleWeightStruct))
    Smp.Weight = C.u64();
  if (ST & kSampleDataSrc)
    Smp.DataSrc = C.u64();
  if (ST & kSampleTransaction)
    C.u64();
  if (ST & kSampleRegsIntr) {
    uint64_t Abi = C.u64();
    if (Abi)
      C.take(8 * uint64_t(__builtin_popcountll(A.SampleRegsIntr)));
  }
  if (ST & kSamplePhysAddr)
    Smp.PhysAddr = C.u64();
  if (ST & kSampleCgroup)
    C.u64();
  if (ST & kSampleDataPageSize)
    C.u64();
  if (ST & kSampleCodePageSize)
    C.u64();
  if (ST & kSampleAux) {
    uint64_t AuxSize = C.u64();
    C.take(AuxSize);
  }
  if (C.Bad)
    return fail(Why, llvm::formatv("{0} bytes are too short for sample_type {1:x}", Size, ST)
                      .str());
  if (uint16_t Mode = Smp.cpumode(); Mode == kMiscGuestKernel || Mode == kMiscGuestUser) {
    ++S.GuestSamples; // a virtual machine's addresses, not this host's
    return Result::Done;
  }
  ++S.Samples;
  countSample(Smp.Attr);
  if (Smp.Time) {
    if (!S.FirstTime || Smp.Time < S.FirstTime)
      S.FirstTime = Smp.Time;
    S.LastTime = std::max(S.LastTime, Smp.Time);
  }
  V.onSample(Smp);
  return Result::Done;
}

uint64_t RecordDecoder::recordTime(const char *R, uint16_t Size) const {
  uint32_t Type = ld32(R);
  const char *Body = R + 8;
  size_t Len = Size - 8u;
  if (H.Attrs.empty())
    return 0;
  if (Type == kSample) {
    const EventAttr *A = attrForSample(Body, Len);
    if (!A || !(A->SampleType & kSampleTime))
      return 0;
    uint64_t ST = A->SampleType;
    size_t Pos = 8 * (((ST & kSampleIdentifier) ? 1 : 0) + ((ST & kSampleIp) ? 1 : 0) +
                      ((ST & kSampleTid) ? 1 : 0));
    return Pos + 8 <= Len ? ld64(Body + Pos) : 0;
  }
  if (Type == kFork || Type == kExit)
    return Len >= 24 ? ld64(Body + 16) : 0;
  if (Type >= 64)
    return 0;
  return sidebandTime(Body, Len, attrForSideband(Body, Len));
}

RecordDecoder::Result RecordDecoder::decode(const char *R, uint16_t Size, uint64_t Offset,
                                            std::string &Why) {
  uint32_t Type = ld32(R);
  uint16_t Misc = ld16(R + 4);
  const char *Body = R + 8;
  size_t Len = Size - 8u;
  Cursor C(Body, Body + Len);
  auto Truncated = [&] { return fail(Why, llvm::formatv("{0} bytes is too short", Size).str()); };
  switch (Type) {
  case kSample:
    if (SkipSamples) {
      ++S.Samples;
      if (const EventAttr *A = attrForSample(Body, Len))
        countSample(A);
      return Result::Done;
    }
    return decodeSample(R, Size, Offset, Why);
  case kMmap:
  case kMmap2: {
    MmapEvent E;
    E.IsMmap2 = Type == kMmap2;
    E.Misc = Misc;
    E.Pid = C.u32();
    E.Tid = C.u32();
    E.Start = C.u64();
    E.Len = C.u64();
    E.Pgoff = C.u64();
    if (E.IsMmap2) {
      const char *Id = C.take(24);
      if (Id && (Misc & kMiscMmapBuildId)) {
        // u8 size, u8 + u16 reserved (zero), then up to 20 bytes.
        if (uint8_t(Id[0]) <= 20 && !Id[1] && !Id[2] && !Id[3])
          E.BuildId.assign(Id + 4, uint8_t(Id[0]));
        else
          ++S.BogusMmapBuildIds;
      }
      E.Prot = C.u32();
      E.MapFlags = C.u32();
      E.Executable = (E.Prot & 4) != 0; // PROT_EXEC
    } else {
      E.Executable = !(Misc & (1u << 13)); // PERF_RECORD_MISC_MMAP_DATA
    }
    if (C.Bad)
      return Truncated();
    E.Filename = llvm::StringRef(C.P, strnlen(C.P, C.left()));
    E.Time = sidebandTime(Body, Len, attrForSideband(Body, Len));
    V.onMmap(E);
    return Result::Done;
  }
  case kComm: {
    CommEvent E;
    E.Pid = C.u32();
    E.Tid = C.u32();
    if (C.Bad)
      return Truncated();
    E.Comm = llvm::StringRef(C.P, strnlen(C.P, C.left()));
    E.Exec = Misc & kMiscCommExec;
    E.Time = sidebandTime(Body, Len, attrForSideband(Body, Len));
    V.onComm(E);
    return Result::Done;
  }
  case kFork:
  case kExit: {
    ForkExitEvent E;
    E.IsFork = Type == kFork;
    E.Pid = C.u32();
    E.Ppid = C.u32();
    E.Tid = C.u32();
    E.Ptid = C.u32();
    E.Time = C.u64();
    if (C.Bad)
      return Truncated();
    V.onForkExit(E);
    return Result::Done;
  }
  case kLost: {
    C.u64(); // id
    uint64_t N = C.u64();
    if (C.Bad)
      return Truncated();
    S.Lost += N;
    V.onLost(N, false);
    return Result::Done;
  }
  case kLostSamples: {
    uint64_t N = C.u64();
    if (C.Bad)
      return Truncated();
    S.LostSamples += N;
    V.onLost(N, true);
    return Result::Done;
  }
  case kThrottle:
  case kUnthrottle:
    if (Type == kThrottle)
      ++S.Throttles;
    V.onThrottle(Type == kThrottle);
    return Result::Done;
  case kRead: case kAux: case kItraceStart:
  case kSwitch: case kSwitchCpuWide: case kNamespaces: case kKsymbol:
  case kBpfEvent: case kCgroup: case kTextPoke: case kAuxOutputHwId:
    return Result::Done; // known; nothing we need
  default:
    if (Type >= 64)
      return Result::NotKernel;
    ++S.UnknownRecords;
    return Result::Done;
  }
}

} // namespace pgoctl::perf
