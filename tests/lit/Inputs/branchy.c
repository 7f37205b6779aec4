// A branchy program for the .profdata tests: an inlined helper (classify), a
// static function (with -funique-internal-linkage-names its name gets a
// .__uniq suffix), a switch, an indirect call and a cold path.
// Usage: branchy [rounds]. A round is ~2000 loop iterations, so emulated LBR
// runs stay small.
#include <stdlib.h>

static inline int classify(unsigned v) {
  if (v % 7 == 0)
    return 3;
  if (v & 1)
    return 1;
  return 2;
}

static __attribute__((noinline)) unsigned mix(unsigned x, unsigned i) {
  x ^= x << 13;
  x ^= x >> 17;
  if (i % 3 == 0)
    x += i;
  return x ^ (x << 5);
}

__attribute__((noinline)) unsigned twice(unsigned x) { return 2 * x + 1; }
__attribute__((noinline)) unsigned thrice(unsigned x) { return 3 * x + 2; }

// Volatile so the compiler keeps the indirect call.
unsigned (*volatile pick[2])(unsigned) = {twice, thrice};

__attribute__((noinline)) unsigned long work(unsigned n, unsigned seed) {
  unsigned long acc = 0;
  unsigned x = seed;
  for (unsigned i = 0; i < n; ++i) {
    switch (classify(x + i)) {
    case 1:
      x = mix(x, i);
      break;
    case 2:
      acc += x >> 3;
      break;
    default:
      x = pick[i & 1](x);
      break;
    }
    acc += x & 0xff;
  }
  return acc;
}

__attribute__((noinline)) int cold(int v) { return v * 13 + 7; }

int main(int argc, char **argv) {
  unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
  unsigned long acc = 0;
  for (unsigned r = 0; r < rounds; ++r)
    acc += work(2000, r + 1);
  if (acc == 42)
    return cold((int)acc);
  return 0;
}
