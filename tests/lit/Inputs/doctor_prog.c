// doctor test program: a few functions that stay separate (noinline).
#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) static long mix(long x) { return x * 2654435761u ^ (x >> 7); }
__attribute__((noinline)) long walk(long *a, int n) {
  long s = 0;
  for (int i = 0; i < n; ++i)
    s += (i & 1) ? mix(a[i]) : a[i] / 3;
  return s;
}
__attribute__((noinline)) void fill(long *a, int n, long seed) {
  for (int i = 0; i < n; ++i)
    a[i] = mix(seed + i);
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  long *a = malloc(sizeof(long) * (size_t)n);
  fill(a, n, argc);
  printf("%ld\n", walk(a, n));
  free(a);
  return 0;
}
