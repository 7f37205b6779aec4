#!/usr/bin/env python3
"""check_top_branch.py DUMP NM BINARY FUNCTION: in a `pgoctl debug profile`
dump, the most taken branch of BINARY lies inside FUNCTION, whose bounds come
from llvm-nm (the independent oracle: from its address to the next symbol's).
It also checks that the ranges of BINARY are non-empty and well-formed."""
import sys

dump, nm, binary, func = sys.argv[1:5]
syms = sorted((int(l.split()[0], 16), l.split()[2]) for l in open(nm)
              if len(l.split()) == 3 and l.split()[1] in "tTwW")
start = next(a for a, n in syms if n == func)
end = min((a for a, n in syms if a > start), default=start + 4096)
cur, branches, ranges = None, [], []
for line in open(dump):
    p = line.split()
    if line.startswith("binary "):
        cur = p[2]
    elif cur and cur.endswith("/" + binary) and p[0] == "branch" and "external" not in p:
        branches.append((int(p[3]), int(p[1], 16), int(p[2], 16)))
    elif cur and cur.endswith("/" + binary) and p[0] == "range":
        ranges.append((int(p[1], 16), int(p[2], 16), int(p[3])))
if not branches or not ranges:
    sys.exit(f"no branches or ranges for {binary}")
if any(b > e for b, e, _ in ranges):
    sys.exit("a range with begin > end")
count, frm, to = max(branches)
print(f"top branch {frm:#x}->{to:#x} x{count}; {func} is [{start:#x}, {end:#x})")
sys.exit(0 if start <= frm < end and start <= to < end else 1)
