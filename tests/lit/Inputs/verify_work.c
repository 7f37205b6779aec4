// A request-processing loop with four stages of known relative cost, for the
// verify tests. Usage: verify_work JOBS. Work is JOBS (fixed), so the CPU
// time per job is the cost per unit of work.
// Variants (compile-time):
//   -DSLOW_PARSE  parse_request does 3x its work (the planted slowdown)
//   -DFAST_HASH   hash_block does half its work (the function made faster)
// Baseline shares of the CPU time, by the loop trip counts: hash_block 40%,
// render_reply 25%, parse_request 20%, checksum 15% (each iteration of the
// four loops has the same dependent multiply-add chain).
#include <stdint.h>
#include <stdlib.h>

#ifndef PARSE_FACTOR
#ifdef SLOW_PARSE
#define PARSE_FACTOR 3
#else
#define PARSE_FACTOR 1
#endif
#endif
#ifdef FAST_HASH
#define HASH_DIV 2
#else
#define HASH_DIV 1
#endif

volatile uint64_t unit = 2000; // volatile: no specialization for a constant
volatile uint64_t sink;

// A macro, not an inline function: each stage's cost stays its own (verify
// restores inlined frames, so a shared inline helper would take the cost).
#define STEP(x, i) ((x) * 6364136223846793005ULL + ((i) ^ ((x) >> 17)))

__attribute__((noinline)) uint64_t hash_block(uint64_t seed) {
  uint64_t x = seed, n = 8 * unit / HASH_DIV;
  for (uint64_t i = 0; i < n; ++i)
    x = STEP(x, i);
  return x;
}

__attribute__((noinline)) uint64_t render_reply(uint64_t seed) {
  uint64_t x = seed, n = 5 * unit;
  for (uint64_t i = 0; i < n; ++i)
    x = STEP(x, i);
  return x;
}

__attribute__((noinline)) uint64_t parse_request(uint64_t seed) {
  uint64_t x = seed, n = 4 * unit * PARSE_FACTOR;
  for (uint64_t i = 0; i < n; ++i)
    x = STEP(x, i);
  return x;
}

__attribute__((noinline)) uint64_t checksum(uint64_t seed) {
  uint64_t x = seed, n = 3 * unit;
  for (uint64_t i = 0; i < n; ++i)
    x = STEP(x, i);
  return x;
}

__attribute__((noinline)) uint64_t handle(uint64_t job) {
  uint64_t x = parse_request(job);
  x = hash_block(x);
  x = render_reply(x);
  return checksum(x);
}

int main(int argc, char **argv) {
  uint64_t jobs = argc > 1 ? strtoull(argv[1], 0, 10) : 1000;
  uint64_t acc = 0;
  for (uint64_t j = 0; j < jobs; ++j)
    acc += handle(j);
  sink = acc; // keep the work; exit 0 (perf record returns the exit code)
  return 0;
}
