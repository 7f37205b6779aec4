#!/usr/bin/env python3
"""Benchmark: LBR perf.data to BOLT .fdata, pgoctl against perf2bolt-22.

Builds a program of our own (tests/lit/Inputs/fdata_branchy.c, PIE, the
flags the .fdata tests use), records emulated LBR data of it with lbr-emu
(this machine has no LBR), scales the perf.data to about 400 MB by
repeating its data section (bench/scale_perf_data.py), then runs on the same
file, in the same run:
  - pgoctl convert DATA --binary PROG --to fdata   (import + write, one process)
  - /usr/lib/llvm-22/bin/perf2bolt -p DATA -o OUT PROG  (runs perf script
    itself; its peak RSS as reported by wait4 covers perf2bolt and the perf
    jobs it waited for: the largest of them)
and prints wall time, peak RSS, the ratios, and whether the two .fdata files
hold the same edges and counts (tests/lit/Inputs/fdata_compare.py).

Usage: bench/convert-fdata.py [--pgoctl PATH] [--lbr-emu PATH] [--size-mb 400]
                              [--work DIR] [--rounds N]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import run  # noqa: E402
ROOT = os.path.dirname(HERE)
INPUTS = os.path.join(ROOT, "tests", "lit", "Inputs")
LLVM_BIN = "/usr/lib/llvm-22/bin"
CFLAGS = ["-O2", "-g", "-fdebug-info-for-profiling", "-funique-internal-linkage-names",
          "-Wl,--emit-relocs", "-fPIE", "-pie"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", default=os.path.join(ROOT, "build", "cli", "pgoctl"))
    ap.add_argument("--lbr-emu", default=os.path.join(ROOT, "build", "tests", "tools",
                                                       "lbr-emu", "lbr-emu"))
    ap.add_argument("--size-mb", type=float, default=400)
    ap.add_argument("--work", default="/tmp/pgoctl-bench-fdata")
    ap.add_argument("--rounds", default="3000", help="argument of the program")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    prog = os.path.join(a.work, "fdata_branchy")
    small = os.path.join(a.work, "lbr.data")
    big = os.path.join(a.work, f"lbr.x{int(a.size_mb)}MB.data")
    if not os.path.exists(big):
        subprocess.check_call(["clang-22", *CFLAGS, os.path.join(INPUTS, "fdata_branchy.c"),
                               "-o", prog])
        subprocess.check_call([a.lbr_emu, "--period", "1009", "-o", small, "--", prog, a.rounds])
        subprocess.check_call([sys.executable, os.path.join(HERE, "scale_perf_data.py"),
                               small, big, "--target-mb", str(a.size_mb)])
    size_mb = os.path.getsize(big) / 1e6
    ours = os.path.join(a.work, "pgoctl.fdata")
    theirs = os.path.join(a.work, "perf2bolt.fdata")
    print(f"input: {big} ({size_mb:.0f} MB), binary {prog}")
    r1 = run("pgoctl convert --to fdata",
             [a.pgoctl, "convert", big, "--binary", prog, "--to", "fdata", "-o", ours])
    r2 = run("perf2bolt -p", [os.path.join(LLVM_BIN, "perf2bolt"), "-p", big, "-o", theirs, prog])
    if r1["rc"] or r2["rc"]:
        sys.exit(1)
    print(f"{'tool':28} {'wall s':>8} {'MB/s':>8} {'peak RSS MB':>12}")
    for r in (r1, r2):
        print(f"{r['name']:28} {r['wall']:8.2f} {size_mb / r['wall']:8.1f} {r['rss_mb']:12.1f}")
    print(f"speed-up: {r2['wall'] / r1['wall']:.1f}x; pgoctl peak RSS is "
          f"{r1['rss_mb'] / r2['rss_mb']:.2f} of perf2bolt's")
    same = subprocess.run([sys.executable, os.path.join(INPUTS, "fdata_compare.py"), theirs, ours],
                          capture_output=True, text=True)
    print("outputs:", same.stdout.strip().splitlines()[-1])
    return same.returncode


if __name__ == "__main__":
    sys.exit(main())
