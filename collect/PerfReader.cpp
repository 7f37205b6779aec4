// collect/PerfReader.cpp: the streaming perf.data decoder.
//
// Passes:
//   1. header: magic, file or pipe mode (perf_file_header / perf_pipe_file_header)
//   2. attrs and their ids (file mode; pipe mode gets HEADER_ATTR records)
//   3. feature sections after the data section (file mode; pipe mode gets
//      HEADER_FEATURE records)
//   4. the record stream, through a fixed buffer, decoded record by record
// Formats: linux include/uapi/linux/perf_event.h and perf's
// Documentation/perf.data-file-format.txt.
#include "collect/PerfReader.h"
#include "collect/PerfBytes.h"
#include "collect/PerfRecord.h"
#include "collect/Reorder.h"
#include "core/Support.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

namespace pgoctl::perf {

namespace {

using namespace detail;

constexpr uint64_t kMagic2 = 0x32454c4946524550ULL;        // "PERFILE2"
constexpr uint64_t kMagic2Swapped = 0x50455246494c4532ULL; // big-endian writer
constexpr uint64_t kMagic1 = 0x454c494646524550ULL;        // "PERFFILE"
constexpr size_t kFileHeaderSize = 104;
constexpr size_t kPipeHeaderSize = 16;
constexpr size_t kMaxRecord = 65535; // perf_event_header.size is a u16

// ld16/ld32/ld64 and Cursor come from collect/PerfBytes.h.

const char *const kTypeNames[] = {
    "UNKNOWN0", "MMAP", "LOST", "COMM", "EXIT", "THROTTLE", "UNTHROTTLE", "FORK",
    "READ", "SAMPLE", "MMAP2", "AUX", "ITRACE_START", "LOST_SAMPLES", "SWITCH",
    "SWITCH_CPU_WIDE", "NAMESPACES", "KSYMBOL", "BPF_EVENT", "CGROUP", "TEXT_POKE",
    "AUX_OUTPUT_HW_ID"};
const char *const kUserTypeNames[] = {
    "HEADER_ATTR", "HEADER_EVENT_TYPE", "HEADER_TRACING_DATA", "HEADER_BUILD_ID",
    "FINISHED_ROUND", "ID_INDEX", "AUXTRACE_INFO", "AUXTRACE", "AUXTRACE_ERROR",
    "THREAD_MAP", "CPU_MAP", "STAT_CONFIG", "STAT", "STAT_ROUND", "EVENT_UPDATE",
    "TIME_CONV", "HEADER_FEATURE", "COMPRESSED", "FINISHED_INIT"};

/// Decodes a perf_event_attr of Size bytes (fields past Size stay zero).
EventAttr decodeAttr(const char *P, size_t Size) {
  char Buf[256] = {};
  memcpy(Buf, P, std::min(Size, sizeof(Buf)));
  EventAttr A;
  A.Type = ld32(Buf + 0);
  A.Size = ld32(Buf + 4);
  A.Config = ld64(Buf + 8);
  A.SamplePeriod = ld64(Buf + 16);
  A.SampleType = ld64(Buf + 24);
  A.ReadFormat = ld64(Buf + 32);
  A.Flags = ld64(Buf + 40);
  A.BranchSampleType = ld64(Buf + 72);
  A.SampleRegsUser = ld64(Buf + 80);
  A.SampleStackUser = ld32(Buf + 88);
  A.SampleRegsIntr = ld64(Buf + 96);
  return A;
}


class Reader {
public:
  Reader(InputFile &In, PerfVisitor &V, const ReadOptions &O, PerfHeader &H,
         ReadStats &S)
      : In(In), Path(In.path()), V(V), Opts(O), H(H), S(S) {}
  ~Reader() {
    llvm::consumeError(std::move(QueueError));
    if (Queue && InChunk)
      Queue->releaseChunk(ChunkId);
    if (ZD)
      ZSTD_freeDStream(ZD);
  }

  llvm::Error run();

private:
  // -- input
  llvm::Error open();
  llvm::Error preadExact(uint64_t Off, void *Dst, size_t N, const char *What);
  /// Ensures at least N bytes are buffered from the current position; returns
  /// the number available (less than N only at end of input).
  llvm::Expected<size_t> fill(size_t N);
  llvm::Error skipInput(uint64_t N, uint64_t Offset, uint32_t Type);

  // -- header
  llvm::Error readFileHeader();
  llvm::Error readFeatures(uint64_t Offset);
  void parseFeature(unsigned Feat, const char *P, size_t Size);
  void addAttr(EventAttr A);
  void finishHeader();

  // -- records
  llvm::Error stream();
  /// Reads and dispatches one record; sets Done at the end of the input.
  llvm::Error step(uint64_t Total, bool &Done);
  llvm::Error dispatch(const char *R, uint16_t Size, uint64_t Offset, bool Nested);
  llvm::Error decompress(const char *Payload, size_t N, uint64_t Offset);
  llvm::Error damage(uint64_t Offset, uint32_t Type, const std::string &Msg);
  /// Ordered reading: a record from the reorder queue to the decoder.
  void deliverQueued(const char *R, uint16_t Size, uint64_t Seq, uint64_t Offset);
  struct QueuedSink {
    Reader *Rd;
    void operator()(const char *R, uint16_t Size, uint64_t Seq, uint64_t Offset) const {
      Rd->deliverQueued(R, Size, Seq, Offset);
    }
  } Sink{this};
  Reorderer::DeliverFn queuedFn() { return Sink; }
  llvm::Error takeQueueError() {
    llvm::Error E = std::move(QueueError);
    QueueError = llvm::Error::success();
    return E;
  }
  InputFile &In;
  std::string Path;
  PerfVisitor &V;
  const ReadOptions &Opts;
  PerfHeader &H;
  ReadStats &S;

  int FD = -1;
  bool Seekable = false;
  uint64_t StreamBegin = 0, StreamEnd = UINT64_MAX;
  // The bytes of the stream, read() into a buffer: Buf for the header and
  // for input in input order; for input in time order, chunks of the reorder
  // queue (Reorderer::acquireChunk), so that queued records need no copy.
  // Neither is zero-filled: only bytes read into them are ever looked at.
  // (Not mmap: on this kind of VM, touching a mapped page cache costs four
  // times what read() into a cached buffer does; see bench/ingest.md.)
  std::unique_ptr<char[]> Buf;
  size_t BufCap = 0;
  char *Base = nullptr; ///< Base[BufPos, BufLen) are valid bytes
  size_t BaseCap = 0;   ///< bytes Base can hold
  size_t BufPos = 0, BufLen = 0;
  uint64_t BufOffset = 0; ///< file offset of Base[BufPos]
  bool InChunk = false;   ///< Base is the queue's chunk ChunkId
  uint32_t ChunkId = 0;
  uint64_t NextProgress = 0;

  RecordDecoder Dec{H, S, V};
  /// Set once the header shows every record has a time (ReadOptions::Ordered).
  std::unique_ptr<Reorderer> Queue;
  llvm::Error QueueError = llvm::Error::success();
  bool QueueStopped = false; ///< a queued record was damaged (keep-going)
  uint64_t StopSeq = 0;      ///< its input position: later ones are dropped
  bool HeaderSent = false;
  bool Stopped = false; ///< keep-going stop after damage
  ZSTD_DStream *ZD = nullptr;
  std::vector<char> Decomp;
  size_t DecompLen = 0;
};

llvm::Error Reader::open() {
  FD = In.fd();
  // Room for a partial record plus a whole one, whatever the option says.
  BufCap = std::max(Opts.BufferBytes, 2 * (kMaxRecord + 1));
  Buf = std::make_unique_for_overwrite<char[]>(BufCap);
  struct stat St;
  if (In.isRegular() && fstat(FD, &St) == 0) {
    // Each pass reads the file from its start, through this descriptor.
    Seekable = true;
    H.FileSize = uint64_t(St.st_size);
    if (::lseek(FD, 0, SEEK_SET) < 0)
      return makeError("{0}: cannot seek: {1}", Path, strerror(errno));
    posix_fadvise(FD, 0, 0, POSIX_FADV_SEQUENTIAL);
  } else {
    // A stream: the bytes the opener sniffed come first.
    llvm::StringRef Head = In.unreadHead();
    memcpy(Buf.get(), Head.data(), Head.size());
    BufLen = Head.size();
    In.consumeHead();
  }
  Base = Buf.get();
  BaseCap = BufCap;
  return llvm::Error::success();
}

llvm::Error Reader::preadExact(uint64_t Off, void *Dst, size_t N, const char *What) {
  char *P = static_cast<char *>(Dst);
  size_t Done = 0;
  while (Done < N) {
    ssize_t R = ::pread(FD, P + Done, N - Done, off_t(Off + Done));
    if (R < 0 && errno == EINTR)
      continue;
    if (R < 0)
      return makeError("{0}: offset {1}: reading {2}: {3}", Path, Off, What,
                       strerror(errno));
    if (R == 0)
      return makeError("{0}: offset {1}: truncated: {2} needs {3} bytes, file has {4}",
                       Path, Off, What, N, H.FileSize);
    Done += size_t(R);
  }
  return llvm::Error::success();
}

llvm::Expected<size_t> Reader::fill(size_t N) {
  size_t Avail = BufLen - BufPos;
  if (Avail >= N)
    return Avail;
  // No room for N bytes after BufPos, or records now go to the queue: the
  // partial record moves to the start of a new chunk, or of Buf.
  if (BufPos + N > BaseCap || (Queue && !InChunk)) {
    if (Queue) {
      Reorderer::ReadChunk C = Queue->acquireChunk();
      memcpy(C.Data, Base + BufPos, Avail);
      if (InChunk)
        Queue->releaseChunk(ChunkId); // its queued records keep it alive
      Base = C.Data;
      BaseCap = C.Size;
      ChunkId = C.Id;
      InChunk = true;
    } else {
      memmove(Buf.get(), Base + BufPos, Avail);
      Base = Buf.get();
      BaseCap = BufCap;
    }
    BufPos = 0;
    BufLen = Avail;
  }
  while (BufLen - BufPos < N) {
    uint64_t FileEnd = BufOffset + (BufLen - BufPos); // offset of the next byte to read
    size_t Want = BaseCap - BufLen;
    if (StreamEnd != UINT64_MAX)
      Want = size_t(std::min<uint64_t>(Want, StreamEnd - FileEnd));
    if (Want == 0)
      break;
    ssize_t R = ::read(FD, Base + BufLen, Want);
    if (R < 0 && errno == EINTR)
      continue;
    if (R < 0)
      return makeError("{0}: offset {1}: read failed: {2}", Path, FileEnd,
                       strerror(errno));
    if (R == 0)
      break;
    BufLen += size_t(R);
  }
  return BufLen - BufPos;
}

llvm::Error Reader::skipInput(uint64_t N, uint64_t Offset, uint32_t Type) {
  size_t Avail = BufLen - BufPos;
  if (Seekable && N > Avail) {
    // A file: seek past what is not buffered rather than read it.
    if (BufOffset + N > std::min(StreamEnd, H.FileSize))
      return damage(Offset, Type,
                    llvm::formatv("payload of {0} bytes runs past the end of the input", N).str());
    BufOffset += N;
    BufPos = BufLen;
    if (::lseek(FD, off_t(BufOffset), SEEK_SET) < 0)
      return makeError("{0}: offset {1}: cannot seek: {2}", Path, BufOffset, strerror(errno));
    return llvm::Error::success();
  }
  size_t FromBuf = size_t(std::min<uint64_t>(N, Avail));
  BufPos += FromBuf;
  BufOffset += FromBuf;
  N -= FromBuf;
  while (N > 0) {
    llvm::Expected<size_t> A = fill(1);
    if (!A)
      return A.takeError();
    if (*A == 0)
      return damage(Offset, Type, llvm::formatv("payload of {0} bytes runs past the end of the input", N).str());
    size_t K = size_t(std::min<uint64_t>(N, *A));
    BufPos += K;
    BufOffset += K;
    N -= K;
  }
  return llvm::Error::success();
}

llvm::Error Reader::damage(uint64_t Offset, uint32_t Type, const std::string &Msg) {
  std::string Full =
      llvm::formatv("offset {0} ({1:x}): {2}: {3}", Offset, Offset,
                    Type == 0 ? std::string("data section")
                              : (recordTypeName(Type) + " record").str(),
                    Msg)
          .str();
  if (!Opts.KeepGoing)
    return makeError("{0}: {1}", Path, Full);
  uint64_t Dropped = 0;
  if (StreamEnd != UINT64_MAX && StreamEnd > Offset)
    Dropped = StreamEnd - Offset;
  else if (H.FileSize > Offset)
    Dropped = H.FileSize - Offset;
  S.DamagedBytes += Dropped;
  Stopped = true;
  V.onDamage(Offset, Full, Dropped);
  return llvm::Error::success();
}

void Reader::addAttr(EventAttr A) { Dec.addAttr(std::move(A)); }

llvm::Error Reader::readFileHeader() {
  char Hdr[kFileHeaderSize] = {};
  llvm::Expected<size_t> Got = fill(kPipeHeaderSize);
  if (!Got)
    return Got.takeError();
  if (*Got < kPipeHeaderSize)
    return makeError("{0}: offset 0: not a perf.data file: only {1} bytes", Path, *Got);
  memcpy(Hdr, Base + BufPos, kPipeHeaderSize);
  uint64_t Magic = ld64(Hdr), HdrSize = ld64(Hdr + 8);
  if (Magic == kMagic2Swapped)
    return makeError("{0}: offset 0: perf.data written on a big-endian machine is not "
                     "supported",
                     Path);
  if (Magic == kMagic1)
    return makeError("{0}: perf.data version 1 (\"PERFFILE\", perf before 2.6.37) "
                     "is not supported",
                     Path);
  if (Magic != kMagic2)
    return makeError("{0}: not a perf.data file (bad magic at offset 0)", Path);

  if (HdrSize == kPipeHeaderSize) { // pipe mode: records follow at once
    H.PipeMode = true;
    BufPos += kPipeHeaderSize;
    BufOffset = kPipeHeaderSize;
    StreamBegin = kPipeHeaderSize;
    return llvm::Error::success();
  }
  if (HdrSize != kFileHeaderSize)
    return makeError("{0}: offset 8: unsupported header size {1} (expected {2} or {3})",
                     Path, HdrSize, kFileHeaderSize, kPipeHeaderSize);
  if (!Seekable)
    return makeError("{0}: a file-mode perf.data cannot be read from a pipe; "
                     "record with `perf record -o -` for pipe mode",
                     Path);
  if (llvm::Error E = preadExact(0, Hdr, kFileHeaderSize, "file header"))
    return E;
  uint64_t AttrSize = ld64(Hdr + 16);
  uint64_t AttrsOff = ld64(Hdr + 24), AttrsSize = ld64(Hdr + 32);
  H.DataOffset = ld64(Hdr + 40);
  H.DataSize = ld64(Hdr + 48);
  for (int I = 0; I < 4; ++I)
    H.FeatureBits[I] = ld64(Hdr + 72 + 8 * I);

  // Attrs: each entry is a perf_event_attr then a perf_file_section of ids.
  if (AttrSize < 16 + 64 || AttrSize > 4096)
    return makeError("{0}: offset 16: implausible attr_size {1}", Path, AttrSize);
  if (AttrsSize % AttrSize != 0 || AttrsSize / AttrSize > 4096 ||
      AttrsOff + AttrsSize > H.FileSize)
    return makeError("{0}: offset 24: attrs section ({1} bytes at {2}) does not fit "
                     "the file ({3} bytes, attr_size {4})",
                     Path, AttrsSize, AttrsOff, H.FileSize, AttrSize);
  std::vector<char> Attrs(AttrsSize);
  if (llvm::Error E = preadExact(AttrsOff, Attrs.data(), AttrsSize, "attrs"))
    return E;
  for (uint64_t Off = 0; Off < AttrsSize; Off += AttrSize) {
    EventAttr A = decodeAttr(Attrs.data() + Off, AttrSize - 16);
    uint64_t IdsOff = ld64(Attrs.data() + Off + AttrSize - 16);
    uint64_t IdsSize = ld64(Attrs.data() + Off + AttrSize - 8);
    if (IdsSize % 8 != 0 || IdsOff + IdsSize > H.FileSize || IdsSize > (64u << 20))
      return makeError("{0}: offset {1}: attr ids section ({2} bytes at {3}) does "
                       "not fit the file",
                       Path, AttrsOff + Off + AttrSize - 16, IdsSize, IdsOff);
    A.Ids.resize(IdsSize / 8);
    if (IdsSize)
      if (llvm::Error E = preadExact(IdsOff, A.Ids.data(), IdsSize, "attr ids"))
        return E;
    addAttr(std::move(A));
  }
  if (H.Attrs.empty())
    return makeError("{0}: no event attributes in the header", Path);

  if (H.DataOffset > H.FileSize)
    return makeError("{0}: offset 40: data section starts at {1}, past the end of "
                     "the file ({2} bytes)",
                     Path, H.DataOffset, H.FileSize);
  if (llvm::Error E = readFeatures(H.DataOffset + H.DataSize))
    return E;

  StreamBegin = H.DataOffset;
  StreamEnd = H.DataOffset + H.DataSize;
  if (::lseek(FD, off_t(StreamBegin), SEEK_SET) < 0)
    return makeError("{0}: cannot seek to the data section: {1}", Path, strerror(errno));
  BufPos = BufLen = 0;
  BufOffset = StreamBegin;
  return llvm::Error::success();
}

llvm::Error Reader::readFeatures(uint64_t Offset) {
  std::vector<unsigned> Feats;
  for (unsigned F = 0; F < kFeatLast; ++F)
    if (H.hasFeature(F))
      Feats.push_back(F);
  if (Feats.empty())
    return llvm::Error::success();
  // The section table may be missing if perf was killed; features are then
  // unknown, not fatal.
  std::vector<char> Table(Feats.size() * 16);
  if (Offset + Table.size() > H.FileSize) {
    memset(H.FeatureBits, 0, sizeof(H.FeatureBits));
    return llvm::Error::success();
  }
  if (llvm::Error E = preadExact(Offset, Table.data(), Table.size(), "feature table"))
    return E;
  for (size_t I = 0; I < Feats.size(); ++I) {
    uint64_t Off = ld64(Table.data() + 16 * I), Size = ld64(Table.data() + 16 * I + 8);
    if (Off + Size > H.FileSize || Size > (256u << 20))
      return makeError("{0}: offset {1}: feature {2} section ({3} bytes at {4}) does "
                       "not fit the file",
                       Path, Offset + 16 * I, Feats[I], Size, Off);
    switch (Feats[I]) {
    case kFeatBuildId: case kFeatHostname: case kFeatOsRelease: case kFeatVersion:
    case kFeatArch: case kFeatNrCpus: case kFeatCpuDesc: case kFeatCpuId:
    case kFeatCmdline: case kFeatEventDesc: {
      std::vector<char> Data(Size);
      if (llvm::Error E = preadExact(Off, Data.data(), Size, "feature section"))
        return E;
      parseFeature(Feats[I], Data.data(), Size);
      break;
    }
    default:
      break; // topology, caches, ...: not needed to read samples
    }
  }
  return llvm::Error::success();
}

void Reader::parseFeature(unsigned Feat, const char *P, size_t Size) {
  Cursor C(P, P + Size);
  switch (Feat) {
  case kFeatHostname: H.Hostname = C.str(); break;
  case kFeatOsRelease: H.OsRelease = C.str(); break;
  case kFeatVersion: H.PerfVersion = C.str(); break;
  case kFeatArch: H.Arch = C.str(); break;
  case kFeatCpuDesc: H.CpuDesc = C.str(); break;
  case kFeatCpuId: H.CpuId = C.str(); break;
  case kFeatNrCpus:
    H.NrCpusAvailable = C.u32();
    H.NrCpusOnline = C.u32();
    break;
  case kFeatCmdline: {
    uint32_t N = C.u32();
    for (uint32_t I = 0; I < N && !C.Bad; ++I)
      H.Cmdline.push_back(C.str());
    break;
  }
  case kFeatEventDesc: {
    uint32_t N = C.u32(), ASize = C.u32();
    for (uint32_t I = 0; I < N && !C.Bad; ++I) {
      const char *AP = C.take(ASize);
      uint32_t NIds = C.u32();
      std::string Name = C.str();
      std::vector<uint64_t> Ids;
      for (uint32_t J = 0; J < NIds && !C.Bad; ++J)
        Ids.push_back(C.u64());
      if (!AP || C.Bad)
        break;
      // Match by id when ids exist, else by position.
      EventAttr *Target = nullptr;
      if (!Ids.empty()) {
        Target = const_cast<EventAttr *>(Dec.attrById(Ids[0]));
      } else if (I < H.Attrs.size()) {
        Target = &H.Attrs[I];
      }
      if (Target)
        Target->Name = Name;
    }
    break;
  }
  case kFeatBuildId: {
    // A run of build_id_event records: header, pid, build_id[24], filename.
    while (C.left() >= 8 && !C.Bad) {
      const char *E = C.P;
      uint16_t Misc = ld16(E + 4), RSize = ld16(E + 6);
      if (RSize < 8 + 4 + 24 || RSize > C.left())
        break;
      BuildIdEntry B;
      B.Misc = Misc;
      B.Pid = int32_t(ld32(E + 8));
      size_t Len = 20;
      if (Misc & kMiscBuildIdSize)
        Len = std::min<size_t>(uint8_t(E[12 + 20]), 20);
      B.BuildId.assign(E + 12, Len);
      if (!(Misc & kMiscBuildIdSize)) // trim zero padding of short ids
        while (B.BuildId.size() > 1 && B.BuildId.back() == '\0')
          B.BuildId.pop_back();
      B.Filename.assign(E + 36, strnlen(E + 36, RSize - 36));
      H.BuildIds.push_back(std::move(B));
      C.P += RSize;
    }
    break;
  }
  default:
    break;
  }
}

void Reader::finishHeader() {
  if (HeaderSent)
    return;
  HeaderSent = true;
  for (EventAttr &A : H.Attrs)
    if (A.Name.empty())
      A.Name = defaultEventName(A);
  // Time order needs a time on every record: samples (TIME) and side-band
  // records (sample_id_all), as perf requires for its ordered events.
  bool Timed = !H.Attrs.empty();
  for (const EventAttr &A : H.Attrs)
    Timed = Timed && (A.SampleType & kSampleTime) && A.sampleIdAll();
  if (Opts.Ordered && Timed) {
    Queue = std::make_unique<Reorderer>(Opts.ReorderBytes, BufCap, Opts.ReorderStartBytes);
    S.Ordered = true;
  }
  V.onHeader(H);
}

llvm::Error Reader::decompress(const char *Payload, size_t N, uint64_t Offset) {
  if (!ZD) {
    ZD = ZSTD_createDStream();
    ZSTD_initDStream(ZD);
    Decomp.resize(1 << 20);
  }
  ZSTD_inBuffer In{Payload, N, 0};
  while (In.pos < In.size) {
    if (Decomp.size() - DecompLen < (256u << 10))
      Decomp.resize(Decomp.size() * 2);
    ZSTD_outBuffer Out{Decomp.data() + DecompLen, Decomp.size() - DecompLen, 0};
    size_t RC = ZSTD_decompressStream(ZD, &Out, &In);
    if (ZSTD_isError(RC))
      return damage(Offset, kCompressed,
                    std::string("zstd: ") + ZSTD_getErrorName(RC));
    DecompLen += Out.pos;
    if (Out.pos == 0 && In.pos < In.size && Decomp.size() > (256u << 20))
      return damage(Offset, kCompressed, "decompressed data grows without records");
  }
  // Walk complete records; a partial one waits for the next COMPRESSED record.
  size_t Pos = 0;
  while (DecompLen - Pos >= 8 && !Stopped) {
    const char *R = Decomp.data() + Pos;
    uint16_t RSize = ld16(R + 6);
    if (RSize < 8)
      return damage(Offset, kCompressed,
                    llvm::formatv("inner record at {0} has size {1}", Pos, RSize).str());
    if (DecompLen - Pos < RSize)
      break;
    if (llvm::Error E = dispatch(R, RSize, Offset, /*Nested=*/true))
      return E;
    Pos += RSize;
  }
  memmove(Decomp.data(), Decomp.data() + Pos, DecompLen - Pos);
  DecompLen -= Pos;
  return llvm::Error::success();
}

llvm::Error Reader::dispatch(const char *R, uint16_t Size, uint64_t Offset, bool Nested) {
  uint32_t Type = ld32(R);
  const char *Body = R + 8;
  size_t Len = Size - 8u;
  Dec.countRecord(Type);
  bool IsHeaderRecord = Type == kHeaderAttr || Type == kHeaderFeature ||
                        Type == kHeaderEventType || Type == kHeaderTracingData ||
                        Type == kHeaderBuildId || Type == kEventUpdate;
  if (!IsHeaderRecord)
    finishHeader();
  if (H.Attrs.empty() && (Type == kSample || Type == kMmap || Type == kMmap2))
    return damage(Offset, Type, "appears before any event attribute");

  if (Opts.RawRecord && Type < 64 && Opts.RawRecord(R, Size))
    return llvm::Error::success();
  Dec.SkipSamples = Opts.SkipSamples;
  if (Queue && Type < 64) {
    // A record read into a queue chunk stays there; others (decompressed,
    // or read before the queue existed) are copied.
    if (InChunk && R >= Base && R < Base + BufLen)
      Queue->pushInChunk(R, Size, Dec.recordTime(R, Size), S.Records, Offset, ChunkId,
                         queuedFn());
    else
      Queue->push(R, Size, Dec.recordTime(R, Size), S.Records, Offset, queuedFn());
    return takeQueueError();
  }
  std::string Why;
  switch (Dec.decode(R, Size, Offset, Why)) {
  case RecordDecoder::Result::Done:
    return llvm::Error::success();
  case RecordDecoder::Result::Damaged:
    return damage(Offset, Type, Why);
  case RecordDecoder::Result::NotKernel:
    break;
  }
  Cursor C(Body, Body + Len);
  auto Truncated = [&] {
    return damage(Offset, Type, llvm::formatv("{0} bytes is too short", Size).str());
  };
  switch (Type) {
  case kFinishedRound:
    ++S.Rounds;
    if (Queue) {
      Queue->endRound(queuedFn());
      if (llvm::Error E = takeQueueError())
        return E;
    }
    V.onFinishedRound();
    return llvm::Error::success();
  case kHeaderAttr: {
    // perf_event_attr (its own size field says how long), then ids.
    if (Len < 8)
      return Truncated();
    uint32_t ASize = ld32(Body + 4);
    if (ASize == 0)
      ASize = 64;
    if (ASize > Len)
      return damage(Offset, Type, llvm::formatv("attr size {0} exceeds the record", ASize).str());
    EventAttr A = decodeAttr(Body, ASize);
    for (size_t P = ASize; P + 8 <= Len; P += 8)
      A.Ids.push_back(ld64(Body + P));
    addAttr(std::move(A));
    return llvm::Error::success();
  }
  case kHeaderFeature: {
    uint64_t Feat = C.u64();
    if (C.Bad)
      return Truncated();
    if (Feat < kFeatLast) {
      H.FeatureBits[Feat / 64] |= uint64_t(1) << (Feat % 64);
      parseFeature(unsigned(Feat), C.P, C.left());
    }
    return llvm::Error::success();
  }
  case kHeaderBuildId: {
    // Same layout as one entry of the BUILD_ID feature section.
    parseFeature(kFeatBuildId, R, Size);
    return llvm::Error::success();
  }
  case kEventUpdate: {
    uint64_t UType = C.u64(), Id = C.u64();
    if (C.Bad)
      return Truncated();
    const EventAttr *A = Dec.attrById(Id);
    if (UType == 2 /*PERF_EVENT_UPDATE__NAME*/ && A)
      const_cast<EventAttr *>(A)->Name = std::string(C.P, strnlen(C.P, C.left()));
    return llvm::Error::success();
  }
  case kHeaderTracingData: {
    uint32_t TSize = C.u32();
    if (C.Bad)
      return Truncated();
    if (Nested)
      return damage(Offset, Type, "tracing data inside a compressed record");
    // The tracing data follows the record, padded to 8 bytes.
    return skipInput((uint64_t(TSize) + 7) & ~uint64_t(7), Offset, Type);
  }
  case kAuxtrace: {
    uint64_t AuxSize = C.u64();
    if (C.Bad)
      return Truncated();
    if (Nested)
      return damage(Offset, Type, "AUX trace data inside a compressed record");
    return skipInput(AuxSize, Offset, Type);
  }
  case kCompressed:
    if (Nested)
      return damage(Offset, Type, "compressed record inside a compressed record");
    return decompress(Body, Len, Offset);
  case kHeaderEventType: case kIdIndex: case kAuxtraceInfo: case kAuxtraceError:
  case kThreadMap: case kCpuMap: case kStatConfig: case kStat: case kStatRound:
  case kTimeConv: case kFinishedInit:
    return llvm::Error::success(); // known; nothing we need
  default:
    ++S.UnknownRecords;
    return llvm::Error::success();
  }
}

void Reader::deliverQueued(const char *R, uint16_t Size, uint64_t Seq, uint64_t Offset) {
  // Keep-going: after a damaged record, what was read before it in the input
  // is still delivered (it may come later in time order), nothing read after.
  if (QueueError || (QueueStopped && Seq >= StopSeq))
    return;
  S.Seq = Seq;
  std::string Why;
  if (Dec.decode(R, Size, Offset, Why) != RecordDecoder::Result::Damaged)
    return;
  if (QueueStopped) { // damage read before the reported one: cut there too
    StopSeq = Seq;
    return;
  }
  QueueStopped = true;
  StopSeq = Seq;
  QueueError = damage(Offset, ld32(R), Why);
}

llvm::Error Reader::step(uint64_t Total, bool &Done) {
  uint64_t Offset = BufOffset;
  llvm::Expected<size_t> Avail = fill(8);
  if (!Avail)
    return Avail.takeError();
  if (*Avail == 0) {
    Done = true;
    if (StreamEnd != UINT64_MAX && Offset < StreamEnd)
      return damage(Offset, 0,
                    llvm::formatv("truncated: the data section should end at {0} "
                                  "but the file ends at {1}",
                                  StreamEnd, Offset)
                        .str());
    return llvm::Error::success();
  }
  if (*Avail < 8)
    return damage(Offset, 0,
                  llvm::formatv("truncated: {0} bytes left, a record header needs 8",
                                *Avail)
                      .str());
  const char *R = Base + BufPos;
  uint32_t Type = ld32(R);
  uint16_t Size = ld16(R + 6);
  if (Size < 8)
    return damage(Offset, Type, llvm::formatv("bad record size {0}", Size).str());
  if (*Avail < Size) {
    Avail = fill(Size);
    if (!Avail)
      return Avail.takeError();
    if (*Avail < Size)
      return damage(Offset, Type,
                    llvm::formatv("truncated: record of {0} bytes, only {1} left", Size,
                                  *Avail)
                        .str());
    R = Base + BufPos;
  }
  BufPos += Size;
  BufOffset += Size;
  if (llvm::Error E = dispatch(R, Size, Offset, /*Nested=*/false))
    return E;
  S.Bytes = BufOffset - StreamBegin;
  if (Opts.Progress && S.Bytes >= NextProgress) {
    Opts.Progress(S.Bytes, Total);
    NextProgress = S.Bytes + (16u << 20);
  }
  return llvm::Error::success();
}

llvm::Error Reader::stream() {
  const uint64_t Total = StreamEnd != UINT64_MAX ? StreamEnd - StreamBegin : H.FileSize;
  NextProgress = 16u << 20;
  bool Done = false;
  while (!Stopped && !Done) {
    llvm::Error E = step(Total, Done);
    // A file that shrank while it was read: what looked like truncation or
    // damage is the shrinking, at the new end.
    struct stat St;
    if ((E || Stopped) && Seekable && fstat(FD, &St) == 0 &&
        uint64_t(St.st_size) < H.FileSize) {
      llvm::consumeError(std::move(E));
      uint64_t Now = uint64_t(St.st_size);
      return makeError("{0}: offset {1} ({1:x}): the file shrank while it was read "
                       "(now {2} bytes, {3} when opened); was it truncated or rewritten "
                       "underneath?",
                       Path, Now, Now, H.FileSize);
    }
    if (E)
      return E;
  }
  S.Bytes = BufOffset - StreamBegin;
  if (Queue) {
    // The rest of the queue; after damage (keep-going) too: what was read
    // before it is delivered, as without ordering.
    Queue->flushAll(queuedFn());
    S.LateRecords = Queue->late();
    S.HalfFlushes = Queue->halfFlushes();
    if (llvm::Error E = takeQueueError())
      return E;
  }
  if (Opts.Progress && S.Bytes >= (16u << 20))
    Opts.Progress(S.Bytes, S.Bytes); // done: lets a progress line clear itself
  finishHeader();
  if (H.Attrs.empty())
    return makeError("{0}: no event attributes found", Path);
  return llvm::Error::success();
}

llvm::Error Reader::run() {
  if (llvm::Error E = open())
    return E;
  if (llvm::Error E = readFileHeader())
    return E;
  return stream();
}

} // namespace

llvm::StringRef recordTypeName(uint32_t Type) {
  if (Type < std::size(kTypeNames))
    return kTypeNames[Type];
  if (Type >= 64 && Type - 64 < std::size(kUserTypeNames))
    return kUserTypeNames[Type - 64];
  return "unknown-type";
}

std::string defaultEventName(const EventAttr &A) {
  static const char *const Hw[] = {"cycles", "instructions", "cache-references",
                                   "cache-misses", "branches", "branch-misses",
                                   "bus-cycles", "stalled-cycles-frontend",
                                   "stalled-cycles-backend", "ref-cycles"};
  static const char *const Sw[] = {"cpu-clock", "task-clock", "page-faults",
                                   "context-switches", "cpu-migrations",
                                   "minor-faults", "major-faults", "alignment-faults",
                                   "emulation-faults", "dummy", "bpf-output",
                                   "cgroup-switches"};
  if (A.Type == 0 && A.Config < std::size(Hw))
    return Hw[A.Config];
  if (A.Type == 1 && A.Config < std::size(Sw))
    return Sw[A.Config];
  if (A.Type == 4)
    return llvm::formatv("r{0:x-}", A.Config).str();
  return llvm::formatv("type{0}:config{1:x}", A.Type, A.Config).str();
}

bool isPerfData(llvm::StringRef Bytes) {
  return Bytes.size() >= 8 && ld64(Bytes.data()) == kMagic2;
}

llvm::Error readPerfData(InputFile &In, PerfVisitor &Visitor, const ReadOptions &Opts,
                         PerfHeader &Header, ReadStats &Stats) {
  Header = PerfHeader();
  Stats = ReadStats();
  Reader R(In, Visitor, Opts, Header, Stats);
  return R.run();
}

llvm::Error readPerfData(llvm::StringRef Path, PerfVisitor &Visitor,
                         const ReadOptions &Opts, PerfHeader &Header, ReadStats &Stats) {
  llvm::Expected<InputFile> In = InputFile::open(Path, /*HeadBytes=*/0);
  if (!In)
    return In.takeError();
  return readPerfData(*In, Visitor, Opts, Header, Stats);
}

} // namespace pgoctl::perf
