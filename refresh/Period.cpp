// refresh/Period.cpp: see Period.h.
#include "refresh/Period.h"

#include "convert/sample/IpFlow.h"
#include "convert/sample/SampleBuilder.h"
#include "refresh/Shard.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace pgoctl::refresh {

bool timeSamples(const Profile &P) {
  for (const BinaryProfile &B : P.Binaries)
    if (convert::hasLbr(P, B))
      return false;
  return convert::sampleBasis(P.Meta) == convert::SampleBasis::Time;
}

int64_t listingSince(std::optional<int64_t> Since) {
  return Since ? *Since : std::max(kCountPeriod.Since, kTimePeriod.Since);
}

llvm::Expected<PeriodChoice> choosePeriod(store::Store &S, const WindowSelection &Sel,
                                          std::optional<int64_t> Since,
                                          std::optional<int64_t> HalfLife, uint64_t MaxMemory) {
  PeriodChoice C;
  Period D = kCountPeriod;
  if ((!Since || !HalfLife) && !Sel.Windows.empty()) {
    // The newest start; of equal starts the last key (Sel is in key order).
    const WindowRef *Newest = &Sel.Windows.front();
    for (const WindowRef &W : Sel.Windows)
      if (W.W.Start >= Newest->W.Start)
        Newest = &W;
    llvm::Expected<Profile> P = readWindow(S, *Newest, MaxMemory);
    if (!P)
      return P.takeError();
    C.ByWindow = true;
    C.TimeSamples = timeSamples(*P);
    C.Event = P->Meta.Event;
    C.Key = Newest->Key;
    if (C.TimeSamples)
      D = kTimePeriod;
  }
  C.P.Since = Since ? *Since : D.Since;
  C.P.HalfLife = HalfLife ? *HalfLife : D.HalfLife;
  return C;
}

void narrowPeriod(WindowSelection &Sel, int64_t Now, int64_t Since) {
  int64_t Start = std::max<int64_t>(0, Now - Since);
  if (Start <= Sel.PeriodStart)
    return;
  size_t Before = Sel.Windows.size();
  llvm::erase_if(Sel.Windows, [&](const WindowRef &W) { return W.W.Start < Start; });
  Sel.OutsidePeriod += Before - Sel.Windows.size();
  Sel.PeriodStart = Start;
}

std::string formatDuration(int64_t Seconds) {
  if (Seconds > 0 && Seconds % kDaySeconds == 0)
    return std::to_string(Seconds / kDaySeconds) + "d";
  if (Seconds > 0 && Seconds % 3600 == 0)
    return std::to_string(Seconds / 3600) + "h";
  if (Seconds > 0 && Seconds % 60 == 0)
    return std::to_string(Seconds / 60) + "m";
  return std::to_string(Seconds) + "s";
}

} // namespace pgoctl::refresh
