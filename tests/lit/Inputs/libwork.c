// A shared library of our own for the live-recording tests.
#include <stdint.h>
__attribute__((noinline)) uint64_t lib_hot(uint64_t n) {
  uint64_t x = 3;
  for (uint64_t i = 0; i < n; ++i)
    x = (x << 7) ^ (x >> 3) ^ i;
  return x;
}
