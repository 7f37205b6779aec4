#!/usr/bin/env python3
"""The LBR traces of one binary, from `perf script -F pid,brstack
--show-mmap-events` text: the oracle for the traces pgoctl imports.

Usage: traces_from_perf_script.py PERF_SCRIPT_TEXT BINARY_PATH DUMP MIN

Compares the binary's `  trace BRANCH BEGIN END COUNT` lines of DUMP
(`pgoctl debug profile --counts-only`: file offsets in hex, `external` for a
branch source outside the binary) with the oracle's, sorted; prints every
difference and exits 1 on any, or when the oracle has fewer than MIN traces
(so the test cannot pass on nothing). The rule, BOLT's trace: for each pair of consecutive entries of a
branch stack (newest first, an empty 0/0 entry breaks the chain), the older
entry's branch (from -> to) began a fall-through from `to` up to the newer
entry's `from`; it counts for the binary when both ends lie in the binary's
mapping with begin <= end, and its branch source is `external` unless it lies
in the binary too. Addresses resolve through the process's mappings in force
at the sample, as perf script prints them in time order (a new mapping
replaces the ones it overlaps; pid -1's, the kernel's, hold in every process).
"""
import collections
import re
import sys

MMAP = re.compile(r"^\s*(-?\d+)\s+PERF_RECORD_MMAP2?\s+(-?\d+)/\d+:\s+"
                  r"\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|0)[^\]]*\]:\s+\S+\s+(.*)$")
ENTRY = re.compile(r"(0x[0-9a-f]+)/(0x[0-9a-f]+)/")


def dump_traces(path, binary):
    lines, cur = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("binary "):
                cur = line.split()[1]
            elif cur == binary and line.startswith("  trace "):
                lines.append(line.rstrip("\n"))
    return sorted(lines)


def main():
    text, binary, dump, min_traces = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    maps = collections.defaultdict(list)  # pid -> [(start, end, pgoff, path)]
    traces = collections.Counter()
    with open(text) as f:
        for line in f:
            m = MMAP.match(line)
            if m:
                pid = int(m.group(2))
                start, size, pgoff = int(m.group(3), 16), int(m.group(4), 16), int(m.group(5), 0)
                end = start + size
                maps[pid] = [x for x in maps[pid] if x[1] <= start or x[0] >= end]
                maps[pid].append((start, end, pgoff, m.group(6).strip()))
                continue
            if "PERF_RECORD" in line:
                continue
            words = line.split()
            if not words or not words[0].lstrip("-").isdigit():
                continue
            pid = int(words[0])

            def offset(addr):
                for start, end, pgoff, path in maps[pid] + maps[-1]:
                    if start <= addr < end:
                        return addr - start + pgoff if path == binary else None
                return None

            entries = [(int(a, 16), int(b, 16)) for a, b in ENTRY.findall(line)]
            newer_from = None
            for frm, to in entries:
                if frm == 0 and to == 0:
                    newer_from = None
                    continue
                if newer_from is not None:
                    begin, end = offset(to), offset(newer_from)
                    if begin is not None and end is not None and begin <= end:
                        branch = offset(frm)
                        traces[("external" if branch is None else hex(branch), hex(begin),
                                 hex(end))] += 1
                newer_from = frm
    want = sorted(f"  trace {b} {bg} {e} {n}" for (b, bg, e), n in traces.items())
    got = dump_traces(dump, binary)
    bad = 0
    for line in sorted(set(want) ^ set(got)):
        print(("oracle only:" if line in want else "pgoctl only:") + line)
        bad += 1
    if len(want) < min_traces:
        print(f"the oracle has only {len(want)} traces (< {min_traces})")
        bad += 1
    print(f"{binary}: {len(want)} traces from perf script, {len(got)} from pgoctl, "
          f"{bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
