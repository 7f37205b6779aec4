// collect/AgentRing.h: reading perf mmap ring buffers, and putting the records
// of several buffers in time order.
//
// A ring is the kernel's perf_event_mmap_page followed by 2^n data pages: the
// kernel writes records at data_head, the reader consumes up to it and then
// publishes data_tail. A record that wraps around the end of the buffer is
// copied out whole first, so the decoder always sees contiguous bytes.
//
// Per-CPU buffers are each in time order, but not with each other. As perf
// does (ordered_events, flushed at FINISHED_ROUND), the agent reads every
// buffer once per round and then delivers, in time order, the records no
// later than the newest time seen in the previous round: a record read later
// was written after that round started, so it cannot be older. Memory is
// bounded by two rounds of records.
#pragma once

#include "llvm/ADT/STLFunctionalExtras.h"

#include <linux/perf_event.h>

#include <cstdint>
#include <vector>

namespace pgoctl::collect {

using RecordFn = llvm::function_ref<void(const char *Record, uint16_t Size)>;

struct RingView {
  perf_event_mmap_page *Ctl = nullptr;
  char *Data = nullptr;
  uint64_t Size = 0; ///< a power of two
};

/// Delivers every complete record between data_tail and data_head to F, then
/// advances data_tail. Returns the bytes consumed. A record header with size 0
/// or larger than the buffer (damage) ends the read and skips to data_head.
uint64_t drainRing(RingView &R, std::vector<char> &Scratch, RecordFn F);

/// A ring in ordinary memory that a writer fills as the kernel would: the
/// replay test hook feeds a perf.data file's records through it.
class MemoryRing {
public:
  explicit MemoryRing(uint64_t DataBytes);
  RingView &view() { return View; }
  /// Appends a record; false when it does not fit (drain first).
  bool push(const char *Record, uint16_t Size);

private:
  std::vector<char> Storage;
  RingView View;
};

class RecordOrderer {
public:
  /// Keeps a copy of a record read this round, with its time.
  void push(const char *Record, uint16_t Size, uint64_t Time);
  /// The end of a round: delivers the records no later than the newest time
  /// of the previous round, oldest first (equal times in arrival order).
  void endRound(RecordFn F);
  /// Delivers everything (the end of the run).
  void flushAll(RecordFn F);
  uint64_t pendingBytes() const { return Bytes.size(); }

private:
  void flushUpTo(uint64_t Limit, RecordFn F);
  struct Entry {
    uint64_t Time, Seq;
    uint32_t Offset;
    uint16_t Size;
  };
  std::vector<char> Bytes;
  std::vector<Entry> Entries;
  uint64_t Seq = 0;
  uint64_t MaxTime = 0, PrevRoundMax = 0;
};

} // namespace pgoctl::collect
