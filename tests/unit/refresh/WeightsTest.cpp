// tests/unit/refresh: refresh's weights (decay, per-host normalization),
// core's exact count scaling, the sharded sum against the single one, and
// the default period by what the newest window counts (Period.h).
// Expected values are hand-computed in the comments (2^24 = 16777216,
// 2^32 = 4294967296), never taken from the code under test.
#include "core/ProfileFormat.h"
#include "core/ProfileScale.h"
#include "refresh/Period.h"
#include "refresh/Shard.h"
#include "refresh/Weights.h"
#include "refresh/Windows.h"
#include "store/Layout.h"
#include "store/Store.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <optional>
#include <tuple>

using namespace pgoctl;
using namespace pgoctl::refresh;

namespace {

std::string errText(llvm::Error E) { return llvm::toString(std::move(E)); }

constexpr int64_t Day = 86400;
constexpr int64_t Now = 1764892800; // 2025-12-05T00:00:00Z

TEST(RefreshWeights, DecayHalvesEachHalfLife) {
  WeightOptions O;
  O.Now = Now;
  O.HalfLife = 3 * Day;
  EXPECT_EQ(decayWeight(Now, O), 16777216u);           // age 0: 2^24
  EXPECT_EQ(decayWeight(Now + 100, O), 16777216u);     // a start after --now is age 0
  EXPECT_EQ(decayWeight(Now - 3 * Day, O), 8388608u);  // one half-life: 2^23
  EXPECT_EQ(decayWeight(Now - 6 * Day, O), 4194304u);  // two: 2^22
  // Half a half-life: 2^24 / sqrt(2) = 11863283.2 -> 11863283.
  O.HalfLife = 2 * Day;
  EXPECT_EQ(decayWeight(Now - Day, O), 11863283u);
  // Beyond 24 half-lives the window does not count.
  EXPECT_EQ(decayWeight(Now - 25 * 2 * Day, O), 0u);
}

TEST(RefreshWeights, HostScales) {
  WeightOptions O;
  O.Hosts = HostWeight::None;
  Scale S = hostScale(12345, O);
  EXPECT_EQ(S.Num, 1u);
  EXPECT_EQ(S.Den, 256u); // 2^24 / 2^8: a sample of age 0 is 2^16
  EXPECT_DOUBLE_EQ(effectiveWeight(S), 1.0);
  O.Hosts = HostWeight::Equal;
  S = hostScale(12345, O);
  EXPECT_EQ(S.Num, 4294967296u);
  EXPECT_EQ(S.Den, 12345u);
  EXPECT_EQ(errText(parseHostWeight("maybe").takeError()).find("equal or none") !=
                std::string::npos,
            true);
}

TEST(ProfileScale, ExactAndSaturating) {
  bool Sat = false;
  // 2^63 * 2^32 / 2^32 needs 95 bits in between: exact, not wrapped.
  EXPECT_EQ(scaleCount(uint64_t(1) << 63, uint64_t(1) << 32, uint64_t(1) << 32, Sat),
            uint64_t(1) << 63);
  EXPECT_FALSE(Sat);
  EXPECT_EQ(scaleCount(7, 1, 2, Sat), 3u); // floor(3.5)
  EXPECT_EQ(scaleCount(uint64_t(1) << 63, 4, 1, Sat), UINT64_MAX);
  EXPECT_TRUE(Sat);
}

TEST(ProfileScale, RangesStayTheSumsOfTheirTraces) {
  Profile P;
  P.Meta.TotalSamples = 9;
  P.Meta.LostSamples = 3;
  BinaryProfile B;
  B.BuildId = "ab";
  // Two traces of range [0x10, 0x20] (3 each) and 1 untraced: range count 7.
  B.Traces = {{0x1, 0x10, 0x20, 3}, {0x2, 0x10, 0x20, 3}};
  B.Ranges = {{0x10, 0x20, 7}};
  B.Branches = {{0x1, 0x10, 3, 1}, {0x5, 0x6, 1, 1}};
  B.Samples = {{0x40, 5}};
  P.Binaries.push_back(B);
  P.Stacks = {{{{0, 0x40}}, 1}};
  P.canonicalize();
  EXPECT_EQ(scaleCounts(P, 1, 2), 0u);
  const BinaryProfile &S = P.Binaries[0];
  // Traces 3 -> 1 each; the untraced 1 -> 0; so the range is 2 (not
  // floor(7/2) = 3, which would leave an untraced 1 no input had).
  ASSERT_EQ(S.Traces.size(), 2u);
  EXPECT_EQ(S.Traces[0].Count, 1u);
  EXPECT_EQ(S.Traces[1].Count, 1u);
  ASSERT_EQ(S.Ranges.size(), 1u);
  EXPECT_EQ(S.Ranges[0].Count, 2u);
  EXPECT_TRUE(S.untracedRanges().empty());
  // Branch 3 (1 mispredicted) -> 1 (0); branch 1 -> 0: dropped.
  ASSERT_EQ(S.Branches.size(), 1u);
  EXPECT_EQ(S.Branches[0].Count, 1u);
  EXPECT_EQ(S.Branches[0].Mispreds, 0u);
  EXPECT_EQ(S.Samples[0].Count, 2u);
  EXPECT_TRUE(P.Stacks.empty()); // 1 -> 0
  EXPECT_EQ(P.Meta.TotalSamples, 4u);
  EXPECT_EQ(P.Meta.LostSamples, 1u);
}

// Records that are kept keep their contents: a stack keeps its frames and a
// function its name (the call chains indirect call targets come from).
TEST(ProfileScale, KeptRecordsKeepTheirFramesAndNames) {
  Profile P;
  BinaryProfile B;
  B.BuildId = "ab";
  B.Samples = {{0x40, 6}};
  B.Functions = {{"interpreted_a", 2, 4}, {"interpreted_b", 6, 6}};
  P.Binaries.push_back(B);
  P.Stacks = {{{{0, 0x40}, {0, 0x80}}, 1}, {{{0, 0x40}, {0, 0x90}}, 6}};
  P.canonicalize();
  EXPECT_EQ(scaleCounts(P, 3, 2), 0u);
  ASSERT_EQ(P.Stacks.size(), 2u);
  EXPECT_EQ(P.Stacks[0].Frames, (std::vector<Frame>{{0, 0x40}, {0, 0x80}}));
  EXPECT_EQ(P.Stacks[0].Count, 1u); // floor(1.5)
  EXPECT_EQ(P.Stacks[1].Frames, (std::vector<Frame>{{0, 0x40}, {0, 0x90}}));
  EXPECT_EQ(P.Stacks[1].Count, 9u);
  const BinaryProfile &S = P.Binaries[0];
  ASSERT_EQ(S.Functions.size(), 2u);
  EXPECT_EQ(S.Functions[0].Name, "interpreted_a");
  EXPECT_EQ(S.Functions[0].Total, 6u);
  EXPECT_EQ(S.Functions[1].Name, "interpreted_b");
  // Dropping the first record moves the second into its place, intact.
  EXPECT_EQ(scaleCounts(P, 1, 6), 0u);
  ASSERT_EQ(P.Stacks.size(), 1u);
  EXPECT_EQ(P.Stacks[0].Frames, (std::vector<Frame>{{0, 0x40}, {0, 0x90}}));
  EXPECT_EQ(P.Stacks[0].Count, 1u);
}

/// A window of one binary with IP samples at the given addresses.
Profile window(uint64_t Total, std::vector<AddrCount> Samples, const std::string &Host) {
  Profile P;
  P.Meta.Mode = ProfileMode::IpSamples;
  P.Meta.Event = "cpu-clock";
  P.Meta.TotalSamples = Total;
  P.Meta.Labels["host"] = Host;
  BinaryProfile B;
  B.BuildId = "ab12";
  B.Path = "/srv/kv";
  B.Samples = std::move(Samples);
  P.Binaries.push_back(std::move(B));
  P.canonicalize();
  return P;
}

class RefreshStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> Dir;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-refresh-test", Dir));
    Root = std::string(Dir);
    auto S = store::openStore("file://" + Root, store::StoreOptions{});
    ASSERT_TRUE(bool(S)) << errText(S.takeError());
    St = std::move(*S);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Root); }
  void push(const std::string &Host, int64_t Start, const Profile &P) {
    auto K = store::rawKey({"kv", "", Host, "ab12", Start});
    ASSERT_TRUE(bool(K)) << errText(K.takeError());
    auto Bytes = serializeProfile(P);
    ASSERT_TRUE(bool(Bytes)) << errText(Bytes.takeError());
    ASSERT_EQ(errText(St->put(*K, *Bytes)), "");
  }
  Accumulated sum(HostWeight HW, ShardSpec Shard = {}) {
    auto Sel = selectWindows(*St, WindowOptions{"kv", Now, 7 * Day});
    EXPECT_TRUE(bool(Sel)) << errText(Sel.takeError());
    AccumulateOptions O;
    O.Weights.Now = Now;
    O.Weights.HalfLife = 3 * Day;
    O.Weights.Hosts = HW;
    O.Shard = Shard;
    auto A = accumulate(*St, *Sel, O);
    EXPECT_TRUE(bool(A)) << errText(A.takeError());
    return std::move(*A);
  }
  static uint64_t at(const Profile &P, uint64_t Addr) {
    for (const AddrCount &S : P.Binaries.at(0).Samples)
      if (S.Addr == Addr)
        return S.Count;
    return 0;
  }
  std::string Root;
  std::unique_ptr<store::Store> St;
};

TEST_F(RefreshStoreTest, DecayAndHostNormalization) {
  // web-1: 100 samples at 0x10 now, 100 at 0x20 one half-life ago.
  // web-2: 300 samples at 0x30 now. web-3: a window 8 days old (outside 7d).
  push("web-1", Now, window(100, {{0x10, 100}}, "web-1"));
  push("web-1", Now - 3 * Day, window(100, {{0x20, 100}}, "web-1"));
  push("web-2", Now, window(300, {{0x30, 300}}, "web-2"));
  push("web-3", Now - 8 * Day, window(50, {{0x40, 50}}, "web-3"));

  // none: raw samples, decayed, in units of 2^-16: 100, 100/2, 300 samples.
  Accumulated N = sum(HostWeight::None);
  EXPECT_EQ(N.Windows, 3u);
  EXPECT_EQ(N.Samples, 500u);
  EXPECT_EQ(at(N.P, 0x10), 100u << 16);
  EXPECT_EQ(at(N.P, 0x20), 50u << 16);
  EXPECT_EQ(at(N.P, 0x30), 300u << 16);
  // The output's scale (scaleToRawSamples): the decayed total (450 samples)
  // becomes 16 x the raw samples (500): x 8000/450, rounded down.
  scaleToRawSamples(N);
  EXPECT_EQ(at(N.P, 0x10), 1777u); // 1777.8
  EXPECT_EQ(at(N.P, 0x20), 888u);  // 888.9
  EXPECT_EQ(at(N.P, 0x30), 5333u); // 5333.3
  EXPECT_EQ(at(N.P, 0x40), 0u);

  // equal: web-1's decayed total is 100*2^24 + 100*2^23; 0x10 gets
  // 2^32 * 2/3 = 2863311530.67 -> 2863311530, 0x20 2^32/3 -> 1431655765;
  // web-2's one location gets all of 2^32.
  Accumulated E = sum(HostWeight::Equal);
  EXPECT_EQ(at(E.P, 0x10), 2863311530u);
  EXPECT_EQ(at(E.P, 0x20), 1431655765u);
  EXPECT_EQ(at(E.P, 0x30), 4294967296u);
  EXPECT_EQ(E.P.Meta.TotalSamples, 2 * 4294967296u);
  ASSERT_EQ(E.Hosts.size(), 2u);
  EXPECT_EQ(E.Hosts[0].Host, "web-1");
  EXPECT_EQ(E.Hosts[0].Windows, 2u);
  EXPECT_EQ(E.Hosts[0].Samples, 200u);
}

TEST_F(RefreshStoreTest, ShardsThenReduceGiveTheSingleBytes) {
  const char *Hosts[] = {"a", "b", "c", "d", "e", "f", "g"};
  uint64_t Seed = 7;
  for (int H = 0; H < 7; ++H)
    for (int D = 0; D < 5; ++D) {
      std::vector<AddrCount> S;
      for (int I = 0; I < 6; ++I) {
        Seed = Seed * 6364136223846793005ull + 1442695040888963407ull;
        S.push_back({0x1000 + (Seed >> 59) * 16, 1 + (Seed >> 40) % 1000});
      }
      uint64_t Total = 0;
      for (const AddrCount &X : S)
        Total += X.Count;
      push(Hosts[H], Now - D * Day - H * 3600, window(Total, S, Hosts[H]));
    }
  Accumulated One = sum(HostWeight::Equal);
  auto OneBytes = serializeProfile(One.P);
  ASSERT_TRUE(bool(OneBytes));
  for (unsigned N : {2u, 3u}) {
    for (unsigned I = 0; I < N; ++I) {
      Accumulated Part = sum(HostWeight::Equal, ShardSpec{I, N});
      PartialHeader H{"kv", "run" + std::to_string(N), {I, N}, Now, 7 * Day, 3 * Day,
                      HostWeight::Equal};
      ASSERT_EQ(errText(writePartial(*St, H, Part)), "");
    }
    PartialHeader Got;
    auto R = reducePartials(*St, "kv", "run" + std::to_string(N), 0, Got);
    ASSERT_TRUE(bool(R)) << errText(R.takeError());
    EXPECT_EQ(R->Windows, 35u);
    auto Bytes = serializeProfile(R->P);
    ASSERT_TRUE(bool(Bytes));
    EXPECT_TRUE(*Bytes == *OneBytes) << "shards " << N;
  }
  // A run with a partial missing is refused.
  Accumulated Part = sum(HostWeight::Equal, ShardSpec{0, 2});
  PartialHeader H{"kv", "broken", {0, 2}, Now, 7 * Day, 3 * Day, HostWeight::Equal};
  ASSERT_EQ(errText(writePartial(*St, H, Part)), "");
  PartialHeader Got;
  auto R = reducePartials(*St, "kv", "broken", 0, Got);
  ASSERT_FALSE(bool(R));
  EXPECT_NE(errText(R.takeError()).find("missing shards: 1"), std::string::npos);
}

/// The same window sampled by another event (Mode as the collector sets it).
Profile withEvent(Profile P, ProfileMode Mode, const std::string &Event) {
  P.Meta.Mode = Mode;
  P.Meta.Event = Event;
  return P;
}

TEST_F(RefreshStoreTest, DefaultPeriodFollowsTheNewestWindow) {
  // cpu-clock windows 1, 10, 20 and 25 days old: 21 days are listed, the
  // newest counts time, so 21d at a 21d half-life keeps the first three.
  push("web-1", Now - 1 * Day, window(10, {{0x10, 10}}, "web-1"));
  push("web-1", Now - 10 * Day, window(10, {{0x10, 10}}, "web-1"));
  push("web-2", Now - 20 * Day, window(10, {{0x10, 10}}, "web-2"));
  push("web-2", Now - 25 * Day, window(10, {{0x10, 10}}, "web-2"));
  EXPECT_EQ(listingSince(std::nullopt), 21 * Day);
  EXPECT_EQ(listingSince(2 * Day), 2 * Day);
  auto Sel = selectWindows(*St, WindowOptions{"kv", Now, listingSince(std::nullopt)});
  ASSERT_TRUE(bool(Sel)) << errText(Sel.takeError());
  ASSERT_EQ(Sel->Windows.size(), 3u);
  auto C = choosePeriod(*St, *Sel, std::nullopt, std::nullopt, 0);
  ASSERT_TRUE(bool(C)) << errText(C.takeError());
  EXPECT_TRUE(C->ByWindow);
  EXPECT_TRUE(C->TimeSamples);
  EXPECT_EQ(C->Event, "cpu-clock");
  EXPECT_EQ(C->Key, *store::rawKey({"kv", "", "web-1", "ab12", Now - 1 * Day}));
  EXPECT_EQ(C->P.Since, 21 * Day);
  EXPECT_EQ(C->P.HalfLife, 21 * Day);
  // Given values stay; only the other one follows the window.
  C = choosePeriod(*St, *Sel, 7 * Day, std::nullopt, 0);
  ASSERT_TRUE(bool(C)) << errText(C.takeError());
  EXPECT_EQ(C->P.Since, 7 * Day);
  EXPECT_EQ(C->P.HalfLife, 21 * Day);
  C = choosePeriod(*St, *Sel, 2 * Day, 1 * Day, 0);
  ASSERT_TRUE(bool(C)) << errText(C.takeError());
  EXPECT_FALSE(C->ByWindow);
  EXPECT_EQ(C->P.Since, 2 * Day);
  EXPECT_EQ(C->P.HalfLife, 1 * Day);

  // A newer window of branch records, then one of instructions: counts of
  // executions, 7d at 3d; narrowing keeps the windows of the last 7 days.
  for (auto [Age, Mode, Event] : {std::tuple{Day / 2, ProfileMode::Lbr, "br_inst_retired.near_taken"},
                                  std::tuple{Day / 4, ProfileMode::IpSamples, "instructions"}}) {
    push("web-3", Now - Age, withEvent(window(10, {{0x10, 10}}, "web-3"), Mode, Event));
    Sel = selectWindows(*St, WindowOptions{"kv", Now, listingSince(std::nullopt)});
    ASSERT_TRUE(bool(Sel)) << errText(Sel.takeError());
    C = choosePeriod(*St, *Sel, std::nullopt, std::nullopt, 0);
    ASSERT_TRUE(bool(C)) << errText(C.takeError());
    EXPECT_TRUE(C->ByWindow);
    EXPECT_FALSE(C->TimeSamples) << Event;
    EXPECT_EQ(C->Event, Event);
    EXPECT_EQ(C->P.Since, 7 * Day);
    EXPECT_EQ(C->P.HalfLife, 3 * Day);
  }
  // The 25-day-old window's day is not listed at all.
  EXPECT_EQ(Sel->OutsidePeriod, 0u);
  narrowPeriod(*Sel, Now, 7 * Day);
  ASSERT_EQ(Sel->Windows.size(), 3u); // 1 day, 12 h and 6 h old
  EXPECT_EQ(Sel->OutsidePeriod, 2u);  // 10 and 20 days old
  EXPECT_EQ(Sel->PeriodStart, Now - 7 * Day);
  for (const WindowRef &W : Sel->Windows)
    EXPECT_GE(W.W.Start, Now - 7 * Day);

  // No window: the defaults of counts, nothing read.
  WindowSelection Empty;
  C = choosePeriod(*St, Empty, std::nullopt, std::nullopt, 0);
  ASSERT_TRUE(bool(C)) << errText(C.takeError());
  EXPECT_FALSE(C->ByWindow);
  EXPECT_EQ(C->P.Since, 7 * Day);
}

TEST(RefreshPeriod, FormatDuration) {
  EXPECT_EQ(formatDuration(21 * Day), "21d");
  EXPECT_EQ(formatDuration(36 * 3600), "36h");
  EXPECT_EQ(formatDuration(90 * 60), "90m");
  EXPECT_EQ(formatDuration(90), "90s");
}

} // namespace
