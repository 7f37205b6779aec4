#!/usr/bin/env bash
# Cost of the sampling agent: examples/kvsvc's throughput alone, with
# `pgoctl collect --pid` at its defaults attached, and with `perf record -g`
# attached at the same event and period, in paired interleaved runs (the
# order rotates every round, so drift of the machine hits all three alike).
# Reports per mode the median throughput, the throughput change against the
# run alone, and the profiler's own CPU seconds per second of sampling (from
# wait4: the profiler is not the parent of kvsvc, so this is its time only).
# Results go in bench/collect-overhead.md.
# Usage: bench/collect-overhead.sh [ROUNDS_OF_THREE] [KVSVC_ROUNDS]
#   env PGOCTL=build/cli/pgoctl KVSVC=path/to/kvsvc (built if unset)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pairs=${1:-5}
kvrounds=${2:-40}
pgoctl=${PGOCTL:-$here/build/cli/pgoctl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kvsvc=${KVSVC:-}
if [[ -z "$kvsvc" ]]; then
  cmake -S "$here/examples/kvsvc" -B "$work/kv" -G Ninja -DCMAKE_CXX_COMPILER=clang++-22 \
    -DKVSVC_SAMPLE_PROFILE= -DKVSVC_INSTR_PROFILE= -DKVSVC_BOLT_PROFILE= > "$work/kv.log"
  cmake --build "$work/kv" --target kvsvc -j2 >> "$work/kv.log"
  kvsvc=$work/kv/kvsvc
fi
# The agent's default event on this host and its period: perf gets the same.
event=$("$pgoctl" collect --dry-run | sed -n 's/^event: //p')
period=$("$pgoctl" collect --dry-run | sed -n 's/^  { sample_period, sample_freq } *//p')
echo "agent default: event $event, period $period"
python3 - "$pgoctl" "$kvsvc" "$work" "$pairs" "$kvrounds" "$event" "$period" <<'PY'
import os, statistics, subprocess, sys, time
pgoctl, kvsvc, work, pairs, kvrounds, event, period = sys.argv[1:]
pairs, kvrounds = int(pairs), int(kvrounds)
requests = 20000
perf_event = {"lbr": "r20c4", "BR_INST_RETIRED:NEAR_TAKEN": "r20c4"}.get(event, event)
def run(mode, i):
    kv = subprocess.Popen([kvsvc, "--requests", str(requests), "--rounds", str(kvrounds)],
                          stdout=subprocess.DEVNULL)
    prof = None
    out = os.path.join(work, f"{mode}{i}")
    if mode == "agent":
        prof = subprocess.Popen([pgoctl, "-q", "collect", "--pid", str(kv.pid), "-o", out + ".pgoprof"])
    elif mode == "perf":
        cmd = ["perf", "record", "-q", "-e", perf_event, "-g", "-c", period, "-p", str(kv.pid),
               "-o", out + ".data"]
        prof = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    kv.wait()
    wall = time.monotonic() - t0
    cpu, steady = 0.0, 0.0
    if prof:
        _, _, ru = os.wait4(prof.pid, 0)
        cpu = ru.ru_utime + ru.ru_stime
    if mode == "agent":
        # The agent's own account of its window (sampling and writing the
        # profile; not its start-up: probing the host, reading /proc maps).
        labels = dict(l.split(" ", 1)[1].split("=", 1) for l in subprocess.run(
            [pgoctl, "debug", "profile", out + ".pgoprof"], capture_output=True, text=True,
            check=True).stdout.splitlines() if l.startswith("label pgoctl."))
        steady = float(labels["pgoctl.agent-cpu-seconds"]) / float(labels["pgoctl.window-seconds"])
    return requests * kvrounds / wall, cpu / wall, steady
res = {m: [] for m in ("none", "agent", "perf")}
order = ["none", "agent", "perf"]
for i in range(pairs):
    for m in order[i % 3:] + order[:i % 3]:
        res[m].append(run(m, i))
base = statistics.median(r[0] for r in res["none"])
print(f"{'mode':6} {'req/s (median)':>15} {'vs alone':>9} {'profiler CPU s/s':>17} {'in-window CPU s/s':>18}")
for m in order:
    t = statistics.median(r[0] for r in res[m])
    c = statistics.median(r[1] for r in res[m])
    w = statistics.median(r[2] for r in res[m])
    print(f"{m:6} {t:15.0f} {100 * (t / base - 1):+8.2f}% {c:17.5f} {w:18.5f}")
print("per run (req/s, profiler CPU s/s):", {m: [(round(r[0]), round(r[1], 5)) for r in res[m]] for m in order})
PY
