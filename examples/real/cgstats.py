#!/usr/bin/env python3
"""cgstats.py FILE...: for each callgrind output file (run with --cache-sim=yes
--collect-jumps=yes --dump-instr=yes), print `Ir I1mr Jt`: instructions,
simulated L1 i-cache read misses and taken jumps, the counting of
bench/example-pgo.py's callgrind_ir: `jcnd=T/E` is a conditional jump taken T
of E times, `jump=N` an unconditional one taken N times; calls and returns
are not counted. Taken jumps are what block layout lowers (each ends a fetch
block)."""
import sys


def stats(path):
    events, values, taken = None, None, 0
    with open(path) as f:
        for line in f:
            if line.startswith("jump="):
                taken += int(line[5:].split()[0])
            elif line.startswith("jcnd="):
                taken += int(line[5:].split()[0].split("/")[0])
            elif line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith(("summary:", "totals:")):
                values = [int(v) for v in line.split()[1:]]
    if not events or not values:
        sys.exit("cgstats.py: no callgrind totals in %s" % path)
    t = dict(zip(events, values))
    if "I1mr" not in t:
        sys.exit("cgstats.py: %s has no I1mr (callgrind without --cache-sim=yes?)" % path)
    return t["Ir"], t["I1mr"], taken


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: cgstats.py CALLGRIND_OUT...")
    for path in sys.argv[1:]:
        print("%d %d %d" % stats(path))


if __name__ == "__main__":
    main()
