// verify/Verify.h: the differential verdict of `pgoctl verify`.
//
// compare() takes the attributed profiles of each side (Attribution.h; one or
// more per side: hosts, windows) and answers, per canonical function, whether
// its self and inclusive cost per unit of work changed, with intervals from
// the sampling model (Statistics.h) and, with several profiles on a side, a
// bootstrap over them; then evaluates the gate (Gate.cpp) and gives PASS, FAIL
// or INCONCLUSIVE.
//
// Normalization: the cost of a sample is its period (or 1/frequency); with the
// work of each window (--work-before/--work-after, or the label "work" of
// every input) costs are per unit of work and absolute changes can be judged.
// Without work counts costs are shares of all samples of the side, and the
// report says that absolute cost cannot be judged: a function's share can grow
// only because another's shrank.
//
// Decisions: a change is real when its (Bonferroni-adjusted) interval
// excludes no-change and its estimate is at least the minimum effect; it is
// "unchanged" when the whole interval lies within the minimum effect;
// otherwise undecided, with the factor of more samples that would decide it.
#pragma once

#include "verify/Attribution.h"
#include "verify/Statistics.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace pgoctl::verify {

struct VerifyOptions {
  unsigned Top = 10;             ///< --top: size of the hot set
  double MaxGrowthPct = 10;      ///< --max-growth: top-N inclusive growth that fails
  double MinEffectPct = 5;       ///< --min-effect: smaller changes are not "real"
  double Alpha = 0.05;           ///< family-wise error level (1 - confidence)
  uint64_t MinSamples = 10;      ///< functions with fewer samples (both sides) are not tested
  bool FailOnNewHot = true;      ///< gate: a function enters the top N by self cost
  bool RequireCheaper = true;    ///< gate: the hot set must get cheaper
  /// --ignore: functions (exact names, or glob patterns) left out of the hot
  /// set, the gate and the summary's lists, e.g. "[kernel]" when the machine's
  /// kernel time is not what the build changed. They are still measured and
  /// listed in the table.
  std::vector<std::string> Ignore;
  std::optional<double> WorkBefore, WorkAfter; ///< --work-before/--work-after
  /// --paired: before profile i and after profile i were recorded at the same
  /// time (side by side); the bootstrap resamples pairs (Statistics.h).
  bool Paired = false;
  unsigned BootstrapReplicates = 4000;
  uint64_t Seed = 20240601;
};

enum class ChangeStatus {
  Regressed, ///< real growth: interval excludes 1 and estimate >= +min effect
  Improved,  ///< real shrinkage: interval excludes 1 and estimate <= -min effect
  Small,     ///< interval excludes 1 but the change is below the min effect
  Unchanged, ///< interval within +-min effect
  Undecided, ///< too few samples to tell
  NotTested, ///< fewer than MinSamples samples on both sides together
};
const char *statusName(ChangeStatus S);

/// One measure (self, inclusive, hot set) of one function, before vs after.
struct Change {
  uint64_t Before = 0, After = 0; ///< samples (pooled over a side's profiles)
  double CostBefore = 0, CostAfter = 0; ///< normalized (per work or % share)
  double Ratio = 1;                     ///< after / before cost
  Interval Exact;                       ///< exact conditional interval of Ratio
  std::optional<Interval> Bootstrap;    ///< over the input profiles
  Interval CI;                          ///< the one decisions use (hull of both)
  ChangeStatus Status = ChangeStatus::NotTested;
  double MoreSamplesFactor = 0; ///< Undecided: needed samples / present samples

  double pct() const { return (Ratio - 1) * 100; }
  double loPct() const { return (CI.Lo - 1) * 100; }
  double hiPct() const { return (CI.Hi - 1) * 100; }
};

struct FunctionResult {
  std::string Name;
  Change Self, Incl;
  int RankBeforeIncl = -1, RankBeforeSelf = -1, RankAfterSelf = -1; ///< 0-based, -1: none
};

enum class RuleStatus { Pass, Fail, Undecided, Off };
const char *ruleStatusName(RuleStatus S);

struct GateRule {
  std::string Name;   ///< "new-hot", "max-growth", "hot-set-cheaper"
  std::string Text;   ///< what the rule says, with its parameters
  RuleStatus Status = RuleStatus::Off;
  std::vector<std::string> Functions; ///< the functions that decided it
  std::string Detail;
};

enum class Verdict { Pass, Fail, Inconclusive };
const char *verdictName(Verdict V);
inline int exitCode(Verdict V) {
  return V == Verdict::Pass ? 0 : V == Verdict::Fail ? 1 : 2;
}

struct SideSummary {
  std::vector<std::string> Sources;
  uint64_t Samples = 0;
  std::optional<double> Work; ///< total work of the side
  std::string WorkFrom;       ///< "--work-before", "labels"
  double Exposure = 0;        ///< work / cost of a sample (or samples, as shares)
  bool FromStacks = true;
};

struct VerifyResult {
  VerifyOptions Opts;
  bool ByWork = false;    ///< costs per unit of work (else shares)
  std::string Event;
  std::string CostUnit;   ///< "ms per unit of work", "% of samples", ...
  double CostScale = 1;   ///< display multiplier applied to count/exposure
  SideSummary Before, After;
  unsigned Tests = 0;     ///< m of the Bonferroni adjustment
  double AlphaPerTest = 0;
  bool Bootstrapped = false;
  std::string Model;      ///< the statistical model, in words
  std::vector<FunctionResult> Functions; ///< sorted by |self change in cost|, then name
  std::vector<std::string> HotSet;       ///< the before top-N by inclusive cost
  Change HotSetCost;                     ///< samples with any hot function on the stack
  std::vector<std::string> Regressed, Improved; ///< by self cost
  std::vector<GateRule> Rules;
  Verdict Result = Verdict::Inconclusive;
  std::string Summary; ///< one sentence
  std::vector<std::string> Notes, Warnings;
  /// Folded stacks of both sides, for the flame graph (root-first names).
  std::vector<std::pair<std::vector<uint32_t>, std::pair<uint64_t, uint64_t>>> Folded;
  const NameTable *Names = nullptr;
};

/// Compares the attributed profiles; errors on inconsistent inputs (different
/// events, work given for one side only, non-positive work).
llvm::Expected<VerifyResult> compare(const std::vector<AttributedProfile> &Before,
                                     const std::vector<AttributedProfile> &After,
                                     const NameTable &Names, const VerifyOptions &Opts);

/// "+12.3%", "-4.0%", "+inf" (Report.cpp).
std::string formatPct(double Pct);
/// "+12.3% [+8.1%, +16.6%]": a change and its interval (Report.cpp).
std::string formatChange(const Change &C);
/// A number with 4 significant digits ("0.0731", "1.25e+04").
std::string formatNum(double V);

/// Evaluates the gate rules into R.Rules, R.Result and R.Summary (Gate.cpp).
void evaluateGate(VerifyResult &R);

/// A demangled name without template arguments, parameters and return type,
/// for one-line summaries: `void ns::vec<int>::push(int const&)` ->
/// `ns::vec::push`. Names with `operator` are returned as they are.
std::string briefName(llvm::StringRef Name);

} // namespace pgoctl::verify
