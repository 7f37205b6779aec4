/* verify-names: the clones and fragments compilers make of C functions.
 * GCC -O2 gives field_a.isra.0 (IPA-SRA), scaled.constprop.0 (IPA-CP),
 * lookup.part.0 and lookup.part.0.cold (partial inlining, hot/cold split),
 * main.cold; clang -funique-internal-linkage-names gives every static a
 * mangled name with .__uniq.N, and BOLT with function splitting adds .cold.0
 * fragments of those. */
#include <stdio.h>
#include <stdlib.h>
struct big { int a, b, c, d; char pad[64]; };
extern void report(const char *what, int v) __attribute__((cold));
void report(const char *what, int v) { fprintf(stderr, "%s %d\n", what, v); }
/* IPA-SRA: the aggregate is passed by value but one field is used -> .isra.0 */
static __attribute__((noinline)) int field_a(struct big p, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) s += p.a * (i + 1) ^ i;
  return s;
}
/* IPA-CP: always called with scale == 3 -> .constprop.0 */
static __attribute__((noinline)) long scaled(long x, int scale) {
  long r = 0;
  for (int i = 0; i < scale * 100; ++i) r += (x ^ i) % (scale + 7);
  return r;
}
/* Function splitting (partial inlining): a cheap early exit and a big body -> .part.0 */
static int lookup(const char *key, int n) {
  if (!key) return -1;
  int h = 0;
  for (int r = 0; r < n; ++r)
    for (const char *p = key; *p; ++p) h = h * 17 + (*p ^ r) * 5 + (h >> 3);
  for (int r = 0; r < n; ++r)
    for (const char *p = key; *p; ++p) h = h * 13 + (*p | r) * 7 + (h >> 5);
  if (h == 7) { report("h7", h); report("h7b", h); report("h7c", h); }
  if (h == 9) { report("h9", h); report("h9b", h); report("h9c", h); }
  for (int r = 0; r < n; ++r)
    for (const char *p = key; *p; ++p) h = h * 31 + *p + r;
  if (h == 42) { report("h", h); for (int i = 0; i < n; ++i) report("i", i); }
  return h & 0xffff;
}
/* hot/cold splitting -> .cold */
static __attribute__((noinline)) int checked(int x) {
  if (x < 0) { report("negative", x); report("again", x); report("more", x); abort(); }
  return x * 3 + 1;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  struct big b = {0};
  b.a = n;
  long t = 0;
  for (int r = 0; r < 20000; ++r) {
    t += field_a(b, n) + scaled(r, 3) + checked(r) + lookup(argc > 2 ? argv[2] : "abc", 4);
    t += scaled(t & 1023, 3) + lookup(r & 1 ? "xyz" : NULL, 3) + lookup(argv[0], r & 7) + lookup(argv[1], 2) + lookup(r & 2 ? 0 : "q", 5) + lookup(argc > 3 ? argv[3] : 0, 6);
  }
  printf("%ld\n", t);
  return 0;
}
