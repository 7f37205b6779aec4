/* Test program for lbr-emu: spends nearly all its time in hot_loop().
 * Usage: hot [iterations]. Prints a checksum so the work is not removed. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) unsigned hot_loop(unsigned n, unsigned seed) {
  unsigned s = seed;
  for (unsigned i = 0; i < n; ++i) {
    if ((s >> 7) & 1)
      s = s * 1103515245u + 12345u;
    else
      s ^= i << 3;
  }
  return s;
}

__attribute__((noinline)) unsigned cold(unsigned n) { return n * 3 + 1; }

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 300000;
  unsigned s = 0;
  for (unsigned k = 0; k < 10; ++k)
    s += hot_loop(n / 10, k) + cold(k);
  printf("%u\n", s);
  return 0;
}
