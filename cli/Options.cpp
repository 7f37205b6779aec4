// cli/Options.cpp: the shared option helpers (see Options.h).
#include "cli/Options.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <spdlog/spdlog.h>

namespace pgoctl::cli {

void addWeightedInputOptions(CLI::App &App, WeightedInputArgs &A, const std::string &What) {
  App.add_option("inputs", A.Inputs, What + " (weight 1 unless --weights)");
  App.add_option("-w,--weight", A.Weighted,
                 "A weighted input, N,file (repeatable; as llvm-profdata merge "
                 "--weighted-input)")
      ->allow_extra_args(false); // one N,file per --weight; later words are inputs
  App.add_option("--weights", A.Weights,
                 "Comma-separated weights of the positional inputs, in order");
}

static llvm::Expected<uint64_t> parseWeight(llvm::StringRef Text, llvm::StringRef What) {
  uint64_t W = 0;
  if (Text.trim().getAsInteger(10, W) || W == 0)
    return usageError("{0}: weight '{1}' is not an integer >= 1", What, Text);
  return W;
}

llvm::Expected<std::vector<WeightedPath>> weightedInputs(const WeightedInputArgs &A) {
  std::vector<WeightedPath> Out;
  llvm::SmallVector<llvm::StringRef, 8> Ws;
  llvm::StringRef(A.Weights).split(Ws, ',', -1, /*KeepEmpty=*/false);
  if (!A.Weights.empty() && Ws.size() != A.Inputs.size())
    return usageError("--weights lists {0} weights for {1} positional inputs", Ws.size(),
                      A.Inputs.size());
  for (size_t I = 0; I < A.Inputs.size(); ++I) {
    uint64_t W = 1;
    if (!Ws.empty()) {
      auto WOr = parseWeight(Ws[I], A.Inputs[I]);
      if (!WOr)
        return WOr.takeError();
      W = *WOr;
    }
    Out.push_back({A.Inputs[I], W});
  }
  for (llvm::StringRef Arg : A.Weighted) {
    auto [WText, File] = Arg.split(',');
    if (File.empty())
      return usageError("--weight '{0}': expected N,file", Arg);
    auto W = parseWeight(WText, File);
    if (!W)
      return W.takeError();
    Out.push_back({File.str(), *W});
  }
  if (Out.empty())
    return usageError("no input");
  return Out;
}

void addBinaryOptions(CLI::App &App, BinaryArgs &A, const std::string &Help) {
  App.add_option("--binary", A.Paths, Help)->allow_extra_args(false);
  App.add_flag("--ignore-build-id", A.IgnoreBuildId,
               "Use a --binary whose build-id differs from the profile's (same file name)");
}

llvm::Expected<std::map<std::string, std::string>>
parseLabels(const std::vector<std::string> &Args) {
  std::map<std::string, std::string> Out;
  for (const std::string &L : Args) {
    auto [K, V] = llvm::StringRef(L).split('=');
    if (K.empty() || V.empty())
      return usageError("--label '{0}': expected key=value", L);
    Out[K.str()] = V.str();
  }
  return Out;
}

llvm::Expected<uint64_t> parseByteSize(llvm::StringRef Text, llvm::StringRef Flag) {
  llvm::StringRef T = Text.trim();
  unsigned Shift = 0;
  if (!T.empty()) {
    switch (llvm::toUpper(T.back())) {
    case 'K': Shift = 10; break;
    case 'M': Shift = 20; break;
    case 'G': Shift = 30; break;
    case 'T': Shift = 40; break;
    default: break;
    }
    if (Shift)
      T = T.drop_back();
  }
  uint64_t V = 0;
  if (T.getAsInteger(10, V) || V == 0 || (Shift && V > (~uint64_t(0) >> Shift)))
    return usageError("{0} '{1}': expected a size such as 512M or 4G", Flag, Text);
  return V << Shift;
}

WarningHandler logWarnings() {
  return [](llvm::StringRef W) { spdlog::warn("{}", W.str()); };
}

CLI::Validator finiteRange(double Min, double Max) {
  return CLI::Validator(
      [Min, Max](std::string &S) -> std::string {
        char *End = nullptr;
        errno = 0;
        double V = std::strtod(S.c_str(), &End);
        if (S.empty() || End != S.c_str() + S.size())
          return "not a number: " + S;
        if (!std::isfinite(V) || errno == ERANGE)
          return "not a finite number: " + S;
        if (V < Min || V > Max)
          return llvm::formatv("{0} is outside [{1}, {2}]", S, Min, Max).str();
        return "";
      },
      llvm::formatv("FINITE in [{0}, {1}]", Min, Max).str());
}

void addInstrOptions(CLI::App &App, InstrArgs &A) {
  App.add_flag("--sparse", A.Options.Sparse,
               "Instrumented: leave out functions with all-zero counts");
  App.add_option("--on-mismatch", A.OnMismatch,
                 "Instrumented: a counter mismatch between inputs of different builds: warn "
                 "and skip its record (default, as llvm-profdata) | error")
      ->check(CLI::IsMember({"warn", "error"}));
}

llvm::Expected<int> runInstrMerge(CommandContext &Ctx, llvm::ArrayRef<WeightedPath> Inputs,
                                  InstrArgs &A, const std::string &Output) {
  A.Options.OnMismatch = A.OnMismatch == "error" ? InstrMergeOptions::MismatchPolicy::Error
                                                 : InstrMergeOptions::MismatchPolicy::Warn;
  A.Options.Warn = logWarnings();
  InstrMergeSummary Sum;
  {
    Stats::Pass S(Ctx.PassStats, "merge instrumented profiles");
    if (llvm::Error E = mergeInstrProfiles(Inputs, A.Options, Output, Sum))
      return std::move(E);
  }
  for (const InstrMergeSummary::Input &In : Sum.Inputs)
    if (In.Skipped)
      spdlog::info("input {} (weight {}): empty, skipped", In.Path, In.Weight);
    else
      spdlog::info("input {} ({}, weight {}): {} function records", In.Path,
                   formatName(In.Format).str(), In.Weight, In.Records);
  spdlog::info("wrote {}: {} functions from {} inputs, {} instrumentation{}", Output,
               Sum.Functions, Sum.Inputs.size(), Sum.Kind,
               Sum.MismatchedRecords
                   ? llvm::formatv(", {0} records skipped for counter mismatch",
                                   Sum.MismatchedRecords)
                         .str()
                   : std::string());
  Ctx.PassStats.count("instrumented inputs", Sum.Inputs.size());
  Ctx.PassStats.count("functions", Sum.Functions);
  return 0;
}

} // namespace pgoctl::cli
