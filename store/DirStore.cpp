// store/DirStore.cpp: a store in a folder (`file:///path`).
//
// An object is the file <root>/<key>. put() goes through writeFileAtomic (a
// temporary file beside it, fsync, rename), so a reader sees the old file or
// the new one. The ETag of an object is the sha256 of its bytes (head()
// reads the file to compute it; list() leaves it empty).
//
// putIf() (compare-and-swap) holds a lock file `<key>.pgoctl-lock`, created
// with O_CREAT|O_EXCL (atomic on a local file system and on NFSv3+), while it
// compares the current ETag and renames the new file into place. A writer that
// finds the lock waits up to 10 s, then fails naming the lock file and its
// holder (pid and host, nothing else), so a lock left by a killed process is
// removed by hand, never silently broken. Temporary files and lock files are
// not objects: list() skips them.
#include "store/StoreImpl.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace pgoctl::store {
namespace {

constexpr llvm::StringLiteral kLockSuffix = ".pgoctl-lock";

/// writeFileAtomic's temporary files: `<name>.tmpXXXXXX`.
bool isTempName(llvm::StringRef Name) {
  size_t P = Name.rfind(".tmp");
  return P != llvm::StringRef::npos && Name.size() - P == 10;
}

class DirStore : public Store {
public:
  DirStore(std::string Url, std::string Root) : Url(std::move(Url)), Root(std::move(Root)) {}

  const std::string &url() const override { return Url; }
  std::string objectUrl(llvm::StringRef Key) const override { return "file://" + path(Key); }

  llvm::Error put(llvm::StringRef Key, llvm::StringRef Data) override {
    if (llvm::Error E = checkKey(Key))
      return E;
    std::string P = path(Key);
    if (std::error_code EC = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(P)))
      return makeKindError(ErrorKind::Input, "{0}: cannot create the folder of {1}: {2}", Url, Key,
                           EC.message());
    return writeFileAtomic(P, Data);
  }

  llvm::Expected<bool> putIf(llvm::StringRef Key, llvm::StringRef Data,
                             llvm::StringRef ExpectETag) override {
    if (llvm::Error E = checkKey(Key))
      return std::move(E);
    std::string P = path(Key);
    if (std::error_code EC = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(P)))
      return makeKindError(ErrorKind::Input, "{0}: cannot create the folder of {1}: {2}", Url, Key,
                           EC.message());
    std::string Lock = P + kLockSuffix.str();
    int FD = -1;
    auto Deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((FD = ::open(Lock.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)) < 0) {
      if (errno != EEXIST)
        return makeKindError(ErrorKind::Input, "cannot create the lock file {0}: {1}", Lock,
                             strerror(errno));
      if (std::chrono::steady_clock::now() > Deadline) {
        std::string Holder = readSmall(Lock);
        return makeKindError(ErrorKind::Resource,
                             "{0} is locked by {1} for more than 10 s; if no pgoctl is moving it "
                             "now, remove that file",
                             Lock, Holder.empty() ? "another writer" : escapeForTerminal(Holder, 200));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    char Host[256] = {0};
    ::gethostname(Host, sizeof Host - 1);
    std::string Who = llvm::formatv("pid {0} on {1}\n", ::getpid(), Host).str();
    (void)!::write(FD, Who.data(), Who.size());
    ::close(FD);
    auto Unlock = llvm::scope_exit([&] { ::unlink(Lock.c_str()); });

    llvm::Expected<std::optional<ObjectInfo>> Cur = head(Key);
    if (!Cur)
      return Cur.takeError();
    std::string Have = *Cur ? (*Cur)->ETag : std::string();
    if (Have != ExpectETag)
      return false;
    if (llvm::Error E = writeFileAtomic(P, Data))
      return std::move(E);
    return true;
  }

  llvm::Error get(llvm::StringRef Key, const Sink &Out, uint64_t MaxBytes) override {
    if (llvm::Error E = checkKey(Key))
      return E;
    std::string P = path(Key);
    int FD = ::open(P.c_str(), O_RDONLY | O_CLOEXEC);
    if (FD < 0)
      return makeKindError(ErrorKind::Input, "{0}: {1} {2}", Url, Key,
                           errno == ENOENT ? "does not exist" : strerror(errno));
    auto Close = llvm::scope_exit([&] { ::close(FD); });
    struct stat St;
    if (::fstat(FD, &St) != 0 || !S_ISREG(St.st_mode))
      return makeKindError(ErrorKind::Input, "{0}: {1} is not a regular file", Url, Key);
    if (uint64_t(St.st_size) > MaxBytes)
      return makeKindError(ErrorKind::Resource, "{0}: {1} has {2} bytes, over the limit of {3}",
                           Url, Key, uint64_t(St.st_size), MaxBytes);
    std::vector<char> Buf(1 << 20);
    uint64_t Total = 0;
    for (;;) {
      ssize_t N = ::read(FD, Buf.data(), Buf.size());
      if (N < 0 && errno == EINTR)
        continue;
      if (N < 0)
        return makeKindError(ErrorKind::Input, "{0}: reading {1}: {2}", Url, Key,
                             strerror(errno));
      if (N == 0)
        break;
      Total += uint64_t(N);
      if (Total > MaxBytes)
        return makeKindError(ErrorKind::Resource, "{0}: {1} grew over the limit of {2} bytes",
                             Url, Key, MaxBytes);
      if (llvm::Error E = Out.Write(llvm::StringRef(Buf.data(), size_t(N))))
        return E;
    }
    return llvm::Error::success();
  }

  llvm::Expected<std::optional<ObjectInfo>> head(llvm::StringRef Key) override {
    if (llvm::Error E = checkKey(Key))
      return std::move(E);
    std::string P = path(Key);
    struct stat St;
    if (::stat(P.c_str(), &St) != 0) {
      if (errno == ENOENT || errno == ENOTDIR)
        return std::nullopt;
      return makeKindError(ErrorKind::Input, "{0}: {1}: {2}", Url, Key, strerror(errno));
    }
    if (!S_ISREG(St.st_mode))
      return makeKindError(ErrorKind::Input, "{0}: {1} is not a regular file", Url, Key);
    std::string Body;
    Sink S{[&](llvm::StringRef C) {
             Body.append(C.data(), C.size());
             return llvm::Error::success();
           },
           [&] { Body.clear(); }};
    if (llvm::Error E = get(Key, S, uint64_t(1) << 40))
      return std::move(E);
    ObjectInfo I;
    I.Key = Key.str();
    I.Size = Body.size();
    I.ETag = sha256Hex(Body);
    I.MTime = St.st_mtime;
    return I;
  }

  llvm::Error list(llvm::StringRef Prefix,
                   llvm::function_ref<llvm::Error(const ObjectInfo &)> Each) override {
    // Walk the deepest folder the prefix names whole.
    llvm::StringRef Dir = Prefix.contains('/') ? Prefix.rsplit('/').first : "";
    if (!Dir.empty())
      if (llvm::Error E = checkKey(Dir))
        return E;
    std::string Start = Dir.empty() ? Root : path(Dir);
    std::vector<ObjectInfo> Found;
    std::error_code EC;
    if (!llvm::sys::fs::is_directory(Start))
      return llvm::Error::success();
    for (llvm::sys::fs::recursive_directory_iterator It(Start, EC), End; It != End && !EC;
         It.increment(EC)) {
      llvm::StringRef Path = It->path();
      llvm::StringRef Name = llvm::sys::path::filename(Path);
      if (It->type() != llvm::sys::fs::file_type::regular_file || Name.ends_with(kLockSuffix) ||
          isTempName(Name))
        continue;
      llvm::StringRef Key = Path.drop_front(Root.size() + 1);
      if (!Key.starts_with(Prefix))
        continue;
      llvm::ErrorOr<llvm::sys::fs::basic_file_status> St = It->status();
      if (!St)
        continue; // removed meanwhile
      ObjectInfo I;
      I.Key = Key.str();
      I.Size = St->getSize();
      I.MTime = llvm::sys::toTimeT(St->getLastModificationTime());
      Found.push_back(std::move(I));
    }
    if (EC)
      return makeKindError(ErrorKind::Input, "{0}: listing {1}: {2}", Url, Prefix, EC.message());
    std::sort(Found.begin(), Found.end(),
              [](const ObjectInfo &A, const ObjectInfo &B) { return A.Key < B.Key; });
    for (const ObjectInfo &I : Found)
      if (llvm::Error E = Each(I))
        return E;
    return llvm::Error::success();
  }

  llvm::Error remove(llvm::StringRef Key) override {
    if (llvm::Error E = checkKey(Key))
      return E;
    std::string P = path(Key);
    if (::unlink(P.c_str()) != 0 && errno != ENOENT)
      return makeKindError(ErrorKind::Input, "{0}: cannot remove {1}: {2}", Url, Key,
                           strerror(errno));
    return llvm::Error::success();
  }

private:
  std::string path(llvm::StringRef Key) const { return Root + "/" + Key.str(); }

  static std::string readSmall(const std::string &P) {
    char Buf[256];
    int FD = ::open(P.c_str(), O_RDONLY | O_CLOEXEC);
    if (FD < 0)
      return "";
    ssize_t N = ::read(FD, Buf, sizeof Buf);
    ::close(FD);
    return N > 0 ? llvm::StringRef(Buf, size_t(N)).trim().str() : "";
  }

  std::string Url, Root;
};

} // namespace

llvm::Expected<std::unique_ptr<Store>> openDirStore(llvm::StringRef Url, llvm::StringRef Path) {
  if (!llvm::sys::path::is_absolute(Path))
    return makeKindError(ErrorKind::Usage, "store `{0}`: file:// needs an absolute path "
                                           "(file:///srv/profiles)",
                         escapeForTerminal(Url, 256));
  llvm::SmallString<256> Root(Path);
  llvm::sys::path::remove_dots(Root, true);
  while (Root.size() > 1 && Root.back() == '/')
    Root.pop_back();
  if (!llvm::sys::fs::is_directory(Root))
    return makeKindError(ErrorKind::Input, "store {0}: the folder {1} does not exist (create it "
                                           "first)",
                         escapeForTerminal(Url, 256), escapeForTerminal(Root, 256));
  return std::make_unique<DirStore>(Url.str(), Root.str().str());
}

} // namespace pgoctl::store
