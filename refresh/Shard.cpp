// refresh/Shard.cpp: see Shard.h.
#include "refresh/Shard.h"

#include "core/Error.h"
#include "core/ProfileFormat.h"
#include "core/ProfileScale.h"
#include "core/Support.h"
#include "merge/Merge.h"
#include "store/Layout.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/xxhash.h"

#include <map>
#include <set>

namespace pgoctl::refresh {

llvm::Expected<ShardSpec> parseShard(llvm::StringRef Text) {
  auto [I, N] = Text.split('/');
  ShardSpec S;
  if (I.getAsInteger(10, S.Index) || N.getAsInteger(10, S.Count) || !validShard(S))
    return makeKindError(ErrorKind::Usage,
                         "--shard `{0}`: I/N with 0 <= I < N <= 100000 (e.g. 0/4)",
                         escapeForTerminal(Text, 64));
  return S;
}

bool hostInShard(llvm::StringRef Host, const ShardSpec &S) {
  return llvm::xxh3_64bits(Host) % S.Count == S.Index;
}

namespace {

/// The window's samples in the service: its own binary and the shared
/// libraries it loaded, out of its user-space samples (IP samples and branch
/// records; the kernel is in neither, as a service in syscalls is not a broken
/// collector). Another executable (a collector attached to the wrong program)
/// is not the service. Scaled to the window's sample count.
uint64_t samplesInService(const Profile &P, llvm::StringRef BuildId) {
  uint64_t Service = 0, User = 0;
  for (const BinaryProfile &B : P.Binaries) {
    if (B.IsKernel)
      continue;
    uint64_t E = B.totalSamples();
    for (const BranchCount &Br : B.Branches)
      E = llvm::SaturatingAdd(E, Br.Count);
    User = llvm::SaturatingAdd(User, E);
    if (B.BuildId == BuildId || isSharedLibrary(B))
      Service = llvm::SaturatingAdd(Service, E);
  }
  if (User == 0)
    return 0;
  return uint64_t((unsigned __int128)P.Meta.TotalSamples * Service / User);
}

uint64_t readLimit(uint64_t MaxMemory) { return MaxMemory ? MaxMemory : defaultMaxMemory(); }
ProfileReadOptions readOptions(uint64_t MaxMemory) {
  ProfileReadOptions O;
  if (MaxMemory)
    O.MaxMemory = MaxMemory;
  return O;
}

} // namespace

llvm::Expected<Profile> readWindow(store::Store &S, const WindowRef &W, uint64_t MaxMemory) {
  llvm::Expected<std::string> Body = store::getObject(S, W.Key, readLimit(MaxMemory));
  if (!Body)
    return Body.takeError();
  return parseProfile(*Body, S.objectUrl(W.Key), readOptions(MaxMemory));
}

llvm::Expected<Accumulated> accumulate(store::Store &S, const WindowSelection &Sel,
                                       const AccumulateOptions &O) {
  Accumulated A;
  Merger All{MergeOptions{}};
  std::map<std::string, BuildStat> Builds;
  bool First = true;
  for (const auto &[Host, Idx] : windowsByHost(Sel)) {
    if (!hostInShard(Host, O.Shard))
      continue;
    Merger HostSum{MergeOptions{}};
    HostStat HS;
    HS.Host = Host;
    std::vector<const WindowRef *> Used;
    std::vector<uint64_t> UsedSamples;
    uint64_t HostInService = 0;
    for (size_t I : Idx) {
      const WindowRef &W = Sel.Windows[I];
      uint64_t D = decayWeight(W.W.Start, O.Weights);
      if (D == 0) {
        ++A.TooOld;
        continue;
      }
      llvm::Expected<Profile> P = readWindow(S, W, O.MaxMemory);
      if (!P)
        return P.takeError();
      uint64_t Samples = P->Meta.TotalSamples;
      uint64_t InService = samplesInService(*P, W.W.BuildId);
      // The key names the window, not the store's URL: a version does not
      // depend on where the store is mounted.
      if (llvm::Error E = HostSum.add({std::move(*P), D, W.Key}))
        return std::move(E);
      ++HS.Windows;
      HS.Samples = llvm::SaturatingAdd(HS.Samples, Samples);
      HostInService = llvm::SaturatingAdd(HostInService, InService);
      Used.push_back(&W);
      UsedSamples.push_back(Samples);
    }
    if (HS.Windows == 0)
      continue;
    llvm::Expected<Profile> HP = HostSum.finish();
    if (!HP)
      return HP.takeError();
    HS.DecayedTotal = HP->Meta.TotalSamples;
    HS.S = hostScale(HS.DecayedTotal, O.Weights);
    if (HS.S.Den == 0) {
      A.Warnings.push_back(llvm::formatv("host {0}: its {1} windows record no samples (a total "
                                         "of 0): left out of the per-host normalization",
                                         Host, HS.Windows)
                               .str());
      continue;
    }
    if (uint64_t Sat = scaleCounts(*HP, HS.S.Num, HS.S.Den))
      return makeKindError(ErrorKind::Resource,
                           "host {0}: {1} counts exceed 2^64 after weighting (counts too large "
                           "for --host-weight {2})",
                           Host, Sat, hostWeightName(O.Weights.Hosts));
    if (llvm::Error E = All.add({std::move(*HP), 1, "host " + Host}))
      return std::move(E);
    // The host counts: its windows enter the statistics.
    A.SamplesInService = llvm::SaturatingAdd(A.SamplesInService, HostInService);
    for (size_t I = 0; I < Used.size(); ++I) {
      const WindowRef *W = Used[I];
      BuildStat &B = Builds[W->W.BuildId];
      B.BuildId = W->W.BuildId;
      ++B.Windows;
      B.Samples = llvm::SaturatingAdd(B.Samples, UsedSamples[I]);
      B.Keys.push_back(W->Key);
      A.Keys.push_back(W->Key);
      A.FirstStart = First ? W->W.Start : std::min(A.FirstStart, W->W.Start);
      A.LastStart = First ? W->W.Start : std::max(A.LastStart, W->W.Start);
      First = false;
    }
    A.Windows += HS.Windows;
    A.Samples = llvm::SaturatingAdd(A.Samples, HS.Samples);
    A.Hosts.push_back(std::move(HS));
  }
  for (auto &[Id, B] : Builds) {
    llvm::sort(B.Keys);
    A.Builds.push_back(std::move(B));
  }
  llvm::sort(A.Keys);
  if (A.Windows) {
    llvm::Expected<Profile> P = All.finish();
    if (!P)
      return P.takeError();
    A.P = std::move(*P);
  }
  return A;
}

void scaleToRawSamples(Accumulated &A) {
  if (A.Windows && A.P.Meta.TotalSamples && A.Samples)
    scaleCounts(A.P, A.Samples << kRawScaleBits, A.P.Meta.TotalSamples);
}

std::string partialKey(llvm::StringRef Service, llvm::StringRef Run, const ShardSpec &S,
                       llvm::StringRef Ext) {
  return llvm::formatv("partials/{0}/{1}/{2}-of-{3}.{4}", Service, Run, S.Index, S.Count, Ext)
      .str();
}

llvm::Error writePartial(store::Store &S, const PartialHeader &H, const Accumulated &A) {
  if (llvm::Error E = store::checkKeyPart(H.Run, "--run"))
    return E;
  if (A.Windows) {
    llvm::Expected<std::string> Bytes = serializeProfile(A.P);
    if (!Bytes)
      return Bytes.takeError();
    if (llvm::Error E = S.put(partialKey(H.Service, H.Run, H.Shard, "pgoprof"), *Bytes))
      return E;
  }
  return S.put(partialKey(H.Service, H.Run, H.Shard, "json"), renderPartialJson(H, A));
}

llvm::Expected<Accumulated> reducePartials(store::Store &S, llvm::StringRef Service,
                                           llvm::StringRef Run, uint64_t MaxMemory,
                                           PartialHeader &Header) {
  if (llvm::Error E = store::checkKeyPart(Run, "--run"))
    return std::move(E);
  std::string Prefix = ("partials/" + Service + "/" + Run + "/").str();
  std::vector<std::string> Jsons;
  if (llvm::Error E = S.list(Prefix, [&](const store::ObjectInfo &O) {
        if (llvm::StringRef(O.Key).ends_with(".json"))
          Jsons.push_back(O.Key);
        return llvm::Error::success();
      }))
    return std::move(E);
  if (Jsons.empty())
    return makeKindError(ErrorKind::Input, "{0}: run {1} of {2} has no partial under {3}",
                         S.url(), Run, Service, Prefix);
  Accumulated Out;
  Merger All{MergeOptions{}};
  std::set<unsigned> Seen;
  std::set<std::string> Hosts;
  std::map<std::string, BuildStat> Builds;
  bool First = true;
  for (const std::string &Key : Jsons) {
    llvm::Expected<std::string> Text = store::getObject(S, Key, 64 << 20);
    if (!Text)
      return Text.takeError();
    PartialHeader H;
    Accumulated A;
    if (llvm::Error E = parsePartialJson(*Text, S.objectUrl(Key), H, A))
      return std::move(E);
    if (H.Service != Service || H.Run != Run || Key != partialKey(Service, Run, H.Shard, "json"))
      return makeKindError(ErrorKind::Damaged, "{0}: describes shard {1}/{2} of run {3}",
                           S.objectUrl(Key), H.Shard.Index, H.Shard.Count,
                           escapeForTerminal(H.Run, 128));
    if (First) {
      Header = H;
    } else if (H.Shard.Count != Header.Shard.Count || H.Now != Header.Now ||
               H.Since != Header.Since || H.HalfLife != Header.HalfLife ||
               H.Hosts != Header.Hosts) {
      return makeKindError(ErrorKind::Mismatch,
                           "{0}: made with other options than {1} (--shard N, --now, --since, "
                           "--half-life, --host-weight must be the same in every shard)",
                           S.objectUrl(Key),
                           S.objectUrl(partialKey(Service, Run, Header.Shard, "json")));
    }
    Seen.insert(H.Shard.Index);
    for (HostStat &HS : A.Hosts) {
      if (!Hosts.insert(HS.Host).second)
        return makeKindError(ErrorKind::Mismatch, "{0}: host {1} is in two shards",
                             S.objectUrl(Key), HS.Host);
      Out.Hosts.push_back(std::move(HS));
    }
    for (BuildStat &B : A.Builds) {
      BuildStat &Into = Builds[B.BuildId];
      Into.BuildId = B.BuildId;
      Into.Windows += B.Windows;
      Into.Samples = llvm::SaturatingAdd(Into.Samples, B.Samples);
      Into.Keys.insert(Into.Keys.end(), B.Keys.begin(), B.Keys.end());
    }
    Out.Keys.insert(Out.Keys.end(), A.Keys.begin(), A.Keys.end());
    Out.Warnings.insert(Out.Warnings.end(), A.Warnings.begin(), A.Warnings.end());
    Out.TooOld += A.TooOld;
    Out.Samples = llvm::SaturatingAdd(Out.Samples, A.Samples);
    Out.SamplesInService = llvm::SaturatingAdd(Out.SamplesInService, A.SamplesInService);
    if (A.Windows) {
      bool FirstWin = Out.Windows == 0;
      Out.FirstStart = FirstWin ? A.FirstStart : std::min(Out.FirstStart, A.FirstStart);
      Out.LastStart = FirstWin ? A.LastStart : std::max(Out.LastStart, A.LastStart);
      Out.Windows += A.Windows;
      std::string PKey = partialKey(Service, Run, H.Shard, "pgoprof");
      llvm::Expected<std::string> Body = store::getObject(S, PKey, readLimit(MaxMemory));
      if (!Body)
        return Body.takeError();
      llvm::Expected<Profile> P =
          parseProfile(*Body, S.objectUrl(PKey), readOptions(MaxMemory));
      if (!P)
        return P.takeError();
      if (llvm::Error E = All.add({std::move(*P), 1, PKey}))
        return std::move(E);
    }
    First = false;
  }
  if (Seen.size() != Jsons.size() || Seen.size() != Header.Shard.Count) {
    std::string Missing;
    unsigned Listed = 0;
    for (unsigned I = 0; I < Header.Shard.Count; ++I)
      if (!Seen.count(I) && Listed++ < 20)
        Missing += (Missing.empty() ? "" : ", ") + std::to_string(I);
    if (Listed > 20)
      Missing += llvm::formatv(", ... ({0} in all)", Listed).str();
    return makeKindError(ErrorKind::Input,
                         "{0}: run {1} of {2} has {3} partials of {4} (missing shards: {5})",
                         S.url(), Run, Service, Jsons.size(), Header.Shard.Count,
                         Missing.empty() ? "none; some twice" : Missing);
  }
  llvm::sort(Out.Hosts, [](const HostStat &A, const HostStat &B) { return A.Host < B.Host; });
  llvm::sort(Out.Keys);
  for (auto &[Id, B] : Builds) {
    llvm::sort(B.Keys);
    Out.Builds.push_back(std::move(B));
  }
  if (Out.Windows) {
    llvm::Expected<Profile> P = All.finish();
    if (!P)
      return P.takeError();
    Out.P = std::move(*P);
  }
  return Out;
}

} // namespace pgoctl::refresh
