// tests/unit/collect/ProcessMapsPruneTest.cpp: collect/ProcessMaps keeps the
// mappings a time-ordered reader can still look up, not the run's history.
//
// The events are fed as a one-pass reader in time order feeds them: side-band
// records, then samples, each sample first calling retireBefore() with its
// key. Mappings are replaced again and again (a new version of a library at
// the same place, as a long recording or the scaled benchmark file does).
// Expected answers follow from the events alone: at each sample's time the
// version mapped last before it; a forked child resolves its parent's
// addresses with the version in force at the fork. The bound on kept
// mappings is independent of how many versions were added: each process list
// is pruned lazily (when it has doubled since its last pruning, at least 64
// entries), so it holds at most twice 64 here, where at most 4 mappings of a
// process are in force or replaced since the previous sample.
#include "collect/ProcessMaps.h"

#include <gtest/gtest.h>

#include <string>

using namespace pgoctl;

namespace {

constexpr uint32_t kNone = Location::kNone;
constexpr size_t kListBound = 2 * 64;

void mmap(ProcessMaps &M, uint32_t Pid, uint64_t Start, uint64_t Len, const std::string &File,
          OrderKey Key) {
  perf::MmapEvent Ev;
  Ev.Pid = Ev.Tid = Pid;
  Ev.Start = Start;
  Ev.Len = Len;
  Ev.Filename = File;
  Ev.Executable = true;
  Ev.Time = Key.Time;
  M.addMmap(Ev, Key);
}

std::string nameAt(const ProcessMaps &M, const Location &L) {
  return L.Module == kNone ? "" : M.modules()[L.Module].Path;
}

std::string version(const char *Base, unsigned V) {
  return std::string(Base) + ".v" + std::to_string(V);
}

// A forked child maps a new version of its library N times; the parent, which
// keeps running, maps a new version of its own library as often. The child
// resolves its own library at the newest version and the parent's at the
// version current at the fork, every time; the kept count stays bounded.
TEST(ProcessMapsPrune, ChildReplacingAMappingNTimesStaysBounded) {
  constexpr unsigned N = 2000;
  constexpr uint32_t Parent = 100, Child = 101;
  constexpr uint64_t App = 0x400000, PLib = 0x7f0000000000, CLib = 0x7f1000000000;
  ProcessMaps M;
  uint64_t Seq = 0;
  mmap(M, Parent, App, 0x10000, "/bin/app", {10, ++Seq});
  mmap(M, Parent, PLib, 0x10000, version("/lib/parent.so", 0), {11, ++Seq});
  M.addFork(Child, Parent, {20, ++Seq});
  size_t MaxKept = 0;
  for (unsigned V = 1; V <= N; ++V) {
    uint64_t T = 100 * V;
    mmap(M, Child, CLib, 0x10000, version("/lib/child.so", V), {T, ++Seq});
    mmap(M, Parent, PLib, 0x10000, version("/lib/parent.so", V), {T + 1, ++Seq});
    // A sample of each process after both mappings.
    OrderKey S{T + 50, ++Seq};
    M.retireBefore(S);
    SCOPED_TRACE("version " + std::to_string(V));
    EXPECT_EQ(nameAt(M, M.resolve(Child, CLib + 0x123, S)), version("/lib/child.so", V));
    EXPECT_EQ(M.resolve(Child, CLib + 0x123, S).FileOffset, 0x123u);
    EXPECT_EQ(nameAt(M, M.resolve(Child, PLib + 0x10, S)), version("/lib/parent.so", 0));
    EXPECT_EQ(nameAt(M, M.resolve(Child, App + 0x10, S)), "/bin/app");
    EXPECT_EQ(nameAt(M, M.resolve(Parent, PLib + 0x10, S)), version("/lib/parent.so", V));
    EXPECT_EQ(nameAt(M, M.resolve(Parent, CLib + 0x10, S)), "");
    MaxKept = std::max(MaxKept, M.numMappings());
  }
  EXPECT_LE(MaxKept, 2 * kListBound) << "of " << 2 * N + 2 << " mappings added";
  // Once the child has exited, the parent's version at the fork may go too.
  M.addExit(Child, {100 * N + 60, ++Seq});
  for (unsigned V = N + 1; V <= N + 200; ++V) {
    mmap(M, Parent, PLib, 0x10000, version("/lib/parent.so", V), {100 * V, ++Seq});
    OrderKey S{100 * V + 50, ++Seq};
    M.retireBefore(S);
    EXPECT_EQ(nameAt(M, M.resolve(Parent, PLib + 0x10, S)), version("/lib/parent.so", V));
  }
  EXPECT_LE(M.numMappings(), 2 * kListBound);
}

// The shape of bench/ingest.py's late side-band file: many processes (and the
// kernel) re-map their files at one time per generation, in one burst of
// side-band records between two samples. Every process's list must be pruned,
// not only the first one's in the burst.
TEST(ProcessMapsPrune, ManyProcessesRemappedInOneBurstStayBounded) {
  constexpr unsigned Procs = 50, Generations = 300;
  ProcessMaps M;
  uint64_t Seq = 0;
  size_t MaxKept = 0;
  for (unsigned G = 0; G < Generations; ++G) {
    uint64_t T = 1000 * (G + 1);
    // The burst: every mapping of every process at time T.
    std::string Ko = "/lib/modules/6.1/foo-" + std::to_string(G) + ".ko";
    mmap(M, ProcessMaps::kKernelPid, 0xffffffffc0000000ULL, 0x10000, Ko, {T, ++Seq});
    for (uint32_t P = 1; P <= Procs; ++P) {
      mmap(M, P, 0x400000, 0x10000, version("/bin/app", G), {T, ++Seq});
      mmap(M, P, 0x7f0000000000, 0x10000, version("/lib/libc.so", G), {T, ++Seq});
    }
    // Samples of every process after it.
    for (uint32_t P = 1; P <= Procs; ++P) {
      OrderKey S{T + P, ++Seq};
      M.retireBefore(S);
      SCOPED_TRACE("generation " + std::to_string(G) + " pid " + std::to_string(P));
      EXPECT_EQ(nameAt(M, M.resolve(P, 0x400010, S)), version("/bin/app", G));
      EXPECT_EQ(nameAt(M, M.resolve(P, 0x7f0000000010, S)), version("/lib/libc.so", G));
      EXPECT_EQ(nameAt(M, M.resolve(P, 0xffffffffc0000010ULL, S)), Ko);
    }
    MaxKept = std::max(MaxKept, M.numMappings());
  }
  EXPECT_LE(MaxKept, (Procs + 1) * kListBound)
      << "of " << (2 * Procs + 1) * Generations << " mappings added";
}

} // namespace
