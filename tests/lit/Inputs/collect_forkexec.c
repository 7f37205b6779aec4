// Forks; the child execs PROG ARGS... while the parent does a fixed amount of
// work in parent_work() and then waits (fixed work on both sides, so the
// split of CPU time does not depend on the scheduler).
// Usage: collect_forkexec ROUNDS PROG ARGS...
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

volatile uint64_t sink; // keeps the work from being optimized away
volatile uint64_t work_n = 300000; // a constant would let the pure worker run once

__attribute__((noinline)) uint64_t parent_work(uint64_t n) {
  uint64_t x = 9;
  for (uint64_t i = 0; i < n; ++i)
    x = (x ^ i) * 0x9e3779b97f4a7c15ULL;
  return x;
}

int main(int argc, char **argv) {
  pid_t c = fork();
  if (c == 0) {
    execv(argv[2], argv + 2);
    _exit(127);
  }
  unsigned rounds = (unsigned)atoi(argv[1]);
  uint64_t acc = 0;
  for (unsigned r = 0; r < rounds; ++r)
    acc += parent_work(work_n);
  int st;
  waitpid(c, &st, 0);
  sink = acc;
  return 0;
}
