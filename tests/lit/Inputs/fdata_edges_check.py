#!/usr/bin/env python3
"""fdata_edges_check.py OURS ORACLE: an .fdata of edges estimated from IP
samples (pgoctl convert --infer-edges) against perf2bolt's .fdata of an LBR
recording of the same program (the oracle), per function of the oracle:
  - every edge of ours inside one function with more than 1% of that
    function's largest count is an edge of the oracle (nothing invented: no
    fall-through after a call that never returns, no jump-table target that is
    not in the table);
  - every branch of the oracle (a source with two or more destinations) with
    at least 5% of its function's largest count has an edge in ours (no hot
    branch missing; which way it goes is not asserted: the IP estimate of a
    1-instruction block can be 0 where LBR says a third, see
    bench/example-pgo.md);
  - the oracle's source with the most destinations (a jump table) has the
    same destinations in ours, each with a count. (Not asserted: that the
    counts are as even as the oracle's. fdata_branchy.c's cases are equally
    likely, and the IP estimates of those 2-instruction blocks came out up
    to 2.6x apart in 8 runs: the first instruction after a mispredicted
    indirect jump collects its penalty.)
Exit 1 with the differences printed."""
import collections
import sys


def load(path):
    edges = collections.defaultdict(int)
    for line in open(path):
        f = line.split()
        if len(f) != 8 or f[0] != "1" or f[3] != "1" or f[1] != f[4]:
            continue  # no_lbr header, unknown ends, calls between functions
        edges[(f[1], int(f[2], 16), int(f[5], 16))] += int(f[7])
    return edges


def per_func(edges):
    out = collections.defaultdict(dict)
    for (fn, a, b), n in edges.items():
        out[fn][(a, b)] = n
    return out


ours, oracle = per_func(load(sys.argv[1])), per_func(load(sys.argv[2]))
errors = []
for fn, oe in oracle.items():
    we = ours.get(fn, {})
    top_w = max(we.values(), default=0)
    top_o = max(oe.values())
    for e, n in we.items():
        if n > 0.01 * top_w and e not in oe:
            errors.append("%s: edge %x->%x (%d) is not in the oracle" % (fn, e[0], e[1], n))
    src_o, src_w = collections.defaultdict(int), collections.defaultdict(int)
    dests = collections.defaultdict(set)
    for (a, b), n in oe.items():
        src_o[a] += n
        dests[a].add(b)
    for (a, b), n in we.items():
        src_w[a] += n
    for a, n in src_o.items():
        if len(dests[a]) >= 2 and n >= 0.05 * top_o and not src_w.get(a):
            errors.append("%s: oracle branch at %x (%d) has no edge in ours" % (fn, a, n))
srcs = collections.defaultdict(dict)
for fn, oe in oracle.items():
    for (a, b), n in oe.items():
        srcs[(fn, a)][b] = n
(jfn, jsrc), jdst = max(srcs.items(), key=lambda kv: len(kv[1]))
if len(jdst) >= 3:
    mine = {b: n for (a, b), n in ours.get(jfn, {}).items() if a == jsrc}
    if set(b for b, n in mine.items() if n > 0) != set(jdst):
        errors.append("%s: jump at %x goes to %s, oracle %s" % (
            jfn, jsrc, sorted(map(hex, mine)), sorted(map(hex, jdst))))
    print("jump table %s+%x: %d targets" % (jfn, jsrc, len(jdst)))
for e in errors:
    print(e)
print("%d functions checked, %d differences" % (len(oracle), len(errors)))
sys.exit(1 if errors else 0)
