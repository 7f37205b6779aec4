// collect/Reorder.h: perf records back into time order, in one pass.
//
// perf record (and the agent) read the per-CPU ring buffers in turn, so the
// records of different CPUs interleave out of time order: a sample can come
// before, in the stream, an MMAP older than itself. The rule perf uses
// (ordered_events, flushed at PERF_RECORD_FINISHED_ROUND): the reader reads
// every buffer once per round, so a record read in a later round was written
// after the previous round was read; at the end of round k, every queued
// record no later than the newest time of round k-1 can be delivered, oldest
// first (equal times in input order).
//
// Memory is bounded by MaxBytes of queued records: when a stream has no
// FINISHED_ROUND (perf before 3.x writes none into some files, and a huge
// round can exceed it), the older half of the queue by time is delivered, as
// perf does (OE_FLUSH__HALF). A record older than one already delivered is
// delivered at once and counted in late(): the consumer decides whether that
// matters (the importer checks whether it changes an address resolution, and
// reads the file again in two passes if it does). A record whose time is 0
// or all ones is delivered at once, as perf does (perf's synthesized records
// carry 0).
//
// Records are copied into chunks (a reader's buffer moves on), or borrowed
// from a reader's mapped window and copied only if still queued when the
// window moves; a chunk is reused once all its records are delivered. A stream already in time order
// is never sorted.
#pragma once

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace pgoctl::perf {

class Reorderer {
public:
  /// Receives a record with its position in the input (Seq) and its file
  /// offset (for messages).
  using DeliverFn =
      llvm::function_ref<void(const char *Record, uint16_t Size, uint64_t Seq, uint64_t Offset)>;

  explicit Reorderer(uint64_t MaxBytes = 64 << 20);
  ~Reorderer();

  /// Queues a record with its time and input position (Seq increases with
  /// every call). Delivers at once a record older than what was delivered,
  /// and the older half of the queue when it exceeds MaxBytes.
  void push(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq, uint64_t Offset,
            DeliverFn F) {
    pushImpl(Record, Size, Time, Seq, Offset, F, /*Borrow=*/false);
  }
  /// The same without a copy: Record stays valid until detach() is called
  /// for the memory that holds it (a reader's mapped window, before it moves).
  void pushBorrowed(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq,
                    uint64_t Offset, DeliverFn F) {
    pushImpl(Record, Size, Time, Seq, Offset, F, /*Borrow=*/true);
  }
  /// Copies the queued records that lie in [Begin, End) into the queue's own
  /// memory: that memory is going away.
  void detach(const char *Begin, const char *End);
  /// The end of a round: delivers the records no later than the newest time
  /// of the previous round.
  void endRound(DeliverFn F);
  /// Delivers everything (the end of the input).
  void flushAll(DeliverFn F);

  uint64_t pendingBytes() const { return Bytes; }
  uint64_t pendingRecords() const { return Queue.size() - Head; }
  /// Records that came after a newer one had been delivered.
  uint64_t late() const { return Late; }
  uint64_t rounds() const { return Rounds; }
  /// Times the queue went over MaxBytes and delivered its older half.
  uint64_t halfFlushes() const { return HalfFlushes; }

private:
  struct Entry {
    uint64_t Time, Seq, Offset;
    const char *P;
    uint32_t Chunk;
    uint16_t Size;
  };
  struct Chunk;
  void pushImpl(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq,
                uint64_t Offset, DeliverFn F, bool Borrow);
  void flushUpTo(uint64_t Limit, DeliverFn F);
  static constexpr uint32_t kBorrowed = UINT32_MAX;
  void sortQueue();
  void release(uint32_t C);
  const char *copy(const char *Record, uint16_t Size, uint32_t &ChunkIndex);

  uint64_t MaxBytes;
  std::vector<Entry> Queue;
  size_t Head = 0;      ///< Queue[Head, end) are pending
  bool Sorted = true;   ///< pending entries are in (Time, Seq) order
  size_t SortedEnd = 0; ///< when not: Queue[Head, SortedEnd) is
  uint64_t Bytes = 0;
  uint64_t MaxTime = 0, PrevRoundMax = 0;
  uint64_t LastDelivered = 0; ///< time of the newest record delivered
  bool AnyDelivered = false;
  uint64_t Late = 0, Rounds = 0, HalfFlushes = 0;
  std::vector<std::unique_ptr<Chunk>> Chunks;
  std::vector<uint32_t> FreeChunks;
  uint32_t Current = UINT32_MAX; ///< chunk records are copied into
};

} // namespace pgoctl::perf
