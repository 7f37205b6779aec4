// For the "inlined by PGO" matching test: `callee` carries no attribute and
// is too big for clang's default inline threshold (225) at -O2, so the plain
// build calls it; its one hot call site in `caller` gets the hot-call-site
// threshold (3000) once a sample profile says the loop is hot, so the PGO
// build inlines it (clang-22: cost 565; threshold 337 plain, 4500 with the
// profile). `callee` has external linkage (an out-of-line copy stays, and the
// "last call to a static function" bonus does not apply). About 87% of the
// time is in callee, 13% in caller's own code. Usage: verify_inline JOBS.
#include <stdint.h>
#include <stdlib.h>

volatile uint64_t unit = 1000; // volatile: no specialization for a constant
volatile uint64_t sink;

// Round K of a dependent multiply-xorshift chain; a distinct odd multiplier
// and shift each round, so nothing folds. 40 rounds: inline cost ~500.
#define ROUND(x, k)                                                            \
  ((x) = ((x) * (0x9E3779B97F4A7C15ULL * (2 * (k) + 1))) ^ ((x) >> (17 + (k) % 16)))

uint64_t callee(uint64_t x, uint64_t i) {
  x ^= i;
  ROUND(x, 0);
  ROUND(x, 1);
  ROUND(x, 2);
  ROUND(x, 3);
  ROUND(x, 4);
  ROUND(x, 5);
  ROUND(x, 6);
  ROUND(x, 7);
  ROUND(x, 8);
  ROUND(x, 9);
  ROUND(x, 10);
  ROUND(x, 11);
  ROUND(x, 12);
  ROUND(x, 13);
  ROUND(x, 14);
  ROUND(x, 15);
  ROUND(x, 16);
  ROUND(x, 17);
  ROUND(x, 18);
  ROUND(x, 19);
  ROUND(x, 20);
  ROUND(x, 21);
  ROUND(x, 22);
  ROUND(x, 23);
  ROUND(x, 24);
  ROUND(x, 25);
  ROUND(x, 26);
  ROUND(x, 27);
  ROUND(x, 28);
  ROUND(x, 29);
  ROUND(x, 30);
  ROUND(x, 31);
  ROUND(x, 32);
  ROUND(x, 33);
  ROUND(x, 34);
  ROUND(x, 35);
  ROUND(x, 36);
  ROUND(x, 37);
  ROUND(x, 38);
  ROUND(x, 39);
  return x;
}

// Most of caller's own work is in a loop of its own: with all of it next to
// the call, the inlined callee's register pressure made caller's own code
// ~9% slower (constants rematerialized in the loop), a real change of the
// caller that the test must not mistake for blame. One step stays in the
// call loop so that the IP-only profile sees the call's block as hot (a loop
// of just the call collects few samples of its own and the call site counts
// as cold).
__attribute__((noinline)) uint64_t caller(uint64_t seed) {
  uint64_t x = seed, n = unit;
  for (uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + (i ^ (x >> 17));
    x = callee(x, i);
  }
  for (uint64_t i = 0; i < n; ++i) {
    x = x * 3202034522624059733ULL + (i ^ (x >> 13));
    x = x * 2862933555777941757ULL + (i ^ (x >> 11));
    x = x * 1442695040888963407ULL + (i ^ (x >> 19));
    x = x * 6364136223846793005ULL + (i ^ (x >> 23));
    x = x * 3202034522624059733ULL + (i ^ (x >> 7));
  }
  return x;
}

int main(int argc, char **argv) {
  uint64_t jobs = argc > 1 ? strtoull(argv[1], 0, 10) : 1000;
  uint64_t acc = 0;
  for (uint64_t j = 0; j < jobs; ++j)
    acc += caller(j);
  sink = acc;
  return 0;
}
