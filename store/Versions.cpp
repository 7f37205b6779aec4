// store/Versions.cpp: see Versions.h.
#include "store/Versions.h"

#include "core/Error.h"
#include "core/Profile.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"

#include <chrono>
#include <ctime>
#include <random>
#include <set>
#include <thread>

namespace pgoctl::store {

namespace {

/// HEAD (for the ETag a later compare-and-swap needs), then GET and parse a
/// small JSON description; nullopt when there is none. A store whose PUT is
/// not atomic (npm's s3rver rewrites the file in place) can show another
/// writer's object half-written: a text that does not parse is read again,
/// and is damage only when the same bytes come back under the same ETag.
template <typename T>
llvm::Expected<std::optional<T>>
readDescription(Store &S, llvm::StringRef Key, std::string &ETag,
                llvm::function_ref<llvm::Expected<T>(llvm::StringRef, llvm::StringRef)> Parse) {
  std::string PrevText, PrevETag;
  constexpr unsigned kReads = 6;
  for (unsigned Read = 0;; ++Read) {
    llvm::Expected<std::optional<ObjectInfo>> H = S.head(Key);
    if (!H)
      return H.takeError();
    if (!*H)
      return std::nullopt;
    ETag = (*H)->ETag;
    llvm::Expected<std::string> Text = getObject(S, Key, 1 << 20);
    if (!Text)
      return Text.takeError();
    llvm::Expected<T> V = Parse(*Text, S.objectUrl(Key));
    if (V)
      return std::optional<T>(std::move(*V));
    bool Same = Read > 0 && ETag == PrevETag && *Text == PrevText;
    if (Same || Read + 1 == kReads)
      return V.takeError();
    llvm::consumeError(V.takeError());
    PrevText = std::move(*Text);
    PrevETag = ETag;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * (Read + 1)));
  }
}

} // namespace

void describeWindows(VersionInfo &Info, const WindowFigures &F) {
  Info.BuildIds = F.BuildIds;
  Info.Hosts = F.Hosts;
  if (F.Inputs.size() <= kMaxListedInputs) {
    Info.Inputs = F.Inputs;
  } else {
    std::map<std::string, uint64_t> PerDir;
    for (const std::string &K : F.Inputs)
      ++PerDir[llvm::StringRef(K).rsplit('/').first.str() + "/"];
    Info.Inputs.clear();
    for (const auto &[Dir, N] : PerDir)
      Info.Inputs.push_back(Dir + " (" + std::to_string(N) + " windows)");
  }
  Info.WindowStart = F.FirstStart;
  Info.WindowEnd = F.LastStart;
  Info.Samples = F.Samples;
  Info.Quality["windows"] = double(F.Windows);
}

WindowFigures windowFiguresOf(const Profile &P) {
  WindowFigures F;
  std::set<std::string> Ids, Hosts;
  // The builds of the service: its executables (as refresh records the main
  // binaries it used), not the libraries and kernel they ran with.
  for (const BinaryProfile &B : P.Binaries)
    if (!B.BuildId.empty() && !B.IsKernel && !isSharedLibrary(B))
      Ids.insert(B.BuildId);
  if (const BinaryProfile *M = mainBinary(P); Ids.empty() && M && !M->BuildId.empty())
    Ids.insert(M->BuildId);
  auto label = [&](llvm::StringRef K) -> llvm::StringRef {
    auto It = P.Meta.Labels.find(K.str());
    return It == P.Meta.Labels.end() ? llvm::StringRef() : llvm::StringRef(It->second);
  };
  llvm::SmallVector<llvm::StringRef, 8> Hs;
  label("host").split(Hs, ',', -1, false);
  for (llvm::StringRef X : Hs)
    Hosts.insert(X.trim().str());
  // A `host` label names the hosts (collect and push set it, a merge joins
  // them); the recordings' own host names count only without one.
  for (const Provenance &Pv : P.Meta.Inputs) {
    if (Hs.empty() && !Pv.Host.empty())
      Hosts.insert(Pv.Host);
    F.Inputs.push_back(Pv.Source);
  }
  F.BuildIds.assign(Ids.begin(), Ids.end());
  F.Hosts.assign(Hosts.begin(), Hosts.end());
  auto num = [&](llvm::StringRef K) {
    int64_t V = 0;
    return label(K).trim().getAsInteger(10, V) ? int64_t(0) : V;
  };
  F.FirstStart = num("window-start");
  F.LastStart = num("window-end");
  if (!F.FirstStart && !F.LastStart)
    F.FirstStart = F.LastStart = num("start");
  F.Samples = P.Meta.TotalSamples;
  int64_t W = num("window-count");
  F.Windows = W > 0 ? uint64_t(W) : std::max<uint64_t>(1, P.Meta.Inputs.size());
  return F;
}

llvm::Expected<std::string> publishVersion(Store &S, VersionInfo Info,
                                           const std::map<std::string, std::string> &Forms) {
  if (llvm::Error E = checkKeyPart(Info.Service, "service"))
    return std::move(E);
  auto P = Forms.find("pgoprof");
  if (P == Forms.end())
    return makeKindError(ErrorKind::Usage, "a version needs its .pgoprof");
  Info.Version = sha256Hex(P->second);
  Info.Forms.clear();
  Info.FormSha256.clear();
  for (const auto &[Form, Bytes] : Forms) {
    if (!llvm::is_contained(kVersionForms, Form))
      return makeKindError(ErrorKind::Usage, "`{0}` is not a form of a version", Form);
    Info.Forms.push_back(Form);
    Info.FormSha256[Form] = sha256Hex(Bytes);
    if (llvm::Error E = S.put(versionKey(Info.Service, Info.Version, Form), Bytes))
      return std::move(E);
  }
  // Published before (same bytes, same version): keep the forms stored then
  // and its first creation time, so publishing again never loses a form. The
  // .json is written by compare-and-swap against what was read, so a
  // publisher that wrote it meanwhile (with another form) is merged, not
  // overwritten: on a lost swap, read and merge again.
  std::string JsonKey = versionKey(Info.Service, Info.Version, "json");
  const VersionInfo Mine = Info;
  constexpr unsigned kTries = 8;
  for (unsigned Try = 0; Try < kTries; ++Try) {
    Info = Mine;
    std::string ETag;
    llvm::Expected<std::optional<VersionInfo>> Had =
        readDescription<VersionInfo>(S, JsonKey, ETag, parseVersionInfo);
    if (!Had)
      return addContext(Had.takeError(), "publishing again over a damaged version description");
    if (*Had) {
      const std::optional<VersionInfo> &Old = *Had;
      for (const auto &[Form, Sha] : Old->FormSha256)
        if (!Info.FormSha256.count(Form)) {
          Info.Forms.push_back(Form);
          Info.FormSha256[Form] = Sha;
        }
      llvm::sort(Info.Forms);
      Info.Created = Old->Created;
      if (Info.Parent.empty())
        Info.Parent = Old->Parent;
    }
    if (Info.Created.empty())
      Info.Created = utcTime(int64_t(std::time(nullptr)));
    llvm::Expected<bool> Put = S.putIf(JsonKey, renderVersionInfo(Info), ETag);
    if (!Put)
      return Put.takeError();
    if (*Put)
      return Info.Version;
  }
  return makeKindError(ErrorKind::Resource,
                       "{0}: {1} was rewritten by other publishers {2} times while this one "
                       "wrote it; the forms are stored: publish again",
                       S.url(), JsonKey, kTries);
}

llvm::Expected<ChannelState> readChannel(Store &S, llvm::StringRef Service, llvm::StringRef Name) {
  if (llvm::Error E = checkKeyPart(Service, "service"))
    return std::move(E);
  if (llvm::Error E = checkKeyPart(Name, "channel"))
    return std::move(E);
  std::string Key = channelKey(Service, Name);
  ChannelState St;
  // The ETag first: if the channel moves between the two reads, a move
  // based on this state fails its compare-and-swap.
  llvm::Expected<std::optional<ChannelInfo>> C =
      readDescription<ChannelInfo>(S, Key, St.ETag, parseChannelInfo);
  if (!C)
    return C.takeError();
  St.Info = std::move(*C);
  return St;
}

llvm::Expected<bool> moveChannel(Store &S, llvm::StringRef Service, llvm::StringRef Name,
                                 llvm::StringRef Version, const ChannelState &Seen) {
  if (!isSha256(Version))
    return makeKindError(ErrorKind::Usage, "version `{0}` is not a sha256",
                         escapeForTerminal(Version, 80));
  ChannelInfo C;
  C.Version = Version.str();
  C.Previous = Seen.Info ? Seen.Info->Version : "";
  C.Moved = utcTime(int64_t(std::time(nullptr)));
  std::mt19937_64 Rng(std::random_device{}());
  C.Writer = llvm::utohexstr(Rng(), true) + llvm::utohexstr(Rng(), true);
  return S.putIf(channelKey(Service, Name), renderChannelInfo(C), Seen.ETag);
}

llvm::Expected<VersionInfo> resolveVersion(Store &S, llvm::StringRef Service,
                                           llvm::StringRef Channel, llvm::StringRef Version) {
  if (llvm::Error E = checkKeyPart(Service, "service"))
    return std::move(E);
  std::string V = Version.str();
  if (!Channel.empty()) {
    llvm::Expected<ChannelState> C = readChannel(S, Service, Channel);
    if (!C)
      return C.takeError();
    if (!C->Info)
      return makeKindError(ErrorKind::Input, "{0}: service {1} has no channel `{2}`", S.url(),
                           Service, Channel);
    V = C->Info->Version;
  } else if (!isSha256(V)) {
    return makeKindError(ErrorKind::Usage, "version `{0}` is not a sha256 (64 hex digits)",
                         escapeForTerminal(V, 80));
  }
  std::string Key = versionKey(Service, V, "json");
  llvm::Expected<std::string> Text = getObject(S, Key, 1 << 20);
  if (!Text)
    return Text.takeError();
  llvm::Expected<VersionInfo> Info = parseVersionInfo(*Text, S.objectUrl(Key));
  if (!Info)
    return Info.takeError();
  if (Info->Version != V || Info->Service != Service)
    return makeKindError(ErrorKind::Damaged, "{0}: describes {1} of {2}, not {3} of {4}",
                         S.objectUrl(Key), Info->Version, escapeForTerminal(Info->Service, 64), V,
                         Service);
  return Info;
}

llvm::Expected<GcResult> collectGarbage(Store &S, const GcOptions &Opts,
                                        const std::function<void(llvm::StringRef, uint64_t)> &Each) {
  GcResult R;
  // Every version a channel names, as "service/sha256". A channel that
  // cannot be read stops gc: it might name anything.
  std::set<std::string> Named;
  if (llvm::Error E = S.list("channels/", [&](const ObjectInfo &O) -> llvm::Error {
        llvm::Expected<std::string> Text = getObject(S, O.Key, 1 << 20);
        if (!Text)
          return Text.takeError();
        llvm::Expected<ChannelInfo> C = parseChannelInfo(*Text, S.objectUrl(O.Key));
        if (!C)
          return addContext(C.takeError(), "gc stops: a channel it cannot read may name any "
                                           "version");
        auto [Svc, Name] = llvm::StringRef(O.Key).drop_front(9).split('/');
        Named.insert((Svc + "/" + C->Version).str());
        return llvm::Error::success();
      }))
    return std::move(E);

  auto drop = [&](const ObjectInfo &O) -> llvm::Error {
    Each(O.Key, O.Size);
    ++R.Removed;
    R.Bytes += O.Size;
    return Opts.DryRun ? llvm::Error::success() : S.remove(O.Key);
  };
  // Raw windows by their start; keys that are not windows are left alone.
  std::vector<ObjectInfo> Old;
  if (llvm::Error E = S.list("raw/", [&](const ObjectInfo &O) {
        std::optional<RawWindow> W = parseRawKey(O.Key);
        if (W && W->Start < Opts.Cutoff)
          Old.push_back(O);
        return llvm::Error::success();
      }))
    return std::move(E);
  // Versions by the time their objects were written; the .json of a version
  // goes first, so it is never listed with forms missing.
  std::map<std::string, std::vector<ObjectInfo>> ByVersion; // "svc/sha" -> objects
  if (llvm::Error E = S.list("profiles/", [&](const ObjectInfo &O) {
        llvm::StringRef Rest = llvm::StringRef(O.Key).drop_front(9);
        auto [Svc, File] = Rest.split('/');
        llvm::StringRef Sha = File.split('.').first;
        if (!isSha256(Sha) || File.contains('/'))
          return llvm::Error::success();
        ByVersion[(Svc + "/" + Sha).str()].push_back(O);
        return llvm::Error::success();
      }))
    return std::move(E);
  for (const ObjectInfo &O : Old)
    if (llvm::Error E = drop(O))
      return std::move(E);
  for (auto &[Id, Objs] : ByVersion) {
    if (Named.count(Id)) {
      ++R.KeptByChannel;
      continue;
    }
    int64_t Newest = 0;
    for (const ObjectInfo &O : Objs)
      Newest = std::max(Newest, O.MTime);
    if (Newest >= Opts.Cutoff || Newest == 0)
      continue;
    std::stable_partition(Objs.begin(), Objs.end(), [](const ObjectInfo &O) {
      return llvm::StringRef(O.Key).ends_with(".json");
    });
    for (const ObjectInfo &O : Objs)
      if (llvm::Error E = drop(O))
        return std::move(E);
  }
  return R;
}

} // namespace pgoctl::store
