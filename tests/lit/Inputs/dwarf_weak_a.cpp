// dwarf_weak_a.cpp + dwarf_weak_b.cpp: one weak (inline) function whose two
// translation units compile different copies (harden-dwarf-weak.test).
#include "dwarf_weak.h"
int use_a(int x) { return (int)shared(x); }
int use_b(int x);
int main(int argc, char **) { return use_a(argc) + use_b(argc); }
