// refresh/BinarySource.h: a build's ELF by its build-id, for the refresh.
//
// A week of windows comes from several builds; each is symbolized with its own
// binary. The chain, first hit wins:
//   1. --binary paths: files, or folders scanned one level for ELF files
//      (identity read once, binary/Locate.h readCandidates);
//   2. the local cache (CacheDir/<build-id>/executable), filled by 3 and 4;
//   3. the store's `binaries/<build-id>/<file name>` (store/Layout.h; the
//      object named like the profile's binary first, else any of that id);
//   4. each debuginfod server: GET <url>/buildid/<hex>/executable (404: not
//      there; a server that fails is reported, and when no source had the
//      binary that is an error, since "not found" would not be known).
// Every file taken is checked to carry the build-id asked for; a fetched one
// is streamed to a temporary file in the cache (at most MaxBytes) and renamed
// into place only when whole and checked, so the cache never holds a part.
// Warnings (a --binary passed over, a cache entry replaced) go to
// BinarySourceOptions::Warn as they are found.
#pragma once

#include "core/Error.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::store {
class HttpClient;
}

namespace pgoctl::refresh {

struct BinarySourceOptions {
  std::vector<std::string> Paths;          // --binary (files or folders)
  store::Store *Store = nullptr;           // binaries/<build-id>/<name> (may be null)
  std::vector<std::string> DebuginfodUrls; // --debuginfod, else $DEBUGINFOD_URLS (space-separated)
  std::string CacheDir;                    // default $XDG_CACHE_HOME/pgoctl/binaries (~/.cache/...)
  uint64_t MaxBytes = uint64_t(2) << 30;   // the largest binary fetched (store or debuginfod)
  WarningHandler Warn;                     // warnings as they are found (empty: dropped)
};

struct FoundBinary {
  std::string Path;
  std::string From; // "--binary", "cache", "store", "debuginfod URL"
};

class BinarySource {
public:
  static llvm::Expected<std::unique_ptr<BinarySource>> create(BinarySourceOptions Opts);
  ~BinarySource();

  // The ELF with this build-id (lowercase hex), checked to carry it; std::nullopt when no source
  // has it (not an error); an error for damage or a server answering wrongly. Name (a file name
  // or path; may be empty) picks among the store's objects of that build-id.
  llvm::Expected<std::optional<FoundBinary>> find(llvm::StringRef BuildId, llvm::StringRef Name);

private:
  explicit BinarySource(BinarySourceOptions Opts);
  llvm::Error indexPaths();
  std::optional<FoundBinary> fromCache(llvm::StringRef BuildId);
  llvm::Expected<std::optional<FoundBinary>> fromStore(llvm::StringRef BuildId,
                                                       llvm::StringRef Name);
  llvm::Expected<std::optional<FoundBinary>> fromDebuginfod(llvm::StringRef BuildId,
                                                            llvm::StringRef Url,
                                                            std::vector<std::string> &Failed);
  struct Fetch;
  llvm::Expected<std::optional<FoundBinary>> fetchToCache(llvm::StringRef BuildId,
                                                          const Fetch &F);

  BinarySourceOptions Opts;
  std::map<std::string, std::string> Given; // build-id -> --binary path
  std::unique_ptr<store::HttpClient> Http;
};

/// The debuginfod URLs of $DEBUGINFOD_URLS's value (space-separated), in order.
std::vector<std::string> splitDebuginfodUrls(llvm::StringRef Value);

} // namespace pgoctl::refresh
