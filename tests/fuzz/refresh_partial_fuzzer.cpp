// tests/fuzz/refresh_partial_fuzzer.cpp: libFuzzer target for the statistics
// of a sharded refresh's partial (refresh/Partial.cpp), which `refresh
// --reduce` reads from a store anyone with write access can fill.
//
// Each input is parsed as a partial's JSON; an accepted one must satisfy
// what reduce relies on (a valid shard, positive durations, nonzero host
// scales) and render to JSON that parses to the same fields and renders to
// the same bytes. Any crash, sanitizer report or broken round trip is a bug.
#include "refresh/Shard.h"

#include <cstdlib>

using namespace pgoctl::refresh;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::string Text(reinterpret_cast<const char *>(Data), Size);
  PartialHeader H;
  Accumulated A;
  if (llvm::Error E = parsePartialJson(Text, "fuzz.json", H, A)) {
    llvm::consumeError(std::move(E));
    return 0;
  }
  if (!validShard(H.Shard) || H.Since <= 0 || H.HalfLife <= 0)
    std::abort();
  for (const HostStat &HS : A.Hosts)
    if (HS.S.Den == 0 || HS.S.Num == 0)
      std::abort();
  std::string Out = renderPartialJson(H, A);
  PartialHeader H2;
  Accumulated A2;
  if (llvm::Error E = parsePartialJson(Out, "round-trip.json", H2, A2)) {
    llvm::consumeError(std::move(E));
    std::abort();
  }
  if (renderPartialJson(H2, A2) != Out || H2.Service != H.Service || H2.Run != H.Run ||
      H2.Now != H.Now || A2.Keys != A.Keys || A2.Hosts.size() != A.Hosts.size())
    std::abort();
  return 0;
}
