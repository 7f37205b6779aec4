// Control flow that exercises perf2bolt's edge cases, for the .fdata tests
// (with fdata_calls_other.c, which has a static function of the same name):
// calls followed by a block boundary (returns land on a block start), a
// switch with fall-through cases (jump-table targets inside straight-line
// code), recursion, tail calls, a conditional tail call, and inlining.
// Usage: fdata_calls [rounds].
#include <stdint.h>
#include <stdlib.h>

uint64_t other_entry(uint64_t v);

static __attribute__((noinline)) uint64_t step(uint64_t v) { return v * 2654435761u + 1; }

__attribute__((noinline)) uint64_t leaf(uint64_t v) { return (v >> 3) ^ v; }

// A call at the end of a conditional block: its return lands on the join
// block, which the jcc also reaches.
__attribute__((noinline)) uint64_t cond_call(uint64_t v) {
  uint64_t r = v;
  if (v & 1)
    r = leaf(v);
  return r + (v >> 2);
}

// Fall-through cases: each case label is a jump-table target in the middle of
// straight-line code.
__attribute__((noinline)) uint64_t cases(uint64_t v) {
  uint64_t r = 0;
  switch (v % 7) {
  case 0: r += v * 3; // fall through
  case 1: r ^= v >> 1; // fall through
  case 2: r += 17; break;
  case 3: r = leaf(r + v); // fall through
  case 4: r += v << 2; break;
  case 5: r -= v; // fall through
  default: r ^= 0x55;
  }
  return r;
}

__attribute__((noinline)) uint64_t depth(uint64_t n) {
  if (n < 2)
    return n;
  return depth(n - 1) + depth(n - 2) * 3;
}

// Tail calls: an unconditional one and, on x86, a conditional one.
__attribute__((noinline)) uint64_t tail(uint64_t v) {
  if (v & 4)
    return leaf(v);
  return step(v ^ 9);
}

static inline uint64_t mixed(uint64_t v) {
  for (int i = 0; i < 3; ++i)
    v = (v & 1) ? v * 3 + 1 : v >> 1;
  return v;
}

// A loop whose header follows a call: the back edge and the return both
// reach it.
__attribute__((noinline)) uint64_t loop_after_call(uint64_t n) {
  uint64_t s = leaf(n);
  for (uint64_t i = 0; i < n; ++i)
    s += mixed(s + i);
  return s;
}

volatile uint64_t sink;

int main(int argc, char **argv) {
  uint64_t rounds = argc > 1 ? strtoull(argv[1], 0, 10) : 100;
  uint64_t acc = 1;
  for (uint64_t r = 0; r < rounds; ++r) {
    for (uint64_t i = 0; i < 40; ++i) {
      acc += cond_call(acc + i);
      acc += cases(acc ^ i);
      acc += tail(acc + i);
      acc += step(i);
    }
    acc += depth(r % 9);
    acc += loop_after_call(8 + (r & 7));
    acc += other_entry(acc);
  }
  sink = acc;
  return 0;
}
