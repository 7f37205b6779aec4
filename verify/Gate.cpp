// verify/Gate.cpp: the CI gate's rules and the verdict.
//
// Rules (each can be switched off by its option). Changes are relative to
// the rest of the profile (Verify.h), so the machine's drift does not move
// them; inlining churn is left to its caller's inclusive cost.
//   new-hot:         a function in the after top N by self cost that was not
//                    in the before top N fails, when its self cost grew for
//                    real (a rank swap within the noise does not count);
//   max-growth:      a hot function (before top N by self cost, or by
//                    inclusive cost) whose self (resp. inclusive) cost grew
//                    for real by more than --max-growth percent fails; an
//                    estimate above it that is not significant is no evidence
//                    (small functions have wide intervals) and is only named
//                    in the detail;
//   hot-set-cheaper: only with --expect cheaper (the PGO/BOLT release
//                    check): the hot set's cost (samples with any hot
//                    function on the stack) per unit of work must fall by at
//                    least the minimum effect. Confidently not (the interval
//                    excludes a fall of that size) fails; unknown is
//                    undecided. Without work counts absolute cost cannot be
//                    judged: undecided. Not cheaper is never a regression in
//                    the default mode.
// Verdict: FAIL if any rule fails, else INCONCLUSIVE if any is undecided,
// else PASS.
#include "verify/Verify.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace pgoctl::verify {


void evaluateGate(VerifyResult &R) {
  const VerifyOptions &O = R.Opts;
  GateRule NewHot, Growth, Cheaper;
  NewHot.Name = "new-hot";
  NewHot.Text = "no function enters the top " + std::to_string(O.Top) +
                " by self cost with a real growth";
  Growth.Name = "max-growth";
  Growth.Text = "no top-" + std::to_string(O.Top) + " function grows by more than " +
                formatNum(O.MaxGrowthPct) + "% (self or inclusive, significantly)";
  Cheaper.Name = "hot-set-cheaper";
  Cheaper.Text = "the top-" + std::to_string(O.Top) +
                 " functions' cost per unit of work falls by at least " +
                 formatNum(O.MinEffectPct) + "% (--expect cheaper)";
  NewHot.Status = O.FailOnNewHot ? RuleStatus::Pass : RuleStatus::Off;
  Growth.Status = RuleStatus::Pass;
  std::vector<std::string> Noisy; // estimate above the limit, not significant
  for (FunctionResult &F : R.Functions) {
    // Inlining churn moved cost between a function and its caller: it is
    // judged through its caller's inclusive cost, not on its own.
    if (F.InlineChurn)
      continue;
    if (O.FailOnNewHot && F.RankAfterSelf >= 0 && F.RankBeforeSelf < 0 &&
        F.Self.Status == ChangeStatus::Regressed) {
      NewHot.Status = RuleStatus::Fail;
      NewHot.Functions.push_back(F.Name);
      F.Decisive = true;
    }
    bool Grew = false, Above = false;
    auto Judge = [&](bool Hot, const Change &C) {
      if (Hot && C.pct() > O.MaxGrowthPct) {
        Grew |= C.Status == ChangeStatus::Regressed;
        Above |= C.Status != ChangeStatus::NotTested;
      }
    };
    Judge(F.RankBeforeSelf >= 0, F.Self);
    Judge(F.RankBeforeIncl >= 0, F.Incl);
    // Enough profiles per side for the bootstrap to cover drift: cost per
    // unit of work is evidence too (a build slower everywhere alike).
    if (R.DriftCovered && F.SelfWork && F.InclWork) {
      Judge(F.RankBeforeSelf >= 0, *F.SelfWork);
      Judge(F.RankBeforeIncl >= 0, *F.InclWork);
    }
    if (Grew) {
      Growth.Status = RuleStatus::Fail;
      Growth.Functions.push_back(F.Name);
      F.Decisive = true;
    } else if (Above) {
      Noisy.push_back(F.Name);
      F.Decisive = true;
    }
  }
  if (NewHot.Status == RuleStatus::Fail)
    NewHot.Detail = "entered the top " + std::to_string(O.Top) + " by self cost";
  if (Growth.Status == RuleStatus::Fail)
    Growth.Detail = "grew significantly by more than the limit";
  if (!Noisy.empty()) {
    std::string L;
    for (const std::string &N : Noisy)
      L += (L.empty() ? "" : ", ") + briefName(N);
    Growth.Detail += (Growth.Detail.empty() ? "" : "; ") +
                     ("estimate above the limit but not significant (no evidence): " + L);
  }

  const Change &H = R.HotSetCost;
  double Me = O.MinEffectPct / 100;
  if (!O.RequireCheaper) {
    Cheaper.Status = RuleStatus::Off;
  } else if (!R.ByWork) {
    Cheaper.Status = RuleStatus::Undecided;
    Cheaper.Detail = "no work counts: absolute cost cannot be judged from shares";
  } else if (H.Status == ChangeStatus::Improved) {
    Cheaper.Status = RuleStatus::Pass;
    Cheaper.Detail = "cost per unit of work " + formatChange(H);
  } else if (H.Status != ChangeStatus::NotTested && H.CI.Lo > 1 - Me) {
    Cheaper.Status = RuleStatus::Fail;
    Cheaper.Detail = "did not get cheaper: " + formatChange(H);
  } else {
    Cheaper.Status = RuleStatus::Undecided;
    Cheaper.Detail = "cannot tell: " + formatChange(H);
    if (H.WithinDrift)
      Cheaper.Detail += " (within the drift allowance of " + formatNum(H.AllowancePct) +
                        "% for fewer than " + std::to_string(kDriftProfiles) +
                        " profiles per side; several profiles per side decide it)";
    else if (H.MoreSamplesFactor > 1)
      Cheaper.Detail += " (about " + formatNum(H.MoreSamplesFactor) +
                        "x the samples would decide a " + formatNum(O.MinEffectPct) +
                        "% change)";
  }
  R.Rules = {NewHot, Growth, Cheaper};

  bool Fail = false, Undecided = false;
  for (const GateRule &G : R.Rules) {
    Fail |= G.Status == RuleStatus::Fail;
    Undecided |= G.Status == RuleStatus::Undecided;
  }
  R.Result = Fail ? Verdict::Fail : Undecided ? Verdict::Inconclusive : Verdict::Pass;

  std::string S = llvm::formatv("{0}: hot set ({1} functions) {2} {3}", verdictName(R.Result),
                                R.HotSet.size(), R.ByWork ? "cost per unit of work" : "share",
                                formatChange(H))
                      .str();
  auto List = [](const std::vector<std::string> &V) {
    std::string L;
    for (size_t I = 0; I < V.size() && I < 5; ++I)
      L += (I ? ", " : "") + briefName(V[I]);
    if (V.size() > 5)
      L += llvm::formatv(" and {0} more", V.size() - 5).str();
    return L;
  };
  S += "; regressed: " + (R.Regressed.empty() ? std::string("none") : List(R.Regressed));
  S += "; cheaper: " + (R.Improved.empty() ? std::string("none") : List(R.Improved));
  R.Summary = S;
}

} // namespace pgoctl::verify
