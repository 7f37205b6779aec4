// main.cpp: the consumer's "service": a hot loop with a rare error path.
#include <cstdio>
#include <cstdlib>
int checksum(const char *s, int n);
static int work(int i) { return (i % 97 == 0) ? -1 : checksum("request", i % 7 + 1); }
int warm(int n);
int main(int argc, char **argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100000, errors = 0;
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    int r = work(i);
    if (r < 0)
      ++errors;
    else
      sum += r;
  }
  sum += warm(n);
  std::printf("%ld %d\n", sum, errors);
  return 0;
}
// Called once; the lto case's profile gives it an entry count of 60, between
// main's (10) and main's loop (4000), so whether it is hot shows which hot
// count the LTO backend used (the link map's .text.hot.* sections).
__attribute__((noinline)) int warm(int n) { return checksum("warm", n % 3 + 1); }
