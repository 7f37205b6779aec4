// tests/unit/collect/ProcessMapsTest.cpp: collect/ProcessMaps, the
// time-ordered mapping history per process.
//
// Each test adds MMAP, FORK and exec events with explicit order keys and asks
// which module and file offset an address has at a time. Expected answers
// follow from the events alone: a mapping holds from its key until a later
// overlapping mapping or an exec; a forked child sees its parent's mappings
// as of the fork until it execs; kernel addresses resolve in the kernel set
// whatever the pid; anonymous mappings resolve to no module; the file offset
// is addr - start + pgoff. Every scenario is also replayed in reverse and
// shuffled insertion orders, which must not change any answer.
#include "collect/ProcessMaps.h"

#include "llvm/ADT/StringExtras.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <random>

using namespace pgoctl;

namespace {

constexpr uint32_t kNone = Location::kNone;

struct Event {
  enum Kind { Mmap, Fork, Exec } K = Mmap;
  uint32_t Pid = 0, Parent = 0;
  uint64_t Start = 0, Len = 0, Pgoff = 0;
  std::string File;
  bool Executable = true;
  OrderKey Key;
};

Event mmapEv(uint32_t Pid, uint64_t Start, uint64_t Len, uint64_t Pgoff, std::string File,
             uint64_t Time, uint64_t Seq = 0) {
  Event E;
  E.K = Event::Mmap;
  E.Pid = Pid;
  E.Start = Start;
  E.Len = Len;
  E.Pgoff = Pgoff;
  E.File = std::move(File);
  E.Key = {Time, Seq};
  return E;
}
Event forkEv(uint32_t Child, uint32_t Parent, uint64_t Time) {
  Event E;
  E.K = Event::Fork;
  E.Pid = Child;
  E.Parent = Parent;
  E.Key = {Time, 0};
  return E;
}
Event execEv(uint32_t Pid, uint64_t Time) {
  Event E;
  E.K = Event::Exec;
  E.Pid = Pid;
  E.Key = {Time, 0};
  return E;
}

void apply(ProcessMaps &M, const Event &E) {
  switch (E.K) {
  case Event::Mmap: {
    perf::MmapEvent Ev;
    Ev.Pid = Ev.Tid = E.Pid;
    Ev.Start = E.Start;
    Ev.Len = E.Len;
    Ev.Pgoff = E.Pgoff;
    Ev.Filename = E.File;
    Ev.Executable = E.Executable;
    Ev.Time = E.Key.Time;
    M.addMmap(Ev, E.Key);
    break;
  }
  case Event::Fork:
    M.addFork(E.Pid, E.Parent, E.Key);
    break;
  case Event::Exec:
    M.addExec(E.Pid, E.Key);
    break;
  }
}

/// What an address should resolve to: a file (or "" for none) and offset.
struct Expect {
  uint32_t Pid;
  uint64_t Addr, Time;
  std::string File; ///< "" = no module
  uint64_t Offset = 0;
};

std::string moduleName(const ProcessMaps &M, const Location &L) {
  return L.Module == kNone ? "" : M.modules()[L.Module].Path;
}

/// Applies Events in the given order and checks every expectation; the query
/// key uses a sequence number above every event's, as a sample read after the
/// side-band records would.
void check(const std::vector<Event> &Events, const std::vector<Expect> &Want,
           const std::string &Order) {
  ProcessMaps M;
  for (const Event &E : Events)
    apply(M, E);
  for (const Expect &W : Want) {
    SCOPED_TRACE(Order + ": pid " + std::to_string(W.Pid) + " addr 0x" +
                 llvm::utohexstr(W.Addr) + " time " + std::to_string(W.Time));
    Location L = M.resolve(W.Pid, W.Addr, {W.Time, 1000});
    EXPECT_EQ(moduleName(M, L), W.File);
    if (!W.File.empty())
      EXPECT_EQ(L.FileOffset, W.Offset);
  }
}

/// check() in the given order, reversed, and a few shuffles.
void checkAnyOrder(std::vector<Event> Events, const std::vector<Expect> &Want) {
  check(Events, Want, "given order");
  std::vector<Event> R(Events.rbegin(), Events.rend());
  check(R, Want, "reversed");
  std::mt19937 Rng(1234);
  for (int I = 0; I < 5; ++I) {
    std::shuffle(Events.begin(), Events.end(), Rng);
    check(Events, Want, "shuffle " + std::to_string(I));
  }
}

TEST(ProcessMaps, FileOffsetIsAddrMinusStartPlusPgoff) {
  checkAnyOrder({mmapEv(10, 0x555555554000, 0x3000, 0x1000, "/bin/app", 5)},
                {{10, 0x555555554000, 6, "/bin/app", 0x1000},
                 {10, 0x555555555234, 6, "/bin/app", 0x2234},
                 {10, 0x555555556fff, 6, "/bin/app", 0x3fff},
                 {10, 0x555555557000, 6, ""},      // one past the end
                 {10, 0x555555553fff, 6, ""},      // one before the start
                 {10, 0x555555555234, 4, ""},      // before it was mapped
                 {11, 0x555555555234, 6, ""}});    // another process
}

TEST(ProcessMaps, LaterOverlappingMmapReplacesFromItsTimeOn) {
  // lib v1 at t=10; v2 mapped over part of it at t=20; v3 at t=30 elsewhere.
  checkAnyOrder({mmapEv(1, 0x10000, 0x4000, 0, "/lib/v1.so", 10),
                 mmapEv(1, 0x12000, 0x4000, 0x2000, "/lib/v2.so", 20),
                 mmapEv(1, 0x20000, 0x1000, 0, "/lib/v3.so", 30)},
                {{1, 0x11000, 15, "/lib/v1.so", 0x1000},
                 {1, 0x13000, 15, "/lib/v1.so", 0x3000},
                 {1, 0x13000, 20, "/lib/v2.so", 0x3000},
                 {1, 0x13000, 25, "/lib/v2.so", 0x3000},
                 {1, 0x15000, 25, "/lib/v2.so", 0x5000},
                 // The whole earlier mapping ends, not only the overlap.
                 {1, 0x11000, 25, ""},
                 {1, 0x20010, 35, "/lib/v3.so", 0x10},
                 {1, 0x13000, 35, "/lib/v2.so", 0x3000}});
}

TEST(ProcessMaps, SameTimeOrderedBySequence) {
  checkAnyOrder({mmapEv(1, 0x1000, 0x1000, 0, "/a", 10, 1),
                 mmapEv(1, 0x1000, 0x1000, 0, "/b", 10, 2)},
                {{1, 0x1800, 10, "/b", 0x800}});
}

TEST(ProcessMaps, ExecEndsEarlierMappings) {
  checkAnyOrder({mmapEv(5, 0x400000, 0x1000, 0, "/bin/sh", 10),
                 mmapEv(5, 0x7f0000000000, 0x1000, 0, "/lib/libc.so", 11),
                 execEv(5, 20),
                 mmapEv(5, 0x500000, 0x1000, 0, "/bin/app", 21)},
                {{5, 0x400010, 15, "/bin/sh", 0x10},
                 {5, 0x7f0000000010, 15, "/lib/libc.so", 0x10},
                 {5, 0x400010, 25, ""},
                 {5, 0x7f0000000010, 25, ""},
                 {5, 0x500010, 25, "/bin/app", 0x10},
                 {5, 0x500010, 19, ""}});
}

TEST(ProcessMaps, ForkedChildSeesParentAsOfTheForkUntilItExecs) {
  checkAnyOrder({mmapEv(1, 0x400000, 0x1000, 0, "/bin/parent", 10),
                 forkEv(2, 1, 20),
                 // The parent maps a library after the fork: not the child's.
                 mmapEv(1, 0x600000, 0x1000, 0, "/lib/late.so", 25),
                 // The child maps its own library.
                 mmapEv(2, 0x700000, 0x1000, 0, "/lib/child.so", 26),
                 execEv(2, 30),
                 mmapEv(2, 0x800000, 0x1000, 0, "/bin/new", 31)},
                {{2, 0x400010, 22, "/bin/parent", 0x10},
                 {2, 0x400010, 29, "/bin/parent", 0x10},
                 {2, 0x600010, 27, ""},
                 {1, 0x600010, 27, "/lib/late.so", 0x10},
                 {2, 0x700010, 27, "/lib/child.so", 0x10},
                 {2, 0x400010, 31, ""},
                 {2, 0x700010, 31, ""},
                 {2, 0x800010, 32, "/bin/new", 0x10},
                 {1, 0x400010, 32, "/bin/parent", 0x10}});
}

TEST(ProcessMaps, GrandchildInheritsThroughTwoForks) {
  checkAnyOrder({mmapEv(1, 0x400000, 0x1000, 0, "/bin/root", 10), forkEv(2, 1, 20),
                 forkEv(3, 2, 30)},
                {{3, 0x400020, 35, "/bin/root", 0x20}, {3, 0x400020, 5, ""}});
}

TEST(ProcessMaps, ThreadForkIsTheSameAddressSpace) {
  ProcessMaps M;
  apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/bin/app", 10));
  apply(M, forkEv(1, 1, 20)); // pid == ppid: a new thread
  Location L = M.resolve(1, 0x400010, {25, 1000});
  EXPECT_EQ(moduleName(M, L), "/bin/app");
}

TEST(ProcessMaps, KernelAddressesResolveInTheKernelSetWhateverThePid) {
  checkAnyOrder({mmapEv(ProcessMaps::kKernelPid, 0xffffffff81000000ULL, 0x1000000,
                        0xffffffff81000000ULL, "[kernel.kallsyms]_text", 0),
                 // A module recorded with an ordinary pid: still the kernel set.
                 mmapEv(0, 0xffffffffc0000000ULL, 0x10000, 0,
                        "/lib/modules/6.1/kernel/drivers/foo.ko", 0),
                 mmapEv(1, 0x400000, 0x1000, 0, "/bin/app", 10)},
                {// Kernel: addresses kept as they are (the file offset is the address).
                 {1, 0xffffffff81001234ULL, 15, "[kernel.kallsyms]", 0xffffffff81001234ULL},
                 {77, 0xffffffff81001234ULL, 15, "[kernel.kallsyms]", 0xffffffff81001234ULL},
                 {0, 0xffffffffc0000010ULL, 15, "/lib/modules/6.1/kernel/drivers/foo.ko",
                  0xffffffffc0000010ULL},
                 {1, 0x400010, 15, "/bin/app", 0x10},
                 {77, 0x400010, 15, ""}});
  ProcessMaps M;
  apply(M, mmapEv(ProcessMaps::kKernelPid, 0xffffffff81000000ULL, 0x1000000, 0,
                  "[kernel.kallsyms]_text", 0));
  Location L = M.resolve(1, 0xffffffff81000010ULL, {1, 1});
  ASSERT_NE(L.Module, kNone);
  EXPECT_TRUE(M.modules()[L.Module].IsKernel);
}

TEST(ProcessMaps, AnonymousMappingsResolveToNoModule) {
  checkAnyOrder({mmapEv(1, 0x10000, 0x1000, 0, "//anon", 1),
                 mmapEv(1, 0x20000, 0x1000, 0, "[heap]", 1),
                 mmapEv(1, 0x30000, 0x1000, 0, "/memfd:jit (deleted)", 1),
                 mmapEv(1, 0x40000, 0x1000, 0, "[anon:v8]", 1),
                 mmapEv(1, 0x50000, 0x1000, 0, "/bin/app", 1)},
                {{1, 0x10010, 2, ""},
                 {1, 0x20010, 2, ""},
                 {1, 0x30010, 2, ""},
                 {1, 0x40010, 2, ""},
                 {1, 0x50010, 2, "/bin/app", 0x10}});
}

TEST(ProcessMaps, AnonymousMappingOverAFileHidesIt) {
  // JIT code mapped over part of a binary's range later: no module there.
  checkAnyOrder({mmapEv(1, 0x50000, 0x2000, 0, "/bin/app", 1),
                 mmapEv(1, 0x51000, 0x1000, 0, "//anon", 5)},
                {{1, 0x51010, 3, "/bin/app", 0x1010}, {1, 0x51010, 6, ""}});
}

TEST(ProcessMaps, NonExecutableMappingsAreIgnored) {
  ProcessMaps M;
  Event E = mmapEv(1, 0x50000, 0x1000, 0, "/data/file", 1);
  E.Executable = false;
  apply(M, E);
  EXPECT_EQ(M.resolve(1, 0x50010, {2, 9}).Module, kNone);
  EXPECT_EQ(M.numMappings(), 0u);
}

TEST(ProcessMaps, BuildIdFromHeaderSectionByFileName) {
  ProcessMaps M;
  M.addBuildId("/bin/app", "\x12\x34");
  apply(M, mmapEv(1, 0x50000, 0x1000, 0, "/bin/app", 1));
  Location L = M.resolve(1, 0x50010, {2, 9});
  ASSERT_NE(L.Module, kNone);
  EXPECT_EQ(M.modules()[L.Module].BuildId, "\x12\x34");
}

TEST(ProcessMaps, CacheDoesNotLeakAcrossProcessesOrTimes) {
  // Repeated lookups hit the cache; the answer must still respect pid/time.
  ProcessMaps M;
  apply(M, mmapEv(1, 0x1000, 0x1000, 0, "/a", 10));
  apply(M, mmapEv(2, 0x1000, 0x1000, 0, "/b", 10));
  apply(M, mmapEv(1, 0x1000, 0x1000, 0, "/c", 20));
  for (int I = 0; I < 3; ++I) {
    EXPECT_EQ(moduleName(M, M.resolve(1, 0x1010, {15, 99})), "/a");
    EXPECT_EQ(moduleName(M, M.resolve(1, 0x1010, {25, 99})), "/c");
    EXPECT_EQ(moduleName(M, M.resolve(2, 0x1010, {25, 99})), "/b");
    EXPECT_EQ(moduleName(M, M.resolve(3, 0x1010, {25, 99})), "");
    EXPECT_EQ(moduleName(M, M.resolve(1, 0x1010, {5, 99})), "");
  }
}

// Guards a fixed bug: with two execs, a mapping added after both (in insertion order)
// but made between them in time is not ended by the second exec.
// ProcessMaps::addMmap (ProcessMaps.cpp, `if (!Kernel && PM.HasExec() &&
// M.From < PM.ExecKey)`) compares with the earliest exec only (addExec keeps
// the minimum key), so the answer depends on insertion order.
TEST(ProcessMaps, TwoExecsAnyOrder) {
  checkAnyOrder({execEv(5, 10), mmapEv(5, 0x400000, 0x1000, 0, "/bin/first", 11),
                 execEv(5, 20), mmapEv(5, 0x500000, 0x1000, 0, "/bin/second", 21)},
                {{5, 0x400010, 15, "/bin/first", 0x10},
                 {5, 0x400010, 25, ""},
                 {5, 0x500010, 25, "/bin/second", 0x10}});
}

// The kernel reuses pids: a FORK record for a pid already seen begins a new
// life. The new child sees its parent's mappings as of that fork, not what
// the earlier process of that pid mapped or exec'd. Before, the earlier
// life's mappings stayed in force (the child resolved to /bin/old) and its
// exec stopped the walk to the parent (nothing resolved).
TEST(ProcessMaps, ReusedPidForkedWithoutExecSeesItsNewParent) {
  checkAnyOrder({mmapEv(1, 0x400000, 0x1000, 0, "/bin/parent", 10),
                 mmapEv(1, 0x600000, 0x1000, 0, "/lib/p.so", 10, 1),
                 // The earlier process of pid 7: forked from 3, exec'd, mapped.
                 forkEv(7, 3, 11), execEv(7, 12),
                 mmapEv(7, 0x400000, 0x1000, 0, "/bin/old", 13),
                 mmapEv(7, 0x500000, 0x1000, 0, "/lib/old.so", 14),
                 // Pid 7 again, a child of 1 that does not exec.
                 forkEv(7, 1, 30)},
                {{7, 0x400010, 20, "/bin/old", 0x10},
                 {7, 0x500010, 20, "/lib/old.so", 0x10},
                 {7, 0x600010, 20, ""},
                 {7, 0x400010, 35, "/bin/parent", 0x10},
                 {7, 0x500010, 35, ""},
                 {7, 0x600010, 35, "/lib/p.so", 0x10}});
}

// The same with two lives that are both children without an exec: each
// resolves through its own parent as of its own fork.
TEST(ProcessMaps, ReusedPidEachLifeThroughItsOwnParent) {
  checkAnyOrder({mmapEv(1, 0x400000, 0x1000, 0, "/bin/one", 10),
                 mmapEv(2, 0x400000, 0x1000, 0, "/bin/two", 10, 1),
                 forkEv(7, 1, 20), forkEv(7, 2, 30)},
                {{7, 0x400010, 25, "/bin/one", 0x10},
                 {7, 0x400010, 35, "/bin/two", 0x10}});
}

} // namespace

namespace {

// ProcessMaps::SampleResolver remembers the last mapping hit for one sample;
// the answers must be those of the events whatever the order of the
// addresses: a child's own later mapping over part of its parent's binary
// hides it there only, kernel and user addresses alternate, an anonymous
// mapping resolves to nothing and the end of a mapping is exclusive.
TEST(ProcessMaps, SampleResolverAnyAddressOrder) {
  ProcessMaps M;
  apply(M, mmapEv(1, 0x400000, 0x10000, 0x1000, "/bin/app", 10));
  apply(M, forkEv(2, 1, 20));
  apply(M, mmapEv(2, 0x404000, 0x1000, 0, "/lib/jit.so", 30));
  apply(M, mmapEv(2, 0x500000, 0x1000, 0, "//anon", 31));
  apply(M, mmapEv(2, 0x600000, 0x2000, 0x3000, "/lib/own.so", 32));
  apply(M, mmapEv(ProcessMaps::kKernelPid, 0xffffffff81000000ULL, 0x1000000,
                  0xffffffff81000000ULL, "[kernel.kallsyms]_text", 0));
  struct Want {
    uint64_t Addr;
    std::string File;
    uint64_t Offset;
  };
  std::vector<Want> Wants = {
      {0x400010, "/bin/app", 0x1010},     // the parent's, at the fork
      {0x404010, "/lib/jit.so", 0x10},    // the child's own over it
      {0x403ff0, "/bin/app", 0x4ff0},
      {0x405000, "/bin/app", 0x6000},     // just past jit.so
      {0x600010, "/lib/own.so", 0x3010},
      {0x601fff, "/lib/own.so", 0x4fff},
      {0x602000, "", 0},                  // one past own.so's end
      {0x5ffff0, "", 0},                  // just before it
      {0x500010, "", 0},                  // anonymous
      {0xffffffff81000010ULL, "[kernel.kallsyms]", 0xffffffff81000010ULL},
      {0xffffffff81fffff0ULL, "[kernel.kallsyms]", 0xffffffff81fffff0ULL},
      {0xffffffff82000000ULL, "", 0},
  };
  std::mt19937 Rng(99);
  for (int Round = 0; Round < 20; ++Round) {
    if (Round)
      std::shuffle(Wants.begin(), Wants.end(), Rng);
    ProcessMaps::SampleResolver R(M, 2, {40, 1000});
    // Each address twice in a row and again later: the remembered hit too.
    for (int Pass = 0; Pass < 2; ++Pass)
      for (const Want &W : Wants)
        for (int Again = 0; Again < 2; ++Again) {
          SCOPED_TRACE("round " + std::to_string(Round) + " addr 0x" +
                       llvm::utohexstr(W.Addr));
          Location L = R(W.Addr);
          EXPECT_EQ(moduleName(M, L), W.File);
          if (!W.File.empty())
            EXPECT_EQ(L.FileOffset, W.Offset);
        }
  }
}

} // namespace

namespace {

// SampleResolver::moveTo keeps its hits (found mappings, and stretches with
// no mapping at all) from one sample to the next while no answer can
// differ. Differential: over random histories of mappings (some late, with
// keys before earlier ones), forks and execs, interleaved with samples at
// keys that mostly increase (some late), a resolver moved from sample to
// sample answers every address as a fresh lookup (ProcessMaps::resolve, a
// separate path: its own cache, then the full lookup) does.
TEST(ProcessMaps, MovedResolverAnswersAsAFreshLookup) {
  std::mt19937 Rng(7);
  auto Pick = [&](unsigned N) { return unsigned(Rng() % N); };
  uint64_t Queries = 0, Mapped = 0;
  for (int Trial = 0; Trial < 300; ++Trial) {
    ProcessMaps M;
    std::optional<ProcessMaps::SampleResolver> R;
    uint64_t T = 100;
    for (uint64_t Step = 1; Step < 300; ++Step) {
      T += Pick(3);
      OrderKey Key{T, Step};
      if (Pick(6) == 0) // late: before what came already
        Key.Time -= Pick(30);
      switch (Pick(12)) {
      case 0:
      case 1:
        apply(M, mmapEv(1 + Pick(3), 0x400000 + 0x1000 * Pick(8), 0x1000 * (1 + Pick(3)),
                        0x1000 * Pick(4), "/f" + std::to_string(Pick(4)), Key.Time, Step));
        break;
      case 2:
        apply(M, mmapEv(ProcessMaps::kKernelPid, 0xffffffff81000000ULL + 0x1000 * Pick(4),
                        0x2000, 0, "[kernel.kallsyms]", Key.Time, Step));
        break;
      case 3:
        apply(M, forkEv(2 + Pick(2), 1 + Pick(2), Key.Time));
        break;
      case 4:
        apply(M, execEv(1 + Pick(3), Key.Time));
        break;
      default: {
        uint32_t Pid = 1 + Pick(3);
        if (R)
          R->moveTo(Pid, Key);
        else
          R.emplace(M, Pid, Key);
        for (int A = 0; A < 8; ++A) {
          uint64_t Addr = Pick(4) == 0 ? 0xffffffff80fff000ULL + 0x400 * Pick(32)
                                       : 0x3ff000 + 0x400 * Pick(48);
          SCOPED_TRACE("trial " + std::to_string(Trial) + " step " + std::to_string(Step) +
                       " pid " + std::to_string(Pid) + " addr 0x" + llvm::utohexstr(Addr));
          Location Want = M.resolve(Pid, Addr, Key);
          if (Pick(2)) { // the two ways in share the hits
            ASSERT_EQ(R->packed(Addr), ProcessMaps::pack(Want));
          } else {
            Location Got = (*R)(Addr);
            ASSERT_EQ(moduleName(M, Got), moduleName(M, Want));
            if (Want.Module != kNone)
              ASSERT_EQ(Got.FileOffset, Want.FileOffset);
          }
          ++Queries;
          Mapped += Want.Module != kNone;
        }
      }
      }
    }
  }
  // The histories do exercise both answers.
  EXPECT_GT(Mapped, Queries / 10);
  EXPECT_LT(Mapped, Queries * 9 / 10);
}

// Hand-checked: a remembered mapping gives way to a replacement, a stretch
// remembered as unmapped to a mapping added there, and a sample before the
// last change is not answered from hits made after it.
TEST(ProcessMaps, MovedResolverForgetsAfterAChange) {
  ProcessMaps M;
  apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/v1", 10));
  ProcessMaps::SampleResolver R(M, 1, {20, 0});
  EXPECT_EQ(moduleName(M, R(0x400010)), "/v1");
  EXPECT_EQ(moduleName(M, R(0x500010)), ""); // remembered as unmapped
  R.moveTo(1, {21, 0});
  EXPECT_EQ(moduleName(M, R(0x400010)), "/v1");
  apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/v2", 30));
  apply(M, mmapEv(1, 0x500000, 0x1000, 0, "/new", 30, 1));
  R.moveTo(1, {31, 0});
  EXPECT_EQ(moduleName(M, R(0x400010)), "/v2");
  EXPECT_EQ(moduleName(M, R(0x500010)), "/new");
  R.moveTo(1, {25, 0}); // before the change: the old answers
  EXPECT_EQ(moduleName(M, R(0x400010)), "/v1");
  EXPECT_EQ(moduleName(M, R(0x500010)), "");
  R.moveTo(1, {32, 0});
  EXPECT_EQ(moduleName(M, R(0x400010)), "/v2");
  R.moveTo(2, {33, 0}); // another process: not the first one's mappings
  EXPECT_EQ(moduleName(M, R(0x400010)), "");
}

// The module of an mmap is its path and build-id, whatever came before: the
// same path with another build-id (a rebuilt library), a build-id from the
// header added after an earlier mmap of the path; and the kernel.
TEST(ProcessMaps, ModuleByPathAndBuildIdWhateverCameBefore) {
  ProcessMaps M;
  auto Map = [&](uint32_t Pid, uint64_t Start, std::string Path, std::string BuildId,
                 uint64_t Time) {
    perf::MmapEvent Ev;
    Ev.Pid = Ev.Tid = Pid;
    Ev.Start = Start;
    Ev.Len = 0x1000;
    Ev.Filename = Path;
    Ev.BuildId = BuildId;
    M.addMmap(Ev, {Time, 0});
  };
  Map(1, 0x400000, "/lib/a.so", "", 10);
  Map(1, 0x500000, "/lib/a.so", "\x01\x02", 11);
  Map(1, 0x600000, "/lib/a.so", "", 12);
  M.addBuildId("/lib/a.so", "\x03");
  Map(1, 0x700000, "/lib/a.so", "", 13);
  Map(ProcessMaps::kKernelPid, 0xffffffff81000000ULL, "[kernel.kallsyms]_text", "", 14);
  auto Mod = [&](uint64_t Addr) { return M.resolve(1, Addr, {20, 0}).Module; };
  ASSERT_NE(Mod(0x400000), kNone);
  EXPECT_NE(Mod(0x400000), Mod(0x500000));
  EXPECT_EQ(Mod(0x400000), Mod(0x600000));
  EXPECT_NE(Mod(0x700000), Mod(0x400000));
  EXPECT_NE(Mod(0x700000), Mod(0x500000));
  EXPECT_EQ(M.modules()[Mod(0x500000)].BuildId, "\x01\x02");
  EXPECT_EQ(M.modules()[Mod(0x700000)].BuildId, "\x03");
  uint32_t K = M.resolve(1, 0xffffffff81000010ULL, {20, 0}).Module;
  ASSERT_NE(K, kNone);
  EXPECT_TRUE(M.modules()[K].IsKernel);
  EXPECT_FALSE(M.modules()[Mod(0x400000)].IsKernel);
}

} // namespace

namespace {

// setSkipRedundant: in key order, a mapping identical to one in force is
// left out, and every answer is the one of keeping it (the events alone
// decide: X holds until Y replaces it at 20; X again from 30).
TEST(ProcessMaps, IdenticalMappingsInOrderAreLeftOutWithTheSameAnswers) {
  std::vector<Event> Events = {mmapEv(1, 0x400000, 0x1000, 0, "/x", 10),
                               mmapEv(1, 0x400000, 0x1000, 0, "/x", 15), // left out
                               mmapEv(1, 0x400000, 0x1000, 0, "/y", 20),
                               mmapEv(1, 0x400000, 0x1000, 0, "/x", 30), // kept: Y in force
                               mmapEv(1, 0x400000, 0x1000, 0, "/x", 35)}; // left out
  std::vector<Expect> Want = {{1, 0x400010, 12, "/x", 0x10}, {1, 0x400010, 17, "/x", 0x10},
                              {1, 0x400010, 25, "/y", 0x10}, {1, 0x400010, 32, "/x", 0x10},
                              {1, 0x400010, 40, "/x", 0x10}};
  ProcessMaps M;
  M.setSkipRedundant(true);
  for (const Event &E : Events)
    apply(M, E);
  EXPECT_EQ(M.skippedMappings(), 2u);
  EXPECT_FALSE(M.skipsUnsafe());
  for (const Expect &W : Want) {
    Location L = M.resolve(W.Pid, W.Addr, {W.Time, 1000});
    EXPECT_EQ(moduleName(M, L), W.File) << W.Time;
  }
}

// Out of key order, leaving out can be wrong: /x at 10 and again at 30 (left
// out: /x in force), then /y at 20 arrives; keeping both would answer /x at
// 35, the list without the second /x answers /y. The late event must mark
// the skipping unsafe (the importer then reads again without it); so must
// an exec or fork of that pid before the skipped key.
TEST(ProcessMaps, AnEventBeforeALeftOutMappingMarksSkippingUnsafe) {
  for (int Late = 0; Late < 3; ++Late) {
    ProcessMaps M;
    M.setSkipRedundant(true);
    apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/x", 10));
    apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/x", 30));
    ASSERT_EQ(M.skippedMappings(), 1u);
    EXPECT_FALSE(M.skipsUnsafe());
    if (Late == 0)
      apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/y", 20));
    else if (Late == 1)
      apply(M, execEv(1, 20));
    else
      apply(M, forkEv(1, 2, 20));
    EXPECT_TRUE(M.skipsUnsafe()) << Late;
  }
  // Another pid's earlier event is no reason.
  ProcessMaps M;
  M.setSkipRedundant(true);
  apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/x", 10));
  apply(M, mmapEv(1, 0x400000, 0x1000, 0, "/x", 30));
  apply(M, mmapEv(2, 0x400000, 0x1000, 0, "/y", 20));
  EXPECT_FALSE(M.skipsUnsafe());
}

} // namespace
