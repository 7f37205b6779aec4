// cli/CmdCollect.cpp: `pgoctl collect`, the sampling agent (collect/Agent.h).
//
// With --store URL, each window is uploaded as `pgoctl push` would upload it
// (store/PushWindow.h: the same key). With --spool, a window file stays in
// the spool until its upload succeeded: after each window, every window left
// in the spool is tried again, oldest first, and removed once stored (the
// spool's size bound drops the oldest ones while the store is away). Uploads
// run on a thread of their own, so a slow or absent store never stalls the
// agent's reading of its ring buffers; at the end the last window is tried
// once more before the agent exits. With -o, the file is uploaded at the end
// and kept.
#include "cli/Command.h"
#include "cli/Options.h"
#include "cli/StoreOptions.h"
#include "collect/Agent.h"
#include "collect/Events.h"
#include "store/Layout.h"
#include "store/PushWindow.h"
#include "store/Store.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <sys/signalfd.h>
#include <unistd.h>

namespace pgoctl::cli {
namespace {

/// SIGINT and SIGTERM, blocked and readable from a signalfd for the agent's
/// poll loop (the window in progress is then written); restored at the end.
class StopSignals {
public:
  StopSignals() {
    sigset_t Set;
    sigemptyset(&Set);
    sigaddset(&Set, SIGINT);
    sigaddset(&Set, SIGTERM);
    sigprocmask(SIG_BLOCK, &Set, &Old);
    Fd = signalfd(-1, &Set, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~StopSignals() {
    if (Fd >= 0)
      close(Fd);
    sigprocmask(SIG_SETMASK, &Old, nullptr);
  }
  int fd() const { return Fd; }

private:
  sigset_t Old;
  int Fd = -1;
};

llvm::Expected<std::vector<uint32_t>> parsePids(llvm::StringRef Text) {
  std::vector<uint32_t> Pids;
  for (llvm::StringRef P : llvm::split(Text, ',')) {
    uint32_t V;
    if (P.trim().getAsInteger(10, V) || V == 0)
      return usageError("--pid: '{0}' is not a process id", escapeForTerminal(P, 40));
    Pids.push_back(V);
  }
  return Pids;
}

std::string describeHost(const collect::HostFacts &H) {
  std::string S;
  S += "host:\n";
  S += "  core PMU (sysfs)                 " + (H.SysfsCorePmu.empty() ? std::string("none") : H.SysfsCorePmu) + "\n";
  S += "  libpfm4 PMU                      " + (H.PfmPmu.empty() ? std::string("none") : H.PfmPmu) +
       (H.PfmForced ? " (LIBPFM_FORCE_PMU)" : "") + "\n";
  S += "  branch records                   " +
       (H.BranchDepth ? std::to_string(H.BranchDepth) + " deep, probe " +
                            (H.BranchProbeOk ? "ok" : "failed: " + H.BranchProbeError)
                      : std::string("none")) + "\n";
  S += "  precise instructions             " +
       (H.PreciseInstructionsProbeOk ? std::string("yes")
                                     : "no (" + H.PreciseInstructionsProbeError + ")") +
       "\n";
  S += "  hardware cycles                  " +
       (H.CyclesProbeOk ? std::string("yes") : "no (" + H.CyclesProbeError + ")") + "\n";
  auto Opt = [](const std::optional<int> &V) { return V ? std::to_string(*V) : std::string("unreadable"); };
  S += "  kernel.perf_event_paranoid       " + Opt(H.PerfEventParanoid) + "\n";
  S += "  kernel.kptr_restrict             " + Opt(H.KptrRestrict) + "\n";
  S += std::string("  CAP_PERFMON / CAP_SYS_ADMIN      ") + (H.CapPerfmon ? "yes" : "no") + " / " +
       (H.CapSysAdmin ? "yes" : "no") + "\n";
  return S;
}

/// Uploads windows to the store of --store; failures are warnings, the
/// files stay where they are for the next try.
class Uploader {
public:
  Uploader(std::unique_ptr<store::Store> S, store::PushKeyOptions K, uint64_t MaxMemory)
      : S(std::move(S)), K(std::move(K)), MaxMemory(MaxMemory) {}

  /// Uploads File; with Remove, deletes it once stored.
  llvm::Error upload(const std::string &File, bool Remove) {
    llvm::Expected<std::string> Key = store::pushWindowFile(*S, File, K, MaxMemory);
    if (!Key)
      return Key.takeError();
    spdlog::info("{}: stored as {}", File, *Key);
    if (Remove)
      if (std::error_code EC = llvm::sys::fs::remove(File))
        spdlog::warn("{}: stored but not removed from the spool: {}", File, EC.message());
    return llvm::Error::success();
  }
  /// Every window in the spool, oldest first; stops at the first failure
  /// (the store is away: the next window tries again). A window the spool's
  /// size bound dropped meanwhile is passed over.
  void drainSpool(const std::string &Dir) {
    for (const std::string &F : collect::spoolWindows(Dir))
      if (llvm::Error E = upload(F, /*Remove=*/true)) {
        if (!llvm::sys::fs::exists(F)) {
          llvm::consumeError(std::move(E));
          continue;
        }
        spdlog::warn("{}: not uploaded to {}: {}; kept in the spool, tried again after the "
                     "next window",
                     F, S->url(), escapeLinesForTerminal(llvm::toString(std::move(E))));
        return;
      }
  }
  const std::string &url() const { return S->url(); }

private:
  std::unique_ptr<store::Store> S;
  store::PushKeyOptions K;
  uint64_t MaxMemory;
};

/// Drains the spool on a thread of its own, once per request: the agent's
/// loop only asks (after each window) and never waits for the network. A
/// request made during a drain makes one more drain after it.
class SpoolDrainer {
public:
  SpoolDrainer(Uploader &Up, std::string Dir) : Up(Up), Dir(std::move(Dir)) {
    Thread = std::thread([this] { loop(); });
  }
  ~SpoolDrainer() { finish(); }
  void request() {
    std::lock_guard<std::mutex> L(M);
    Pending = true;
    CV.notify_one();
  }
  /// One last drain (the final window), then the thread ends.
  void finish() {
    if (!Thread.joinable())
      return;
    {
      std::lock_guard<std::mutex> L(M);
      Pending = Done = true;
      CV.notify_one();
    }
    Thread.join();
  }

private:
  void loop() {
    for (;;) {
      bool Last;
      {
        std::unique_lock<std::mutex> L(M);
        CV.wait(L, [&] { return Pending; });
        Pending = false;
        Last = Done;
      }
      Up.drainSpool(Dir);
      if (Last)
        return;
    }
  }
  Uploader &Up;
  std::string Dir;
  std::mutex M;
  std::condition_variable CV;
  bool Pending = false, Done = false;
  std::thread Thread;
};

class CollectCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("command", Opts.Target.Command, "-- CMD ARGS: run and profile a command");
    App.add_option("--pid", PidText, "Profile running processes N[,M...] and their threads");
    App.add_option("--comm", Opts.Target.Comm,
                   "Profile every process with this command name, also ones started later");
    App.add_option("--cgroup", Opts.Target.Cgroup,
                   "Profile a cgroup v2 folder (a systemd service, a Kubernetes pod)");
    App.add_flag("-a,--all-cpus", Opts.Target.SystemWide, "Profile the whole system");
    App.add_option("--event", Opts.Event.Name,
                   "auto (LBR, else cycles, else cpu-clock), lbr, cycles, cpu-clock, or any "
                   "libpfm4 event name")
        ->capture_default_str();
    App.add_option("--period", Period, "Sample every N events (default: a prime per event)")
        ->check(CLI::Range(uint64_t(1), uint64_t(1) << 62));
    App.add_option("--freq", Freq, "Sample N times a second instead of by period")
        ->check(CLI::Range(uint64_t(1), uint64_t(1000000)));
    App.add_flag("--no-call-graph", NoCallGraph, "IP samples without frame-pointer call chains");
    App.add_option("--duration", Opts.DurationSec, "Stop after S seconds")
        ->check(finiteRange(0, 1e9));
    App.add_option("--window", Opts.WindowSec, "One profile per S seconds (with --spool)")
        ->check(finiteRange(0.01, 1e9));
    App.add_option("--duty", Duty, "ON/EVERY: sample ON seconds of every EVERY (with --spool)");
    App.add_option("-o,--output", Opts.Output, "Write the profile here (.pgoprof)");
    App.add_option("--spool", Opts.SpoolDir,
                   "Write one .pgoprof per window into this folder "
                   "(<service>-<host>-<build-id>-<start>.pgoprof)");
    App.add_option("--spool-max-mb", SpoolMaxMb,
                   "Keep the spool under this size: the oldest windows are dropped")
        ->check(finiteRange(0.001, 1e9));
    App.add_option("--service", Opts.Service,
                   "Service name for labels, spool file names and store keys");
    addStoreOptions(App, SA, /*StoreRequired=*/false);
    App.add_option("--label", LabelArgs, "key=value label; repeatable");
    App.add_option("--label-allow", Opts.LabelAllow,
                   "Only labels whose key matches this regex leave the host (the agent's "
                   "pgoctl.* numbers always do)");
    addBinaryOptions(App, Bins, "ELF file to normalize against (as import); repeatable");
    App.add_option("--ring-pages", Opts.RingPages, "Data pages per CPU ring buffer (power of 2)")
        ->capture_default_str();
    App.add_flag("--mmap-build-ids", Opts.MmapBuildIds,
                 "Have the kernel put build-ids in mapping records (off: some kernels then "
                 "corrupt the records of a perf record running on the same process)");
    App.add_flag("--dry-run,--print-attr", DryRun,
                 "Print the host facts, the chosen event and its perf_event_attr; open nothing");
    App.add_flag("--list-events", ListEvents, "List the events this host offers");
    App.add_option("--replay", Replay,
                   "Test hook: feed a perf.data file's records through the agent's ring "
                   "buffer path into -o")
        ->group("");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (Period)
      Opts.Event.Period = Period;
    if (Freq)
      Opts.Event.Freq = Freq;
    Opts.Event.CallChains = !NoCallGraph;
    if (!PidText.empty()) {
      auto P = parsePids(PidText);
      if (!P)
        return P.takeError();
      Opts.Target.Pids = std::move(*P);
    }
    if (!Duty.empty()) {
      auto [On, Every] = llvm::StringRef(Duty).split('/');
      if (On.getAsDouble(Opts.DutyOnSec) || Every.getAsDouble(Opts.DutyEverySec) ||
          !(Opts.DutyOnSec > 0) || !(Opts.DutyEverySec >= Opts.DutyOnSec) ||
          Opts.DutyEverySec > 1e9)
        return usageError("--duty wants ON/EVERY seconds with 0 < ON <= EVERY, e.g. 30/300");
    }
    if (SpoolMaxMb > 0)
      Opts.SpoolMaxBytes = uint64_t(SpoolMaxMb * 1048576.0);
    auto Labels = parseLabels(LabelArgs);
    if (!Labels)
      return Labels.takeError();
    Opts.Labels = std::move(*Labels);
    Opts.Binaries = Bins.Paths;
    Opts.IgnoreBuildId = Bins.IgnoreBuildId;

    std::unique_ptr<Uploader> Up;
    if (!SA.Url.empty()) {
      if (Opts.Service.empty())
        return usageError("--store needs --service (the store's folder for this service)");
      if (llvm::Error E = store::checkKeyPart(Opts.Service, "--service"))
        return E;
      // A raw window's key names its start to the second (store/Layout.h):
      // two windows of one host and build starting in the same second would
      // overwrite each other.
      if (Opts.WindowSec > 0 && Opts.WindowSec < 1)
        return usageError("--window {0} with --store: a stored window's key names its start "
                          "second, so windows must be at least 1 s",
                          Opts.WindowSec);
      auto S = openStoreArgs(SA);
      if (!S)
        return S.takeError();
      Up = std::make_unique<Uploader>(std::move(*S), store::PushKeyOptions{Opts.Service, "", ""},
                                      Ctx.MaxMemory);
    }

    if (!Replay.empty()) {
      if (Opts.Output.empty())
        return usageError("--replay needs -o");
      auto R = collect::replayThroughRing(Replay, Opts);
      if (!R)
        return R.takeError();
      for (const std::string &W : R->Warnings)
        spdlog::warn("{}", W);
      spdlog::info("{}: replayed through the ring buffer path: {} samples", R->Path, R->Samples);
      if (Up)
        if (llvm::Error E = Up->upload(Opts.Output, /*Remove=*/false))
          return addContext(std::move(E), "written to " + Opts.Output + ", not stored");
      return 0;
    }

    collect::HostFacts H = collect::probeHost();
    if (ListEvents) {
      size_t Total = 0;
      for (const std::string &E : collect::availableEvents(H, SIZE_MAX, &Total))
        printf("%s\n", E.c_str());
      return 0;
    }
    if (DryRun) {
      auto C = collect::selectEvent(H, Opts.Event);
      if (!C)
        return C.takeError();
      printf("%sevent: %s\nwhy: %s\nperf_event_attr:\n%s", describeHost(H).c_str(),
             C->Name.c_str(), C->Why.c_str(), collect::describeAttr(C->Attr).c_str());
      return 0;
    }

    StopSignals Sig; // blocked in the drainer's thread too: made after this
    Opts.StopFd = Sig.fd();
    std::optional<SpoolDrainer> Drainer;
    if (Up && !Opts.SpoolDir.empty())
      Drainer.emplace(*Up, Opts.SpoolDir);
    auto R = collect::runAgent(Opts, H, [&](const collect::WindowReport &W) {
      for (const std::string &Msg : W.Warnings)
        spdlog::warn("{}", Msg);
      spdlog::info("{}: {} samples ({} unmapped), {} lost, {} throttled; agent CPU {:.3f} s "
                   "in {:.1f} s",
                   W.Path, W.Samples, W.Unmapped, W.Lost, W.Throttles, W.AgentCpuSeconds,
                   W.WallSeconds);
      if (Drainer)
        Drainer->request();
    });
    if (Drainer)
      Drainer->finish();
    if (!R)
      return R.takeError();
    if (Up && Opts.SpoolDir.empty())
      if (llvm::Error E = Up->upload(Opts.Output, /*Remove=*/false))
        return addContext(std::move(E), "written to " + Opts.Output + ", not stored");
    spdlog::debug("event {}: {}", R->EventName, R->EventWhy);
    if (R->CommandExit)
      spdlog::warn("the command exited with status {}", R->CommandExit);
    return 0;
  }

private:
  collect::AgentOptions Opts;
  std::string PidText, Duty, Replay;
  uint64_t Period = 0, Freq = 0;
  bool NoCallGraph = false, DryRun = false, ListEvents = false;
  double SpoolMaxMb = 0;
  std::vector<std::string> LabelArgs;
  BinaryArgs Bins;
  StoreArgs SA;
};
} // namespace

std::unique_ptr<Command> makeCollectCommand() { return std::make_unique<CollectCommand>(); }
} // namespace pgoctl::cli
