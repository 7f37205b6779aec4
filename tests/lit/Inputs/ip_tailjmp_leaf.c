// main calls mid through a function pointer; mid calls dispatch, which
// tail-calls a handler through a function pointer (`pop %rbp; jmp *%rax`).
// A sample at dispatch's jmp is taken after its `pop %rbp`: the unwinder
// reads mid's frame and sees dispatch as called from main's indirect call.
// Usage: ip_tailjmp_leaf [calls].
#include <stdlib.h>

typedef unsigned long (*fn_t)(unsigned long);

__attribute__((noinline)) unsigned long h_get(unsigned long x) { return x * 3 + (x >> 2); }
__attribute__((noinline)) unsigned long h_put(unsigned long x) { return (x ^ 5) * 2; }

fn_t volatile handlers[2] = {h_get, h_put};

__attribute__((noinline)) unsigned long dispatch(unsigned long x) {
  fn_t f = handlers[(x >> 3) % 3 == 0];
  return f(x);
}

__attribute__((noinline)) unsigned long mid(unsigned long x) { return dispatch(x) + 1; }

fn_t volatile entry = mid;

int main(int argc, char **argv) {
  unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 100000, acc = 0;
  for (unsigned long i = 0; i < n; ++i)
    acc += entry(i * 7);
  return acc == 42;
}
