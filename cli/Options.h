// cli/Options.h: option helpers that several commands share, so that one flag
// name means one thing everywhere and is checked one way:
//   inputs with weights  positional FILE..., -w/--weight N,FILE, --weights N,N,...
//   binaries             --binary PATH (repeatable), --ignore-build-id
//   labels               --label k=v (repeatable)
//   instrumented merge   --sparse, --on-mismatch warn|error, and the merge itself
// Usage errors are ErrorKind::Usage (exit 64); numbers are range-checked by
// CLI11 validators (finite, and positive where a count or a limit must be).
#pragma once

#include "cli/Command.h"
#include "core/Error.h"
#include "merge/InstrMerge.h"

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace pgoctl::cli {

template <typename... Ts> llvm::Error usageError(const char *Fmt, Ts &&...Vals) {
  return makeKindError(ErrorKind::Usage, Fmt, std::forward<Ts>(Vals)...);
}

struct WeightedInputArgs {
  std::vector<std::string> Inputs;   ///< positional, weight 1 unless --weights
  std::vector<std::string> Weighted; ///< -w/--weight N,FILE
  std::string Weights;               ///< --weights N,N,... for the positional inputs
};
void addWeightedInputOptions(CLI::App &App, WeightedInputArgs &A, const std::string &What);
/// Every input with its weight: positional ones first, in order, then --weight ones.
llvm::Expected<std::vector<WeightedPath>> weightedInputs(const WeightedInputArgs &A);

struct BinaryArgs {
  std::vector<std::string> Paths;
  bool IgnoreBuildId = false;
};
void addBinaryOptions(CLI::App &App, BinaryArgs &A, const std::string &Help);

/// --label k=v pairs; an empty key or value is a usage error.
llvm::Expected<std::map<std::string, std::string>>
parseLabels(const std::vector<std::string> &Args);

/// "512M", "4G", "1048576": a byte count with an optional K/M/G/T suffix
/// (powers of 1024); zero, garbage and overflow are usage errors.
llvm::Expected<uint64_t> parseByteSize(llvm::StringRef Text, llvm::StringRef Flag);

/// The warning handler commands pass to libraries: each warning is logged
/// as spdlog's warning on stderr (main's sink escapes it for the terminal).
WarningHandler logWarnings();

/// A CLI11 validator: a finite number (no nan, no inf) within [Min, Max].
CLI::Validator finiteRange(double Min, double Max);

struct InstrArgs {
  InstrMergeOptions Options;
  std::string OnMismatch = "warn";
};
void addInstrOptions(CLI::App &App, InstrArgs &A);
/// Merges instrumented profiles into Output and logs what was read.
llvm::Expected<int> runInstrMerge(CommandContext &Ctx, llvm::ArrayRef<WeightedPath> Inputs,
                                  InstrArgs &A, const std::string &Output);

} // namespace pgoctl::cli
