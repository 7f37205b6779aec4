// store/Versions.h: versions, channels and retention on a Store.
//
// publishVersion() uploads a version's forms, then its .json (the commit
// point: a version without its .json is an unfinished upload, which gc
// removes once old). Names are content hashes, so publishing twice is
// idempotent and concurrent publishers of the same profile write the same
// bytes. moveChannel() is compare-and-swap on the channel object
// (Store::putIf). collectGarbage() removes raw windows that started before a
// cutoff and versions created before it, except every version a channel
// names.
#pragma once

#include "store/Layout.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace pgoctl::store {

/// Uploads Forms (form -> bytes; must hold "pgoprof", whose sha256 is the
/// version) and then Info's .json (Version, Forms and FormSha256 are filled
/// in). Returns the version.
llvm::Expected<std::string> publishVersion(Store &S, VersionInfo Info,
                                           const std::map<std::string, std::string> &Forms);

struct ChannelState {
  std::optional<ChannelInfo> Info; ///< none: the channel does not exist yet
  std::string ETag;
};
llvm::Expected<ChannelState> readChannel(Store &S, llvm::StringRef Service, llvm::StringRef Name);

/// Points the channel at Version if it is still as Seen says. Returns false
/// when another writer moved it since (nothing written).
llvm::Expected<bool> moveChannel(Store &S, llvm::StringRef Service, llvm::StringRef Name,
                                 llvm::StringRef Version, const ChannelState &Seen);

/// The version a channel names, or Version itself (checked to exist).
llvm::Expected<VersionInfo> resolveVersion(Store &S, llvm::StringRef Service,
                                           llvm::StringRef Channel, llvm::StringRef Version);

struct GcOptions {
  int64_t Cutoff = 0; ///< seconds since 1970: older goes
  bool DryRun = false;
};
struct GcResult {
  uint64_t Removed = 0, Bytes = 0, KeptByChannel = 0;
};
/// Calls Each(key, size) for every object it removes (or would, dry run).
llvm::Expected<GcResult> collectGarbage(Store &S, const GcOptions &Opts,
                                        const std::function<void(llvm::StringRef, uint64_t)> &Each);

} // namespace pgoctl::store
