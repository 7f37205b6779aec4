// See dwarf_weak_a.cpp.
#define COPY_B
#include "dwarf_weak.h"
int use_b(int x) { return shared(x); }
