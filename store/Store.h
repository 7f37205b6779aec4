// store/Store.h: one interface over the places profiles are kept.
//
// A Store holds objects under keys (`raw/kvsvc/2026-12-05/...`, see
// store/Layout.h). Backends: a folder (`file:///path`, DirStore.cpp) and
// S3-compatible object storage (`s3://bucket/prefix`, S3Store.cpp). What every
// backend guarantees:
//   - put() is atomic: a reader sees the old object, or the new one whole,
//     never a part (a temporary file and rename; one S3 PUT);
//   - get() streams the body to a sink and fails (nothing kept) past MaxBytes;
//   - putIf() is compare-and-swap: it writes only when the object's current
//     ETag is the expected one (or, with an empty expected ETag, when there is
//     no object), else it returns false. How each backend does it, and what
//     it does on a server without conditional writes, is in its file.
// Errors name the store URL (never credentials) and the key; an object that
// does not exist is an error of kind Input saying so (head() returns nothing).
#pragma once

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace pgoctl::store {

struct ObjectInfo {
  std::string Key;   ///< relative to the store's root
  uint64_t Size = 0;
  std::string ETag;  ///< opaque, quotes removed; empty from list() on some backends
  int64_t MTime = 0; ///< seconds since 1970 (UTC), 0 when unknown
};

/// Receives a body: Write gets each chunk in order; Restart is called before a
/// retried download starts again from the first byte (drop what was written).
struct Sink {
  std::function<llvm::Error(llvm::StringRef)> Write;
  std::function<void()> Restart;
};

/// How S3 URLs are addressed: path-style (`http://host/bucket/key`),
/// virtual-hosted (`https://bucket.host/key`), or Auto (virtual-hosted on AWS,
/// path-style on a custom endpoint, as MinIO and s3rver want).
enum class Addressing { Auto, Path, Virtual };

/// Retries of transient failures (5xx, 429, timeouts, dropped connections):
/// exponential backoff from BaseDelayMs, doubled each try up to MaxDelayMs,
/// with full jitter. A 4xx other than 429 is never retried.
struct RetryPolicy {
  unsigned MaxAttempts = 4;
  unsigned BaseDelayMs = 200;
  unsigned MaxDelayMs = 5000;
};

struct StoreOptions {
  std::string Endpoint;       ///< --s3-endpoint (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)
  std::string Region;         ///< --s3-region (else AWS_REGION, AWS_DEFAULT_REGION, config)
  std::string Profile;        ///< AWS_PROFILE / --aws-profile
  Addressing Style = Addressing::Auto;
  RetryPolicy Retry;
  unsigned ConnectTimeoutSec = 10;
  unsigned LowSpeedTimeoutSec = 30; ///< a transfer below 1 KiB/s for this long has timed out
  uint64_t MaxResponseBytes = uint64_t(16) << 20; ///< bodies other than get()'s (lists, errors)
};

class Store {
public:
  virtual ~Store();
  /// The store's URL as given, for messages (never holds credentials).
  virtual const std::string &url() const = 0;
  /// The URL of one object (for lock files: `file:///...`, `s3://b/p/key`).
  virtual std::string objectUrl(llvm::StringRef Key) const = 0;

  virtual llvm::Error put(llvm::StringRef Key, llvm::StringRef Data) = 0;
  /// Compare-and-swap put: writes when the current ETag is ExpectETag (no
  /// object when ExpectETag is empty). Returns false when it does not match.
  virtual llvm::Expected<bool> putIf(llvm::StringRef Key, llvm::StringRef Data,
                                     llvm::StringRef ExpectETag) = 0;
  virtual llvm::Error get(llvm::StringRef Key, const Sink &Out, uint64_t MaxBytes) = 0;
  virtual llvm::Expected<std::optional<ObjectInfo>> head(llvm::StringRef Key) = 0;
  /// Every object whose key starts with Prefix, in key order.
  virtual llvm::Error list(llvm::StringRef Prefix,
                           llvm::function_ref<llvm::Error(const ObjectInfo &)> Each) = 0;
  /// Removes an object; removing one that does not exist is not an error.
  virtual llvm::Error remove(llvm::StringRef Key) = 0;
};

/// Opens `file:///abs/path` (or a plain absolute path) or `s3://bucket[/prefix]`.
llvm::Expected<std::unique_ptr<Store>> openStore(llvm::StringRef Url, const StoreOptions &Opts);

/// get() into a string.
llvm::Expected<std::string> getObject(Store &S, llvm::StringRef Key, uint64_t MaxBytes);

/// The lowercase hex sha256 of Data (LLVM's SHA256).
std::string sha256Hex(llvm::StringRef Data);

/// Splits a full object URL (`s3://bucket/a/b/key`, `file:///dir/key`) into a
/// store URL and a key: the store is the URL's folder, the key its last name.
struct ObjectUrl {
  std::string StoreUrl;
  std::string Key;
};
llvm::Expected<ObjectUrl> splitObjectUrl(llvm::StringRef Url);

} // namespace pgoctl::store
