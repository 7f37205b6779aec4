#!/usr/bin/env python3
"""Benchmark: LBR perf.data to .profdata, pgoctl against llvm-profgen-22.

Builds tests/lit/Inputs/branchy.c (clang-22 -O2 -g -fdebug-info-for-profiling
-funique-internal-linkage-names, PIE), records it with the LBR emulator
(tests/tools/lbr-emu), scales the perf.data to about 400 MB by repeating its
data section (bench/scale_perf_data.py), then runs on that file, in the same
run, with a warm page cache:
  - pgoctl convert --to profdata     (native perf.data reader, symbolizer, writer)
  - llvm-profgen --perfdata          (runs perf script itself, then generates)
and prints wall time, MB/s, peak RSS (os.wait4 rusage, children included) and
the ratios, plus llvm-profdata overlap of the two profiles as a sanity check.

Usage: bench/convert-profdata.py [--pgoctl PATH] [--lbremu PATH] [--size-mb 400] [--work DIR]
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import run  # noqa: E402
ROOT = os.path.dirname(HERE)
LLVM_BIN = "/usr/lib/llvm-22/bin"
SOURCE = os.path.join(ROOT, "tests", "lit", "Inputs", "branchy.c")


def prepare(a):
    os.makedirs(a.work, exist_ok=True)
    binary = os.path.join(a.work, "branchy")
    small = os.path.join(a.work, "lbr.small.data")
    big = os.path.join(a.work, f"lbr.x{int(a.size_mb)}MB.data")
    if not os.path.exists(big):
        subprocess.check_call(["clang-22", "-O2", "-g", "-fdebug-info-for-profiling",
                               "-funique-internal-linkage-names", "-fPIE", "-pie", SOURCE,
                               "-o", binary])
        subprocess.check_call([a.lbremu, "--period", "53", "-o", small, "--", binary, "200"])
        subprocess.check_call([sys.executable, os.path.join(HERE, "scale_perf_data.py"),
                               small, big, "--target-mb", str(a.size_mb)])
    return binary, big


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", default=os.path.join(ROOT, "build", "cli", "pgoctl"))
    ap.add_argument("--lbremu", default=os.path.join(ROOT, "build", "tests", "tools", "lbr-emu",
                                                     "lbr-emu"))
    ap.add_argument("--size-mb", type=float, default=400)
    ap.add_argument("--work", default="/tmp/pgoctl-bench-profdata")
    a = ap.parse_args()
    binary, big = prepare(a)
    size = os.path.getsize(big)
    with open(big, "rb") as f:  # warm the page cache for both tools
        while f.read(1 << 24):
            pass
    ours = os.path.join(a.work, "pgoctl.prof")
    theirs = os.path.join(a.work, "profgen.prof")
    results = [
        run("pgoctl convert --to profdata",
            [a.pgoctl, "-q", "convert", big, "--binary", binary, "--to", "profdata", "-o", ours]),
        run("llvm-profgen --perfdata",
            [os.path.join(LLVM_BIN, "llvm-profgen"), "--perfdata", big, "--binary", binary,
             "--output", theirs]),
    ]
    print(f"input: {big} ({size / 1e6:.0f} MB)")
    print(f"{'tool':32} {'seconds':>9} {'MB/s':>8} {'peak RSS MB':>12}")
    for r in results:
        print(f"{r['name']:32} {r['wall']:9.2f} {size / 1e6 / r['wall']:8.0f} "
              f"{r['rss_mb']:12.1f}" + ("" if r["rc"] == 0 else f"  (exit {r['rc']})"))
    p, g = results
    print(f"llvm-profgen / pgoctl: time {g['wall'] / p['wall']:.1f}x, "
          f"peak RSS {g['rss_mb'] / p['rss_mb']:.1f}x")
    if p["rc"] == 0 and g["rc"] == 0:
        out = subprocess.run([os.path.join(LLVM_BIN, "llvm-profdata"), "overlap", "--sample",
                              theirs, ours], capture_output=True, text=True).stdout
        m = re.search(r"Whole program profile similarity:\s*([0-9.]+)%", out)
        print(f"profile similarity (llvm-profdata overlap): {m.group(1) if m else '?'}%")


if __name__ == "__main__":
    main()
