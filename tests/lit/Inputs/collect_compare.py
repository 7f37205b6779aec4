#!/usr/bin/env python3
"""collect_compare.py OURS.dump THEIRS.dump BINARY...: two `pgoctl debug
profile` dumps of the same program (one from `pgoctl collect`, one from `perf
record -g` + `pgoctl import`) give the same per-function shares and the same
call chains, within sampling error.

Functions come from llvm-nm of each BINARY (the independent symbolizer):
an address belongs to the defined text symbol at or below it. Samples outside
the given binaries count as "[other]". The bound: the two shares are
independent binomial estimates, so their difference has standard deviation
sqrt(p(1-p)(1/n1 + 1/n2)) (p the pooled share); we accept |p1 - p2| within 4
of those (a false alarm in about 1 of 16000 comparisons). Both profiles
sample one run (collect_same_run.py), so the program's run-to-run variation
is not in the difference. Only functions or chains with
at least 3% in either profile are compared, and each of those must appear in
both. Prints every comparison; exits 1 on a difference."""
import bisect, math, os, subprocess, sys

ours_path, theirs_path, bins = sys.argv[1], sys.argv[2], sys.argv[3:]

syms = {}
for b in bins:
    out = subprocess.run(["llvm-nm", "-n", "--defined-only", b], capture_output=True,
                         text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "Tt":
            addrs.append(int(p[0], 16))
            names.append(p[2])
    syms[os.path.basename(b)] = (addrs, names)


def fn(path, space, addr):
    s = syms.get(os.path.basename(path))
    if not s or space != "vaddr":
        return "[other]"
    i = bisect.bisect_right(s[0], addr) - 1
    return s[1][i] if i >= 0 else "[other]"


def load(path):
    bins, funcs, chains, samples = {}, {}, {}, 0
    cur = None
    for line in open(path):
        p = line.split()
        if not p:
            continue
        if p[0] == "samples":
            samples = int(p[1])
        elif p[0] == "binary":
            cur = (p[2], p[4].split("=")[1])
            bins[p[1]] = cur
        elif p[0] == "ip" and cur:
            f = fn(cur[0], cur[1], int(p[1], 16))
            funcs[f] = funcs.get(f, 0) + int(p[2])
        elif p[0] == "stack":
            names = []
            for fr in p[2:]:
                b, a = fr.split(":")
                n = fn(*bins[b], int(a, 16)) if b in bins and a != "external" else "[other]"
                if not names or names[-1] != n:
                    names.append(n)
            names = [n for n in names if n != "[other]"]
            key = " <- ".join(names) if names else "[other]"
            chains[key] = chains.get(key, 0) + int(p[1])
    return samples, funcs, chains


def compare(what, a, na, b, nb):
    ok = True
    for k in sorted(set(a) | set(b)):
        pa, pb = a.get(k, 0) / na, b.get(k, 0) / nb
        if max(pa, pb) < 0.03 or k == "[other]":
            continue
        p = (a.get(k, 0) + b.get(k, 0)) / (na + nb)
        bound = 4 * math.sqrt(p * (1 - p) * (1 / na + 1 / nb))
        good = abs(pa - pb) <= bound and pa > 0 and pb > 0
        ok &= good
        print(f"{what} {k}: ours {pa:.3f} perf {pb:.3f} bound {bound:.3f} {'ok' if good else 'DIFFERENT'}")
    return ok


n1, f1, c1 = load(ours_path)
n2, f2, c2 = load(theirs_path)
print(f"samples: ours {n1}, perf {n2}")
if n1 < 200 or n2 < 200:
    sys.exit("too few samples to compare")
ok = compare("function", f1, n1, f2, n2)
s1, s2 = sum(c1.values()), sum(c2.values())
if s1 < 200 or s2 < 200:
    sys.exit(f"too few call chains: ours {s1}, perf {s2}")
ok &= compare("chain", c1, s1, c2, s2)
sys.exit(0 if ok else 1)
