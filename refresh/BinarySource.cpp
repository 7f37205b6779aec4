// refresh/BinarySource.cpp: see BinarySource.h.
#include "refresh/BinarySource.h"
#include "core/Warn.h"

#include "binary/Locate.h"
#include "core/Error.h"
#include "core/Support.h"
#include "store/Http.h"
#include "store/Layout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <unistd.h>

namespace pgoctl::refresh {

namespace fs = llvm::sys::fs;

std::vector<std::string> splitDebuginfodUrls(llvm::StringRef Value) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Value.split(Parts, ' ', -1, /*KeepEmpty=*/false);
  std::vector<std::string> Out;
  for (llvm::StringRef P : Parts)
    if (!P.trim().empty())
      Out.push_back(P.trim().str());
  return Out;
}

namespace {

/// A debuginfod base URL without its trailing `/`, or a usage error. The URL
/// reaches messages, so it may hold no control characters and no credentials.
llvm::Expected<std::string> checkUrl(llvm::StringRef Url) {
  llvm::StringRef U = Url;
  while (U.ends_with("/"))
    U = U.drop_back();
  llvm::StringRef Rest = U;
  if (!Rest.consume_front("http://") && !Rest.consume_front("https://"))
    return makeKindError(ErrorKind::Usage, "debuginfod URL `{0}`: expected http:// or https://",
                         escapeForTerminal(Url, 200));
  if (Rest.split('/').first.contains('@'))
    return makeKindError(ErrorKind::Usage,
                         "a debuginfod URL holds a user name or password (`user@host`): "
                         "credentials are never taken from a URL");
  if (Rest.empty() || llvm::any_of(U, [](unsigned char C) { return C <= ' ' || C >= 0x7f; }))
    return makeKindError(ErrorKind::Usage,
                         "debuginfod URL `{0}`: no host, or spaces or control characters",
                         escapeForTerminal(Url, 200));
  return U.str();
}

/// The default cache folder: $XDG_CACHE_HOME/pgoctl/binaries, else
/// $HOME/.cache/pgoctl/binaries; "" when neither is set.
std::string defaultCacheDir() {
  llvm::SmallString<256> P;
  if (const char *X = std::getenv("XDG_CACHE_HOME"); X && llvm::sys::path::is_absolute(X))
    P = X;
  else if (const char *H = std::getenv("HOME"); H && *H) {
    P = H;
    llvm::sys::path::append(P, ".cache");
  } else
    return "";
  llvm::sys::path::append(P, "pgoctl", "binaries");
  return std::string(P);
}

/// True when the file starts with the ELF magic (unreadable files: false).
bool looksLikeElf(const std::string &Path) {
  int FD = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (FD < 0)
    return false;
  char Magic[4];
  ssize_t N = ::read(FD, Magic, sizeof Magic);
  ::close(FD);
  return N == 4 && std::memcmp(Magic, "\x7f" "ELF", 4) == 0;
}

} // namespace

/// One download into the cache: Get streams the body to the sink and says
/// whether the source had it; From names the source in FoundBinary and errors.
struct BinarySource::Fetch {
  std::function<llvm::Expected<bool>(const store::Sink &)> Get;
  std::string From;
};

BinarySource::BinarySource(BinarySourceOptions O) : Opts(std::move(O)) {}
BinarySource::~BinarySource() = default;

llvm::Expected<std::unique_ptr<BinarySource>> BinarySource::create(BinarySourceOptions Opts) {
  if (Opts.DebuginfodUrls.empty())
    if (const char *Env = std::getenv("DEBUGINFOD_URLS"))
      Opts.DebuginfodUrls = splitDebuginfodUrls(Env);
  for (std::string &U : Opts.DebuginfodUrls) {
    llvm::Expected<std::string> Checked = checkUrl(U);
    if (!Checked)
      return Checked.takeError();
    U = std::move(*Checked);
  }
  if (Opts.CacheDir.empty())
    Opts.CacheDir = defaultCacheDir();
  bool Fetches = Opts.Store || !Opts.DebuginfodUrls.empty();
  if (Opts.CacheDir.empty() && Fetches)
    return makeKindError(ErrorKind::Usage,
                         "no folder for fetched binaries: set XDG_CACHE_HOME or HOME, or give "
                         "a cache folder");
  std::unique_ptr<BinarySource> S(new BinarySource(std::move(Opts)));
  if (!S->Opts.DebuginfodUrls.empty())
    S->Http = std::make_unique<store::HttpClient>(store::HttpOptions{});
  if (llvm::Error E = S->indexPaths())
    return std::move(E);
  return S;
}

llvm::Error BinarySource::indexPaths() {
  std::vector<std::string> Files;
  for (const std::string &P : Opts.Paths) {
    fs::file_status St;
    if (std::error_code EC = fs::status(P, St))
      return makeKindError(ErrorKind::Input, "--binary {0}: {1}", P, EC.message());
    if (!fs::is_directory(St)) {
      Files.push_back(P);
      continue;
    }
    // A folder: its ELF files, one level, in name order (the first of two
    // files with one build-id wins, whatever the folder's listing order).
    std::vector<std::string> Entries;
    std::error_code EC;
    for (fs::directory_iterator It(P, EC), End; It != End && !EC; It.increment(EC))
      Entries.push_back(It->path());
    if (EC)
      return makeKindError(ErrorKind::Input, "--binary {0}: {1}", P, EC.message());
    llvm::sort(Entries);
    for (const std::string &E : Entries) {
      if (!fs::is_regular_file(E) || !looksLikeElf(E))
        continue;
      llvm::Expected<std::vector<binary::Candidate>> C = binary::readCandidates({E});
      if (!C) {
        warnTo(Opts.Warn,
               llvm::formatv("--binary {0}: skipped: {1}", P, llvm::toString(C.takeError()))
                   .str());
        continue;
      }
      if (!C->front().Elf.BuildId.empty())
        Given.emplace(C->front().Elf.BuildId, E);
    }
  }
  llvm::Expected<std::vector<binary::Candidate>> C = binary::readCandidates(Files);
  if (!C)
    return C.takeError();
  for (const binary::Candidate &X : *C) {
    if (X.Elf.BuildId.empty())
      warnTo(Opts.Warn, llvm::formatv("--binary {0} has no build-id: it cannot stand for a "
                                      "build by build-id",
                                      X.Path)
                            .str());
    else
      Given.emplace(X.Elf.BuildId, X.Path);
  }
  return llvm::Error::success();
}

llvm::Expected<std::optional<FoundBinary>> BinarySource::find(llvm::StringRef BuildId,
                                                              llvm::StringRef Name) {
  if (llvm::Error E = store::checkBuildId(BuildId, "build-id"))
    return std::move(E);
  if (auto It = Given.find(BuildId.str()); It != Given.end())
    return FoundBinary{It->second, "--binary"};
  if (std::optional<FoundBinary> F = fromCache(BuildId))
    return F;
  if (Opts.Store) {
    llvm::Expected<std::optional<FoundBinary>> F = fromStore(BuildId, Name);
    if (!F || *F)
      return F;
  }
  // A server that could not answer (after the client's retries) leaves the
  // next ones to try; a wrong answer or a limit is an error at once.
  std::vector<std::string> Failed;
  for (const std::string &Url : Opts.DebuginfodUrls) {
    llvm::Expected<std::optional<FoundBinary>> F = fromDebuginfod(BuildId, Url, Failed);
    if (!F || *F)
      return F;
  }
  if (!Failed.empty())
    return makeKindError(ErrorKind::Input,
                         "build-id {0}: not found, and {1} debuginfod server{2} could not "
                         "answer: {3}",
                         BuildId, Failed.size(), Failed.size() == 1 ? "" : "s",
                         llvm::join(Failed, "; "));
  return std::nullopt;
}

std::optional<FoundBinary> BinarySource::fromCache(llvm::StringRef BuildId) {
  if (Opts.CacheDir.empty())
    return std::nullopt;
  llvm::SmallString<256> P(Opts.CacheDir);
  llvm::sys::path::append(P, BuildId, "executable");
  if (!fs::exists(P))
    return std::nullopt;
  llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo(P);
  if (Elf && Elf->BuildId == BuildId)
    return FoundBinary{std::string(P), "cache"};
  std::string Why = Elf ? "carries build-id " + (Elf->BuildId.empty() ? "none" : Elf->BuildId)
                        : llvm::toString(Elf.takeError());
  warnTo(Opts.Warn,
      llvm::formatv("cache: {0} is not build-id {1} ({2}); removed, fetching it again", P,
                    BuildId, Why)
          .str());
  fs::remove(P);
  return std::nullopt;
}

llvm::Expected<std::optional<FoundBinary>> BinarySource::fromStore(llvm::StringRef BuildId,
                                                                   llvm::StringRef Name) {
  llvm::Expected<std::string> Prefix = store::binariesPrefix(BuildId);
  if (!Prefix)
    return Prefix.takeError();
  // The object named like the binary the profile recorded, else the first.
  std::string Want = llvm::sys::path::filename(Name).str(), Pick;
  if (llvm::Error E = Opts.Store->list(*Prefix, [&](const store::ObjectInfo &O) -> llvm::Error {
        std::optional<store::BinaryObject> B = store::parseBinaryKey(O.Key);
        if (!B || B->BuildId != BuildId)
          return llvm::Error::success();
        if (Pick.empty() || (!Want.empty() && B->Name == Want))
          Pick = O.Key;
        return llvm::Error::success();
      }))
    return std::move(E);
  if (Pick.empty())
    return std::nullopt;
  Fetch F;
  F.From = "store";
  F.Get = [&](const store::Sink &Out) -> llvm::Expected<bool> {
    if (llvm::Error E = Opts.Store->get(Pick, Out, Opts.MaxBytes))
      return std::move(E);
    return true;
  };
  return fetchToCache(BuildId, F);
}

llvm::Expected<std::optional<FoundBinary>>
BinarySource::fromDebuginfod(llvm::StringRef BuildId, llvm::StringRef Url,
                             std::vector<std::string> &Failed) {
  store::HttpRequest Req;
  Req.Url = (Url + "/buildid/" + BuildId + "/executable").str();
  Fetch F;
  F.From = ("debuginfod " + Url).str();
  F.Get = [&](const store::Sink &Out) -> llvm::Expected<bool> {
    llvm::Expected<store::HttpResponse> R = Http->send(Req, &Out, Opts.MaxBytes);
    if (!R) {
      // The transport failed on every attempt; a body over the limit is an error.
      llvm::Error E = R.takeError();
      KindedMessage M = takeKindedMessage(std::move(E));
      if (M.Kind == ErrorKind::Resource)
        return makeKindError(ErrorKind::Resource, "{0}", M.Message);
      Failed.push_back(M.Message);
      return false;
    }
    if (R->Status == 200)
      return true;
    if (R->Status == 404)
      return false;
    if (R->Status >= 500 || R->Status == 429) {
      Failed.push_back(llvm::formatv("GET {0}: HTTP status {1}", Req.Url, R->Status).str());
      return false;
    }
    return makeKindError(ErrorKind::Damaged, "{0}: GET {1} answered HTTP status {2}", F.From,
                         Req.Url, R->Status);
  };
  return fetchToCache(BuildId, F);
}

llvm::Expected<std::optional<FoundBinary>> BinarySource::fetchToCache(llvm::StringRef BuildId,
                                                                      const Fetch &F) {
  // The part is written in the cache's root (one file system with its place)
  // and the build-id's folder made only for a whole, checked file.
  if (std::error_code EC = fs::create_directories(Opts.CacheDir))
    return makeKindError(ErrorKind::Input, "cache folder {0}: {1}", Opts.CacheDir, EC.message());
  llvm::SmallString<256> Dir(Opts.CacheDir), Final, Tmp;
  llvm::sys::path::append(Dir, BuildId);
  Final = Dir;
  llvm::sys::path::append(Final, "executable");
  int FD = -1;
  if (std::error_code EC = fs::createUniqueFile(
          Opts.CacheDir + "/.part-" + BuildId + "-%%%%%%%%", FD, Tmp))
    return makeKindError(ErrorKind::Input, "cache folder {0}: {1}", Opts.CacheDir, EC.message());
  bool Kept = false;
  auto Cleanup = llvm::scope_exit([&] {
    if (FD >= 0)
      ::close(FD);
    if (!Kept)
      fs::remove(Tmp);
  });
  store::Sink Out;
  Out.Write = [&](llvm::StringRef Chunk) -> llvm::Error {
    while (!Chunk.empty()) {
      ssize_t N = ::write(FD, Chunk.data(), Chunk.size());
      if (N < 0 && errno == EINTR)
        continue;
      if (N < 0)
        return makeKindError(ErrorKind::Resource, "writing {0}: {1}", Tmp, strerror(errno));
      Chunk = Chunk.drop_front(size_t(N));
    }
    return llvm::Error::success();
  };
  Out.Restart = [&] {
    if (::ftruncate(FD, 0) != 0 || ::lseek(FD, 0, SEEK_SET) != 0) {
      // The next write then fails on a closed descriptor and says so.
      ::close(FD);
      FD = -1;
    }
  };
  llvm::Expected<bool> Got = F.Get(Out);
  if (!Got)
    return Got.takeError();
  if (!*Got)
    return std::nullopt;
  if (FD < 0 || ::close(FD) != 0) {
    FD = -1;
    return makeKindError(ErrorKind::Resource, "writing {0}: {1}", Tmp, strerror(errno));
  }
  FD = -1;
  llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo(Tmp);
  if (!Elf)
    return makeKindError(ErrorKind::Damaged,
                         "{0} answered build-id {1} with a file that is not a readable ELF: {2}",
                         F.From, BuildId, llvm::toString(Elf.takeError()));
  if (Elf->BuildId != BuildId)
    return makeKindError(ErrorKind::Mismatch,
                         "{0} answered build-id {1} with a binary of build-id {2}", F.From,
                         BuildId, Elf->BuildId.empty() ? "none" : Elf->BuildId);
  if (std::error_code EC = fs::create_directories(Dir))
    return makeKindError(ErrorKind::Input, "cache folder {0}: {1}", Dir, EC.message());
  if (std::error_code EC = fs::rename(Tmp, Final))
    return makeKindError(ErrorKind::Input, "cache {0}: {1}", Final, EC.message());
  Kept = true;
  return FoundBinary{std::string(Final), F.From};
}

} // namespace pgoctl::refresh
