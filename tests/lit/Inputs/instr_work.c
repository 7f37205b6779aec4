// tests/lit/Inputs/instr_work.c: a small program for the instrumented-profile
// tests (convert-instr-*.test). Built with -fprofile-generate, it takes
// different paths by its argument (a mode and a count), so two runs give two
// raw profiles with different counts; an indirect call gives value-profile
// data, a switch and a loop give branch counters.
#include <stdio.h>
#include <stdlib.h>

static int square(int X) { return X * X; }
static int twice(int X) { return 2 * X; }
static int negate(int X) { return -X; }

typedef int (*Op)(int);

__attribute__((noinline)) int classify(int X) {
  switch (X % 5) {
  case 0:
    return 1;
  case 1:
  case 2:
    return 2;
  default:
    return X & 1 ? 3 : 4;
  }
}

__attribute__((noinline)) long work(char Mode, int N) {
  Op Ops[3] = {square, twice, negate};
  long Sum = 0;
  for (int I = 0; I < N; ++I) {
    int Pick = Mode == 'a' ? I % 2 : (I % 7 == 0 ? 2 : 0);
    Sum += Ops[Pick](I) + classify(I);
  }
  return Sum;
}

__attribute__((noinline)) void rarely(void) { puts("rarely"); }

int main(int Argc, char **Argv) {
  char Mode = Argc > 1 ? Argv[1][0] : 'a';
  int N = Argc > 2 ? atoi(Argv[2]) : 1000;
  if (Mode == 'r')
    rarely();
  printf("%ld\n", work(Mode, N));
  return 0;
}
