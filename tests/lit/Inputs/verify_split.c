// For the BOLT matching test: `work` has a hot loop and a path that the
// training run never takes (mode 0), so llvm-bolt -split-functions moves that
// path into a fragment `work.cold.N`; the measured run (mode 1) spends its
// time there. Usage: verify_split MODE JOBS.
#include <stdint.h>
#include <stdlib.h>

volatile uint64_t sink;

__attribute__((noinline)) uint64_t work(uint64_t mode, uint64_t n) {
  uint64_t x = n;
  for (uint64_t i = 0; i < 20000; ++i) {
    if (__builtin_expect(mode != 0, 0)) {
      for (uint64_t k = 0; k < 3; ++k)
        x = x * 2862933555777941757ULL + (k ^ (x >> 13)) + i;
      x ^= x >> 7;
    } else {
      x = x * 6364136223846793005ULL + (i ^ (x >> 17));
    }
  }
  return x;
}

int main(int argc, char **argv) {
  uint64_t mode = argc > 1 ? strtoull(argv[1], 0, 10) : 0;
  uint64_t jobs = argc > 2 ? strtoull(argv[2], 0, 10) : 1000;
  uint64_t acc = 0;
  for (uint64_t j = 0; j < jobs; ++j)
    acc += work(mode, j);
  sink = acc;
  return 0;
}
