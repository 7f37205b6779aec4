#!/usr/bin/env python3
"""Benchmark: how much of instrumented PGO's gain pgoctl's sample profiles recover.

The program is bench/pgo-outcome/pgo_bench.cpp (ours: an interpreter, virtual
calls with a dominant target, a lexer with biased branches and short loops, a
medium-sized function called hot and cold). Every build uses the same flags,
  clang++-22 -O2 -g -fdebug-info-for-profiling -funique-internal-linkage-names
             -fno-omit-frame-pointer
(frame pointers so that `perf record -g` has call chains; the same in every
variant so that they cost the same everywhere) plus, per variant:
  plain        nothing (this build is also the one profiled for sample PGO)
  ip#K         -fprofile-sample-use= pgoctl's profile of `perf record -e
               cpu-clock -g` of the plain build (IP samples and call chains,
               no LBR): pgoctl import, pgoctl convert --to profdata; one
               variant per recording K (--ip-recordings, default 3)
  ip+profi#K   the same profile, and -fsample-profile-use-profi
  lbr          -fprofile-sample-use= pgoctl's profile of lbr-emu's emulated
               LBR perf.data of the plain build
  lbr+profi    the same, and -fsample-profile-use-profi
  instr        -fprofile-generate, a training run, llvm-profdata merge,
               -fprofile-use
Training input: seed 1 for every profile. The rounds differ by collector only
in how long the same input runs: instrumented counts are exact after
--train-rounds rounds, lbr-emu (slow: ptrace) runs --train-rounds rounds with a
sample every --lbr-period taken branches, perf samples --perf-rounds rounds at
--perf-freq Hz (this VM's timer gives ~10 kHz: ~7000 samples), whatever
the instrumented and LBR runs do.
Evaluation input: seed 2 (other data, same distributions), --eval-rounds
rounds under `valgrind --tool=callgrind` (instructions: Ir total of the run,
deterministic) and --time-rounds rounds natively --runs times per variant,
interleaved (wall-time median). Every variant must print the plain build's
checksum.

Gain = 1 - variant/plain; recovery = gain of the variant / gain of instr.

Usage: bench/pgo-outcome.py [--pgoctl PATH] [--lbremu PATH] [--work DIR] [--reuse]
                            [--hot-cutoff PCT]
  --reuse keeps the recorded perf.data / lbr perf.data / instrumented profile
  found in --work (the plain build is deterministic), re-running only pgoctl
  import/convert and what follows: for working on the estimator.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SOURCE = os.path.join(HERE, "pgo-outcome", "pgo_bench.cpp")
CXX = "clang++-22"
PROFDATA = "llvm-profdata-22"
FLAGS = ["-O2", "-g", "-fdebug-info-for-profiling", "-funique-internal-linkage-names",
         "-fno-omit-frame-pointer"]
TRAIN_SEED, EVAL_SEED = "1", "2"


def sh(argv, **kw):
    print("+ " + " ".join(argv), file=sys.stderr)
    subprocess.check_call(argv, **kw)


def build(work, name, extra):
    out = os.path.join(work, name)
    sh([CXX] + FLAGS + extra + [SOURCE, "-o", out])
    return out


def out_of(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def callgrind(work, name, binary, rounds):
    cg = os.path.join(work, f"callgrind.{name}")
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", binary,
                        EVAL_SEED, str(rounds)], capture_output=True, text=True, check=True)
    m = re.search(r"Collected\s*:\s*(\d+)", p.stderr)
    if not m:
        sys.exit(f"{name}: no instruction count in callgrind's output:\n{p.stderr[-2000:]}")
    return int(m.group(1)), p.stdout.strip()


KERNELS = {"vm": "runVm(", "shapes": "sumWeights(", "lexer": "lex(char", "stats": "statsKernel("}


def kernel_counts(cg):
    """Inclusive instructions of each kernel (callgrind_annotate --inclusive)."""
    text = out_of(["callgrind_annotate", "--inclusive=yes", "--threshold=100", cg])
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([0-9,]+) \(", line)
        if not m:
            continue
        for k, needle in KERNELS.items():
            if needle in line and k not in out:
                out[k] = int(m.group(1).replace(",", ""))
    return out


def time_runs(binaries, rounds, runs):
    times = {name: [] for name in binaries}
    for _ in range(runs):  # interleaved, so that drift hits every variant alike
        for name, binary in binaries.items():
            t0 = time.perf_counter()
            subprocess.run([binary, EVAL_SEED, str(rounds)], check=True,
                           stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def profiles(a, plain):
    w = a.work
    pg = [a.pgoctl, "-q"]
    # IP samples with call chains: --ip-recordings separate recordings (the
    # estimate depends on where the samples happened to fall).
    ips = []
    for k in range(1, a.ip_recordings + 1):
        ip_data = os.path.join(w, f"ip{k}.perf.data")
        if not (a.reuse and os.path.exists(ip_data)):
            sh(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(a.perf_freq), "-g", "-o",
                ip_data, "--", plain, TRAIN_SEED, str(a.perf_rounds)], stdout=subprocess.DEVNULL)
        sh(pg + ["import", ip_data, "--binary", plain, "-o", os.path.join(w, f"ip{k}.pgoprof")])
        ip = os.path.join(w, f"ip{k}.prof")
        sh(pg + ["convert", os.path.join(w, f"ip{k}.pgoprof"), "--binary", plain, "--to",
                 "profdata", "-o", ip])
        ips.append(ip)
    # Emulated LBR.
    lbr_data = os.path.join(w, "lbr.perf.data")
    if not (a.reuse and os.path.exists(lbr_data)):
        sh([a.lbremu, "--period", str(a.lbr_period), "-o", lbr_data, "--", plain, TRAIN_SEED,
            str(a.train_rounds)], stdout=subprocess.DEVNULL)
    sh(pg + ["import", lbr_data, "--binary", plain, "-o", os.path.join(w, "lbr.pgoprof")])
    lbr = os.path.join(w, "lbr.prof")
    sh(pg + ["convert", os.path.join(w, "lbr.pgoprof"), "--binary", plain, "--to", "profdata",
             "-o", lbr])
    # Instrumented.
    instr = os.path.join(w, "instr.profdata")
    if not (a.reuse and os.path.exists(instr)):
        raw = os.path.join(w, "raw")
        shutil.rmtree(raw, ignore_errors=True)
        gen = build(w, "gen", [f"-fprofile-generate={raw}"])
        sh([gen, TRAIN_SEED, str(a.train_rounds)], stdout=subprocess.DEVNULL)
        sh([PROFDATA, "merge", "-o", instr] +
           [os.path.join(raw, f) for f in sorted(os.listdir(raw))])
    return ips, lbr, instr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", default=os.path.join(ROOT, "build", "cli", "pgoctl"))
    ap.add_argument("--lbremu", default=os.path.join(ROOT, "build", "tests", "tools", "lbr-emu",
                                                     "lbr-emu"))
    ap.add_argument("--work", default="/tmp/pgoctl-bench-pgo-outcome")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--train-rounds", type=int, default=10)
    ap.add_argument("--ip-recordings", type=int, default=3)
    ap.add_argument("--perf-rounds", type=int, default=400)
    ap.add_argument("--perf-freq", type=int, default=20000)
    ap.add_argument("--lbr-period", type=int, default=1009)
    ap.add_argument("--eval-rounds", type=int, default=60)
    ap.add_argument("--time-rounds", type=int, default=300)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--no-time", action="store_true", help="callgrind only")
    ap.add_argument("--sample-flags", default="",
                    help="extra flags for the sample PGO variants (e.g. what ProfileGuided.cmake adds)")
    ap.add_argument("--hot-cutoff", default="",
                    help="also pass each sample profile's count at this cutoff (percent) as "
                         "-mllvm -profile-summary-hot-count, as ProfileGuided.cmake does "
                         "(PGO_SAMPLE_HOT_CUTOFF, default there 99.7); default: clang's 99%%")
    a = ap.parse_args()
    sflags = a.sample_flags.split()

    def hot(profile):
        if not a.hot_cutoff:
            return []
        n = subprocess.run([a.pgoctl, "summary", "--hot-count-at", a.hot_cutoff, profile],
                           check=True, capture_output=True, text=True).stdout.strip()
        return ["-mllvm", "-profile-summary-hot-count=" + n]
    os.makedirs(a.work, exist_ok=True)

    plain = build(a.work, "plain", [])
    ips, lbr, instr = profiles(a, plain)
    variants = {"plain": plain}
    for k, ip in enumerate(ips, 1):
        variants[f"ip#{k}"] = build(a.work, f"ip{k}", [f"-fprofile-sample-use={ip}"] + sflags + hot(ip))
        variants[f"ip+profi#{k}"] = build(a.work, f"ip{k}-profi",
                                          [f"-fprofile-sample-use={ip}",
                                           "-fsample-profile-use-profi"] + sflags + hot(ip))
    variants.update({
        "lbr": build(a.work, "lbr", [f"-fprofile-sample-use={lbr}"] + sflags + hot(lbr)),
        "lbr+profi": build(a.work, "lbr-profi",
                           [f"-fprofile-sample-use={lbr}", "-fsample-profile-use-profi"] + sflags + hot(lbr)),
        "instr": build(a.work, "instr", [f"-fprofile-use={instr}"]),
    })
    ir, check, kern = {}, {}, {}
    for name, binary in variants.items():
        ir[name], check[name] = callgrind(a.work, name, binary, a.eval_rounds)
        kern[name] = kernel_counts(os.path.join(a.work, f"callgrind.{name}"))
    bad = [n for n in variants if check[n] != check["plain"]]
    if bad:
        sys.exit(f"checksums differ from plain: {bad}")
    med = {} if a.no_time else time_runs(variants, a.time_rounds, a.runs)

    def gain(d, n):
        return 1 - d[n] / d["plain"]

    print(f"evaluation: seed {EVAL_SEED}; callgrind {a.eval_rounds} rounds, "
          f"wall time {a.time_rounds} rounds x {a.runs} runs (median)")
    print(f"{'variant':12} {'instructions':>14} {'gain':>7} {'recovery':>9}"
          + ("" if a.no_time else f" {'median s':>9} {'gain':>7} {'recovery':>9}"))
    for name in variants:
        line = f"{name:12} {ir[name]:14,d} {100 * gain(ir, name):6.2f}%"
        line += f" {100 * gain(ir, name) / gain(ir, 'instr'):8.1f}%"
        if med:
            line += (f" {med[name]:9.4f} {100 * gain(med, name):6.2f}%"
                     f" {100 * gain(med, name) / gain(med, 'instr'):8.1f}%")
        print(line)
    print("per kernel (inclusive instructions, callgrind; recovery of instr's gain):")
    print(f"{'variant':12} " + " ".join(f"{k:>12} {'rec':>6}" for k in KERNELS))
    for name in variants:
        cells = []
        for k in KERNELS:
            n, p0, i0 = kern[name].get(k, 0), kern["plain"].get(k, 0), kern["instr"].get(k, 0)
            # No recovery where instr gains under 2% (the ratio would be noise).
            rec = f"{100 * (p0 - n) / (p0 - i0):5.0f}%" if p0 - i0 > 0.02 * p0 else "     -"
            cells.append(f"{n:12,d} {rec}")
        print(f"{name:12} " + " ".join(cells))
    for kind in ("ip", "ip+profi"):
        recs = sorted(100 * gain(ir, n) / gain(ir, "instr") for n in variants
                      if n.startswith(kind + "#"))
        print(f"{kind} recovery over {len(recs)} recordings (instructions): median "
              f"{statistics.median(recs):.1f}%, min {recs[0]:.1f}%, max {recs[-1]:.1f}%")


if __name__ == "__main__":
    main()
