// cli/CmdPull.cpp: `pgoctl pull --store URL --service S [--since 7d]
// [--build-id ID] [--label k=v]... -o OUT.pgoprof`: the raw windows of a
// service, downloaded and merged.
//
// Streaming: windows are listed in key order and each is downloaded (bounded
// by --max-memory), parsed, checked against the filters and added to one
// merge/Merger, then dropped, so memory is one window plus the accumulator,
// whatever the number of windows. --since and --build-id filter by key (no
// download); --label by the window's labels (a merged value `a,b` matches a
// and b). The output gets the labels `window-start` and `window-end`: the
// first and the last window start pulled (seconds since 1970), and
// `window-count`, which `publish` records as the version's window and
// windows (store::windowFiguresOf). Written atomically.
//
// `--from pyroscope+http(s)://HOST` or `--from parca+http(s)://HOST` pulls
// one merged profile of the period from a fleet profiler instead
// (store/Fleet.h) and imports it as `pgoctl import` does a pprof file
// (collect/Pprof.h; --binary to normalize addresses). Only the labels given
// with --label reach the output: the query's selector and the pprof's sample
// labels do not (they can hold user or request identifiers).
#include "cli/Command.h"
#include "cli/Options.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "merge/Merge.h"
#include "collect/Pprof.h"
#include "store/Fleet.h"
#include "store/Layout.h"

#include "llvm/Support/raw_ostream.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include <ctime>

namespace pgoctl::cli {
namespace {

bool labelMatches(const std::map<std::string, std::string> &Have, const std::string &K,
                  const std::string &V) {
  auto It = Have.find(K);
  if (It == Have.end())
    return false;
  llvm::SmallVector<llvm::StringRef, 4> Vals;
  llvm::StringRef(It->second).split(Vals, ',');
  return llvm::is_contained(Vals, V);
}

class PullCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    addStoreOptions(App, SA, /*StoreRequired=*/false);
    App.add_option("--service", Service, "service whose windows to pull");
    App.add_option("--from", From, "a fleet profiler instead of a store: "
                                   "pyroscope+http(s)://HOST or parca+http(s)://HOST");
    App.add_option("--query", Query, "--from: label selector, e.g. {service_name=\"api\"}");
    App.add_option("--profile-type", ProfileType,
                   "--from: name:type:unit:period_type:period_unit, e.g. "
                   "process_cpu:cpu:nanoseconds:cpu:nanoseconds");
    App.add_option("--tenant", Tenant, "--from pyroscope: the tenant (X-Scope-OrgID)");
    addBinaryOptions(App, Bins, "--from: ELF file to normalize addresses against; repeatable");
    App.add_option("--since", Since, "only windows that started this long ago or later "
                                     "(7d, 12h, 30m)");
    App.add_option("--build-id", BuildId, "only windows of this build-id (main binary)");
    App.add_option("--label", Labels, "only windows with this label value (k=v, repeatable)");
    App.add_option("-o,--output", Output, "merged .pgoprof to write")->required();
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (!From.empty())
      return runFleet(Ctx);
    if (SA.Url.empty() || Service.empty())
      return usageError("pull needs --store and --service (or --from a fleet profiler)");
    if (llvm::Error E = store::checkKeyPart(Service, "--service"))
      return std::move(E);
    llvm::Expected<std::map<std::string, std::string>> Want = parseLabels(Labels);
    if (!Want)
      return Want.takeError();
    llvm::Expected<int64_t> CutoffOr = sinceCutoff(Since);
    if (!CutoffOr)
      return CutoffOr.takeError();
    int64_t Cutoff = *CutoffOr;
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    Merger M{MergeOptions{}};
    uint64_t Pulled = 0, Skipped = 0;
    int64_t First = 0, Last = 0;
    std::string Body;
    store::Sink Into{[&](llvm::StringRef C) {
                       Body.append(C.data(), C.size());
                       return llvm::Error::success();
                     },
                     [&] { Body.clear(); }};
    llvm::Error E = (*S)->list(store::rawPrefix(Service), [&](const store::ObjectInfo &O)
                                                              -> llvm::Error {
      std::optional<store::RawWindow> W = store::parseRawKey(O.Key);
      if (!W || W->Start < Cutoff || (!BuildId.empty() && W->BuildId != BuildId)) {
        ++Skipped;
        return llvm::Error::success();
      }
      Body.clear();
      {
        Stats::Pass P(Ctx.PassStats, "download");
        if (llvm::Error E = (*S)->get(O.Key, Into, Ctx.MaxMemory))
          return E;
      }
      Stats::Pass P(Ctx.PassStats, "parse and merge");
      llvm::Expected<Profile> Prof =
          parseProfile(Body, (*S)->objectUrl(O.Key), ProfileReadOptions{Ctx.MaxMemory});
      if (!Prof)
        return Prof.takeError();
      for (const auto &[K, V] : *Want)
        if (!labelMatches(Prof->Meta.Labels, K, V)) {
          ++Skipped;
          return llvm::Error::success();
        }
      First = Pulled ? std::min(First, W->Start) : W->Start;
      Last = Pulled ? std::max(Last, W->Start) : W->Start;
      ++Pulled;
      return M.add({std::move(*Prof), 1, (*S)->objectUrl(O.Key)});
    });
    if (E)
      return std::move(E);
    if (!Pulled)
      return makeKindError(ErrorKind::Input,
                           "{0}: no window of service {1} matches ({2} skipped by the filters)",
                           (*S)->url(), Service, Skipped);
    llvm::Expected<Profile> Out = M.finish();
    if (!Out)
      return Out.takeError();
    Out->Meta.Labels["window-start"] = std::to_string(First);
    Out->Meta.Labels["window-end"] = std::to_string(Last);
    Out->Meta.Labels["window-count"] = std::to_string(Pulled);
    Out->Meta.Labels["service"] = Service;
    {
      Stats::Pass P(Ctx.PassStats, "write");
      if (llvm::Error E = writeProfileFile(*Out, Output))
        return std::move(E);
    }
    if (Ctx.ShowStats)
      Ctx.PassStats.count("windows pulled", Pulled);
    llvm::errs() << "pgoctl pull: merged " << Pulled << " window" << (Pulled == 1 ? "" : "s")
                 << " of " << Service << " into " << Output << "\n";
    return 0;
  }

private:
  /// --from: one merged profile of the period from Pyroscope or Parca.
  llvm::Expected<int> runFleet(CommandContext &Ctx) {
    if (!SA.Url.empty() || !BuildId.empty())
      return usageError("--from pulls from a fleet profiler: --store and --build-id do not "
                        "apply");
    llvm::Expected<store::FleetSource> Src = store::parseFleetUrl(From);
    if (!Src)
      return Src.takeError();
    llvm::Expected<std::map<std::string, std::string>> Lbl = parseLabels(Labels);
    if (!Lbl)
      return Lbl.takeError();
    int64_t Now = int64_t(time(nullptr));
    llvm::Expected<int64_t> Span = store::parseDuration(Since.empty() ? "1h" : Since, "--since");
    if (!Span)
      return Span.takeError();
    store::FleetQuery Q;
    Q.ProfileType = ProfileType;
    Q.Selector = Query;
    Q.Tenant = Tenant;
    Q.EndMs = Now * 1000;
    Q.StartMs = (Now - *Span) * 1000;
    Q.MaxBytes = Ctx.MaxMemory;
    store::fleetCredentialsFromEnv(Q);
    store::HttpOptions HO;
    HO.Retry.MaxAttempts = SA.Attempts;
    HO.LowSpeedTimeoutSec = SA.TimeoutSec;
    store::HttpClient Http(HO);
    std::string Name = llvm::StringRef(From).split('+').first.str() + " " + Src->BaseUrl;
    llvm::Expected<store::FleetProfile> Got = [&] {
      Stats::Pass P(Ctx.PassStats, "query");
      return store::fetchFleetProfile(*Src, Q, Http);
    }();
    if (!Got)
      return Got.takeError();
    if (Got->FunctionLevel)
      spdlog::warn("{}: the server has no SelectMergeProfile; its SelectMergeStacktraces tree "
                   "has function names only: a function-level profile (block-level PGO needs "
                   "addresses)",
                   escapeForTerminal(Name));
    const std::string *Bytes = &Got->Pprof;
    ImportOptions IO;
    IO.Binaries = Bins.Paths;
    IO.IgnoreBuildId = Bins.IgnoreBuildId;
    IO.MaxMemory = Ctx.MaxMemory;
    ImportSummary Sum;
    llvm::Expected<Profile> P = [&] {
      Stats::Pass Pa(Ctx.PassStats, "import");
      return importPprofBytes(*Bytes, Name, IO, Sum);
    }();
    if (!P)
      return P.takeError();
    for (const std::string &W : Sum.Warnings)
      spdlog::warn("{}", escapeForTerminal(W));
    P->Meta.Labels = *Lbl;
    P->Meta.Labels["window-start"] = std::to_string(Now - *Span);
    P->Meta.Labels["window-end"] = std::to_string(Now);
    if (!Service.empty())
      P->Meta.Labels["service"] = Service;
    {
      Stats::Pass Pa(Ctx.PassStats, "write");
      if (llvm::Error E = writeProfileFile(*P, Output))
        return std::move(E);
    }
    llvm::errs() << "pgoctl pull: " << P->Meta.TotalSamples << " samples from "
                 << escapeForTerminal(Name) << " into " << escapeForTerminal(Output) << "\n";
    return 0;
  }

  StoreArgs SA;
  BinaryArgs Bins;
  std::string Service, Since, BuildId, Output, From, Query, ProfileType, Tenant;
  std::vector<std::string> Labels;
};

} // namespace

std::unique_ptr<Command> makePullCommand() { return std::make_unique<PullCommand>(); }

} // namespace pgoctl::cli
