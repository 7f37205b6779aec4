// Two threads doing a fixed amount of different work each (no clock, so the
// split of CPU time between the functions does not depend on the
// scheduler). Usage: collect_threads [rounds].
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

volatile uint64_t sink; // keeps the work from being optimized away
static unsigned rounds = 3000;
// Volatile: the workers are pure, so a constant argument would let the
// compiler call them once per thread.
volatile uint64_t work_n = 200000;

__attribute__((noinline)) uint64_t thread_a_work(uint64_t n) {
  uint64_t x = 1;
  for (uint64_t i = 0; i < n; ++i)
    x = x * 6364136223846793005ULL + i;
  return x;
}
__attribute__((noinline)) uint64_t thread_b_work(uint64_t n) {
  uint64_t x = 3;
  for (uint64_t i = 0; i < n; ++i)
    x = (x << 5) ^ (x >> 2) ^ i;
  return x;
}

static void *run_a(void *p) {
  uint64_t acc = 0;
  for (unsigned r = 0; r < rounds; ++r)
    acc += thread_a_work(work_n);
  return (void *)(uintptr_t)acc;
}
static void *run_b(void *p) {
  uint64_t acc = 0;
  for (unsigned r = 0; r < rounds; ++r)
    acc += thread_b_work(work_n);
  return (void *)(uintptr_t)acc;
}

int main(int argc, char **argv) {
  if (argc > 1)
    rounds = (unsigned)atoi(argv[1]);
  pthread_t a, b;
  pthread_create(&a, 0, run_a, 0);
  pthread_create(&b, 0, run_b, 0);
  void *ra, *rb;
  pthread_join(a, &ra);
  pthread_join(b, &rb);
  sink = (uintptr_t)ra ^ (uintptr_t)rb;
  return 0;
}
