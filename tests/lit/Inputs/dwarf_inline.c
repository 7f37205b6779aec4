/* A function both inlined and kept out of line (its address is taken), for
   the corrupted-DWARF test of inlined frames' names (harden-dwarf.test). */
#include <stdlib.h>

static long acc;
void op_neg(long v) { acc = -acc + v * 3; }
void (*volatile neg_ptr)(long) = op_neg;

__attribute__((noinline)) long step_all(long n) {
  for (long i = 0; i < n; ++i) {
    op_neg(i);
    if (i & 1)
      op_neg(i >> 1);
  }
  return acc;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  neg_ptr(n);
  return (int)(step_all(n) & 1);
}
