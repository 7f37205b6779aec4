// verify/Compare.cpp: per-function changes, the hot set and their intervals
// (see Verify.h for the decisions and Statistics.h for the model).
//
// Steps: check the inputs agree (event, sampling kind), choose the
// normalization (work of every window, else shares) and each profile's
// exposure, pool each side's counts per function, rank (top N before by
// inclusive, by self before and after), count the tests for the Bonferroni
// adjustment, then give every tested measure its exact interval, the
// bootstrap interval when a side has several profiles, and a status.
#include "verify/Verify.h"

#include "core/Support.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/GlobPattern.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pgoctl::verify {

const char *statusName(ChangeStatus S) {
  switch (S) {
  case ChangeStatus::Regressed: return "regressed";
  case ChangeStatus::Improved: return "improved";
  case ChangeStatus::Small: return "below-min-effect";
  case ChangeStatus::Unchanged: return "unchanged";
  case ChangeStatus::Undecided: return "undecided";
  case ChangeStatus::NotTested: return "not-tested";
  }
  return "?";
}

const char *ruleStatusName(RuleStatus S) {
  switch (S) {
  case RuleStatus::Pass: return "pass";
  case RuleStatus::Fail: return "fail";
  case RuleStatus::Undecided: return "undecided";
  case RuleStatus::Off: return "off";
  }
  return "?";
}

const char *verdictName(Verdict V) {
  return V == Verdict::Pass ? "PASS" : V == Verdict::Fail ? "FAIL" : "INCONCLUSIVE";
}

namespace {

bool isClockEvent(llvm::StringRef E) {
  return E.contains("cpu-clock") || E.contains("task-clock");
}

/// Counts of one measure per input profile of each side.
struct PerProfile {
  std::vector<uint64_t> A, B;
  uint64_t sumA() const { return std::accumulate(A.begin(), A.end(), uint64_t(0)); }
  uint64_t sumB() const { return std::accumulate(B.begin(), B.end(), uint64_t(0)); }
};

class Comparer {
public:
  Comparer(const std::vector<AttributedProfile> &Before,
           const std::vector<AttributedProfile> &After, const NameTable &Names,
           const VerifyOptions &Opts)
      : Bf(Before), Af(After), Names(Names), Opts(Opts),
        Boot(unsigned(Before.size()), unsigned(After.size()), Opts.BootstrapReplicates,
             Opts.Seed, Opts.Paired && Before.size() == After.size()) {}

  llvm::Expected<VerifyResult> run();

private:
  llvm::Error normalize(VerifyResult &R);
  void measure(const PerProfile &C, bool Tested, Change &Out) const;
  PerProfile counts(uint32_t Id, bool Self) const;

  const std::vector<AttributedProfile> &Bf, &Af;
  const NameTable &Names;
  const VerifyOptions &Opts;
  ProfileBootstrap Boot;
  std::vector<double> ExpA, ExpB; ///< per profile
  double TotExpA = 0, TotExpB = 0, Scale = 1, AlphaAdj = 0.05;
};

PerProfile Comparer::counts(uint32_t Id, bool Self) const {
  PerProfile C;
  for (const AttributedProfile &P : Bf)
    C.A.push_back(Self ? P.cost(Id).Self : P.cost(Id).Incl);
  for (const AttributedProfile &P : Af)
    C.B.push_back(Self ? P.cost(Id).Self : P.cost(Id).Incl);
  return C;
}

void Comparer::measure(const PerProfile &C, bool Tested, Change &Out) const {
  Out.Before = C.sumA();
  Out.After = C.sumB();
  Out.CostBefore = double(Out.Before) / TotExpA * Scale;
  Out.CostAfter = double(Out.After) / TotExpB * Scale;
  Out.Ratio = poissonRatio(Out.Before, Out.After, TotExpA, TotExpB);
  if (!Tested || Out.Before + Out.After < Opts.MinSamples) {
    Out.Status = ChangeStatus::NotTested;
    Out.Exact = Out.CI = Interval{};
    return;
  }
  Out.Exact = poissonRatioInterval(Out.Before, Out.After, TotExpA, TotExpB, AlphaAdj);
  Out.CI = Out.Exact;
  if (Boot.enabled()) {
    Out.Bootstrap = Boot.interval(C.A, ExpA, C.B, ExpB, AlphaAdj);
    Out.CI.Lo = std::min(Out.CI.Lo, Out.Bootstrap->Lo);
    Out.CI.Hi = std::max(Out.CI.Hi, Out.Bootstrap->Hi);
  }
  double Me = Opts.MinEffectPct / 100;
  bool Significant = !Out.CI.contains(1.0);
  if (Significant && Out.Ratio >= 1 + Me)
    Out.Status = ChangeStatus::Regressed;
  else if (Significant && Out.Ratio <= 1 - Me)
    Out.Status = ChangeStatus::Improved;
  else if (Significant)
    Out.Status = ChangeStatus::Small;
  else if (Out.CI.Lo >= 1 - Me && Out.CI.Hi <= 1 + Me)
    Out.Status = ChangeStatus::Unchanged;
  else {
    Out.Status = ChangeStatus::Undecided;
    Out.MoreSamplesFactor = samplesFactorNeeded(Out.Before, Out.After, Me, AlphaAdj);
  }
}

llvm::Error Comparer::normalize(VerifyResult &R) {
  // One event on both sides, and a sample cost for every profile.
  R.Event = Bf.front().Event;
  for (const auto *Side : {&Bf, &Af})
    for (const AttributedProfile &P : *Side)
      if (P.Event != R.Event)
        return makeError("{0} has event '{1}' but {2} has '{3}': costs of different events "
                         "cannot be compared",
                         P.Source, P.Event, Bf.front().Source, R.Event);
  bool Clock = isClockEvent(R.Event);
  bool AllPeriod = true, SameFreq = true;
  for (const auto *Side : {&Bf, &Af})
    for (const AttributedProfile &P : *Side) {
      AllPeriod &= P.Period > 0;
      SameFreq &= P.Period == 0 && P.Freq == Bf.front().Freq;
    }
  auto SampleCost = [&](const AttributedProfile &P) -> double {
    if (Clock)
      return P.Period ? double(P.Period) * 1e-9 : P.Freq ? 1.0 / double(P.Freq) : 1e-3;
    return AllPeriod ? double(P.Period) : 1.0;
  };
  if (!Clock && !AllPeriod && !SameFreq)
    return makeError("the inputs were sampled differently (period vs frequency, or "
                     "different frequencies) for event '{0}': their costs cannot be compared",
                     R.Event);

  // Work of each profile: from the flags (a side's total, shared out by
  // samples), else from every profile's label.
  if (Opts.WorkBefore.has_value() != Opts.WorkAfter.has_value())
    return makeError("give both --work-before and --work-after, or neither");
  auto SideWork = [&](const std::vector<AttributedProfile> &Side, std::optional<double> Flag,
                      const char *FlagName, SideSummary &S,
                      std::vector<double> &Works) -> bool {
    Works.clear();
    uint64_t N = 0;
    for (const AttributedProfile &P : Side)
      N += P.Samples;
    if (Flag) {
      for (const AttributedProfile &P : Side)
        Works.push_back(*Flag * double(P.Samples) / double(N));
      S.Work = *Flag;
      S.WorkFrom = FlagName;
      return true;
    }
    double Sum = 0;
    for (const AttributedProfile &P : Side) {
      if (!P.Work)
        return false;
      Works.push_back(*P.Work);
      Sum += *P.Work;
    }
    S.Work = Sum;
    S.WorkFrom = "labels";
    return true;
  };
  if (Opts.WorkBefore && (!(*Opts.WorkBefore > 0) || !(*Opts.WorkAfter > 0)))
    return makeError("--work-before and --work-after must be positive");
  std::vector<double> WA, WB;
  bool HaveA = SideWork(Bf, Opts.WorkBefore, "--work-before", R.Before, WA);
  bool HaveB = SideWork(Af, Opts.WorkAfter, "--work-after", R.After, WB);
  R.ByWork = HaveA && HaveB;
  if (HaveA != HaveB)
    R.Warnings.push_back("only one side has work counts (label 'work'); comparing shares");
  if (Opts.WorkBefore && Bf.size() + Af.size() > 2)
    R.Notes.push_back("work from the flags is shared out over a side's profiles by their "
                      "samples; label each profile with its own work for a bootstrap that "
                      "sees run-to-run variation of cost per work");
  for (size_t I = 0; I < Bf.size(); ++I)
    ExpA.push_back(R.ByWork ? WA[I] / SampleCost(Bf[I]) : double(Bf[I].Samples));
  for (size_t I = 0; I < Af.size(); ++I)
    ExpB.push_back(R.ByWork ? WB[I] / SampleCost(Af[I]) : double(Af[I].Samples));
  TotExpA = std::accumulate(ExpA.begin(), ExpA.end(), 0.0);
  TotExpB = std::accumulate(ExpB.begin(), ExpB.end(), 0.0);
  R.Before.Exposure = TotExpA;
  R.After.Exposure = TotExpB;
  if (!R.ByWork) {
    Scale = 100;
    R.CostUnit = "% of samples";
    R.Notes.push_back("no work counts (--work-before/--work-after or a 'work' label): costs "
                      "are shares of all samples, so absolute cost cannot be judged; a "
                      "function's share can change only because others changed");
  } else if (Clock) {
    Scale = 1000;
    R.CostUnit = "ms CPU per unit of work";
  } else if (AllPeriod) {
    R.CostUnit = R.Event + " events per unit of work";
  } else {
    R.CostUnit = "samples per unit of work";
  }
  R.CostScale = Scale;
  if (R.ByWork && (Bf.size() < 2 || Af.size() < 2))
    R.Notes.push_back("one profile on a side: the intervals cover sampling noise only, not "
                      "run-to-run drift of the machine's speed (co-tenants, frequency), "
                      "which changes cost per unit of work too; give several profiles per "
                      "side (hosts, windows) for the bootstrap, or compare shares");
  return llvm::Error::success();
}

llvm::Expected<VerifyResult> Comparer::run() {
  VerifyResult R;
  R.Opts = Opts;
  R.Names = &Names;
  if (Bf.empty() || Af.empty())
    return makeError("verify needs at least one profile on each side");
  if (Opts.Paired && Bf.size() != Af.size())
    return makeError("--paired needs as many after profiles as before profiles (the i-th of "
                     "each side recorded at the same time), got {0} before and {1} after",
                     Bf.size(), Af.size());
  if (llvm::Error E = normalize(R))
    return std::move(E);
  for (const auto &[Side, S] : {std::pair{&Bf, &R.Before}, std::pair{&Af, &R.After}})
    for (const AttributedProfile &P : *Side) {
      S->Sources.push_back(P.Source);
      S->Samples += P.Samples;
      S->FromStacks &= P.FromStacks;
      for (const std::string &W : P.Warnings) // once, not once per side or window
        if (!llvm::is_contained(R.Warnings, W))
          R.Warnings.push_back(W);
    }
  if (!R.Before.FromStacks || !R.After.FromStacks)
    R.Notes.push_back("some inputs have no call stacks: inclusive cost is self cost plus "
                      "inline callers only (record with -g)");

  // Pooled costs per function.
  size_t NumNames = Names.size();
  std::vector<FunctionCost> PA(NumNames), PB(NumNames);
  for (const auto &[Side, Pool] : {std::pair{&Bf, &PA}, std::pair{&Af, &PB}})
    for (const AttributedProfile &P : *Side)
      for (size_t I = 0; I < P.Costs.size(); ++I) {
        (*Pool)[I].Self += P.Costs[I].Self;
        (*Pool)[I].Incl += P.Costs[I].Incl;
      }
  std::vector<uint32_t> Ids;
  for (uint32_t I = 0; I < NumNames; ++I)
    if (PA[I].Incl || PB[I].Incl)
      Ids.push_back(I);
  uint32_t UnknownId = ~0u;
  for (uint32_t I : Ids)
    if (Names.name(I) == "[unknown]")
      UnknownId = I;
  // --ignore: an exact name, else a glob ("[kernel]" is a name, not a
  // character class, when a function has that name). A pattern that is not a
  // glob (C++ names have brackets: `operator[]`) is matched as a name only,
  // with a warning, so that a typo does not go unnoticed.
  std::vector<llvm::GlobPattern> Globs;
  for (const std::string &G : Opts.Ignore) {
    llvm::Expected<llvm::GlobPattern> P = llvm::GlobPattern::create(G);
    if (P)
      Globs.push_back(std::move(*P));
    else
      R.Warnings.push_back("--ignore '" + G + "' is not a glob (" +
                           llvm::toString(P.takeError()) + "): matched as an exact name");
  }
  llvm::DenseSet<uint32_t> Ignored;
  std::string IgnoredList;
  for (uint32_t I : Ids) {
    llvm::StringRef N = Names.name(I);
    if (llvm::is_contained(Opts.Ignore, N) ||
        llvm::any_of(Globs, [&](const llvm::GlobPattern &G) { return G.match(N); })) {
      Ignored.insert(I);
      IgnoredList += (IgnoredList.empty() ? "" : ", ") + N.str();
    }
  }
  if (!Opts.Ignore.empty())
    R.Notes.push_back("left out of the hot set and the gate (--ignore): " +
                      (IgnoredList.empty() ? std::string("nothing matched") : IgnoredList));
  auto Ranked = [&](auto Key) {
    std::vector<uint32_t> V;
    for (uint32_t I : Ids)
      if (Key(I) > 0 && I != UnknownId && !Ignored.count(I))
        V.push_back(I);
    std::sort(V.begin(), V.end(), [&](uint32_t X, uint32_t Y) {
      return Key(X) != Key(Y) ? Key(X) > Key(Y) : Names.name(X) < Names.name(Y);
    });
    if (V.size() > Opts.Top)
      V.resize(Opts.Top);
    return V;
  };
  std::vector<uint32_t> TopInclA = Ranked([&](uint32_t I) { return PA[I].Incl; });
  std::vector<uint32_t> TopSelfA = Ranked([&](uint32_t I) { return PA[I].Self; });
  // After: ranked by normalized self cost so a load change does not matter
  // (the ranking is within a side, so plain counts do).
  std::vector<uint32_t> TopSelfB = Ranked([&](uint32_t I) { return PB[I].Self; });

  // Number of tests: every function's self cost, the inclusive cost of the
  // hot set's functions, and the hot set as a whole.
  unsigned M = 1;
  for (uint32_t I : Ids)
    M += PA[I].Self + PB[I].Self >= Opts.MinSamples;
  for (uint32_t I : TopInclA)
    M += PA[I].Incl + PB[I].Incl >= Opts.MinSamples;
  R.Tests = M;
  AlphaAdj = Opts.Alpha / double(M);
  R.AlphaPerTest = AlphaAdj;
  R.Bootstrapped = Boot.enabled();

  llvm::DenseSet<uint32_t> Hot(TopInclA.begin(), TopInclA.end());
  for (uint32_t I : Ids) {
    FunctionResult F;
    F.Name = Names.name(I).str();
    auto Rank = [&](const std::vector<uint32_t> &V) {
      auto It = std::find(V.begin(), V.end(), I);
      return It == V.end() ? -1 : int(It - V.begin());
    };
    F.RankBeforeIncl = Rank(TopInclA);
    F.RankBeforeSelf = Rank(TopSelfA);
    F.RankAfterSelf = Rank(TopSelfB);
    measure(counts(I, true), true, F.Self);
    measure(counts(I, false), Hot.count(I) > 0, F.Incl);
    if (F.Self.Status == ChangeStatus::Regressed && !Ignored.count(I))
      R.Regressed.push_back(F.Name);
    if (F.Self.Status == ChangeStatus::Improved && !Ignored.count(I))
      R.Improved.push_back(F.Name);
    R.Functions.push_back(std::move(F));
  }
  std::sort(R.Functions.begin(), R.Functions.end(),
            [](const FunctionResult &X, const FunctionResult &Y) {
              double DX = std::fabs(X.Self.CostAfter - X.Self.CostBefore);
              double DY = std::fabs(Y.Self.CostAfter - Y.Self.CostBefore);
              return DX != DY ? DX > DY : X.Name < Y.Name;
            });
  for (uint32_t I : TopInclA)
    R.HotSet.push_back(Names.name(I).str());

  // The hot set: samples with any hot function on their stack.
  PerProfile HC;
  auto HotSamples = [&](const AttributedProfile &P) {
    uint64_t N = 0;
    for (const auto &[Path, Count] : P.Folded)
      if (llvm::any_of(Path, [&](uint32_t Id) { return Hot.count(Id) > 0; }))
        N += Count;
    return N;
  };
  for (const AttributedProfile &P : Bf)
    HC.A.push_back(HotSamples(P));
  for (const AttributedProfile &P : Af)
    HC.B.push_back(HotSamples(P));
  measure(HC, true, R.HotSetCost);

  // Folded stacks of both sides, for the flame graph.
  std::map<std::vector<uint32_t>, std::pair<uint64_t, uint64_t>> Folded;
  for (const AttributedProfile &P : Bf)
    for (const auto &[Path, Count] : P.Folded)
      Folded[Path].first += Count;
  for (const AttributedProfile &P : Af)
    for (const auto &[Path, Count] : P.Folded)
      Folded[Path].second += Count;
  R.Folded.assign(Folded.begin(), Folded.end());

  R.Model = llvm::formatv(
      "samples per function and window ~ Poisson (a sampling profiler's counts); "
      "after/before ratio of cost per {0} with the exact conditional binomial "
      "(Clopper-Pearson) interval; Bonferroni over {1} tests (level {2} each, family-wise "
      "{3}){4}; real = interval excludes 0 and |change| >= {5}%",
      R.ByWork ? "unit of work" : "sample (shares)", M, formatNum(AlphaAdj),
      formatNum(Opts.Alpha),
      !R.Bootstrapped ? std::string()
      : Opts.Paired
          ? llvm::formatv("; widened to cover a paired percentile bootstrap over the {0} "
                          "before/after pairs recorded side by side ({1} resamples)",
                          Bf.size(), Opts.BootstrapReplicates)
                .str()
          : llvm::formatv("; widened to cover a percentile bootstrap over the {0}+{1} input "
                          "profiles ({2} resamples)",
                          Bf.size(), Af.size(), Opts.BootstrapReplicates)
                .str(),
      formatNum(Opts.MinEffectPct));
  evaluateGate(R);
  return R;
}

} // namespace

llvm::Expected<VerifyResult> compare(const std::vector<AttributedProfile> &Before,
                                     const std::vector<AttributedProfile> &After,
                                     const NameTable &Names, const VerifyOptions &Opts) {
  Comparer C(Before, After, Names, Opts);
  return C.run();
}

} // namespace pgoctl::verify
