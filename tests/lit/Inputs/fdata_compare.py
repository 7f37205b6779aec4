#!/usr/bin/env python3
"""Compare two BOLT .fdata files after normalizing line order.

Usage: fdata_compare.py EXPECTED ACTUAL [--min-lines N]

Both files are parsed into {(from, to): (mispreds, count)} for LBR lines
(`1 F off 1 G off mispreds count`, `0 [unknown] 0` for unknown ends) or
{location: count} for no_lbr lines (`1 F off count`), with the `no_lbr`
header compared as a line. Exit 0 when equal; otherwise prints every
difference (missing, extra, different counts) and exits 1. --min-lines
makes an (almost) empty expected file a failure, so the test cannot pass
on nothing. There is no tolerance: every count must be equal, and the
files must then be equal sorted, line for line (same spelling of each line).
"""
import argparse
import sys


def parse(path):
    header = None
    edges = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("no_lbr") or line == "boltedcollection":
                header = line
                continue
            tok = line.split(" ")
            if len(tok) == 8:
                key = (tuple(tok[0:3]), tuple(tok[3:6]))
                val = (int(tok[6]), int(tok[7]))
            elif len(tok) == 4:
                key = tuple(tok[0:3])
                val = int(tok[3])
            else:
                sys.exit(f"{path}:{n}: unexpected line: {line!r}")
            if key in edges:
                sys.exit(f"{path}:{n}: duplicate edge {key}")
            edges[key] = val
    return header, edges


def sorted_lines(path):
    with open(path) as f:
        return sorted(line.rstrip("\n") for line in f if line.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--min-lines", type=int, default=1)
    a = ap.parse_args()
    eh, ee = parse(a.expected)
    ah, ae = parse(a.actual)
    bad = 0
    if len(ee) < a.min_lines:
        print(f"expected file has only {len(ee)} lines (< {a.min_lines})")
        bad += 1
    if eh != ah:
        print(f"header differs: expected {eh!r}, actual {ah!r}")
        bad += 1
    for k in sorted(set(ee) | set(ae)):
        if k not in ae:
            print(f"missing: {k} {ee[k]}")
            bad += 1
        elif k not in ee:
            print(f"extra:   {k} {ae[k]}")
            bad += 1
        elif ee[k] != ae[k]:
            print(f"differs: {k} expected {ee[k]} actual {ae[k]}")
            bad += 1
    if not bad and sorted_lines(a.expected) != sorted_lines(a.actual):
        print("the same edges, but the lines are spelled differently")
        bad += 1
    print(f"{len(ee)} expected lines, {len(ae)} actual lines, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
