// util.cpp: a library of the consumer, not a pgo_target: no profile flags.
int checksum(const char *s, int n) {
  int h = 7;
  for (int i = 0; i < n && s[i]; ++i)
    h = h * 31 + s[i];
  return h & 0xffff;
}
