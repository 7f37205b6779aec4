#!/usr/bin/env python3
"""Records a program with lbr-emu at several environment sizes and checks that
pgoctl's .fdata equals perf2bolt's, sorted, line for line, every time.

Usage: fdata_env_sizes.py --pgoctl P --perf2bolt P --prog PATH --work DIR
                          [--pads 0,1000,...] [--min-lines N] [--arg A ...]
                          -- ENV... LBR_EMU [LBR_EMU_FLAGS...]

Everything after `--` is the lbr-emu command as lit's %lbremu spells it
(`env -i NAME=VALUE... lbr-emu --no-aslr`); each recording adds one variable
PGOCTL_PAD of the given size to that environment, which moves the stack and
the sampling phase of the emulated LBR (so the fall-through ranges and the
branches that began them differ from run to run). The program runs as
`./NAME` from its folder, so the checkout's path is not in it. perf2bolt on
the same perf.data is the oracle; a pad fails when fewer than --min-lines
lines came out (the test must not pass on nothing) or when any line differs.
"""
import argparse
import os
import subprocess
import sys


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}")
    return r.stdout


def sorted_lines(path):
    with open(path) as f:
        return sorted(line for line in f.read().splitlines() if line)


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: ... -- ENV... LBR_EMU [FLAGS...]")
    split = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", required=True)
    ap.add_argument("--perf2bolt", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--pads", default="0,1000,5000,20000")
    ap.add_argument("--min-lines", type=int, default=1)
    ap.add_argument("--arg", action="append", default=[])
    a = ap.parse_args(argv[:split])
    emu = argv[split + 1:]
    # `env -i A=B ...`: the padding variable goes after the last assignment.
    at = max((i for i, w in enumerate(emu) if "=" in w), default=emu.index("-i"))
    prog = os.path.abspath(a.prog)
    bad = 0
    for pad in [int(p) for p in a.pads.split(",")]:
        tag = f"pad{pad}"
        data = os.path.join(os.path.abspath(a.work), f"{tag}.data")
        cmd = emu[:at + 1] + [f"PGOCTL_PAD={'x' * pad}"] + emu[at + 1:] + \
            ["-o", data, "--", "./" + os.path.basename(prog)] + a.arg
        run(cmd, cwd=os.path.dirname(prog))
        oracle = os.path.join(a.work, f"{tag}.p2b.fdata")
        ours = os.path.join(a.work, f"{tag}.fdata")
        run([a.perf2bolt, "-p", data, "-o", oracle, prog])
        run([a.pgoctl, "-q", "convert", data, "--binary", prog, "--to", "fdata", "-o", ours])
        want, got = sorted_lines(oracle), sorted_lines(ours)
        diff = sorted(set(want) ^ set(got))
        if len(want) < a.min_lines:
            print(f"{tag}: perf2bolt wrote only {len(want)} lines (< {a.min_lines})")
            bad += 1
        if want != got:
            print(f"{tag}: {len(want)} lines from perf2bolt, {len(got)} from pgoctl, differing:")
            for line in diff:
                print(("  perf2bolt: " if line in want else "  pgoctl:    ") + line)
            bad += 1
        else:
            print(f"{tag}: {len(want)} lines, identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
