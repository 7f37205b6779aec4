/* Test program for lbr-emu exercising every branch kind: direct and
 * indirect calls, a switch jump table, recursion, PLT calls into libc,
 * conditional branches with data-dependent outcomes, and a signal handler.
 * Small on purpose: the single-step reference mode runs it too. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int handled;
static void on_usr1(int sig) { handled += sig; }

typedef unsigned (*op_fn)(unsigned);
__attribute__((noinline)) static unsigned op_a(unsigned x) { return x * 3 + 1; }
__attribute__((noinline)) static unsigned op_b(unsigned x) { return x >> 1; }
__attribute__((noinline)) static unsigned op_c(unsigned x) { return x ^ 0x5a5a; }

__attribute__((noinline)) static unsigned fib(unsigned n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static unsigned dispatch(unsigned k, unsigned x) {
  switch (k % 7) {
  case 0: return x + 11;
  case 1: return x * 13;
  case 2: return x - 17;
  case 3: return x ^ 19;
  case 4: return x | 23;
  case 5: return x & 0xfff0;
  default: return ~x;
  }
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
  op_fn ops[3] = {op_a, op_b, op_c};
  unsigned x = 7;
  char buf[64];
  signal(SIGUSR1, on_usr1);
  for (unsigned i = 0; i < n; ++i) {
    x = ops[x % 3](x);
    x = dispatch(i, x);
    if (i % 500 == 0) {
      raise(SIGUSR1);
      snprintf(buf, sizeof buf, "%u", x);
      x += (unsigned)strlen(buf);
    }
  }
  x += fib(12);
  printf("%u %d\n", x, handled);
  return 0;
}
