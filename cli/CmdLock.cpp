// cli/CmdLock.cpp: `pgoctl lock PROFILE --kind K [--version V] [--source S]
// [--created T] -o svc.pgolock`, and `pgoctl lock --show svc.pgolock`.
//
// Writes the lock file pgo_target() reads (lock/LockFile.h): the profile's
// sha256, its kind (checked against the file's first bytes, so an
// instrumented profile cannot be locked as a sample one) and where to fetch it
// (default: the profile's path relative to the lock's folder). `--show` reads
// a lock with the CMake module's rules and prints its fields.
//
// `pgoctl lock --store URL --service S (--channel N | --version SHA256) --kind
// profdata|fdata -o svc.pgolock` pins a published version instead: the form
// is downloaded, its sha256 computed (and checked against the version's .json)
// and its kind checked from its bytes; the lock's source is the object's URL
// (s3://bucket/prefix/profiles/S/SHA.profdata) and its version the sha256.
//
// `pgoctl lock --check svc.pgolock [--max-age 10d] [--now T]` is the
// staleness monitor for CI: exit 1 with one line why when the lock's
// `created` is older than --max-age (or missing, or in the future) or its
// source is gone (s3:// and file:// asked with the store's head, http(s)://
// with a HEAD request, a path checked on disk, relative to the lock's folder);
// 0 otherwise. `pgoctl lock --rollback svc.pgolock` swaps the pin and the
// previous one the lock keeps (`previous_*`, written by `pgoctl refresh`), so
// a second rollback undoes the first.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "convert/sample/Quality.h"
#include "core/Error.h"
#include "lock/LockFile.h"
#include "store/Http.h"
#include "store/Layout.h"
#include "store/Versions.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <ctime>

namespace pgoctl::cli {
namespace {

/// Path relative to the folder Base (both made absolute, dots removed).
std::string relativeTo(llvm::StringRef Path, llvm::StringRef Base) {
  llvm::SmallString<256> P(Path), B(Base);
  llvm::sys::fs::make_absolute(P);
  llvm::sys::fs::make_absolute(B);
  llvm::sys::path::remove_dots(P, true);
  llvm::sys::path::remove_dots(B, true);
  auto PI = llvm::sys::path::begin(P), PE = llvm::sys::path::end(P);
  auto BI = llvm::sys::path::begin(B), BE = llvm::sys::path::end(B);
  while (PI != PE && BI != BE && *PI == *BI)
    ++PI, ++BI;
  llvm::SmallString<256> R;
  for (; BI != BE; ++BI)
    llvm::sys::path::append(R, "..");
  for (; PI != PE; ++PI)
    llvm::sys::path::append(R, *PI);
  return R.empty() ? std::string(".") : std::string(R);
}

std::string nowUtc() {
  std::time_t T = std::time(nullptr);
  std::tm Tm{};
  gmtime_r(&T, &Tm);
  char Buf[32];
  std::strftime(Buf, sizeof Buf, "%Y-%m-%dT%H:%M:%SZ", &Tm);
  return Buf;
}

class LockCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    App.add_option("profile", Profile, "the profile to pin (.profdata, .fdata, BOLT YAML)");
    App.add_option("--kind", Kind, "profdata | instr-profdata | fdata | yaml (checked against "
                                   "the file)");
    App.add_option("--version", Version, "a label for the profile (letters, digits, . _ : + @ -); "
                                         "with --store: the version (sha256) to pin");
    App.add_option("--source", Source,
                   "where pgo_target() fetches it (default: the profile's path relative to the "
                   "lock's folder)");
    App.add_option("--created", Created, "UTC time it was recorded (default: now)");
    App.add_option("--max-bytes", MaxBytes, "largest profile read (default 1 GiB)");
    App.add_option("--quality", Quality, "the profile's quality verdict (good | thin | poor, "
                                         "from pgoctl convert), shown at configure")
        ->check(CLI::IsMember({"good", "thin", "poor"}));
    App.add_option("--quality-basis", QualityBasis,
                   "with --quality: what the samples count (branches | instructions | time, "
                   "convert's --quality-json `basis`)")
        ->check(CLI::IsMember({"branches", "instructions", "time"}));
    App.add_option("--quality-samples", QualitySamples,
                   "with --quality: the profile's raw samples (convert's quality line)");
    App.add_option("-o,--output", Output, "the lock file to write");
    App.add_option("--show", Show, "read a lock file, check it and print its fields");
    addStoreOptions(App, SA, /*StoreRequired=*/false);
    App.add_option("--service", Service, "with --store: the service");
    App.add_option("--channel", Channel, "with --store: pin the version this channel names");
    App.add_option("--check", Check, "exit 1 (one line why) when the lock is older than "
                                     "--max-age or its source is gone");
    App.add_option("--max-age", MaxAge, "with --check: the oldest `created` allowed (default 10d)");
    App.add_option("--now", Now, "with --check: the time to measure age from (UTC "
                                 "YYYY-MM-DDTHH:MM:SSZ; default now)");
    App.add_option("--rollback", Rollback, "swap the lock's pin and its previous one");
  }

  /// Why L's source is gone ("" when it is there).
  llvm::Expected<std::string> sourceGone(const lock::LockFile &L) {
    llvm::StringRef Src = L.Source;
    if (Src.starts_with("http://") || Src.starts_with("https://")) {
      store::HttpOptions HO;
      HO.Retry.MaxAttempts = SA.Attempts;
      HO.LowSpeedTimeoutSec = SA.TimeoutSec;
      store::HttpClient C(HO);
      store::HttpRequest Req;
      Req.Method = "HEAD";
      Req.Url = L.Source;
      llvm::Expected<store::HttpResponse> R = C.send(Req);
      if (!R)
        return R.takeError();
      if (R->Status >= 200 && R->Status < 300)
        return "";
      return llvm::formatv("source {0} answered HTTP {1} to HEAD", Src, R->Status).str();
    }
    if (Src.starts_with("s3://") || Src.starts_with("file://")) {
      llvm::Expected<store::ObjectUrl> U = store::splitObjectUrl(Src);
      if (!U)
        return U.takeError();
      llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA, U->StoreUrl);
      if (!S)
        return S.takeError();
      llvm::Expected<std::optional<store::ObjectInfo>> H = (*S)->head(U->Key);
      if (!H)
        return H.takeError();
      return *H ? std::string() : llvm::formatv("source {0} is gone from the store", Src).str();
    }
    if (Src.contains("://"))
      return makeKindError(ErrorKind::Input, "{0}: source `{1}`: cannot check this scheme "
                                             "(s3://, file://, http(s):// or a path)",
                           Check, Src);
    llvm::SmallString<256> P(Src);
    if (!llvm::sys::path::is_absolute(P)) {
      P = llvm::sys::path::parent_path(Check);
      llvm::sys::path::append(P, Src);
    }
    llvm::sys::fs::file_status St;
    if (llvm::sys::fs::status(P, St) || !llvm::sys::fs::exists(St))
      return llvm::formatv("source {0} does not exist", escapeForTerminal(P, 512)).str();
    if (St.type() != llvm::sys::fs::file_type::regular_file)
      return llvm::formatv("source {0} is not a regular file", escapeForTerminal(P, 512)).str();
    return "";
  }

  llvm::Expected<int> runCheck() {
    llvm::Expected<lock::LockFile> L = lock::readLockFile(Check);
    if (!L)
      return L.takeError();
    llvm::Expected<int64_t> Max = store::parseDuration(MaxAge, "--max-age");
    if (!Max)
      return Max.takeError();
    int64_t NowT = int64_t(std::time(nullptr));
    if (!Now.empty()) {
      llvm::Expected<int64_t> T = lock::parseCreated(Now);
      if (!T)
        return makeKindError(ErrorKind::Usage, "--now: {0}", llvm::toString(T.takeError()));
      NowT = *T;
    }
    // Every value passed the reader's checks: printable ASCII only; the
    // lock's name is escaped.
    std::string Name = escapeForTerminal(Check, 512);
    auto Stale = [&](const std::string &Why) {
      llvm::outs() << "pgoctl lock --check: " << Name << ": " << Why << "\n";
      return 1;
    };
    if (L->Created.empty())
      return Stale("no `created` time: its age is unknown");
    llvm::Expected<int64_t> Created = lock::parseCreated(L->Created);
    if (!Created)
      return Created.takeError();
    if (*Created > NowT)
      return Stale(llvm::formatv("created {0}, in the future (a clock or the lock is wrong)",
                                 L->Created)
                       .str());
    int64_t Age = NowT - *Created;
    if (Age > *Max)
      return Stale(llvm::formatv("stale: created {0}, {1} days ago, older than --max-age {2}",
                                 L->Created, Age / 86400, MaxAge)
                       .str());
    llvm::Expected<std::string> Gone = sourceGone(*L);
    if (!Gone)
      return Gone.takeError();
    if (!Gone->empty())
      return Stale(*Gone);
    llvm::outs() << "pgoctl lock --check: " << Name << ": ok: created " << L->Created << ", "
                 << Age / 86400 << " days ago (--max-age " << MaxAge << "), source there\n";
    return 0;
  }

  llvm::Expected<int> runRollback() {
    llvm::Expected<lock::LockFile> L = lock::readLockFile(Rollback);
    if (!L)
      return L.takeError();
    llvm::Expected<lock::LockFile> Back = lock::rollBack(*L, Rollback);
    if (!Back)
      return Back.takeError();
    Output = Rollback;
    if (llvm::Error E = writeLock(*Back))
      return std::move(E);
    llvm::errs() << "pgoctl lock: " << escapeForTerminal(Rollback, 512) << ": back to sha256 "
                 << llvm::StringRef(Back->Sha256).take_front(12) << " (was "
                 << llvm::StringRef(L->Sha256).take_front(12) << "; --rollback again undoes it)\n";
    return 0;
  }

  /// The locked kind as detected from a file's first bytes.
  static lock::DetectedKind detectedFor(lock::ProfileKind K) {
    return K == lock::ProfileKind::Profdata        ? lock::DetectedKind::Profdata
           : K == lock::ProfileKind::InstrProfdata ? lock::DetectedKind::InstrProfdata
           : K == lock::ProfileKind::Fdata         ? lock::DetectedKind::Fdata
                                                   : lock::DetectedKind::Yaml;
  }

  /// Writes L to Output after a round trip through the reader.
  llvm::Error writeLock(const lock::LockFile &L) {
    llvm::Expected<std::string> Text = lock::renderLockFile(L);
    if (!Text)
      return addContext(Text.takeError(), "cannot write " + Output);
    if (llvm::Expected<lock::LockFile> Back = lock::parseLockFile(*Text, Output); !Back)
      return Back.takeError();
    return writeFileAtomic(Output, *Text);
  }

  llvm::Expected<int> runStore(CommandContext &Ctx) {
    if (!Profile.empty() || Output.empty() || Kind.empty() || Service.empty() ||
        Channel.empty() == Version.empty())
      return makeKindError(ErrorKind::Usage,
                           "usage: pgoctl lock --store URL --service S (--channel NAME | "
                           "--version SHA256) --kind profdata|fdata|yaml -o LOCK");
    std::optional<lock::ProfileKind> K = lock::parseKind(Kind);
    if (K != lock::ProfileKind::Profdata && K != lock::ProfileKind::Fdata &&
        K != lock::ProfileKind::Yaml)
      return makeKindError(ErrorKind::Usage,
                           "--kind `{0}`: a store holds profdata, fdata and yaml", Kind);
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    llvm::Expected<store::VersionInfo> Info =
        store::resolveVersion(**S, Service, Channel, Version);
    if (!Info)
      return Info.takeError();
    if (!llvm::is_contained(Info->Forms, Kind))
      return makeKindError(ErrorKind::Input,
                           "{0}: version {1} of {2} has no {3} form (publish it with --to {3})",
                           (*S)->url(), Info->Version, Service, Kind);
    std::string Key = store::versionKey(Service, Info->Version, Kind);
    llvm::Expected<std::string> Body = [&] {
      Stats::Pass P(Ctx.PassStats, "download and hash");
      return store::getObject(**S, Key, MaxBytes);
    }();
    if (!Body)
      return Body.takeError();
    std::string Sha = store::sha256Hex(*Body);
    if (auto It = Info->FormSha256.find(Kind); It != Info->FormSha256.end() && It->second != Sha)
      return makeKindError(ErrorKind::Damaged, "{0}: sha256 {1}, but the version's .json says {2}",
                           (*S)->objectUrl(Key), Sha, escapeForTerminal(It->second, 80));
    lock::DetectedKind Found =
        sniffFileKind(llvm::MemoryBufferRef(*Body, (*S)->objectUrl(Key)));
    if (Found != detectedFor(*K))
      return makeKindError(ErrorKind::Damaged, "{0}: --kind {1}, but the object is {2}",
                           (*S)->objectUrl(Key), Kind, describe(Found));
    lock::LockFile L;
    L.Kind = *K;
    L.Version = Info->Version;
    L.Sha256 = Sha;
    L.Source = (*S)->objectUrl(Key);
    L.Created = Info->Created.empty() ? nowUtc() : Info->Created;
    setQuality(L);
    if (auto V = Info->Quality.find("quality.verdict"); L.Quality.empty() && V != Info->Quality.end()) {
      // refresh's figures (convert/sample/Quality.h): 0 good, 1 thin, 2 poor.
      if (V->second == 0 || V->second == 1 || V->second == 2)
        L.Quality = V->second == 0 ? "good" : V->second == 1 ? "thin" : "poor";
      if (auto N = Info->Quality.find("quality.samples");
          N != Info->Quality.end() && N->second >= 0 && N->second < 1e19)
        L.QualitySamples = uint64_t(N->second);
      if (auto B = Info->Quality.find("quality.basis"); B != Info->Quality.end())
        for (auto K : {convert::QualityBasis::Branches, convert::QualityBasis::Instructions,
                       convert::QualityBasis::Time})
          if (B->second == double(int(K)))
            L.QualityBasis = convert::basisName(K).str();
    }
    if (llvm::Error E = writeLock(L))
      return std::move(E);
    llvm::errs() << "pgoctl lock: wrote " << Output << ": " << Kind << " of " << Service
                 << (Channel.empty() ? "" : "/" + Channel) << " sha256 "
                 << llvm::StringRef(Sha).take_front(12) << "\n";
    return 0;
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (!Check.empty() || !Rollback.empty()) {
      if (!Check.empty() + !Rollback.empty() + !Show.empty() > 1 || !Profile.empty() ||
          !Output.empty() || !SA.Url.empty())
        return makeKindError(ErrorKind::Usage, "usage: pgoctl lock --check LOCK [--max-age 10d] "
                                               "[--now T], or pgoctl lock --rollback LOCK");
      return Check.empty() ? runRollback() : runCheck();
    }
    if (MaxAge != "10d" || !Now.empty())
      return makeKindError(ErrorKind::Usage, "--max-age and --now go with --check");
    if (!SA.Url.empty())
      return runStore(Ctx);
    if (!Service.empty() || !Channel.empty())
      return makeKindError(ErrorKind::Usage, "--service and --channel go with --store");
    if (!Show.empty()) {
      if (!Profile.empty() || !Output.empty())
        return makeError("--show takes a lock file only (no PROFILE, no -o)");
      llvm::Expected<lock::LockFile> L = lock::readLockFile(Show);
      if (!L)
        return L.takeError();
      // Every value passed the reader's checks: printable ASCII only.
      llvm::raw_ostream &OS = llvm::outs();
      OS << "version: " << L->Version << "\n"
         << "kind:    " << (L->Kind ? lock::kindName(*L->Kind) : "") << "\n"
         << "sha256:  " << L->Sha256 << "\n"
         << "source:  " << L->Source << "\n"
         << "created: " << L->Created << "\n";
      if (const std::optional<lock::PreviousPin> &P = L->Previous)
        OS << "previous version: " << P->Version << "\n"
           << "previous sha256:  " << P->Sha256 << "\n"
           << "previous source:  " << P->Source << "\n"
           << "previous created: " << P->Created << "\n";
      if (!L->Quality.empty())
        OS << "quality: " << L->Quality << "\n";
      if (L->QualitySamples)
        OS << "quality samples: " << *L->QualitySamples << "\n";
      if (!L->QualityBasis.empty())
        OS << "quality basis: " << L->QualityBasis << "\n";
      return 0;
    }
    if (Profile.empty() || Output.empty() || Kind.empty())
      return makeError("usage: pgoctl lock PROFILE --kind profdata|instr-profdata|fdata|yaml -o "
                       "LOCK (or --show LOCK)");
    std::optional<lock::ProfileKind> K = lock::parseKind(Kind);
    if (!K)
      return makeError("--kind `{0}`: one of profdata, instr-profdata, fdata, yaml", Kind);
    llvm::Expected<lock::ProfileFacts> F = [&] {
      Stats::Pass P(Ctx.PassStats, "hash");
      return lock::inspectProfile(Profile, MaxBytes);
    }();
    if (!F)
      return F.takeError();
    lock::DetectedKind Want = detectedFor(*K);
    if (F->Kind != Want)
      return makeError("{0}: --kind {1}, but the file is {2}", Profile, Kind,
                       describe(F->Kind));

    lock::LockFile L;
    L.Kind = *K;
    L.Version = Version;
    L.Sha256 = F->Sha256;
    L.Created = Created.empty() ? nowUtc() : Created;
    setQuality(L);
    L.Source = Source;
    if (L.Source.empty())
      L.Source = relativeTo(Profile, llvm::sys::path::parent_path(Output));
    if (llvm::Error E = writeLock(L))
      return std::move(E);
    llvm::errs() << "pgoctl lock: wrote " << Output << ": " << Kind << " sha256 "
                 << llvm::StringRef(F->Sha256).take_front(12) << "\n";
    return 0;
  }

private:
  /// --quality and --quality-samples into L.
  void setQuality(lock::LockFile &L) const {
    L.Quality = Quality;
    L.QualitySamples = QualitySamples;
    L.QualityBasis = QualityBasis;
  }

  std::string Profile, Kind, Version, Source, Created, Output, Show, Quality, QualityBasis;
  std::optional<uint64_t> QualitySamples;
  std::string Service, Channel;
  std::string Check, Rollback, MaxAge = "10d", Now;
  StoreArgs SA;
  uint64_t MaxBytes = uint64_t(1) << 30;
};

} // namespace

std::unique_ptr<Command> makeLockCommand() { return std::make_unique<LockCommand>(); }

} // namespace pgoctl::cli
