// tests/unit/collect/PerfReaderTest.cpp: collect/PerfReader against
// hand-built perf.data files.
//
// Inputs come from tests/unit/PerfDataBuilder (written from the kernel's and
// perf's format documentation); every expected value is the value the test put
// into the bytes. Covered: each sample_type bit at its offset (one sample with
// every bit, in variants of read_format, HW_INDEX, register ABI, user stack,
// weight and aux sizes, plus one bit at a time), events told apart by sample
// id (IDENTIFIER and ID position), side-band records and their sample_id
// time, MMAP2 build-ids, pipe mode header records, feature sections, unknown
// and AUXTRACE records, zstd COMPRESSED records (one stream across records,
// a record straddling the cut), and damage: each kind gives an error naming
// the path, the offset and the record type, or with KeepGoing one onDamage
// call after the samples before it. A sweep of truncations and byte flips
// checks that no input crashes the reader.
#include "ReaderTestUtil.h"

#include "collect/PerfData.h"

#include "llvm/Support/FormatVariadic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <unistd.h>

using namespace pgoctl;
using namespace pgoctl::perf;
using namespace pgoctl::testing;
using ::testing::HasSubstr;

namespace {

constexpr uint64_t kContextKernel = uint64_t(-128); // PERF_CONTEXT_KERNEL
constexpr uint64_t kContextUser = uint64_t(-512);   // PERF_CONTEXT_USER

/// "offset N (0xN)" as the reader's damage messages spell an offset.
std::string offsetText(uint64_t Off) {
  return llvm::formatv("offset {0} ({1:x})", Off, Off).str();
}

AttrSpec simpleAttr(uint64_t SampleType, std::vector<uint64_t> Ids = {}) {
  AttrSpec A;
  A.Type = 1; // software
  A.Config = 0;
  A.SamplePeriod = 4000;
  A.SampleType = SampleType;
  A.Ids = std::move(Ids);
  return A;
}

SampleFields ipSample(uint64_t Ip, uint32_t Pid = 100, uint64_t Time = 0) {
  SampleFields S;
  S.Ip = Ip;
  S.Pid = S.Tid = Pid;
  S.Time = Time;
  return S;
}

// ---------------------------------------------------------------------------
// Every sample_type bit in one sample, laid out by hand.

struct AllBitsVariant {
  const char *Name;
  bool GroupRead;
  bool HwIndex;
  bool RegsAbi;   ///< nonzero abi: registers follow
  bool StackData; ///< nonzero stack size: bytes and dyn_size follow
  bool WeightStruct;
  bool AuxData;
};

constexpr uint64_t kReadFormatAll = kReadTotalTimeEnabled | kReadTotalTimeRunning |
                                    kReadId | kReadLost;
constexpr uint64_t kRegsUserMask = 0b1011; // three registers
constexpr uint64_t kRegsIntrMask = 0b101;  // two registers

uint64_t allBitsSampleType(bool WeightStruct) {
  uint64_t T = 0;
  for (unsigned B = 0; B <= 24; ++B)
    T |= uint64_t(1) << B;
  // PERF_SAMPLE_WEIGHT and WEIGHT_STRUCT are exclusive.
  return T & ~(WeightStruct ? uint64_t(kSampleWeight) : uint64_t(kSampleWeightStruct));
}

AttrSpec allBitsAttr(const AllBitsVariant &V) {
  AttrSpec A = simpleAttr(allBitsSampleType(V.WeightStruct), {77});
  A.ReadFormat = kReadFormatAll | (V.GroupRead ? kReadGroup : 0);
  A.BranchSampleType = V.HwIndex ? kBranchHwIndex : 0;
  A.SampleRegsUser = kRegsUserMask;
  A.SampleStackUser = 16;
  A.SampleRegsIntr = kRegsIntrMask;
  return A;
}

/// The sample body in the order of linux/perf_event.h's PERF_RECORD_SAMPLE
/// comment, each field a distinct value.
std::string allBitsBody(const AllBitsVariant &V) {
  ByteWriter W;
  W.u64(77);                           // IDENTIFIER
  W.u64(0x401000);                     // IP
  W.u32(1234).u32(1235);               // TID: pid, tid
  W.u64(5'000'000'123);                // TIME
  W.u64(0xdead0000);                   // ADDR
  W.u64(77);                           // ID
  W.u64(0x5157);                       // STREAM_ID
  W.u32(3).u32(0);                     // CPU, res
  W.u64(10007);                        // PERIOD
  if (V.GroupRead) {                   // READ, group: nr, enabled, running, {value, id, lost}[nr]
    W.u64(2).u64(111).u64(222);
    W.u64(1).u64(77).u64(0).u64(2).u64(78).u64(5);
  } else {                             // READ: value, enabled, running, id, lost
    W.u64(999).u64(111).u64(222).u64(77).u64(0);
  }
  W.u64(5);                            // CALLCHAIN: nr, then ips with context markers
  W.u64(kContextKernel).u64(0xffffffff81000010ULL).u64(kContextUser).u64(0x401000).u64(0x402000);
  W.u32(12).bytes("rawrawrawraw");     // RAW: size, data (4 + 12 is 8-aligned)
  W.u64(2);                            // BRANCH_STACK: nr, [hw_idx], entries
  if (V.HwIndex)
    W.u64(7);
  W.u64(0x401010).u64(0x401100).u64(1);                       // mispredicted
  W.u64(0x400f00).u64(0x401000).u64(2 | (uint64_t(33) << 4)); // predicted, 33 cycles
  W.u64(V.RegsAbi ? 2 : 0);            // REGS_USER: abi, regs[popcount(mask)]
  if (V.RegsAbi)
    W.u64(0xa1).u64(0xa2).u64(0xa3);
  if (V.StackData)                     // STACK_USER: size, data, dyn_size
    W.u64(16).bytes("stackstackstack!").u64(9);
  else
    W.u64(0);
  W.u64(0x3000000000000021ULL);        // WEIGHT or WEIGHT_STRUCT
  W.u64(0x68100142);                   // DATA_SRC
  W.u64(0x7);                          // TRANSACTION
  W.u64(2).u64(0xb1).u64(0xb2);        // REGS_INTR: abi, regs[popcount(mask)]
  W.u64(0x12345000);                   // PHYS_ADDR
  W.u64(0xc6);                         // CGROUP
  W.u64(4096);                         // DATA_PAGE_SIZE
  W.u64(2 << 20);                      // CODE_PAGE_SIZE
  if (V.AuxData)                       // AUX: size, data
    W.u64(16).bytes("auxauxauxauxaux!");
  else
    W.u64(0);
  return W.str();
}

class AllBitsTest : public ::testing::TestWithParam<AllBitsVariant> {};

TEST_P(AllBitsTest, EveryFieldAtItsOffset) {
  const AllBitsVariant &V = GetParam();
  PerfDataBuilder B;
  B.addAttr(allBitsAttr(V));
  B.addRecord(kSample, kMiscUser, allBitsBody(V));
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Samples.size(), 1u);
  const SeenSample &X = R.V.Samples[0];
  const Sample &S = X.S;
  EXPECT_EQ(S.FileOffset, B.recordOffset(0));
  EXPECT_EQ(S.cpumode(), kMiscUser);
  EXPECT_EQ(S.Id, 77u);
  EXPECT_EQ(S.Ip, 0x401000u);
  EXPECT_EQ(S.Pid, 1234u);
  EXPECT_EQ(S.Tid, 1235u);
  EXPECT_EQ(S.Time, 5'000'000'123u);
  EXPECT_EQ(S.Addr, 0xdead0000u);
  EXPECT_EQ(S.StreamId, 0x5157u);
  EXPECT_EQ(S.Cpu, 3u);
  EXPECT_EQ(S.Period, 10007u);
  EXPECT_EQ(X.Callchain, (std::vector<uint64_t>{kContextKernel, 0xffffffff81000010ULL,
                                                kContextUser, 0x401000, 0x402000}));
  EXPECT_EQ(S.HasHwIndex, V.HwIndex);
  EXPECT_EQ(S.HwIndex, V.HwIndex ? 7u : 0u);
  ASSERT_EQ(X.Branches.size(), 2u);
  EXPECT_EQ(X.Branches[0].From, 0x401010u);
  EXPECT_EQ(X.Branches[0].To, 0x401100u);
  EXPECT_TRUE(X.Branches[0].mispred());
  EXPECT_EQ(X.Branches[1].From, 0x400f00u);
  EXPECT_EQ(X.Branches[1].To, 0x401000u);
  EXPECT_TRUE(X.Branches[1].predicted());
  EXPECT_EQ(X.Branches[1].cycles(), 33u);
  EXPECT_EQ(S.Weight, 0x3000000000000021ULL);
  EXPECT_EQ(S.DataSrc, 0x68100142u);
  EXPECT_EQ(S.PhysAddr, 0x12345000u);
  EXPECT_EQ(R.S.Samples, 1u);
  EXPECT_EQ(R.S.FirstTime, 5'000'000'123u);
  EXPECT_EQ(R.S.LastTime, 5'000'000'123u);
}

TEST_P(AllBitsTest, OneWordShortIsDamage) {
  // The last field (AUX) is consumed too: without its last 8 bytes the
  // sample no longer matches its sample_type.
  const AllBitsVariant &V = GetParam();
  PerfDataBuilder B;
  B.addAttr(allBitsAttr(V));
  std::string Body = allBitsBody(V);
  Body.resize(Body.size() - 8);
  B.addRecord(kSample, kMiscUser, Body);
  ReadRun R;
  readBytes(B.fileMode(), R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path));
  EXPECT_THAT(R.Error, HasSubstr(offsetText(B.recordOffset(0)) + ": SAMPLE record: "));
  EXPECT_THAT(R.Error, HasSubstr("too short for sample_type"));
  EXPECT_TRUE(R.V.Samples.empty());
}

TEST_P(AllBitsTest, BuilderEncodesTheSameBytes) {
  // The builder's encoder (used by the other tests) agrees with the hand layout.
  const AllBitsVariant &V = GetParam();
  SampleFields S;
  S.Id = 77;
  S.Ip = 0x401000;
  S.Pid = 1234;
  S.Tid = 1235;
  S.Time = 5'000'000'123;
  S.Addr = 0xdead0000;
  S.StreamId = 0x5157;
  S.Cpu = 3;
  S.Period = 10007;
  S.ReadWords = V.GroupRead ? std::vector<uint64_t>{2, 111, 222, 1, 77, 0, 2, 78, 5}
                            : std::vector<uint64_t>{999, 111, 222, 77, 0};
  S.Callchain = {kContextKernel, 0xffffffff81000010ULL, kContextUser, 0x401000, 0x402000};
  S.Raw = "rawrawrawraw";
  if (V.HwIndex)
    S.HwIndex = 7;
  S.Branches = {{0x401010, 0x401100, 1}, {0x400f00, 0x401000, 2 | (uint64_t(33) << 4)}};
  S.RegsUserAbi = V.RegsAbi ? 2 : 0;
  S.RegsUser = {0xa1, 0xa2, 0xa3};
  if (V.StackData)
    S.StackUser = "stackstackstack!";
  S.StackDynSize = 9;
  S.Weight = 0x3000000000000021ULL;
  S.DataSrc = 0x68100142;
  S.Transaction = 7;
  S.RegsIntrAbi = 2;
  S.RegsIntr = {0xb1, 0xb2};
  S.PhysAddr = 0x12345000;
  S.Cgroup = 0xc6;
  S.DataPageSize = 4096;
  S.CodePageSize = 2 << 20;
  if (V.AuxData)
    S.Aux = "auxauxauxauxaux!";
  EXPECT_EQ(encodeSample(allBitsAttr(V), S), allBitsBody(V));
}

INSTANTIATE_TEST_SUITE_P(
    Variants, AllBitsTest,
    ::testing::Values(
        // Name, group read, hw_index, regs abi, stack data, weight struct, aux data
        AllBitsVariant{"Plain", false, false, true, true, false, true},
        AllBitsVariant{"GroupRead", true, false, true, true, false, true},
        AllBitsVariant{"HwIndex", false, true, true, true, false, true},
        AllBitsVariant{"RegsAbiZero", false, false, false, true, false, true},
        AllBitsVariant{"StackSizeZero", false, false, true, false, false, true},
        AllBitsVariant{"WeightStruct", false, false, true, true, true, true},
        AllBitsVariant{"AuxSizeZero", false, false, true, true, false, false},
        AllBitsVariant{"AllAlternatives", true, true, false, false, true, false}),
    [](const ::testing::TestParamInfo<AllBitsVariant> &I) { return I.param.Name; });

// ---------------------------------------------------------------------------
// One sample_type bit at a time (with IP in front where the bit allows).

TEST(PerfReaderSample, EachBitAloneIsConsumedExactly) {
  for (unsigned Bit = 0; Bit <= 24; ++Bit) {
    SCOPED_TRACE("sample_type bit " + std::to_string(Bit));
    AttrSpec A = simpleAttr(uint64_t(1) << Bit, {5});
    A.ReadFormat = kReadFormatAll;
    A.SampleRegsUser = kRegsUserMask;
    A.SampleRegsIntr = kRegsIntrMask;
    SampleFields S = ipSample(0x1234);
    S.Id = 5;
    S.ReadWords = {1, 2, 3, 5, 0};
    S.Callchain = {0x10, 0x20};
    S.Raw = "1234";
    S.Branches = {{0x100, 0x200, 0}};
    S.RegsUserAbi = 2;
    S.RegsUser = {1, 2, 3};
    S.StackUser = "12345678";
    S.RegsIntrAbi = 2;
    S.RegsIntr = {1, 2};
    S.Aux = "aux";
    S.Weight = 17;
    S.Period = 99;
    PerfDataBuilder B;
    B.addAttr(A);
    std::string Body = encodeSample(A, S);
    ASSERT_GE(Body.size(), 8u);
    B.addRecord(kSample, kMiscUser, Body);
    B.addRecord(kSample, kMiscUser, Body.substr(0, Body.size() - 8));
    ReadRun R;
    readBytes(B.fileMode(), R);
    EXPECT_THAT(R.Error, HasSubstr(offsetText(B.recordOffset(1)) + ": SAMPLE record"));
    ASSERT_EQ(R.V.Samples.size(), 1u);
    const SeenSample &X = R.V.Samples[0];
    uint64_t Bv = uint64_t(1) << Bit;
    EXPECT_EQ(X.S.Ip, Bv == kSampleIp ? 0x1234u : 0u);
    EXPECT_EQ(X.S.Pid, Bv == kSampleTid ? 100u : 0u);
    EXPECT_EQ(X.S.Id, (Bv == kSampleId || Bv == kSampleIdentifier) ? 5u : 0u);
    EXPECT_EQ(X.Callchain.size(), Bv == kSampleCallchain ? 2u : 0u);
    EXPECT_EQ(X.Branches.size(), Bv == kSampleBranchStack ? 1u : 0u);
    EXPECT_EQ(X.S.Weight, (Bv == kSampleWeight || Bv == kSampleWeightStruct) ? 17u : 0u);
    // Without PERF_SAMPLE_PERIOD the period is the attr's fixed one.
    EXPECT_EQ(X.S.Period, Bv == kSamplePeriod ? 99u : 4000u);
  }
}

TEST(PerfReaderSample, FrequencyModeWithoutPeriodFieldHasPeriodZero) {
  AttrSpec A = simpleAttr(kSampleIp);
  A.Flags = kAttrFlagFreq;
  PerfDataBuilder B;
  B.addAttr(A);
  B.addSample(ipSample(0x10));
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Samples.size(), 1u);
  EXPECT_EQ(R.V.Samples[0].S.Period, 0u);
  EXPECT_TRUE(R.H.Attrs[0].freq());
}

// A KVM host's recording holds samples of its guests (perf_event_header.misc
// cpumode 4, guest kernel, and 5, guest user: include/uapi/linux/perf_event.h):
// their addresses are the guest's, and perf script skips them unless told
// --guest. So does the reader: not delivered, counted. Host kernel (1), user
// (2) and hypervisor (3) samples are delivered.
TEST(PerfReaderSample, GuestSamplesAreCountedNotDelivered) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  for (uint16_t Mode : {1, 2, 3, 4, 5})
    B.addSample(ipSample(0x100 * Mode), 0, Mode);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Samples.size(), 3u);
  EXPECT_EQ(R.V.Samples[0].S.Ip, 0x100u);
  EXPECT_EQ(R.V.Samples[1].S.Ip, 0x200u);
  EXPECT_EQ(R.V.Samples[2].S.Ip, 0x300u);
  EXPECT_EQ(R.S.Samples, 3u);
  EXPECT_EQ(R.S.GuestSamples, 2u);
}

// ---------------------------------------------------------------------------
// Several events.

TEST(PerfReaderEvents, ToldApartByIdentifier) {
  const uint64_t T = kSampleIdentifier | kSampleIp | kSampleTid | kSampleTime;
  PerfDataBuilder B;
  AttrSpec A0 = simpleAttr(T, {11, 12});
  A0.Type = 0; // hardware: cycles
  AttrSpec A1 = simpleAttr(T, {21});
  A1.Type = 0;
  A1.Config = 1; // instructions
  B.addAttr(A0);
  B.addAttr(A1);
  SampleFields S = ipSample(0x1000, 1, 10);
  S.Id = 12;
  B.addSample(S, 0);
  S.Id = 21;
  S.Ip = 0x2000;
  B.addSample(S, 1);
  S.Id = 11;
  S.Ip = 0x3000;
  B.addSample(S, 0);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Samples.size(), 3u);
  EXPECT_EQ(R.V.Samples[0].AttrIndex, 0u);
  EXPECT_EQ(R.V.Samples[1].AttrIndex, 1u);
  EXPECT_EQ(R.V.Samples[1].S.Ip, 0x2000u);
  EXPECT_EQ(R.V.Samples[2].AttrIndex, 0u);
  EXPECT_EQ(R.S.SamplesPerAttr, (std::vector<uint64_t>{2, 1}));
  ASSERT_EQ(R.H.Attrs.size(), 2u);
  EXPECT_EQ(R.H.Attrs[0].Ids, (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(R.H.Attrs[1].Ids, (std::vector<uint64_t>{21}));
  // No EVENT_DESC: names derived from type and config.
  EXPECT_EQ(R.H.Attrs[0].Name, "cycles");
  EXPECT_EQ(R.H.Attrs[1].Name, "instructions");
}

TEST(PerfReaderEvents, ToldApartByIdPosition) {
  // No IDENTIFIER: the id sits after IP, TID, TIME and ADDR (offset 32).
  const uint64_t T = kSampleIp | kSampleTid | kSampleTime | kSampleAddr | kSampleId |
                     kSampleCpu | kSamplePeriod;
  PerfDataBuilder B;
  B.addAttr(simpleAttr(T, {1001}));
  B.addAttr(simpleAttr(T, {2002, 2003}));
  for (uint64_t Id : {2003, 1001, 2002, 2002}) {
    SampleFields S = ipSample(Id * 16, 7, Id);
    S.Id = Id;
    S.Addr = 0xa;
    S.Cpu = 1;
    S.Period = 50;
    B.addSample(S, Id > 2000 ? 1 : 0);
  }
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Samples.size(), 4u);
  std::vector<size_t> Got;
  for (const SeenSample &X : R.V.Samples)
    Got.push_back(X.AttrIndex);
  EXPECT_EQ(Got, (std::vector<size_t>{1, 0, 1, 1}));
  EXPECT_EQ(R.V.Samples[0].S.Id, 2003u);
  EXPECT_EQ(R.V.Samples[0].S.Cpu, 1u);
  EXPECT_EQ(R.V.Samples[0].S.Period, 50u);
  EXPECT_EQ(R.S.SamplesPerAttr, (std::vector<uint64_t>{1, 3}));
}

TEST(PerfReaderEvents, SkipSamplesStillCountsPerEvent) {
  const uint64_t T = kSampleIdentifier | kSampleIp;
  PerfDataBuilder B;
  B.addAttr(simpleAttr(T, {1}));
  B.addAttr(simpleAttr(T, {2}));
  for (uint64_t Id : {1, 2, 2}) {
    SampleFields S = ipSample(0x10);
    S.Id = Id;
    B.addSample(S, Id - 1);
  }
  ReadRun R;
  ReadOptions O;
  O.SkipSamples = true;
  readBytes(B.fileMode(), R, O);
  ASSERT_EQ(R.Error, "");
  EXPECT_TRUE(R.V.Samples.empty());
  EXPECT_EQ(R.S.Samples, 3u);
  EXPECT_EQ(R.S.SamplesPerAttr, (std::vector<uint64_t>{1, 2}));
}

// ---------------------------------------------------------------------------
// Side-band records.

TEST(PerfReaderSideband, TimeFromSampleIdTrailer) {
  // sample_id_all with every sample_id field: tid, time, id, stream_id, cpu,
  // identifier. The records belong to the second event (its id), whose
  // trailer layout the reader must find from the end of the record.
  const uint64_t T = kSampleIdentifier | kSampleIp | kSampleTid | kSampleTime | kSampleId |
                     kSampleStreamId | kSampleCpu;
  AttrSpec A0 = simpleAttr(T, {1});
  A0.Flags = kAttrFlagSampleIdAll;
  AttrSpec A1 = A0;
  A1.Ids = {2};
  PerfDataBuilder B;
  B.addAttr(A0);
  B.addAttr(A1);
  SampleIdFields Id{300, 301, 7'000'000'001, 2, 0x99, 5};
  B.addMmap(300, 0x400000, 0x1000, 0, "/bin/a", &Id, 1);
  Id.Time = 7'000'000'002;
  B.addMmap2(300, 0x500000, 0x2000, 0x1000, "/bin/b", 5 /*r-x*/, {}, &Id, 1);
  Id.Time = 7'000'000'003;
  B.addComm(300, 301, "worker", /*Exec=*/true, &Id, 1);
  B.addFork(400, 300, 401, 301, 7'000'000'004);
  B.addExit(400, 300, 401, 301, 7'000'000'005);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Mmaps.size(), 2u);
  EXPECT_EQ(R.V.Mmaps[0].E.Time, 7'000'000'001u);
  EXPECT_EQ(R.V.Mmaps[0].File, "/bin/a");
  EXPECT_FALSE(R.V.Mmaps[0].E.IsMmap2);
  EXPECT_TRUE(R.V.Mmaps[0].E.Executable);
  EXPECT_EQ(R.V.Mmaps[0].E.Start, 0x400000u);
  EXPECT_EQ(R.V.Mmaps[0].E.Len, 0x1000u);
  EXPECT_EQ(R.V.Mmaps[1].E.Time, 7'000'000'002u);
  EXPECT_EQ(R.V.Mmaps[1].File, "/bin/b");
  EXPECT_TRUE(R.V.Mmaps[1].E.IsMmap2);
  EXPECT_EQ(R.V.Mmaps[1].E.Pgoff, 0x1000u);
  EXPECT_EQ(R.V.Mmaps[1].E.Prot, 5u);
  EXPECT_TRUE(R.V.Mmaps[1].E.BuildId.empty());
  ASSERT_EQ(R.V.Comms.size(), 1u);
  EXPECT_EQ(R.V.Comms[0].Comm, "worker");
  EXPECT_TRUE(R.V.Comms[0].E.Exec);
  EXPECT_EQ(R.V.Comms[0].E.Pid, 300u);
  EXPECT_EQ(R.V.Comms[0].E.Tid, 301u);
  EXPECT_EQ(R.V.Comms[0].E.Time, 7'000'000'003u);
  ASSERT_EQ(R.V.ForkExits.size(), 2u);
  EXPECT_TRUE(R.V.ForkExits[0].IsFork);
  EXPECT_EQ(R.V.ForkExits[0].Pid, 400u);
  EXPECT_EQ(R.V.ForkExits[0].Ppid, 300u);
  EXPECT_EQ(R.V.ForkExits[0].Tid, 401u);
  EXPECT_EQ(R.V.ForkExits[0].Ptid, 301u);
  EXPECT_EQ(R.V.ForkExits[0].Time, 7'000'000'004u);
  EXPECT_FALSE(R.V.ForkExits[1].IsFork);
  EXPECT_EQ(R.V.ForkExits[1].Time, 7'000'000'005u);
}

TEST(PerfReaderSideband, TimeFromTrailerWithoutIdentifier) {
  // Trailer: tid, time, id, cpu (no stream id, no identifier); the id that
  // picks the event is 16 bytes from the end.
  const uint64_t T = kSampleIp | kSampleTid | kSampleTime | kSampleId | kSampleCpu;
  AttrSpec A0 = simpleAttr(T, {1});
  A0.Flags = kAttrFlagSampleIdAll;
  AttrSpec A1 = A0;
  A1.Ids = {2};
  PerfDataBuilder B;
  B.addAttr(A0);
  B.addAttr(A1);
  SampleIdFields Id{300, 300, 42, 2, 0, 1};
  B.addComm(300, 300, "x", false, &Id, 1);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Comms.size(), 1u);
  EXPECT_EQ(R.V.Comms[0].E.Time, 42u);
  EXPECT_FALSE(R.V.Comms[0].E.Exec);
}

TEST(PerfReaderSideband, NoSampleIdAllMeansNoTime) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp | kSampleTime));
  B.addMmap(1, 0x1000, 0x1000, 0, "/bin/a");
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Mmaps.size(), 1u);
  EXPECT_EQ(R.V.Mmaps[0].E.Time, 0u);
}

// A kernel that leaks PERF_RECORD_MISC_MMAP_BUILD_ID from another tool's
// event onto this one's MMAP2 record leaves maj/min/ino where the build-id
// would be: maj 0xfe reads as a 254-byte build-id. Not a build-id: the record
// is read without one (matched by path), and counted.
TEST(PerfReaderSideband, Mmap2LeakedBuildIdFlagIsNotABuildId) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  size_t I = B.addMmap2(1, 0x1000, 0x1000, 0, "/lib/libx.so", 5); // maj 0xfe, min 1
  B.setMisc(I, 2 | kMiscMmapBuildId);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Mmaps.size(), 1u);
  EXPECT_TRUE(R.V.Mmaps[0].E.BuildId.empty());
  EXPECT_EQ(R.V.Mmaps[0].File, "/lib/libx.so");
  EXPECT_EQ(R.S.BogusMmapBuildIds, 1u);
}

TEST(PerfReaderSideband, Mmap2BuildIdAndDataMappings) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  const std::string Id20 = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                           "\x10\x11\x12\x13\x14";
  const std::string Id16 = Id20.substr(0, 16);
  B.addMmap2(1, 0x1000, 0x1000, 0, "/lib/libx.so", 5, Id20);
  B.addMmap2(1, 0x3000, 0x1000, 0, "/lib/liby.so", 5, Id16);
  B.addMmap2(1, 0x5000, 0x1000, 0, "/data/file", 3 /*rw-*/);
  B.addMmap(1, 0x7000, 0x1000, 0, "/data/mmap1", nullptr, 0,
            kMiscUser | (1u << 13) /*PERF_RECORD_MISC_MMAP_DATA*/);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Mmaps.size(), 4u);
  EXPECT_EQ(R.V.Mmaps[0].E.BuildId, Id20);
  EXPECT_TRUE(R.V.Mmaps[0].E.Misc & kMiscMmapBuildId);
  EXPECT_EQ(R.V.Mmaps[0].File, "/lib/libx.so");
  EXPECT_EQ(R.V.Mmaps[1].E.BuildId, Id16);
  EXPECT_EQ(R.V.Mmaps[1].File, "/lib/liby.so");
  EXPECT_TRUE(R.V.Mmaps[0].E.Executable);
  EXPECT_FALSE(R.V.Mmaps[2].E.Executable);
  EXPECT_TRUE(R.V.Mmaps[2].E.BuildId.empty());
  EXPECT_EQ(R.V.Mmaps[2].E.MapFlags, 2u);
  EXPECT_FALSE(R.V.Mmaps[3].E.Executable);
}

TEST(PerfReaderSideband, LostFinishedRoundAndUnknownRecords) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  B.addSample(ipSample(0x1));
  B.addLost(5, 17);
  B.addFinishedRound();
  B.addLostSamples(3);
  B.addRecord(30, 0, "12345678");    // a kernel type pgoctl does not know
  B.addRecord(120, 0, "");           // in the type-count table's range
  B.addRecord(9000, 0, "abcdefgh");  // beyond it
  B.addRecord(kSwitch, 0, "");       // known, ignored
  B.addFinishedRound();
  B.addSample(ipSample(0x2));
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.V.Samples.size(), 2u);
  EXPECT_EQ(R.V.Samples[1].S.Ip, 0x2u);
  EXPECT_EQ(R.V.Lost, (std::vector<std::pair<uint64_t, bool>>{{17, false}, {3, true}}));
  EXPECT_EQ(R.S.Lost, 17u);
  EXPECT_EQ(R.S.LostSamples, 3u);
  EXPECT_EQ(R.V.Rounds, 2u);
  EXPECT_EQ(R.S.UnknownRecords, 3u);
  EXPECT_EQ(R.S.Records, 10u);
  EXPECT_EQ(R.S.RecordsByType[kSample], 2u);
  EXPECT_EQ(R.S.RecordsByType[30], 1u);
  EXPECT_EQ(R.S.RecordsByType[120], 1u);
  EXPECT_EQ(R.S.Bytes, B.fileDataSize());
  EXPECT_EQ(R.V.Headers, 1u);
}

TEST(PerfReaderSideband, AuxtracePayloadIsSkipped) {
  // The payload follows the record and is counted by its size field, not the
  // header's. A payload that looks like records must not be read as records.
  std::string Payload;
  for (int I = 0; I < 12000; ++I) // 192000 bytes: more than the 128 KiB buffer
    Payload += encodeRecord(kSample, kMiscUser, "\x11\x22\x33\x44\x55\x66\x77\x88");
  for (bool Pipe : {false, true}) {
    for (size_t Window : {size_t(8) << 20, size_t(1) << 17}) {
      SCOPED_TRACE(std::string(Pipe ? "pipe" : "file") + " window " + std::to_string(Window));
      PerfDataBuilder B;
      B.addAttr(simpleAttr(kSampleIp, {1}));
      B.addSample(ipSample(0xa));
      B.addAuxtrace(Payload);
      B.addSample(ipSample(0xb));
      B.addAuxtrace("");
      B.addSample(ipSample(0xc));
      ReadRun R;
      ReadOptions O;
      O.BufferBytes = Window;
      readBytes(Pipe ? B.pipeMode() : B.fileMode(), R, O);
      ASSERT_EQ(R.Error, "");
      ASSERT_EQ(R.V.Samples.size(), 3u);
      EXPECT_EQ(R.V.Samples[0].S.Ip, 0xau);
      EXPECT_EQ(R.V.Samples[1].S.Ip, 0xbu);
      EXPECT_EQ(R.V.Samples[2].S.Ip, 0xcu);
      EXPECT_EQ(R.V.Samples[2].S.FileOffset, B.recordOffset(4, Pipe));
    }
  }
}

TEST(PerfReaderSideband, AuxtracePayloadPastTheEndIsDamage) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  B.addSample(ipSample(0xa));
  size_t I = B.addAuxtrace(std::string(100, 'x'));
  std::string File = B.fileMode();
  File.resize(File.size() - 40); // cut into the payload (no feature sections follow)
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(offsetText(B.recordOffset(I)) + ": AUXTRACE record: "));
  EXPECT_THAT(R.Error, HasSubstr("runs past the end"));
}

// ---------------------------------------------------------------------------
// Header: pipe mode, feature sections.

std::string buildId20(char Fill) { return std::string(20, Fill); }

TEST(PerfReaderHeader, FileModeFeatureSections) {
  PerfDataBuilder B;
  AttrSpec A0 = simpleAttr(kSampleIdentifier | kSampleIp, {7, 8});
  A0.Name = "cpu/cycles/u";
  AttrSpec A1 = simpleAttr(kSampleIdentifier | kSampleIp, {9});
  A1.Name = "dummy:u";
  A1.Config = 9;
  B.addAttr(A0);
  B.addAttr(A1);
  B.setHostname("build-host-17");
  B.setOsRelease("6.1.0-test");
  B.setCmdline({"/usr/bin/perf", "record", "-e", "cycles:u"});
  B.addBuildId(-1, buildId20('\xab'), "[kernel.kallsyms]", false, kMiscKernel);
  B.addBuildId(42, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16),
               "/usr/lib/libshort.so", /*WithSize=*/true);
  B.addBuildId(42, std::string("\x01\x02\x00\x00", 4), "/usr/bin/padded", false);
  SampleFields S = ipSample(0x10);
  S.Id = 8;
  B.addSample(S, 0);
  ReadRun R;
  readBytes(B.fileMode(), R);
  ASSERT_EQ(R.Error, "");
  EXPECT_FALSE(R.H.PipeMode);
  EXPECT_EQ(R.H.DataOffset, B.fileDataOffset());
  EXPECT_EQ(R.H.DataSize, B.fileDataSize());
  EXPECT_EQ(R.H.Hostname, "build-host-17");
  EXPECT_EQ(R.H.OsRelease, "6.1.0-test");
  EXPECT_EQ(R.H.Cmdline, (std::vector<std::string>{"/usr/bin/perf", "record", "-e", "cycles:u"}));
  EXPECT_TRUE(R.H.hasFeature(kFeatHostname));
  EXPECT_TRUE(R.H.hasFeature(kFeatBuildId));
  EXPECT_TRUE(R.H.hasFeature(kFeatEventDesc));
  EXPECT_FALSE(R.H.hasFeature(kFeatArch));
  ASSERT_EQ(R.H.Attrs.size(), 2u);
  EXPECT_EQ(R.H.Attrs[0].Name, "cpu/cycles/u");
  EXPECT_EQ(R.H.Attrs[1].Name, "dummy:u");
  ASSERT_EQ(R.H.BuildIds.size(), 3u);
  EXPECT_EQ(R.H.BuildIds[0].Pid, -1);
  EXPECT_EQ(R.H.BuildIds[0].BuildId, buildId20('\xab'));
  EXPECT_EQ(R.H.BuildIds[0].Filename, "[kernel.kallsyms]");
  EXPECT_EQ(R.H.BuildIds[1].Pid, 42);
  EXPECT_EQ(R.H.BuildIds[1].BuildId.size(), 16u); // the size byte, not 20
  EXPECT_EQ(R.H.BuildIds[1].Filename, "/usr/lib/libshort.so");
  // Without the size flag, trailing zero padding is not part of the id.
  EXPECT_EQ(R.H.BuildIds[2].BuildId, std::string("\x01\x02", 2));
  ASSERT_EQ(R.V.Samples.size(), 1u);
}

TEST(PerfReaderHeader, EventDescMatchesByIdNotPosition) {
  // EVENT_DESC lists the events in the other order than the attrs section;
  // its ids say which is which.
  PerfDataBuilder B;
  AttrSpec A0 = simpleAttr(kSampleIdentifier | kSampleIp, {7});
  AttrSpec A1 = simpleAttr(kSampleIdentifier | kSampleIp, {9});
  A0.Name = "first";
  A1.Name = "second";
  B.addAttr(A1); // EVENT_DESC written from the builder's order...
  B.addAttr(A0);
  std::string File = B.fileMode();
  // ...then swap the two attr entries of the attrs section (ids sections too).
  const size_t Entry = kAttrSize + 16;
  std::string E0 = File.substr(104, Entry), E1 = File.substr(104 + Entry, Entry);
  File.replace(104, Entry, E1);
  File.replace(104 + Entry, Entry, E0);
  ReadRun R;
  readBytes(File, R);
  ASSERT_EQ(R.Error, "");
  ASSERT_EQ(R.H.Attrs.size(), 2u);
  EXPECT_EQ(R.H.Attrs[0].Ids, (std::vector<uint64_t>{7}));
  EXPECT_EQ(R.H.Attrs[0].Name, "first");
  EXPECT_EQ(R.H.Attrs[1].Name, "second");
}

TEST(PerfReaderHeader, PipeModeHeaderRecords) {
  PerfDataBuilder B;
  AttrSpec A0 = simpleAttr(kSampleIdentifier | kSampleIp | kSampleTid, {31});
  A0.Name = "cpu-clock:pppH";
  AttrSpec A1 = simpleAttr(kSampleIdentifier | kSampleIp | kSampleTid, {32, 33});
  A1.Name = "page-faults";
  B.addAttr(A0);
  B.addAttr(A1);
  B.setHostname("pipe-host");
  B.setCmdline({"perf", "record", "-o", "-"});
  B.addBuildId(9, buildId20('\x5a'), "/bin/app");
  B.addMmap(9, 0x400000, 0x1000, 0, "/bin/app");
  SampleFields S = ipSample(0x400010, 9);
  S.Id = 33;
  B.addSample(S, 1);
  S.Id = 31;
  B.addSample(S, 0);
  ReadRun R;
  readBytes(B.pipeMode(), R);
  ASSERT_EQ(R.Error, "");
  EXPECT_TRUE(R.H.PipeMode);
  EXPECT_EQ(R.V.Headers, 1u);
  ASSERT_EQ(R.H.Attrs.size(), 2u);
  EXPECT_EQ(R.H.Attrs[0].Name, "cpu-clock:pppH");
  EXPECT_EQ(R.H.Attrs[1].Name, "page-faults");
  EXPECT_EQ(R.H.Attrs[1].Ids, (std::vector<uint64_t>{32, 33}));
  EXPECT_EQ(R.H.Hostname, "pipe-host");
  EXPECT_EQ(R.H.Cmdline, (std::vector<std::string>{"perf", "record", "-o", "-"}));
  EXPECT_TRUE(R.H.hasFeature(kFeatHostname));
  ASSERT_EQ(R.H.BuildIds.size(), 1u);
  EXPECT_EQ(R.H.BuildIds[0].Filename, "/bin/app");
  EXPECT_EQ(R.H.BuildIds[0].BuildId, buildId20('\x5a'));
  ASSERT_EQ(R.V.Samples.size(), 2u);
  EXPECT_EQ(R.V.Samples[0].AttrIndex, 1u);
  EXPECT_EQ(R.V.Samples[1].AttrIndex, 0u);
  EXPECT_EQ(R.V.Samples[0].S.FileOffset, B.recordOffset(1, /*Pipe=*/true));
  ASSERT_EQ(R.V.Mmaps.size(), 1u);
}

TEST(PerfReaderHeader, PipeAndFileModeGiveTheSameSamples) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp | kSampleTid | kSampleTime | kSampleBranchStack, {1}));
  for (int I = 0; I < 50; ++I) {
    SampleFields S = ipSample(0x1000 + I, 5, 100 + I);
    S.Branches = {{uint64_t(0x10 + I), uint64_t(0x20 + I), 0}};
    B.addSample(S);
  }
  ReadRun F, P;
  readBytes(B.fileMode(), F);
  readBytes(B.pipeMode(), P);
  ASSERT_EQ(F.Error, "");
  ASSERT_EQ(P.Error, "");
  ASSERT_EQ(F.V.Samples.size(), 50u);
  ASSERT_EQ(P.V.Samples.size(), 50u);
  for (size_t I = 0; I < 50; ++I) {
    EXPECT_EQ(F.V.Samples[I].S.Ip, 0x1000 + I);
    EXPECT_EQ(P.V.Samples[I].S.Ip, 0x1000 + I);
    EXPECT_EQ(P.V.Samples[I].S.Time, 100 + I);
    ASSERT_EQ(P.V.Samples[I].Branches.size(), 1u);
    EXPECT_EQ(P.V.Samples[I].Branches[0].To, 0x20 + I);
  }
}

// Records straddle the edges of the smallest read buffer (128 KiB), read in
// input order (through the reader's buffer) and in time order (through the
// reorder queue's chunks, with a 1 MiB queue that half-flushes and compacts).
TEST(PerfReaderHeader, SmallBufferGivesTheSameSamples) {
  AttrSpec A = simpleAttr(kSampleIp | kSampleTid | kSampleTime | kSampleCallchain, {1});
  A.Flags = kAttrFlagSampleIdAll;
  PerfDataBuilder B;
  B.addAttr(A);
  const int N = 6000;
  for (int I = 0; I < N; ++I) {
    SampleFields S = ipSample(0x1000 + I);
    // Times a little out of order (pairs swapped); one sample in 50 far
    // ahead, so it stays queued while the queue moves on past it.
    S.Time = (I % 50 == 7) ? 1000000 + I : 100 + (I ^ 1);
    S.Callchain.assign(size_t(I % 61), uint64_t(0x5000 + I));
    B.addSample(S);
  }
  for (bool Ordered : {false, true}) {
    SCOPED_TRACE(Ordered ? "time order" : "input order");
    ReadRun R;
    ReadOptions O;
    O.BufferBytes = 1; // raised to the 128 KiB floor
    O.Ordered = Ordered;
    O.ReorderBytes = 1 << 20;
    readBytes(B.fileMode(), R, O);
    ASSERT_EQ(R.Error, "");
    ASSERT_EQ(R.V.Samples.size(), size_t(N));
    std::vector<int> Seen;
    for (const auto &Smp : R.V.Samples) {
      int I = int(Smp.S.Ip - 0x1000);
      ASSERT_EQ(Smp.Callchain.size(), size_t(I % 61));
      for (uint64_t F : Smp.Callchain)
        ASSERT_EQ(F, uint64_t(0x5000 + I));
      Seen.push_back(I);
    }
    if (!Ordered) {
      for (int I = 0; I < N; ++I)
        ASSERT_EQ(Seen[size_t(I)], I);
    } else {
      // Every sample once, in time order but for the records that came too
      // late for a half-flushed queue (each delivered at once: one descent).
      std::vector<int> Sorted = Seen;
      std::sort(Sorted.begin(), Sorted.end());
      for (int I = 0; I < N; ++I)
        ASSERT_EQ(Sorted[size_t(I)], I);
      EXPECT_GE(R.S.HalfFlushes, 1u);
      uint64_t Descents = 0;
      for (size_t K = 1; K < R.V.Samples.size(); ++K)
        Descents += R.V.Samples[K - 1].S.Time > R.V.Samples[K].S.Time;
      EXPECT_LE(Descents, R.S.LateRecords);
      EXPECT_EQ(R.V.Samples.back().S.Time, 1000000u + 5957); // the last far-ahead one
    }
  }
}

// ---------------------------------------------------------------------------
// COMPRESSED records.

PerfDataBuilder compressibleInput() {
  const uint64_t T = kSampleIdentifier | kSampleIp | kSampleTid | kSampleTime |
                     kSampleCallchain | kSampleBranchStack;
  AttrSpec A = simpleAttr(T, {3});
  A.Flags = kAttrFlagSampleIdAll;
  PerfDataBuilder B;
  B.addAttr(A);
  SampleIdFields Id{10, 10, 1, 3, 0, 0};
  B.addComm(10, 10, "app", true, &Id);
  Id.Time = 2;
  B.addMmap2(10, 0x400000, 0x10000, 0, "/bin/app", 5, buildId20('\x42'), &Id);
  for (int I = 0; I < 200; ++I) {
    SampleFields S = ipSample(0x400000 + 16 * I, 10, 10 + I);
    S.Id = 3;
    S.Callchain = {kContextUser, S.Ip, uint64_t(0x400800 + I)};
    for (int J = 0; J < I % 5; ++J)
      S.Branches.push_back({uint64_t(0x400100 + J), uint64_t(0x400200 + I), uint64_t(J & 1)});
    B.addSample(S);
    if (I % 50 == 49)
      B.addFinishedRound();
  }
  B.addLostSamples(2);
  return B;
}

void expectSameDelivery(const ReadRun &A, const ReadRun &B) {
  ASSERT_EQ(A.V.Samples.size(), B.V.Samples.size());
  for (size_t I = 0; I < A.V.Samples.size(); ++I) {
    const SeenSample &X = A.V.Samples[I], &Y = B.V.Samples[I];
    EXPECT_EQ(X.S.Ip, Y.S.Ip);
    EXPECT_EQ(X.S.Time, Y.S.Time);
    EXPECT_EQ(X.S.Pid, Y.S.Pid);
    EXPECT_EQ(X.Callchain, Y.Callchain);
    ASSERT_EQ(X.Branches.size(), Y.Branches.size());
    for (size_t J = 0; J < X.Branches.size(); ++J) {
      EXPECT_EQ(X.Branches[J].From, Y.Branches[J].From);
      EXPECT_EQ(X.Branches[J].To, Y.Branches[J].To);
      EXPECT_EQ(X.Branches[J].Flags, Y.Branches[J].Flags);
    }
  }
  ASSERT_EQ(A.V.Mmaps.size(), B.V.Mmaps.size());
  for (size_t I = 0; I < A.V.Mmaps.size(); ++I) {
    EXPECT_EQ(A.V.Mmaps[I].File, B.V.Mmaps[I].File);
    EXPECT_EQ(A.V.Mmaps[I].E.BuildId, B.V.Mmaps[I].E.BuildId);
    EXPECT_EQ(A.V.Mmaps[I].E.Time, B.V.Mmaps[I].E.Time);
  }
  ASSERT_EQ(A.V.Comms.size(), B.V.Comms.size());
  EXPECT_EQ(A.V.Rounds, B.V.Rounds);
  EXPECT_EQ(A.V.Lost, B.V.Lost);
}

TEST(PerfReaderCompressed, StreamSplitAcrossTwoRecordsGivesTheSameSamples) {
  PerfDataBuilder Plain = compressibleInput();
  PerfDataBuilder Packed = compressibleInput();
  // One zstd stream over every record; the cut falls 5 bytes into record 60,
  // so that record straddles the two COMPRESSED records.
  const size_t Straddler = 60;
  const size_t Cut = Packed.dataOffsetOf(Straddler) + 5;
  ASSERT_GT(Packed.record(Straddler).size(), 5u);
  size_t N = Packed.compress(0, Packed.numRecords(), {Cut});
  ASSERT_EQ(N, 2u);
  ASSERT_EQ(Packed.numRecords(), 2u);
  for (bool Pipe : {false, true}) {
    SCOPED_TRACE(Pipe ? "pipe" : "file");
    ReadRun A, B;
    readBytes(Pipe ? Plain.pipeMode() : Plain.fileMode(), A);
    readBytes(Pipe ? Packed.pipeMode() : Packed.fileMode(), B);
    ASSERT_EQ(A.Error, "");
    ASSERT_EQ(B.Error, "");
    EXPECT_EQ(A.V.Samples.size(), 200u);
    expectSameDelivery(A, B);
    EXPECT_EQ(B.S.RecordsByType[kCompressed], 2u);
    EXPECT_EQ(B.S.RecordsByType[kSample], 200u);
    EXPECT_EQ(B.S.LostSamples, 2u);
  }
}

TEST(PerfReaderCompressed, ManyCutsAndMixedWithPlainRecords) {
  PerfDataBuilder Plain = compressibleInput();
  PerfDataBuilder Packed = compressibleInput();
  // Records 0-1 stay plain; 2..120 are cut at every 97 bytes (so many records
  // straddle); the rest stay plain.
  std::vector<size_t> Cuts;
  uint64_t Span = Packed.dataOffsetOf(120) - Packed.dataOffsetOf(2);
  for (size_t C = 97; C < Span; C += 97)
    Cuts.push_back(C);
  size_t N = Packed.compress(2, 120, Cuts);
  EXPECT_EQ(N, Cuts.size() + 1);
  ReadRun A, B;
  readBytes(Plain.fileMode(), A);
  readBytes(Packed.fileMode(), B);
  ASSERT_EQ(A.Error, "");
  ASSERT_EQ(B.Error, "");
  expectSameDelivery(A, B);
}

TEST(PerfReaderCompressed, GarbageIsDamageAtTheCompressedRecord) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  B.addSample(ipSample(1));
  size_t I = B.addRecord(kCompressed, 0, "this is not a zstd frame");
  B.addSample(ipSample(2));
  ReadRun R;
  readBytes(B.fileMode(), R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": " + offsetText(B.recordOffset(I)) +
                                 ": COMPRESSED record: zstd: "));
  ReadRun K;
  ReadOptions O;
  O.KeepGoing = true;
  readBytes(B.fileMode(), K, O);
  EXPECT_EQ(K.Error, "");
  ASSERT_EQ(K.V.Damage.size(), 1u);
  EXPECT_EQ(K.V.Samples.size(), 1u);
}

TEST(PerfReaderCompressed, AuxtraceInsideIsDamage) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  B.addSample(ipSample(1));
  B.addAuxtrace("12345678");
  size_t I = 1;
  B.compress(1, 2, {});
  ReadRun R;
  readBytes(B.fileMode(), R);
  EXPECT_THAT(R.Error, HasSubstr(offsetText(B.recordOffset(I)) + ": AUXTRACE record: "));
  EXPECT_THAT(R.Error, HasSubstr("inside a compressed record"));
}

// ---------------------------------------------------------------------------
// Damage.

struct DamageCase {
  const char *Name;
  std::string Record;    ///< the damaged record's bytes
  const char *Type;      ///< record type name in the message
  const char *Reason;    ///< part of the message
  bool Last;             ///< must be the last bytes of the data section
};

std::vector<DamageCase> damageCases() {
  const AttrSpec A = simpleAttr(kSampleIp | kSampleTid | kSampleTime | kSampleCallchain |
                                kSampleBranchStack);
  std::vector<DamageCase> Cases;
  {
    ByteWriter W; // type SAMPLE, size 0, then bytes that would be a record
    W.u32(kSample).u16(kMiscUser).u16(0).u64(0);
    Cases.push_back({"SizeZero", W.str(), "SAMPLE", "bad record size 0", false});
  }
  {
    ByteWriter W; // size 7: smaller than its own header
    W.u32(kMmap).u16(0).u16(7).u64(0);
    Cases.push_back({"SizeSeven", W.str(), "MMAP", "bad record size 7", false});
  }
  {
    // Says 200 bytes; the data section (and file) end 40 bytes in.
    ByteWriter W;
    W.u32(kSample).u16(kMiscUser).u16(200).zeros(32);
    Cases.push_back({"LargerThanLeft", W.str(), "SAMPLE",
                     "truncated: record of 200 bytes, only 40 left", true});
  }
  {
    // IP, TID, TIME need 24 bytes; the body has 12 (record size 20; sample_type
    // IP|TID|TIME|CALLCHAIN|BRANCH_STACK = 0x827).
    Cases.push_back({"ShortSample", encodeRecord(kSample, kMiscUser, "123456789012"),
                     "SAMPLE", "20 bytes are too short for sample_type 0x827", false});
  }
  {
    SampleFields S = ipSample(1);
    S.Callchain = {1, 2};
    std::string Body = encodeSample(A, S);
    // Patch nr (after ip, tid, time) to 1000.
    uint64_t Nr = 1000;
    memcpy(&Body[24], &Nr, 8);
    Cases.push_back({"CallchainOverflow", encodeRecord(kSample, kMiscUser, Body), "SAMPLE",
                     "call chain of 1000 entries exceeds the record", false});
  }
  {
    SampleFields S = ipSample(1);
    S.Branches = {{1, 2, 0}};
    std::string Body = encodeSample(A, S);
    uint64_t Nr = 3; // nr after ip, tid, time, callchain nr (0)
    memcpy(&Body[32], &Nr, 8);
    Cases.push_back({"BranchOverflow", encodeRecord(kSample, kMiscUser, Body), "SAMPLE",
                     "branch stack of 3 entries exceeds the record", false});
  }
  {
    Cases.push_back({"ShortMmap", encodeRecord(kMmap, 0, "12345678"), "MMAP",
                     "16 bytes is too short", false});
  }
  {
    Cases.push_back({"ShortComm", encodeRecord(kComm, 0, "1234"), "COMM",
                     "12 bytes is too short", false});
  }
  {
    Cases.push_back({"ShortFork", encodeRecord(kFork, 0, "1234567812345678"), "FORK",
                     "24 bytes is too short", false});
  }
  return Cases;
}

class DamageTest : public ::testing::TestWithParam<std::tuple<DamageCase, bool>> {};

TEST_P(DamageTest, ErrorOrKeepGoing) {
  const auto &[C, Pipe] = GetParam();
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp | kSampleTid | kSampleTime | kSampleCallchain |
                       kSampleBranchStack));
  B.addSample(ipSample(0x111, 1, 1));
  B.addSample(ipSample(0x222, 1, 2));
  size_t Bad = B.addRawRecord(C.Record);
  if (!C.Last)
    B.addSample(ipSample(0x333, 1, 3));
  std::string Bytes = Pipe ? B.pipeMode() : B.fileMode();
  const uint64_t Off = B.recordOffset(Bad, Pipe);

  ReadRun R;
  readBytes(Bytes, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": " + offsetText(Off) + ": " + C.Type +
                                 " record: " + C.Reason));
  EXPECT_TRUE(R.V.Damage.empty());

  ReadRun K;
  ReadOptions O;
  O.KeepGoing = true;
  readBytes(Bytes, K, O);
  EXPECT_EQ(K.Error, "");
  ASSERT_EQ(K.V.Damage.size(), 1u);
  EXPECT_EQ(K.V.Damage[0].Offset, Off);
  EXPECT_THAT(K.V.Damage[0].Message, HasSubstr(offsetText(Off)));
  EXPECT_THAT(K.V.Damage[0].Message, HasSubstr(C.Reason));
  // Everything from the damage to the end of the data is dropped.
  EXPECT_EQ(K.V.Damage[0].Dropped, Bytes.size() - Off);
  EXPECT_EQ(K.S.DamagedBytes, Bytes.size() - Off);
  ASSERT_EQ(K.V.Samples.size(), 2u);
  EXPECT_EQ(K.V.Samples[0].S.Ip, 0x111u);
  EXPECT_EQ(K.V.Samples[1].S.Ip, 0x222u);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, DamageTest, ::testing::Combine(::testing::ValuesIn(damageCases()), ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<DamageCase, bool>> &I) {
      return std::string(std::get<0>(I.param).Name) + (std::get<1>(I.param) ? "Pipe" : "File");
    });

TEST(PerfReaderDamage, DataSectionLongerThanTheFile) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  B.addSample(ipSample(1));
  B.addSample(ipSample(2));
  std::string File = B.fileMode();
  const uint64_t End = File.size(); // no feature sections: data runs to the end
  uint64_t Size = B.fileDataSize() + 4096;
  memcpy(&File[48], &Size, 8); // data.size
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": " + offsetText(End)));
  EXPECT_THAT(R.Error, HasSubstr(llvm::formatv("the data section should end at {0} but the "
                                               "file ends at {1}",
                                               B.fileDataOffset() + Size, End)
                                     .str()));
  ReadRun K;
  ReadOptions O;
  O.KeepGoing = true;
  readBytes(File, K, O);
  EXPECT_EQ(K.Error, "");
  EXPECT_EQ(K.V.Samples.size(), 2u);
  ASSERT_EQ(K.V.Damage.size(), 1u);
  EXPECT_EQ(K.V.Damage[0].Offset, End);
  EXPECT_EQ(K.V.Damage[0].Dropped, 4096u);
}

TEST(PerfReaderDamage, DataSectionStartsPastTheEnd) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  B.addSample(ipSample(1));
  std::string File = B.fileMode();
  uint64_t Off = File.size() + 100;
  memcpy(&File[40], &Off, 8); // data.offset
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": offset 40: data section starts at " +
                                 std::to_string(Off)));
  ReadOptions O;
  O.KeepGoing = true;
  ReadRun K;
  readBytes(File, K, O);
  EXPECT_NE(K.Error, ""); // the header itself is unusable: no keep-going
}

TEST(PerfReaderDamage, TruncatedHeader) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  std::string File = B.fileMode().substr(0, 60);
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": offset 0: truncated: file header needs 104 "
                                          "bytes, file has 60"));
}

TEST(PerfReaderDamage, AttrsSectionPastTheEnd) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  std::string File = B.fileMode().substr(0, 150);
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": offset 24: attrs section"));
}

TEST(PerfReaderDamage, BadMagic) {
  std::string File(200, '\0');
  memcpy(&File[0], "NOTPERF!", 8);
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": not a perf.data file (bad magic at offset 0)"));
}

TEST(PerfReaderDamage, BigEndianMagic) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  std::string File = B.fileMode();
  std::reverse(File.begin(), File.begin() + 8); // "2ELIFREP"
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr(R.Path + ": "));
  EXPECT_THAT(R.Error, HasSubstr("big-endian"));
}

// Guards a fixed bug: the big-endian and "shorter than 16 bytes" header errors name the
// path but no byte offset, unlike every other header error.
TEST(PerfReaderDamage, EveryHeaderErrorNamesAnOffset) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp));
  std::string File = B.fileMode();
  std::reverse(File.begin(), File.begin() + 8);
  ReadRun R;
  readBytes(File, R);
  EXPECT_THAT(R.Error, HasSubstr("offset 0"));
  ReadRun S;
  readBytes("PERFILE2", S);
  EXPECT_THAT(S.Error, HasSubstr("offset"));
}

TEST(PerfReaderDamage, TinyAndEmptyFiles) {
  for (llvm::StringRef Bytes : {llvm::StringRef(""), llvm::StringRef("PERFILE2")}) {
    ReadRun R;
    readBytes(Bytes, R);
    EXPECT_THAT(R.Error, HasSubstr(R.Path + ": offset 0: not a perf.data file: only " +
                                   std::to_string(Bytes.size()) + " bytes"));
  }
}

/// A small file with one of each kind of record, compressed in the middle.
std::string sweepInput(bool Pipe) {
  PerfDataBuilder B = compressibleInput();
  B.addAuxtrace(std::string(40, 'a'));
  B.addRecord(77, 0, "12345678");
  B.compress(100, 140, {333});
  B.setHostname("h");
  B.setCmdline({"perf"});
  B.addBuildId(1, buildId20('\x01'), "/bin/app");
  return Pipe ? B.pipeMode() : B.fileMode();
}

TEST(PerfReaderDamage, NoInputCrashesTheReader) {
  // Every truncation of a valid file, and random byte flips, read with and
  // without keep-going: an error or a result, never a crash (run this suite
  // under ASan/UBSan to make that strong).
  for (bool Pipe : {false, true}) {
    const std::string Good = sweepInput(Pipe);
    {
      ReadRun R;
      readBytes(Good, R);
      ASSERT_EQ(R.Error, "");
      ASSERT_EQ(R.V.Samples.size(), 200u);
    }
    TempFile F(Good); // reused path: the loop rewrites it
    auto Read = [&](const std::string &Bytes, bool KeepGoing) {
      {
        FILE *Out = fopen(F.path().c_str(), "wb");
        ASSERT_NE(Out, nullptr);
        fwrite(Bytes.data(), 1, Bytes.size(), Out);
        fclose(Out);
      }
      Recorder V;
      PerfHeader H;
      ReadStats S;
      ReadOptions O;
      O.KeepGoing = KeepGoing;
      O.BufferBytes = 0; // the smallest buffer: cheaper to set up per read
      llvm::Error E = readPerfData(F.path(), V, O, H, S);
      if (E) {
        std::string Msg = llvm::toString(std::move(E));
        EXPECT_THAT(Msg, HasSubstr(F.path()));
      }
      EXPECT_LE(V.Damage.size(), 1u);
    };
    for (size_t Len = 0; Len < Good.size(); Len += (Len < 600 ? 1 : 31)) {
      Read(Good.substr(0, Len), false);
      Read(Good.substr(0, Len), true);
    }
    std::mt19937_64 Rng(Pipe ? 7 : 11);
    for (int I = 0; I < 600; ++I) {
      std::string Bad = Good;
      for (int K = 0; K < 3; ++K)
        Bad[Rng() % Bad.size()] = char(Rng());
      Read(Bad, I & 1);
    }
  }
}

// ---------------------------------------------------------------------------
// Inputs that change underneath or can be read only once.

/// Truncates Path to NewSize when the reader delivers sample number At: the
/// file shrinks while its data section is read.
class TruncatingRecorder : public Recorder {
public:
  TruncatingRecorder(std::string Path, uint64_t NewSize, size_t At)
      : Path(std::move(Path)), NewSize(NewSize), At(At) {}
  void onSample(const perf::Sample &S) override {
    Recorder::onSample(S);
    if (Samples.size() == At)
      EXPECT_EQ(::truncate(Path.c_str(), off_t(NewSize)), 0);
  }
  std::string Path;
  uint64_t NewSize;
  size_t At;
};

/// A file of 20000 80-byte samples, truncated to Cut after the reader has
/// delivered 100 samples; returns the error message ("" if none).
std::string readWhileTruncating(uint64_t Cut, const std::string &Bytes,
                                const std::string &Path) {
  TruncatingRecorder V(Path, Cut, 100);
  PerfHeader H;
  ReadStats S;
  llvm::Error E = readPerfData(Path, V, ReadOptions(), H, S);
  return E ? llvm::toString(std::move(E)) : std::string();
}

PerfDataBuilder shrinkingFile() {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp | kSampleTid | kSampleCallchain, {1}));
  for (int I = 0; I < 20000; ++I) {
    SampleFields S = ipSample(0x1000 + I);
    S.Callchain.assign(6, uint64_t(0x5000 + I)); // 80-byte records
    B.addSample(S);
  }
  return B;
}

uint64_t offsetIn(const std::string &Msg) {
  uint64_t Got = 0;
  size_t At = Msg.find("offset ");
  if (At == std::string::npos || sscanf(Msg.c_str() + At, "offset %lu", &Got) != 1)
    ADD_FAILURE() << "no offset in: " << Msg;
  return Got;
}

// Guards finding 5 of issue 18: a perf.data truncated while the reader had its
// data section mapped killed the process with SIGBUS (the first read of a page
// past the new end); the reader now read()s, and must still give an error that
// names the file and the offset where the data went missing.
TEST(PerfReaderShrinking, TruncatedAtAPageIsAnErrorWithTheOffset) {
  PerfDataBuilder B = shrinkingFile();
  std::string Bytes = B.fileMode();
  TempFile F(Bytes);
  ASSERT_FALSE(F.path().empty());
  const uint64_t Page = uint64_t(sysconf(_SC_PAGESIZE));
  // A page boundary well inside the data section (one map window), after the
  // first 100 samples.
  uint64_t Cut = (B.fileDataOffset() + 20 * Page) / Page * Page;
  ASSERT_LT(Cut + 4 * Page, B.fileDataOffset() + B.fileDataSize());
  std::string Msg = readWhileTruncating(Cut, Bytes, F.path());
  EXPECT_THAT(Msg, HasSubstr(F.path()));
  EXPECT_THAT(Msg, HasSubstr("shrank"));
  uint64_t Got = offsetIn(Msg);
  EXPECT_GE(Got, Cut) << Msg;
  EXPECT_LT(Got, Cut + B.record(1).size()) << Msg;
}

// The same cut inside a page (through a mapping, the rest of that page read
// as zeros and looked like a record of size 0). The error says the file
// shrank, at its new end.
TEST(PerfReaderShrinking, TruncatedInsideAPageSaysItShrank) {
  PerfDataBuilder B = shrinkingFile();
  std::string Bytes = B.fileMode();
  TempFile F(Bytes);
  ASSERT_FALSE(F.path().empty());
  const uint64_t Page = uint64_t(sysconf(_SC_PAGESIZE));
  uint64_t Cut = (B.fileDataOffset() + 20 * Page) / Page * Page + 100;
  std::string Msg = readWhileTruncating(Cut, Bytes, F.path());
  EXPECT_THAT(Msg, HasSubstr("shrank"));
  EXPECT_EQ(offsetIn(Msg), Cut) << Msg;
}

// Finding 6 of issue 18: an input that can be read once (a pipe) is sniffed
// and then read from the same descriptor: the sniffed head is not lost.
TEST(PerfReaderStreams, PipeReadOnceAfterASniff) {
  PerfDataBuilder B;
  B.addAttr(simpleAttr(kSampleIp | kSampleTid, {1}));
  for (int I = 0; I < 3000; ++I)
    B.addSample(ipSample(0x1000 + I));
  std::string Bytes = B.pipeMode();
  int P[2];
  ASSERT_EQ(::pipe(P), 0);
  std::thread Writer([&] {
    size_t Done = 0;
    while (Done < Bytes.size()) {
      ssize_t N = ::write(P[1], Bytes.data() + Done, Bytes.size() - Done);
      if (N <= 0)
        break;
      Done += size_t(N);
    }
    ::close(P[1]);
  });
  std::string Path = "/dev/fd/" + std::to_string(P[0]);
  llvm::Expected<InputFile> In = InputFile::open(Path);
  ASSERT_TRUE(bool(In)) << llvm::toString(In.takeError());
  EXPECT_FALSE(In->isRegular());
  EXPECT_TRUE(isPerfData(In->head()));
  Recorder V;
  PerfHeader H;
  ReadStats S;
  llvm::Error E = readPerfData(*In, V, ReadOptions(), H, S);
  Writer.join();
  ::close(P[0]);
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  ASSERT_EQ(V.Samples.size(), 3000u);
  EXPECT_EQ(V.Samples[0].S.Ip, 0x1000u);
  EXPECT_EQ(V.Samples[2999].S.Ip, 0x1000u + 2999);
}

} // namespace
