// convert-profdata-ip-entry.test: a leaf called from one loop. The test puts
// synthetic IP samples on it: every instruction of the caller's call block
// gets the same few samples, the leaf's first instruction gets many (as a
// stalled prologue would).
__attribute__((noinline)) long leaf(long x) { return x * 7 + 3; }

__attribute__((noinline)) long caller(long n) {
  long s = 0;
  for (long i = 0; i < n; ++i)
    s += leaf(i);
  return s;
}

int main(int argc, char **argv) { return (int)caller(argc * 1000) & 1; }
