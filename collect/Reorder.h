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
// The queue holds a window of at most Window bytes of records: when a
// stream has no FINISHED_ROUND (perf 3.x wrote none into some files) or a
// round is larger, the older half of the queue by time is delivered, as perf
// does (OE_FLUSH__HALF). The window starts small (StartBytes), so records
// are delivered while still in the cache, and grows up to MaxBytes, the
// memory bound: to twice the largest round seen (perf's rule keeps two
// rounds), and twice over each time a record comes too late for it (the
// input's disorder spans more). A record older than one already delivered is
// delivered at once and counted in late(): the consumer decides whether that
// matters (the importer checks whether it changes an address resolution, and
// reads the file again in two passes if it does). A record whose time is 0
// or all ones is delivered at once, as perf does (perf's synthesized records
// carry 0).
//
// The queue's memory is chunks of ChunkBytes. A reader reads its input into
// a chunk it borrows from the queue (acquireChunk) and pushes the records
// that lie there without a copy (pushInChunk); other records (decompressed
// ones) are copied into a chunk of the queue's own. A chunk is reused once
// every record in it is delivered and no reader holds it. When records that
// wait long hold many chunks of which little is still queued, the queue
// copies them together (compaction), so memory stays near the window whatever
// the input's order. A stream already in time order is never sorted.
#pragma once

#include "llvm/ADT/STLFunctionalExtras.h"

#include <algorithm>
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

  /// ChunkBytes: the size of a chunk, at least twice the largest record.
  explicit Reorderer(uint64_t MaxBytes = 64 << 20, size_t ChunkBytes = 1 << 20,
                     uint64_t StartBytes = 2 << 20);
  ~Reorderer();

  /// Queues a copy of a record with its time and input position (Seq
  /// increases with every call). Delivers at once a record older than what
  /// was delivered, and the older half of the queue when it exceeds MaxBytes.
  void push(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq, uint64_t Offset,
            DeliverFn F) {
    pushImpl(Record, Size, Time, Seq, Offset, F, kCopy);
  }

  /// A chunk of the queue's memory for a reader to read input into; the
  /// reader holds it until releaseChunk().
  struct ReadChunk {
    char *Data = nullptr;
    size_t Size = 0;
    uint32_t Id = 0;
  };
  ReadChunk acquireChunk();
  void releaseChunk(uint32_t Id) { unref(Id); }
  /// push() without a copy: Record lies in the chunk Id (acquireChunk).
  void pushInChunk(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq,
                   uint64_t Offset, uint32_t Id, DeliverFn F) {
    pushImpl(Record, Size, Time, Seq, Offset, F, Id);
  }
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
  /// Times the queue went over its window and delivered its older half.
  uint64_t halfFlushes() const { return HalfFlushes; }
  /// The window now (it grows with rounds and late records).
  uint64_t windowBytes() const { return Window; }
  /// Times queued records were copied together to free chunks.
  uint64_t compactions() const { return Compactions; }
  /// Chunks allocated (in use or free).
  size_t chunks() const { return Chunks.size(); }

private:
  struct Entry {
    uint64_t Time, Seq, Offset;
    const char *P;
    uint32_t Chunk;
    uint16_t Size;
  };
  struct Chunk;
  static constexpr uint32_t kCopy = UINT32_MAX;
  void pushImpl(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq,
                uint64_t Offset, DeliverFn F, uint32_t InChunk);
  void flushUpTo(uint64_t Limit, DeliverFn F);
  void sortQueue();
  uint32_t newChunk();
  void unref(uint32_t C);
  const char *copy(const char *Record, uint16_t Size, uint32_t &ChunkIndex);
  /// Chunks the queue needs at most at its window: Window bytes of records
  /// spread over chunks they share with delivered ones, and the chunks the
  /// reader and the copies fill. More in use means waiting records pin
  /// mostly delivered chunks: compact.
  size_t maxChunks() const { return size_t(2 * Window / ChunkBytes) + 4; }
  void grow(uint64_t Bytes) { Window = std::min(MaxBytes, std::max(Window, Bytes)); }
  void maybeCompact();
  void compact();

  uint64_t MaxBytes;
  size_t ChunkBytes;
  uint64_t Window;          ///< half-flush above this many queued bytes
  uint64_t RoundBytes = 0;  ///< pushed since the last round's end
  std::vector<Entry> Queue;
  size_t Head = 0;      ///< Queue[Head, end) are pending
  bool Sorted = true;   ///< pending entries are in (Time, Seq) order
  size_t SortedEnd = 0; ///< when not: Queue[Head, SortedEnd) is
  uint64_t Bytes = 0;
  uint64_t MaxTime = 0, PrevRoundMax = 0;
  uint64_t LastDelivered = 0; ///< time of the newest record delivered
  bool AnyDelivered = false;
  uint64_t Late = 0, Rounds = 0, HalfFlushes = 0, Compactions = 0;
  std::vector<std::unique_ptr<Chunk>> Chunks;
  std::vector<uint32_t> FreeChunks;
  uint32_t Current = UINT32_MAX; ///< chunk records are copied into
  size_t ChunksInUse = 0;
  bool Compacting = false;
};

} // namespace pgoctl::perf
