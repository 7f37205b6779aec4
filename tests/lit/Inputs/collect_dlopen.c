// Loads a shared library with dlopen and spends its time in it, plus some in
// a function of its own. Usage: collect_dlopen LIB.so [milliseconds].
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

volatile uint64_t sink; // keeps the work from being optimized away

__attribute__((noinline)) uint64_t main_work(uint64_t n) {
  uint64_t x = 5;
  for (uint64_t i = 0; i < n; ++i)
    x = x * 2862933555777941757ULL + i;
  return x;
}

int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) {
    fprintf(stderr, "%s\n", dlerror());
    return 2;
  }
  uint64_t (*lib_hot)(uint64_t) = (uint64_t(*)(uint64_t))dlsym(h, "lib_hot");
  double ms = argc > 2 ? atof(argv[2]) : 200;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  uint64_t acc = 0;
  // The clock is read every 8 rounds: on some VMs clock_gettime is slow.
  for (unsigned round = 0;; ++round) {
    acc += lib_hot(400000);
    acc += main_work(200000);
    if (round & 7)
      continue;
    clock_gettime(CLOCK_MONOTONIC, &b);
    if ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 > ms)
      break;
  }
  sink = acc;
  return 0;
}
