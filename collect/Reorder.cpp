// collect/Reorder.cpp: the reorder queue (see Reorder.h).
#include "collect/Reorder.h"

#include <algorithm>
#include <cstring>

namespace pgoctl::perf {

namespace {
constexpr size_t kChunkBytes = 1 << 20; // records are at most 64 KiB
} // namespace

struct Reorderer::Chunk {
  std::unique_ptr<char[]> Data{new char[kChunkBytes]};
  size_t Used = 0;
  uint32_t Live = 0; ///< queued records in this chunk
};

Reorderer::Reorderer(uint64_t MaxBytes) : MaxBytes(std::max<uint64_t>(MaxBytes, 1 << 20)) {}
Reorderer::~Reorderer() = default;

const char *Reorderer::copy(const char *Record, uint16_t Size, uint32_t &ChunkIndex) {
  if (Current == UINT32_MAX || Chunks[Current]->Used + Size > kChunkBytes) {
    uint32_t Old = Current;
    if (!FreeChunks.empty()) {
      Current = FreeChunks.back();
      FreeChunks.pop_back();
    } else {
      Current = uint32_t(Chunks.size());
      Chunks.push_back(std::make_unique<Chunk>());
    }
    if (Old != UINT32_MAX && Chunks[Old]->Live == 0)
      release(Old);
  }
  Chunk &C = *Chunks[Current];
  char *P = C.Data.get() + C.Used;
  memcpy(P, Record, Size);
  C.Used += Size;
  ++C.Live;
  ChunkIndex = Current;
  return P;
}

void Reorderer::release(uint32_t C) {
  Chunks[C]->Used = 0;
  if (C != Current)
    FreeChunks.push_back(C);
}

void Reorderer::detach(const char *Begin, const char *End) {
  for (size_t I = Head; I < Queue.size(); ++I) {
    Entry &E = Queue[I];
    if (E.Chunk == kBorrowed && E.P >= Begin && E.P < End)
      E.P = copy(E.P, E.Size, E.Chunk);
  }
}

void Reorderer::pushImpl(const char *Record, uint16_t Size, uint64_t Time, uint64_t Seq,
                         uint64_t Offset, DeliverFn F, bool Borrow) {
  // perf's ordered_events queue no record whose time is 0 or all ones (no
  // usable time): it is delivered at once, in input order, and moves no round.
  if (Time == 0 || Time == ~uint64_t(0)) {
    F(Record, Size, Seq, Offset);
    return;
  }
  MaxTime = std::max(MaxTime, Time);
  if (AnyDelivered && Time < LastDelivered) {
    // Too late to be put in order: what it should precede is delivered.
    ++Late;
    F(Record, Size, Seq, Offset);
    return;
  }
  if (Sorted && Head < Queue.size() && Time < Queue.back().Time) {
    Sorted = false;
    SortedEnd = Queue.size();
  }
  Entry E{Time, Seq, Offset, Record, kBorrowed, Size};
  if (!Borrow)
    E.P = copy(Record, Size, E.Chunk);
  Queue.push_back(E);
  Bytes += Size;
  if (Bytes > MaxBytes) {
    sortQueue();
    uint64_t First = Queue[Head].Time, Last = Queue.back().Time;
    ++HalfFlushes;
    flushUpTo(First + (Last - First) / 2, F);
  }
}

void Reorderer::endRound(DeliverFn F) {
  ++Rounds;
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
    if (E.Chunk != kBorrowed && --Chunks[E.Chunk]->Live == 0)
      release(E.Chunk);
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
