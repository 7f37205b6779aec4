/* A tiny stack interpreter: a few functions with distinct names and lines,
   for the corrupted-DWARF tests (harden-dwarf.test). */
#include <stdio.h>
#include <stdlib.h>

static long stack[64];
static int sp;

__attribute__((noinline)) void op_push(long v) { stack[sp++ & 63] = v; }
__attribute__((noinline)) void op_add(void) {
  long b = stack[--sp & 63], a = stack[--sp & 63];
  stack[sp++ & 63] = a + b;
}
__attribute__((noinline)) void op_sub(void) {
  long b = stack[--sp & 63], a = stack[--sp & 63];
  stack[sp++ & 63] = a - b;
}
__attribute__((noinline)) void op_mul(void) {
  long b = stack[--sp & 63], a = stack[--sp & 63];
  stack[sp++ & 63] = a * b + 1;
}

__attribute__((noinline)) long run(const char *prog, long n) {
  long acc = 0;
  for (long i = 0; i < n; ++i) {
    sp = 0;
    for (const char *p = prog; *p; ++p) {
      switch (*p) {
      case '+': op_add(); break;
      case '-': op_sub(); break;
      case '*': op_mul(); break;
      default: op_push(*p - '0'); break;
      }
    }
    acc += stack[(sp - 1) & 63];
  }
  return acc;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 3000000;
  printf("%ld\n", run("12+3*45-+6*", n));
  return 0;
}
