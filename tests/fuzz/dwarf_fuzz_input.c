// tests/fuzz/dwarf_fuzz_input.c: the binary whose DWARF dwarf_fuzzer mutates.
//
// Small, but with what the symbolizer reads: several functions, static
// functions inlined at -O1 (inline stacks in .debug_info, discriminators in
// .debug_line), a loop, a switch (a jump table), a call through a pointer,
// and a name with a linkage name distinct from its short name is left out
// (C only). Built by tests/fuzz/CMakeLists.txt with clang -g -O1.
#include <stdlib.h>

struct acc {
  unsigned long sum;
  unsigned long count;
};

static inline unsigned long mix(unsigned long x) {
  x ^= x >> 13;
  x *= 0x9e3779b97f4a7c15ul;
  return x ^ (x >> 29);
}

static inline void add(struct acc *a, unsigned long v) {
  a->sum += mix(v);
  a->count++;
}

__attribute__((noinline)) unsigned long op_add(unsigned long a, unsigned long b) { return a + b; }
__attribute__((noinline)) unsigned long op_mul(unsigned long a, unsigned long b) { return a * b; }

__attribute__((noinline)) unsigned long dispatch(int op, unsigned long a, unsigned long b) {
  switch (op) {
  case 0: return op_add(a, b);
  case 1: return op_mul(a, b);
  case 2: return a - b;
  case 3: return a ^ b;
  case 4: return a | b;
  case 5: return a & b;
  default: return mix(a + b);
  }
}

__attribute__((noinline)) unsigned long run(unsigned long n) {
  struct acc a = {0, 0};
  unsigned long (*fn)(unsigned long, unsigned long) = (n & 1) ? op_add : op_mul;
  for (unsigned long i = 0; i < n; i++) {
    add(&a, dispatch((int)(i % 7), i, a.sum));
    if (i % 3 == 0)
      a.sum = fn(a.sum, i);
  }
  return a.sum + a.count;
}

int main(int argc, char **argv) {
  unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 1000;
  return (int)(run(n) & 1);
}
