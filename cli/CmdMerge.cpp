// cli/CmdMerge.cpp: `pgoctl merge a.pgoprof b.pgoprof ... -o out.pgoprof`.
//
// Inputs come as plain positional files (weight 1), as llvm-profdata-style
// `--weight N,file` (repeatable; `-w` too), or as positional files with a
// `--weights N,N,...` list giving their weights in order. Each input is read
// and added to the merge one at a time (merge/Merge.h has the rules), and the
// result is written atomically. Errors name the file.
#include "cli/Command.h"
#include "core/ProfileFormat.h"
#include "merge/Merge.h"

#include "llvm/ADT/StringExtras.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace pgoctl::cli {
namespace {

struct MergeCommandOptions {
  std::vector<std::string> Inputs;         ///< positional
  std::vector<std::string> WeightedInputs; ///< "N,file"
  std::string Weights;                     ///< "N,N,..." for the positional inputs
  std::string Output;
  bool Saturate = false;
  std::string MixedSpaces = "convert";
};

struct InputSpec {
  std::string Path;
  uint64_t Weight = 1;
};

llvm::Expected<uint64_t> parseWeight(llvm::StringRef Text, llvm::StringRef What) {
  uint64_t W = 0;
  if (Text.trim().getAsInteger(10, W) || W == 0)
    return makeError("{0}: weight '{1}' is not an integer >= 1", What, Text);
  return W;
}

llvm::Expected<std::vector<InputSpec>> inputSpecs(const MergeCommandOptions &O) {
  std::vector<InputSpec> Specs;
  llvm::SmallVector<llvm::StringRef, 8> Ws;
  llvm::StringRef(O.Weights).split(Ws, ',', -1, /*KeepEmpty=*/false);
  if (!O.Weights.empty() && Ws.size() != O.Inputs.size())
    return makeError("--weights lists {0} weights for {1} positional inputs", Ws.size(),
                     O.Inputs.size());
  for (size_t I = 0; I < O.Inputs.size(); ++I) {
    uint64_t W = 1;
    if (!Ws.empty()) {
      auto WOr = parseWeight(Ws[I], O.Inputs[I]);
      if (!WOr)
        return WOr.takeError();
      W = *WOr;
    }
    Specs.push_back({O.Inputs[I], W});
  }
  for (llvm::StringRef Arg : O.WeightedInputs) {
    auto [WText, File] = Arg.split(',');
    if (File.empty())
      return makeError("--weight '{0}': expected N,file", Arg);
    auto W = parseWeight(WText, File);
    if (!W)
      return W.takeError();
    Specs.push_back({File.str(), *W});
  }
  if (Specs.empty())
    return makeError("no input profiles");
  return Specs;
}

class MergeCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("inputs", O.Inputs, ".pgoprof files to merge (weight 1 unless --weights)");
    App.add_option("-w,--weight", O.WeightedInputs,
                   "A weighted input, N,file (repeatable; llvm-profdata style)")
        ->allow_extra_args(false); // one N,file per --weight; later words are inputs
    App.add_option("--weights", O.Weights,
                   "Comma-separated weights of the positional inputs, in order");
    App.add_option("-o,--output", O.Output, "Merged .pgoprof to write")->required();
    App.add_flag("--saturate", O.Saturate,
                 "Saturate counts at 2^64-1 instead of failing on overflow");
    App.add_option("--mixed-address-spaces", O.MixedSpaces,
                   "A binary in ELF vaddrs in some inputs and file offsets in others: "
                   "convert the offsets via its segments, or error")
        ->check(CLI::IsMember({"convert", "error"}));
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    auto Specs = inputSpecs(O);
    if (!Specs)
      return Specs.takeError();
    MergeOptions MO;
    MO.Overflow = O.Saturate ? OverflowPolicy::Saturate : OverflowPolicy::Error;
    MO.MixedSpaces = O.MixedSpaces == "error" ? MixedSpacePolicy::Error
                                              : MixedSpacePolicy::Convert;
    Merger M(MO);
    {
      Stats::Pass P(Ctx.PassStats, "read and add inputs");
      for (const InputSpec &S : *Specs) {
        llvm::Expected<Profile> In = readProfileFile(S.Path);
        if (!In)
          return In.takeError();
        if (llvm::Error E = M.add({std::move(*In), S.Weight, S.Path}))
          return std::move(E);
      }
    }
    llvm::Expected<Profile> Out = M.finish();
    if (!Out)
      return Out.takeError();
    {
      Stats::Pass P(Ctx.PassStats, "write");
      if (llvm::Error E = writeProfileFile(*Out, O.Output))
        return std::move(E);
    }
    spdlog::info("merged {} profiles ({} binaries) into {}", Specs->size(),
                 Out->Binaries.size(), O.Output);
    return 0;
  }

private:
  MergeCommandOptions O;
};

} // namespace

std::unique_ptr<Command> makeMergeCommand() { return std::make_unique<MergeCommand>(); }
} // namespace pgoctl::cli
