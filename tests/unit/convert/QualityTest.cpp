// tests/unit/convert/QualityTest.cpp: assessQuality() on hand-made profiles.
// Every expected figure is worked out in the comments from Quality.h's
// definitions (a block of n samples has relative error 1/sqrt(n); the
// sample-weighted median; record (e / 5%)^2 times longer; good <= 5% < thin
// <= 20% < poor), never from the code's output.
#include "convert/sample/Quality.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pgoctl::convert {
namespace {

QualityFunction fn(std::string Name, std::vector<QualityItem> Items) {
  QualityFunction F;
  F.Name = std::move(Name);
  F.Items = std::move(Items);
  for (const QualityItem &I : F.Items)
    F.Samples += I.Samples;
  return F;
}

QualityInput ip(std::vector<QualityFunction> Fns, uint64_t HotCount = 0, double Seconds = 0) {
  QualityInput In;
  In.HotCount = HotCount;
  In.Seconds = Seconds;
  for (const QualityFunction &F : Fns)
    In.Samples += F.Samples;
  In.Functions = std::move(Fns);
  return In;
}

// One function, blocks of 100, 25 and 4 samples: errors 0.1, 0.2, 0.5.
// Weights 100, 25, 4 (total 129); smallest error first, the 100-sample block
// alone holds 100 >= 129/2, so the median is 0.1. One block (4) under 10:
// share 1/3. Record (0.1 / 0.05)^2 = 4 times longer; 0.05 < 0.1 <= 0.2: thin.
TEST(QualityTest, BlocksOf100And25And4) {
  QualityOptions O;
  ProfileQuality Q = assessQuality(ip({fn("f", {{100, 7}, {25, 3}, {4, 1}})}, 0, 30), O);
  EXPECT_EQ(Q.Samples, 129u);
  EXPECT_EQ(Q.HotFunctions, 1u);
  EXPECT_EQ(Q.HotSamples, 129u);
  EXPECT_EQ(Q.HotBlocks, 3u);
  EXPECT_EQ(Q.ThinHotBlocks, 1u);
  EXPECT_DOUBLE_EQ(Q.HotBlockError, 0.1);
  EXPECT_DOUBLE_EQ(Q.ThinShare, 1.0 / 3);
  EXPECT_NEAR(Q.RecordFactor, 4.0, 1e-12);
  EXPECT_EQ(Q.Verdict, QualityVerdict::Thin);
  // 30 s x 4 = 120 s = 2 min.
  std::string Line = formatQuality(Q, O);
  EXPECT_NE(Line.find("quality thin: 129 samples, 129 on 1 hot function;"), std::string::npos)
      << Line;
  EXPECT_NE(Line.find("hot-block error 10% (median), 1 of 3 hot blocks under 10 samples"),
            std::string::npos)
      << Line;
  EXPECT_NE(Line.find("record ~4.0x longer (2 min instead of 30 s) for 5.0%"),
            std::string::npos)
      << Line;
}

// Blocks of 100, 64, 25, 16 (total 205): cumulative 100 (< 102.5), then 164:
// the median is the 64-sample block's 1/8 = 0.125. Record (0.125/0.05)^2 =
// 6.25 times longer (printed rounded up: 6.3); without a known duration,
// 205 x 6.25 = 1281.25, about 1281 samples.
TEST(QualityTest, MedianInsideTheList) {
  QualityOptions O;
  ProfileQuality Q = assessQuality(ip({fn("f", {{16, 1}, {100, 1}, {25, 1}, {64, 1}})}), O);
  EXPECT_DOUBLE_EQ(Q.HotBlockError, 0.125);
  EXPECT_EQ(Q.ThinHotBlocks, 0u);
  EXPECT_NEAR(Q.RecordFactor, 6.25, 1e-12);
  EXPECT_EQ(Q.Verdict, QualityVerdict::Thin);
  std::string Line = formatQuality(Q, O);
  EXPECT_NE(Line.find("record ~6.3x longer (about 1281 samples)"), std::string::npos) << Line;
}

// a: 900 samples, b: 60, c: 40 (total 1000; 90% is 900): a alone reaches it,
// so a is the only hot function and b's and c's thin blocks do not count.
// a's one block of 900: error 1/30 <= 0.05: good, record 1x.
TEST(QualityTest, OnlyTheHotFunctionsBlocksCount) {
  QualityOptions O;
  ProfileQuality Q =
      assessQuality(ip({fn("c", {{40, 1}}), fn("a", {{900, 1}}), fn("b", {{60, 1}, {0, 5}})}),
                    O);
  EXPECT_EQ(Q.Functions, 3u);
  EXPECT_EQ(Q.HotFunctions, 1u);
  EXPECT_EQ(Q.HotSamples, 900u);
  EXPECT_EQ(Q.HotBlocks, 1u);
  EXPECT_NEAR(Q.HotBlockError, 1.0 / 30, 1e-12);
  EXPECT_DOUBLE_EQ(Q.RecordFactor, 1.0);
  EXPECT_EQ(Q.Verdict, QualityVerdict::Good);
  EXPECT_NE(formatQuality(Q, O).find("quality good:"), std::string::npos);
  EXPECT_NE(formatQuality(Q, O).find("enough for 5.0%"), std::string::npos);
}

// Hot-function ties are broken by name; 90% of 200 = 180 needs both of two
// functions of 100 each. Unsampled blocks (n = 0) are not hot blocks.
TEST(QualityTest, TiesAndUnsampledBlocks) {
  QualityOptions O;
  ProfileQuality Q = assessQuality(ip({fn("y", {{100, 1}, {0, 1}}), fn("x", {{100, 1}})}), O);
  EXPECT_EQ(Q.HotFunctions, 2u);
  EXPECT_EQ(Q.HotBlocks, 2u);
  EXPECT_DOUBLE_EQ(Q.HotBlockError, 0.1);
}

// Blocks of 16 and 9 (total 25): the 16-sample block holds 16 >= 12.5, so
// the median error is 1/4 = 0.25 > 0.2: poor; record (0.25/0.05)^2 = 25x.
TEST(QualityTest, Poor) {
  QualityOptions O;
  ProfileQuality Q = assessQuality(ip({fn("f", {{16, 1}, {9, 1}})}), O);
  EXPECT_DOUBLE_EQ(Q.HotBlockError, 0.25);
  EXPECT_NEAR(Q.RecordFactor, 25.0, 1e-12);
  EXPECT_EQ(Q.Verdict, QualityVerdict::Poor);
  EXPECT_NE(formatQuality(Q, O).find("record ~25x longer"), std::string::npos);
  // Exactly 20% (a block of 25) is still thin, exactly 5% (400) still good.
  EXPECT_EQ(assessQuality(ip({fn("f", {{25, 1}})}), O).Verdict, QualityVerdict::Thin);
  EXPECT_EQ(assessQuality(ip({fn("f", {{400, 1}})}), O).Verdict, QualityVerdict::Good);
  // Nothing sampled: poor, and no factor to give.
  ProfileQuality E = assessQuality(ip({}), O);
  EXPECT_EQ(E.Verdict, QualityVerdict::Poor);
  EXPECT_EQ(E.HotBlocks, 0u);
  EXPECT_DOUBLE_EQ(E.RecordFactor, 0.0);
}

// Hot count T = 1000. Each function's hottest sampled item (count c, n
// samples; error c / sqrt(n)):
//   g: c 1050, n 100:   error 105,  |c - T| = 50   -> could flip (50/105 = 0.48)
//   h: c 2000, n 400:   error 100,  |c - T| = 1000 -> no (its unsampled 5000 is not an item)
//   k: c 900,  n 10000: error 9,    |c - T| = 100  -> no
//   m: c 960,  n 25:    error 192,  |c - T| = 40   -> could flip (40/192 = 0.21)
// Closest first: m, g.
TEST(QualityTest, DecisionsThatCouldFlip) {
  QualityOptions O;
  ProfileQuality Q = assessQuality(ip({fn("g", {{100, 1050}, {50, 10}}),
                                       fn("h", {{400, 2000}, {0, 5000}}),
                                       fn("k", {{10000, 900}}), fn("m", {{25, 960}})},
                                      1000),
                                   O);
  EXPECT_EQ(Q.FlipCount, 2u);
  ASSERT_EQ(Q.Flips.size(), 2u);
  EXPECT_EQ(Q.Flips[0].Name, "m");
  EXPECT_EQ(Q.Flips[1].Name, "g");
  EXPECT_EQ(Q.Flips[1].Count, 1050u);
  EXPECT_EQ(Q.Flips[1].Samples, 100u);
  EXPECT_NE(formatQuality(Q, O).find("2 functions could flip hot/cold (m, g)"),
            std::string::npos);
  // Without a hot count nothing can flip.
  EXPECT_EQ(assessQuality(ip({fn("g", {{100, 1050}})}, 0), O).FlipCount, 0u);
}

// Names from files reach the terminal escaped and JSON as JSON strings.
TEST(QualityTest, NamesEscaped) {
  QualityOptions O;
  ProfileQuality Q = assessQuality(ip({fn("evil\x1b[2J\"", {{100, 1000}})}, 1000), O);
  ASSERT_EQ(Q.FlipCount, 1u);
  std::string Line = formatQuality(Q, O);
  EXPECT_EQ(Line.find('\x1b'), std::string::npos) << Line;
  std::string J = qualityJson(Q, O);
  EXPECT_EQ(J.find('\x1b'), std::string::npos) << J;
  EXPECT_NE(J.find("\"verdict\": \"thin\""), std::string::npos) << J;
  EXPECT_NE(J.find("evil\\u001b[2J\\\""), std::string::npos) << J;
}

// Time samples measure time, not executions: the line says so whatever the
// figures (a good profile too) and names the event, escaped; instruction
// samples and LBR get no such clause. The verdict stays the figures'.
TEST(QualityTest, TimeSamplesAreNamed) {
  QualityOptions O;
  QualityInput In = ip({fn("a", {{900, 1}})});
  ProfileQuality Plain = assessQuality(In, O);
  In.TimeSamples = true;
  In.Event = "cpu-clock:u\x1b[2J";
  ProfileQuality Q = assessQuality(In, O);
  EXPECT_EQ(Q.Verdict, QualityVerdict::Good);
  std::string Line = formatQuality(Q, O);
  EXPECT_EQ(Line.find('\x1b'), std::string::npos) << Line;
  EXPECT_NE(Line.find("enough for 5.0%; time samples (cpu-clock:u"), std::string::npos) << Line;
  EXPECT_NE(Line.find("lean toward slow instructions, which recording longer does not fix: "
                      "record LBR or instructions:pp where the PMU has them"),
            std::string::npos)
      << Line;
  EXPECT_NE(qualityJson(Q, O).find("\"basis\": \"time\""), std::string::npos);
  EXPECT_EQ(formatQuality(Plain, O).find("time samples"), std::string::npos);
  EXPECT_NE(qualityJson(Plain, O).find("\"basis\": \"instructions\""), std::string::npos);
  In.Lbr = true; // branch records are counts whatever the event
  ProfileQuality L = assessQuality(In, O);
  EXPECT_EQ(formatQuality(L, O).find("time samples"), std::string::npos);
  EXPECT_NE(qualityJson(L, O).find("\"basis\": \"branches\""), std::string::npos);
}

// Entries without a sample: functions of 500, 300, 150 and 50 samples (1000
// in all); the hot ones, reaching 90%, are the first three (950). Of those,
// the 300- and 150-sample ones have no sample on their entries (c, d): named
// most samples first; the fourth (e) has none either but is not hot. With
// MaxFlipNames 1 only c is named, and "...". One such function reads in the
// singular.
TEST(QualityTest, HotFunctionsWithoutASampleOnTheirEntries) {
  QualityOptions O;
  std::vector<QualityFunction> Fns = {fn("b", {{500, 1}}), fn("c", {{300, 1}}),
                                      fn("d", {{150, 1}}), fn("e", {{50, 1}})};
  Fns[1].EntrySampled = Fns[2].EntrySampled = Fns[3].EntrySampled = false;
  Fns[2].Shown = "d(int)";
  ProfileQuality Q = assessQuality(ip(Fns), O);
  EXPECT_EQ(Q.HotFunctions, 3u);
  EXPECT_EQ(Q.UnsampledEntryCount, 2u);
  ASSERT_EQ(Q.UnsampledEntries.size(), 2u);
  EXPECT_EQ(Q.UnsampledEntries[0].Name, "c");
  EXPECT_EQ(Q.UnsampledEntries[1].Name, "d");
  std::string Line = formatQuality(Q, O);
  EXPECT_NE(Line.find("; 2 hot functions have no sample on their entries or calls to them (c, "
                      "d(int)): their entry counts are guesses, and the compiler may take their "
                      "loops for cold"),
            std::string::npos)
      << Line;
  std::string J = qualityJson(Q, O);
  EXPECT_NE(J.find("\"unsampled-entries\": 2"), std::string::npos) << J;
  EXPECT_NE(J.find("\"name\": \"c\""), std::string::npos) << J;
  O.MaxFlipNames = 1;
  Q = assessQuality(ip(Fns), O);
  EXPECT_EQ(Q.UnsampledEntries.size(), 1u);
  EXPECT_NE(formatQuality(Q, O).find("(c, ...)"), std::string::npos);
  Fns[2].EntrySampled = true;
  Q = assessQuality(ip(Fns), O);
  EXPECT_NE(formatQuality(Q, O).find("; 1 hot function has no sample on its entry or a call to "
                                     "it (c): its entry count is a guess"),
            std::string::npos);
  Fns[1].EntrySampled = true;
  Q = assessQuality(ip(Fns), O);
  EXPECT_EQ(Q.UnsampledEntryCount, 0u);
  EXPECT_EQ(formatQuality(Q, O).find("entry"), std::string::npos);
}

} // namespace
} // namespace pgoctl::convert
