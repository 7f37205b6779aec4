// dwarf_weak.h: see dwarf_weak_a.cpp.
// The same inline function, compiled differently in two translation units
// (as a profile-guided build compiles each unit's COMDAT copy).
static inline int helper(int x) { return x * 3 + 1; }
#ifdef COPY_B
__attribute__((noinline)) inline int shared(int x) {
  int s = 0;
  for (int i = 0; i < x; ++i)
    s += helper(i) ^ helper(s);
  return s;
}
#else
__attribute__((noinline)) inline long shared(int x) {
  volatile long a = 0x1122334455667788L, b = 0x2233445566778899L;
  volatile long c = 0x3344556677889900L, d = 0x4455667788990011L;
  return a + b + c + d + helper(x) * (long)helper((int)a);
}
#endif
