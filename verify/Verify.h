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
  unsigned Top = 5;              ///< --top: size of the hot set
  double MaxGrowthPct = 15;      ///< --max-growth: top-N growth that fails
  double MinEffectPct = 5;       ///< --min-effect: smaller changes are not "real"
  double Alpha = 0.05;           ///< family-wise error level (1 - confidence)
  uint64_t MinSamples = 10;      ///< functions with fewer samples (both sides) are not tested
  /// --min-share: a function with less than this share (%) of a side's
  /// samples is not in that side's top N. In a program of a few functions
  /// the N-th may be a caller with a handful of samples, whose count a
  /// loaded machine moved tenfold between two recordings of one binary.
  double MinSharePct = 0.5;
  bool FailOnNewHot = true;      ///< gate: a function enters the top N by self cost
  /// --expect cheaper: the hot set must get cheaper per unit of work (the
  /// PGO/BOLT release check). Off by default: the deploy gate fails on
  /// regressions only, and not being cheaper is none.
  bool RequireCheaper = false;
  /// Drift allowances, in percent, for comparisons whose intervals cannot see
  /// the machine's run-to-run drift (fewer than kDriftProfiles profiles on a
  /// side, so no bootstrap over them): intervals are widened by the factor
  /// (1 + allowance) both ways. Relative costs (a function against the rest
  /// of its profile) move little when the machine slows down; cost per unit
  /// of work moves with it (docs/verify.md has the measurements).
  double DriftPct = 5;           ///< --drift: relative (within-profile) costs
  double WorkDriftPct = 25;      ///< --work-drift: cost per unit of work
  /// --ignore: functions (exact names, or glob patterns) left out of the hot
  /// set, the gate and the summary's lists, e.g. "[kernel]" when the machine's
  /// kernel time is not what the build changed. They are still measured and
  /// listed in the table.
  std::vector<std::string> Ignore;
  /// --gate-kernel: "[kernel]" takes part in the hot set and the gate. Off by
  /// default: on a loaded machine the kernel's share of one unchanged
  /// binary's samples moved by up to +154% between recordings (interrupts,
  /// page faults, scheduling), which is the machine's drift, not the build's.
  bool GateKernel = false;
  std::optional<double> WorkBefore, WorkAfter; ///< --work-before/--work-after
  /// --paired: before profile i and after profile i were recorded at the same
  /// time (side by side); the bootstrap resamples pairs (Statistics.h).
  bool Paired = false;
  unsigned BootstrapReplicates = 4000;
  uint64_t Seed = 20240601;
};

/// Profiles per side from which the bootstrap over profiles is trusted to
/// cover the machine's drift (fewer: the drift allowances apply).
constexpr size_t kDriftProfiles = 3;

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
  Interval CI;                          ///< the one decisions use (hull of both,
                                        ///< widened by a drift allowance)
  double AllowancePct = 0;              ///< the drift allowance applied to CI
  ChangeStatus Status = ChangeStatus::NotTested;
  double MoreSamplesFactor = 0; ///< Undecided: needed samples / present samples
  /// Undecided because the change per unit of work contradicts it (see
  /// FunctionResult).
  bool Unconfirmed = false;
  /// Undecided only because of the drift allowance: more profiles per side,
  /// not more samples, would decide it.
  bool WithinDrift = false;

  double pct() const { return (Ratio - 1) * 100; }
  double loPct() const { return (CI.Lo - 1) * 100; }
  double hiPct() const { return (CI.Hi - 1) * 100; }
};

/// Self and Incl are relative costs: the function's samples against those of
/// the drift reference, the functions that changed like the typical function
/// (the weighted median change; Compare.cpp), so that what scales the whole
/// profile (the machine's speed, the load) cancels and a function alone
/// getting 1.5x slower reads +50%. CostBefore/CostAfter are its shares in %.
/// With work counts, a relative growth (or fall) whose cost per unit of work
/// did not grow (fall) by the minimum effect is undecided and Unconfirmed.
/// SelfWork and InclWork are its costs per unit of work, when work counts are
/// given; with kDriftProfiles or more profiles per side (the bootstrap covers
/// drift) a real growth per unit of work counts for the gate too, so a build
/// that slows everything down alike is caught from a fleet's windows.
struct FunctionResult {
  std::string Name;
  Change Self, Incl;
  std::optional<Change> SelfWork, InclWork; ///< per unit of work (work counts given)
  int RankBeforeIncl = -1, RankBeforeSelf = -1, RankAfterSelf = -1; ///< 0-based, -1: none
  int RankAfterIncl = -1;
  /// Inlined (by samples, mostly) in one build and not in the other: judged
  /// with its caller, never as a new hot function, and listed under Caller.
  bool InlineChurn = false;
  std::string Caller;     ///< the frame above it most often ("" if none)
  std::string ChurnText;  ///< "inlined before, not after" or the reverse
  bool Decisive = false;  ///< named by a gate rule that failed or was undecided
  /// Why a regressed function grew: the callers (the frame above it on the
  /// stack) under which its self samples grew most, as % of each side's
  /// samples, largest growth first (at most 3). A frameless leaf such as
  /// libc's memcpy shows its caller's caller: the frame-pointer unwinder
  /// never sees the immediate caller.
  struct CallerShare {
    std::string Name;
    double BeforePct = 0, AfterPct = 0;
  };
  std::vector<CallerShare> GrewUnder;
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
  bool DriftCovered = false; ///< enough profiles per side for the bootstrap to see drift
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

/// Evaluates the gate rules into R.Rules, R.Result and R.Summary, and marks
/// the functions the rules name as Decisive (Gate.cpp).
void evaluateGate(VerifyResult &R);

/// Orders R.Functions for reading: the functions the gate named, then the
/// hot functions, then by the size of their change; inlining churn right
/// under its caller (Compare.cpp).
void orderForReading(VerifyResult &R);

/// A demangled name shortened for display as `perf report` and pprof do:
/// template arguments, parameters and the return type elided, anonymous
/// namespaces as `(anon)`: `void ns::vec<int>::push(int const&)` ->
/// `ns::vec::push`, `(anonymous namespace)::f(int)` -> `(anon)::f`;
/// operators keep their symbol (`operator()`, `operator<<`). At most MaxLen
/// characters (the start elided: the end names the function). DisplayName.cpp.
std::string briefName(llvm::StringRef Name, size_t MaxLen = 100);

/// Text as Markdown (GFM table cells included) shows it literally: HTML
/// specials and Markdown punctuation as numeric character references.
/// Report.cpp; the refresh change note uses it too.
std::string markdownLiteral(llvm::StringRef S);

} // namespace pgoctl::verify
