// store/PushWindow.h: one .pgoprof window file uploaded as a raw window
// (raw/<service>/<yyyy-mm-dd>/<host>-<build-id>-<start>.pgoprof, Layout.h).
//
// `pgoctl push` and `pgoctl collect --store` both go through pushWindowFile,
// so a window gets the same key whichever uploads it. The key's parts:
//   service   the given one, else the profile's `service` label;
//   host      the given one, else the `host` label, else the first input's host;
//   build-id  the `build-id` label, else that of the user-space binary with the
//             most samples, else `none`;
//   start     the given one (seconds since 1970), else the `start` label, else
//             the file's modification time (what `perf report` shows as
//             "captured on": perf.data holds no wall-clock time).
// The file is read (bounded) and parsed first, so only a valid profile is
// uploaded; its bytes go up unchanged.
#pragma once

#include "store/Layout.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pgoctl {
struct Profile;
}

namespace pgoctl::store {

class Store;

struct PushKeyOptions {
  std::string Service, Host; ///< empty: from the profile's labels
  std::string Start;         ///< seconds since 1970 as text; empty: label, else mtime
};

/// The raw window a profile read from File is stored as (errors name File).
llvm::Expected<RawWindow> rawWindowFor(const Profile &P, llvm::StringRef File,
                                       const PushKeyOptions &O);

/// Reads File (at most MaxMemory bytes), checks it is a profile, and puts its
/// bytes under its raw-window key. Returns the key.
llvm::Expected<std::string> pushWindowFile(Store &S, llvm::StringRef File,
                                           const PushKeyOptions &O, uint64_t MaxMemory);

} // namespace pgoctl::store
