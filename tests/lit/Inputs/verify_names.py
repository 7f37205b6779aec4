"""Checks verify's function names on a real symbol table.

Usage: verify_names.py PGOCTL BINARY MODE WORKDIR
MODE: `c` (C functions by their source names) or `stem` (a binary without
DWARF: names compared up to their parameter list).

Every function symbol of `llvm-nm` output gets one IP sample (a perf script
text with the binary's executable PT_LOADs mapped, imported by pgoctl), then
`pgoctl verify --json` names them. The oracle is llvm-symbolizer on the
binary (or, for `stem`, on its DWARF copy BINARY.debug): the innermost
function at each symbol's address (DW_AT_name). Each oracle function must
hold exactly as many self samples as it has symbols (a fragment not folded
into its function shows up as an extra name, and its function one short).
Symbols without debug info (crt code) are left out. Prints the table.
"""
import collections
import json
import os
import re
import subprocess
import sys

pgoctl, binary, mode, work = sys.argv[1:5]
oracle_bin = binary + ".debug" if mode == "stem" else binary
os.makedirs(work, exist_ok=True)


def run(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


syms = []
for line in run("llvm-nm", "--defined-only", binary).splitlines():
    addr, kind, name = line.split(None, 2)
    if kind in "tTwW":
        syms.append((int(addr, 16), name))

# The oracle: llvm-symbolizer's innermost function at each symbol address.
query = "".join("0x%x\n" % a for a, _ in syms)
out = subprocess.run(["llvm-symbolizer", "--obj=" + oracle_bin, "--functions=short"],
                     input=query, stdout=subprocess.PIPE, text=True, check=True).stdout
blocks = out.strip("\n").split("\n\n")
assert len(blocks) == len(syms), (len(blocks), len(syms))
table = []
for (addr, name), block in zip(syms, blocks):
    func = block.splitlines()[0]
    if func != "??":
        table.append((addr, name, func))

# Executable PT_LOADs: offset, vaddr, memsz.
is_pie = "DYN" in run("llvm-readelf", "-h", binary)
base = 0x555555554000 if is_pie else 0
loads = []
for line in run("llvm-readelf", "-lW", binary).splitlines():
    f = line.split()
    if f and f[0] == "LOAD" and "E" in f[6:-1]:
        loads.append((int(f[1], 16), int(f[2], 16), int(f[5], 16)))
text = []
for off, vaddr, memsz in loads:
    text.append("PERF_RECORD_MMAP2 4242/4242: [0x%x(0x%x) @ 0x%x fd:00 1 0]: r-xp %s"
                % (base + vaddr, memsz, off, os.path.abspath(binary)))
for addr, _, _ in table:
    text.append(" %x" % (base + addr))
script = os.path.join(work, "names.txt")
with open(script, "w") as f:
    f.write("\n".join(text) + "\n")
prof = os.path.join(work, "names.pgoprof")
run(pgoctl, "-q", "import", script, "--binary", binary, "-o", prof)
r = subprocess.run([pgoctl, "verify", "--before", prof, "--after", prof, "--binary-before",
                    binary, "--binary-after", binary, "--json", "--min-samples", "0"],
                   stdout=subprocess.PIPE, text=True)
got = {f["name"]: f["self"]["samples_before"] for f in json.loads(r.stdout)["functions"]
       if f["self"]["samples_before"]}


def key(n):
    """`stem`: a name and one parameter list, nothing after it (a suffix the
    demangler printed after the list, `f(int) (.cold.0)`, is not folded)."""
    m = re.match(r"^([^(]*)\([^()]*\)$", n) if mode == "stem" else None
    return m.group(1) if m else n


want = collections.Counter(func for _, _, func in table)
have = collections.Counter()
for n, c in got.items():
    have[key(n)] += c
for addr, name, func in table:
    print("%-70s -> %s" % (name, func))
bad = {n: (want.get(n, 0), have.get(n, 0)) for n in set(want) | set(have)
       if want.get(n, 0) != have.get(n, 0)}
if bad:
    print("MISMATCH (function: symbols, verify's self samples):")
    for n in sorted(bad):
        print("  %r: %d %d" % (n, *bad[n]))
    sys.exit(1)
print("names ok: %d symbols, %d functions" % (len(table), len(want)))
