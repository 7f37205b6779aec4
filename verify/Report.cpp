// verify/Report.cpp: the three report forms (see Report.h). The table and
// Markdown list the same rows in the order orderForReading gave: the
// functions the gate named, the hot ones, then the largest changes, up to the
// row limit (inlining churn under its caller), and say how many regressed and
// improved functions that left out. Names are shortened for display
// (briefName); JSON and the Markdown's hover titles carry the full names.
#include "verify/Report.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace pgoctl::verify {

std::string formatPct(double V) {
  if (std::isinf(V))
    return V > 0 ? "+inf" : "-inf";
  char B[32];
  snprintf(B, sizeof(B), "%+.1f%%", V);
  return B;
}

std::string formatNum(double V) {
  char B[32];
  snprintf(B, sizeof(B), "%.4g", V);
  return B;
}

namespace {

std::string pct(double V) { return formatPct(V); }

std::string interval(const Change &C) {
  if (C.Status == ChangeStatus::NotTested)
    return "-";
  return "[" + pct(C.loPct()) + ", " + pct(C.hiPct()) + "]";
}

std::string cost(double V) { return V == 0 ? "0" : formatNum(V); }

/// "handle: 20.1% -> 42.3%": a caller under which a function grew.
std::string growthText(const FunctionResult::CallerShare &C, const std::string &Shown) {
  char B[64];
  snprintf(B, sizeof(B), ": %.1f%% -> %.1f%%", C.BeforePct, C.AfterPct);
  return Shown + B;
}

std::string statusText(const Change &C) {
  if (C.Unconfirmed)
    return "undecided (not confirmed per unit of work)";
  if (C.WithinDrift)
    return "undecided (within the drift allowance)";
  if (C.Status == ChangeStatus::Undecided && C.MoreSamplesFactor > 1) {
    char B[64];
    snprintf(B, sizeof(B), "undecided (~%.3gx samples)", C.MoreSamplesFactor);
    return B;
  }
  return statusName(C.Status);
}

/// The functions the table lists: the tested ones with the largest self-cost
/// change (Functions is sorted by it), at most Max (0: all).
struct RowSet {
  std::vector<const FunctionResult *> Listed;
  unsigned MoreRegressed = 0, MoreImproved = 0, MoreOther = 0; ///< not listed
};

RowSet rows(const VerifyResult &R, unsigned Max) {
  RowSet Out;
  for (const FunctionResult &F : R.Functions) {
    if (F.Self.Status == ChangeStatus::NotTested && !F.InlineChurn)
      continue;
    if (Max == 0 || Out.Listed.size() < Max)
      Out.Listed.push_back(&F);
    else if (F.Self.Status == ChangeStatus::Regressed)
      ++Out.MoreRegressed;
    else if (F.Self.Status == ChangeStatus::Improved)
      ++Out.MoreImproved;
    else
      ++Out.MoreOther;
  }
  return Out;
}

/// What a table cut at --rows left out ("N more tested functions not listed
/// (...)"), or "" when nothing was.
std::string moreNote(const RowSet &Rs) {
  if (Rs.MoreRegressed + Rs.MoreImproved + Rs.MoreOther == 0)
    return "";
  return llvm::formatv("{0} more tested functions not listed ({1} regressed, {2} improved, "
                       "{3} other): --rows 0 lists all, --json has every number",
                       Rs.MoreRegressed + Rs.MoreImproved + Rs.MoreOther, Rs.MoreRegressed,
                       Rs.MoreImproved, Rs.MoreOther)
      .str();
}

/// A function's table cell: its short name, the full name on hover.
std::string markdownName(const FunctionResult &F) {
  std::string Cell = F.InlineChurn && !F.Caller.empty() ? "&#8627; " : "";
  return Cell + "<code title=\"" + markdownLiteral(F.Name) + "\">" +
         markdownLiteral(briefName(F.Name, 90)) + "</code>";
}

std::string rowStatus(const FunctionResult &F) {
  if (F.InlineChurn)
    return "inlining churn: " + F.ChurnText +
           (F.Caller.empty() ? "" : " (judged with its caller)");
  return statusText(F.Self);
}

/// "a, b and 3 more", at most about Max characters.
std::string nameList(const std::vector<std::string> &Names, size_t Max) {
  std::string L;
  for (size_t I = 0; I < Names.size(); ++I) {
    std::string N = briefName(Names[I], 40);
    std::string More = llvm::formatv(" and {0} more", Names.size() - I).str();
    if (I && L.size() + 2 + N.size() + More.size() > Max)
      return L + More;
    L += (I ? ", " : "") + N;
  }
  return L;
}

std::string samplesNote(const VerifyResult &R) {
  const Change &H = R.HotSetCost;
  if (H.Status != ChangeStatus::Undecided || H.MoreSamplesFactor <= 1)
    return "";
  uint64_t Now = R.Before.Samples + R.After.Samples;
  return "too few samples to decide the hot set: about " + formatNum(H.MoreSamplesFactor) +
         "x the present samples (" +
         std::to_string(uint64_t(std::ceil(double(Now) * (H.MoreSamplesFactor - 1)))) +
         " more, both sides together) would tell a " + formatNum(R.Opts.MinEffectPct) +
         "% change";
}

} // namespace

std::string markdownLiteral(llvm::StringRef S) {
  std::string Out;
  for (char C : S) {
    if (llvm::StringRef("&<>\"'`*_[]|~\\#!{}").contains(C))
      Out += "&#" + std::to_string(unsigned(C)) + ";";
    else
      Out += C;
  }
  return Out;
}

std::string formatChange(const Change &C) { return pct(C.pct()) + " " + interval(C); }

void writeTable(const VerifyResult &R, const ReportOptions &O, llvm::raw_ostream &OS) {
  OS << "verdict: " << verdictName(R.Result) << "\n";
  OS << R.Summary << "\n\n";
  OS << llvm::formatv("before: {0} profile(s), {1} samples{2}\n", R.Before.Sources.size(),
                      R.Before.Samples,
                      R.Before.Work ? ", work " + formatNum(*R.Before.Work) : "");
  OS << llvm::formatv("after:  {0} profile(s), {1} samples{2}\n", R.After.Sources.size(),
                      R.After.Samples,
                      R.After.Work ? ", work " + formatNum(*R.After.Work) : "");
  OS << "cost: " << R.CostUnit << " (event " << R.Event << ")\n\n";
  OS << "gate:\n";
  for (const GateRule &G : R.Rules) {
    OS << llvm::formatv("  {0,-9} {1}: {2}", ruleStatusName(G.Status), G.Name, G.Text);
    if (!G.Detail.empty())
      OS << " -- " << G.Detail;
    for (size_t I = 0; I < G.Functions.size(); ++I)
      OS << (I ? ", " : ": ") << briefName(G.Functions[I], 60);
    OS << "\n";
  }
  for (const FunctionResult &F : R.Functions) {
    if (!F.Decisive || F.GrewUnder.empty())
      continue;
    OS << "why: " << briefName(F.Name, 60) << " grew under ";
    for (size_t I = 0; I < F.GrewUnder.size(); ++I)
      OS << (I ? "; " : "") << growthText(F.GrewUnder[I], briefName(F.GrewUnder[I].Name, 60));
    OS << " (its self samples by the caller the stacks show, % of all samples)\n";
  }
  const Change &H = R.HotSetCost;
  OS << llvm::formatv("\nhot set (top {0} before by inclusive cost): {1} -> {2}, {3} {4} {5}\n",
                      R.Opts.Top, cost(H.CostBefore), cost(H.CostAfter), pct(H.pct()),
                      interval(H), statusText(H));
  OS << "\n";
  OS << llvm::formatv("{0,-48} {1,9} {2,9} {3,9} {4,-20} {5,9} {6}\n", "function (self)",
                      "before %", "after %", "change", "interval", "incl", "status");
  RowSet Rs = rows(R, O.Rows);
  for (const FunctionResult *F : Rs.Listed) {
    std::string Incl = F->Incl.Status == ChangeStatus::NotTested && F->Incl.Before == 0 &&
                               F->Incl.After == 0
                           ? "-"
                           : pct(F->Incl.pct());
    std::string Name = (F->InlineChurn && !F->Caller.empty() ? "  > " : "") +
                       briefName(F->Name, F->InlineChurn ? 44 : 48);
    OS << llvm::formatv("{0,-48} {1,9} {2,9} {3,9} {4,-20} {5,9} {6}\n", Name,
                        cost(F->Self.CostBefore), cost(F->Self.CostAfter), pct(F->Self.pct()),
                        interval(F->Self), Incl, rowStatus(*F));
  }
  if (std::string M = moreNote(Rs); !M.empty())
    OS << "... " << M << "\n";
  OS << "\nmodel: " << R.Model << "\n";
  if (std::string N = samplesNote(R); !N.empty())
    OS << "note: " << N << "\n";
  for (const std::string &N : R.Notes)
    OS << "note: " << N << "\n";
}

void writeMarkdown(const VerifyResult &R, const ReportOptions &O, llvm::raw_ostream &OS) {
  const char *Icon = R.Result == Verdict::Pass   ? ":white_check_mark:"
                     : R.Result == Verdict::Fail ? ":x:"
                                                 : ":grey_question:";
  OS << "### pgoctl verify: " << Icon << " **" << verdictName(R.Result) << "**\n\n";
  OS << R.Summary << "\n\n";
  OS << "| gate rule | result | detail |\n|---|---|---|\n";
  for (const GateRule &G : R.Rules) {
    std::string D = G.Detail.size() > 60 ? G.Detail.substr(0, 57) + "..." : G.Detail;
    if (!G.Functions.empty())
      D += (D.empty() ? "" : ": ") + nameList(G.Functions, 95 - D.size());
    OS << "| " << markdownLiteral(G.Text) << " | " << ruleStatusName(G.Status) << " | "
       << markdownLiteral(D) << " |\n";
  }
  for (const FunctionResult &F : R.Functions) {
    if (!F.Decisive || F.GrewUnder.empty())
      continue;
    OS << "\nWhy " << markdownLiteral(briefName(F.Name, 60)) << " grew: under ";
    for (size_t I = 0; I < F.GrewUnder.size(); ++I)
      OS << (I ? "; " : "")
         << growthText(F.GrewUnder[I], markdownLiteral(briefName(F.GrewUnder[I].Name, 60)));
    OS << " (its self samples by the caller the stacks show, % of all samples)\n";
  }
  const Change &H = R.HotSetCost;
  OS << "\n**Hot set** (top " << R.Opts.Top << " before by inclusive cost, " << R.CostUnit
     << "): " << cost(H.CostBefore) << " → " << cost(H.CostAfter) << ", **" << pct(H.pct())
     << "** " << interval(H) << " (" << statusText(H) << ")\n\n";
  OS << "Changes are each function's samples against those of the functions that changed "
        "alike (the machine's speed cancels); shares in %. Full names on hover.\n\n";
  OS << "| function | share before | share after | self change | interval | inclusive "
        "change | status |\n|---|---:|---:|---:|---|---:|---|\n";
  RowSet Rs = rows(R, O.Rows);
  for (const FunctionResult *F : Rs.Listed) {
    OS << "| " << markdownName(*F) << " | " << cost(F->Self.CostBefore) << " | "
       << cost(F->Self.CostAfter) << " | " << pct(F->Self.pct()) << " | "
       << interval(F->Self) << " | "
       << (F->Incl.Before || F->Incl.After ? pct(F->Incl.pct()) : "-") << " | "
       << markdownLiteral(rowStatus(*F)) << " |\n";
  }
  if (std::string M = moreNote(Rs); !M.empty())
    OS << "\n" << M << "\n";
  OS << "\n<details><summary>How this was decided</summary>\n\n";
  OS << llvm::formatv("- before: {0} profile(s), {1} samples{2}\n", R.Before.Sources.size(),
                      R.Before.Samples,
                      R.Before.Work ? ", work " + formatNum(*R.Before.Work) : "");
  OS << llvm::formatv("- after: {0} profile(s), {1} samples{2}\n", R.After.Sources.size(),
                      R.After.Samples,
                      R.After.Work ? ", work " + formatNum(*R.After.Work) : "");
  OS << "- cost: " << R.CostUnit << ", event `" << R.Event << "`\n";
  OS << "- model: " << R.Model << "\n";
  if (std::string N = samplesNote(R); !N.empty())
    OS << "- " << N << "\n";
  for (const std::string &N : R.Notes)
    OS << "- " << N << "\n";
  // A pull-request comment holds 65,536 characters: the warnings are capped.
  for (size_t I = 0; I < R.Warnings.size() && I < 20; ++I)
    OS << "- warning: "
       << markdownLiteral(R.Warnings[I].size() > 300 ? R.Warnings[I].substr(0, 297) + "..."
                                                     : R.Warnings[I])
       << "\n";
  if (R.Warnings.size() > 20)
    OS << "- and " << R.Warnings.size() - 20 << " more warnings (--json has all)\n";
  OS << "\n</details>\n";
}

void writeJson(const VerifyResult &R, llvm::raw_ostream &OS) {
  using Json = nlohmann::ordered_json;
  auto Num = [](double V) -> Json {
    if (std::isinf(V) || std::isnan(V))
      return nullptr;
    return V;
  };
  auto ChangeJson = [&](const Change &C) {
    Json J;
    J["samples_before"] = C.Before;
    J["samples_after"] = C.After;
    J["cost_before"] = C.CostBefore;
    J["cost_after"] = C.CostAfter;
    J["ratio"] = Num(C.Ratio);
    J["change_pct"] = Num(C.pct());
    if (C.Status != ChangeStatus::NotTested) {
      J["ci_low_pct"] = Num(C.loPct());
      J["ci_high_pct"] = Num(C.hiPct());
      J["exact_ci_ratio"] = {Num(C.Exact.Lo), Num(C.Exact.Hi)};
      if (C.Bootstrap)
        J["bootstrap_ci_ratio"] = {Num(C.Bootstrap->Lo), Num(C.Bootstrap->Hi)};
      J["drift_allowance_pct"] = C.AllowancePct;
    }
    J["status"] = statusName(C.Status);
    if (C.Unconfirmed)
      J["unconfirmed_per_work"] = true;
    if (C.WithinDrift)
      J["within_drift_allowance"] = true;
    if (C.Status == ChangeStatus::Undecided)
      J["more_samples_factor"] = Num(C.MoreSamplesFactor);
    return J;
  };
  auto SideJson = [&](const SideSummary &S) {
    Json J;
    J["profiles"] = S.Sources;
    J["samples"] = S.Samples;
    J["work"] = S.Work ? Json(*S.Work) : Json(nullptr);
    J["work_from"] = S.WorkFrom;
    J["call_stacks"] = S.FromStacks;
    return J;
  };
  Json J;
  J["verdict"] = verdictName(R.Result);
  J["exit_code"] = exitCode(R.Result);
  J["summary"] = R.Summary;
  J["event"] = R.Event;
  J["normalized_by_work"] = R.ByWork;
  J["cost_unit"] = R.CostUnit;
  J["before"] = SideJson(R.Before);
  J["after"] = SideJson(R.After);
  Json S;
  S["model"] = R.Model;
  S["alpha"] = R.Opts.Alpha;
  S["tests"] = R.Tests;
  S["alpha_per_test"] = R.AlphaPerTest;
  S["min_effect_pct"] = R.Opts.MinEffectPct;
  S["min_samples"] = R.Opts.MinSamples;
  S["min_share_pct"] = R.Opts.MinSharePct;
  S["bootstrap"] = R.Bootstrapped;
  S["paired"] = R.Opts.Paired;
  S["drift_covered_by_bootstrap"] = R.DriftCovered;
  S["drift_allowance_pct"] = R.Opts.DriftPct;
  S["work_drift_allowance_pct"] = R.Opts.WorkDriftPct;
  S["expect_cheaper"] = R.Opts.RequireCheaper;
  S["top"] = R.Opts.Top;
  S["max_growth_pct"] = R.Opts.MaxGrowthPct;
  J["statistics"] = S;
  Json Gate = Json::array();
  for (const GateRule &G : R.Rules) {
    Json X;
    X["rule"] = G.Name;
    X["text"] = G.Text;
    X["status"] = ruleStatusName(G.Status);
    X["functions"] = G.Functions;
    X["detail"] = G.Detail;
    Gate.push_back(X);
  }
  J["gate"] = Gate;
  Json Hot;
  Hot["functions"] = R.HotSet;
  Hot["cost"] = ChangeJson(R.HotSetCost);
  J["hot_set"] = Hot;
  J["regressed"] = R.Regressed;
  J["improved"] = R.Improved;
  Json Fs = Json::array();
  for (const FunctionResult &F : R.Functions) {
    Json X;
    X["name"] = F.Name;
    X["display_name"] = briefName(F.Name);
    X["self"] = ChangeJson(F.Self);
    if (F.SelfWork)
      X["self_per_work"] = ChangeJson(*F.SelfWork);
    if (F.InclWork)
      X["inclusive_per_work"] = ChangeJson(*F.InclWork);
    X["inclusive"] = ChangeJson(F.Incl);
    X["rank_before_inclusive"] = F.RankBeforeIncl;
    X["rank_before_self"] = F.RankBeforeSelf;
    X["rank_after_self"] = F.RankAfterSelf;
    X["rank_after_inclusive"] = F.RankAfterIncl;
    X["decisive"] = F.Decisive;
    if (F.InlineChurn) {
      X["inline_churn"] = F.ChurnText;
      X["caller"] = F.Caller;
    }
    if (!F.GrewUnder.empty()) {
      Json G = Json::array();
      for (const FunctionResult::CallerShare &C : F.GrewUnder)
        G.push_back({{"caller", C.Name}, {"before_pct", C.BeforePct}, {"after_pct", C.AfterPct}});
      X["grew_under"] = G;
    }
    Fs.push_back(X);
  }
  J["functions"] = Fs;
  J["notes"] = R.Notes;
  J["warnings"] = R.Warnings;
  OS << J.dump(2) << "\n";
}

} // namespace pgoctl::verify
