// tests/unit/PerfDataBuilder.h: a test-only perf.data writer.
//
// Builds a perf.data byte string record by record, in file mode (header,
// attrs with their ids, data section, feature sections) or pipe mode (a
// 16-byte header, then HEADER_ATTR / EVENT_UPDATE / HEADER_FEATURE records
// before the data records). Layouts are written from linux
// include/uapi/linux/perf_event.h and perf's
// Documentation/perf.data-file-format.txt, not from pgoctl's reader, so the
// reader's unit tests compare against the format itself. Records can be
// wrapped into PERF_RECORD_COMPRESSED records (one zstd stream cut at chosen
// points of the uncompressed byte stream, so records straddle the cuts).
#pragma once

#include <cstring>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::testing {

/// Appends little-endian values to a byte string.
class ByteWriter {
public:
  ByteWriter &u8(uint8_t V) { return raw(&V, 1); }
  ByteWriter &u16(uint16_t V) { return raw(&V, 2); }
  ByteWriter &u32(uint32_t V) { return raw(&V, 4); }
  ByteWriter &u64(uint64_t V) { return raw(&V, 8); }
  ByteWriter &bytes(llvm::StringRef S) { return raw(S.data(), S.size()); }
  ByteWriter &zeros(size_t N) {
    Data.append(N, '\0');
    return *this;
  }
  /// S, a NUL, then zeros up to a multiple of Align (record file names).
  ByteWriter &cstr(llvm::StringRef S, size_t Align = 8);
  /// A perf header string: u32 length, then S NUL-padded to that length
  /// (a multiple of 64, perf's NAME_ALIGN).
  ByteWriter &perfString(llvm::StringRef S);
  const std::string &str() const { return Data; }
  size_t size() const { return Data.size(); }

private:
  ByteWriter &raw(const void *P, size_t N) {
    Data.append(static_cast<const char *>(P), N);
    return *this;
  }
  std::string Data;
};

/// perf_event_attr.flags bits the tests use.
inline constexpr uint64_t kAttrFlagFreq = uint64_t(1) << 10;
inline constexpr uint64_t kAttrFlagSampleIdAll = uint64_t(1) << 18;

/// The fields of a perf_event_attr the builder writes (others are zero).
struct AttrSpec {
  uint32_t Type = 1; ///< PERF_TYPE_SOFTWARE
  uint64_t Config = 0;
  uint64_t SamplePeriod = 1;
  uint64_t SampleType = 0;
  uint64_t ReadFormat = 0;
  uint64_t Flags = 0;
  uint64_t BranchSampleType = 0;
  uint64_t SampleRegsUser = 0;
  uint32_t SampleStackUser = 0;
  uint64_t SampleRegsIntr = 0;
  std::vector<uint64_t> Ids;
  std::string Name; ///< non-empty: written to EVENT_DESC (file) / EVENT_UPDATE (pipe)
};

/// PERF_ATTR_SIZE_VER7.
inline constexpr uint32_t kAttrSize = 128;
/// Encodes A as kAttrSize bytes of perf_event_attr.
std::string encodeAttr(const AttrSpec &A);

/// One LBR entry as the kernel writes it.
struct LbrEntry {
  uint64_t From = 0, To = 0, Flags = 0;
};

/// The values of a PERF_RECORD_SAMPLE; encodeSample writes those its attr's
/// sample_type selects, in the kernel's order.
struct SampleFields {
  uint64_t Ip = 0;
  uint32_t Pid = 0, Tid = 0;
  uint64_t Time = 0, Addr = 0;
  uint64_t Id = 0; ///< written for both IDENTIFIER and ID
  uint64_t StreamId = 0;
  uint32_t Cpu = 0;
  uint64_t Period = 0;
  std::vector<uint64_t> ReadWords; ///< the read_format block, verbatim
  std::vector<uint64_t> Callchain; ///< nr is its size
  std::string Raw;                 ///< u32 size, then these bytes
  std::optional<uint64_t> HwIndex; ///< written when the attr has BRANCH_HW_INDEX
  std::vector<LbrEntry> Branches;
  uint64_t RegsUserAbi = 0;
  std::vector<uint64_t> RegsUser; ///< written when the abi is nonzero
  std::string StackUser;          ///< size, bytes, then dyn_size (if size > 0)
  uint64_t StackDynSize = 0;
  uint64_t Weight = 0, DataSrc = 0, Transaction = 0;
  uint64_t RegsIntrAbi = 0;
  std::vector<uint64_t> RegsIntr;
  uint64_t PhysAddr = 0, Cgroup = 0, DataPageSize = 0, CodePageSize = 0;
  std::string Aux; ///< u64 size, then these bytes
};
std::string encodeSample(const AttrSpec &A, const SampleFields &S);

/// The sample_id trailer of side-band records (attr.sample_id_all).
struct SampleIdFields {
  uint32_t Pid = 0, Tid = 0;
  uint64_t Time = 0, Id = 0, StreamId = 0;
  uint32_t Cpu = 0;
};
std::string encodeSampleId(const AttrSpec &A, const SampleIdFields &S);

/// A whole record: perf_event_header (type, misc, size) then Body.
std::string encodeRecord(uint32_t Type, uint16_t Misc, llvm::StringRef Body);

/// A zstd stream of Data cut after each of Cuts (offsets into Data, ascending):
/// every piece is flushed, so the decoder gets exactly the bytes before a cut
/// from the pieces before it. Returns the compressed pieces.
std::vector<std::string> zstdPieces(llvm::StringRef Data, llvm::ArrayRef<size_t> Cuts);

class PerfDataBuilder {
public:
  /// Adds an event; returns its index.
  size_t addAttr(AttrSpec A);
  const AttrSpec &attr(size_t I) const { return Attrs[I]; }

  // -- data records; each returns the index of the record added.
  size_t addRecord(uint32_t Type, uint16_t Misc, llvm::StringRef Body);
  size_t addRawRecord(std::string Bytes); ///< bytes as they are (damage tests)
  size_t addSample(const SampleFields &S, size_t Attr = 0, uint16_t Misc = 2 /*user*/);
  size_t addMmap(uint32_t Pid, uint64_t Start, uint64_t Len, uint64_t Pgoff,
                 llvm::StringRef File, const SampleIdFields *Id = nullptr,
                 size_t Attr = 0, uint16_t Misc = 2);
  /// MMAP2; with a BuildId (raw bytes, at most 20) the record carries it
  /// (misc PERF_RECORD_MISC_MMAP_BUILD_ID), else maj/min/ino/ino_generation.
  size_t addMmap2(uint32_t Pid, uint64_t Start, uint64_t Len, uint64_t Pgoff,
                  llvm::StringRef File, uint32_t Prot, llvm::StringRef BuildId = {},
                  const SampleIdFields *Id = nullptr, size_t Attr = 0);
  size_t addComm(uint32_t Pid, uint32_t Tid, llvm::StringRef Comm, bool Exec,
                 const SampleIdFields *Id = nullptr, size_t Attr = 0);
  size_t addFork(uint32_t Pid, uint32_t Ppid, uint32_t Tid, uint32_t Ptid, uint64_t Time);
  size_t addExit(uint32_t Pid, uint32_t Ppid, uint32_t Tid, uint32_t Ptid, uint64_t Time);
  size_t addLost(uint64_t Id, uint64_t Lost);
  size_t addLostSamples(uint64_t Lost);
  size_t addFinishedRound();
  /// PERF_RECORD_AUXTRACE followed by Payload (which its size field counts).
  size_t addAuxtrace(llvm::StringRef Payload);

  /// Replaces records [First, Last) by COMPRESSED records holding one zstd
  /// stream of their bytes, cut at the given offsets of the uncompressed
  /// bytes (relative to record First). Returns the number of records now
  /// standing for them.
  size_t compress(size_t First, size_t Last, llvm::ArrayRef<size_t> Cuts);

  // -- feature sections (file mode) / HEADER_FEATURE records (pipe mode)
  void setHostname(std::string H) { Hostname = std::move(H); }
  void setOsRelease(std::string R) { OsRelease = std::move(R); }
  void setCmdline(std::vector<std::string> C) { Cmdline = std::move(C); }
  /// A BUILD_ID entry; WithSize marks it with PERF_RECORD_MISC_BUILD_ID_SIZE.
  void addBuildId(int32_t Pid, std::string Id, std::string File, bool WithSize = false,
                  uint16_t Misc = 2);

  /// The whole file. Record I of the data section is at recordOffset(I).
  std::string fileMode() const;
  std::string pipeMode() const;
  uint64_t fileDataOffset() const;
  uint64_t fileDataSize() const;
  uint64_t recordOffset(size_t I, bool Pipe = false) const;
  size_t numRecords() const { return Records.size(); }
  const std::string &record(size_t I) const { return Records[I]; }
  /// Overwrites record I's header misc field (a record a kernel got wrong).
  void setMisc(size_t I, uint16_t Misc) { memcpy(&Records[I][4], &Misc, 2); }
  /// The bytes of the data section as written (records after any edit).
  std::string dataBytes() const;

  /// Offset (in the data section's bytes) where record I starts.
  uint64_t dataOffsetOf(size_t I) const;

private:
  std::string buildIdSection() const;
  std::string eventDescSection() const;
  std::string cmdlineSection() const;

  struct BuildIdEntry {
    int32_t Pid;
    std::string Id, File;
    bool WithSize;
    uint16_t Misc;
  };
  std::vector<AttrSpec> Attrs;
  std::vector<std::string> Records;
  std::string Hostname, OsRelease;
  std::vector<std::string> Cmdline;
  std::vector<BuildIdEntry> BuildIds;
};

/// Writes Bytes to a new temporary file and returns its path ("" on failure).
/// The file is removed when the returned object is destroyed.
class TempFile {
public:
  explicit TempFile(llvm::StringRef Bytes, llvm::StringRef Suffix = "data");
  ~TempFile();
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
  const std::string &path() const { return Path; }

private:
  std::string Path;
};

} // namespace pgoctl::testing
