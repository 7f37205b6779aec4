// refresh/Period.h: the refresh's period and half-life when the command line
// leaves them out, by what the fleet's samples count.
//
// Branch records and instruction samples count executions: a week of
// windows at a 3-day half-life holds the current build's behaviour. Time
// samples (cpu-clock, cycles) lean toward slow instructions, a bias that
// recording one build longer does not fix but that differs from build to
// build: on kvsvc, profiles from three weekly builds' cpu-clock windows at
// about equal weight keep 85% of instrumented PGO's gain in steady state,
// one build's 80% (bench/pgo-generations.md, session 30). So time samples
// default to 21 days at a 21-day half-life. The newest window of the longest
// default period decides: what the fleet records now (a fleet that mixes
// kinds of hosts pins both flags). Every shard of a sharded run lists the
// same windows and so decides the same.
#pragma once

#include "core/Profile.h"
#include "refresh/Windows.h"
#include "store/Store.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pgoctl::refresh {

struct Period {
  int64_t Since = 0, HalfLife = 0; ///< seconds
};
inline constexpr int64_t kDaySeconds = 86400;
/// Branch records and instruction samples.
inline constexpr Period kCountPeriod{7 * kDaySeconds, 3 * kDaySeconds};
/// Time samples.
inline constexpr Period kTimePeriod{21 * kDaySeconds, 21 * kDaySeconds};

/// Whether a window's samples count time: no branch records and an event
/// that samples time (or none named), as the quality basis `time`
/// (convert/sample/Quality.h).
bool timeSamples(const Profile &P);

struct PeriodChoice {
  Period P;
  bool ByWindow = false;    ///< a value came from the newest window
  bool TimeSamples = false; ///< what that window counts (when ByWindow)
  std::string Event;        ///< its event (when ByWindow)
  std::string Key;          ///< its key (when ByWindow)
};

/// How far back to list: Since, or the longest default period.
int64_t listingSince(std::optional<int64_t> Since);

/// The period: Since and HalfLife where given, the rest by the newest window
/// of Sel (downloaded here; Sel listed with listingSince(Since)). With no
/// window, or both given, the defaults of branch records fill in.
llvm::Expected<PeriodChoice> choosePeriod(store::Store &S, const WindowSelection &Sel,
                                          std::optional<int64_t> Since,
                                          std::optional<int64_t> HalfLife, uint64_t MaxMemory);

/// Keeps the windows of Sel that started at or after Now - Since (the others
/// count as outside the period).
void narrowPeriod(WindowSelection &Sel, int64_t Now, int64_t Since);

/// "21d", "12h", "90s": the largest unit that divides Seconds.
std::string formatDuration(int64_t Seconds);

} // namespace pgoctl::refresh
