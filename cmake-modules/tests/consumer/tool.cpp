// tool.cpp: another executable of the consumer, not a pgo_target.
#include <cstdio>
int main() { std::puts("tool"); return 0; }
