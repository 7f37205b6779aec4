// A small program with one hot function, a warm one and a cold one.
// Usage: hot [milliseconds of work] [hot loop length]. Used by the lit tests
// (a short loop length keeps emulated runs small).
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) uint64_t hot_loop(uint64_t n) {
  uint64_t x = 1;
  for (uint64_t i = 0; i < n; ++i)
    x = x * 6364136223846793005ULL + (i ^ (x >> 17));
  return x;
}

__attribute__((noinline)) uint64_t warm_branches(uint64_t n) {
  uint64_t s = 0;
  for (uint64_t i = 0; i < n; ++i)
    s += (i % 3 == 0) ? i : (i % 5 == 0 ? 2 * i : 1);
  return s;
}

__attribute__((noinline)) int cold_path(int v) { return v * 7 + 1; }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Volatile so the compiler cannot specialize the workers for a constant.
volatile uint64_t hot_n = 400000, warm_n = 100000;

int main(int argc, char **argv) {
  double ms = argc > 1 ? atof(argv[1]) : 200;
  if (argc > 2) {
    hot_n = strtoull(argv[2], 0, 10);
    warm_n = hot_n / 4;
  }
  double end = now_ms() + ms;
  uint64_t acc = 0;
  // Rounds of 8 until ms have passed, at least one: under a tracer on a
  // loaded machine a short run's time may be gone before the first clock
  // read. The clock is read every 8 rounds: on some VMs clock_gettime is
  // slow.
  do {
    for (int k = 0; k < 8; ++k) {
      acc += hot_loop(hot_n);
      acc += warm_branches(warm_n);
    }
  } while (now_ms() < end);
  if (acc == 42)
    return cold_path((int)acc);
  return (int)(acc & 1);
}
