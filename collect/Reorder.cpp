// collect/Reorder.cpp: the reorder queue (see Reorder.h).
#include "collect/Reorder.h"

#include <algorithm>
#include <cstring>

namespace pgoctl::perf {

struct Reorderer::Chunk {
  std::unique_ptr<char[]> Data;
  size_t Used = 0;  ///< bytes copied in (the copy target)
  uint32_t Refs = 0; ///< queued records in it, plus its holder (a reader, or copies)
};

Reorderer::Reorderer(uint64_t MaxBytes, size_t ChunkBytes, uint64_t StartBytes)
    : MaxBytes(std::max<uint64_t>(MaxBytes, 1 << 20)),
      ChunkBytes(std::max<size_t>(ChunkBytes, 2 * 65536)),
      Window(std::clamp<uint64_t>(StartBytes, 1 << 20, this->MaxBytes)) {}
Reorderer::~Reorderer() = default;

void Reorderer::maybeCompact() {
  // Records waiting long (a late-flushed time, a huge round) each hold a
  // chunk they share with delivered ones: copy them together.
  if (!Compacting && ChunksInUse > maxChunks())
    compact();
}

uint32_t Reorderer::newChunk() {
  uint32_t C;
  if (!FreeChunks.empty()) {
    C = FreeChunks.back();
    FreeChunks.pop_back();
  } else {
    C = uint32_t(Chunks.size());
    for (uint32_t I = 0; I < Chunks.size(); ++I)
      if (!Chunks[I]) { // a slot whose memory was given back
        C = I;
        break;
      }
    if (C == Chunks.size())
      Chunks.push_back(std::make_unique<Chunk>());
    else
      Chunks[C] = std::make_unique<Chunk>();
    Chunks[C]->Data = std::make_unique_for_overwrite<char[]>(ChunkBytes);
  }
  Chunk &K = *Chunks[C];
  K.Used = 0;
  K.Refs = 1; // the holder's
  ++ChunksInUse;
  return C;
}

void Reorderer::unref(uint32_t C) {
  if (--Chunks[C]->Refs != 0)
    return;
  --ChunksInUse;
  // Kept for reuse (a new chunk's pages fault in again), up to what the
  // queue may use at its bound; beyond that (after a compaction) given back.
  if (ChunksInUse + FreeChunks.size() < maxChunks())
    FreeChunks.push_back(C);
  else
    Chunks[C].reset();
}

Reorderer::ReadChunk Reorderer::acquireChunk() {
  maybeCompact();
  uint32_t C = newChunk();
  return {Chunks[C]->Data.get(), ChunkBytes, C};
}

const char *Reorderer::copy(const char *Record, uint16_t Size, uint32_t &ChunkIndex) {
  auto Full = [&] { return Current == kCopy || Chunks[Current]->Used + Size > ChunkBytes; };
  if (Full())
    maybeCompact(); // may move Current
  if (Full()) {
    uint32_t Old = Current;
    Current = newChunk();
    if (Old != kCopy)
      unref(Old);
  }
  Chunk &K = *Chunks[Current];
  char *P = K.Data.get() + K.Used;
  memcpy(P, Record, Size);
  K.Used += Size;
  ++K.Refs;
  ChunkIndex = Current;
  return P;
}

void Reorderer::compact() {
  ++Compactions;
  // Each pending record not already in the copy target moves there (copy()
  // takes new chunks as it fills; ChunksInUse is then near Bytes / ChunkBytes).
  Compacting = true;
  for (size_t I = Head; I < Queue.size(); ++I) {
    Entry &E = Queue[I];
    if (E.Chunk == Current)
      continue;
    uint32_t Old = E.Chunk;
    E.P = copy(E.P, E.Size, E.Chunk);
    unref(Old);
  }
  Compacting = false;
}

void Reorderer::pushImpl(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq,
                         uint64_t Offset, DeliverFn F, uint32_t InChunk) {
  // perf's ordered_events queue no record whose time is 0 or all ones (no
  // usable time): it is delivered at once, in input order, and moves no round.
  if (Time == 0 || Time == ~uint64_t(0)) {
    F(Record, Size, Seq, Offset);
    return;
  }
  MaxTime = std::max(MaxTime, Time);
  RoundBytes += Size;
  if (AnyDelivered && Time < LastDelivered) {
    // Too late to be put in order: what it should precede is delivered.
    // The input's disorder spans more than the window: widen it.
    ++Late;
    grow(2 * Window);
    F(Record, Size, Seq, Offset);
    return;
  }
  if (Sorted && Head < Queue.size() && Time < Queue.back().Time) {
    Sorted = false;
    SortedEnd = Queue.size();
  }
  Entry E{Time, Seq, Offset, Record, InChunk, Size};
  if (InChunk == kCopy)
    E.P = copy(Record, Size, E.Chunk);
  else
    ++Chunks[InChunk]->Refs;
  Queue.push_back(E);
  Bytes += Size;
  if (Bytes > Window) {
    sortQueue();
    uint64_t First = Queue[Head].Time, Last = Queue.back().Time;
    ++HalfFlushes;
    flushUpTo(First + (Last - First) / 2, F);
  }
}

void Reorderer::endRound(DeliverFn F) {
  ++Rounds;
  // perf's rule delivers a round at the end of the next: two rounds wait.
  grow(2 * RoundBytes + ChunkBytes);
  RoundBytes = 0;
  flushUpTo(PrevRoundMax, F);
  PrevRoundMax = MaxTime;
}

void Reorderer::flushAll(DeliverFn F) {
  flushUpTo(UINT64_MAX, F);
  PrevRoundMax = MaxTime;
}

void Reorderer::sortQueue() {
  if (Sorted)
    return;
  // [Head, SortedEnd) is in order already (what a flush left, and what came
  // in order after it): sort the rest and merge, in linear time.
  auto Less = [](const Entry &A, const Entry &B) {
    return A.Time != B.Time ? A.Time < B.Time : A.Seq < B.Seq;
  };
  auto B = Queue.begin() + long(Head), M = Queue.begin() + long(SortedEnd);
  std::sort(M, Queue.end(), Less);
  std::inplace_merge(B, M, Queue.end(), Less);
  Sorted = true;
}

void Reorderer::flushUpTo(uint64_t Limit, DeliverFn F) {
  if (Head == Queue.size())
    return;
  sortQueue();
  while (Head < Queue.size() && Queue[Head].Time <= Limit) {
    const Entry &E = Queue[Head++];
    LastDelivered = E.Time;
    AnyDelivered = true;
    F(E.P, E.Size, E.Seq, E.Offset);
    Bytes -= E.Size;
    unref(E.Chunk);
  }
  // Drop the delivered prefix once it is most of the vector.
  if (Head == Queue.size()) {
    Queue.clear();
    Head = 0;
  } else if (Head > Queue.size() / 2) {
    Queue.erase(Queue.begin(), Queue.begin() + long(Head));
    Head = 0;
  }
  SortedEnd = Queue.size();
}

} // namespace pgoctl::perf
