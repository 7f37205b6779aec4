// verify/Compare.cpp: per-function changes, the hot set and their intervals
// (see Verify.h for the decisions and Statistics.h for the model).
//
// Comparer::run's steps, in order: check the inputs agree (event, sampling
// kind) and choose the normalization (work of every window, else shares) and
// each profile's exposure; sum up each side; pool each side's counts per
// function; apply --ignore; rank (top N before by inclusive and by self,
// after by self and inclusive); count the tests for the Bonferroni
// adjustment; find inlining churn; measure every function (relative to the
// rest of its profile, and per unit of work), then the hot set (per unit of
// work); fold the stacks for the flame graph; describe the model; gate.
//
// Drift: with fewer than kDriftProfiles profiles on a side no bootstrap can
// see how the machine's speed moved between the windows, so intervals are
// widened by a drift allowance (--drift for relative costs, --work-drift for
// costs per unit of work); with more, the bootstrap over profiles covers it.
#include "verify/Verify.h"

#include "core/Support.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/GlobPattern.h"

#include <algorithm>
#include <cmath>
#include <map>
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

/// Inlined in at least half of its samples on one side and in less than
/// half on the other.
bool mostlyInlined(const FunctionCost &C) { return C.Incl && 2 * C.InclInlined >= C.Incl; }

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
  llvm::Error checkInputs() const;
  llvm::Error normalize(VerifyResult &R);
  void summarizeSides(VerifyResult &R) const;
  void pool();
  void selectIgnored(VerifyResult &R);
  void rank();
  void countTests(VerifyResult &R);
  void findInlineChurn();
  void chooseReference(VerifyResult &R);
  void measureFunctions(VerifyResult &R);
  void measureHotSet(VerifyResult &R);
  void foldStacks(VerifyResult &R) const;
  static void explainGrowth(VerifyResult &R);
  void describeModel(VerifyResult &R) const;

  PerProfile counts(uint32_t Id, bool Self) const;
  PerProfile totals() const;
  void measureRelative(const PerProfile &C, const PerProfile &Self, uint32_t Id, bool Tested,
                       Change &Out) const;
  void measurePerWork(const PerProfile &C, bool Tested, Change &Out) const;
  void decide(Change &Out, double AllowancePct) const;
  void confirm(Change &Rel, const Change &Work) const;
  bool testable(uint64_t Before, uint64_t After) const {
    return Before + After >= Opts.MinSamples;
  }

  const std::vector<AttributedProfile> &Bf, &Af;
  const NameTable &Names;
  const VerifyOptions &Opts;
  ProfileBootstrap Boot;
  std::vector<double> ExpA, ExpB; ///< per profile
  double TotExpA = 0, TotExpB = 0, Scale = 1, AlphaAdj = 0.05;
  bool ByWork = false, DriftCovered = false;
  std::vector<FunctionCost> PA, PB; ///< pooled per name id
  std::vector<uint32_t> Ids;        ///< functions with samples
  uint32_t UnknownId = ~0u;
  llvm::DenseSet<uint32_t> Ignored;
  std::vector<uint32_t> TopInclA, TopSelfA, TopSelfB, TopInclB;
  llvm::DenseMap<uint32_t, std::pair<uint32_t, std::string>> Churn; ///< id -> caller, text
  llvm::DenseSet<uint32_t> Typical;  ///< the drift reference (chooseReference)
  std::vector<uint64_t> RefA, RefB;  ///< the reference's self samples per profile
};

PerProfile Comparer::counts(uint32_t Id, bool Self) const {
  PerProfile C;
  for (const AttributedProfile &P : Bf)
    C.A.push_back(Self ? P.cost(Id).Self : P.cost(Id).Incl);
  for (const AttributedProfile &P : Af)
    C.B.push_back(Self ? P.cost(Id).Self : P.cost(Id).Incl);
  return C;
}

PerProfile Comparer::totals() const {
  PerProfile T;
  for (const AttributedProfile &P : Bf)
    T.A.push_back(P.Samples);
  for (const AttributedProfile &P : Af)
    T.B.push_back(P.Samples);
  return T;
}

void Comparer::decide(Change &Out, double AllowancePct) const {
  Out.AllowancePct = AllowancePct;
  double W = 1 + AllowancePct / 100;
  Out.CI.Lo /= W;
  Out.CI.Hi *= W;
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
    // More samples help only when the interval without the allowance is
    // undecided too; else only more profiles per side do.
    Interval Raw{Out.CI.Lo * W, Out.CI.Hi / W};
    if (AllowancePct > 0 && !Raw.contains(1.0))
      Out.WithinDrift = true;
    else
      Out.MoreSamplesFactor = samplesFactorNeeded(Out.Before, Out.After, Me, AlphaAdj);
  }
}

// The function against the drift reference (chooseReference): rho =
// (b / ref_b) / (a / ref_a), the reference without the function itself. When
// that reference holds under a tenth of the samples (one function dominates,
// or nothing is typical), the rest of the profile is the reference. The
// interval combines the exact intervals of b/a and of ref_b/ref_a at alpha/2
// each (Bonferroni: both hold with 1 - alpha whatever their dependence), so
// the reference's own sampling noise is covered.
void Comparer::measureRelative(const PerProfile &C, const PerProfile &Self, uint32_t Id,
                               bool Tested, Change &Out) const {
  PerProfile T = totals(), Ref;
  bool InRef = Typical.count(Id) > 0;
  for (size_t I = 0; I < C.A.size(); ++I)
    Ref.A.push_back(RefA[I] - (InRef ? Self.A[I] : 0));
  for (size_t I = 0; I < C.B.size(); ++I)
    Ref.B.push_back(RefB[I] - (InRef ? Self.B[I] : 0));
  uint64_t NA = T.sumA(), NB = T.sumB();
  if (10 * (Ref.sumA() + Ref.sumB()) < NA + NB) {
    for (size_t I = 0; I < C.A.size(); ++I)
      Ref.A[I] = T.A[I] - std::min(C.A[I], T.A[I]);
    for (size_t I = 0; I < C.B.size(); ++I)
      Ref.B[I] = T.B[I] - std::min(C.B[I], T.B[I]);
  }
  uint64_t A = C.sumA(), B = C.sumB(), RA = Ref.sumA(), RB = Ref.sumB();
  Out.Before = A;
  Out.After = B;
  Out.CostBefore = NA ? 100.0 * double(A) / double(NA) : 0;
  Out.CostAfter = NB ? 100.0 * double(B) / double(NB) : 0;
  Out.Ratio = RA && RB ? poissonRatio(A, B, double(RA), double(RB)) : 1;
  if (!Tested || !testable(A, B) || !testable(RA, RB) || !RA || !RB) {
    Out.Status = ChangeStatus::NotTested;
    Out.Exact = Out.CI = Interval{};
    return;
  }
  Interval F = poissonRatioInterval(A, B, 1, 1, AlphaAdj / 2);
  Interval RI = poissonRatioInterval(RA, RB, 1, 1, AlphaAdj / 2);
  Out.Exact = Interval{RI.Hi > 0 ? F.Lo / RI.Hi : 0,
                       RI.Lo > 0 ? F.Hi / RI.Lo : std::numeric_limits<double>::infinity()};
  Out.CI = Out.Exact;
  if (Boot.enabled()) {
    std::vector<double> EA(Ref.A.begin(), Ref.A.end()), EB(Ref.B.begin(), Ref.B.end());
    Out.Bootstrap = Boot.interval(C.A, EA, C.B, EB, AlphaAdj);
    Out.CI.Lo = std::min(Out.CI.Lo, Out.Bootstrap->Lo);
    Out.CI.Hi = std::max(Out.CI.Hi, Out.Bootstrap->Hi);
  }
  decide(Out, DriftCovered ? 0 : Opts.DriftPct);
}

// Cost per unit of work (or, without work counts, share of the side's
// samples): Poisson counts with the windows' exposures.
void Comparer::measurePerWork(const PerProfile &C, bool Tested, Change &Out) const {
  Out.Before = C.sumA();
  Out.After = C.sumB();
  Out.CostBefore = double(Out.Before) / TotExpA * Scale;
  Out.CostAfter = double(Out.After) / TotExpB * Scale;
  Out.Ratio = poissonRatio(Out.Before, Out.After, TotExpA, TotExpB);
  if (!Tested || !testable(Out.Before, Out.After)) {
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
  decide(Out, DriftCovered ? 0 : ByWork ? Opts.WorkDriftPct : Opts.DriftPct);
}

void Comparer::confirm(Change &Rel, const Change &Work) const {
  double Me = Opts.MinEffectPct / 100;
  if ((Rel.Status == ChangeStatus::Regressed && Work.Ratio < 1 + Me) ||
      (Rel.Status == ChangeStatus::Improved && Work.Ratio > 1 - Me)) {
    Rel.Status = ChangeStatus::Undecided;
    Rel.Unconfirmed = true;
  }
}

llvm::Error Comparer::checkInputs() const {
  if (Bf.empty() || Af.empty())
    return makeError("verify needs at least one profile on each side");
  if (Opts.Paired && Bf.size() != Af.size())
    return makeError("--paired needs as many after profiles as before profiles (the i-th of "
                     "each side recorded at the same time), got {0} before and {1} after",
                     Bf.size(), Af.size());
  return llvm::Error::success();
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
  if (R.ByWork && (Bf.size() < kDriftProfiles || Af.size() < kDriftProfiles))
    R.Notes.push_back(llvm::formatv(
        "fewer than {0} profiles on a side: no bootstrap can see the run-to-run drift of the "
        "machine's speed (co-tenants, frequency), which moves cost per unit of work, so "
        "claims about it carry a drift allowance of {1}%; functions are judged against the "
        "functions that changed alike, which drift does not move; give several profiles per "
        "side (hosts, windows) to judge cost per unit of work",
        kDriftProfiles, formatNum(Opts.WorkDriftPct)));
  return llvm::Error::success();
}

void Comparer::summarizeSides(VerifyResult &R) const {
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
}

void Comparer::pool() {
  size_t NumNames = Names.size();
  PA.assign(NumNames, {});
  PB.assign(NumNames, {});
  for (const auto &[Side, Pool] : {std::pair{&Bf, &PA}, std::pair{&Af, &PB}})
    for (const AttributedProfile &P : *Side)
      for (size_t I = 0; I < P.Costs.size(); ++I) {
        (*Pool)[I].Self += P.Costs[I].Self;
        (*Pool)[I].Incl += P.Costs[I].Incl;
        (*Pool)[I].InclInlined += P.Costs[I].InclInlined;
      }
  for (uint32_t I = 0; I < NumNames; ++I)
    if (PA[I].Incl || PB[I].Incl)
      Ids.push_back(I);
  for (uint32_t I : Ids)
    if (Names.name(I) == "[unknown]")
      UnknownId = I;
}

// --ignore: an exact name, else a glob ("[kernel]" is a name, not a
// character class, when a function has that name). A pattern that is not a
// glob (C++ names have brackets: `operator[]`) is matched as a name only,
// with a warning, so that a typo does not go unnoticed.
void Comparer::selectIgnored(VerifyResult &R) {
  std::vector<llvm::GlobPattern> Globs;
  for (const std::string &G : Opts.Ignore) {
    llvm::Expected<llvm::GlobPattern> P = llvm::GlobPattern::create(G);
    if (P)
      Globs.push_back(std::move(*P));
    else
      R.Warnings.push_back("--ignore '" + G + "' is not a glob (" +
                           llvm::toString(P.takeError()) + "): matched as an exact name");
  }
  std::string IgnoredList;
  bool KernelSeen = false;
  for (uint32_t I : Ids) {
    llvm::StringRef N = Names.name(I);
    if (N == "[kernel]" && !Opts.GateKernel && !llvm::is_contained(Opts.Ignore, N)) {
      Ignored.insert(I);
      KernelSeen = true;
      continue;
    }
    if (llvm::is_contained(Opts.Ignore, N) ||
        llvm::any_of(Globs, [&](const llvm::GlobPattern &G) { return G.match(N); })) {
      Ignored.insert(I);
      IgnoredList += (IgnoredList.empty() ? "" : ", ") + N.str();
    }
  }
  if (!Opts.Ignore.empty())
    R.Notes.push_back("left out of the hot set and the gate (--ignore): " +
                      (IgnoredList.empty() ? std::string("nothing matched") : IgnoredList));
  if (KernelSeen)
    R.Notes.push_back("[kernel] is measured and listed but left out of the hot set and the "
                      "gate: its share moves with the machine's load (interrupts, page "
                      "faults, scheduling) more than with the build; --gate-kernel includes "
                      "it");
}

// Rankings are within a side, so plain counts rank as costs would.
void Comparer::rank() {
  // A side's samples: every sample is some function's self.
  uint64_t TotalA = 0, TotalB = 0;
  for (uint32_t I : Ids) {
    TotalA += PA[I].Self;
    TotalB += PB[I].Self;
  }
  auto Ranked = [&](auto Key, uint64_t Total) {
    std::vector<uint32_t> V;
    double Floor = Opts.MinSharePct / 100 * double(Total);
    for (uint32_t I : Ids)
      if (Key(I) > 0 && double(Key(I)) >= Floor && I != UnknownId && !Ignored.count(I))
        V.push_back(I);
    std::sort(V.begin(), V.end(), [&](uint32_t X, uint32_t Y) {
      return Key(X) != Key(Y) ? Key(X) > Key(Y) : Names.name(X) < Names.name(Y);
    });
    if (V.size() > Opts.Top)
      V.resize(Opts.Top);
    return V;
  };
  TopInclA = Ranked([&](uint32_t I) { return PA[I].Incl; }, TotalA);
  TopSelfA = Ranked([&](uint32_t I) { return PA[I].Self; }, TotalA);
  TopSelfB = Ranked([&](uint32_t I) { return PB[I].Self; }, TotalB);
  TopInclB = Ranked([&](uint32_t I) { return PB[I].Incl; }, TotalB);
}

// Number of tests: every function's self cost (relative, and per work when
// work counts are given), the inclusive cost of the hot functions (before
// top N by inclusive or self), and the hot set as a whole.
void Comparer::countTests(VerifyResult &R) {
  unsigned M = 1;
  for (uint32_t I : Ids)
    M += (ByWork ? 2 : 1) * testable(PA[I].Self, PB[I].Self);
  llvm::DenseSet<uint32_t> InclTested(TopInclA.begin(), TopInclA.end());
  InclTested.insert(TopSelfA.begin(), TopSelfA.end());
  for (uint32_t I : InclTested)
    M += testable(PA[I].Incl, PB[I].Incl);
  R.Tests = M;
  AlphaAdj = Opts.Alpha / double(M);
  R.AlphaPerTest = AlphaAdj;
  R.Bootstrapped = Boot.enabled();
  R.DriftCovered = DriftCovered;
}

// A function mostly inlined on one side and mostly outlined on the other
// (DWARF inline stacks tell) changed its cost accounting, not necessarily its
// cost: its caller is the frame most often right above it (both sides).
void Comparer::findInlineChurn() {
  std::vector<uint32_t> Candidates;
  for (uint32_t I : Ids)
    if (PA[I].Incl && PB[I].Incl && mostlyInlined(PA[I]) != mostlyInlined(PB[I]))
      Candidates.push_back(I);
  if (Candidates.empty())
    return;
  llvm::DenseSet<uint32_t> Want(Candidates.begin(), Candidates.end());
  llvm::DenseMap<uint32_t, std::map<uint32_t, uint64_t>> Callers;
  for (const auto *Side : {&Bf, &Af})
    for (const AttributedProfile &P : *Side)
      for (const auto &[Path, Count] : P.Folded)
        for (size_t K = 1; K < Path.size(); ++K)
          if (Want.count(Path[K]) && Path[K - 1] != Path[K])
            Callers[Path[K]][Path[K - 1]] += Count;
  for (uint32_t I : Candidates) {
    uint32_t Caller = ~0u;
    uint64_t Best = 0;
    for (const auto &[C, N] : Callers[I])
      if (N > Best)
        Best = N, Caller = C;
    Churn[I] = {Caller, mostlyInlined(PA[I]) ? "inlined before, not after"
                                             : "inlined after, not before"};
  }
}

// The drift reference: the functions that changed like the typical function.
// Each testable function's self ratio after/before (inlining churn and
// [unknown] left out) is weighted by its samples; the weighted median of the
// log ratios is the typical change (drift moves every function alike, a code
// change moves some), and the functions within kTypicalBand of it are the
// reference. A change that touches under half of the samples thus leaves the
// reference, and the others' numbers, alone.
void Comparer::chooseReference(VerifyResult &R) {
  constexpr double kTypicalBand = 0.10;
  std::vector<std::pair<double, uint64_t>> V; // log ratio, weight
  std::vector<std::pair<uint32_t, double>> Cand;
  for (uint32_t I : Ids) {
    if (I == UnknownId || Churn.count(I) || !PA[I].Self || !PB[I].Self ||
        !testable(PA[I].Self, PB[I].Self))
      continue;
    double L = std::log(double(PB[I].Self) / double(PA[I].Self));
    V.push_back({L, PA[I].Self + PB[I].Self});
    Cand.push_back({I, L});
  }
  RefA.assign(Bf.size(), 0);
  RefB.assign(Af.size(), 0);
  if (V.empty())
    return;
  std::sort(V.begin(), V.end());
  uint64_t Total = 0, Cum = 0;
  for (const auto &[L, W] : V)
    Total += W;
  double Median = V.back().first;
  for (size_t K = 0; K < V.size(); ++K) {
    Cum += V[K].second;
    if (2 * Cum >= Total) { // the lower weighted median
      Median = V[K].first;
      break;
    }
  }
  for (const auto &[I, L] : Cand)
    if (std::fabs(L - Median) <= std::log1p(kTypicalBand))
      Typical.insert(I);
  for (size_t P = 0; P < Bf.size(); ++P)
    for (uint32_t I : Typical)
      RefA[P] += Bf[P].cost(I).Self;
  for (size_t P = 0; P < Af.size(); ++P)
    for (uint32_t I : Typical)
      RefB[P] += Af[P].cost(I).Self;
  uint64_t RA = std::accumulate(RefA.begin(), RefA.end(), uint64_t(0));
  uint64_t RB = std::accumulate(RefB.begin(), RefB.end(), uint64_t(0));
  if (R.ByWork && RA && RB)
    R.Notes.push_back(llvm::formatv(
        "drift estimate: the {0} functions that changed alike ({1}% of the samples) cost {2} "
        "per unit of work after; each function's change is measured against them",
        Typical.size(),
        formatNum(100.0 * double(RA + RB) / double(R.Before.Samples + R.After.Samples)),
        formatPct((poissonRatio(RA, RB, TotExpA, TotExpB) - 1) * 100)));
}

void Comparer::measureFunctions(VerifyResult &R) {
  llvm::DenseSet<uint32_t> InclTested(TopInclA.begin(), TopInclA.end());
  InclTested.insert(TopSelfA.begin(), TopSelfA.end());
  auto Rank = [](const std::vector<uint32_t> &V, uint32_t I) {
    auto It = std::find(V.begin(), V.end(), I);
    return It == V.end() ? -1 : int(It - V.begin());
  };
  for (uint32_t I : Ids) {
    FunctionResult F;
    F.Name = Names.name(I).str();
    F.RankBeforeIncl = Rank(TopInclA, I);
    F.RankBeforeSelf = Rank(TopSelfA, I);
    F.RankAfterSelf = Rank(TopSelfB, I);
    F.RankAfterIncl = Rank(TopInclB, I);
    PerProfile Self = counts(I, true), Incl = counts(I, false);
    measureRelative(Self, Self, I, true, F.Self);
    measureRelative(Incl, Self, I, InclTested.count(I) > 0, F.Incl);
    // With work counts, a change against the reference must not contradict
    // the change per unit of work (drift can move the latter, but not turn a
    // real growth into a fall): when one function dominates, or a build
    // changes most functions, the reference itself moved.
    if (ByWork) {
      F.SelfWork.emplace();
      measurePerWork(Self, true, *F.SelfWork);
      F.InclWork.emplace();
      measurePerWork(Incl, InclTested.count(I) > 0, *F.InclWork);
      confirm(F.Self, *F.SelfWork);
      confirm(F.Incl, *F.InclWork);
    }
    if (auto It = Churn.find(I); It != Churn.end()) {
      F.InlineChurn = true;
      if (It->second.first != ~0u)
        F.Caller = Names.name(It->second.first).str();
      F.ChurnText = It->second.second;
    }
    if (!Ignored.count(I) && !F.InlineChurn) {
      if (F.Self.Status == ChangeStatus::Regressed)
        R.Regressed.push_back(F.Name);
      if (F.Self.Status == ChangeStatus::Improved)
        R.Improved.push_back(F.Name);
    }
    R.Functions.push_back(std::move(F));
  }
  for (uint32_t I : TopInclA)
    R.HotSet.push_back(Names.name(I).str());
}

// The hot set: samples with any hot function on their stack, per unit of
// work (or as a share).
void Comparer::measureHotSet(VerifyResult &R) {
  llvm::DenseSet<uint32_t> Hot(TopInclA.begin(), TopInclA.end());
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
  measurePerWork(HC, true, R.HotSetCost);
}

void Comparer::foldStacks(VerifyResult &R) const {
  std::map<std::vector<uint32_t>, std::pair<uint64_t, uint64_t>> Folded;
  for (const AttributedProfile &P : Bf)
    for (const auto &[Path, Count] : P.Folded)
      Folded[Path].first += Count;
  for (const AttributedProfile &P : Af)
    for (const auto &[Path, Count] : P.Folded)
      Folded[Path].second += Count;
  R.Folded.assign(Folded.begin(), Folded.end());
}

// The callers under which each regressed function's self samples grew: the
// nearest frame above the leaf that is another function, from the folded
// stacks of both sides, as shares of each side's samples.
void Comparer::explainGrowth(VerifyResult &R) {
  llvm::DenseMap<uint32_t, size_t> Regressed; // name id -> index in R.Functions
  llvm::StringMap<size_t> ByName;
  for (size_t I = 0; I < R.Functions.size(); ++I)
    if (R.Functions[I].Self.Status == ChangeStatus::Regressed)
      ByName[R.Functions[I].Name] = I;
  if (ByName.empty() || !R.Before.Samples || !R.After.Samples)
    return;
  std::map<std::pair<size_t, uint32_t>, std::pair<uint64_t, uint64_t>> Under;
  for (const auto &[Path, Counts] : R.Folded) {
    if (Path.size() < 2)
      continue;
    uint32_t Leaf = Path.back();
    auto It = Regressed.find(Leaf);
    if (It == Regressed.end()) {
      auto N = ByName.find(R.Names->name(Leaf));
      if (N == ByName.end())
        continue;
      It = Regressed.try_emplace(Leaf, N->second).first;
    }
    for (size_t K = Path.size() - 1; K-- > 0;)
      if (Path[K] != Leaf) {
        auto &C = Under[{It->second, Path[K]}];
        C.first += Counts.first;
        C.second += Counts.second;
        break;
      }
  }
  double PB = 100.0 / double(R.Before.Samples), PA = 100.0 / double(R.After.Samples);
  for (const auto &[Key, Counts] : Under) {
    double B = double(Counts.first) * PB, A = double(Counts.second) * PA;
    if (A > B)
      R.Functions[Key.first].GrewUnder.push_back({R.Names->name(Key.second).str(), B, A});
  }
  for (FunctionResult &F : R.Functions) {
    llvm::sort(F.GrewUnder, [](const auto &X, const auto &Y) {
      double GX = X.AfterPct - X.BeforePct, GY = Y.AfterPct - Y.BeforePct;
      return GX != GY ? GX > GY : X.Name < Y.Name;
    });
    if (F.GrewUnder.size() > 3)
      F.GrewUnder.resize(3);
  }
}

void Comparer::describeModel(VerifyResult &R) const {
  std::string Drift =
      DriftCovered
          ? llvm::formatv("; the bootstrap over {0}+{1} profiles covers the machine's drift",
                          Bf.size(), Af.size())
                .str()
          : llvm::formatv("; fewer than {0} profiles on a side, so no bootstrap sees the "
                          "machine's drift: intervals widened by a drift allowance of {1}% "
                          "(relative costs){2}",
                          kDriftProfiles, formatNum(Opts.DriftPct),
                          ByWork ? " and " + formatNum(Opts.WorkDriftPct) +
                                       "% (cost per unit of work)"
                                 : std::string())
                .str();
  R.Model = llvm::formatv(
      "samples per function and window ~ Poisson (a sampling profiler's counts); a "
      "function's change is its samples against those of the functions that changed "
      "alike (within 10% of the samples-weighted median change: the drift estimate; "
      "what scales the whole profile, such as the machine's speed, cancels), with the "
      "exact conditional binomial (Clopper-Pearson) intervals of both counts' ratios at "
      "half the level each{0}; Bonferroni over {1} tests (level {2} each, family-wise "
      "{3}){4}{5}; real = interval excludes 0 and |change| >= {6}%",
      R.ByWork ? "; a change is confirmed only when the cost per unit of work moved the "
                 "same way by the minimum effect; the hot set's cost is per unit of work"
               : "",
      R.Tests,
      formatNum(AlphaAdj), formatNum(Opts.Alpha),
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
      Drift, formatNum(Opts.MinEffectPct));
}

llvm::Expected<VerifyResult> Comparer::run() {
  VerifyResult R;
  R.Opts = Opts;
  R.Names = &Names;
  if (llvm::Error E = checkInputs())
    return std::move(E);
  if (llvm::Error E = normalize(R))
    return std::move(E);
  ByWork = R.ByWork;
  DriftCovered = Boot.enabled() && Bf.size() >= kDriftProfiles && Af.size() >= kDriftProfiles;
  summarizeSides(R);
  pool();
  selectIgnored(R);
  rank();
  countTests(R);
  findInlineChurn();
  chooseReference(R);
  measureFunctions(R);
  measureHotSet(R);
  foldStacks(R);
  explainGrowth(R);
  describeModel(R);
  evaluateGate(R);
  orderForReading(R);
  return R;
}

} // namespace

void orderForReading(VerifyResult &R) {
  auto Key = [](const FunctionResult &F) {
    int Tier = F.Decisive ? 0
               : (F.RankBeforeSelf >= 0 || F.RankAfterSelf >= 0 || F.RankBeforeIncl >= 0 ||
                  F.RankAfterIncl >= 0)
                   ? 1
                   : 2;
    return std::pair{Tier, -std::fabs(F.Self.CostAfter - F.Self.CostBefore)};
  };
  std::vector<FunctionResult> Main, Churned;
  for (FunctionResult &F : R.Functions)
    (F.InlineChurn && !F.Decisive ? Churned : Main).push_back(std::move(F));
  auto Less = [&](const FunctionResult &X, const FunctionResult &Y) {
    auto KX = Key(X), KY = Key(Y);
    return KX != KY ? KX < KY : X.Name < Y.Name;
  };
  std::sort(Main.begin(), Main.end(), Less);
  std::sort(Churned.begin(), Churned.end(), Less);
  R.Functions.clear();
  std::vector<bool> Placed(Churned.size());
  for (FunctionResult &F : Main) {
    std::string Name = F.Name;
    R.Functions.push_back(std::move(F));
    for (size_t I = 0; I < Churned.size(); ++I)
      if (!Placed[I] && Churned[I].Caller == Name) {
        Placed[I] = true;
        R.Functions.push_back(std::move(Churned[I]));
      }
  }
  for (size_t I = 0; I < Churned.size(); ++I)
    if (!Placed[I])
      R.Functions.push_back(std::move(Churned[I]));
}

llvm::Expected<VerifyResult> compare(const std::vector<AttributedProfile> &Before,
                                     const std::vector<AttributedProfile> &After,
                                     const NameTable &Names, const VerifyOptions &Opts) {
  Comparer C(Before, After, Names, Opts);
  return C.run();
}

} // namespace pgoctl::verify
