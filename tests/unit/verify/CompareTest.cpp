// compare() and the gate on synthetic attributed profiles whose counts are
// chosen by hand: a planted 3x growth, twice the work with twice the samples
// (drift, with one profile per side), a function new in the top N, shares
// without work, inlining churn, and the exit codes. Changes are relative to
// the drift reference (the functions that changed like the samples-weighted
// median; Compare.cpp), so each expected ratio below is worked out by hand.
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

// f triples; g and h are unchanged and are the reference (the weighted
// median change is g's and h's 0): f's ratio is (6000/4000)/(2000/4000) = 3.
// Its interval: b/a = 3 with log s.e. sqrt(1/2000 + 1/6000) = 0.026, the
// reference's 4000/4000 with sqrt(2/4000) = 0.022, each at alpha/22 (11 tests,
// half the level each: z ~ 3.05), so about [2.59, 3.48] before the 5% drift
// allowance, [2.47, 3.65] after it.
TEST(Compare, PlantedGrowthFails) {
  Builder B;
  auto A = B.make({{"f", 2000}, {"g", 3000}, {"h", 1000}}, 1000);
  auto C = B.make({{"f", 6000}, {"g", 3000}, {"h", 1000}}, 1000);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  const FunctionResult &F = B.fn(*R, "f");
  EXPECT_DOUBLE_EQ(F.Self.Ratio, 3.0);
  EXPECT_EQ(F.Self.Status, ChangeStatus::Regressed);
  EXPECT_GT(F.Self.CI.Lo, 2.35);
  EXPECT_LT(F.Self.CI.Lo, 2.6);
  EXPECT_GT(F.Self.CI.Hi, 3.45);
  EXPECT_LT(F.Self.CI.Hi, 3.8);
  EXPECT_EQ(F.Self.AllowancePct, 5);
  EXPECT_EQ(R->Tests, 11u);
  // g against h: (3000/1000)/(3000/1000) = 1, not the -57% a comparison
  // with the rest of the profile (f included) would read.
  EXPECT_DOUBLE_EQ(B.fn(*R, "g").Self.Ratio, 1.0);
  EXPECT_TRUE(B.fn(*R, "g").Self.CI.contains(1.0));
  EXPECT_EQ(R->Regressed, std::vector<std::string>{"f"});
  EXPECT_TRUE(R->Improved.empty());
  // Hot set = everything here: 6000 -> 10000 samples for the same work.
  EXPECT_NEAR(R->HotSetCost.Ratio, 10000.0 / 6000.0, 1e-12);
  EXPECT_EQ(R->Rules[1].Name, "max-growth");
  EXPECT_EQ(R->Rules[1].Status, RuleStatus::Fail);
  EXPECT_TRUE(llvm::is_contained(R->Rules[1].Functions, "f"));
  EXPECT_EQ(R->Result, Verdict::Fail);
  EXPECT_EQ(exitCode(R->Result), 1);
  // The rows a reviewer reads first are the ones the gate named.
  EXPECT_TRUE(R->Functions.front().Decisive);
}

// Every function costs twice as much per unit of work: with one profile per
// side that is what a machine twice as slow looks like, so the default gate
// passes (relative changes are 1), the cost per work says 2x, and only
// --expect cheaper fails (2x is beyond the 25% work drift allowance).
TEST(Compare, TwiceTheWorkIsNoChange) {
  Builder B;
  auto A = B.make({{"f", 2000}, {"g", 3000}}, 1000);
  auto C = B.make({{"f", 4000}, {"g", 6000}}, 2000);
  VerifyOptions O;
  auto R = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R));
  EXPECT_DOUBLE_EQ(B.fn(*R, "f").Self.Ratio, 1.0);
  EXPECT_DOUBLE_EQ(B.fn(*R, "f").SelfWork->Ratio, 1.0);
  EXPECT_TRUE(R->Regressed.empty());
  EXPECT_EQ(R->Result, Verdict::Pass);
  EXPECT_EQ(exitCode(R->Result), 0);
  // The work flags override the labels: claiming equal work doubles all.
  O.WorkBefore = 1000;
  O.WorkAfter = 1000;
  auto R2 = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R2));
  EXPECT_DOUBLE_EQ(B.fn(*R2, "f").Self.Ratio, 1.0);
  EXPECT_DOUBLE_EQ(B.fn(*R2, "f").SelfWork->Ratio, 2.0);
  EXPECT_EQ(B.fn(*R2, "f").SelfWork->AllowancePct, 25);
  EXPECT_EQ(R2->Result, Verdict::Pass);
  O.RequireCheaper = true;
  auto R3 = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R3));
  EXPECT_EQ(R3->Rules[2].Status, RuleStatus::Fail);
  EXPECT_EQ(R3->Result, Verdict::Fail);
}

// f halves, g stays. Two functions of equal weight: the lower weighted median
// is f's change, so f is the reference and g reads (3000/2000)/(3000/4000) =
// 2x against it; per unit of work g did not change, which contradicts that:
// undecided, not a regression. f against the rest (g) is 0.5, confirmed.
TEST(Compare, FasterHotSetPasses) {
  Builder B;
  auto A = B.make({{"f", 4000}, {"g", 3000}}, 1000);
  auto C = B.make({{"f", 2000}, {"g", 3000}}, 1000);
  auto R = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(R));
  EXPECT_DOUBLE_EQ(B.fn(*R, "f").Self.Ratio, 0.5);
  EXPECT_EQ(B.fn(*R, "f").Self.Status, ChangeStatus::Improved);
  EXPECT_DOUBLE_EQ(B.fn(*R, "g").Self.Ratio, 2.0);
  EXPECT_EQ(B.fn(*R, "g").Self.Status, ChangeStatus::Undecided);
  EXPECT_TRUE(B.fn(*R, "g").Self.Unconfirmed);
  EXPECT_NEAR(R->HotSetCost.Ratio, 5000.0 / 7000.0, 1e-12);
  EXPECT_EQ(R->Rules[2].Status, RuleStatus::Off);
  EXPECT_EQ(R->Result, Verdict::Pass);
  // The release check: 5000/7000 = -29% is beyond the 25% allowance.
  VerifyOptions O;
  O.RequireCheaper = true;
  auto RC = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(RC));
  EXPECT_EQ(RC->Rules[2].Status, RuleStatus::Pass);
  EXPECT_EQ(RC->Result, Verdict::Pass);
}

// With one profile per side (work given), a drop of 10% in cost per work
// cannot be told from a faster machine: --expect cheaper is inconclusive.
TEST(Compare, OneProfilePerSideCannotClaimCheaper) {
  Builder B;
  auto A = B.make({{"f", 4000}, {"g", 3000}}, 1000);
  auto C = B.make({{"f", 3600}, {"g", 2700}}, 1000);
  VerifyOptions O;
  O.RequireCheaper = true;
  auto R = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->Rules[2].Status, RuleStatus::Undecided);
  EXPECT_EQ(R->Result, Verdict::Inconclusive);
  // Three windows per side: the bootstrap over them sees how cost per unit of
  // work varies (here: not at all), so no allowance applies and -10% is clear.
  auto R3 = compare({A, A, A}, {C, C, C}, B.Names, O);
  ASSERT_TRUE(bool(R3));
  EXPECT_TRUE(R3->DriftCovered);
  EXPECT_EQ(R3->HotSetCost.AllowancePct, 0);
  EXPECT_EQ(R3->Rules[2].Status, RuleStatus::Pass);
}

// h was inlined into g before (DWARF inline frames) and is a call after: its
// self cost "grows" 10x and it enters the top 2, but that is inlining churn,
// judged with its caller g, whose inclusive cost did not change.
TEST(Compare, InliningChurnIsNotNewHot) {
  Builder B;
  VerifyOptions O;
  O.Top = 2;
  auto Make = [&](uint64_t GSelf, uint64_t HSelf, bool HInlined) {
    AttributedProfile P = B.make({{"f", 5000}}, 1000);
    uint32_t Main = B.Names.intern("main"), G = B.Names.intern("g"), H = B.Names.intern("h");
    P.Costs.resize(std::max<size_t>(P.Costs.size(), std::max(G, H) + 1));
    P.Costs[G].Self += GSelf;
    P.Costs[G].Incl += GSelf + HSelf;
    P.Costs[H].Self += HSelf;
    P.Costs[H].Incl += HSelf;
    P.Costs[H].InclInlined += HInlined ? HSelf : 0;
    P.Costs[Main].Incl += GSelf + HSelf;
    P.Folded[{Main, G}] += GSelf;
    P.Folded[{Main, G, H}] += HSelf;
    P.Samples += GSelf + HSelf;
    return P;
  };
  auto A = Make(3000, 300, true);
  auto C = Make(300, 3000, false);
  auto R = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R));
  const FunctionResult &H = B.fn(*R, "h");
  EXPECT_TRUE(H.InlineChurn);
  EXPECT_EQ(H.Caller, "g");
  EXPECT_EQ(H.ChurnText, "inlined before, not after");
  EXPECT_EQ(R->Rules[0].Status, RuleStatus::Pass);
  EXPECT_EQ(R->Result, Verdict::Pass);
  // Listed right under its caller.
  for (size_t I = 0; I + 1 < R->Functions.size(); ++I)
    if (R->Functions[I + 1].Name == "h")
      EXPECT_EQ(R->Functions[I].Name, "g");
}

// A function under --min-share (0.5%) of a side's samples is not in that
// side's top N. k has 5 of 9,005 samples before and 40 of 9,040 after
// (0.06% -> 0.44%): an 8x growth the counts make significant, but never
// 0.5% of a side, so neither max-growth nor new-hot judges it and the gate
// passes. With --min-share 0 it is the fourth function by self cost before
// and max-growth fails on it, as before the floor.
TEST(Compare, FunctionUnderMinShareIsNotHot) {
  Builder B;
  auto A = B.make({{"f", 5000}, {"g", 3000}, {"h", 1000}, {"k", 5}}, 1000);
  auto C = B.make({{"f", 5000}, {"g", 3000}, {"h", 1000}, {"k", 40}}, 1000);
  VerifyOptions O;
  auto R = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(B.fn(*R, "k").Self.Status, ChangeStatus::Regressed);
  EXPECT_EQ(B.fn(*R, "k").RankBeforeSelf, -1);
  EXPECT_EQ(B.fn(*R, "k").RankAfterSelf, -1);
  EXPECT_EQ(B.fn(*R, "h").RankBeforeSelf, 2);
  EXPECT_EQ(R->Result, Verdict::Pass);
  O.MinSharePct = 0;
  auto R0 = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(R0)) << llvm::toString(R0.takeError());
  EXPECT_EQ(B.fn(*R0, "k").RankBeforeSelf, 3);
  EXPECT_EQ(R0->Rules[1].Name, "max-growth");
  EXPECT_EQ(R0->Rules[1].Status, RuleStatus::Fail);
  EXPECT_EQ(R0->Rules[1].Functions, std::vector<std::string>{"k"});
  EXPECT_EQ(R0->Result, Verdict::Fail);
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
// program's own code gets 20% cheaper. By hand: with --gate-kernel, [kernel]
// is in the hot set and regressed (FAIL); by default it is not gated (PASS);
// ignored, the hot set is main, f and g, 5000 -> 4000 samples for the same
// work (PASS), and [kernel] is still measured (3x, regressed) but not in the
// summary's list.
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
  VerifyOptions GK;
  GK.GateKernel = true;
  auto R = compare({A}, {C}, B.Names, GK);
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->Result, Verdict::Fail);
  EXPECT_TRUE(llvm::is_contained(R->Regressed, "[kernel]"));
  // By default the kernel is the machine's: measured, not gated.
  auto RD = compare({A}, {C}, B.Names, VerifyOptions{});
  ASSERT_TRUE(bool(RD));
  EXPECT_EQ(RD->Result, Verdict::Pass);
  EXPECT_EQ(B.fn(*RD, "[kernel]").Self.Status, ChangeStatus::Regressed);

  VerifyOptions O;
  O.GateKernel = true; // --ignore names it
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
  // The deploy gate needs no work counts: nothing grew.
  EXPECT_EQ(R->Result, Verdict::Pass);
  // The release check does: absolute cost cannot be judged from shares.
  VerifyOptions O;
  O.RequireCheaper = true;
  auto RC = compare({A}, {C}, B.Names, O);
  ASSERT_TRUE(bool(RC));
  EXPECT_EQ(RC->Result, Verdict::Inconclusive);
  EXPECT_EQ(exitCode(RC->Result), 2);
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

// Display names as perf report and pprof shorten them (hand-written cases).
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
  EXPECT_EQ(briefName("bool operator<<(a, b)"), "operator<<");
  EXPECT_EQ(briefName("ns::V::operator()(int) const"), "ns::V::operator()");
  EXPECT_EQ(briefName("std::vector<int>::operator[](unsigned long)"), "std::vector::operator[]");
  EXPECT_EQ(briefName("operator new(unsigned long)"), "operator new");
  EXPECT_EQ(briefName("std::string std::operator+<char, std::char_traits<char>>(char const*, "
                      "std::string&&)"),
            "std::operator+");
  EXPECT_EQ(briefName("std::ostream& std::operator<< <std::char_traits<char> >(std::ostream&, "
                      "char const*)"),
            "std::operator<<");
  EXPECT_EQ(briefName("(anonymous namespace)::Parser::run(int)"), "(anon)::Parser::run");
  EXPECT_EQ(briefName("kvsvc::(anonymous namespace)::route<int>(char const*)"),
            "kvsvc::(anon)::route");
  EXPECT_EQ(briefName("main::$_0::operator()(int) const"), "main::$_0::operator()");
  EXPECT_EQ(briefName("[kernel]"), "[kernel]");
  EXPECT_EQ(briefName("lookup"), "lookup");
  // At most MaxLen characters, the end kept (it names the function).
  std::string Long = "ns" + std::string(200, 'x') + "::f(int)";
  EXPECT_EQ(briefName(Long).size(), 100u);
  EXPECT_EQ(briefName(Long).substr(0, 3), "...");
  EXPECT_EQ(briefName(Long).substr(97), "::f");
}
