// cli/CmdSummary.cpp: `pgoctl summary <profile.profdata> [--cutoff P]...
// [--hot-count-at P] [--json]`.
//
// The count distribution of a sample .profdata as clang's profile summary
// sees it (convert/sample/ProfDataSummary.h), at LLVM's usual cutoffs (90, 95, 99,
// 99.9, 99.99%) or at the ones given. `--hot-count-at P` prints only the
// MinCount at P percent, for `-mllvm -profile-summary-hot-count=`: the CMake
// module calls it at configure time (PGO_SAMPLE_HOT_CUTOFF).
#include "cli/Command.h"
#include "convert/sample/ProfDataSummary.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <optional>

namespace pgoctl::cli {
namespace {

class SummaryCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("input", Input, "sample profile (.profdata, any LLVM sample format)")
        ->required();
    App.add_option("--cutoff", CutoffTexts,
                   "cumulative share of the total count in percent (repeatable; default "
                   "90 95 99 99.9 99.99)");
    App.add_option("--hot-count-at", HotAt,
                   "print only the minimum count at this cutoff (percent), e.g. 99.7");
    App.add_flag("--json", Json, "JSON output");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    std::vector<uint32_t> Cutoffs;
    std::optional<uint32_t> Hot;
    if (!HotAt.empty()) {
      if (!CutoffTexts.empty())
        return makeError("--hot-count-at and --cutoff exclude each other");
      llvm::Expected<uint32_t> C = convert::parseCutoffPercent(HotAt);
      if (!C)
        return addContext(C.takeError(), "--hot-count-at");
      Hot = *C;
      Cutoffs.push_back(*C);
    } else if (CutoffTexts.empty()) {
      Cutoffs = {900000, 950000, 990000, 999000, 999900};
    }
    for (const std::string &T : CutoffTexts) {
      llvm::Expected<uint32_t> C = convert::parseCutoffPercent(T);
      if (!C)
        return addContext(C.takeError(), "--cutoff");
      Cutoffs.push_back(*C);
    }

    llvm::Expected<convert::SampleSummary> S = [&] {
      Stats::Pass P(Ctx.PassStats, "read and summarize");
      return convert::sampleProfileSummary(Input, Cutoffs);
    }();
    if (!S)
      return S.takeError();
    if (S->Entries.empty() || S->TotalCount == 0)
      return makeError("{0}: the profile has no counts (no body samples in any function)", Input);

    llvm::raw_ostream &OS = llvm::outs();
    if (Hot) {
      OS << S->Entries.front().MinCount << "\n";
      return 0;
    }
    if (Json) {
      nlohmann::ordered_json J;
      J["file"] = Input;
      J["total_count"] = S->TotalCount;
      J["max_count"] = S->MaxCount;
      J["num_counts"] = S->NumCounts;
      J["num_functions"] = S->NumFunctions;
      J["cutoffs"] = nlohmann::ordered_json::array();
      for (const convert::SampleSummaryEntry &E : S->Entries)
        J["cutoffs"].push_back({{"percent", convert::formatCutoffPercent(E.Cutoff)},
                                {"min_count", E.MinCount},
                                {"num_counts", E.NumCounts}});
      OS << J.dump(2) << "\n";
      return 0;
    }
    OS << Input << ": " << S->NumFunctions << " functions, " << S->NumCounts
       << " counts, total " << S->TotalCount << ", max " << S->MaxCount << "\n";
    OS << llvm::format("%10s %16s %12s\n", "cutoff", "min count", "counts");
    for (const convert::SampleSummaryEntry &E : S->Entries)
      OS << llvm::format("%9s%% %16llu %12llu\n", convert::formatCutoffPercent(E.Cutoff).c_str(),
                         (unsigned long long)E.MinCount, (unsigned long long)E.NumCounts);
    OS << "clang's hot count is the min count at 99% (-mllvm -profile-summary-cutoff-hot); "
          "-mllvm -profile-summary-hot-count=N sets it directly\n";
    return 0;
  }

private:
  std::string Input;
  std::vector<std::string> CutoffTexts;
  std::string HotAt;
  bool Json = false;
};

} // namespace

std::unique_ptr<Command> makeSummaryCommand() { return std::make_unique<SummaryCommand>(); }

} // namespace pgoctl::cli
