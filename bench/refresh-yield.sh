#!/usr/bin/env bash
# bench/refresh-yield.sh: the sample-PGO yield of the cross-build refresh
# (issue 21). kvsvc release 2 (examples/kvsvc + patches/v2-len-route.patch)
# is built, and measured with callgrind (instructions per request of the
# serving part: a run minus a run of 0 rounds, on copies without DWARF, as
# bench/example-pgo.py does; deterministic), with
#   a  no profile (the plain build);
#   b  a profile recorded on build 2 alone: its three hosts' windows merged
#      and converted with build 2 (pgoctl merge, convert --to profdata);
#   c  the refreshed profile: `pgoctl refresh` over a store holding build 1's
#      windows (5 days old) and the same build-2 windows (1 day old), each
#      build symbolized with its own binary and merged at source level;
#   d  for reference, last week's profile as is: build 1's windows converted
#      with build 1, applied to release 2's source.
# Goal: c recovers >= 95% of b's gain, (a - c) / (a - b). Then BOLT of
# release 2 with YAML profiles: same build, stale-matched, the refresh's
# (goal: >= 90% of the same-build taken-jump reduction; see below).
# Hosts are three concurrent `pgoctl collect --event cpu-clock --freq F`
# runs of the plain build of each release, load seeds 1-3 (IP samples with
# frame-pointer call chains; no LBR here).
# usage: bench/refresh-yield.sh BUILD_DIR [WORK]
# Env: YIELD_FREQ (default 10000), YIELD_REQUESTS / YIELD_ROUNDS (a host's
# load, default 200000 x 10), YIELD_CG_REQUESTS / YIELD_CG_ROUNDS (callgrind
# load, default 20000 x 2), YIELD_REUSE=1 (keep WORK's builds and windows
# from an earlier run: only what is missing is made). Results: bench/refresh.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:?usage: bench/refresh-yield.sh BUILD_DIR [WORK]}" && pwd)
work=${2:-$build/bench-refresh-yield}
pgoctl=$build/cli/pgoctl
freq=${YIELD_FREQ:-10000}
requests=${YIELD_REQUESTS:-200000}
rounds=${YIELD_ROUNDS:-10}
cg_requests=${YIELD_CG_REQUESTS:-20000}
cg_rounds=${YIELD_CG_ROUNDS:-2}
[ "${YIELD_REUSE:-0}" = 1 ] || rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
store=file://$work/store
log() { echo "[$(date -u +%H:%M:%S)] $*"; }
die() { echo "refresh-yield: $*" >&2; exit 1; }

# The two releases' sources.
if [ ! -d "$work/src2" ]; then
  mkdir -p "$work/src1" "$work/src2"
  cp -r "$root/examples/kvsvc/src" "$root/examples/kvsvc/CMakeLists.txt" "$work/src1/"
  cp -r "$root/examples/kvsvc/src" "$root/examples/kvsvc/CMakeLists.txt" "$work/src2/"
  (cd "$work/src2" && git apply "$root/examples/kvsvc/patches/v2-len-route.patch")
fi

kvsvc_build() {  # <src> <name> <sample lock or "">
  cmake -S "$1" -B "$work/$2" -G Ninja -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -Dpgoctl_DIR="$build" -DPGO_PGOCTL="$pgoctl" -DKVSVC_SAMPLE_PROFILE="$3" -DKVSVC_BOLT_PROFILE= \
    -DKVSVC_INSTR_PROFILE= >"$work/$2.configure.log" 2>&1 || { cat "$work/$2.configure.log"; die "configure $2"; }
  cmake --build "$work/$2" --target kvsvc -j2 >"$work/$2.build.log" 2>&1 || { tail -30 "$work/$2.build.log"; die "build $2"; }
}

# hosts <release> <binary> <days ago>: three hosts under pgoctl collect,
# windows pushed to the store dated <days ago>.
hosts() {
  local b=$1 bin=$2 days=$3 pids=() h f i base
  rm -rf "$work/spool/b$b"
  mkdir -p "$work/store"
  for h in 1 2 3; do
    mkdir -p "$work/spool/b$b/host$h"
    "$pgoctl" collect --event cpu-clock --freq "$freq" --window 1 --service kvsvc --label "host=host$h" \
      --spool "$work/spool/b$b/host$h" -- "$bin" --requests "$requests" --rounds "$rounds" --seed "$h" \
      >"$work/collect.b$b.host$h.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "collect failed (release $b): $work/collect.b$b.host*.log"; done
  base=$(( $(date -u +%s) - days * 86400 ))
  for h in 1 2 3; do
    i=0
    for f in "$work/spool/b$b/host$h"/*.pgoprof; do
      touch -d "@$((base + h * 60 + i * 300))" "$f"
      i=$((i + 1))
    done
    "$pgoctl" -q push "$work/spool/b$b/host$h"/*.pgoprof --store "$store" --service kvsvc --host "host$h" >/dev/null
  done
}

# callgrind_stats <binary>: "Ir I1mr Jt" of kvsvc's serving part
# (bench/example-pgo.py's callgrind_ir, the cg load).
callgrind_stats() {
  PYTHONDONTWRITEBYTECODE=1 python3 -c '
import importlib.util, sys
spec = importlib.util.spec_from_file_location("example_pgo", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
r = m.callgrind_ir(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
print(r["Ir"], r["I1mr"], r["Jt"])' "$here/example-pgo.py" "$1" "$cg_requests" "$cg_rounds" "$work"
}

# A profile pinned in a local lock: <name>.profdata -> <name>.pgolock.
lock_local() { "$pgoctl" -q lock "$work/$1.profdata" --kind profdata --version "$1" -o "$work/$1.pgolock"; }

log "plain builds of release 1 and 2"
kvsvc_build "$work/src1" plain1 ""
kvsvc_build "$work/src2" plain2 ""
log "three hosts run each release under pgoctl collect (--freq $freq, $requests x $rounds each)"
if [ ! -f "$work/hosts.done" ]; then
  rm -rf "$work/store"
  hosts 1 "$work/plain1/kvsvc" 5
  hosts 2 "$work/plain2/kvsvc" 1
  touch "$work/hosts.done"
fi

log "b: build 2's windows alone (merge, convert with build 2)"
"$pgoctl" -q merge "$work"/spool/b2/host*/*.pgoprof -o "$work/b2.pgoprof"
"$pgoctl" -q convert "$work/b2.pgoprof" --binary "$work/plain2/kvsvc" --to profdata -o "$work/b.profdata"
lock_local b
log "d: build 1's windows as is (merge, convert with build 1)"
"$pgoctl" -q merge "$work"/spool/b1/host*/*.pgoprof -o "$work/b1.pgoprof"
"$pgoctl" -q convert "$work/b1.pgoprof" --binary "$work/plain1/kvsvc" --to profdata -o "$work/d.profdata"
lock_local d

have_refresh=0
if "$pgoctl" refresh --help 2>/dev/null | grep -- --lock >/dev/null; then
  have_refresh=1
  log "c: pgoctl refresh over both releases' windows"
  rc=0
  rm -f "$work/c-store.pgolock"
  "$pgoctl" refresh --store "$store" --service kvsvc --lock "$work/c-store.pgolock" --no-git \
    --binary "$work/plain1/kvsvc" --binary "$work/plain2/kvsvc" --current "$work/plain2/kvsvc" \
    --to profdata,yaml --stats >"$work/refresh.out" 2>"$work/refresh.err" || rc=$?
  [ "$rc" = 0 ] || { cat "$work/refresh.out" "$work/refresh.err"; die "pgoctl refresh exited $rc"; }
  src=$(sed -n 's/^source *= *//p' "$work/c-store.pgolock")
  sha=$(sed -n 's/^sha256 *= *//p' "$work/c-store.pgolock")
  "$pgoctl" -q store get "$src" -o "$work/c.profdata" --sha256 "$sha"
  lock_local c
else
  log "c: SKIPPED, this pgoctl has no 'refresh' command yet"
fi

builds=(plain2 b d)
log "sample PGO builds of release 2: b, d$([ $have_refresh = 1 ] && echo ", c")"
kvsvc_build "$work/src2" b "$work/b.pgolock"
kvsvc_build "$work/src2" d "$work/d.pgolock"
if [ $have_refresh = 1 ]; then
  kvsvc_build "$work/src2" c "$work/c.pgolock"
  builds=(plain2 b c d)
fi

log "callgrind, $cg_requests requests x $cg_rounds rounds per build"
for n in "${builds[@]}"; do
  # Kept from an earlier run (YIELD_REUSE) when the binary did not change.
  [ -s "$work/$n.ir" ] && [ "$work/$n.ir" -nt "$work/$n/kvsvc" ] && continue
  callgrind_stats "$work/$n/kvsvc" >"$work/$n.ir"
done
served=$((cg_requests * cg_rounds))
{
  echo "| build of release 2 | profile | Ir/request | gain vs no profile | share of b's gain |"
  echo "|---|---|---:|---:|---:|"
  read -r a_ir _ <"$work/plain2.ir"
  read -r b_ir _ <"$work/b.ir"
  for n in "${builds[@]}"; do
    read -r ir _ <"$work/$n.ir"
    case $n in
      plain2) what="a: none" ;;
      b) what="b: build 2's windows alone" ;;
      c) what="c: refresh, build 1 + build 2 windows" ;;
      d) what="d: build 1's windows as is (stale)" ;;
    esac
    awk -v n="$n" -v w="$what" -v ir="$ir" -v a="$a_ir" -v b="$b_ir" -v s="$served" 'BEGIN {
      printf "| %s | %s | %.1f | %+.1f | %s |\n", n, w, ir / s, (a - ir) / s,
        (n == "plain2") ? "" : sprintf("%.1f%%", 100 * (a - ir) / (a - b)) }'
  done
} | tee "$work/results.md"
for f in b2 b1; do
  echo "windows of release ${f#b}: $(ls "$work"/spool/$f/host*/*.pgoprof | wc -l) from 3 hosts"
done | tee -a "$work/results.md"
[ $have_refresh = 1 ] && sed 's/^/refresh: /' "$work/refresh.out" "$work/refresh.err" >>"$work/results.md"

# BOLT with a stale profile on kvsvc: release 2 linked with --emit-relocs
# (the plain build's code, so the windows recorded on plain2 are its
# profile) and BOLTed with pgo_target's flags for a YAML profile
# (PGO_DEFAULT_BOLT_FLAGS + -infer-stale-profile) and
#   same     build 2's windows, `convert --to yaml` with build 2;
#   stale    build 1's windows, `convert --to yaml` with build 1, matched to
#            build 2 by BOLT's stale-profile inference;
#   refresh  the refresh's YAML form (each build's YAML, merged).
# Taken jumps per request (jmp/jcc, callgrind --collect-jumps) are what
# block layout removes. Goal: stale and refresh recover >= 90% of same's
# reduction.
bolt_flags=(-reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions -split-all-cold -split-eh
  -icf=safe -use-gnu-stack -update-debug-sections -dyno-stats -infer-stale-profile)
log "BOLT: release 2 with --emit-relocs, and three YAML profiles"
if [ ! -x "$work/bolt-none/kvsvc" ]; then
  cmake -S "$work/src2" -B "$work/bolt-none" -G Ninja -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXE_LINKER_FLAGS=-Wl,--emit-relocs -Dpgoctl_DIR="$build" \
    -DPGO_PGOCTL="$pgoctl" -DKVSVC_SAMPLE_PROFILE= -DKVSVC_BOLT_PROFILE= -DKVSVC_INSTR_PROFILE= \
    >"$work/bolt-none.configure.log" 2>&1 || { cat "$work/bolt-none.configure.log"; die "configure bolt-none"; }
  cmake --build "$work/bolt-none" --target kvsvc -j2 >"$work/bolt-none.build.log" 2>&1 ||
    { tail -30 "$work/bolt-none.build.log"; die "build bolt-none"; }
fi
# The code must be the recorded binary's: the same .text bytes as plain2.
for n in plain2 bolt-none; do
  /usr/lib/llvm-22/bin/llvm-objcopy -O binary --only-section=.text "$work/$n/kvsvc" "$work/$n.text"
done
cmp -s "$work/plain2.text" "$work/bolt-none.text" ||
  die "bolt-none's .text differs from plain2's (the profiles would not be its own)"
"$pgoctl" -q convert "$work/b2.pgoprof" --binary "$work/plain2/kvsvc" --to yaml -o "$work/same.yaml"
"$pgoctl" -q convert "$work/b1.pgoprof" --binary "$work/plain1/kvsvc" --to yaml -o "$work/stale.yaml"
bolts=(none same stale)
if [ $have_refresh = 1 ]; then
  "$pgoctl" -q store get "${src%.profdata}.yaml" -o "$work/refresh.yaml"
  bolts+=(refresh)
fi
for n in "${bolts[@]}"; do
  [ "$n" = none ] && continue
  mkdir -p "$work/bolt-$n"
  /usr/lib/llvm-22/bin/llvm-bolt "$work/bolt-none/kvsvc" -data="$work/$n.yaml" "${bolt_flags[@]}" \
    -o "$work/bolt-$n/kvsvc" >"$work/bolt-$n.log" 2>&1 || { tail -20 "$work/bolt-$n.log"; die "llvm-bolt ($n)"; }
done
for n in "${bolts[@]}"; do
  [ -s "$work/bolt-$n.ir" ] && [ "$work/bolt-$n.ir" -nt "$work/bolt-$n/kvsvc" ] && continue
  callgrind_stats "$work/bolt-$n/kvsvc" >"$work/bolt-$n.ir"
done
{
  echo
  echo "| BOLT of release 2 | YAML profile | taken jumps/request | I1 misses/request | Ir/request | jump reduction | share of same's |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  read -r _ _ none_jt <"$work/bolt-none.ir"
  read -r _ _ same_jt <"$work/bolt-same.ir"
  for n in "${bolts[@]}"; do
    read -r ir i1 jt <"$work/bolt-$n.ir"
    case $n in
      none) what="none (no BOLT)" ;;
      same) what="build 2's windows (same build)" ;;
      stale) what="build 1's windows, stale-matched" ;;
      refresh) what="refresh's YAML (build 1 + build 2)" ;;
    esac
    awk -v n="$n" -v w="$what" -v ir="$ir" -v i1="$i1" -v jt="$jt" -v z="$none_jt" -v s0="$same_jt" -v s="$served" 'BEGIN {
      printf "| %s | %s | %.2f | %.2f | %.1f | %.1f%% | %s |\n", n, w, jt / s, i1 / s, ir / s, 100 * (z - jt) / z,
        (n == "none") ? "" : sprintf("%.1f%%", 100 * (z - jt) / (z - s0)) }'
  done
} | tee -a "$work/results.md"
log "results: $work/results.md"
