// cli/CmdMerge.cpp: `pgoctl merge a.pgoprof b.pgoprof ... -o out.pgoprof`, and
// `pgoctl merge --instr a.profraw b.profdata ... -o out.profdata`.
//
// Inputs come as plain positional files (weight 1), as llvm-profdata-style
// `--weight N,file` (repeatable; `-w` too), or as positional files with a
// `--weights N,N,...` list giving their weights in order (cli/Options.h).
// .pgoprof inputs are read and added to the merge one at a time
// (merge/Merge.h has the rules). Instrumented profiles (.profraw, indexed or
// text .profdata; told by their magic, or any input with --instr) are merged
// as `llvm-profdata merge` does (merge/InstrMerge.h). The result is written
// atomically. Errors name the file.
#include "cli/Command.h"
#include "cli/Options.h"
#include "core/ProfileFormat.h"
#include "merge/InstrMerge.h"
#include "merge/Merge.h"

#include "llvm/ADT/STLExtras.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace pgoctl::cli {
namespace {

class MergeCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    addWeightedInputOptions(App, In, ".pgoprof files (or instrumented profiles) to merge");
    App.add_option("-o,--output", Output, "Merged .pgoprof (or .profdata with --instr) to write")
        ->required();
    App.add_flag("--instr", Instr,
                 "Instrumented profiles (-fprofile-generate's .profraw, .profdata): merge as "
                 "llvm-profdata merge does; also inputs without a known magic (front-end "
                 "text profiles). Implied when an input has an instrumented-profile magic");
    addInstrOptions(App, InstrOpts);
    App.add_flag("--saturate", Saturate,
                 "Saturate counts at 2^64-1 instead of failing on overflow");
    App.add_option("--mixed-address-spaces", MixedSpaces,
                   "A binary in ELF vaddrs in some inputs and file offsets in others: "
                   "convert the offsets via its segments, or error")
        ->check(CLI::IsMember({"convert", "error"}));
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    auto Specs = weightedInputs(In);
    if (!Specs)
      return Specs.takeError();
    bool AnyInstr = llvm::any_of(*Specs, [](const WeightedPath &W) {
      return detectInstrProfile(W.Path) != InstrProfFormat::None;
    });
    if (Instr || AnyInstr) {
      InstrOpts.Options.AnyFormat = Instr;
      return runInstrMerge(Ctx, *Specs, InstrOpts, Output);
    }
    MergeOptions MO;
    MO.Overflow = Saturate ? OverflowPolicy::Saturate : OverflowPolicy::Error;
    MO.MixedSpaces = MixedSpaces == "error" ? MixedSpacePolicy::Error
                                            : MixedSpacePolicy::Convert;
    Merger M(MO);
    {
      Stats::Pass P(Ctx.PassStats, "read and add inputs");
      for (const WeightedPath &S : *Specs) {
        llvm::Expected<Profile> In = readProfileFile(S.Path, ProfileReadOptions{Ctx.MaxMemory});
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
      if (llvm::Error E = writeProfileFile(*Out, Output))
        return std::move(E);
    }
    spdlog::info("merged {} profiles ({} binaries) into {}", Specs->size(),
                 Out->Binaries.size(), Output);
    return 0;
  }

private:
  WeightedInputArgs In;
  std::string Output;
  bool Instr = false;
  InstrArgs InstrOpts;
  bool Saturate = false;
  std::string MixedSpaces = "convert";
};

} // namespace

std::unique_ptr<Command> makeMergeCommand() { return std::make_unique<MergeCommand>(); }
} // namespace pgoctl::cli
