// tests/unit/collect/ImporterTest.cpp: collect/Importer on synthetic inputs.
//
// perf.data files are built with tests/unit/PerfDataBuilder and written to
// temporary files. The LBR test's expected branch, range and IP counts are
// worked out by hand from the documented semantics (collect/Importer.h:
// newest-first entries; a range from the older entry's target to the newer
// entry's source; 0/0 slots skipped; external ends kept, both external
// dropped; cross-binary or inverted ranges dropped and counted). Its binaries
// do not exist, so addresses stay file offsets (addr - start + pgoff). ELF
// normalization uses real executables CMake builds from import_fixture.c,
// with llvm-nm (function addresses) and llvm-readelf (PT_LOAD headers,
// build-id) as the oracles. Also: --pid and --comm (with fork inheritance and
// exec), the event choice, the one-pass (stdin) path, and perf script text
// giving the same counts as the equivalent perf.data.
#include "tests/unit/TestTools.h"
#include "../PerfDataBuilder.h"
#include "collect/Importer.h"
#include "collect/PerfData.h"
#include "core/Profile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <tuple>
#include <unistd.h>

using namespace pgoctl;
using namespace pgoctl::testing;
using ::testing::HasSubstr;

namespace {

constexpr uint64_t EXT = kExternalAddress;

struct ImportRun {
  std::optional<Profile> P;
  ImportSummary Sum;
  std::string Error;
};

ImportRun importFile(const std::string &Path, const ImportOptions &O) {
  ImportRun R;
  Stats St;
  llvm::Expected<Profile> P = importProfile(Path, O, R.Sum, St);
  if (!P)
    R.Error = llvm::toString(P.takeError());
  else
    R.P = std::move(*P);
  return R;
}

ImportRun importBytes(llvm::StringRef Bytes, const ImportOptions &O = {}) {
  TempFile F(Bytes);
  return importFile(F.path(), O);
}

/// Imports Bytes from standard input ("-"): the one-pass path.
ImportRun importStdin(llvm::StringRef Bytes, const ImportOptions &O = {}) {
  TempFile F(Bytes);
  int Saved = dup(0);
  int FD = open(F.path().c_str(), O_RDONLY);
  dup2(FD, 0);
  close(FD);
  ImportRun R = importFile("-", O);
  dup2(Saved, 0);
  close(Saved);
  return R;
}

const BinaryProfile *binary(const Profile &P, llvm::StringRef Path) {
  for (const BinaryProfile &B : P.Binaries)
    if (B.Path == Path)
      return &B;
  return nullptr;
}

using BranchT = std::tuple<uint64_t, uint64_t, uint64_t, uint64_t>; // from, to, count, mispreds
using RangeT = std::tuple<uint64_t, uint64_t, uint64_t>;
using SampleT = std::pair<uint64_t, uint64_t>;

std::vector<BranchT> branches(const BinaryProfile &B) {
  std::vector<BranchT> V;
  for (const BranchCount &C : B.Branches)
    V.push_back({C.From, C.To, C.Count, C.Mispreds});
  std::sort(V.begin(), V.end());
  return V;
}
std::vector<RangeT> ranges(const BinaryProfile &B) {
  std::vector<RangeT> V;
  for (const RangeCount &C : B.Ranges)
    V.push_back({C.Begin, C.End, C.Count});
  std::sort(V.begin(), V.end());
  return V;
}
using TraceT = std::tuple<uint64_t, uint64_t, uint64_t, uint64_t>; // branch, begin, end, count
std::vector<TraceT> traces(const BinaryProfile &B) {
  std::vector<TraceT> V;
  for (const TraceCount &C : B.Traces)
    V.push_back({C.Branch, C.Begin, C.End, C.Count});
  std::sort(V.begin(), V.end());
  return V;
}
std::vector<SampleT> samples(const BinaryProfile &B) {
  std::vector<SampleT> V;
  for (const AddrCount &C : B.Samples)
    V.push_back({C.Addr, C.Count});
  std::sort(V.begin(), V.end());
  return V;
}
template <class T> std::vector<T> sorted(std::vector<T> V) {
  std::sort(V.begin(), V.end());
  return V;
}

/// Every count of every binary, keyed by path (for comparing two imports).
std::string countsText(const Profile &P) {
  std::string S;
  for (const BinaryProfile &B : P.Binaries) {
    S += B.Path + "\n";
    for (auto [F, T, C, M] : branches(B))
      S += "  b " + llvm::utohexstr(F) + " " + llvm::utohexstr(T) + " " + std::to_string(C) +
           " " + std::to_string(M) + "\n";
    for (auto [Bg, E, C] : ranges(B))
      S += "  r " + llvm::utohexstr(Bg) + " " + llvm::utohexstr(E) + " " + std::to_string(C) + "\n";
    for (auto [Br, Bg, E, C] : traces(B))
      S += "  t " + llvm::utohexstr(Br) + " " + llvm::utohexstr(Bg) + " " + llvm::utohexstr(E) +
           " " + std::to_string(C) + "\n";
    for (auto [A, C] : samples(B))
      S += "  s " + llvm::utohexstr(A) + " " + std::to_string(C) + "\n";
  }
  return S;
}

// ---------------------------------------------------------------------------
// LBR aggregation.

const char *const kA = "/opt/pgoctl-test-missing/a.bin"; // 0x400000, pgoff 0x1000
const char *const kB = "/opt/pgoctl-test-missing/b.so";  // 0x7f0000000000, pgoff 0
constexpr uint32_t kPid = 100;

AttrSpec lbrAttr() {
  AttrSpec A;
  A.Type = 0; // hardware
  A.Config = 4; // branches
  A.SamplePeriod = 100003;
  A.SampleType = perf::kSampleIp | perf::kSampleTid | perf::kSampleTime |
                 perf::kSampleBranchStack;
  A.Flags = kAttrFlagSampleIdAll;
  A.Ids = {1};
  return A;
}

struct LbrSample {
  uint64_t Ip;
  std::vector<LbrEntry> Entries; ///< newest first
};

/// The scenario; see the expected values in LbrAggregationAsDocumented.
std::vector<LbrSample> lbrSamples() {
  return {
      // S1: three entries inside a.bin; the newest mispredicted.
      {0x400500, {{0x400500, 0x400600, 1}, {0x400300, 0x400480, 0}, {0x400100, 0x400200, 0}}},
      // S2: a short stack: two empty slots.
      {0x400500, {{0x400500, 0x400600, 0}, {0, 0, 0}, {0, 0, 0}}},
      // S3: calls and returns between a.bin and b.so.
      {0x7f0000001010,
       {{0x400700, 0x7f0000001000, 0},
        {0x7f0000002000, 0x400650, 0},
        {0x7f0000000100, 0x7f0000001f00, 0},
        {0x400010, 0x7f0000000050, 0}}},
      // S4: ends outside every mapping; an inverted range.
      {0x12345,
       {{0x400800, 0x12345, 0}, {0x999999, 0x400900, 0}, {0x111, 0x222, 0},
        {0x400a00, 0x7f0000003000, 0}}},
      // S5: the same backward branch twice in a row (a short loop).
      {0x400300, {{0x400300, 0x400100, 0}, {0x400300, 0x400100, 0}}},
  };
}

PerfDataBuilder lbrInput() {
  PerfDataBuilder B;
  B.addAttr(lbrAttr());
  SampleIdFields Id{kPid, kPid, 1, 0, 0, 0};
  B.addComm(kPid, kPid, "app", true, &Id);
  Id.Time = 2;
  B.addMmap2(kPid, 0x400000, 0x10000, 0x1000, kA, 5, {}, &Id);
  Id.Time = 3;
  B.addMmap2(kPid, 0x7f0000000000, 0x10000, 0, kB, 5, {}, &Id);
  uint64_t T = 10;
  for (const LbrSample &L : lbrSamples()) {
    SampleFields S;
    S.Ip = L.Ip;
    S.Pid = S.Tid = kPid;
    S.Time = T++;
    S.Branches = L.Entries;
    B.addSample(S);
  }
  return B;
}

void expectLbrCounts(const ImportRun &R) {
  ASSERT_EQ(R.Error, "");
  const Profile &P = *R.P;
  // a.bin offsets: addr - 0x400000 + 0x1000; b.so offsets: addr - 0x7f0000000000.
  const BinaryProfile *A = binary(P, kA), *B = binary(P, kB);
  ASSERT_NE(A, nullptr);
  ASSERT_NE(B, nullptr);
  EXPECT_EQ(A->Space, AddressSpace::FileOffset);
  EXPECT_EQ(branches(*A), sorted<BranchT>({
                              {0x1500, 0x1600, 2, 1}, // S1 e0 (mispredicted) + S2 e0
                              {0x1300, 0x1480, 1, 0}, // S1 e1
                              {0x1100, 0x1200, 1, 0}, // S1 e2
                              {0x1700, EXT, 1, 0},    // S3 e0: a.bin -> b.so
                              {EXT, 0x1650, 1, 0},    // S3 e1: b.so -> a.bin
                              {0x1010, EXT, 1, 0},    // S3 e3
                              {0x1800, EXT, 1, 0},    // S4 e0: to nowhere
                              {EXT, 0x1900, 1, 0},    // S4 e1: from nowhere
                              {0x1a00, EXT, 1, 0},    // S4 e3
                              {0x1300, 0x1100, 2, 0}, // S5 e0, e1
                          }));
  EXPECT_EQ(branches(*B), sorted<BranchT>({
                              {EXT, 0x1000, 1, 0},   // S3 e0
                              {0x2000, EXT, 1, 0},   // S3 e1
                              {0x100, 0x1f00, 1, 0}, // S3 e2
                              {EXT, 0x50, 1, 0},     // S3 e3
                              {EXT, 0x3000, 1, 0},   // S4 e3
                          }));
  EXPECT_EQ(ranges(*A), sorted<RangeT>({
                            {0x1480, 0x1500, 1}, // S1: e1.to .. e0.from
                            {0x1200, 0x1300, 1}, // S1: e2.to .. e1.from
                            {0x1650, 0x1700, 1}, // S3: e1.to .. e0.from
                            {0x1100, 0x1300, 1}, // S5: e1.to .. e0.from
                        }));
  EXPECT_EQ(ranges(*B), sorted<RangeT>({
                            {0x1f00, 0x2000, 1}, // S3: e2.to .. e1.from
                            {0x50, 0x100, 1},    // S3: e3.to .. e2.from
                        }));
  // Traces: each range with the source of the branch that began it (EXT when
  // that source is in another module).
  EXPECT_EQ(traces(*A), sorted<TraceT>({
                            {0x1300, 0x1480, 0x1500, 1}, // S1 e1
                            {0x1100, 0x1200, 0x1300, 1}, // S1 e2
                            {EXT, 0x1650, 0x1700, 1},    // S3 e1: from b.so
                            {0x1300, 0x1100, 0x1300, 1}, // S5 e1
                        }));
  EXPECT_EQ(traces(*B), sorted<TraceT>({
                            {0x100, 0x1f00, 0x2000, 1}, // S3 e2
                            {EXT, 0x50, 0x100, 1},      // S3 e3: from a.bin
                        }));
  EXPECT_EQ(samples(*A), sorted<SampleT>({{0x1500, 2}, {0x1300, 1}}));
  EXPECT_EQ(samples(*B), sorted<SampleT>({{0x1010, 1}}));
  // Ranges: S1 2, S3 3, S4 3 (all invalid: inverted, unmapped target,
  // unmapped source), S5 1.
  EXPECT_EQ(R.Sum.Ranges, 9u);
  EXPECT_EQ(R.Sum.InvalidRanges, 3u);
  EXPECT_EQ(R.Sum.BranchEntries, 14u);
  EXPECT_EQ(R.Sum.EmptyEntries, 2u);
  EXPECT_EQ(R.Sum.ExternalBranches, 1u); // S4 e2, both ends unmapped
  EXPECT_EQ(R.Sum.UnmappedIps, 1u);      // S4
  EXPECT_EQ(R.Sum.SamplesUsed, 5u);
  EXPECT_EQ(P.Meta.Mode, ProfileMode::Lbr);
  EXPECT_EQ(P.Meta.TotalSamples, 5u);
  EXPECT_EQ(P.Meta.UnmappedSamples, 1u);
  EXPECT_EQ(P.Meta.SamplePeriod, 100003u);
  EXPECT_EQ(P.Meta.Event, "branches");
  EXPECT_EQ(P.Meta.TimeStartNs, 10u);
  EXPECT_EQ(P.Meta.TimeEndNs, 14u);
  EXPECT_TRUE(P.Stacks.empty());
}

TEST(ImporterLbr, AggregationAsDocumented) { expectLbrCounts(importBytes(lbrInput().fileMode())); }

TEST(ImporterLbr, PipeModeFromAFileAndFromStdin) {
  expectLbrCounts(importBytes(lbrInput().pipeMode()));
  expectLbrCounts(importStdin(lbrInput().pipeMode()));
}

TEST(ImporterLbr, SideBandAfterTheSamplesInTheFile) {
  // perf writes per-CPU buffers: a sample may precede its mmap in the file.
  // Mapping is by time, so moving the side-band records to the end changes
  // nothing for a file (two passes).
  PerfDataBuilder B;
  B.addAttr(lbrAttr());
  uint64_t T = 10;
  for (const LbrSample &L : lbrSamples()) {
    SampleFields S;
    S.Ip = L.Ip;
    S.Pid = S.Tid = kPid;
    S.Time = T++;
    S.Branches = L.Entries;
    B.addSample(S);
  }
  SampleIdFields Id{kPid, kPid, 3, 0, 0, 0};
  B.addMmap2(kPid, 0x7f0000000000, 0x10000, 0, kB, 5, {}, &Id);
  Id.Time = 2;
  B.addMmap2(kPid, 0x400000, 0x10000, 0x1000, kA, 5, {}, &Id);
  Id.Time = 1;
  B.addComm(kPid, kPid, "app", true, &Id);
  expectLbrCounts(importBytes(B.fileMode()));
}

// One pass leaves out a mapping identical to one in force (a.bin again at
// 30). Then an MMAP of b.so over the same place at 20 arrives too late for
// the reorder queue, with no sample after 20 delivered yet, so the late
// side-band rule alone does not see it. By the events, a.bin holds from 30
// on: the sample at 50 is a.bin's. Leaving out the second a.bin made the
// list answer b.so; the importer must read again in two passes.
TEST(ImporterLbr, LateMappingBeforeALeftOutOneIsReadAgain) {
  PerfDataBuilder B;
  B.addAttr(lbrAttr());
  SampleIdFields Id{kPid, kPid, 10, 0, 0, 0};
  auto Sample = [&](uint64_t Time) {
    SampleFields S;
    S.Ip = 0x400010;
    S.Pid = S.Tid = kPid;
    S.Time = Time;
    B.addSample(S);
  };
  B.addMmap2(kPid, 0x400000, 0x10000, 0x1000, kA, 5, {}, &Id);
  Sample(11);
  B.addFinishedRound();
  Id.Time = 30;
  B.addMmap2(kPid, 0x400000, 0x10000, 0x1000, kA, 5, {}, &Id);
  B.addFinishedRound(); // delivers up to 11
  B.addFinishedRound(); // delivers up to 30: the second a.bin
  Id.Time = 20;
  B.addMmap2(kPid, 0x400000, 0x10000, 0, kB, 5, {}, &Id);
  Sample(50);
  ImportRun R = importBytes(B.fileMode());
  ASSERT_EQ(R.Error, "");
  const BinaryProfile *A = binary(*R.P, kA);
  ASSERT_NE(A, nullptr);
  EXPECT_EQ(samples(*A), sorted<SampleT>({{0x1010, 2}}));
  EXPECT_EQ(binary(*R.P, kB), nullptr);
  bool ReadAgain = false;
  for (const std::string &N : R.Sum.Notes)
    ReadAgain |= N.find("read again in two passes") != std::string::npos;
  EXPECT_TRUE(ReadAgain);
}

TEST(ImporterLbr, CompressedInputGivesTheSameCounts) {
  PerfDataBuilder B = lbrInput();
  B.compress(0, B.numRecords(), {B.dataOffsetOf(4) + 11});
  expectLbrCounts(importBytes(B.fileMode()));
}

// ---------------------------------------------------------------------------
// perf script text.

/// The perf script text of lbrInput(), in the form perf prints for
/// `-F [pid,tid,]ip,brstack --show-mmap-events --show-task-events`.
std::string lbrText(bool WithPid) {
  std::string T;
  auto Prefix = [&] { return WithPid ? llvm::formatv("{0,7}/{1,-7} ", kPid, kPid).str() : ""; };
  T += Prefix() + "PERF_RECORD_COMM exec: app:100/100\n";
  T += Prefix() + "PERF_RECORD_MMAP2 100/100: [0x400000(0x10000) @ 0x1000 fe:01 123 0]: "
                  "r-xp " + std::string(kA) + "\n";
  T += Prefix() + "PERF_RECORD_MMAP2 100/100: [0x7f0000000000(0x10000) @ 0 fe:01 124 0]: "
                  "r-xp " + std::string(kB) + "\n";
  for (const LbrSample &L : lbrSamples()) {
    T += Prefix() + llvm::formatv("{0,16:x-}", L.Ip).str();
    for (const LbrEntry &E : L.Entries)
      T += llvm::formatv(" 0x{0:x-}/0x{1:x-}/{2}/-/-/0/ ", E.From, E.To,
                         (E.Flags & 1) ? "M" : "-")
               .str();
    T += "\n";
  }
  return T;
}

void expectTextMatchesData(bool WithPid) {
  ImportRun Data = importBytes(lbrInput().fileMode());
  ASSERT_EQ(Data.Error, "");
  std::string Text = lbrText(WithPid);
  ImportRun R = importBytes(Text);
  ASSERT_EQ(R.Error, "") << Text;
  EXPECT_EQ(R.Sum.Format, "perf-script");
  EXPECT_EQ(countsText(*R.P), countsText(*Data.P)) << Text;
  EXPECT_EQ(R.Sum.Ranges, Data.Sum.Ranges);
  EXPECT_EQ(R.Sum.InvalidRanges, Data.Sum.InvalidRanges);
  EXPECT_EQ(R.Sum.EmptyEntries, Data.Sum.EmptyEntries);
  EXPECT_EQ(R.Sum.ExternalBranches, Data.Sum.ExternalBranches);
  EXPECT_EQ(R.Sum.SamplesUsed, Data.Sum.SamplesUsed);
}

TEST(ImporterText, BrstackTextGivesTheSameCountsAsPerfData) { expectTextMatchesData(false); }

// Guards a fixed bug: with `-F pid,tid,ip,brstack` every sample is unmapped. In
// PerfScriptText.cpp, samplesHavePid() splits the first sample line with
// `T.split(Tok, ' ', 3, false)`: the run of spaces perf prints between
// "pid/tid" and the ip uses up the 3 splits (empty pieces count), so Tok[1]
// is the whole rest of the line, which contains '/' (the branch entries), and
// the text is taken to have no pid: mmaps get pid 0, samples keep theirs.
TEST(ImporterText, PidBrstackTextGivesTheSameCountsAsPerfData) {
  expectTextMatchesData(true);
}

TEST(ImporterText, TextWithoutMmapLinesIsAnError) {
  ImportRun R = importBytes("    400500\n    400600\n");
  EXPECT_THAT(R.Error, HasSubstr("--show-mmap-events"));
}

TEST(ImporterText, CallChainsInTextAreRefused) {
  ImportRun R = importBytes("PERF_RECORD_MMAP2 1/1: [0x400000(0x1000) @ 0 fe:01 1 0]: r-xp /a\n"
                            "    400500\n\t          401000 main+0x10 (/a)\n");
  EXPECT_THAT(R.Error, HasSubstr(":3: call chains in perf script text are not supported"));
}

/// IP samples with pid and time (sample_id_all), and pid 1 mapping
/// /opt/pgoctl-test-missing/one at 0x10000 (0x1000 bytes, file offset 0).
PerfDataBuilder ipInputWithOneMapping() {
  PerfDataBuilder B;
  AttrSpec A;
  A.SampleType = perf::kSampleIp | perf::kSampleTid | perf::kSampleTime;
  A.Flags = kAttrFlagSampleIdAll;
  A.SamplePeriod = 250000;
  B.addAttr(A);
  SampleIdFields Id{1, 1, 1, 0, 0, 0};
  B.addMmap2(1, 0x10000, 0x1000, 0, "/opt/pgoctl-test-missing/one", 5, {}, &Id);
  return B;
}

TEST(ImporterText, IpOnlyTextMatchesPerfData) {
  // Plain IP samples of two processes; text with pid keeps them apart.
  PerfDataBuilder B = ipInputWithOneMapping();
  SampleIdFields Id{2, 2, 1, 0, 0, 0};
  B.addMmap2(2, 0x10000, 0x1000, 0x3000, "/opt/pgoctl-test-missing/two", 5, {}, &Id);
  std::string Text = "PERF_RECORD_MMAP2 1/1: [0x10000(0x1000) @ 0 fe:01 1 0]: r-xp "
                     "/opt/pgoctl-test-missing/one\n"
                     "PERF_RECORD_MMAP2 2/2: [0x10000(0x1000) @ 0x3000 fe:01 2 0]: r-xp "
                     "/opt/pgoctl-test-missing/two\n";
  uint64_t T = 5;
  for (auto [Pid, Ip] : std::vector<std::pair<uint32_t, uint64_t>>{
           {1, 0x10010}, {2, 0x10010}, {2, 0x10020}, {1, 0x10010}, {2, 0x10fff}}) {
    SampleFields S;
    S.Ip = Ip;
    S.Pid = S.Tid = Pid;
    S.Time = T++;
    B.addSample(S);
    Text += llvm::formatv("{0,7} {1,16:x-}\n", Pid, Ip).str();
  }
  ImportRun Data = importBytes(B.fileMode());
  ImportRun Txt = importBytes(Text);
  ASSERT_EQ(Data.Error, "");
  ASSERT_EQ(Txt.Error, "");
  EXPECT_EQ(countsText(*Txt.P), countsText(*Data.P));
  EXPECT_EQ(countsText(*Data.P), "/opt/pgoctl-test-missing/one\n  s 10 2\n"
                                 "/opt/pgoctl-test-missing/two\n  s 3010 1\n  s 3020 1\n"
                                 "  s 3FFF 1\n");
  EXPECT_EQ(Data.P->Meta.Mode, ProfileMode::IpSamples);
}

// A guest's sample (cpumode 5, guest user) at an address the host process
// has mapped is the guest's, not this binary's: skipped, with a warning that
// counts it, as perf script skips it.
TEST(ImporterIp, GuestSamplesAreSkippedWithAWarning) {
  PerfDataBuilder B = ipInputWithOneMapping();
  uint64_t T = 5;
  for (uint16_t Mode : {2, 5, 2, 5, 5}) {
    SampleFields S;
    S.Ip = 0x10010;
    S.Pid = S.Tid = 1;
    S.Time = T++;
    B.addSample(S, 0, Mode);
  }
  ImportRun R = importBytes(B.fileMode());
  ASSERT_EQ(R.Error, "");
  EXPECT_EQ(countsText(*R.P), "/opt/pgoctl-test-missing/one\n  s 10 2\n");
  bool Warned = false;
  for (const std::string &W : R.Sum.Warnings)
    Warned |= llvm::StringRef(W).starts_with("3 samples of a guest machine");
  EXPECT_TRUE(Warned);
}

// ---------------------------------------------------------------------------
// Filters and event choice.

/// pid 100 "app" and pid 200 "other" run /bin/x; pid 300 forks from 100 at
/// t=5 and execs "tool" at t=50. Samples: 100 x3, 200 x2, 300 x2 before its
/// exec and x1 after.
PerfDataBuilder filterInput() {
  PerfDataBuilder B;
  AttrSpec A;
  A.SampleType = perf::kSampleIp | perf::kSampleTid | perf::kSampleTime;
  A.Flags = kAttrFlagSampleIdAll;
  B.addAttr(A);
  const char *X = "/opt/pgoctl-test-missing/x";
  SampleIdFields Id{100, 100, 1, 0, 0, 0};
  B.addComm(100, 100, "app", true, &Id);
  B.addMmap2(100, 0x1000, 0x1000, 0, X, 5, {}, &Id);
  Id = {200, 200, 2, 0, 0, 0};
  B.addComm(200, 200, "other", true, &Id);
  B.addMmap2(200, 0x1000, 0x1000, 0, X, 5, {}, &Id);
  B.addFork(300, 100, 300, 100, 5);
  auto Sample = [&](uint32_t Pid, uint64_t Time, uint64_t Ip) {
    SampleFields S;
    S.Ip = Ip;
    S.Pid = S.Tid = Pid;
    S.Time = Time;
    B.addSample(S);
  };
  Sample(100, 10, 0x1010);
  Sample(100, 11, 0x1010);
  Sample(100, 12, 0x1020);
  Sample(200, 13, 0x1030);
  Sample(200, 14, 0x1030);
  Sample(300, 20, 0x1040);
  Sample(300, 21, 0x1040);
  Id = {300, 300, 50, 0, 0, 0};
  B.addComm(300, 300, "tool", true, &Id);
  Sample(300, 60, 0x1050);
  return B;
}

struct FilterCase {
  std::optional<uint32_t> Pid;
  std::string Comm;
  uint64_t Used;
  std::vector<SampleT> Samples; ///< in /opt/pgoctl-test-missing/x (offset = addr - 0x1000)
};

TEST(ImporterFilters, PidAndComm) {
  const std::vector<FilterCase> Cases = {
      {std::nullopt, "", 8, {{0x10, 2}, {0x20, 1}, {0x30, 2}, {0x40, 2}}},
      {100, "", 3, {{0x10, 2}, {0x20, 1}}},
      {300, "", 3, {{0x40, 2}}}, // the sample after the exec is unmapped
      {std::nullopt, "app", 5, {{0x10, 2}, {0x20, 1}, {0x40, 2}}},
      {std::nullopt, "other", 2, {{0x30, 2}}},
      {std::nullopt, "tool", 1, {}},
      {200, "app", 0, {}},
  };
  for (bool Stdin : {false, true}) {
    for (const FilterCase &C : Cases) {
      SCOPED_TRACE(std::string(Stdin ? "stdin" : "file") + " pid " +
                   (C.Pid ? std::to_string(*C.Pid) : "-") + " comm '" + C.Comm + "'");
      ImportOptions O;
      O.Pid = C.Pid;
      O.Comm = C.Comm;
      PerfDataBuilder B = filterInput();
      ImportRun R = Stdin ? importStdin(B.pipeMode(), O) : importBytes(B.fileMode(), O);
      ASSERT_EQ(R.Error, "");
      EXPECT_EQ(R.Sum.Samples, 8u);
      EXPECT_EQ(R.Sum.SamplesUsed, C.Used);
      EXPECT_EQ(R.Sum.SamplesFiltered, 8 - C.Used);
      const BinaryProfile *X = binary(*R.P, "/opt/pgoctl-test-missing/x");
      std::vector<SampleT> Got = X ? samples(*X) : std::vector<SampleT>{};
      EXPECT_EQ(Got, C.Samples);
    }
  }
}

PerfDataBuilder eventsInput(bool Named) {
  PerfDataBuilder B;
  const uint64_t T = perf::kSampleIdentifier | perf::kSampleIp | perf::kSampleTid;
  AttrSpec Dummy;
  Dummy.Type = 1;
  Dummy.Config = 9;
  Dummy.SamplePeriod = 1;
  Dummy.SampleType = T;
  Dummy.Ids = {1};
  AttrSpec Counting = Dummy; // task-clock, counting only
  Counting.Config = 1;
  Counting.SamplePeriod = 0;
  Counting.Ids = {2};
  AttrSpec Cycles = Dummy;
  Cycles.Type = 0;
  Cycles.Config = 0;
  Cycles.SamplePeriod = 100000;
  Cycles.Ids = {3};
  AttrSpec Insns = Cycles;
  Insns.Config = 1;
  Insns.SamplePeriod = 200000;
  Insns.Ids = {4};
  if (Named) {
    Dummy.Name = "dummy:u";
    Counting.Name = "task-clock";
    Cycles.Name = "cpu_core/cycles/u";
    Insns.Name = "cpu_core/instructions/u";
  }
  for (const AttrSpec &A : {Dummy, Counting, Cycles, Insns})
    B.addAttr(A);
  B.addMmap2(1, 0x1000, 0x1000, 0, "/opt/pgoctl-test-missing/e", 5);
  // Most samples are instructions; cycles is still the first sampling event.
  for (uint64_t Id : {4, 3, 4, 4, 1, 3}) {
    SampleFields S;
    S.Id = Id;
    S.Ip = 0x1000 + Id;
    S.Pid = S.Tid = 1;
    B.addSample(S, Id - 1);
  }
  return B;
}

TEST(ImporterEvents, FirstSamplingNonDummyEventByDefault) {
  for (bool Named : {false, true}) {
    ImportRun R = importBytes(eventsInput(Named).fileMode());
    ASSERT_EQ(R.Error, "");
    EXPECT_EQ(R.P->Meta.Event, Named ? "cpu_core/cycles/u" : "cycles");
    EXPECT_EQ(R.P->Meta.SamplePeriod, 100000u);
    EXPECT_EQ(R.Sum.SamplesUsed, 2u);
    EXPECT_EQ(R.Sum.SamplesFiltered, 4u);
    EXPECT_EQ(samples(*binary(*R.P, "/opt/pgoctl-test-missing/e")),
              (std::vector<SampleT>{{3, 2}}));
    bool Warned = false;
    for (const std::string &W : R.Sum.Warnings)
      Warned |= llvm::StringRef(W).contains("4 samples of other events");
    EXPECT_TRUE(Warned);
  }
}

TEST(ImporterEvents, EventByName) {
  ImportOptions O;
  O.Event = "instructions";
  ImportRun R = importBytes(eventsInput(false).fileMode(), O);
  ASSERT_EQ(R.Error, "");
  EXPECT_EQ(R.Sum.SamplesUsed, 3u);
  EXPECT_EQ(R.P->Meta.SamplePeriod, 200000u);
  O.Event = "cpu_core/instructions/u";
  R = importBytes(eventsInput(true).fileMode(), O);
  ASSERT_EQ(R.Error, "");
  EXPECT_EQ(R.Sum.SamplesUsed, 3u);
  R = importStdin(eventsInput(true).pipeMode(), O);
  ASSERT_EQ(R.Error, "");
  EXPECT_EQ(R.Sum.SamplesUsed, 3u);
}

TEST(ImporterEvents, UnknownEventNameListsTheEvents) {
  ImportOptions O;
  O.Event = "bogus";
  for (bool Stdin : {false, true}) {
    ImportRun R = Stdin ? importStdin(eventsInput(false).pipeMode(), O)
                        : importBytes(eventsInput(false).fileMode(), O);
    EXPECT_THAT(R.Error, HasSubstr("no event named 'bogus' (events: dummy, task-clock, "
                                   "cycles, instructions)"));
  }
}

// ---------------------------------------------------------------------------
// ELF normalization against llvm-nm and llvm-readelf.

using pgoctl::testing::runTool;

uint64_t nmAddress(const std::string &File, llvm::StringRef Name) {
  std::optional<pgoctl::testing::NmSymbol> S =
      pgoctl::testing::nmSymbol(PGOCTL_LLVM_NM, File, Name);
  return S ? S->Addr : 0;
}

struct ReadelfLoad {
  uint64_t Offset, VAddr, FileSize, MemSize;
  bool Exec;
};

std::vector<ReadelfLoad> readelfLoads(const std::string &File) {
  std::string Out = runTool(std::string(PGOCTL_LLVM_READELF) + " -l --wide " + File);
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  llvm::StringRef(Out).split(Lines, '\n');
  std::vector<ReadelfLoad> Loads;
  for (llvm::StringRef L : Lines) {
    llvm::SmallVector<llvm::StringRef, 12> F;
    L.split(F, ' ', -1, false);
    // LOAD Offset VirtAddr PhysAddr FileSiz MemSiz Flg... Align
    if (F.size() < 8 || F[0] != "LOAD")
      continue;
    ReadelfLoad R;
    bool Bad = F[1].getAsInteger(0, R.Offset) || F[2].getAsInteger(0, R.VAddr) ||
               F[4].getAsInteger(0, R.FileSize) || F[5].getAsInteger(0, R.MemSize);
    R.Exec = false;
    for (size_t I = 6; I + 1 < F.size(); ++I)
      R.Exec |= F[I].contains('E');
    if (!Bad)
      Loads.push_back(R);
  }
  return Loads;
}

std::string readelfBuildId(const std::string &File) {
  std::string Out = runTool(std::string(PGOCTL_LLVM_READELF) + " -n " + File);
  size_t P = Out.find("Build ID: ");
  if (P == std::string::npos)
    return "";
  return llvm::StringRef(Out).substr(P + 10).take_until([](char C) { return C == '\n'; }).trim().str();
}

struct ElfCase {
  const char *Name;
  const char *Path;
  uint64_t Base; ///< load bias (0 for a non-PIE executable)
};

class ImporterElf : public ::testing::TestWithParam<ElfCase> {
protected:
  void SetUp() override {
    const ElfCase &C = GetParam();
    Path = C.Path;
    Hot = nmAddress(Path, "fixture_hot");
    Cold = nmAddress(Path, "fixture_cold");
    ASSERT_NE(Hot, 0u);
    ASSERT_NE(Cold, 0u);
    Loads = readelfLoads(Path);
    BuildIdHex = readelfBuildId(Path);
    ASSERT_EQ(BuildIdHex.size(), 40u);
    for (const ReadelfLoad &L : Loads)
      if (L.Exec && Hot >= L.VAddr && Hot < L.VAddr + L.MemSize)
        Text = L;
    ASSERT_TRUE(Text.Exec) << "no executable PT_LOAD holds fixture_hot";
    ASSERT_TRUE(Cold >= Text.VAddr && Cold < Text.VAddr + Text.MemSize);
  }

  /// A perf.data where the text segment is mapped as the loader maps it:
  /// start = base + page-aligned vaddr, pgoff = page-aligned file offset.
  std::string input(llvm::StringRef RecordedPath, llvm::StringRef BuildId, bool Mmap2 = true) {
    PerfDataBuilder B;
    AttrSpec A;
    A.SampleType = perf::kSampleIp | perf::kSampleTid | perf::kSampleBranchStack;
    B.addAttr(A);
    const uint64_t Page = 0x1000, Base = GetParam().Base;
    uint64_t Start = Base + (Text.VAddr & ~(Page - 1));
    uint64_t End = Base + ((Text.VAddr + Text.MemSize + Page - 1) & ~(Page - 1));
    uint64_t Pgoff = Text.Offset & ~(Page - 1);
    if (Mmap2)
      B.addMmap2(7, Start, End - Start, Pgoff, RecordedPath, 5, BuildId);
    else
      B.addMmap(7, Start, End - Start, Pgoff, RecordedPath);
    SampleFields S;
    S.Pid = S.Tid = 7;
    S.Ip = Base + Hot;
    S.Branches = {{Base + Hot + 1, Base + Cold, 0}};
    B.addSample(S);
    S.Ip = Base + Cold + 2;
    S.Branches = {{Base + Cold + 3, Base + Hot, 0}};
    B.addSample(S);
    return B.fileMode();
  }

  std::string rawBuildId() const {
    std::string Raw;
    for (size_t I = 0; I + 1 < BuildIdHex.size(); I += 2)
      Raw.push_back(char(std::stoi(BuildIdHex.substr(I, 2), nullptr, 16)));
    return Raw;
  }

  void expectNormalized(const ImportRun &R, llvm::StringRef RecordedPath) {
    ASSERT_EQ(R.Error, "");
    const BinaryProfile *B = binary(*R.P, RecordedPath);
    ASSERT_NE(B, nullptr);
    EXPECT_EQ(B->Space, AddressSpace::ElfVaddr);
    EXPECT_EQ(B->BuildId, BuildIdHex);
    EXPECT_EQ(samples(*B), sorted<SampleT>({{Hot, 1}, {Cold + 2, 1}}));
    EXPECT_EQ(branches(*B), sorted<BranchT>({{Hot + 1, Cold, 1, 0}, {Cold + 3, Hot, 1, 0}}));
    ASSERT_EQ(B->Segments.size(), Loads.size());
    for (size_t I = 0; I < Loads.size(); ++I) {
      EXPECT_EQ(B->Segments[I].VAddr, Loads[I].VAddr);
      EXPECT_EQ(B->Segments[I].FileOffset, Loads[I].Offset);
      EXPECT_EQ(B->Segments[I].FileSize, Loads[I].FileSize);
      EXPECT_EQ(B->Segments[I].MemSize, Loads[I].MemSize);
    }
  }

  std::string Path, BuildIdHex;
  uint64_t Hot = 0, Cold = 0;
  std::vector<ReadelfLoad> Loads;
  ReadelfLoad Text{0, 0, 0, 0, false};
};

TEST_P(ImporterElf, RecordedPathWithMatchingBuildId) {
  ImportRun R = importBytes(input(Path, rawBuildId()));
  expectNormalized(R, Path);
  EXPECT_TRUE(R.Sum.Warnings.empty());
}

TEST_P(ImporterElf, BinaryFlagMatchedByBuildId) {
  const std::string Recorded = "/opt/pgoctl-test-missing/renamed-binary";
  ImportOptions O;
  O.Binaries = {Path};
  expectNormalized(importBytes(input(Recorded, rawBuildId()), O), Recorded);
}

TEST_P(ImporterElf, RecordedPathWithoutBuildIdIsUsedWithAWarning) {
  ImportRun R = importBytes(input(Path, {}, /*Mmap2=*/false));
  ASSERT_EQ(R.Error, "");
  const BinaryProfile *B = binary(*R.P, Path);
  ASSERT_NE(B, nullptr);
  EXPECT_EQ(B->Space, AddressSpace::ElfVaddr);
  EXPECT_EQ(samples(*B), sorted<SampleT>({{Hot, 1}, {Cold + 2, 1}}));
  ASSERT_EQ(R.Sum.Warnings.size(), 1u);
  EXPECT_THAT(R.Sum.Warnings[0], HasSubstr("records no build-id"));
}

TEST_P(ImporterElf, WrongBuildIdKeepsFileOffsets) {
  ImportRun R = importBytes(input(Path, std::string(20, '\xee')));
  ASSERT_EQ(R.Error, "");
  const BinaryProfile *B = binary(*R.P, Path);
  ASSERT_NE(B, nullptr);
  EXPECT_EQ(B->Space, AddressSpace::FileOffset);
  EXPECT_EQ(B->BuildId, std::string(40, 'e'));
  // file offset = vaddr - segment vaddr + segment offset
  const uint64_t Delta = Text.VAddr - Text.Offset;
  EXPECT_EQ(samples(*B), sorted<SampleT>({{Hot - Delta, 1}, {Cold + 2 - Delta, 1}}));
  bool Warned = false;
  for (const std::string &W : R.Sum.Warnings)
    Warned |= llvm::StringRef(W).contains("build-id");
  EXPECT_TRUE(Warned);
}

// NoPie guards a fixed bug: the first address of each binary was converted
// before the binary's ELF was loaded, so it stayed a file offset (invisible
// for PIE, whose text offsets equal its vaddrs).
INSTANTIATE_TEST_SUITE_P(
    Fixtures, ImporterElf,
    ::testing::Values(ElfCase{"Pie", PGOCTL_IMPORT_FIXTURE_PIE, 0x555555554000ULL},
                      ElfCase{"NoPie", PGOCTL_IMPORT_FIXTURE_NOPIE, 0}),
    [](const ::testing::TestParamInfo<ElfCase> &I) { return I.param.Name; });

// Guards a fixed bug: an attr of type PERF_TYPE_RAW without EVENT_DESC is named
// "r0x20c4": defaultEventName() (PerfReader.cpp) formats with "r{0:x}", whose
// x style adds "0x". perf spells the event r20c4 (perf record -e), which is
// what --event users type; PerfData.h's comment promises "raw 0x...".
TEST(ImporterEvents, RawEventDefaultName) {
  PerfDataBuilder B;
  AttrSpec A = lbrAttr();
  A.Type = 4;
  A.Config = 0x20c4;
  B.addAttr(A);
  SampleFields S;
  S.Ip = 1;
  B.addSample(S);
  ImportRun R = importBytes(B.fileMode());
  ASSERT_EQ(R.Error, "");
  EXPECT_EQ(R.P->Meta.Event, "r20c4");
}

} // namespace
