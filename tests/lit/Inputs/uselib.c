// Spends its time in lib_hot() of libwork.so. Usage: uselib [milliseconds].
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
uint64_t lib_hot(uint64_t n);
int main(int argc, char **argv) {
  double ms = argc > 1 ? atof(argv[1]) : 200;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  uint64_t acc = 0;
  for (;;) {
    acc += lib_hot(500000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 > ms)
      break;
  }
  return (int)(acc & 1);
}
