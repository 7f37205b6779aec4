#!/usr/bin/env bash
# The whole loop on the example service (examples/kvsvc), in one command:
#  1. build pgoctl, and kvsvc plain (include(ProfileGuided), no profile yet);
#  2. run kvsvc's load while recording (`perf record -e cpu-clock -g`: software
#     events work on any machine, until pgoctl has its own sampler);
#  3. pgoctl import -> .pgoprof; pgoctl convert -> .profdata, pinned in a
#     lock file (pgoctl lock);
#  4. rebuild kvsvc with sample PGO from that lock;
#  5. record the sample-PGO build, convert to .fdata, pin it, and apply BOLT
#     (BOLT's profile must be of the binary it rewrites);
#  6. record the plain and the optimized build side by side (at the same time,
#     so that both see the same machine; DEMO_PAIRS pairs), and print a short
#     report: throughput (median of DEMO_RUNS runs, interleaved) before and
#     after, and the hottest functions before and after; then
#     `pgoctl verify --paired` on the pairs.
# Idempotent: everything goes to $BUILD/demo (rebuilt incrementally, profiles
# replaced). Env: PGOCTL_BUILD_DIR (default ./build, built by scripts/build.sh;
# if set, only the pgoctl target is built there), DEMO_RUNS (default 5),
# DEMO_REQUESTS / DEMO_ROUNDS (the load of one timed run, default 200000 x 3),
# DEMO_RECORD_ROUNDS (rounds of the recorded runs, default 10: about 2 s and
# 45k IP samples at -F 20000), DEMO_PAIRS (side-by-side recordings for verify,
# default 4, sharing DEMO_RECORD_ROUNDS).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ -z "${PGOCTL_BUILD_DIR:-}" ]; then
  build=$root/build
  bash scripts/build.sh
else
  build=$(cd "$PGOCTL_BUILD_DIR" && pwd)
  bash scripts/setup-deps.sh
  cmake --build "$build" --target pgoctl -j2 >/dev/null
fi
pgoctl=$build/cli/pgoctl
work=$build/demo
runs=${DEMO_RUNS:-5}
pairs=${DEMO_PAIRS:-4}
load=(--requests "${DEMO_REQUESTS:-200000}" --rounds "${DEMO_ROUNDS:-3}")
mkdir -p "$work/profiles"
rm -f "$work"/profiles/* "$work"/*.data "$work"/*.pgoprof "$work"/*.log

kvsvc_build() {  # <dir> <cmake -D args...>: configure and build examples/kvsvc
  local dir=$1
  shift
  cmake -S examples/kvsvc -B "$work/$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -Dpgoctl_DIR="$build" "$@" >"$work/$dir.configure.log" 2>&1 ||
    { cat "$work/$dir.configure.log"; exit 1; }
  grep -E "pgo_target|Warning|stale" "$work/$dir.configure.log" | sed 's/^/   /' || true
  cmake --build "$work/$dir" -j2 >"$work/$dir.build.log" 2>&1 || { tail -40 "$work/$dir.build.log"; exit 1; }
}

record_requests=${DEMO_REQUESTS:-200000}
record_rounds=${DEMO_RECORD_ROUNDS:-10}
perf_failed() { echo "perf record failed: is kernel.perf_event_paranoid <= 1, or are you root?" >&2; exit 1; }
import_recording() {  # <binary> <name> [work]: <name>.data -> <name>.pgoprof, work = requests served
  "$pgoctl" import "$work/$2.data" -o "$work/$2.pgoprof" --binary "$1" --label service=kvsvc \
    --label "build=$2" --label "work=${3:-$((record_requests * record_rounds))}" 2>>"$work/pgoctl.log"
}
record() {  # <binary> <name>: a longer load run under perf, imported into <name>.pgoprof
  perf record -q -e cpu-clock -F 20000 -g -o "$work/$2.data" -- "$1" --requests "$record_requests" \
    --rounds "$record_rounds" >"$work/$2.run.log" || perf_failed
  import_recording "$1" "$2"
}

echo "== 1. build pgoctl ($build) and kvsvc plain"
kvsvc_build plain -DKVSVC_SAMPLE_PROFILE= -DKVSVC_BOLT_PROFILE=

echo "== 2. run the load on the plain build while recording (perf record -e cpu-clock -g)"
record "$work/plain/kvsvc" plain

version=demo-$(date -u +%Y%m%dT%H%M%SZ)
lock() {  # <profile file in profiles/>: pin it in <file>.pgolock
  "$pgoctl" lock "$work/profiles/$1" --version "$version" -o "$work/profiles/$1.pgolock" 2>&1 |
    sed 's/^/   /'
}

echo "== 3. pgoctl import, convert to .profdata, pin it in a lock file"
"$pgoctl" convert "$work/plain.pgoprof" --binary "$work/plain/kvsvc" --to profdata \
  -o "$work/profiles/kvsvc.profdata" 2>&1 | sed 's/^/   /'
lock kvsvc.profdata

echo "== 4. rebuild kvsvc with sample PGO"
kvsvc_build pgo -DKVSVC_SAMPLE_PROFILE="$work/profiles/kvsvc.profdata.pgolock" \
  -DKVSVC_BOLT_PROFILE=

# BOLT rewrites a linked binary, so its profile must be of that very binary:
# the sample-PGO build is recorded and its .fdata pinned, then BOLT applied.
echo "== 5. record the sample-PGO build, convert to .fdata, pin it, apply BOLT (kvsvc.bolt beside kvsvc)"
record "$work/pgo/kvsvc" pgo
"$pgoctl" convert "$work/pgo.pgoprof" --binary "$work/pgo/kvsvc" --to fdata --infer-edges \
  -o "$work/profiles/kvsvc.fdata" 2>&1 | sed 's/^/   /'
lock kvsvc.fdata
kvsvc_build pgo -DKVSVC_SAMPLE_PROFILE="$work/profiles/kvsvc.profdata.pgolock" \
  -DKVSVC_BOLT_PROFILE="$work/profiles/kvsvc.fdata.pgolock"
grep -h "BOLT: wrote" "$work/pgo.build.log" | sed 's/^-- /   /'

echo "== 6. record the plain and the optimized build side by side ($pairs pairs), and $runs timed runs of each build"
# verify compares CPU time per request, and this kind of VM changes speed by
# tens of percent within minutes: a plain recording from step 2 against one of
# now once failed the gate with the optimized build 25% faster in throughput.
# So the two are recorded at the same time, each run split in two halves pinned
# to alternate CPUs (verify_record.py, which pgoctl's verify tests use), in
# several pairs: one pair still moved from -1% to -22% between demo runs.
# `verify --paired` resamples the pairs, so its interval covers what the
# machine did between pairs, and drift common to a pair cancels.
pair_rounds=$(( (record_rounds + pairs - 1) / pairs ))
for i in $(seq "$pairs"); do
  python3 tests/lit/Inputs/verify_record.py \
    "$work/before.$i.data" "$work/plain/kvsvc --requests $record_requests --rounds $pair_rounds" \
    "$work/after.$i.data" "$work/pgo/kvsvc.bolt --requests $record_requests --rounds $pair_rounds" \
    >>"$work/side-by-side.run.log" || perf_failed
  import_recording "$work/plain/kvsvc" "before.$i" $((record_requests * pair_rounds)) >>"$work/pgoctl.log"
  import_recording "$work/pgo/kvsvc.bolt" "after.$i" $((record_requests * pair_rounds)) >>"$work/pgoctl.log"
done
# The report's hottest functions: all pairs of a side together.
"$pgoctl" -q merge "$work"/before.[0-9]*.pgoprof -o "$work/before.pgoprof"
"$pgoctl" -q merge "$work"/after.[0-9]*.pgoprof -o "$work/after.pgoprof"
for i in $(seq "$runs"); do
  for b in plain/kvsvc pgo/kvsvc pgo/kvsvc.bolt; do
    "$work/$b" "${load[@]}" >>"$work/throughput.$(echo "$b" | tr / _).log"
  done
  printf '   run %d of %d\r' "$i" "$runs"
done
echo

python3 examples/kvsvc/report.py --pgoctl "$pgoctl" --work "$work" \
  --runs "plain=$work/throughput.plain_kvsvc.log" \
  --runs "sample PGO=$work/throughput.pgo_kvsvc.log" \
  --runs "sample PGO + BOLT=$work/throughput.pgo_kvsvc.bolt.log" \
  --before "$work/before.pgoprof" --after "$work/after.pgoprof"
rm -f "$work"/throughput.*.log

# --- verify (issue 6): did the hot paths get cheaper? -----------------------
echo "== pgoctl verify --paired --before before.{1..$pairs}.pgoprof --after after.{1..$pairs}.pgoprof"
if "$pgoctl" verify --help >/dev/null 2>&1; then
  rc=0
  # The kernel's time per request is the machine's, not the build's: on this
  # kind of VM it moved by +15% and +42% between two demo runs of the same
  # code, and once entered the hot set and failed the gate. It is still
  # measured and listed, but does not decide the verdict.
  # --expect cheaper: the release check of a PGO/BOLT build (the default
  # mode is the deploy gate, which fails on regressions only).
  "$pgoctl" verify --expect cheaper --paired --before "$work"/before.[0-9]*.pgoprof \
    --after "$work"/after.[0-9]*.pgoprof --binary-before "$work/plain/kvsvc" \
    --binary-after "$work/pgo/kvsvc.bolt" --rows 8 --ignore '[kernel]' || rc=$?
  echo "   (pgoctl verify exit code $rc: 0 pass, 1 fail, 2 inconclusive)"
else
  echo "   HOOK(issue 6): this pgoctl has no 'verify' yet; the loop ends here."
fi
echo "== files in $work"
