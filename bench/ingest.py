#!/usr/bin/env python3
"""Benchmark: perf.data ingest throughput, pgoctl against the tools users run.

Scales the real LBR fixture autofdo.test.lbr (perf 3.3, Westmere) to about
400 MB by repeating its data section (bench/scale_perf_data.py), then runs on
the same file, in the same run:
  - pgoctl import                      (native reader, two passes, aggregation)
  - perf script -F ip,brstack          (perf's own decoder, text to /dev/null)
  - llvm-profgen --skip-symbolization  (runs perf script itself, then parses)
and prints wall time, MB/s, peak RSS and the ratios. perf2bolt cannot read
this file (perf 3.3 wrote MMAP, not MMAP2 records), so it is not in this one.
llvm-profgen needs the profiled binary by name: a stand-in non-PIE
`test.binary` is built; most addresses are then external to it, so
llvm-profgen's own aggregation does little work: its time is mostly the
perf script it runs plus parsing, which is what an ingest costs it.

Usage: bench/ingest.py [--pgoctl PATH] [--size-mb 400] [--work DIR] [--skip-slow]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import run  # noqa: E402
ROOT = os.path.dirname(HERE)
FIXTURE = os.path.join(ROOT, "..", "shared", "fixtures", "perf", "autofdo.test.lbr")
LLVM_BIN = "/usr/lib/llvm-22/bin"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", default=os.path.join(ROOT, "build", "cli", "pgoctl"))
    ap.add_argument("--size-mb", type=float, default=400)
    ap.add_argument("--work", default="/tmp/pgoctl-bench")
    ap.add_argument("--skip-slow", action="store_true", help="only pgoctl")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    big = os.path.join(a.work, f"test.lbr.x{int(a.size_mb)}MB.data")
    if not os.path.exists(big):
        subprocess.check_call([sys.executable, os.path.join(HERE, "scale_perf_data.py"),
                               FIXTURE, big, "--target-mb", str(a.size_mb)])
    size = os.path.getsize(big)
    # A stand-in for the profiled binary, for llvm-profgen's name match.
    stand_in_dir = os.path.join(a.work, "bin")
    os.makedirs(stand_in_dir, exist_ok=True)
    stand_in = os.path.join(stand_in_dir, "test.binary")
    if not os.path.exists(stand_in):
        src = os.path.join(a.work, "stand_in.c")
        open(src, "w").write("int main(void) { return 0; }\n")
        subprocess.check_call(["clang-22", "-O1", "-no-pie", "-fno-pie", "-Wl,-z,noseparate-code",
                               src, "-o", stand_in])

    # Warm the page cache so every tool reads from memory.
    with open(big, "rb") as f:
        while f.read(1 << 24):
            pass
    results = [run("pgoctl import", [a.pgoctl, "-q", "import", big, "-o",
                                     os.path.join(a.work, "out.pgoprof")])]
    if not a.skip_slow:
        results.append(run("perf script -F ip,brstack",
                           ["perf", "script", "-F", "ip,brstack", "-i", big]))
        results.append(run("llvm-profgen --skip-symbolization",
                           [os.path.join(LLVM_BIN, "llvm-profgen"), "--perfdata", big,
                            "--binary", stand_in, "--skip-symbolization",
                            "--output", os.path.join(a.work, "profgen.txt")]))
    base = results[0]["wall"]
    print(f"input: {big} ({size / 1e6:.0f} MB)")
    print(f"{'tool':36} {'seconds':>9} {'MB/s':>9} {'peak RSS MB':>12} {'x slower than pgoctl':>21}")
    for r in results:
        mbs = size / 1e6 / r["wall"]
        print(f"{r['name']:36} {r['wall']:9.2f} {mbs:9.0f} {r['rss_mb']:12.1f} "
              f"{r['wall'] / base:21.1f}" + ("" if r["rc"] == 0 else f"  (exit {r['rc']})"))


if __name__ == "__main__":
    main()
