// compare() and the gate on synthetic attributed profiles whose counts are
// chosen by hand: a planted 3x growth, twice the work with twice the samples,
// a function new in the top N, shares without work, and the exit codes.
#include "verify/Verify.h"

#include <gtest/gtest.h>

using namespace pgoctl::verify;

namespace {

struct Builder {
  NameTable Names;
  /// One profile: {function, self samples} each a leaf called from "main".
  AttributedProfile make(std::vector<std::pair<std::string, uint64_t>> Leaves,
                         std::optional<double> Work) {
    AttributedProfile P;
    P.Source = "synthetic";
    P.Event = "cpu-clock";
    P.Freq = 10000;
    P.Work = Work;
    P.FromStacks = true;
    uint32_t Main = Names.intern("main");
    for (auto &[Name, N] : Leaves) {
      uint32_t Id = Names.intern(Name);
      if (P.Costs.size() <= std::max(Id, Main))
        P.Costs.resize(std::max(Id, Main) + 1);
      P.Costs[Id].Self += N;
      P.Costs[Id].Incl += N;
      P.Costs[Main].Incl += N;
      P.Folded[{Main, Id}] += N;
      P.Samples += N;
    }
    return P;
  }
  const FunctionResult &fn(const VerifyResult &R, const std::string &Name) {
    for (const FunctionResult &F : R.Functions)
      if (F.Name == Name)
        return F;
    static FunctionResult None;
    ADD_FAILURE() << Name << " not found";
    return None;
  }
};

} // namespace

TEST(Compare, PlantedGrowthFails) {
  Builder B;
  auto A = B.make({{"f", 2000}, {"g", 3000}, {"h", 1000}}, 1000);
  auto C = B.make({{"f", 6000}, {"g", 3000}, {"h", 1000}}, 1000);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  const FunctionResult &F = B.fn(*R, "f");
  EXPECT_DOUBLE_EQ(F.Self.Ratio, 3.0);
  EXPECT_EQ(F.Self.Status, ChangeStatus::Regressed);
  EXPECT_GT(F.Self.CI.Lo, 2.5);
  EXPECT_LT(F.Self.CI.Hi, 3.6);
  // g: 3000 vs 3000, log-ratio s.e. sqrt(2/3000) = 0.026; at the Bonferroni
  // level (about 7 tests) the interval is about +-7%: wider than the 5%
  // minimum effect, so undecided, not unchanged.
  EXPECT_EQ(B.fn(*R, "g").Self.Status, ChangeStatus::Undecided);
  EXPECT_TRUE(B.fn(*R, "g").Self.CI.contains(1.0));
  EXPECT_EQ(R->Regressed, std::vector<std::string>{"f"});
  EXPECT_TRUE(R->Improved.empty());
  // Hot set = everything here: 6000 -> 10000 samples for the same work.
  EXPECT_NEAR(R->HotSetCost.Ratio, 10000.0 / 6000.0, 1e-12);
  EXPECT_EQ(R->Result, Verdict::Fail);
  EXPECT_EQ(exitCode(R->Result), 1);
}

TEST(Compare, TwiceTheWorkIsNoChange) {
  Builder B;
  auto A = B.make({{"f", 2000}, {"g", 3000}}, 1000);
  auto C = B.make({{"f", 4000}, {"g", 6000}}, 2000);
  VerifyOptions O;
  O.RequireCheaper = false;
  auto R = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R));
  EXPECT_DOUBLE_EQ(B.fn(*R, "f").Self.Ratio, 1.0);
  EXPECT_TRUE(R->Regressed.empty());
  EXPECT_EQ(R->Result, Verdict::Pass);
  EXPECT_EQ(exitCode(R->Result), 0);
  // The work flags override the labels: claiming equal work doubles all.
  O.WorkBefore = 1000;
  O.WorkAfter = 1000;
  auto R2 = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R2));
  EXPECT_DOUBLE_EQ(B.fn(*R2, "f").Self.Ratio, 2.0);
  EXPECT_EQ(R2->Result, Verdict::Fail);
}

TEST(Compare, FasterHotSetPasses) {
  Builder B;
  auto A = B.make({{"f", 4000}, {"g", 3000}}, 1000);
  auto C = B.make({{"f", 2000}, {"g", 3000}}, 1000);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(B.fn(*R, "f").Self.Status, ChangeStatus::Improved);
  EXPECT_NEAR(R->HotSetCost.Ratio, 5000.0 / 7000.0, 1e-12);
  EXPECT_EQ(R->Result, Verdict::Pass);
}

TEST(Compare, NewHotFunctionFails) {
  Builder B;
  VerifyOptions O;
  O.Top = 2;
  O.RequireCheaper = false;
  O.MaxGrowthPct = 1000;
  auto A = B.make({{"f", 3000}, {"g", 2000}, {"h", 20}}, 1000);
  auto C = B.make({{"f", 3000}, {"g", 2000}, {"h", 2500}}, 1000);
  auto R = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R));
  ASSERT_EQ(R->Rules[0].Name, "new-hot");
  EXPECT_EQ(R->Rules[0].Status, RuleStatus::Fail);
  EXPECT_EQ(R->Rules[0].Functions, std::vector<std::string>{"h"});
  EXPECT_EQ(R->Result, Verdict::Fail);
}

// --ignore: the kernel's time triples (the machine, not the build); the
// program's own code gets 20% cheaper. By hand: without --ignore, [kernel]
// is in the hot set and regressed (FAIL); ignored, the hot set is main, f and
// g, 5000 -> 4000 samples for the same work (PASS), and [kernel] is still
// measured (3x, regressed) but not in the summary's list.
TEST(Compare, IgnoredFunctionDoesNotGate) {
  Builder B;
  auto WithKernel = [&](AttributedProfile P, uint64_t N) {
    uint32_t K = B.Names.intern("[kernel]");
    if (P.Costs.size() <= K)
      P.Costs.resize(K + 1);
    P.Costs[K].Self += N;
    P.Costs[K].Incl += N;
    P.Folded[{K}] += N;
    P.Samples += N;
    return P;
  };
  auto A = WithKernel(B.make({{"f", 2000}, {"g", 3000}}, 1000), 1000);
  auto C = WithKernel(B.make({{"f", 1000}, {"g", 3000}}, 1000), 3000);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->Result, Verdict::Fail);
  EXPECT_TRUE(llvm::is_contained(R->Regressed, "[kernel]"));

  VerifyOptions O;
  O.Ignore = {"[kernel]", "nothing*"};
  auto RI = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(RI)) << llvm::toString(RI.takeError());
  EXPECT_EQ(RI->Result, Verdict::Pass);
  EXPECT_FALSE(llvm::is_contained(RI->HotSet, "[kernel]"));
  EXPECT_TRUE(RI->Regressed.empty());
  EXPECT_NEAR(RI->HotSetCost.Ratio, 4000.0 / 5000.0, 1e-12);
  EXPECT_EQ(B.fn(*RI, "[kernel]").Self.Status, ChangeStatus::Regressed);
  EXPECT_TRUE(llvm::any_of(RI->Notes, [](const std::string &N) {
    return N.find("--ignore): [kernel]") != std::string::npos;
  }));

  // Not a glob: an exact name only, with a warning (here it matches nothing,
  // so the verdict is the one without --ignore).
  O.Ignore = {"f["};
  auto Bad = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(Bad));
  EXPECT_EQ(Bad->Result, Verdict::Fail);
  EXPECT_TRUE(llvm::any_of(Bad->Warnings, [](const std::string &W) {
    return W.find("--ignore 'f[' is not a glob") != std::string::npos;
  }));
}

TEST(Compare, SharesWithoutWorkAreInconclusive) {
  Builder B;
  auto A = B.make({{"f", 2000}, {"g", 3000}}, std::nullopt);
  auto C = B.make({{"f", 2000}, {"g", 3000}}, std::nullopt);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R));
  EXPECT_FALSE(R->ByWork);
  EXPECT_EQ(R->CostUnit, "% of samples");
  EXPECT_NEAR(B.fn(*R, "f").Self.CostBefore, 40.0, 1e-9);
  EXPECT_EQ(R->Result, Verdict::Inconclusive);
  EXPECT_EQ(exitCode(R->Result), 2);
}

TEST(Compare, TooFewSamplesSaysHowMany) {
  Builder B;
  auto A = B.make({{"f", 30}, {"g", 30}}, 1000);
  auto C = B.make({{"f", 36}, {"g", 30}}, 1000);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R));
  const Change &F = B.fn(*R, "f").Self;
  EXPECT_EQ(F.Status, ChangeStatus::Undecided);
  EXPECT_GT(F.MoreSamplesFactor, 10.0);
}

TEST(Compare, InconsistentInputsAreErrors) {
  Builder B;
  auto A = B.make({{"f", 30}}, 1000);
  auto C = B.make({{"f", 30}}, 1000);
  C.Event = "cycles";
  EXPECT_FALSE(bool(compare({A}, {C}, B.Names, VerifyOptions{})));
  C.Event = "cpu-clock";
  VerifyOptions O;
  O.WorkBefore = 10; // and no --work-after
  auto R = compare({A}, {C}, B.Names, O);
  EXPECT_FALSE(bool(R));
  llvm::consumeError(R.takeError());
}

// The gate's one-line summary names functions briefly (hand-written cases).
TEST(Compare, BriefNames) {
  EXPECT_EQ(briefName("parse_request"), "parse_request");
  EXPECT_EQ(briefName("kvsvc::Store::get(std::basic_string_view<char, std::char_traits<char> >, "
                      "std::basic_string_view<char, std::char_traits<char> >&) const"),
            "kvsvc::Store::get");
  EXPECT_EQ(briefName("void std::vector<nlohmann::basic_json<std::map, std::vector>, "
                      "std::allocator<nlohmann::basic_json<std::map, std::vector> > >::"
                      "_M_realloc_insert<bool&>(__gnu_cxx::__normal_iterator<int*>, bool&)"),
            "std::vector::_M_realloc_insert");
  EXPECT_EQ(briefName("std::vector<int>::~vector()"), "std::vector::~vector");
  EXPECT_EQ(briefName("bool operator<<(a, b)"), "bool operator<<(a, b)");
}
