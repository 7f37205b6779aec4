#!/usr/bin/env python3
"""ip-vs-exact.py: where IP samples fall against exact execution counts, per
instruction and per basic block of one function: the data behind the IP
estimator's errors (convert/sample/ProfDataIp.cpp assumes every instruction
of a block takes the same time).

Usage: ip-vs-exact.py --binary B --function F --ip PROFILE.pgoprof
                      --exact RUN.perf.data.exact [--pgoctl P] [--min-share 0.002]

  --ip     a pgoctl import of an IP recording (perf record -e cpu-clock) of B;
  --exact  the ground truth of tests/tools/lbr-emu --exact on a run of B (its
           `R begin end count` fall-through ranges give every instruction's
           execution count; its `M` line for B gives the load address).
The two runs need not be the same length: both sides are shares of the
function's total. For each instruction with at least --min-share of either
total it prints its address, exact executions, IP samples, the density
(share of samples / share of executions: 1 where the instruction takes the
function's average time per execution) and the instruction; then per block
(a run of instructions with the same execution count) the estimator's view:
samples per instruction against the exact count, scaled so that the two
totals agree, and their ratio.
"""
import argparse
import bisect
import collections
import importlib.util
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location(
    "synthetic_ip", os.path.join(ROOT, "tests", "lit", "Inputs", "synthetic_ip.py"))
SYNTHETIC_IP = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(SYNTHETIC_IP)


def disassemble(binary, function):
    """(address, instruction text) of function, through the tests' one
    llvm-objdump parser."""
    ins = [(a, (m + " " + ops).strip()) for a, m, ops in SYNTHETIC_IP.disasm(binary, function)]
    if not ins:
        sys.exit("ip-vs-exact.py: no function %s in %s" % (function, binary))
    return ins


def exact_counts(path, binary, addrs):
    """Executions per instruction address (ELF vaddr) from lbr-emu's ranges."""
    base = None
    real = os.path.realpath(binary)
    ranges = []
    for line in open(path):
        p = line.split()
        if p[:1] == ["M"] and os.path.realpath(p[5]) == real and base is None:
            base = int(p[1], 16) - int(p[3], 16)  # start - pgoff: vaddr == file offset here
        elif p[:1] == ["R"]:
            ranges.append((int(p[1], 16), int(p[2], 16), int(p[3])))
    if base is None:
        sys.exit("ip-vs-exact.py: %s has no mapping of %s" % (path, binary))
    counts = collections.Counter()
    lo, hi = addrs[0], addrs[-1]
    for b, e, c in ranges:
        b -= base
        e -= base
        if e < lo or b > hi:
            continue
        i = bisect.bisect_left(addrs, b)
        while i < len(addrs) and addrs[i] <= e:
            counts[addrs[i]] += c
            i += 1
    return counts


def ip_samples(pgoctl, profile, binary):
    text = subprocess.run([pgoctl, "debug", "profile", profile], capture_output=True, text=True,
                          check=True).stdout
    real = os.path.realpath(binary)
    on = False
    out = collections.Counter()
    for line in text.splitlines():
        if line.startswith("binary "):
            on = os.path.realpath(line.split()[2]) == real
        elif on and line.startswith("  ip "):
            _, a, c = line.split()
            out[int(a, 16)] += int(c)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--function", required=True)
    ap.add_argument("--ip", required=True)
    ap.add_argument("--exact", required=True)
    ap.add_argument("--pgoctl", default=os.path.join(ROOT, "build", "cli", "pgoctl"))
    ap.add_argument("--min-share", type=float, default=0.002)
    a = ap.parse_args()
    ins = disassemble(a.binary, a.function)
    addrs = [x for x, _ in ins]
    exact = exact_counts(a.exact, a.binary, addrs)
    samp = ip_samples(a.pgoctl, a.ip, a.binary)
    te = sum(exact[x] for x in addrs)
    ts = sum(samp[x] for x in addrs)
    if not te or not ts:
        sys.exit("ip-vs-exact.py: no executions (%d) or no samples (%d) in %s" % (te, ts, a.function))
    print("%s: %d instructions executed, %d IP samples" % (a.function, te, ts))
    print("%8s %10s %7s %8s  %s" % ("addr", "exact", "samples", "density", "instruction"))
    for x, text in ins:
        e, s = exact[x], samp[x]
        if e >= te * a.min_share or s >= ts * a.min_share:
            dens = "%8.2f" % ((s / ts) / (e / te)) if e else "       -"
            print("%8x %10d %7d %s  %s" % (x, e, s, dens, text[:60]))
    # Blocks: maximal runs of consecutive instructions with one exact count.
    print("\nblocks: exact count, the estimate (samples per instruction, scaled to the exact total)")
    blocks = []
    for x, _ in ins:
        if blocks and exact[x] == blocks[-1][1] and exact[x]:
            blocks[-1][2].append(x)
        else:
            blocks.append([x, exact[x], [x]])
    est_total = sum(sum(samp[y] for y in b[2]) / len(b[2]) * len(b[2]) for b in blocks)
    scale = te / est_total if est_total else 0
    print("%8s %5s %10s %10s %6s" % ("start", "insns", "exact", "estimate", "ratio"))
    for start, count, xs in blocks:
        if count < te * a.min_share / 10:
            continue
        est = sum(samp[y] for y in xs) / len(xs) * scale
        print("%8x %5d %10d %10.0f %6.2f" % (start, len(xs), count, est, est / count))


if __name__ == "__main__":
    main()
