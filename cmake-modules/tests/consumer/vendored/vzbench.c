/* vzbench.c: the vendored project's benchmark, calls vz_sum in a loop. */
#include <stdio.h>
#include <stdlib.h>
unsigned vz_sum(const unsigned char *p, int n);
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  unsigned char buf[64];
  unsigned h = 0;
  for (int i = 0; i < n; ++i) {
    buf[i % 64] = (unsigned char)i;
    h ^= vz_sum(buf, 64);
  }
  printf("%u\n", h);
  return 0;
}
