// A branchy program for the .fdata tests: a static (local) function, a
// function inlined into its caller, an indirect call, calls into libc through
// the PLT, and a switch compiled to a jump table. Usage: fdata_branchy [rounds].
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) uint64_t mix_local(uint64_t x, uint64_t i) {
  if (x & 1)
    return x * 3 + i;
  return (x >> 1) ^ i;
}

static inline uint64_t inlined_step(uint64_t x) {
  if ((x & 7) == 3)
    return x + 11;
  return x ^ 0x5a;
}

__attribute__((noinline)) uint64_t classify(uint64_t v) {
  switch (v % 6) {
  case 0: return v + 1;
  case 1: return v * 2;
  case 2: return v ^ 3;
  case 3: return v - 7;
  default: return v >> 1;
  }
}

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
__attribute__((noinline)) uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
__attribute__((noinline)) uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ b; }
volatile op_fn ops[2] = {op_add, op_xor};

__attribute__((noinline)) uint64_t work(uint64_t n) {
  uint64_t x = 1;
  for (uint64_t i = 0; i < n; ++i) {
    x = mix_local(x, i);
    x = inlined_step(x);
    x = ops[i & 1](x, classify(i));
  }
  return x;
}

__attribute__((noinline)) size_t use_libc(uint64_t v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  return strlen(buf);
}

volatile uint64_t sink;

int main(int argc, char **argv) {
  uint64_t rounds = argc > 1 ? strtoull(argv[1], 0, 10) : 200;
  uint64_t acc = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    acc += work(200);
    acc += use_libc(acc);
  }
  sink = acc;
  return 0;
}
