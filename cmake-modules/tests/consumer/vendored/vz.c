/* vz.c: the vendored library's hot function. */
unsigned vz_sum(const unsigned char *p, int n) {
  unsigned h = 1;
  for (int i = 0; i < n; ++i)
    h = h * 33 + p[i];
  return h;
}
