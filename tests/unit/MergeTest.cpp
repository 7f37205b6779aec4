// tests/unit/MergeTest.cpp: merge/ on hand-built profiles. Order and grouping
// independence is checked on serialized bytes; counts and metadata against
// values worked out by hand in the comments.
#include "core/ProfileFormat.h"
#include "merge/Merge.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace pgoctl;

namespace {

std::string errorText(llvm::Error E) { return llvm::toString(std::move(E)); }

BinaryProfile binary(std::string BuildId, std::string Path) {
  BinaryProfile B;
  B.BuildId = std::move(BuildId);
  B.Path = std::move(Path);
  return B;
}

// Three profiles sharing "app" (build-id aa), each with its own extras.
Profile profileA() {
  Profile P;
  P.Meta.Event = "cycles";
  P.Meta.SampleFreq = 4000;
  P.Meta.Mode = ProfileMode::Lbr;
  P.Meta.TimeStartNs = 100;
  P.Meta.TimeEndNs = 200;
  P.Meta.Labels = {{"host", "x"}, {"service", "web"}};
  P.Meta.TotalSamples = 10;
  P.Meta.LostSamples = 1;
  P.Meta.Inputs.push_back({"a.data", "perf.data", "", "x", "", "", 10, 1, 100, 200});
  BinaryProfile App = binary("aa", "/usr/bin/app");
  App.Samples = {{0x1000, 6}, {0x1010, 2}};
  App.Branches = {{0x1000, 0x2000, 3, 1}};
  App.Ranges = {{0x2000, 0x2010, 3}};
  App.Traces = {{0x1000, 0x2000, 0x2010, 3}};
  BinaryProfile Libc = binary("cc", "/lib/libc.so.6");
  Libc.Samples = {{0x500, 2}};
  P.Binaries = {Libc, App}; // deliberately not in key order
  P.Stacks = {{{{1, 0x1000}, {0, 0x500}}, 4}};
  return P;
}

Profile profileB() {
  Profile P;
  P.Meta.Event = "cycles";
  P.Meta.SampleFreq = 4000;
  P.Meta.Mode = ProfileMode::Lbr;
  P.Meta.TimeStartNs = 50;
  P.Meta.TimeEndNs = 150;
  P.Meta.Labels = {{"host", "y"}, {"service", "web"}, {"zone", "eu"}};
  P.Meta.TotalSamples = 5;
  BinaryProfile App = binary("aa", "/opt/app");
  App.Samples = {{0x1000, 1}, {0x1020, 4}};
  App.Branches = {{0x1000, 0x2000, 1, 0}, {0x1008, 0x1000, 2, 2}};
  P.Binaries = {App};
  P.Stacks = {{{{0, 0x1000}}, 2}};
  return P;
}

Profile profileC() {
  Profile P;
  P.Meta.Event = "instructions";
  P.Meta.SampleFreq = 1000;
  P.Meta.Mode = ProfileMode::IpSamples;
  P.Meta.TimeStartNs = 0; // unknown start: ignored by the min
  P.Meta.TimeEndNs = 300;
  P.Meta.Labels = {{"host", "x,z"}};
  P.Meta.TotalSamples = 3;
  P.Meta.UnmappedSamples = 1;
  BinaryProfile App = binary("aa", "/usr/bin/app");
  App.Samples = {{0x1010, 3}};
  BinaryProfile Tool = binary("", "/bin/tool");
  Tool.Samples = {{0x42, 1}};
  P.Binaries = {App, Tool};
  P.Stacks = {{{{0, 0x1000}}, 1}, {{{1, 0x42}, {Frame::kNoBinary, 7}}, 1}};
  return P;
}

std::string bytesOf(const Profile &P) {
  llvm::Expected<std::string> S = serializeProfile(P);
  EXPECT_TRUE(bool(S));
  return S ? *S : errorText(S.takeError());
}

Profile mergeOk(std::vector<WeightedProfile> In, const MergeOptions &O = {}) {
  llvm::Expected<Profile> P = mergeProfiles(In, O);
  EXPECT_TRUE(bool(P)) << (P ? "" : errorText(P.takeError()));
  return P ? std::move(*P) : Profile();
}

const AddrCount *sampleAt(const BinaryProfile &B, uint64_t Addr) {
  for (const AddrCount &S : B.Samples)
    if (S.Addr == Addr)
      return &S;
  return nullptr;
}

TEST(Merge, CommutativeOverAllPermutations) {
  std::vector<WeightedProfile> In = {
      {profileA(), 2, "a.pgoprof"}, {profileB(), 1, "b.pgoprof"}, {profileC(), 3, "c.pgoprof"}};
  std::string Want = bytesOf(mergeOk(In));
  std::vector<int> Order = {0, 1, 2};
  int Perms = 0;
  do {
    std::vector<WeightedProfile> P = {In[Order[0]], In[Order[1]], In[Order[2]]};
    EXPECT_EQ(bytesOf(mergeOk(P)), Want) << Order[0] << Order[1] << Order[2];
    ++Perms;
  } while (std::next_permutation(Order.begin(), Order.end()));
  EXPECT_EQ(Perms, 6);
}

TEST(Merge, Associative) {
  WeightedProfile A{profileA(), 2, "a"}, B{profileB(), 1, "b"}, C{profileC(), 3, "c"};
  std::string Flat = bytesOf(mergeOk({A, B, C}));
  // (A+B)+C and A+(B+C): the inner result enters with weight 1.
  Profile AB = mergeOk({A, B});
  std::string Left = bytesOf(mergeOk({{AB, 1, "ab"}, C}));
  Profile BC = mergeOk({B, C});
  std::string Right = bytesOf(mergeOk({A, {BC, 1, "bc"}}));
  EXPECT_EQ(Left, Flat);
  EXPECT_EQ(Right, Flat);
  // Weights distribute: 2*(A+B) == 2A + 2B.
  std::string Scaled = bytesOf(mergeOk({{AB, 2, "ab"}}));
  std::string Distributed = bytesOf(mergeOk({{profileA(), 4, "a"}, {profileB(), 2, "b"}}));
  EXPECT_EQ(Scaled, Distributed);
}

TEST(Merge, WeightsMultiplyCounts) {
  Profile M = mergeOk({{profileA(), 2, "a"}, {profileB(), 1, "b"}, {profileC(), 3, "c"}});
  ASSERT_EQ(M.Binaries.size(), 3u); // app, libc, tool
  const BinaryProfile *App = M.findBinary("buildid:aa");
  ASSERT_NE(App, nullptr);
  EXPECT_EQ(App->Path, "/opt/app"); // smallest path
  // 0x1000: 6*2 + 1*1 = 13; 0x1010: 2*2 + 3*3 = 13; 0x1020: 4*1 = 4.
  ASSERT_EQ(App->Samples.size(), 3u);
  EXPECT_EQ(sampleAt(*App, 0x1000)->Count, 13u);
  EXPECT_EQ(sampleAt(*App, 0x1010)->Count, 13u);
  EXPECT_EQ(sampleAt(*App, 0x1020)->Count, 4u);
  // Branch 0x1000->0x2000: 3*2 + 1 = 7, mispreds 1*2 + 0 = 2.
  ASSERT_EQ(App->Branches.size(), 2u);
  EXPECT_EQ(App->Branches[0].From, 0x1000u);
  EXPECT_EQ(App->Branches[0].Count, 7u);
  EXPECT_EQ(App->Branches[0].Mispreds, 2u);
  EXPECT_EQ(App->Branches[1].Count, 2u);
  EXPECT_EQ(App->Branches[1].Mispreds, 2u);
  ASSERT_EQ(App->Ranges.size(), 1u);
  EXPECT_EQ(App->Ranges[0].Count, 6u);
  // Trace (0x1000 -> 0x2000 .. 0x2010): 3*2.
  ASSERT_EQ(App->Traces.size(), 1u);
  EXPECT_EQ(App->Traces[0].Branch, 0x1000u);
  EXPECT_EQ(App->Traces[0].Begin, 0x2000u);
  EXPECT_EQ(App->Traces[0].End, 0x2010u);
  EXPECT_EQ(App->Traces[0].Count, 6u);
  const BinaryProfile *Libc = M.findBinary("buildid:cc");
  ASSERT_NE(Libc, nullptr);
  EXPECT_EQ(Libc->Samples[0].Count, 4u);
  // Metadata sample totals are weighted too: 10*2 + 5 + 3*3 = 34.
  EXPECT_EQ(M.Meta.TotalSamples, 34u);
  EXPECT_EQ(M.Meta.LostSamples, 2u);
  EXPECT_EQ(M.Meta.UnmappedSamples, 3u);
}

TEST(Merge, StackFramesFollowTheirBinaries) {
  Profile M = mergeOk({{profileA(), 2, "a"}, {profileB(), 1, "b"}, {profileC(), 3, "c"}});
  // Final binary order by key: buildid:aa (0), buildid:cc (1), path:/bin/tool (2).
  ASSERT_EQ(M.Binaries[0].key(), "buildid:aa");
  ASSERT_EQ(M.Binaries[1].key(), "buildid:cc");
  ASSERT_EQ(M.Binaries[2].key(), "path:/bin/tool");
  // [app 0x1000]: B 2*1 + C 1*3 = 5; [app 0x1000, libc 0x500]: A 4*2 = 8;
  // [tool 0x42, none 7]: C 1*3 = 3.
  ASSERT_EQ(M.Stacks.size(), 3u);
  std::vector<Frame> S0 = {{0, 0x1000}}, S1 = {{0, 0x1000}, {1, 0x500}},
                     S2 = {{2, 0x42}, {Frame::kNoBinary, 7}};
  EXPECT_EQ(M.Stacks[0].Frames, S0);
  EXPECT_EQ(M.Stacks[0].Count, 5u);
  EXPECT_EQ(M.Stacks[1].Frames, S1);
  EXPECT_EQ(M.Stacks[1].Count, 8u);
  EXPECT_EQ(M.Stacks[2].Frames, S2);
  EXPECT_EQ(M.Stacks[2].Count, 3u);
}

TEST(Merge, MetadataRules) {
  Profile AB = mergeOk({{profileA(), 1, "a"}, {profileB(), 1, "b"}});
  EXPECT_EQ(AB.Meta.Event, "cycles");
  EXPECT_EQ(AB.Meta.SampleFreq, 4000u);       // equal: kept
  EXPECT_EQ(AB.Meta.Mode, ProfileMode::Lbr);  // equal: kept
  EXPECT_EQ(AB.Meta.TimeStartNs, 50u);
  EXPECT_EQ(AB.Meta.TimeEndNs, 200u);
  EXPECT_EQ(AB.Meta.Labels.at("host"), "x,y");
  EXPECT_EQ(AB.Meta.Labels.at("service"), "web");
  EXPECT_EQ(AB.Meta.Labels.at("zone"), "eu"); // only B has it
  EXPECT_EQ(AB.Meta.ToolVersion, toolVersion().str());

  Profile ABC = mergeOk({{AB, 1, "ab"}, {profileC(), 1, "c"}});
  EXPECT_EQ(ABC.Meta.Event, "cycles,instructions");
  EXPECT_EQ(ABC.Meta.SampleFreq, 0u);                // 4000 vs 1000
  EXPECT_EQ(ABC.Meta.Mode, ProfileMode::Unknown);    // lbr vs ip
  EXPECT_EQ(ABC.Meta.TimeStartNs, 50u);              // C's 0 is ignored
  EXPECT_EQ(ABC.Meta.TimeEndNs, 300u);
  EXPECT_EQ(ABC.Meta.Labels.at("host"), "x,y,z");    // "x,y" + "x,z", split first
}

TEST(Merge, JoinValueSets) {
  EXPECT_EQ(joinValueSets("", ""), "");
  EXPECT_EQ(joinValueSets("b", ""), "b");
  EXPECT_EQ(joinValueSets("b,a", "a"), "a,b");
  EXPECT_EQ(joinValueSets("c,,a", "b,c"), "a,b,c");
}

TEST(Merge, ProvenanceConcatenatesWithWeights) {
  Profile Inner = mergeOk({{profileA(), 1, "a"}, {profileB(), 3, "b.pgoprof"}});
  // A keeps its own entry (weight 1); B had none, so it gets a synthesized one.
  ASSERT_EQ(Inner.Meta.Inputs.size(), 2u);
  Profile Outer = mergeOk({{Inner, 2, "inner"}, {profileC(), 1, "c.pgoprof"}});
  ASSERT_EQ(Outer.Meta.Inputs.size(), 3u);
  // Canonical order sorts by Source: "a.data", "b.pgoprof", "c.pgoprof".
  EXPECT_EQ(Outer.Meta.Inputs[0].Source, "a.data");
  EXPECT_EQ(Outer.Meta.Inputs[0].Kind, "perf.data");
  EXPECT_EQ(Outer.Meta.Inputs[0].Weight, 2u);
  EXPECT_EQ(Outer.Meta.Inputs[0].Samples, 10u); // raw, not weighted
  EXPECT_EQ(Outer.Meta.Inputs[1].Source, "b.pgoprof");
  EXPECT_EQ(Outer.Meta.Inputs[1].Kind, "pgoprof");
  EXPECT_EQ(Outer.Meta.Inputs[1].Weight, 6u);
  EXPECT_EQ(Outer.Meta.Inputs[1].Samples, 5u);
  EXPECT_EQ(Outer.Meta.Inputs[1].Host, "y");
  EXPECT_EQ(Outer.Meta.Inputs[2].Source, "c.pgoprof");
  EXPECT_EQ(Outer.Meta.Inputs[2].Weight, 1u);
}

Profile offsetProfile(bool WithSegments) {
  Profile P;
  BinaryProfile B = binary("aa", "/usr/bin/app");
  B.Space = AddressSpace::FileOffset;
  if (WithSegments)
    // Text: file 0x1000..0x3000 at vaddr 0x401000; data: file 0x3000 at 0x603000.
    B.Segments = {{0x400000, 0x3000, 0, 0x3000, 5}, {0x603000, 0x800, 0x3000, 0x400, 6}};
  B.Samples = {{0x1000, 5}, {0x3010, 1}};
  B.Branches = {{0x1000, kExternalAddress, 2, 0}};
  B.Ranges = {{0x1100, 0x1180, 4}};
  B.Traces = {{kExternalAddress, 0x1100, 0x1180, 1}, {0x1020, 0x1100, 0x1180, 3}};
  P.Binaries = {B};
  P.Stacks = {{{{0, 0x1000}}, 1}};
  return P;
}

Profile vaddrProfile() {
  Profile P;
  BinaryProfile B = binary("aa", "/usr/bin/app");
  B.Samples = {{0x401000, 1}};
  P.Binaries = {B};
  P.Stacks = {{{{0, 0x401000}}, 1}};
  return P;
}

TEST(Merge, MixedAddressSpacesWithoutSegmentsIsAnError) {
  llvm::Expected<Profile> M =
      mergeProfiles({{vaddrProfile(), 1, "v.pgoprof"}, {offsetProfile(false), 1, "o.pgoprof"}}, {});
  ASSERT_FALSE(bool(M));
  std::string Msg = errorText(M.takeError());
  EXPECT_NE(Msg.find("/usr/bin/app"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("file offsets in o.pgoprof"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("ELF vaddrs in v.pgoprof"), std::string::npos) << Msg;
}

TEST(Merge, MixedAddressSpacesErrorPolicy) {
  MergeOptions O;
  O.MixedSpaces = MixedSpacePolicy::Error;
  llvm::Expected<Profile> M =
      mergeProfiles({{vaddrProfile(), 1, "v"}, {offsetProfile(true), 1, "o"}}, O);
  ASSERT_FALSE(bool(M));
  EXPECT_NE(errorText(M.takeError()).find("build-id aa"), std::string::npos);
}

TEST(Merge, MixedAddressSpacesConvertThroughSegments) {
  Profile M = mergeOk({{vaddrProfile(), 1, "v"}, {offsetProfile(true), 2, "o"}});
  ASSERT_EQ(M.Binaries.size(), 1u);
  const BinaryProfile &B = M.Binaries[0];
  EXPECT_EQ(B.Space, AddressSpace::ElfVaddr);
  // 0x1000 -> 0x401000 (1 + 5*2 = 11); 0x3010 -> 0x603010 (1*2).
  ASSERT_EQ(B.Samples.size(), 2u);
  EXPECT_EQ(sampleAt(B, 0x401000)->Count, 11u);
  EXPECT_EQ(sampleAt(B, 0x603010)->Count, 2u);
  ASSERT_EQ(B.Branches.size(), 1u);
  EXPECT_EQ(B.Branches[0].From, 0x401000u);
  EXPECT_EQ(B.Branches[0].To, kExternalAddress);
  ASSERT_EQ(M.Stacks.size(), 1u);
  EXPECT_EQ(M.Stacks[0].Frames[0].Addr, 0x401000u);
  EXPECT_EQ(M.Stacks[0].Count, 3u);
  // Traces convert every address but the external one: 0x1100 -> 0x401100.
  ASSERT_EQ(B.Traces.size(), 2u);
  EXPECT_EQ(B.Traces[0].Branch, 0x401020u);
  EXPECT_EQ(B.Traces[0].Begin, 0x401100u);
  EXPECT_EQ(B.Traces[0].End, 0x401180u);
  EXPECT_EQ(B.Traces[0].Count, 6u);
  EXPECT_EQ(B.Traces[1].Branch, kExternalAddress);
  EXPECT_EQ(B.Traces[1].Count, 2u);
  // Order does not matter, including through a nested merge.
  Profile Rev = mergeOk({{offsetProfile(true), 2, "o"}, {vaddrProfile(), 1, "v"}});
  EXPECT_EQ(bytesOf(Rev), bytesOf(M));
  Profile OO = mergeOk({{offsetProfile(true), 1, "o"}, {offsetProfile(true), 1, "o2"}});
  EXPECT_EQ(OO.Binaries[0].Space, AddressSpace::FileOffset); // all offsets: kept
  Profile Nested = mergeOk({{vaddrProfile(), 1, "v"}, {OO, 1, "oo"}});
  // Provenance differs (o and o2 vs o with weight 2); the counts must not.
  Nested.Meta.Inputs.clear();
  M.Meta.Inputs.clear();
  EXPECT_EQ(bytesOf(Nested), bytesOf(M));
}

TEST(Merge, OffsetOutsideEverySegmentIsAnError) {
  Profile Off = offsetProfile(true);
  Off.Binaries[0].Samples.push_back({0x9000, 1});
  llvm::Expected<Profile> M = mergeProfiles({{vaddrProfile(), 1, "v"}, {Off, 1, "o"}}, {});
  ASSERT_FALSE(bool(M));
  std::string Msg = errorText(M.takeError());
  EXPECT_NE(Msg.find("0x9000"), std::string::npos) << Msg;
}

TEST(Merge, OverflowIsAnErrorOrSaturates) {
  Profile P = vaddrProfile();
  P.Binaries[0].Samples[0].Count = uint64_t(1) << 63;
  llvm::Expected<Profile> M = mergeProfiles({{P, 2, "big.pgoprof"}}, {});
  ASSERT_FALSE(bool(M));
  std::string Msg = errorText(M.takeError());
  EXPECT_NE(Msg.find("big.pgoprof"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("overflow"), std::string::npos) << Msg;
  // Two inputs whose sum overflows, not their products.
  llvm::Expected<Profile> Sum = mergeProfiles({{P, 1, "p1"}, {P, 1, "p2"}}, {});
  ASSERT_FALSE(bool(Sum));
  llvm::consumeError(Sum.takeError());

  MergeOptions Sat;
  Sat.Overflow = OverflowPolicy::Saturate;
  Profile S = mergeOk({{P, 2, "big"}}, Sat);
  EXPECT_EQ(S.Binaries[0].Samples[0].Count, UINT64_MAX);
}

TEST(Merge, RejectsZeroWeightAndNoInputs) {
  llvm::Expected<Profile> Z = mergeProfiles({{profileA(), 0, "zero.pgoprof"}}, {});
  ASSERT_FALSE(bool(Z));
  EXPECT_NE(errorText(Z.takeError()).find("zero.pgoprof"), std::string::npos);
  llvm::Expected<Profile> None = mergeProfiles({}, {});
  ASSERT_FALSE(bool(None));
  llvm::consumeError(None.takeError());
}

} // namespace
