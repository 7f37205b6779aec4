// tests/unit/PerfDataBuilder.cpp: the test-only perf.data writer (see the
// header). Numbers (record types, sample_type bits, feature ids, struct
// layouts) are spelled out here from the kernel's and perf's documentation on
// purpose, instead of being taken from collect/PerfData.h.
#include "PerfDataBuilder.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <cstring>
#include <unistd.h>
#include <zstd.h>

namespace pgoctl::testing {

namespace {

// include/uapi/linux/perf_event.h: enum perf_event_sample_format.
enum : uint64_t {
  IP = 1u << 0, TID = 1u << 1, TIME = 1u << 2, ADDR = 1u << 3, READ = 1u << 4,
  CALLCHAIN = 1u << 5, ID = 1u << 6, CPU = 1u << 7, PERIOD = 1u << 8,
  STREAM_ID = 1u << 9, RAW = 1u << 10, BRANCH_STACK = 1u << 11,
  REGS_USER = 1u << 12, STACK_USER = 1u << 13, WEIGHT = 1u << 14,
  DATA_SRC = 1u << 15, IDENTIFIER = 1u << 16, TRANSACTION = 1u << 17,
  REGS_INTR = 1u << 18, PHYS_ADDR = 1u << 19, AUX = 1u << 20, CGROUP = 1u << 21,
  DATA_PAGE_SIZE = 1u << 22, CODE_PAGE_SIZE = 1u << 23, WEIGHT_STRUCT = 1u << 24,
};
constexpr uint64_t kBranchHwIndexBit = 1u << 17; // PERF_SAMPLE_BRANCH_HW_INDEX

// Record types (kernel, then perf's user records).
enum : uint32_t {
  MMAP = 1, LOST = 2, COMM = 3, EXIT = 4, FORK = 7, MMAP2 = 10, LOST_SAMPLES = 13,
  SAMPLE = 9, HEADER_ATTR = 64, HEADER_BUILD_ID = 67, FINISHED_ROUND = 68,
  AUXTRACE = 71, EVENT_UPDATE = 78, HEADER_FEATURE = 80, COMPRESSED = 81,
};
// perf's header.h feature ids.
enum : unsigned { FEAT_BUILD_ID = 2, FEAT_HOSTNAME = 3, FEAT_OSRELEASE = 4,
                  FEAT_CMDLINE = 11, FEAT_EVENT_DESC = 12 };

constexpr uint16_t kMiscMmapBuildId = 1u << 14;
constexpr uint16_t kMiscCommExec = 1u << 13;
constexpr uint16_t kMiscBuildIdSize = 1u << 15;
constexpr size_t kFileHeader = 104, kPipeHeader = 16;
constexpr uint64_t kMagic = 0x32454c4946524550ULL; // "PERFILE2"

size_t align8(size_t N) { return (N + 7) & ~size_t(7); }

} // namespace

ByteWriter &ByteWriter::cstr(llvm::StringRef S, size_t Align) {
  size_t N = S.size() + 1;
  N = (N + Align - 1) / Align * Align;
  bytes(S);
  return zeros(N - S.size());
}

ByteWriter &ByteWriter::perfString(llvm::StringRef S) {
  uint32_t Len = uint32_t((S.size() + 1 + 63) / 64 * 64);
  u32(Len);
  bytes(S);
  return zeros(Len - S.size());
}

std::string encodeAttr(const AttrSpec &A) {
  // struct perf_event_attr, PERF_ATTR_SIZE_VER7 (128 bytes).
  ByteWriter W;
  W.u32(A.Type).u32(kAttrSize).u64(A.Config).u64(A.SamplePeriod).u64(A.SampleType)
      .u64(A.ReadFormat).u64(A.Flags);
  W.u32(0).u32(0);        // wakeup_events, bp_type
  W.u64(0).u64(0);        // config1, config2
  W.u64(A.BranchSampleType).u64(A.SampleRegsUser).u32(A.SampleStackUser);
  W.u32(0);               // clockid
  W.u64(A.SampleRegsIntr);
  W.u32(0).u16(0).u16(0); // aux_watermark, sample_max_stack, __reserved_2
  W.u32(0).u32(0);        // aux_sample_size, __reserved_3
  W.u64(0);               // sig_data
  assert(W.size() == kAttrSize);
  return W.str();
}

std::string encodeSample(const AttrSpec &A, const SampleFields &S) {
  uint64_t T = A.SampleType;
  ByteWriter W;
  if (T & IDENTIFIER) W.u64(S.Id);
  if (T & IP) W.u64(S.Ip);
  if (T & TID) W.u32(S.Pid).u32(S.Tid);
  if (T & TIME) W.u64(S.Time);
  if (T & ADDR) W.u64(S.Addr);
  if (T & ID) W.u64(S.Id);
  if (T & STREAM_ID) W.u64(S.StreamId);
  if (T & CPU) W.u32(S.Cpu).u32(0);
  if (T & PERIOD) W.u64(S.Period);
  if (T & READ)
    for (uint64_t V : S.ReadWords) W.u64(V);
  if (T & CALLCHAIN) {
    W.u64(S.Callchain.size());
    for (uint64_t V : S.Callchain) W.u64(V);
  }
  if (T & RAW) W.u32(uint32_t(S.Raw.size())).bytes(S.Raw);
  if (T & BRANCH_STACK) {
    W.u64(S.Branches.size());
    if (A.BranchSampleType & kBranchHwIndexBit) W.u64(S.HwIndex.value_or(0));
    for (const LbrEntry &E : S.Branches) W.u64(E.From).u64(E.To).u64(E.Flags);
  }
  if (T & REGS_USER) {
    W.u64(S.RegsUserAbi);
    if (S.RegsUserAbi)
      for (uint64_t V : S.RegsUser) W.u64(V);
  }
  if (T & STACK_USER) {
    W.u64(S.StackUser.size());
    if (!S.StackUser.empty()) W.bytes(S.StackUser).u64(S.StackDynSize);
  }
  if (T & (WEIGHT | WEIGHT_STRUCT)) W.u64(S.Weight);
  if (T & DATA_SRC) W.u64(S.DataSrc);
  if (T & TRANSACTION) W.u64(S.Transaction);
  if (T & REGS_INTR) {
    W.u64(S.RegsIntrAbi);
    if (S.RegsIntrAbi)
      for (uint64_t V : S.RegsIntr) W.u64(V);
  }
  if (T & PHYS_ADDR) W.u64(S.PhysAddr);
  if (T & CGROUP) W.u64(S.Cgroup);
  if (T & DATA_PAGE_SIZE) W.u64(S.DataPageSize);
  if (T & CODE_PAGE_SIZE) W.u64(S.CodePageSize);
  if (T & AUX) W.u64(S.Aux.size()).bytes(S.Aux);
  return W.str();
}

std::string encodeSampleId(const AttrSpec &A, const SampleIdFields &S) {
  // struct sample_id, as appended to non-sample records.
  uint64_t T = A.SampleType;
  ByteWriter W;
  if (T & TID) W.u32(S.Pid).u32(S.Tid);
  if (T & TIME) W.u64(S.Time);
  if (T & ID) W.u64(S.Id);
  if (T & STREAM_ID) W.u64(S.StreamId);
  if (T & CPU) W.u32(S.Cpu).u32(0);
  if (T & IDENTIFIER) W.u64(S.Id);
  return W.str();
}

std::string encodeRecord(uint32_t Type, uint16_t Misc, llvm::StringRef Body) {
  assert(Body.size() + 8 <= 65535);
  ByteWriter W;
  W.u32(Type).u16(Misc).u16(uint16_t(Body.size() + 8)).bytes(Body);
  return W.str();
}

std::vector<std::string> zstdPieces(llvm::StringRef Data, llvm::ArrayRef<size_t> Cuts) {
  ZSTD_CCtx *C = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(C, ZSTD_c_compressionLevel, 3);
  std::vector<std::string> Pieces;
  size_t Begin = 0;
  for (size_t I = 0; I <= Cuts.size(); ++I) {
    size_t End = I < Cuts.size() ? Cuts[I] : Data.size();
    bool Last = I == Cuts.size();
    std::string Out;
    ZSTD_inBuffer In{Data.data() + Begin, End - Begin, 0};
    std::vector<char> Buf(ZSTD_CStreamOutSize());
    for (;;) {
      ZSTD_outBuffer O{Buf.data(), Buf.size(), 0};
      size_t Left = ZSTD_compressStream2(C, &O, &In, Last ? ZSTD_e_end : ZSTD_e_flush);
      assert(!ZSTD_isError(Left));
      Out.append(Buf.data(), O.pos);
      if (Left == 0 && In.pos == In.size)
        break;
    }
    Pieces.push_back(std::move(Out));
    Begin = End;
  }
  ZSTD_freeCCtx(C);
  return Pieces;
}

size_t PerfDataBuilder::addAttr(AttrSpec A) {
  Attrs.push_back(std::move(A));
  return Attrs.size() - 1;
}

size_t PerfDataBuilder::addRecord(uint32_t Type, uint16_t Misc, llvm::StringRef Body) {
  return addRawRecord(encodeRecord(Type, Misc, Body));
}

size_t PerfDataBuilder::addRawRecord(std::string Bytes) {
  Records.push_back(std::move(Bytes));
  return Records.size() - 1;
}

size_t PerfDataBuilder::addSample(const SampleFields &S, size_t Attr, uint16_t Misc) {
  return addRecord(SAMPLE, Misc, encodeSample(Attrs[Attr], S));
}

size_t PerfDataBuilder::addMmap(uint32_t Pid, uint64_t Start, uint64_t Len, uint64_t Pgoff,
                                llvm::StringRef File, const SampleIdFields *Id,
                                size_t Attr, uint16_t Misc) {
  ByteWriter W;
  W.u32(Pid).u32(Pid).u64(Start).u64(Len).u64(Pgoff).cstr(File);
  if (Id) W.bytes(encodeSampleId(Attrs[Attr], *Id));
  return addRecord(MMAP, Misc, W.str());
}

size_t PerfDataBuilder::addMmap2(uint32_t Pid, uint64_t Start, uint64_t Len, uint64_t Pgoff,
                                 llvm::StringRef File, uint32_t Prot,
                                 llvm::StringRef BuildId, const SampleIdFields *Id,
                                 size_t Attr) {
  ByteWriter W;
  W.u32(Pid).u32(Pid).u64(Start).u64(Len).u64(Pgoff);
  uint16_t Misc = 2;
  if (!BuildId.empty()) {
    assert(BuildId.size() <= 20);
    Misc |= kMiscMmapBuildId;
    // u8 build_id_size, u8 __reserved_1, u16 __reserved_2, u8 build_id[20]
    W.u8(uint8_t(BuildId.size())).u8(0).u16(0).bytes(BuildId).zeros(20 - BuildId.size());
  } else {
    W.u32(0xfe).u32(0x01).u64(123456).u64(7); // maj, min, ino, ino_generation
  }
  W.u32(Prot).u32(2 /*MAP_PRIVATE*/).cstr(File);
  if (Id) W.bytes(encodeSampleId(Attrs[Attr], *Id));
  return addRecord(MMAP2, Misc, W.str());
}

size_t PerfDataBuilder::addComm(uint32_t Pid, uint32_t Tid, llvm::StringRef Comm, bool Exec,
                                const SampleIdFields *Id, size_t Attr) {
  ByteWriter W;
  W.u32(Pid).u32(Tid).cstr(Comm);
  if (Id) W.bytes(encodeSampleId(Attrs[Attr], *Id));
  return addRecord(COMM, Exec ? kMiscCommExec : 0, W.str());
}

size_t PerfDataBuilder::addFork(uint32_t Pid, uint32_t Ppid, uint32_t Tid, uint32_t Ptid,
                                uint64_t Time) {
  ByteWriter W;
  W.u32(Pid).u32(Ppid).u32(Tid).u32(Ptid).u64(Time);
  return addRecord(FORK, 0, W.str());
}

size_t PerfDataBuilder::addExit(uint32_t Pid, uint32_t Ppid, uint32_t Tid, uint32_t Ptid,
                                uint64_t Time) {
  ByteWriter W;
  W.u32(Pid).u32(Ppid).u32(Tid).u32(Ptid).u64(Time);
  return addRecord(EXIT, 0, W.str());
}

size_t PerfDataBuilder::addLost(uint64_t Id, uint64_t Lost) {
  ByteWriter W;
  W.u64(Id).u64(Lost);
  return addRecord(LOST, 0, W.str());
}

size_t PerfDataBuilder::addLostSamples(uint64_t Lost) {
  ByteWriter W;
  W.u64(Lost);
  return addRecord(LOST_SAMPLES, 0, W.str());
}

size_t PerfDataBuilder::addFinishedRound() { return addRecord(FINISHED_ROUND, 0, ""); }

size_t PerfDataBuilder::addAuxtrace(llvm::StringRef Payload) {
  // struct perf_record_auxtrace: size, offset, reference, idx, tid, cpu, reserved.
  ByteWriter W;
  W.u64(Payload.size()).u64(0).u64(0x1234).u32(0).u32(42).u32(1).u32(0);
  std::string R = encodeRecord(AUXTRACE, 0, W.str());
  R += Payload.str();
  return addRawRecord(std::move(R));
}

size_t PerfDataBuilder::compress(size_t First, size_t Last, llvm::ArrayRef<size_t> Cuts) {
  std::string Plain;
  for (size_t I = First; I < Last; ++I)
    Plain += Records[I];
  std::vector<std::string> Out;
  for (const std::string &P : zstdPieces(Plain, Cuts)) {
    // Large pieces become several records; the stream continues across them.
    for (size_t Off = 0; Off < P.size() || (P.empty() && Off == 0); Off += 60000) {
      Out.push_back(encodeRecord(COMPRESSED, 0, llvm::StringRef(P).substr(Off, 60000)));
      if (P.empty())
        break;
    }
  }
  Records.erase(Records.begin() + ptrdiff_t(First), Records.begin() + ptrdiff_t(Last));
  Records.insert(Records.begin() + ptrdiff_t(First), Out.begin(), Out.end());
  return Out.size();
}

void PerfDataBuilder::addBuildId(int32_t Pid, std::string Id, std::string File,
                                 bool WithSize, uint16_t Misc) {
  BuildIds.push_back({Pid, std::move(Id), std::move(File), WithSize, Misc});
}

std::string PerfDataBuilder::dataBytes() const {
  std::string D;
  for (const std::string &R : Records)
    D += R;
  return D;
}

uint64_t PerfDataBuilder::dataOffsetOf(size_t I) const {
  uint64_t Off = 0;
  for (size_t J = 0; J < I; ++J)
    Off += Records[J].size();
  return Off;
}

std::string PerfDataBuilder::buildIdSection() const {
  // struct build_id_event: header, pid, build_id[24], filename (NAME_ALIGN).
  ByteWriter W;
  for (const BuildIdEntry &B : BuildIds) {
    ByteWriter E;
    E.u32(B.Pid);
    E.bytes(B.Id).zeros(20 - B.Id.size());
    E.u8(B.WithSize ? uint8_t(B.Id.size()) : 0).zeros(3);
    E.cstr(B.File, 64);
    uint16_t Misc = B.Misc | (B.WithSize ? kMiscBuildIdSize : 0);
    W.bytes(encodeRecord(HEADER_BUILD_ID, Misc, E.str()));
  }
  return W.str();
}

std::string PerfDataBuilder::eventDescSection() const {
  // u32 nr, u32 attr_size, then per event: attr, u32 nr_ids, string, ids.
  ByteWriter W;
  W.u32(uint32_t(Attrs.size())).u32(kAttrSize);
  for (const AttrSpec &A : Attrs) {
    W.bytes(encodeAttr(A)).u32(uint32_t(A.Ids.size())).perfString(A.Name);
    for (uint64_t Id : A.Ids) W.u64(Id);
  }
  return W.str();
}

std::string PerfDataBuilder::cmdlineSection() const {
  ByteWriter W;
  W.u32(uint32_t(Cmdline.size()));
  for (const std::string &S : Cmdline) W.perfString(S);
  return W.str();
}

uint64_t PerfDataBuilder::fileDataOffset() const {
  // Header, attr entries (attr + ids section), then every attr's ids.
  uint64_t Off = kFileHeader + Attrs.size() * (kAttrSize + 16);
  for (const AttrSpec &A : Attrs)
    Off += 8 * A.Ids.size();
  return align8(Off);
}

uint64_t PerfDataBuilder::fileDataSize() const { return dataBytes().size(); }

uint64_t PerfDataBuilder::recordOffset(size_t I, bool Pipe) const {
  if (!Pipe)
    return fileDataOffset() + dataOffsetOf(I);
  // Pipe mode: header records come first (see pipeMode()).
  std::string P = pipeMode();
  return P.size() - dataBytes().size() + dataOffsetOf(I);
}

std::string PerfDataBuilder::fileMode() const {
  const uint64_t AttrsOff = kFileHeader, EntrySize = kAttrSize + 16;
  uint64_t IdsOff = AttrsOff + Attrs.size() * EntrySize;
  const uint64_t DataOff = fileDataOffset();
  const std::string Data = dataBytes();

  // Feature sections, in ascending feature order.
  std::vector<std::pair<unsigned, std::string>> Feats;
  if (!BuildIds.empty()) Feats.push_back({FEAT_BUILD_ID, buildIdSection()});
  if (!Hostname.empty()) {
    ByteWriter W;
    Feats.push_back({FEAT_HOSTNAME, W.perfString(Hostname).str()});
  }
  if (!OsRelease.empty()) {
    ByteWriter W;
    Feats.push_back({FEAT_OSRELEASE, W.perfString(OsRelease).str()});
  }
  if (!Cmdline.empty()) Feats.push_back({FEAT_CMDLINE, cmdlineSection()});
  bool Named = false;
  for (const AttrSpec &A : Attrs)
    Named |= !A.Name.empty();
  if (Named) Feats.push_back({FEAT_EVENT_DESC, eventDescSection()});

  uint64_t Bits[4] = {0, 0, 0, 0};
  for (const auto &F : Feats)
    Bits[F.first / 64] |= uint64_t(1) << (F.first % 64);

  ByteWriter W;
  W.u64(kMagic).u64(kFileHeader).u64(EntrySize);
  W.u64(AttrsOff).u64(Attrs.size() * EntrySize);
  W.u64(DataOff).u64(Data.size());
  W.u64(0).u64(0); // event_types
  for (uint64_t B : Bits) W.u64(B);
  for (const AttrSpec &A : Attrs) {
    W.bytes(encodeAttr(A)).u64(IdsOff).u64(8 * A.Ids.size());
    IdsOff += 8 * A.Ids.size();
  }
  for (const AttrSpec &A : Attrs)
    for (uint64_t Id : A.Ids) W.u64(Id);
  W.zeros(DataOff - W.size());
  W.bytes(Data);
  uint64_t SecOff = W.size() + 16 * Feats.size();
  for (const auto &F : Feats) {
    W.u64(SecOff).u64(F.second.size());
    SecOff += F.second.size();
  }
  for (const auto &F : Feats) W.bytes(F.second);
  return W.str();
}

std::string PerfDataBuilder::pipeMode() const {
  ByteWriter W;
  W.u64(kMagic).u64(kPipeHeader);
  for (const AttrSpec &A : Attrs) {
    ByteWriter B;
    B.bytes(encodeAttr(A));
    for (uint64_t Id : A.Ids) B.u64(Id);
    W.bytes(encodeRecord(HEADER_ATTR, 0, B.str()));
  }
  for (const AttrSpec &A : Attrs) {
    if (A.Name.empty() || A.Ids.empty())
      continue;
    ByteWriter B; // struct perf_record_event_update, PERF_EVENT_UPDATE__NAME = 2
    B.u64(2).u64(A.Ids[0]).cstr(A.Name);
    W.bytes(encodeRecord(EVENT_UPDATE, 0, B.str()));
  }
  auto Feature = [&](unsigned Id, const std::string &Bytes) {
    ByteWriter B;
    B.u64(Id).bytes(Bytes);
    W.bytes(encodeRecord(HEADER_FEATURE, 0, B.str()));
  };
  if (!Hostname.empty()) {
    ByteWriter S;
    Feature(FEAT_HOSTNAME, S.perfString(Hostname).str());
  }
  if (!OsRelease.empty()) {
    ByteWriter S;
    Feature(FEAT_OSRELEASE, S.perfString(OsRelease).str());
  }
  if (!Cmdline.empty()) Feature(FEAT_CMDLINE, cmdlineSection());
  if (!BuildIds.empty()) W.bytes(buildIdSection()); // HEADER_BUILD_ID records
  W.bytes(dataBytes());
  return W.str();
}

TempFile::TempFile(llvm::StringRef Bytes, llvm::StringRef Suffix) {
  llvm::SmallString<128> P;
  int FD;
  if (llvm::sys::fs::createTemporaryFile("pgoctl-unit", Suffix, FD, P))
    return;
  llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
  OS << Bytes;
  OS.close();
  Path = std::string(P);
}

TempFile::~TempFile() {
  if (!Path.empty())
    ::unlink(Path.c_str());
}

} // namespace pgoctl::testing
