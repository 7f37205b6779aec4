// cli/CmdDoctor.cpp: `pgoctl doctor [--binary PATH] [--json] [--need full|collect]`:
// what this host and a binary can do for profile-guided builds, each problem
// with the lines that fix it (collect/Doctor.h). Exit 0 when the pipeline
// asked for can run, 1 when a check failed.
#include "cli/Command.h"
#include "cli/Options.h"
#include "collect/Doctor.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace pgoctl::cli {
namespace {

using collect::CheckStatus;

nlohmann::json toJson(const collect::DoctorReport &R) {
  using nlohmann::json;
  const collect::HostFacts &H = R.Host;
  auto Opt = [](const std::optional<int> &V) { return V ? json(*V) : json(nullptr); };
  json J;
  J["ok"] = R.ok();
  J["need"] = R.Need == collect::DoctorNeed::Full ? "full" : "collect";
  J["host"] = {{"sysfs_core_pmu", H.SysfsCorePmu},
               {"libpfm4_pmu", H.PfmPmu},
               {"libpfm4_forced", H.PfmForced},
               {"branch_depth", H.BranchDepth},
               {"branch_kind", R.BranchKind},
               {"branch_event", R.BranchEvent},
               {"branch_probe_ok", H.BranchProbeOk},
               {"max_precise", H.MaxPrecise},
               {"precise_instructions_probe_ok", H.PreciseInstructionsProbeOk},
               {"cycles_probe_ok", H.CyclesProbeOk},
               {"perf_event_paranoid", Opt(H.PerfEventParanoid)},
               {"kptr_restrict", Opt(H.KptrRestrict)},
               {"cap_perfmon", H.CapPerfmon},
               {"cap_sys_admin", H.CapSysAdmin},
               {"cap_syslog", H.CapSyslog},
               {"perf", R.PerfPath},
               {"perf_version", R.PerfVersion}};
  if (R.AutoEvent)
    J["event"] = {{"name", R.AutoEvent->Name},
                  {"why", R.AutoEvent->Why},
                  {"branch_stack", R.AutoEvent->branchStack()},
                  {"type", R.AutoEvent->Attr.type},
                  {"config", R.AutoEvent->Attr.config},
                  {"period", R.AutoEvent->Attr.freq ? 0 : R.AutoEvent->Attr.sample_period}};
  else
    J["event"] = {{"error", R.AutoEventError}};
  if (R.Build) {
    const binary::BuildFacts &B = *R.Build;
    J["binary"] = {{"path", B.Path},
                   {"build_id", B.BuildId},
                   {"architecture", B.Architecture},
                   {"symtab_functions", B.SymtabFunctions},
                   {"dynsym_functions", B.DynsymFunctions},
                   {"dwarf_version", B.DwarfVersion},
                   {"dwarf_units", B.DwarfUnits},
                   {"split_dwarf_units", B.SkeletonUnits},
                   {"line_tables_scanned", B.LineTablesScanned},
                   {"line_tables_with_discriminators", B.LineTablesWithDiscriminators},
                   {"emit_relocs", B.EmitRelocs},
                   {"local_functions", B.LocalFunctions},
                   {"uniq_functions", B.UniqFunctions},
                   {"frame_pointers_checked", B.FramePointersChecked},
                   {"frame_pointer_sampled", B.FpSampled},
                   {"frame_pointer_kept", B.FpKept},
                   {"frame_pointer_hottest", B.FpHot},
                   {"frame_pointer_missing", B.FpMissing}};
  }
  J["tools"] = json::array();
  for (const collect::ToolFacts &T : R.Tools)
    J["tools"].push_back({{"name", T.Name}, {"path", T.Path}, {"version", T.Version}});
  J["checks"] = json::array();
  for (const collect::DoctorCheck &C : R.Checks)
    J["checks"].push_back({{"group", C.Group},
                           {"id", C.Id},
                           {"status", collect::statusName(C.Status)},
                           {"summary", C.Summary},
                           {"fix", C.Fix}});
  return J;
}

void printText(const collect::DoctorReport &R, llvm::raw_ostream &OS) {
  std::string Group;
  size_t Fails = 0, Warns = 0;
  for (const collect::DoctorCheck &C : R.Checks) {
    if (C.Group != Group) {
      Group = C.Group;
      OS << Group;
      if (Group == "binary" && R.Build)
        OS << " " << escapeForTerminal(R.Build->Path, 300);
      OS << "\n";
    }
    llvm::StringRef St = collect::statusName(C.Status);
    Fails += C.Status == CheckStatus::Fail;
    Warns += C.Status == CheckStatus::Warn;
    OS << llvm::formatv("  {0,-5} {1,-25} ", C.Status == CheckStatus::Fail ? "FAIL" : St, C.Id)
       << escapeForTerminal(C.Summary) << "\n";
    for (const std::string &F : C.Fix)
      OS << "        fix: " << escapeForTerminal(F) << "\n";
  }
  const char *Need = R.Need == collect::DoctorNeed::Full
                         ? "the full pipeline (branch records, sample PGO, BOLT)"
                         : "collect";
  if (Fails)
    OS << llvm::formatv("result: {0} failed, {1} warnings: {2} cannot run as it should "
                        "here (exit 1)\n",
                        Fails, Warns, Need);
  else
    OS << llvm::formatv("result: {0} warnings: {1} can run\n", Warns, Need);
}

class DoctorCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("--binary", Opts.Binary,
                   "Check this ELF file: build-id, symbols, DWARF, frame pointers, "
                   "--emit-relocs, unique internal names");
    App.add_option("--profile", Opts.Profile,
                   "A .pgoprof of the binary: check frame pointers in its hottest functions");
    App.add_flag("--json", Json, "Print the facts and checks as JSON");
    App.add_option("--need", Need,
                   "full: exit 1 unless the whole pipeline (branch records, sample PGO, BOLT) "
                   "can run; collect: exit 1 only when `pgoctl collect` cannot run")
        ->check(CLI::IsMember({"full", "collect"}))
        ->capture_default_str();
    App.add_option("--clang", Opts.Clang, "The compiler to check (default: $CXX, $CC, clang++)");
    App.add_option("--llvm-profdata", Opts.LlvmProfdata, "llvm-profdata to check");
    App.add_option("--llvm-bolt", Opts.LlvmBolt, "llvm-bolt to check");
    App.add_option("--fake-host", FakeHost,
                   "Test hook: read sysfs and procfs facts under this folder "
                   "(sys/bus/event_source/devices, proc/sys/kernel, proc/self/status) and "
                   "open no perf events")
        ->group("");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    Opts.MaxMemory = Ctx.MaxMemory;
    if (!Opts.Profile.empty() && Opts.Binary.empty())
      return usageError("--profile needs --binary");
    Opts.Need = Need == "collect" ? collect::DoctorNeed::Collect : collect::DoctorNeed::Full;
    if (!FakeHost.empty()) {
      Opts.Probe.SysfsPmuDir = FakeHost + "/sys/bus/event_source/devices";
      Opts.Probe.ProcSysKernel = FakeHost + "/proc/sys/kernel";
      Opts.Probe.ProcSelfStatus = FakeHost + "/proc/self/status";
      Opts.Probe.OpenProbes = false;
      Opts.Probe.AssumeProbesSucceed = true;
    }
    Opts.SelfPath = llvm::sys::fs::getMainExecutable("pgoctl", (void *)&printText);
    llvm::Expected<collect::DoctorReport> R = collect::runDoctor(Opts);
    if (!R)
      return R.takeError();
    if (Json)
      llvm::outs() << toJson(*R).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                   << "\n";
    else
      printText(*R, llvm::outs());
    return R->ok() ? 0 : 1;
  }

private:
  collect::DoctorOptions Opts;
  std::string Need = "full", FakeHost;
  bool Json = false;
};

} // namespace

std::unique_ptr<Command> makeDoctorCommand() { return std::make_unique<DoctorCommand>(); }

} // namespace pgoctl::cli
