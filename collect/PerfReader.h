// collect/PerfReader.h: a native, streaming perf.data reader.
//
// Reads perf.data from perf 3.x to 6.x without the perf binary: file mode
// (header, attrs, data section, feature sections) and pipe mode (header
// records in the stream), zstd-COMPRESSED records, every sample_type bit, and
// several events told apart by sample id. The data section is read() through
// a fixed-size buffer (or the reorder queue's chunks), so memory does not grow
// with the input, and nothing is allocated per sample: the visitor receives
// views into the buffer. Every read is bounds-checked; damage (a truncated record, a size
// of zero, a sample shorter than its sample_type says) is an llvm::Error naming
// the file, the byte offset and the record type. With KeepGoing the reader
// instead stops at the damage, reports it to the visitor and returns success
// with what it read before.
//
// A file that shrinks while it is read (truncated underneath) is an error
// naming the offset where the data went missing.
#pragma once

#include "collect/PerfData.h"
#include "core/Input.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <memory>

namespace pgoctl::perf {

class PerfVisitor {
public:
  virtual ~PerfVisitor() = default;
  /// Called once the header is known (in pipe mode: on the first record that
  /// is not a header record; attrs may still be completed later by
  /// EVENT_UPDATE).
  virtual void onHeader(const PerfHeader &H) {}
  virtual void onSample(const Sample &S) {}
  virtual void onMmap(const MmapEvent &E) {}
  virtual void onComm(const CommEvent &E) {}
  virtual void onForkExit(const ForkExitEvent &E) {}
  /// PERF_RECORD_LOST (Lost events) / LOST_SAMPLES.
  virtual void onLost(uint64_t Count, bool IsLostSamples) {}
  virtual void onFinishedRound() {}
  /// PERF_RECORD_THROTTLE (true) / UNTHROTTLE (false).
  virtual void onThrottle(bool Throttled) {}
  /// With KeepGoing: the input is damaged at Offset; the rest is dropped.
  virtual void onDamage(uint64_t Offset, llvm::StringRef Message, uint64_t DroppedBytes) {}
};

struct ReadOptions {
  bool KeepGoing = false;
  /// Skip decoding samples (side-band records only): the fast first pass.
  bool SkipSamples = false;
  /// Deliver kernel records in time order (collect/Reorder.h: perf's rounds,
  /// a window of at most ReorderBytes) when every event records its time and
  /// side-band records carry one (sample_id_all); else in input order.
  /// ReadStats::Seq gives each record's input position.
  bool Ordered = false;
  uint64_t ReorderBytes = 64 << 20;
  /// The window the reorder queue starts with (it grows up to ReorderBytes
  /// with the input's rounds and disorder: collect/Reorder.h).
  uint64_t ReorderStartBytes = 2 << 20;
  /// Size of the read buffer and of the reorder queue's chunks (at least
  /// 128 KiB: a partial record and a whole one).
  size_t BufferBytes = 1 << 20;
  /// Called with (bytes done, bytes total) every few MB, total 0 if unknown,
  /// and once with done == total at the end when it was called before.
  std::function<void(uint64_t, uint64_t)> Progress;
  /// When set, called with each kernel record (type < 64) before it is
  /// decoded; returning true consumes it (it is not decoded). The agent's
  /// replay hook uses it to feed a file's records through its ring buffers.
  std::function<bool(const char *Record, uint16_t Size)> RawRecord;
};

/// Reads Path ("-" for standard input) and feeds Visitor. The header (attrs,
/// features) is returned through Header; Stats counts what was seen.
llvm::Error readPerfData(llvm::StringRef Path, PerfVisitor &Visitor,
                         const ReadOptions &Opts, PerfHeader &Header,
                         ReadStats &Stats);

/// Reads an input opened once (core/Input.h): a regular file from its start
/// (each call reads it again), a pipe or FIFO as a stream that begins with the
/// head the opener sniffed.
llvm::Error readPerfData(InputFile &In, PerfVisitor &Visitor, const ReadOptions &Opts,
                         PerfHeader &Header, ReadStats &Stats);

/// True if Bytes starts with the perf.data magic ("PERFILE2").
bool isPerfData(llvm::StringRef Bytes);

} // namespace pgoctl::perf
