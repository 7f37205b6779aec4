// refresh/Windows.h: the raw windows of a period, from a store's listing.
//
// selectWindows() lists `raw/<service>/<yyyy-mm-dd>/` for each UTC day the
// period [Now - Since, Now] touches (never the whole history), parses each
// key with store::parseRawKey and keeps the windows whose start lies in the
// period. Keys that are not windows are counted, not read. The result is in
// key order and grouped by host and by build-id for the weights and the
// cross-build merge; nothing is downloaded here.
#pragma once

#include "store/Layout.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pgoctl::refresh {

struct WindowRef {
  std::string Key; ///< raw/<service>/<day>/<host>-<build-id>-<start>.pgoprof
  store::RawWindow W;
  uint64_t Size = 0;
};

struct WindowOptions {
  std::string Service;
  int64_t Now = 0;   ///< seconds since 1970 (--now)
  int64_t Since = 0; ///< seconds (--since); the period is [Now - Since, Now]
};

struct WindowSelection {
  std::vector<WindowRef> Windows; ///< in key order
  uint64_t OutsidePeriod = 0;     ///< windows listed on the period's days, outside it
  uint64_t NotWindows = 0;        ///< keys under raw/<service>/ that are not windows
  int64_t PeriodStart = 0, PeriodEnd = 0;
};

llvm::Expected<WindowSelection> selectWindows(store::Store &S, const WindowOptions &O);

/// Indexes of Sel.Windows per host, and per build-id (sorted maps: stable).
std::map<std::string, std::vector<size_t>> windowsByHost(const WindowSelection &Sel);
std::map<std::string, std::vector<size_t>> windowsByBuild(const WindowSelection &Sel);

} // namespace pgoctl::refresh
