// store/Versions.h: versions, channels and retention on a Store.
//
// publishVersion() uploads a version's forms, then its .json (the commit
// point: a version without its .json is an unfinished upload, which gc
// removes once old). Names are content hashes, so publishing twice is
// idempotent and concurrent publishers of the same profile write the same
// bytes (the .json, which lists the forms, by compare-and-swap). moveChannel()
// is compare-and-swap on the channel object (Store::putIf). collectGarbage()
// removes raw windows that started before a cutoff and versions created
// before it, except every version a channel names.
#pragma once

#include "store/Layout.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <vector>

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace pgoctl {
struct Profile;
} // namespace pgoctl

namespace pgoctl::store {

/// What a version's .json says about the windows it was made of. Refresh
/// (cli/CmdRefresh.cpp, from the windows it selected) and publish (from the
/// profile's own metadata, windowFiguresOf) both describe a version with
/// describeWindows(), so the two write the same fields the same way.
struct WindowFigures {
  std::vector<std::string> BuildIds, Hosts;
  std::vector<std::string> Inputs; ///< the windows' keys or sources
  int64_t FirstStart = 0, LastStart = 0; ///< window starts, seconds since 1970 (0: unknown)
  uint64_t Samples = 0, Windows = 0;
};

/// Sets Info's build-ids, hosts, inputs, window, samples and the quality
/// figure `windows`. Inputs beyond kMaxListedInputs are counted per folder
/// (`raw/kv/2026-12-05/ (812 windows)`): a version's .json is read with a
/// 1 MiB bound.
constexpr size_t kMaxListedInputs = 2000;
void describeWindows(VersionInfo &Info, const WindowFigures &F);

/// The figures a profile itself knows: build-ids of its executables (else
/// of its main binary, core/Profile.h), hosts of
/// its `host` label (else of its inputs), its inputs' sources, the window of its
/// `window-start`/`window-end` labels (`pgoctl pull`) or its `start` label (a
/// collected window), TotalSamples, and the windows of its
/// `window-count` label (`pgoctl pull`) or else one per input recording.
WindowFigures windowFiguresOf(const Profile &P);

/// Uploads Forms (form -> bytes; must hold "pgoprof", whose sha256 is the
/// version) and then Info's .json (Version, Forms and FormSha256 are filled
/// in), by compare-and-swap: forms another publisher of the same version
/// stored, even meanwhile, stay listed. Returns the version.
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
