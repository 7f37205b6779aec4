// Second file of fdata_calls: a static function named like the one in
// fdata_calls.c, so BOLT names them `step/1` and `step/2` (without
// -funique-internal-linkage-names) and the writer must tell them apart.
#include <stdint.h>

static __attribute__((noinline)) uint64_t step(uint64_t v) { return (v ^ 0x9e3779b9) + (v >> 5); }

__attribute__((noinline)) uint64_t other_entry(uint64_t v) {
  uint64_t s = 0;
  for (int i = 0; i < 16; ++i)
    s += step(v + i);
  return s;
}
