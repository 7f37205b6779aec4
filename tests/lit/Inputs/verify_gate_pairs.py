"""The deploy gate on a noisy machine: identical builds never fail, a planted
slowdown is caught.

Usage: verify_gate_pairs.py PGOCTL BASE SLOW WORKDIR PAIRS JOBS [SEED] [-- VERIFY ARGS...]

While a background load the script makes runs (a busy-loop child whose duty
cycle changes every 0.3 s, seeded), it records PAIRS times: BASE (before) and
BASE again (after, identical build) one after another, then BASE and SLOW
(the same program with one top-5 function made 1.5x slower) side by side
(at the same time, each half its jobs on each CPU, as verify_record.py
does); each `perf record -e cpu-clock -F FREQ -g` of JOBS jobs, imported with
work=JOBS. The identical pairs see the machine drift between recordings,
which is what a false alarm would come from. The planted pairs do not: with
one profile per side the gate confirms a function's relative growth only if
its cost per unit of work grew by --min-effect, and a machine ~30% faster
between two recordings (seen on this VM; docs/verify.md) makes the planted
+50% read +5% per unit of work: undecided, by design. FREQ is 20 kHz:
the sample count of a profile is what the gate's statistics rest on, and
twice the frequency reaches a count with half the jobs, in half the time. Each identical
pair and each planted pair is one `pgoctl verify --json` in the default mode
with one profile per side. Prints the rates and the spread seen:

  identical: N pairs, exit 1 in K (...)
  planted: caught (exit 1, parse_request named) in C of N
  drift: ...

Exits 1 when an identical pair failed or fewer than 95% of planted pairs
were caught, or a verify gave an exit code it should not (3: an error).
"""
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time

argv, extra = (sys.argv[:sys.argv.index("--")], sys.argv[sys.argv.index("--") + 1:]) \
    if "--" in sys.argv else (sys.argv, [])
pgoctl, base, slow, work, pairs, jobs = argv[1:7]
seed = int(argv[7]) if len(argv) > 7 else 20261205
pairs, jobs = int(pairs), int(jobs)
FREQ = 20000
os.makedirs(work, exist_ok=True)


def load(seed, stop):
    """Busy loop with a duty cycle that changes every 0.3 s."""
    rng = random.Random(seed)
    while not stop.is_set():
        duty, until = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0]), time.time() + 0.3
        while time.time() < until and not stop.is_set():
            t = time.time()
            while time.time() - t < 0.01 * duty:
                pass
            time.sleep(0.01 * (1 - duty))


def record(prog, out):
    # perf itself crashes at times on a loaded machine (an assertion in
    # util/build-id.c, then a stack smash): one retry.
    for attempt in (1, 2):
        r = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(FREQ), "-g", "-o",
                            out + ".data", "--", prog, str(jobs)], stdout=subprocess.DEVNULL)
        if r.returncode == 0:
            break
        if attempt == 2:
            sys.exit("perf record %s failed twice (exit %d)" % (prog, r.returncode))
    subprocess.run([pgoctl, "-q", "import", out + ".data", "--binary", prog, "--label",
                    "work=%d" % jobs, "-o", out + ".pgoprof"], check=True)
    os.unlink(out + ".data")
    return out + ".pgoprof"


def record_side_by_side(progs_outs):
    """Records two programs at the same time, as verify_record.py does: each
    runs half its jobs pinned to one CPU and half to the other (program i
    starting on CPU i), so both see the same machine."""
    cpus = sorted(os.sched_getaffinity(0))
    procs = []
    for i, (prog, out) in enumerate(progs_outs):
        first, second = jobs // 2, jobs - jobs // 2
        a, b = cpus[i % len(cpus)], cpus[(i + 1) % len(cpus)]
        script = "taskset -c %d %s %d && taskset -c %d %s %d" % (a, prog, first, b, prog, second)
        procs.append((subprocess.Popen(
            ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(FREQ), "-g", "-o",
             out + ".data", "--", "sh", "-c", script], stdout=subprocess.DEVNULL), prog, out))
    outs = []
    for p, prog, out in procs:
        if p.wait() != 0:
            sys.exit("perf record %s (side by side) failed (exit %d)" % (prog, p.returncode))
    for p, prog, out in procs:
        subprocess.run([pgoctl, "-q", "import", out + ".data", "--binary", prog, "--label",
                        "work=%d" % jobs, "-o", out + ".pgoprof"], check=True)
        os.unlink(out + ".data")
        outs.append(out + ".pgoprof")
    return outs


def verify(a, b, bin_a, bin_b):
    r = subprocess.run([pgoctl, "verify", "--before", a, "--after", b, "--binary-before", bin_a,
                        "--binary-after", bin_b, "--json"] + extra, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if r.returncode not in (0, 1, 2):
        sys.exit("verify %s %s: exit %d" % (a, b, r.returncode))
    return r.returncode, json.loads(r.stdout)


stop = multiprocessing.Event()
bg = multiprocessing.Process(target=load, args=(seed, stop), daemon=True)
bg.start()
identical_fail, caught, rel, rel_kernel, work_drift, samples = 0, 0, [], [], [], []
failed_names = []
try:
    for i in range(pairs):
        a = record(base, os.path.join(work, "a%d" % i))
        b = record(base, os.path.join(work, "b%d" % i))
        p, s = record_side_by_side([(base, os.path.join(work, "p%d" % i)),
                                    (slow, os.path.join(work, "s%d" % i))])
        code, j = verify(a, b, base, base)
        keep = code == 1  # a failed identical pair's profiles stay in WORKDIR
        samples.append(j["before"]["samples"])
        if code == 1:
            identical_fail += 1
            named = [f for g in j["gate"] for f in g["functions"]]
            failed_names += named
            # What made an identical pair fail, for whoever reads the log.
            for f in j["functions"]:
                if f["name"] in named:
                    x = f["self"]
                    print("identical pair %d: %s self samples %s -> %s, change %s%%, "
                          "interval %s, status %s; gate: %s" %
                          (i + 1, f["name"], x["samples_before"], x["samples_after"],
                           x["change_pct"], x.get("exact_ci_ratio"), x["status"],
                           "; ".join("%s %s %s" % (g["rule"], g["status"], g.get("detail", ""))
                                     for g in j["gate"] if g["functions"])))
        for f in j["functions"]:
            if f["rank_before_self"] >= 0 and f["self"]["ratio"] is not None:
                (rel_kernel if f["name"].startswith("[") else rel).append(
                    abs(f["self"]["change_pct"]))
        work_drift.append(j["hot_set"]["cost"]["change_pct"])
        code, j = verify(p, s, base, slow)
        named = any("parse_request" in f for g in j["gate"] if g["status"] == "fail"
                    for f in g["functions"])
        caught += code == 1 and named
        for f in ((p, s) if keep else (a, b, p, s)):
            os.unlink(f)
        print("pair %d: identical exit 1 so far %d, planted caught so far %d" %
              (i + 1, identical_fail, caught), file=sys.stderr, flush=True)
finally:
    stop.set()
    bg.join(5)

print("identical: %d pairs, exit 1 in %d%s" % (pairs, identical_fail,
      " (%s)" % ", ".join(sorted(set(failed_names))) if failed_names else ""))
print("planted: caught (exit 1, parse_request named) in %d of %d" % (caught, pairs))
print("drift: top-5 functions' relative self change |max| %.1f%% (median %.1f%%), "
      "[kernel] and other pseudo-frames |max| %.1f%%; hot set per unit of work "
      "%+.1f%% .. %+.1f%%; samples per profile %d .. %d"
      % (max(rel), sorted(rel)[len(rel) // 2], max(rel_kernel or [0]), min(work_drift),
         max(work_drift), min(samples), max(samples)))
if identical_fail or caught < 0.95 * pairs:
    sys.exit(1)
