#!/usr/bin/env python3
"""Benchmark: sample PGO in steady state on examples/kvsvc (issue 23).

Once the first PGO build is deployed, every weekly refresh records an
already optimized build. This builds generation after generation, each from
a recording of the one before (perf record -e cpu-clock -g of the build's
own binary, pgoctl import + convert with that binary, the module's SAMPLE
build), and measures each with callgrind (instructions per request of the
serving part, deterministic; bench/example-pgo.py's callgrind_ir):

  plain, instrumented PGO (the reference gain: plain - instrumented);
  gen 1     from a recording of plain;
  gen k     from a recording of gen k-1 alone;
  gen k+    from that recording merged with the recording gen k-1+ was
            built from (two builds' recordings, each converted with its own
            binary and summed at source level: what `pgoctl refresh` does
            with last week's windows and this week's); with --merge-depth N,
            merged with the N - 1 recordings before it in the + chain (a
            refresh period that takes in N builds); with --merge-with
            refresh, what `pgoctl refresh` publishes with its default
            period from the + chain's recordings pushed to a directory
            store as one host's windows a week apart (the newest a day
            before --now), every build's binary given.

The chains diverge after gen 1: gen k+ is built from gen k-1+ (the refresh's
own history), gen k from gen k-1.

With --sampler lbr-emu-instructions each recording is instead what `pgoctl
collect --event auto` takes on a PMU with zero-skid sampling but no branch
records (instructions:pp -g), emulated by tests/tools/lbr-emu --event
instructions -g (one training round of --requests, default 3000 there: the
program runs under ptrace at about 13 requests/s at period 199). With
--sampler cg-samples it is precise instruction samples without call chains
drawn by
tests/tools/cg-samples from callgrind's instruction counts of one training
round (--requests, default 20000 there; one callgrind pass per binary, a new
seed per draw), as examples/real/loop.sh's step 4d.

--sampler cg-exact and cg-oracle take the same pass's exact counts (every
execution of every instruction; one recording per binary, so no
--gen1-recordings): cg-exact as samples at --period (default 499) rounded,
no draw, through pgoctl; cg-oracle through llvm-profgen (cg-samples --unsymbolized,
with the calls as branches), LLVM's own profile generator on the same
counts.

--gen1-recordings N builds gen 1 from N independent recordings of plain
(perf: N runs; cg-samples: N draws; lbr-emu: N phases of its exact
counter) and reports each and their min / median / max; the chains go on
from the first.

Usage: bench/pgo-generations.py [--pgoctl-build build] [--work DIR]
       [--generations 3] [--train-rounds 40] [--only-alone] [--merge-depth 2]
       [--merge-with profdata|refresh]
       [--sampler perf-cpu-clock|lbr-emu-instructions|cg-samples|cg-exact|cg-oracle]
       [--period N]
       [--gen1-recordings N]
Results: bench/pgo-generations.md.
"""
import argparse
import importlib.util
import itertools
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("example_pgo", os.path.join(HERE, "example-pgo.py"))
ep = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ep)


def convert(a, prof, binary, out):
    if prof.endswith(".profdata"):  # cg-oracle: llvm-profgen's already
        return prof
    ep.sh([a.pgoctl, "convert", prof, "--binary", binary, "--to", "profdata", "-o", out])
    return out


def record_emulated(a, binary, load, name, phase=0):
    """instructions:pp samples with frame-pointer call chains of `binary`
    under `load`, emulated by lbr-emu, imported to <work>/<name>.pgoprof.
    The counter is exact and kvsvc deterministic, so recordings of one
    binary differ only by `phase` (lbr-emu --phase)."""
    data = os.path.join(a.work, name + ".perf.data")
    emu = os.path.join(a.pgoctl_build, "tests", "tools", "lbr-emu", "lbr-emu")
    ep.sh([emu, "--event", "instructions", "-g", "--period", str(a.period), "--phase", str(phase),
           "-o", data, "--", binary] + load)
    prof = os.path.join(a.work, name + ".pgoprof")
    ep.sh([a.pgoctl, "import", data, "-o", prof, "--label", "service=kvsvc"])
    return prof


# cg-samples: the callgrind pass of each binary, (stripped copy, output),
# shared by that binary's draws.
CG_PASSES = {}


def record_cg_samples(a, binary, load, name, seed):
    """Precise instruction samples of `binary` under `load` drawn by
    cg-samples (seed `seed`; cg-exact: no draw) from callgrind's counts of
    one pass, run once per binary on a copy without DWARF (Debian 12's
    valgrind cannot read clang 22's); imported to <work>/<name>.pgoprof.
    cg-oracle: the counts through llvm-profgen, <work>/<name>.profdata."""
    if binary not in CG_PASSES:
        copy = os.path.join(a.work, name + ".nodebug")
        ep.sh([ep.LLVM + "/llvm-objcopy", "--strip-debug", binary, copy])
        out = os.path.join(a.work, name + ".callgrind")
        ep.sh(["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
               "--callgrind-out-file=" + out, copy] + load)
        CG_PASSES[binary] = (copy, out)
    copy, out = CG_PASSES[binary]
    data = os.path.join(a.work, name + ".perf.data")
    unsym = os.path.join(a.work, name + ".unsym")
    ep.sh([sys.executable, os.path.join(ep.ROOT, "tests", "tools", "cg-samples", "cg-samples.py"),
           "--binary", binary, "--object", copy, "--period", str(a.period), "--seed", str(seed),
           "-o", data, out] + {"cg-exact": ["--expected"], "cg-oracle": ["--unsymbolized", unsym]}.get(a.sampler, []))
    if a.sampler == "cg-oracle":
        prof = os.path.join(a.work, name + ".profdata")
        ep.sh([ep.LLVM + "/llvm-profgen", "--binary", binary, "--unsymbolized-profile", unsym, "--output", prof])
        return prof
    prof = os.path.join(a.work, name + ".pgoprof")
    ep.sh([a.pgoctl, "import", data, "-o", prof, "--binary", binary, "--label", "service=kvsvc"])
    return prof


def merge_profdata(a, inputs, out):
    """Source-level sum of per-build .profdata, as refresh sums per-build
    sample maps (llvm-profdata merge --sample: the oracle of that sum)."""
    ep.sh([ep.LLVM + "/llvm-profdata", "merge", "--sample", "--extbinary", "-o", out] + inputs)
    return out


WEEK = 7 * 86400
T0 = 1764892800  # 2025-12-05T00:00:00Z: the first recording's window start
PUSHED = set()


def merge_refresh(a, recs, binaries, out_lock):
    """What the weekly refresh publishes after recs[-1]'s week: each of recs
    (pgoprof, oldest first) is a window of host web-1 started a week after
    the one before; `pgoctl refresh` runs a day after the newest with its
    default period and half-life, --force so the gate cannot stop the chain.
    Returns the published .profdata."""
    store = os.path.join(a.work, "store")
    os.makedirs(store, exist_ok=True)
    for i, rec in enumerate(recs):
        if rec not in PUSHED:
            ep.sh([a.pgoctl, "-q", "push", rec, "--store", "file://" + store, "--service", "kvsvc",
                   "--host", "web-1", "--start", str(T0 + i * WEEK)])
            PUSHED.add(rec)
    now = T0 + (len(recs) - 1) * WEEK + 86400
    cmd = [a.pgoctl, "refresh", "--store", "file://" + store, "--service", "kvsvc", "--lock", out_lock,
           "--now", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "--no-git", "--force",
           "--min-samples", "1"]
    for b in binaries:
        cmd += ["--binary", b]
    ep.sh(cmd)
    with open(out_lock) as f:
        src = re.search(r"^source\s*=\s*file://(\S+)$", f.read(), re.M).group(1)
    return src


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pgoctl-build", default=os.path.join(ep.ROOT, "build"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--requests", type=int, default=None)
    ap.add_argument("--train-rounds", type=int, default=None)
    ap.add_argument("--sampler", choices=("perf-cpu-clock", "lbr-emu-instructions", "cg-samples", "cg-exact",
                                          "cg-oracle"),
                    default="perf-cpu-clock")
    ap.add_argument("--period", type=int, default=None,
                    help="instructions per sample (lbr-emu: 199, cg-samples: 4999, cg-exact: 499)")
    ap.add_argument("--gen1-recordings", type=int, default=1)
    ap.add_argument("--only-alone", action="store_true", help="skip the gen k+ chain")
    ap.add_argument("--merge-depth", type=int, default=2,
                    help="gen k+ merges the + chain's last N recordings (default 2: this one and the one before)")
    ap.add_argument("--merge-with", choices=("profdata", "refresh"), default="profdata",
                    help="gen k+: llvm-profdata merge of the last --merge-depth recordings, or "
                         "what pgoctl refresh publishes from them as weekly windows")
    ap.add_argument("--cg-requests", type=int, default=20000)
    ap.add_argument("--cg-rounds", type=int, default=2)
    a = ap.parse_args()
    a.lto = False
    a.pgoctl_build = os.path.abspath(a.pgoctl_build)
    a.work = os.path.abspath(a.work or os.path.join(a.pgoctl_build, "bench-generations"))
    a.pgoctl = os.path.join(a.pgoctl_build, "cli", "pgoctl")
    os.makedirs(a.work, exist_ok=True)
    if a.gen1_recordings < 1:
        sys.exit("pgo-generations: --gen1-recordings must be at least 1")
    if a.merge_depth < 2:
        sys.exit("pgo-generations: --merge-depth must be at least 2")
    cg = a.sampler.startswith("cg-")
    if a.sampler in ("cg-exact", "cg-oracle") and a.gen1_recordings > 1:
        sys.exit("pgo-generations: --sampler %s has one recording per binary (exact counts)" % a.sampler)
    emulated = a.sampler != "perf-cpu-clock"
    if a.requests is None:
        a.requests = 20000 if cg else {"lbr-emu-instructions": 3000}.get(a.sampler, 200000)
    if a.train_rounds is None:
        a.train_rounds = 1 if emulated else 40
    if a.period is None:
        # cg-exact rounds each instruction's count to the period and drops
        # those run fewer than half a period times: a tenth of the draws'.
        # lbr-emu: 199, about 140 K samples in kvsvc per recording, where
        # convert's quality line found 809's 35 K thin (pgo-generations.md,
        # session 26).
        a.period = {"cg-exact": 499}.get(a.sampler, 4999 if cg else 199)
    train = ep.load_args(a.requests, a.train_rounds)
    # The instrumented reference always trains on the full load.
    full_train = ep.load_args(200000, 40)

    seeds = itertools.count(1)  # cg-samples: a new draw per recording

    def record(binary, name, r=1):
        if cg:
            return record_cg_samples(a, binary, train, name, next(seeds))
        if emulated:
            # Gen 1's recordings at phases spread over the period.
            return record_emulated(a, binary, train, name, (r - 1) * a.period // a.gen1_recordings)
        return ep.record(a, a.pgoctl, binary, train, name)
    served = a.cg_requests * a.cg_rounds

    def ir(binary):
        return ep.callgrind_ir(binary, a.cg_requests, a.cg_rounds, a.work)["Ir"] / served

    ep.log("plain build and instrumented PGO on the same load")
    plain = ep.build(a, "plain")
    ep.sh(["cmake", "--build", plain, "--target", "kvsvc-train"])
    ep.sh([os.path.join(plain, "kvsvc-train")] + full_train)
    ep.sh(["cmake", "--build", plain, "--target", "kvsvc-train-profdata"])
    instr_prof = os.path.join(plain, "pgo-training", "kvsvc-train.profdata")
    instr = ep.build(a, "instr", KVSVC_INSTR_PROFILE=ep.lock(a, instr_prof, "instr-profdata"))
    rows = [("plain", ir(os.path.join(plain, "kvsvc"))), ("instrumented PGO", ir(os.path.join(instr, "kvsvc")))]
    base, best = rows[0][1], rows[1][1]

    def share(v):
        return 100.0 * (base - v) / (base - best)

    # Gen 1 from plain: recording r of plain, converted and built (the
    # chains go on from the first).
    bin_of = {"plain": os.path.join(plain, "kvsvc")}

    def gen1(r):
        tag = "" if r == 1 else "-r%d" % r
        rec = record(bin_of["plain"], "rec-plain" + tag[2:], r)
        prof = convert(a, rec, bin_of["plain"], os.path.join(a.work, "gen1%s.profdata" % tag))
        d = ep.build(a, "gen1" + tag, KVSVC_SAMPLE_PROFILE=ep.lock(a, prof))
        return prof, os.path.join(d, "kvsvc"), rec

    ep.log("gen 1: a recording of plain")
    prof1, bin1, rec1 = gen1(1)
    prof_of = {"1": prof1, "1+": prof1}
    recs_plus = [prof1]  # the + chain: each build's own recording, oldest first
    raw_plus = [rec1]    # the same, as imported (--merge-with refresh)
    bin_of["1"] = bin_of["1+"] = bin1
    firsts = [ir(bin1)]
    rows.append(("gen 1 (recording of plain)", firsts[0]))
    for r in range(2, a.gen1_recordings + 1):
        ep.log("gen 1, recording %d of plain" % r)
        firsts.append(ir(gen1(r)[1]))
        rows.append(("gen 1, recording %d of plain" % r, firsts[-1]))
    if len(firsts) > 1:
        shares = sorted(share(v) for v in firsts)
        ep.log("gen 1 over %d recordings: min %.1f%%, median %.1f%%, max %.1f%%" % (
            len(shares), shares[0], statistics.median(shares), shares[-1]))
    for k in range(2, a.generations + 1):
        for chain in ("",) if a.only_alone else ("", "+"):
            prev = "%d%s" % (k - 1, chain)
            ep.log("gen %d%s: a recording of gen %s" % (k, chain, prev))
            rec = record(bin_of[prev], "rec-gen%s" % prev)
            own = convert(a, rec, bin_of[prev], os.path.join(a.work, "rec-gen%s.profdata" % prev))
            name = "%d%s" % (k, chain)
            if chain:
                recs_plus.append(own)
                raw_plus.append(rec)
                if a.merge_with == "refresh":
                    binaries = sorted(set(b for n, b in bin_of.items() if n == "plain" or n.endswith("+")))
                    prof_of[name] = merge_refresh(a, raw_plus, binaries,
                                                  os.path.join(a.work, "gen%s.refresh.pgolock" % name))
                else:
                    prof_of[name] = merge_profdata(a, recs_plus[-a.merge_depth:],
                                                   os.path.join(a.work, "gen%s.profdata" % name))
            else:
                prof_of[name] = own
            d = ep.build(a, "gen%d%s" % (k, "m" if chain else ""), KVSVC_SAMPLE_PROFILE=ep.lock(a, prof_of[name]))
            bin_of[name] = os.path.join(d, "kvsvc")
            if chain and a.merge_with == "refresh":
                what = "gen %d+ (pgoctl refresh of the + chain's weekly recordings, default period)" % k
            elif chain and a.merge_depth > 2:
                what = "gen %d+ (recording of gen %s + the %d before it in the + chain)" % (
                    k, prev, min(a.merge_depth, len(recs_plus)) - 1)
            elif chain:
                what = "gen %d+ (recording of gen %s + the recording gen %s was built from)" % (k, prev, prev)
            else:
                what = "gen %d (recording of gen %s alone)" % (k, prev)
            rows.append((what, ir(bin_of[name])))
    print("\n| build | Ir/request | share of instrumented PGO's gain |")
    print("|---|---:|---:|")
    for what, v in rows:
        print("| %s | %.1f | %s |" % (what, v, "" if what == "plain" else "%.1f%%" % share(v)))


if __name__ == "__main__":
    sys.exit(main())
