// cli/CmdImport.cpp: `pgoctl import <perf.data|perf script text|pprof> -o out.pgoprof`.
#include "cli/Command.h"
#include "cli/Options.h"
#include "collect/Importer.h"
#include "core/ProfileFormat.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace pgoctl::cli {
namespace {
class ImportCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("input", Input, "perf.data (file or pipe mode; '-' for stdin), "
                                   "`perf script` text or pprof (profile.pb.gz)")
        ->required();
    App.add_option("-o,--output", Output, "Output .pgoprof")->required();
    addBinaryOptions(App, Bins,
                     "ELF file of a profiled binary (matched by build-id, else by name); "
                     "repeatable");
    App.add_option("--pid", Pid, "Only samples of this process")->check(CLI::Range(0, 1 << 30));
    App.add_option("--comm", Opts.Comm, "Only samples of processes with this command name");
    App.add_option("--event", Opts.Event, "Import this event (default: the first sampling event of the header, not perf's dummy)");
    App.add_option("--sample-type", Opts.SampleType,
                   "pprof: import the sample type of this name (default: samples/count, "
                   "else cpu/nanoseconds)");
    App.add_option("--label", LabelArgs, "key=value label (service, version, ...); repeatable");
    App.add_flag("--keep-going", Opts.KeepGoing,
                 "On damaged input keep what was read before the damage");
    App.add_flag("--two-pass", Opts.TwoPass,
                 "Read side-band records in a first pass even when the file's order "
                 "makes one pass enough (for checking)");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (Pid >= 0)
      Opts.Pid = uint32_t(Pid);
    auto Labels = parseLabels(LabelArgs);
    if (!Labels)
      return Labels.takeError();
    Opts.Labels = std::move(*Labels);
    Opts.Binaries = Bins.Paths;
    Opts.IgnoreBuildId = Bins.IgnoreBuildId;
    Opts.Progress = Ctx.progress();
    Opts.MaxMemory = Ctx.MaxMemory;
    ImportSummary Sum;
    llvm::Expected<Profile> P = importProfile(Input, Opts, Sum, Ctx.PassStats);
    if (!P)
      return P.takeError();
    {
      Stats::Pass W(Ctx.PassStats, "write profile");
      if (llvm::Error E = writeProfileFile(*P, Output))
        return std::move(E);
    }
    for (const std::string &W : Sum.Warnings)
      spdlog::warn("{}", W);
    for (const std::string &N : Sum.Notes)
      spdlog::debug("{}", N);
    if (!Sum.Damage.empty())
      spdlog::warn("{}: damaged input: {}; kept what came before, dropped {} bytes",
                   Input, Sum.Damage, Sum.DamagedBytes);
    spdlog::info("{}: {} ({} bytes): {} samples, {} imported ({} filtered, {} unmapped), "
                 "{} binaries, mode {}",
                 Input, Sum.Format, Sum.InputBytes, Sum.Samples, Sum.SamplesUsed,
                 Sum.SamplesFiltered, Sum.UnmappedIps, P->Binaries.size(),
                 modeName(P->Meta.Mode).str());
    if (P->Meta.Mode == ProfileMode::Lbr)
      spdlog::info("LBR: {} branch entries ({} empty slots, {} external on both ends), "
                   "{} ranges ({} invalid)",
                   Sum.BranchEntries, Sum.EmptyEntries, Sum.ExternalBranches, Sum.Ranges,
                   Sum.InvalidRanges);
    if (Sum.Lost)
      spdlog::warn("the recording lost {} events/samples", Sum.Lost);
    return 0;
  }

private:
  std::string Input, Output;
  int64_t Pid = -1;
  std::vector<std::string> LabelArgs;
  ImportOptions Opts;
  BinaryArgs Bins;
};
} // namespace

std::unique_ptr<Command> makeImportCommand() { return std::make_unique<ImportCommand>(); }
} // namespace pgoctl::cli
