"""Compares the per-function sample shares of two `pgoctl show --json` outputs.

Usage: pprof_shares.py A.json B.json
Both must have the same total and, for every (binary file name, function)
that either lists, the same share of the samples (equal to 1e-9: the same
recording read two ways gives the same counts). Entries without a function
name (addresses in an unsymbolized mapping) are left out: their keys depend on
the address space the profile keeps them in.
"""
import json
import os
import sys


def shares(path):
    with open(path) as f:
        top = json.load(f)["top"]
    total = top["total_samples"]
    out = {}
    for e in top["entries"]:
        if e["function"] is None:
            continue
        key = (os.path.basename(e["binary"]), e["function"])
        out[key] = out.get(key, 0) + e["samples"]
    return total, {k: v / total for k, v in out.items()}


ta, a = shares(sys.argv[1])
tb, b = shares(sys.argv[2])
bad = []
if ta != tb:
    bad.append(f"total samples {ta} != {tb}")
for k in sorted(set(a) | set(b)):
    if abs(a.get(k, 0) - b.get(k, 0)) > 1e-9:
        bad.append(f"{k[1]} [{k[0]}]: {a.get(k, 0):.6f} != {b.get(k, 0):.6f}")
if not a:
    bad.append("no function in the first profile")
if bad:
    sys.exit("\n".join(bad))
print(f"{len(a)} functions, same shares of {ta} samples")
