#!/usr/bin/env bash
# bench/refresh.sh: `pgoctl refresh` on a week of windows from 100 hosts
# (issue 21), in a file:// store, against two anchors on the same windows:
# `pgoctl merge` (the .pgoprof merge alone, no symbolization) and
# `llvm-profdata merge --sample` of one .profdata per window (what converting
# each window and merging with LLVM's tool would cost, conversion not counted;
# on a tenth of the windows: it holds all its inputs in memory).
# Wall time, CPU time (user + sys) and peak RSS from /usr/bin/time -v;
# ratios (of CPU time) printed.
#
# The windows are derived from real recordings: REFRESH_BENCH_RECORDINGS
# (default 8) runs of kvsvc release 1 and of release 2 (the plain builds of
# bench/refresh-yield.sh, which must have run in WORK; load seeds 1..N), each
# under `pgoctl collect --event cpu-clock --freq 6000`, so a window holds
# about the 3,000 samples the agent's default (cpu-clock every 10 ms, 30 s of
# every 300 s: examples/deploy/pgoctl-collect.service) gives one busy CPU. Each host gets PER_DAY windows a day, copies of those recordings in
# turn: release 1 for the first 4 days, release 2 for the last 3 (a release
# mid-week), starts spread over the day.
# usage: bench/refresh.sh BUILD_DIR WORK [HOSTS=100] [DAYS=7] [PER_DAY=24]
# Results and the arithmetic for 10,000 hosts: bench/refresh.md.
set -euo pipefail
build=$(cd "${1:?usage: bench/refresh.sh BUILD_DIR WORK [HOSTS] [DAYS] [PER_DAY]}" && pwd)
yield_work=$(cd "${2:?WORK: the folder of bench/refresh-yield.sh}" && pwd)
hosts=${3:-100}
days=${4:-7}
per_day=${5:-24}
nreal=${REFRESH_BENCH_RECORDINGS:-8}
pgoctl=$build/cli/pgoctl
llvm=/usr/lib/llvm-22/bin
w=$yield_work/week
for b in 1 2; do
  [ -x "$yield_work/plain$b/kvsvc" ] || { echo "no $yield_work/plain$b/kvsvc: run bench/refresh-yield.sh first" >&2; exit 1; }
done
log() { echo "[$(date -u +%H:%M:%S)] $*"; }
# REFRESH_BENCH_REUSE=1: measure again on what an earlier run made (its
# recordings, and its store when that is whole).
reuse=${REFRESH_BENCH_REUSE:-0}
if [ "$reuse" = 1 ] && [ -f "$w/generated" ]; then
  log "reusing the windows of $w"
  cat "$w/real-windows.txt"
else
if [ "$reuse" = 1 ] && [ -f "$w/real-windows.txt" ]; then
  rm -rf "$w/win" "$w/pd" "$w/store"
  mkdir -p "$w/win" "$w/pd" "$w/store"
  cat "$w/real-windows.txt"
else
rm -rf "$w"
mkdir -p "$w/real" "$w/win" "$w/pd" "$w/store"
log "real windows: $nreal runs of each release under pgoctl collect --freq 6000"
for b in 1 2; do
  mkdir -p "$w/real/b$b"
  for i in $(seq 1 "$nreal"); do
    f=$w/real/b$b/w$i
    "$pgoctl" -q collect --event cpu-clock --freq 6000 --service kvsvc --label host=rec -o "$f.pgoprof" -- \
      "$yield_work/plain$b/kvsvc" --requests 100000 --rounds 3 --seed "$i" >/dev/null
    "$pgoctl" -q convert "$f.pgoprof" --binary "$yield_work/plain$b/kvsvc" --to profdata -o "$f.profdata"
  done
done
n1=$(ls "$w/real/b1"/*.pgoprof | wc -l)
n2=$(ls "$w/real/b2"/*.pgoprof | wc -l)
bytes=$(cat "$w"/real/b*/*.pgoprof | wc -c)
samples=$(for f in "$w"/real/b*/*.pgoprof; do "$pgoctl" show "$f" 2>/dev/null |
  sed -n 's/^samples: \([0-9]*\) total.*/\1/p'; done | awk '{s += $1} END {print s}')
log "real windows: $n1 of release 1, $n2 of release 2; $((bytes / (n1 + n2))) bytes and $((samples / (n1 + n2))) samples each on average" |
  tee "$w/real-windows.txt"
fi

log "the week: $hosts hosts x $days days x $per_day windows a day"
now=$(date -u +%s)
start=$((now - days * 86400 + 60))
# One process makes the copies (a fork per file is slow here); push per host.
python3 - "$w" "$hosts" "$days" "$per_day" "$start" <<'PY'
import glob, os, shutil, sys
w, hosts, days, per_day, start = sys.argv[1], *map(int, sys.argv[2:])
real = [sorted(glob.glob(os.path.join(w, "real", "b%d" % b, "*.pgoprof"))) for b in (1, 2)]
k = 0
for h in range(1, hosts + 1):
    d_host = os.path.join(w, "win", "h%03d" % h)
    os.makedirs(d_host, exist_ok=True)
    for d in range(days):
        rel = real[0] if d < (days * 4 + 6) // 7 else real[1]
        for i in range(per_day):
            src = rel[k % len(rel)]
            t = start + d * 86400 + i * 86400 // per_day + h * 7
            # A copy, not a link: push takes the window's start from its mtime.
            dst = os.path.join(d_host, "%d.pgoprof" % t)
            shutil.copyfile(src, dst)
            os.utime(dst, (t, t))
            os.link(src[:-len(".pgoprof")] + ".profdata", os.path.join(w, "pd", "h%03d-%d.profdata" % (h, t)))
            k += 1
PY
for h in $(seq -f %03g 1 "$hosts"); do
  "$pgoctl" -q push "$w/win/h$h"/*.pgoprof --store "file://$w/store" --service kvsvc --host "host$h" >/dev/null
  rm -rf "$w/win/h$h"
done
touch "$w/generated"
fi
nwin=$(find "$w/store/raw" -name '*.pgoprof' | wc -l)
wbytes=$(find "$w/store/raw" -name '*.pgoprof' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
log "store: $nwin windows, $wbytes bytes"

measure() {  # <label> <cmd...>: wall s, CPU s (user + sys) and peak RSS KiB
  local label=$1
  shift
  /usr/bin/time -v -o "$w/$label.time" "$@" >"$w/$label.out" 2>"$w/$label.err" ||
    { cat "$w/$label.err"; echo "$label failed" >&2; exit 1; }
  local wall cpu rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$w/$label.time" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$w/$label.time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$w/$label.time")
  printf '%s %s %s %s\n' "$label" "$wall" "$rss" "$cpu" >>"$w/results.txt"
  printf '%-22s %10.2f s wall %10.2f s CPU %10d KiB peak RSS\n' "$label" "$wall" "$cpu" "$rss"
}
: >"$w/results.txt"
(cd "$w/store" && find raw -name '*.pgoprof' | sort) >"$w/windows.txt"
find "$w/pd" -name '*.profdata' | sort >"$w/profdata.txt"
if "$pgoctl" refresh --help 2>/dev/null | grep -- --lock >/dev/null; then
  measure refresh "$pgoctl" refresh --store "file://$w/store" --service kvsvc --lock "$w/kvsvc.pgolock" \
    --no-git --binary "$yield_work/plain1/kvsvc" --binary "$yield_work/plain2/kvsvc" --to profdata \
    --since "${days}d" --stats
else
  log "pgoctl refresh: not in this pgoctl yet, skipped"
fi
# pgoctl merge reads its inputs from the command line: one call (-x: xargs
# fails rather than split the list), paths relative to the store (100 x 7 x
# 24 of them take 1.4 MB of the 2 MB ARG_MAX).
measure pgoctl-merge env -C "$w/store" xargs -s 2000000 -x -a "$w/windows.txt" "$pgoctl" -q merge \
  -o "$w/merged.pgoprof"
# llvm-profdata keeps every input in memory until it merges (all 16,800
# took 23 GiB and were killed by the kernel on a 24 GiB machine): at most
# REFRESH_BENCH_LLVM_MAX (default 1,680) of them; the rates below are per
# window, so they compare.
nllvm=${REFRESH_BENCH_LLVM_MAX:-1680}
head -n "$nllvm" "$w/profdata.txt" >"$w/profdata-llvm.txt"
nllvm=$(wc -l <"$w/profdata-llvm.txt")
measure llvm-profdata-merge "$llvm/llvm-profdata" merge --sample --extbinary -f "$w/profdata-llvm.txt" \
  -o "$w/merged.profdata"
# Ratios on CPU time: on a loaded machine the wall time is mostly waiting.
awk -v n="$nwin" -v nl="$nllvm" '{ t[$1] = $4; m[$1] = $3 }
  END {
    t["llvm-profdata-merge"] *= n / nl  # CPU per window, as if all n
    for (k in t) printf "%-22s %8.1f windows per CPU second\n", k, n / t[k]
    if ("refresh" in t) {
      printf "refresh / pgoctl merge:        CPU %.2fx, peak RSS %.2fx\n", t["refresh"] / t["pgoctl-merge"], m["refresh"] / m["pgoctl-merge"]
      printf "refresh / llvm-profdata merge: CPU per window %.2fx\n", t["refresh"] / t["llvm-profdata-merge"]
    }
    printf "pgoctl merge / llvm-profdata merge: CPU per window %.2fx\n", t["pgoctl-merge"] / t["llvm-profdata-merge"]
  }' "$w/results.txt" | tee "$w/ratios.txt"
