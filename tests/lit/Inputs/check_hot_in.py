#!/usr/bin/env python3
"""check_hot_in.py DUMP NM BINARY: the hottest IP samples of BINARY in a
`pgoctl debug profile` dump fall inside the function whose address llvm-nm
printed (function size from the next symbol is not needed: we accept IPs in
[addr, addr + 4096)). Prints what it checked; exits 1 if not."""
import sys

dump, nm, binary = sys.argv[1:4]
addr = int(open(nm).read().split()[0], 16)
cur = None
ips = []
for line in open(dump):
    if line.startswith("binary "):
        cur = line.split()[2]
        continue
    parts = line.split()
    if cur and cur.endswith("/" + binary) and parts and parts[0] == "ip":
        ips.append((int(parts[2]), int(parts[1], 16)))
if not ips:
    sys.exit(f"no IP samples for {binary}")
total = sum(c for c, _ in ips)
inside = sum(c for c, a in ips if addr <= a < addr + 4096)
print(f"{binary}: {inside}/{total} samples in [{addr:#x}, +4096)")
sys.exit(0 if inside * 2 > total else 1)
