/* doctor-binary-aarch64.test: built for AArch64 without a libc (none is
   installed for that target here): _start calls three functions. */
__attribute__((noinline)) int leaf(int x) { return x * 3 + 1; }
__attribute__((noinline)) int mid(int x) { int s = 0; for (int i = 0; i < x; ++i) s += leaf(i); return s; }
__attribute__((noinline)) int top(int x) { return mid(x) + mid(x + 1); }
volatile int sink;
void _start(void) { sink = top(10); for (;;) {} }
