#!/usr/bin/env python3
"""chains_subset.py TEST REFERENCE DSO: `perf script -F ip,dso` outputs of
two recordings with call chains of the same deterministic run. For every
sampled instruction in DSO (a file name) that both recordings sampled, each
call chain (its frames' addresses, up to the first frame outside DSO) TEST
has there must be one REFERENCE has there. Prints how many such instructions were compared and every chain
REFERENCE lacks."""
import sys


def chains(path, dso):
    out = {}
    for block in open(path).read().split("\n\n"):
        frames = [l.split() for l in block.strip().splitlines() if l.strip()]
        if not frames or len(frames[0]) < 2 or not frames[0][1].strip("()").endswith("/" + dso):
            continue
        inside = []
        for f in frames:  # the chain's frames in DSO, up to the first outside
            if len(f) < 2 or not f[1].strip("()").endswith("/" + dso):
                break
            inside.append(f[0])
        out.setdefault(frames[0][0], set()).add(tuple(inside))
    return out


test, ref = chains(sys.argv[1], sys.argv[3]), chains(sys.argv[2], sys.argv[3])
both = sorted(set(test) & set(ref))
missing = [c for ip in both for c in sorted(test[ip] - ref[ip])]
print("%d sampled instructions of %s compared, %d chains not in the reference" % (len(both), sys.argv[3],
                                                                                 len(missing)))
for m in missing[:20]:
    print("  " + " <- ".join(m))
sys.exit(1 if missing or not both else 0)
