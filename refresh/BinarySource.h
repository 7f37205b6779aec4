// refresh/BinarySource.h: the ELF of a build, found by build-id.
// STUB until refresh-fetch lands: this minimal version looks at the --binary
// paths only (binary/Locate.h's readCandidates); the full chain (the store's
// binaries/<build-id>/<name>, debuginfod servers with a cache) replaces it
// with the same interface.
#pragma once

#include "binary/Locate.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::refresh {

struct BinarySourceOptions {
  std::vector<std::string> Paths;          // --binary (files or folders)
  store::Store *Store = nullptr;           // binaries/<build-id>/<name> (may be null)
  std::vector<std::string> DebuginfodUrls; // --debuginfod, else $DEBUGINFOD_URLS (space-separated)
  std::string CacheDir;                    // default $XDG_CACHE_HOME/pgoctl/binaries (~/.cache/...)
};

struct FoundBinary {
  std::string Path;
  std::string From; /* "--binary", "store", "debuginfod URL" */
};

class BinarySource {
public:
  static llvm::Expected<std::unique_ptr<BinarySource>> create(BinarySourceOptions Opts);
  // The ELF with this build-id (lowercase hex), checked to carry it; std::nullopt when no source
  // has it (not an error); an error for damage or a server answering wrongly.
  llvm::Expected<std::optional<FoundBinary>> find(llvm::StringRef BuildId, llvm::StringRef Name);
  const std::vector<std::string> &warnings() const;

private:
  std::vector<binary::Candidate> Given;
  std::vector<std::string> Warnings;
};

} // namespace pgoctl::refresh
