/* convert-fdata-ip-prior.test: `walk` is called with a one-node list, so on
   every call its early return is not taken and its loop body runs once (the
   back edge is never taken). Clang 22 -O2 lays it out as: entry (`je` to the
   shared epilogue), preheader, loop (`jne` back to its head), the store after
   the loop, and the epilogue the early return jumps to. */
#include <stdio.h>
#include <stdlib.h>

struct node {
  struct node *next;
  long v;
};

__attribute__((noinline)) void walk(struct node *n, long *acc) {
  long a = acc[0];
  if (n) {
    long b = acc[1], c = acc[2];
    do {
      a += n->v;
      b ^= a;
      n = n->next;
    } while (n);
    acc[1] = b;
    acc[2] = c + b;
  }
  acc[0] = a;
  acc[3] += 1;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 1000, acc[4] = {0, 0, 0, 0};
  struct node one = {0, 3};
  for (long r = 0; r < rounds; ++r)
    walk(&one, acc);
  printf("%ld\n", acc[0] + acc[1] + acc[2] + acc[3]);
  return 0;
}
