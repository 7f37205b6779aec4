// tests/unit/collect/import_fixture.c: a tiny program the Importer unit tests
// build twice (PIE and non-PIE, with a GNU build-id) and never run: they take
// its function addresses from llvm-nm and its PT_LOAD layout from llvm-readelf
// and check that import maps sampled addresses back to exactly those.
__attribute__((noinline)) int fixture_hot(int x) {
  int s = 0;
  for (int i = 0; i < x; ++i)
    s += i * x;
  return s;
}

__attribute__((noinline)) int fixture_cold(int x) { return x * 7 + 1; }

int main(int argc, char **argv) {
  (void)argv;
  return fixture_hot(argc) + fixture_cold(argc);
}
