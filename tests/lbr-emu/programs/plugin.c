/* Shared library loaded with dlopen() by dlmain.c; plugin_work is hot. */
__attribute__((noinline)) unsigned plugin_work(unsigned n) {
  unsigned s = 1;
  for (unsigned i = 0; i < n; ++i)
    s = (s & 1) ? s * 3 + i : s / 2 + 1;
  return s;
}
