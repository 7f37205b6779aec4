#!/usr/bin/env python3
"""collect_attr_compare.py OURS PERF: the first `perf_event_attr:` block of
`pgoctl collect --dry-run` (OURS) and of `perf record -vv` (PERF, the oracle:
the attr perf opens, printed before it tries) agree on the fields that say
what is sampled: type, config, config1, period (or frequency and freq),
sample_type and branch_sample_type. A field perf leaves out is zero."""
import sys

FIELDS = ["type", "config", "{ bp_addr, config1 }", "{ sample_period, sample_freq }",
          "freq", "sample_type", "branch_sample_type"]


def block(path):
    fields, inside = {}, False
    for line in open(path, errors="replace"):
        if line.startswith("perf_event_attr:"):
            if inside:
                break
            inside = True
            continue
        if inside:
            if line.startswith("---") or not line.startswith("  "):
                if fields:
                    break
                continue
            key, _, val = line.strip().rpartition(" ")
            fields[key.strip()] = val.strip()
    if not fields:
        sys.exit(f"{path}: no perf_event_attr block")
    return fields


ours, perf = block(sys.argv[1]), block(sys.argv[2])
bad = 0
for f in FIELDS:
    a, b = ours.get(f, "0"), perf.get(f, "0")
    print(f"{f}: ours {a} perf {b}")
    bad += a != b
sys.exit(1 if bad else 0)
