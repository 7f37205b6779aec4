// collect/AgentRing.h: reading perf mmap ring buffers.
//
// A ring is the kernel's perf_event_mmap_page followed by 2^n data pages: the
// kernel writes records at data_head, the reader consumes up to it and then
// publishes data_tail. A record that wraps around the end of the buffer is
// copied out whole first, so the decoder always sees contiguous bytes.
//
// Per-CPU buffers are each in time order, but not with each other: the agent
// reads every buffer once per round and puts the records in time order with
// the reorder stage import uses (collect/Reorder.h).
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

} // namespace pgoctl::collect
