#!/usr/bin/env python3
"""Benchmark: perf.data ingest throughput, pgoctl against the tools users run.

Two input shapes, each a real LBR fixture scaled to about 400 MB by repeating
its data section with timestamps shifted per copy (bench/scale_perf_data.py
--shift-time: one longer recording, in the order the original was written):
  - in order: autofdo.test.lbr (perf 3.3, Westmere; no FINISHED_ROUND, side-
    band records before the samples that need them);
  - late side-band: quipper.perf.data.callgraph_and_branch-3.8 (perf 3.8;
    LBR and call chains; MMAP/COMM/FORK records come after samples later
    than themselves: `import` before the reorder stage read it twice).
On each, in the same run:
  - pgoctl import                      (one pass, records put in time order)
  - pgoctl import --two-pass           (side-band first, then samples: the
                                        old fallback, for reference)
  - perf script -F ip,brstack          (perf's own decoder, text to /dev/null)
  - llvm-profgen --skip-symbolization  (in-order shape only: it runs perf
                                        script itself, then parses)
and prints wall time, MB/s of wall time, CPU seconds (user + system, the
number to read on a shared machine), MB/s of CPU time and peak RSS.
perf2bolt cannot read these files (perf 3.x wrote MMAP, not MMAP2 records).
llvm-profgen needs the profiled binary by name: a stand-in non-PIE
`test.binary` is built; most addresses are then external to it, so its time
is mostly the perf script it runs plus parsing.

Each tool runs --runs times (default 3), interleaved, and the medians are
printed, with each tool's speed relative to perf script (CPU seconds).

Usage: bench/ingest.py [--pgoctl PATH] [--baseline PATH] [--size-mb 400] [--work DIR]
                       [--runs N] [--skip-slow]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import run  # noqa: E402
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "..", "shared", "fixtures", "perf")
SHAPES = [("in order", "autofdo.test.lbr"),
          ("late side-band", "quipper.perf.data.callgraph_and_branch-3.8")]
LLVM_BIN = "/usr/lib/llvm-22/bin"


def timed(name, argv):
    """run() plus the CPU seconds of the child (and what it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run(name, argv)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    r["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return r


def scaled(fixture, size_mb, work):
    big = os.path.join(work, f"{fixture}.x{int(size_mb)}MB.shifted.data")
    if not os.path.exists(big):
        subprocess.check_call([sys.executable, os.path.join(HERE, "scale_perf_data.py"),
                               os.path.join(FIXTURES, fixture), big, "--target-mb",
                               str(size_mb), "--shift-time"])
    with open(big, "rb") as f:  # warm the page cache: every tool reads memory
        while f.read(1 << 24):
            pass
    return big


def stand_in_binary(work):
    """A stand-in for the profiled binary, for llvm-profgen's name match."""
    d = os.path.join(work, "bin")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "test.binary")
    if not os.path.exists(exe):
        src = os.path.join(work, "stand_in.c")
        open(src, "w").write("int main(void) { return 0; }\n")
        subprocess.check_call(["clang-22", "-O1", "-no-pie", "-fno-pie",
                               "-Wl,-z,noseparate-code", src, "-o", exe])
    return exe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", default=os.path.join(ROOT, "build", "cli", "pgoctl"))
    ap.add_argument("--baseline", help="another pgoctl, run interleaved with --pgoctl")
    ap.add_argument("--size-mb", type=float, default=400)
    ap.add_argument("--work", default="/tmp/pgoctl-bench")
    ap.add_argument("--runs", type=int, default=3, help="runs of each tool (medians)")
    ap.add_argument("--skip-slow", action="store_true", help="only pgoctl")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    out = os.path.join(a.work, "out.pgoprof")
    for shape, fixture in SHAPES:
        big = scaled(fixture, a.size_mb, a.work)
        size = os.path.getsize(big)
        tools = [("pgoctl import", [a.pgoctl, "-q", "import", big, "-o", out]),
                 ("pgoctl import --two-pass",
                  [a.pgoctl, "-q", "import", "--two-pass", big, "-o", out])]
        if a.baseline:
            tools.insert(1, ("baseline import", [a.baseline, "-q", "import", big, "-o", out]))
        if not a.skip_slow:
            tools.append(("perf script -F ip,brstack",
                          ["perf", "script", "-F", "ip,brstack", "-i", big]))
            if fixture == "autofdo.test.lbr":
                tools.append(("llvm-profgen --skip-symbolization",
                              [os.path.join(LLVM_BIN, "llvm-profgen"), "--perfdata", big,
                               "--binary", stand_in_binary(a.work), "--skip-symbolization",
                               "--output", os.path.join(a.work, "profgen.txt")]))
        # Interleaved: the host's speed drifts, and each tool sees the same drift.
        runs = {name: [] for name, _ in tools}
        for _ in range(a.runs):
            for name, argv in tools:
                runs[name].append(timed(name, argv))
        results = []
        for name, _ in tools:
            rs = runs[name]
            results.append({"name": name, "rc": max(r["rc"] for r in rs),
                            "wall": statistics.median(r["wall"] for r in rs),
                            "cpu": statistics.median(r["cpu"] for r in rs),
                            "rss_mb": max(r["rss_mb"] for r in rs)})
        perf_cpu = next((r["cpu"] for r in results if r["name"].startswith("perf script")), None)
        print(f"\n{shape}: {big} ({size / 1e6:.0f} MB), medians of {a.runs} interleaved runs")
        print(f"{'tool':36} {'wall s':>8} {'MB/s':>7} {'CPU s':>8} {'MB/CPU-s':>9} "
              f"{'peak RSS MB':>12} {'x perf script':>14}")
        for r in results:
            ratio = f"{perf_cpu / max(r['cpu'], 1e-9):14.1f}" if perf_cpu else ""
            print(f"{r['name']:36} {r['wall']:8.2f} {size / 1e6 / r['wall']:7.0f} "
                  f"{r['cpu']:8.2f} {size / 1e6 / max(r['cpu'], 1e-9):9.0f} "
                  f"{r['rss_mb']:12.1f}{ratio}" + ("" if r["rc"] == 0 else f"  (exit {r['rc']})"))


if __name__ == "__main__":
    main()
