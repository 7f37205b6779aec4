// store/Store.cpp: opening a store by URL, and what every backend shares.
#include "store/StoreImpl.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"

namespace pgoctl::store {

Store::~Store() = default;

std::string sha256Hex(llvm::StringRef Data) {
  std::array<uint8_t, 32> H = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(Data.data()), Data.size()));
  return llvm::toHex(H, /*LowerCase=*/true);
}

llvm::Error checkKey(llvm::StringRef Key) {
  if (Key.empty() || Key.size() > 1024)
    return makeKindError(ErrorKind::Usage, "store key of {0} bytes (1 to 1024)", Key.size());
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Key.split(Parts, '/');
  for (llvm::StringRef P : Parts)
    if (P.empty() || P == "." || P == "..")
      return makeKindError(ErrorKind::Usage, "store key `{0}` has an empty, `.` or `..` part",
                           escapeForTerminal(Key, 256));
  for (unsigned char C : Key)
    if (C < 0x20 || C == 0x7f || C == '\\')
      return makeKindError(ErrorKind::Usage, "store key `{0}` has a control character",
                           escapeForTerminal(Key, 256));
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Store>> openStore(llvm::StringRef Url, const StoreOptions &Opts) {
  for (unsigned char C : Url)
    if (C < 0x20 || C == 0x7f)
      return makeKindError(ErrorKind::Usage, "store URL `{0}` has a control character",
                           escapeForTerminal(Url, 256));
  if (Url.starts_with("/"))
    return openDirStore(Url, Url);
  if (Url.starts_with("file://"))
    return openDirStore(Url, Url.drop_front(7));
  if (Url.starts_with("s3://")) {
    auto [Bucket, Prefix] = Url.drop_front(5).split('/');
    while (Prefix.ends_with("/"))
      Prefix = Prefix.drop_back();
    bool Ok = Bucket.size() >= 3 && Bucket.size() <= 63 &&
              llvm::all_of(Bucket, [](char C) {
                return llvm::isDigit(C) || (C >= 'a' && C <= 'z') || C == '-' || C == '.';
              });
    if (!Ok)
      return makeKindError(ErrorKind::Usage,
                           "store `{0}`: bucket `{1}` is not an S3 bucket name (3-63 of a-z 0-9 . -)",
                           escapeForTerminal(Url, 256), escapeForTerminal(Bucket, 80));
    if (!Prefix.empty())
      if (llvm::Error E = checkKey(Prefix))
        return addContext(std::move(E), "store " + escapeForTerminal(Url, 256));
    return openS3Store(Url, Bucket, Prefix, Opts);
  }
  return makeKindError(ErrorKind::Usage,
                       "store `{0}`: expected file:///path or s3://bucket[/prefix]",
                       escapeForTerminal(Url, 256));
}

llvm::Expected<std::string> getObject(Store &S, llvm::StringRef Key, uint64_t MaxBytes) {
  std::string Body;
  Sink Out{[&](llvm::StringRef C) {
             Body.append(C.data(), C.size());
             return llvm::Error::success();
           },
           [&] { Body.clear(); }};
  if (llvm::Error E = S.get(Key, Out, MaxBytes))
    return std::move(E);
  return Body;
}

llvm::Expected<ObjectUrl> splitObjectUrl(llvm::StringRef Url) {
  size_t Slash = Url.rfind('/');
  size_t Scheme = Url.find("://");
  if (Scheme == llvm::StringRef::npos || Slash == llvm::StringRef::npos || Slash <= Scheme + 3 ||
      Slash + 1 == Url.size())
    return makeKindError(ErrorKind::Usage,
                         "`{0}` is not the URL of an object (s3://bucket/key, file:///dir/file)",
                         escapeForTerminal(Url, 256));
  ObjectUrl O;
  O.StoreUrl = Url.take_front(Slash).str();
  O.Key = Url.drop_front(Slash + 1).str();
  // s3://bucket/key: the store is the bucket itself.
  return O;
}

} // namespace pgoctl::store
