// refresh/Gate.cpp: the quality gate's figures (see Gate.h).
#include "refresh/Gate.h"

#include "core/Error.h"
#include "refresh/Overlap.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MD5.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace pgoctl::refresh {

using llvm::sampleprof::SampleProfileMap;

namespace {

/// %g of a threshold as the user typed it (0.5, 10000, 4).
std::string fmtThreshold(double T) { return llvm::formatv("{0}", llvm::format("%g", T)).str(); }

/// V with 3 decimals, more when those would show V equal to the threshold T
/// it is compared with (0.4996 against 0.5 reads 0.4996, not 0.500).
std::string fmtNear(double V, double T) {
  for (int P = 3; P < 9; ++P) {
    std::string S = llvm::formatv("{0}", llvm::format("%.*f", P, V)).str();
    std::string TS = llvm::formatv("{0}", llvm::format("%.*f", P, T)).str();
    if (V == T || S != TS)
      return S;
  }
  return llvm::formatv("{0}", llvm::format("%.9g", V)).str();
}

/// The verdict word that starts every line.
const char *verdict(const GateFigure &F) {
  return F.Skipped ? "skipped" : !F.Pass ? "refused" : F.Warning ? "warning" : "ok";
}

GateFigure figure(llvm::StringRef Name, double Value, double Threshold) {
  GateFigure F;
  F.Name = Name.str();
  F.Value = Value;
  F.Threshold = Threshold;
  return F;
}

bool isDigits(llvm::StringRef S) {
  return !S.empty() && llvm::all_of(S, [](char C) { return llvm::isDigit(C); });
}

} // namespace

llvm::Error checkThresholds(const GateThresholds &T) {
  auto Share = [](double V) { return std::isfinite(V) && V >= 0 && V <= 1; };
  if (!Share(T.MinBinaryShare))
    return makeKindError(ErrorKind::Usage, "--min-binary-share {0}: a share in [0, 1]",
                         T.MinBinaryShare);
  if (!Share(T.MinHotCoverage))
    return makeKindError(ErrorKind::Usage, "--min-hot-coverage {0}: a share in [0, 1]",
                         T.MinHotCoverage);
  if (!Share(T.MinSimilarity))
    return makeKindError(ErrorKind::Usage, "--min-similarity {0}: a similarity in [0, 1]",
                         T.MinSimilarity);
  if (!std::isfinite(T.MaxSizeRatio) || T.MaxSizeRatio < 1)
    return makeKindError(ErrorKind::Usage, "--max-size-ratio {0}: a ratio of at least 1",
                         T.MaxSizeRatio);
  return llvm::Error::success();
}

llvm::StringRef stripBuildSuffixes(llvm::StringRef Name) {
  for (;;) {
    size_t Dot = Name.rfind('.');
    if (Dot == llvm::StringRef::npos || !isDigits(Name.drop_front(Dot + 1)))
      return Name;
    llvm::StringRef Head = Name.take_front(Dot);
    if (Head.consume_back(".llvm") || Head.consume_back(".__uniq")) {
      if (Head.empty())
        return Name;
      Name = Head;
      continue;
    }
    return Name;
  }
}

std::vector<HotFunction> hotFunctions(const SampleProfileMap &P, double Fraction) {
  std::vector<HotFunction> All;
  uint64_t Total = 0;
  for (const auto &F : P) {
    const llvm::sampleprof::FunctionId Id = F.second.getFunction();
    HotFunction H;
    if (Id.isStringRef())
      H.Name = Id.stringRef().str();
    H.NameHash = Id.getHashCode();
    H.Samples = F.second.getTotalSamples();
    Total += H.Samples;
    if (H.Samples)
      All.push_back(std::move(H));
  }
  std::sort(All.begin(), All.end(), [](const HotFunction &A, const HotFunction &B) {
    if (A.Samples != B.Samples)
      return A.Samples > B.Samples;
    if (A.Name != B.Name)
      return A.Name < B.Name;
    return A.NameHash < B.NameHash;
  });
  // The fewest functions whose samples reach Fraction of the total.
  uint64_t Sum = 0;
  size_t N = 0;
  while (N < All.size() && double(Sum) < Fraction * double(Total))
    Sum += All[N++].Samples;
  All.resize(N);
  return All;
}

GateResult evaluateGate(const GateInput &In, const GateThresholds &T) {
  GateResult R;
  auto Add = [&](GateFigure F) {
    F.Line = verdict(F) + (": " + F.Line);
    R.Passed &= F.Pass;
    R.Figures.push_back(std::move(F));
  };

  {
    GateFigure F = figure("samples", double(In.Samples), double(T.MinSamples));
    F.Pass = In.Samples >= T.MinSamples;
    F.Line = llvm::formatv("{0} samples, {1} --min-samples {2}", In.Samples,
                           F.Pass ? "at least" : "fewer than", T.MinSamples)
                 .str();
    Add(std::move(F));
  }

  {
    GateFigure F = figure("binary-share", 0, T.MinBinaryShare);
    F.Value = In.Samples ? double(std::min(In.SamplesInService, In.Samples)) / double(In.Samples)
                         : 0;
    F.Pass = F.Value >= T.MinBinaryShare;
    F.Line = llvm::formatv("{0} of the samples ({1} of {2}) in the service's binaries, {3} "
                           "--min-binary-share {4}",
                           fmtNear(F.Value, T.MinBinaryShare), In.SamplesInService, In.Samples,
                           F.Pass ? "at least" : "below", fmtThreshold(T.MinBinaryShare))
                 .str();
    Add(std::move(F));
  }

  {
    GateFigure F = figure("hot-coverage", 0, T.MinHotCoverage);
    std::vector<HotFunction> Hot;
    if (In.New)
      Hot = hotFunctions(*In.New, 0.9);
    if (Hot.empty()) {
      F.Skipped = true;
      F.Line = "no hot functions: the new profile has no samples";
    } else if (In.CurrentFunctions.empty()) {
      F.Skipped = true;
      F.Line = "the current binary's functions are unknown (no symbols; --current)";
    } else {
      llvm::StringSet<> Exact, Stripped;
      std::unordered_set<uint64_t> ExactHash, StrippedHash;
      for (const std::string &N : In.CurrentFunctions) {
        Exact.insert(N);
        Stripped.insert(stripBuildSuffixes(N));
        ExactHash.insert(llvm::MD5Hash(N));
        StrippedHash.insert(llvm::MD5Hash(stripBuildSuffixes(N)));
      }
      uint64_t HotSamples = 0, Found = 0;
      size_t FoundCount = 0;
      const HotFunction *Missing = nullptr;
      for (const HotFunction &H : Hot) {
        HotSamples += H.Samples;
        // A profile of MD5 names (extbinary --use-md5) is matched by hash.
        bool Have = H.Name.empty() ? ExactHash.count(H.NameHash) || StrippedHash.count(H.NameHash)
                                 : Exact.contains(H.Name) ||
                                       Stripped.contains(stripBuildSuffixes(H.Name));
        if (Have) {
          Found += H.Samples;
          ++FoundCount;
        } else if (!Missing) {
          Missing = &H;
        }
      }
      F.Value = HotSamples ? double(Found) / double(HotSamples) : 0;
      F.Pass = F.Value >= T.MinHotCoverage;
      std::string MissingText;
      if (Missing)
        MissingText =
            "; the hottest missing: " +
            (Missing->Name.empty() ? llvm::formatv("md5 {0:x16}", Missing->NameHash).str()
                                   : escapeForTerminal(Missing->Name, 80));
      F.Line = llvm::formatv("{0} of the hot functions' samples ({1} of {2} functions carrying "
                             "90% of the profile) found in the current binary, {3} "
                             "--min-hot-coverage {4}{5}",
                             fmtNear(F.Value, T.MinHotCoverage), FoundCount, Hot.size(),
                             F.Pass ? "at least" : "below", fmtThreshold(T.MinHotCoverage),
                             MissingText)
                   .str();
    }
    Add(std::move(F));
  }

  {
    GateFigure F = figure("similarity", 0, T.MinSimilarity);
    if (!In.Previous) {
      F.Skipped = true;
      F.Line = "no previous version to compare with (the first one)";
    } else if (!In.New) {
      F.Skipped = true;
      F.Line = "no new profile to compare";
    } else {
      OverlapFigures O = computeOverlap(*In.New, *In.Previous);
      if (!O.Defined) {
        F.Skipped = true;
        F.Line = O.SamplesB == 0 ? "the previous version has no samples"
                                 : "the new profile has no samples";
      } else {
        F.Value = O.Similarity;
        F.Pass = F.Value >= T.MinSimilarity;
        F.Line = llvm::formatv("similarity {0} with the previous version (llvm-profdata "
                               "overlap's), {1} --min-similarity {2}",
                               fmtNear(F.Value, T.MinSimilarity),
                               F.Pass ? "at least" : "below", fmtThreshold(T.MinSimilarity))
                     .str();
      }
    }
    Add(std::move(F));
  }

  {
    GateFigure F = figure("size-ratio", 0, T.MaxSizeRatio);
    if (!In.Previous || !In.NewBytes || !In.PreviousBytes) {
      F.Skipped = true;
      F.Line = !In.Previous ? "no previous version to compare sizes with"
                            : "a .profdata size is unknown";
    } else {
      F.Value = double(In.NewBytes) / double(In.PreviousBytes);
      F.Pass = F.Value <= T.MaxSizeRatio && F.Value * T.MaxSizeRatio >= 1;
      F.Line = llvm::formatv("the .profdata is {0}x the previous one's size ({1} vs {2} bytes), "
                             "{3} [1/{4}, {4}] of --max-size-ratio {4}",
                             fmtNear(F.Value, F.Value > 1 ? T.MaxSizeRatio : 1 / T.MaxSizeRatio),
                             In.NewBytes, In.PreviousBytes, F.Pass ? "within" : "outside",
                             fmtThreshold(T.MaxSizeRatio))
                   .str();
    }
    Add(std::move(F));
  }

  if (In.Quality) {
    // The error limit of the verdict --min-quality asks for (0: none asked).
    const convert::QualityOptions &QO = In.QualityOpts;
    double Limit = !T.MinQuality                                  ? 0
                   : *T.MinQuality == convert::QualityVerdict::Good ? QO.TargetError
                   : *T.MinQuality == convert::QualityVerdict::Thin ? QO.PoorError
                                                                    : 1;
    GateFigure F = figure("quality", 0, Limit);
    const convert::ProfileQuality &Q = *In.Quality;
    F.Value = Q.HotBlockError;
    F.Pass = !T.MinQuality || int(Q.Verdict) <= int(*T.MinQuality);
    F.Warning = Q.Verdict != convert::QualityVerdict::Good;
    F.Line = convert::formatQuality(Q, QO);
    if (T.MinQuality)
      F.Line += llvm::formatv(", {0} --min-quality {1}", F.Pass ? "meets" : "below",
                              convert::verdictName(*T.MinQuality))
                    .str();
    Add(std::move(F));
  }
  return R;
}

} // namespace pgoctl::refresh
