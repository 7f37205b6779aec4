// convert/sample/Quality.cpp: see Quality.h.
#include "convert/sample/Quality.h"

#include "convert/sample/IpCfg.h"
#include "convert/sample/IpFlow.h"
#include "convert/sample/ProfDataSummary.h"
#include "convert/sample/SampleBuilder.h"
#include "core/Error.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace pgoctl::convert {

llvm::StringRef verdictName(QualityVerdict V) {
  switch (V) {
  case QualityVerdict::Good:
    return "good";
  case QualityVerdict::Thin:
    return "thin";
  case QualityVerdict::Poor:
    return "poor";
  }
  return "poor";
}

ProfileQuality assessQuality(const QualityInput &In, const QualityOptions &O) {
  ProfileQuality Q;
  Q.Lbr = In.Lbr;
  Q.Samples = In.Samples;
  Q.HotCount = In.HotCount;
  Q.Seconds = In.Seconds;
  Q.TargetError = O.TargetError;
  Q.TimeSamples = In.TimeSamples && !In.Lbr;
  Q.Event = In.Event;

  // Hot functions: the fewest, largest first, reaching HotFraction.
  std::vector<const QualityFunction *> Fs;
  for (const QualityFunction &F : In.Functions)
    if (F.Samples) {
      Fs.push_back(&F);
      Q.SamplesAttributed = llvm::SaturatingAdd(Q.SamplesAttributed, F.Samples);
    }
  std::sort(Fs.begin(), Fs.end(), [](const QualityFunction *A, const QualityFunction *B) {
    return A->Samples != B->Samples ? A->Samples > B->Samples : A->Name < B->Name;
  });
  Q.Functions = Fs.size();
  while (Q.HotFunctions < Fs.size() &&
         double(Q.HotSamples) < O.HotFraction * double(Q.SamplesAttributed))
    Q.HotSamples += Fs[Q.HotFunctions++]->Samples;

  // Hot blocks: the sample-weighted median of 1/sqrt(n).
  std::vector<uint64_t> Ns;
  for (size_t I = 0; I < Q.HotFunctions; ++I)
    for (const QualityItem &It : Fs[I]->Items)
      if (It.Samples) {
        Ns.push_back(It.Samples);
        Q.ThinHotBlocks += It.Samples < O.ThinSamples;
      }
  Q.HotBlocks = Ns.size();
  if (!Ns.empty()) {
    std::sort(Ns.begin(), Ns.end(), std::greater<>()); // smallest error first
    long double Total = 0, Cum = 0;
    for (uint64_t N : Ns)
      Total += N;
    for (uint64_t N : Ns) {
      Cum += N;
      if (2 * Cum >= Total) {
        Q.HotBlockError = 1 / std::sqrt(double(N));
        break;
      }
    }
    Q.ThinShare = double(Q.ThinHotBlocks) / double(Q.HotBlocks);
  }

  // Functions whose hottest item lies within one standard error of the hot
  // count.
  if (In.HotCount) {
    std::vector<std::pair<double, FlipCandidate>> Flips;
    for (const QualityFunction *F : Fs) {
      const QualityItem *Top = nullptr;
      for (const QualityItem &It : F->Items)
        if (It.Samples && (!Top || It.Count > Top->Count ||
                           (It.Count == Top->Count && It.Samples > Top->Samples)))
          Top = &It;
      if (!Top || !Top->Count)
        continue;
      double C = double(Top->Count), T = double(In.HotCount);
      double Err = C / std::sqrt(double(Top->Samples));
      double Dist = std::fabs(C - T);
      if (Dist <= Err)
        Flips.push_back({Dist / Err, {F->Name, F->Shown, Top->Count, Top->Samples}});
    }
    std::sort(Flips.begin(), Flips.end(), [](const auto &A, const auto &B) {
      return A.first != B.first ? A.first < B.first : A.second.Name < B.second.Name;
    });
    Q.FlipCount = Flips.size();
    for (size_t I = 0; I < Flips.size() && I < O.MaxFlipNames; ++I)
      Q.Flips.push_back(std::move(Flips[I].second));
  }

  // Hot functions whose entry count rests on no sample, in Fs' order.
  for (size_t I = 0; I < Q.HotFunctions; ++I)
    if (!Fs[I]->EntrySampled) {
      if (Q.UnsampledEntryCount++ < O.MaxFlipNames)
        Q.UnsampledEntries.push_back({Fs[I]->Name, Fs[I]->Shown, Fs[I]->Samples});
    }

  if (Q.HotBlocks) {
    double Ratio = Q.HotBlockError / O.TargetError;
    Q.RecordFactor = std::max(1.0, Ratio * Ratio);
  } else {
    Q.RecordFactor = 0; // no hot block: no law to extrapolate from
  }
  Q.Verdict = !Q.HotBlocks || Q.HotBlockError > O.PoorError ? QualityVerdict::Poor
              : Q.HotBlockError <= O.TargetError            ? QualityVerdict::Good
                                                            : QualityVerdict::Thin;
  return Q;
}

namespace {

uint64_t rawSamples(uint64_t Count, double SamplesPerCount) {
  return uint64_t(std::llround(double(Count) * SamplesPerCount));
}

/// IP: each sampled function's basic blocks with their samples and raw
/// estimates (IpCfg and IpFlow, as the estimator's step 1 and 2 see them).
void ipFunctions(const Profile &P, const BinaryProfile &B, const Symbolizer &S,
                 const QualityOptions &O, QualityInput &In) {
  llvm::DenseMap<uint32_t, uint64_t> InstSamples;
  std::map<uint32_t, uint64_t> FuncSamples; // sorted: the output's order is fixed
  uint64_t Total = 0;
  for (const AddrCount &A : B.Samples) {
    Total = llvm::SaturatingAdd(Total, A.Count);
    std::optional<uint32_t> I = S.instContaining(A.Addr);
    const FuncRange *R = S.funcRangeAt(A.Addr);
    if (!I || !R)
      continue;
    InstSamples[*I] += A.Count;
    FuncSamples[R->Func] += A.Count;
  }
  In.Samples = llvm::SaturatingAdd(In.Samples, rawSamples(Total, O.SamplesPerCount));
  NoReturn NR(S);
  double Scale = countScale(P.Meta);
  // A function's entry is seen by a sample on it or on a block calling it
  // (the estimator's step 2a).
  std::set<uint32_t> EntrySeen;
  size_t First = In.Functions.size();
  for (const auto &[F, N] : FuncSamples) {
    Cfg G = buildCfg(functionCode(S, F, NR));
    setRawWeights(G, InstSamples, Scale);
    QualityFunction QF;
    QF.Name = S.name(S.functions()[F].Name).str();
    QF.Shown = S.displayName(QF.Name);
    QF.Samples = rawSamples(N, O.SamplesPerCount);
    for (const Cfg::Block &Bl : G.Blocks) {
      uint64_t BN = 0;
      for (uint32_t I = Bl.Begin; I < Bl.End; ++I)
        if (auto It = InstSamples.find(I); It != InstSamples.end())
          BN += It->second;
      QF.Items.push_back({rawSamples(BN, O.SamplesPerCount), Bl.Weight});
    }
    if (!G.Blocks.empty() && QF.Items[G.Entry].Samples)
      EntrySeen.insert(F);
    for (const auto &[K, Callee] : entryCallsOf(S, F, G))
      if (QF.Items[K].Samples)
        EntrySeen.insert(Callee);
    In.Functions.push_back(std::move(QF));
  }
  for (const auto &[F, N] : FuncSamples)
    In.Functions[First++].EntrySampled = EntrySeen.count(F) != 0;
}

/// LBR: each function's ranges and taken branches starting in it; a
/// function's samples are its taken-branch records.
void lbrFunctions(const BinaryProfile &B, const Symbolizer &S, const QualityOptions &O,
                  QualityInput &In) {
  std::map<uint32_t, QualityFunction> Fns;
  auto Of = [&](uint64_t Addr) -> QualityFunction * {
    const FuncRange *R = S.funcRangeAt(Addr);
    if (!R)
      return nullptr;
    QualityFunction &F = Fns[R->Func];
    if (F.Name.empty()) {
      F.Name = S.name(S.functions()[R->Func].Name).str();
      F.Shown = S.displayName(F.Name);
    }
    return &F;
  };
  uint64_t Records = 0;
  for (const BranchCount &Br : B.Branches) {
    Records = llvm::SaturatingAdd(Records, Br.Count);
    if (QualityFunction *F = Of(Br.From)) {
      uint64_t N = rawSamples(Br.Count, O.SamplesPerCount);
      F->Samples += N;
      F->Items.push_back({N, Br.Count});
    }
  }
  for (const RangeCount &R : B.Ranges)
    if (QualityFunction *F = Of(R.Begin))
      F->Items.push_back({rawSamples(R.Count, O.SamplesPerCount), R.Count});
  In.Samples = llvm::SaturatingAdd(In.Samples, rawSamples(Records, O.SamplesPerCount));
  for (auto &[Idx, F] : Fns)
    In.Functions.push_back(std::move(F));
}

/// "0.04 s", "1.8 s", "45 s", "12 min", "3.5 h", "2.1 days".
std::string duration(double Seconds) {
  if (Seconds < 1)
    return llvm::formatv("{0:f2} s", Seconds).str();
  if (Seconds < 10)
    return llvm::formatv("{0:f1} s", Seconds).str();
  if (Seconds < 120)
    return llvm::formatv("{0} s", uint64_t(std::llround(Seconds))).str();
  if (Seconds < 7200)
    return llvm::formatv("{0} min", uint64_t(std::llround(Seconds / 60))).str();
  if (Seconds < 172800)
    return llvm::formatv("{0:f1} h", Seconds / 3600).str();
  return llvm::formatv("{0:f1} days", Seconds / 86400).str();
}

/// Rounded up, so that recording that much longer is enough (a hair of
/// floating-point noise is not a step): 6.25 -> "6.3", 4 -> "4.0", 42.4 -> "43".
std::string factor(double F) {
  if (F < 10)
    return llvm::formatv("{0:f1}", std::ceil(F * 10 - 1e-6) / 10).str();
  return llvm::formatv("{0}", uint64_t(std::ceil(F - 1e-6))).str();
}

std::string percent(double Share) {
  double P = 100 * Share;
  return P < 10 ? llvm::formatv("{0:f1}%", P).str()
                : llvm::formatv("{0}%", uint64_t(std::llround(P))).str();
}

} // namespace

QualityInput qualityInput(const Profile &P0, llvm::ArrayRef<BinaryMatch> Ms, const SampleMap &M,
                          const QualityOptions &O) {
  QualityInput In;
  Profile P = withVaddrs(P0, Ms);
  SampleSummary Sum = summarizeSampleProfiles(M.Map, {O.HotCutoff});
  if (!Sum.Entries.empty())
    In.HotCount = Sum.Entries.front().MinCount;
  if (P0.Meta.TimeStartNs && P0.Meta.TimeEndNs > P0.Meta.TimeStartNs)
    In.Seconds = double(P0.Meta.TimeEndNs - P0.Meta.TimeStartNs) / 1e9;
  In.Event = P0.Meta.Event;
  for (size_t I = 0; I < Ms.size() && I < M.Syms.size(); ++I) {
    const BinaryProfile &B = P.Binaries[size_t(Ms[I].Profile - P0.Binaries.data())];
    if (hasLbr(P, B)) {
      In.Lbr = true;
      lbrFunctions(B, *M.Syms[I], O, In);
    } else {
      ipFunctions(P, B, *M.Syms[I], O, In);
    }
  }
  In.TimeSamples = !In.Lbr && sampleBasis(P0.Meta) == SampleBasis::Time;
  return In;
}

namespace {
/// "a, b(int), ..." for a terminal: the names shown, escaped, and "..." when
/// Total is more than the list holds.
template <typename T> std::string nameList(const std::vector<T> &Fs, size_t Total) {
  std::string Names;
  for (const T &F : Fs)
    Names += (Names.empty() ? "" : ", ") +
             escapeForTerminal(F.Shown.empty() ? F.Name : F.Shown, 80);
  if (Total > Fs.size())
    Names += ", ...";
  return Names;
}

std::string formatFigures(const ProfileQuality &Q, const QualityOptions &O) {
  const char *Unit = Q.Lbr ? "branch records" : "samples";
  std::string S = llvm::formatv("quality {0}: {1} {2}, {3} on {4} hot function{5}",
                                verdictName(Q.Verdict), Q.Samples, Unit, Q.HotSamples,
                                Q.HotFunctions, Q.HotFunctions == 1 ? "" : "s")
                      .str();
  if (!Q.HotBlocks)
    return S + "; no sampled block in a function: record longer";
  S += llvm::formatv("; hot-block error {0} (median), {1} of {2} hot blocks under {3} {4}",
                     percent(Q.HotBlockError), Q.ThinHotBlocks, Q.HotBlocks, O.ThinSamples,
                     Unit)
           .str();
  if (Q.FlipCount)
    S += llvm::formatv("; {0} function{1} could flip hot/cold ({2})", Q.FlipCount,
                       Q.FlipCount == 1 ? "" : "s", nameList(Q.Flips, Q.FlipCount))
             .str();
  if (Q.UnsampledEntryCount) {
    std::string Names = nameList(Q.UnsampledEntries, Q.UnsampledEntryCount);
    bool One = Q.UnsampledEntryCount == 1;
    S += llvm::formatv(One ? "; 1 hot function has no sample on its entry or a call to it ({1}): "
                             "its entry count is a guess, and the compiler may take its loops "
                             "for cold"
                           : "; {0} hot functions have no sample on their entries or calls to "
                             "them ({1}): their entry counts are guesses, and the compiler may "
                             "take their loops for cold",
                       Q.UnsampledEntryCount, Names)
             .str();
  }
  std::string Target = percent(Q.TargetError);
  if (Q.Verdict == QualityVerdict::Good)
    return S + "; enough for " + Target;
  S += "; record ~" + factor(Q.RecordFactor) + "x longer (";
  if (Q.Seconds > 0)
    S += duration(Q.Seconds * Q.RecordFactor) + " instead of " + duration(Q.Seconds);
  else
    S += llvm::formatv("about {0} {1}",
                       uint64_t(std::llround(double(Q.Samples) * Q.RecordFactor)), Unit)
             .str();
  return S + ") for " + Target + " hot-block error";
}
} // namespace

std::string formatQuality(const ProfileQuality &Q, const QualityOptions &O) {
  std::string S = formatFigures(Q, O);
  if (Q.TimeSamples)
    S += "; time samples" +
         (Q.Event.empty() ? std::string() : " (" + escapeForTerminal(Q.Event, 60) + ")") +
         " lean toward slow instructions, which recording longer does not fix: record LBR or "
         "instructions:pp where the PMU has them (pgoctl doctor)";
  return S;
}

QualityBasis qualityBasis(const ProfileQuality &Q) {
  return Q.Lbr ? QualityBasis::Branches
               : Q.TimeSamples ? QualityBasis::Time : QualityBasis::Instructions;
}

llvm::StringRef basisName(QualityBasis B) {
  switch (B) {
  case QualityBasis::Branches:
    return "branches";
  case QualityBasis::Instructions:
    return "instructions";
  case QualityBasis::Time:
    return "time";
  }
  return "time";
}

std::vector<std::pair<std::string, double>> qualityFigures(const ProfileQuality &Q) {
  return {{"samples", double(Q.Samples)},
          {"hot-samples", double(Q.HotSamples)},
          {"hot-functions", double(Q.HotFunctions)},
          {"hot-blocks", double(Q.HotBlocks)},
          {"thin-hot-blocks", double(Q.ThinHotBlocks)},
          {"hot-block-error", Q.HotBlockError},
          {"thin-share", Q.ThinShare},
          {"hot-count", double(Q.HotCount)},
          {"flips", double(Q.FlipCount)},
          {"unsampled-entries", double(Q.UnsampledEntryCount)},
          {"record-factor", Q.RecordFactor},
          {"seconds", Q.Seconds},
          {"verdict", double(int(Q.Verdict))},
          {"basis", double(int(qualityBasis(Q)))}};
}

std::string qualityJson(const ProfileQuality &Q, const QualityOptions &O) {
  nlohmann::ordered_json J;
  J["verdict"] = verdictName(Q.Verdict).str();
  J["mode"] = Q.Lbr ? "lbr" : "ip";
  J["basis"] = basisName(qualityBasis(Q)).str();
  J["event"] = Q.Event;
  for (const auto &[Name, Value] : qualityFigures(Q)) {
    if (Name == "verdict" || Name == "basis")
      continue;
    if (Value == std::floor(Value) && std::fabs(Value) < 9e15) // counts as integers
      J[Name] = int64_t(Value);
    else
      J[Name] = Value;
  }
  J["target-error"] = Q.TargetError;
  J["flip-functions"] = nlohmann::ordered_json::array();
  for (const FlipCandidate &F : Q.Flips)
    J["flip-functions"].push_back(
        {{"name", F.Name}, {"count", F.Count}, {"samples", F.Samples}});
  J["unsampled-entry-functions"] = nlohmann::ordered_json::array();
  for (const UnsampledEntry &F : Q.UnsampledEntries)
    J["unsampled-entry-functions"].push_back({{"name", F.Name}, {"samples", F.Samples}});
  J["advice"] = formatQuality(Q, O);
  return J.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace pgoctl::convert
