// The reorder stage (collect/Reorder.h) on hand-made record sequences: what
// comes out, in which order, is worked out by hand from perf's round rule
// (at the end of round k, deliver what is no later than round k-1's newest).
#include "collect/Reorder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

using pgoctl::perf::Reorderer;

namespace {

/// Records of 16 bytes: an 8-byte header (size in bytes 6-7) and a tag.
struct Feed {
  Reorderer Q;
  std::vector<std::string> Out; ///< tags in delivery order
  std::vector<uint64_t> Seqs;
  uint64_t Seq = 0;
  std::function<void(const char *, uint16_t, uint64_t, uint64_t)> Sink =
      [this](const char *R, uint16_t Size, uint64_t S, uint64_t Offset) {
        EXPECT_EQ(Size, 16);
        EXPECT_EQ(Offset, 100 * S);
        Out.emplace_back(R + 8, strnlen(R + 8, 8));
        Seqs.push_back(S);
      };
  explicit Feed(uint64_t MaxBytes = 64 << 20) : Q(MaxBytes) {}

  Reorderer::DeliverFn fn() { return Sink; }
  void push(const std::string &Tag, uint64_t Time) {
    char R[16] = {};
    uint16_t Size = 16;
    memcpy(R + 6, &Size, 2);
    memcpy(R + 8, Tag.data(), std::min<size_t>(Tag.size(), 8));
    ++Seq;
    Q.push(R, Size, Time, Seq, 100 * Seq, fn());
  }
  void round() { Q.endRound(fn()); }
  void end() { Q.flushAll(fn()); }
  std::vector<std::string> take() {
    std::vector<std::string> R = std::move(Out);
    Out.clear();
    return R;
  }
};

using V = std::vector<std::string>;

TEST(Reorder, OutOfOrderWithinAndAcrossRounds) {
  Feed F;
  // Round 1: two CPUs' buffers, each in order, read one after the other.
  F.push("s30", 30);
  F.push("s50", 50);
  F.push("s20", 20);
  F.push("s40", 40);
  F.round(); // nothing older than round 0's newest (none): nothing out
  EXPECT_EQ(F.take(), V{});
  // Round 2: records up to 50 (round 1's newest) may go once round 2 ends.
  F.push("s60", 60);
  F.push("s45", 45); // older than s50, from a CPU read late in round 1
  F.push("s55", 55);
  F.round();
  EXPECT_EQ(F.take(), (V{"s20", "s30", "s40", "s45", "s50"}));
  F.push("s70", 70);
  F.round(); // up to 60
  EXPECT_EQ(F.take(), (V{"s55", "s60"}));
  F.end();
  EXPECT_EQ(F.take(), V{"s70"});
  EXPECT_EQ(F.Q.late(), 0u);
  EXPECT_EQ(F.Q.pendingRecords(), 0u);
  EXPECT_EQ(F.Q.pendingBytes(), 0u);
}

TEST(Reorder, SideBandLateByOneRoundComesBeforeItsSamples) {
  Feed F;
  F.push("s10", 10);
  F.push("s12", 12);
  F.round();
  // The MMAP of time 9 arrives in the next round (its CPU was read after
  // the round's end): it still goes out before the samples of 10 and 12.
  F.push("mmap9", 9);
  F.push("s14", 14);
  F.round();
  EXPECT_EQ(F.take(), (V{"mmap9", "s10", "s12"}));
  F.end();
  EXPECT_EQ(F.take(), V{"s14"});
  EXPECT_EQ(F.Q.late(), 0u);
}

TEST(Reorder, EqualTimesKeepInputOrder) {
  Feed F;
  F.push("b", 5);
  F.push("a", 3);
  F.push("c", 5);
  F.push("d", 5);
  F.end();
  EXPECT_EQ(F.take(), (V{"a", "b", "c", "d"}));
  EXPECT_EQ(F.Seqs, (std::vector<uint64_t>{2, 1, 3, 4}));
}

TEST(Reorder, NoFinishedRoundDeliversAtTheEnd) {
  Feed F;
  for (uint64_t T : {7, 3, 9, 1, 5})
    F.push("t" + std::to_string(T), T);
  EXPECT_EQ(F.take(), V{});
  F.end();
  EXPECT_EQ(F.take(), (V{"t1", "t3", "t5", "t7", "t9"}));
}

TEST(Reorder, FullWindowDeliversItsOlderHalfThenCountsLateRecords) {
  // 1 MiB of queue (the smallest) holds 65536 records of 16 bytes.
  Feed F(1 << 20);
  const uint64_t N = (1 << 20) / 16;
  // Times 1000 .. 1000+N, pushed in reverse order within pairs.
  for (uint64_t I = 0; I < N; I += 2) {
    F.push("x", 1000 + I + 1);
    F.push("x", 1000 + I);
  }
  EXPECT_EQ(F.take().size(), 0u); // exactly full: not over
  F.push("y", 1000 + N);          // over: the older half goes
  EXPECT_EQ(F.Q.halfFlushes(), 1u);
  // Half of the time range [1000, 1000+N]: times up to 1000 + N/2.
  EXPECT_EQ(F.take().size(), N / 2 + 1);
  // A record older than one already delivered cannot be put in order: it
  // goes out at once and is counted.
  F.push("late", 1001);
  EXPECT_EQ(F.take(), V{"late"});
  EXPECT_EQ(F.Q.late(), 1u);
  F.end();
  V Rest = F.take();
  EXPECT_EQ(Rest.size(), N - N / 2);
  EXPECT_EQ(Rest.back(), "y");
}

} // namespace

// perf's ordered_events__queue() refuses a time of 0 or ~0 ("no time") and
// perf delivers such a record at once: a sample whose time field was damaged
// to all ones is printed where it is in the file, not last (found by the
// perf_diff fuzzer on a mutated lost_samples-4.4).
TEST(Reorder, NoTimeIsDeliveredAtOnce) {
  Feed F;
  F.push("s30", 30);
  F.push("max", ~uint64_t(0));
  EXPECT_EQ(F.take(), V{"max"});
  F.push("zero", 0);
  EXPECT_EQ(F.take(), V{"zero"});
  F.push("s20", 20);
  F.round(); // round 1's newest is 30, not ~0: nothing is older than round 0's
  EXPECT_EQ(F.take(), V{});
  F.push("s40", 40);
  F.round(); // round 1's newest (30): s20 and s30 go
  EXPECT_EQ(F.take(), (V{"s20", "s30"}));
  F.end();
  EXPECT_EQ(F.take(), V{"s40"});
  EXPECT_EQ(F.Q.late(), 0u);
}

namespace {

// Records read into the queue's own chunks (acquireChunk, pushInChunk) come
// out as copied ones do. One record in 64 has a time far ahead, so it stays
// queued while every other record of its chunk is delivered: without
// compaction each would keep a whole chunk alive (200 chunks of 128 KiB for
// 25 MiB of input). The queue must stay near its 1 MiB bound: compaction
// starts above 2 MiB + 4 chunks in use, and while it copies at most 1 MiB of
// records the chunks they leave are given back one by one.
TEST(Reorder, ChunksOfPinnedRecordsAreCompacted) {
  const size_t ChunkBytes = 128 << 10;
  Reorderer Q(1 << 20, ChunkBytes);
  std::vector<uint64_t> Times;
  auto Sink = [&](const char *R, uint16_t Size, uint64_t, uint64_t) {
    uint64_t T;
    memcpy(&T, R + 8, 8);
    Times.push_back(T);
    EXPECT_EQ(Size, 64);
  };
  std::function<void(const char *, uint16_t, uint64_t, uint64_t)> Fn = Sink;
  uint64_t Seq = 0, Far = 0;
  size_t MaxChunks = 0;
  for (int C = 0; C < 200; ++C) {
    Reorderer::ReadChunk K = Q.acquireChunk();
    ASSERT_GE(K.Size, ChunkBytes);
    for (size_t Off = 0; Off + 64 <= ChunkBytes; Off += 64) {
      char *R = K.Data + Off;
      memset(R, 0, 64);
      uint16_t Size = 64;
      memcpy(R + 6, &Size, 2);
      ++Seq;
      uint64_t T = (Seq % 64 == 0) ? (uint64_t(1) << 40) + Seq : 1000 + Seq;
      Far += Seq % 64 == 0;
      memcpy(R + 8, &T, 8);
      Q.pushInChunk(R, Size, T, Seq, 0, K.Id, Fn);
    }
    Q.releaseChunk(K.Id);
    MaxChunks = std::max(MaxChunks, Q.chunks());
  }
  Q.flushAll(Fn);
  EXPECT_EQ(Times.size(), Seq);
  EXPECT_GE(Q.compactions(), 1u);
  EXPECT_LE(MaxChunks, 3 * (1 << 20) / ChunkBytes + 6);
  // The far-ahead records come last, in their order.
  ASSERT_GE(Times.size(), Far);
  for (size_t I = Times.size() - Far; I + 1 < Times.size(); ++I)
    EXPECT_LT(Times[I], Times[I + 1]);
  EXPECT_GE(Times.back(), uint64_t(1) << 40);
  EXPECT_EQ(Q.pendingBytes(), 0u);
}

} // namespace

namespace {

/// 16-byte records with a tag, for the window tests.
void push16(Reorderer &Q, uint64_t Time, uint64_t &Seq, Reorderer::DeliverFn F) {
  char R[16] = {};
  uint16_t Size = 16;
  memcpy(R + 6, &Size, 2);
  memcpy(R + 8, &Time, 8);
  ++Seq;
  Q.push(R, Size, Time, Seq, 0, F);
}

// Rounds of 3 MiB (perf's rule delivers a round at the end of the next, so
// two must fit) against a window that starts at 1 MiB: the first round
// overflows it and records of its second half come too late; at its end the
// window grows to hold two such rounds, and no later round has a late record.
// Within each round, times are in reverse order (the worst disorder).
TEST(Reorder, WindowGrowsToTwoRounds) {
  Reorderer Q(64 << 20, 1 << 20, 1 << 20);
  uint64_t Seq = 0, Delivered = 0;
  std::function<void(const char *, uint16_t, uint64_t, uint64_t)> Fn =
      [&](const char *, uint16_t, uint64_t, uint64_t) { ++Delivered; };
  const uint64_t PerRound = (3 << 20) / 16;
  std::vector<uint64_t> LateAfter;
  for (uint64_t Round = 0; Round < 6; ++Round) {
    for (uint64_t I = PerRound; I > 0; --I)
      push16(Q, 1 + Round * PerRound + I, Seq, Fn);
    Q.endRound(Fn);
    LateAfter.push_back(Q.late());
  }
  Q.flushAll(Fn);
  EXPECT_EQ(Delivered, Seq);
  EXPECT_GT(LateAfter[0], 0u);       // the first round overflowed the start window
  EXPECT_EQ(LateAfter[5], LateAfter[0]); // none after it
  EXPECT_GE(Q.windowBytes(), uint64_t(2) * (3 << 20));
}

// Without rounds: a record that comes later than the window allows is late
// once; the window doubles, and the same disorder is then put in order.
// Each block of 1.5 MiB is in reverse time order, blocks in time order.
TEST(Reorder, WindowGrowsWithLateRecords) {
  Reorderer Q(64 << 20, 1 << 20, 1 << 20);
  uint64_t Seq = 0;
  std::vector<uint64_t> Times;
  std::function<void(const char *, uint16_t, uint64_t, uint64_t)> Fn =
      [&](const char *R, uint16_t, uint64_t, uint64_t) {
        uint64_t T;
        memcpy(&T, R + 8, 8);
        Times.push_back(T);
      };
  const uint64_t PerBlock = (3 << 19) / 16;
  for (uint64_t Block = 0; Block < 8; ++Block)
    for (uint64_t I = PerBlock; I > 0; --I)
      push16(Q, 1 + Block * PerBlock + I, Seq, Fn);
  Q.flushAll(Fn);
  ASSERT_EQ(Times.size(), Seq);
  uint64_t Late = Q.late();
  EXPECT_GT(Late, 0u);
  EXPECT_GE(Q.windowBytes(), uint64_t(2) << 20);
  // Every late record was in the first two blocks: the rest came out sorted.
  size_t Tail = size_t(6 * PerBlock);
  for (size_t I = Times.size() - Tail; I + 1 < Times.size(); ++I)
    ASSERT_LT(Times[I], Times[I + 1]) << I;
}

} // namespace
