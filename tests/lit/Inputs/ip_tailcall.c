// A dispatcher that tail-calls its handlers through a function pointer (an
// indirect jmp after its epilogue, as kvsvc's Service::handle does), and
// handlers that call a helper with a frame of its own.
// Usage: ip_tailcall [calls].
#include <stdlib.h>

typedef unsigned long (*handler_t)(unsigned long);

__attribute__((noinline)) unsigned long helper(unsigned long x) {
  volatile unsigned long a = x;
  return a * 3 + (a >> 2);
}
__attribute__((noinline)) unsigned long h_get(unsigned long x) { return helper(x) + 1; }
__attribute__((noinline)) unsigned long h_put(unsigned long x) { return helper(x ^ 5) * 2; }

handler_t volatile handlers[2] = {h_get, h_put};

__attribute__((noinline)) unsigned long dispatch(unsigned long x) {
  handler_t f = handlers[(x >> 3) % 3 == 0];
  return f(x);
}

int main(int argc, char **argv) {
  unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 100000, acc = 0;
  for (unsigned long i = 0; i < n; ++i)
    acc += dispatch(i * 7);
  return acc == 42;
}
