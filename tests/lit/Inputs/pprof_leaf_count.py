"""Counts the samples of `perf script -F comm,pid,ip,sym,symoff,dso` output
(of a -g recording) whose leaf frame is FUNCTION in a DSO whose path ends with
SUFFIX, and prints `FUNCTION:N:N` (a text .profdata's total and head counts).

Usage: pprof_leaf_count.py SCRIPT.txt FUNCTION SUFFIX
"""
import re
import sys

path, want, suffix = sys.argv[1:4]
frame = re.compile(r"^\s+[0-9a-f]+ (.*?)(\+0x[0-9a-f]+)? \((.*)\)$")
n = 0
leaf_next = False
for line in open(path, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line.strip():
        leaf_next = False
        continue
    if "PERF_RECORD_" in line:
        continue
    m = frame.match(line)
    if not m:  # a sample's header line: its first frame is the leaf
        leaf_next = True
        continue
    if leaf_next and m.group(1) == want and m.group(3).endswith(suffix):
        n += 1
    leaf_next = False
print(f"{want}:{n}:{n}")
