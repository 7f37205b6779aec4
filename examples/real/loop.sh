#!/usr/bin/env bash
# loop.sh [PROJECT]: the sample-PGO loop on a real third-party project from
# Debian's source packages (PROJECT: lz4, the default, or brotli; a folder
# beside this script), in one command, against instrumented PGO:
#  1. fetch the project's source (fetch.sh), build pgoctl's `pgoctl` target;
#  2. build the plain (recording) build: examples/real/PROJECT with no profile;
#  3. record its training load (PROJECT/train.sh, REAL_TRAIN_RUNS times) with
#     `perf record -e cpu-clock -g` (IP samples with call chains; -N: no
#     ~/.debug build-id cache);
#  4. pgoctl import, convert --to profdata, lock; the SAMPLE build (steps 3
#     and 4 once per recording, REAL_RECORDINGS);
#  4b. REAL_LBR=1: the LBR build,
#     sample PGO from exact branch counts, this pipeline's ceiling: one
#     training pass of the plain build under tests/tools/lbr-emu (every
#     taken branch seen, a 32-entry branch stack every REAL_LBR_PERIOD,
#     default 97, taken branches), imported, merged, converted like the
#     recordings (ptrace makes it ~1000x slower than a real run);
#  4c. REAL_INS=1, the same with precise instruction samples (what collect
#     --event auto takes on a PMU with zero-skid sampling and no LBR): one
#     training pass under lbr-emu --event instructions -g, an IP sample
#     with its frame-pointer call chain every REAL_INS_PERIOD (default
#     PROJECT_INS_PERIOD, else 241) retired instructions, the `ins` build;
#     4b and 4c only where a pass under ptrace is affordable
#     (PROJECT_PTRACE_OK=1);
#  4d. REAL_CGINS=N: N builds from precise instruction samples without
#     call chains, drawn (tests/tools/cg-samples) from callgrind's
#     instruction counts of one training pass: independent recordings of
#     the same pass at REAL_INS_PERIOD, seconds where lbr-emu takes an
#     hour; the `cginsK` builds;
#  4e. REAL_ORACLE=1 (with 4d): that pass's exact counts (every execution of
#     every instruction, rounded to a tenth of the draws' period) through
#     pgoctl, the `exact` build, and through llvm-profgen (cg-samples
#     --unsymbolized, unrounded, calls as branches), the `oracle` build:
#     LLVM's own profile generator on the same counts;
#  5. the instrumented build: the program's and libraries' training copies
#     (pgo_training_target) on the same training input, merged, the
#     INSTRUMENTED build;
#  6. callgrind (instructions, simulated I1 misses, taken jumps: cgstats.py)
#     of each build running each benchmark on an input disjoint from the
#     training one (on copies without debug info), outputs checked equal
#     across builds; the Ir table and each sample build's share of
#     instrumented PGO's gain go to $work/results.txt, all counts to
#     $work/stats.tsv;
#  7. REAL_BOLT=1: BOLT of the median sample build (median of its Ir summed
#     over the benchmarks, relative to plain): a recording of that build's
#     training load, pgoctl convert --to fdata --infer-edges, the module's
#     BOLT step (pgo_bolt.cmake, PGO_DEFAULT_BOLT_FLAGS), measured as `bolt`;
#  8. REAL_PAIRS=N: wall time of each build against plain, N pairs of runs
#     alternating plain and the build (REAL_PAIR_REPS runs of the benchmark
#     each), the median of the per-pair ratio to $work/time.tsv (reported,
#     never asserted: the machine is shared). A project with a benchmark
#     mode of its own (project_speed) is timed by it instead: N rounds of
#     every build, the median of each round's speed ratio to plain.
# PROJECT/project.sh (sourced) sets PROJECT_PACKAGE (the Debian source
# package), PROJECT_PROGRAM (its path in a build folder),
# PROJECT_TRAIN_TARGET (pgo_training_target of the program, built into the
# build folder's root; `<it>-profdata` merges), PROJECT_TRAIN_DIRS (the
# training copies' pgo-training/ folders), PROJECT_TRAIN_RUNS (the default of
# REAL_TRAIN_RUNS), PROJECT_BENCHES, and the functions project_cmake_args SRC
# SAMPLE INSTR (sets the array cmake_args), project_inputs SRC INPUTS
# (training and evaluation inputs), project_prepare PROGRAM INPUTS (inputs
# made by the plain build), project_train PROGRAM INPUTS TMP RUNS, and
# project_bench NAME PROGRAM INPUTS OUT (sets the array cmd, and expect: the
# file OUT must equal, "" for the plain build's OUT), and optionally
# project_speed PROGRAM INPUTS (prints "BENCHMARK MB/s" lines from the
# project's own in-process benchmark mode; PROGRAM is the build's program,
# or its PROJECT_SPEED_PROGRAM, a path in the build folder, when set) and
# project_train_pass PROGRAM INPUTS TMP RUN (one training pass, each command
# run as RUN COMMAND...; for steps 4b-4d), PROJECT_PTRACE_OK and
# PROJECT_INS_PERIOD.
# Env: PGOCTL_BUILD_DIR (default ./build), REAL_WORK (default
# $PGOCTL_BUILD_DIR/real-PROJECT), REAL_TRAIN_RUNS, REAL_RECORDINGS
# (independent recordings -> SAMPLE builds, default 1), REAL_FREQ (perf -F,
# default 10000), REAL_PGOCTL (a built pgoctl: then PGOCTL_BUILD_DIR is not
# built), REAL_SRC (fetch.sh's destination, default $REAL_WORK/src: a shared
# one saves fetching again), REAL_BOLT (0/1), REAL_PAIRS (default 0),
# REAL_PAIR_REPS (default 3), REAL_LBR (0/1), REAL_LBR_PERIOD, REAL_INS
# (0/1), REAL_INS_PERIOD, REAL_CGINS (default 0), REAL_ORACLE (0/1),
# REAL_LBR_EMU (an lbr-emu binary; default: the build's).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
project=${1:-lz4}
case $project in
  */* | .* | "") echo "loop.sh: bad project name '$project'" >&2; exit 2 ;;
esac
[ -f "$here/$project/project.sh" ] ||
  { echo "loop.sh: no project '$project' (no $here/$project/project.sh)" >&2; exit 2; }
PROJECT_DIR=$here/$project
# shellcheck source=lz4/project.sh
source "$PROJECT_DIR/project.sh"
build=${PGOCTL_BUILD_DIR:-$root/build}
work=${REAL_WORK:-$build/real-$project}
runs=${REAL_TRAIN_RUNS:-$PROJECT_TRAIN_RUNS}
recs=${REAL_RECORDINGS:-1}
freq=${REAL_FREQ:-10000}
pgoctl=${REAL_PGOCTL:-$build/cli/pgoctl}
pairs=${REAL_PAIRS:-0}
reps=${REAL_PAIR_REPS:-3}
llvm=/usr/lib/llvm-22/bin
mkdir -p "$work/profiles" "$work/inputs"
work=$(cd "$work" && pwd)
inputs=$work/inputs
log=$work/loop.log
: >"$log"

echo "== 1. fetch $PROJECT_PACKAGE (Debian source package) and build pgoctl"
src=$(bash "$here/fetch.sh" "$PROJECT_PACKAGE" "${REAL_SRC:-$work/src}")
[ -n "${REAL_PGOCTL:-}" ] || cmake --build "$build" --target pgoctl >>"$log" 2>&1
project_inputs "$src" "$inputs"

project_build() {  # <dir> <sample> <instr>
  local dir=$1 cmake_args
  project_cmake_args "$src" "$2" "$3"
  cmake -S "$PROJECT_DIR" -B "$work/$dir" -G Ninja -DCMAKE_C_COMPILER=clang-22 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGO_PGOCTL="$pgoctl" "${cmake_args[@]}" >"$work/$dir.configure.log" 2>&1 ||
    { cat "$work/$dir.configure.log"; exit 1; }
  sed -n '/pgo_target summary/,/^-- Configuring/p' "$work/$dir.configure.log" | grep -v Configuring | sed 's/^/   /'
  cmake --build "$work/$dir" >"$work/$dir.build.log" 2>&1 || { tail -40 "$work/$dir.build.log"; exit 1; }
}

record() {  # <program> <perf.data>: the training load under perf record
  perf record -q -N -e cpu-clock -F "$freq" -g -o "$2" -- \
    bash -c 'PROJECT_DIR=$1 && source "$1/project.sh" && shift && project_train "$@"' train "$PROJECT_DIR" \
    "$1" "$inputs" "$work/train.tmp" "$runs" >>"$log" 2>&1 ||
    { echo "perf record failed (see $log; kernel.perf_event_paranoid <= 1, or root?)" >&2; exit 1; }
}

echo "== 2. plain build (the one that gets recorded)"
project_build plain "" ""
project_prepare "$work/plain/$PROJECT_PROGRAM" "$inputs"

# sample_build NAME PGOPROF FILE VERSION: convert PGOPROF --to profdata
# (profiles/$project-FILE.*), lock it, and the SAMPLE build NAME. The lock
# carries convert's verdict, which configure's summary shows.
sample_build() {
  local name=$1 out=$work/profiles/$project-$3 quality
  "$pgoctl" convert "$2" --binary "$work/plain/$PROJECT_PROGRAM" --to profdata \
    -o "$out.profdata" --quality-json "$out.quality.json" 2>&1 | sed 's/^/   /'
  quality=$(python3 -c 'import json, sys; q = json.load(open(sys.argv[1])); print(q["verdict"], q["samples"])' \
    "$out.quality.json")
  "$pgoctl" lock "$out.profdata" --kind profdata --version "$project-$4" \
    --quality "${quality% *}" --quality-samples "${quality#* }" -o "$out.pgolock" >>"$log" 2>&1
  project_build "$name" "$out.pgolock" ""
  builds+=("$name")
}

builds=(plain)
for r in $(seq 1 "$recs"); do
  echo "== 3. record the plain $project running its training load $runs times (recording $r)"
  record "$work/plain/$PROJECT_PROGRAM" "$work/rec$r.data"
  echo "== 4. pgoctl import, convert, lock; SAMPLE build sample$r"
  "$pgoctl" import "$work/rec$r.data" -o "$work/rec$r.pgoprof" --binary "$work/plain/$PROJECT_PROGRAM" \
    --label "project=$project" --label "build=plain" 2>>"$log"
  sample_build "sample$r" "$work/rec$r.pgoprof" "$r" "rec$r"
done

# emu_build NAME EVENT PERIOD: one training pass of the plain build under
# lbr-emu --event EVENT (each command imported), merged, converted like the
# recordings, locked; the SAMPLE build NAME.
emu_build() {
  local name=$1 event=$2 period=$3 lbremu=${REAL_LBR_EMU:-$build/tests/tools/lbr-emu/lbr-emu}
  [ -x "$lbremu" ] || cmake --build "$build" --target lbr-emu >>"$log" 2>&1
  local chains=()
  [ "$event" = instructions ] && chains=(-g)  # as collect records IP samples
  emu_profiles=()
  emu_run() {  # <command...>: one training command under lbr-emu, imported
    local n=$((${#emu_profiles[@]} + 1))
    "$lbremu" --event "$event" "${chains[@]}" --period "$period" -o "$work/$name$n.data" -- "$@" >>"$log" 2>&1
    "$pgoctl" import "$work/$name$n.data" -o "$work/$name$n.pgoprof" --binary "$work/plain/$PROJECT_PROGRAM" \
      --label "project=$project" --label "build=plain" 2>>"$log"
    emu_profiles+=("$work/$name$n.pgoprof")
  }
  project_train_pass "$work/plain/$PROJECT_PROGRAM" "$inputs" "$work/train.tmp" emu_run
  "$pgoctl" merge "${emu_profiles[@]}" -o "$work/$name.pgoprof" 2>>"$log"
  sample_build "$name" "$work/$name.pgoprof" "$name" "$name"
}
ins_period=${REAL_INS_PERIOD:-${PROJECT_INS_PERIOD:-241}}
if [ "${REAL_LBR:-0}" = 1 ] && [ "${PROJECT_PTRACE_OK:-0}" = 1 ]; then
  echo "== 4b. emulated LBR of one training pass (lbr-emu), the LBR build: this pipeline with exact branch counts"
  emu_build lbr branches "${REAL_LBR_PERIOD:-97}"
fi
if [ "${REAL_INS:-0}" = 1 ] && [ "${PROJECT_PTRACE_OK:-0}" = 1 ]; then
  echo "== 4c. emulated instructions:pp of one training pass (lbr-emu --event instructions), the ins build"
  emu_build ins instructions "$ins_period"
fi

cgins=${REAL_CGINS:-0}
if [ "$cgins" -gt 0 ]; then
  echo "== 4d. $cgins draws of instructions:pp samples (period $ins_period) from callgrind's counts of one training pass"
  # callgrind runs a copy without debug info (Debian 12's valgrind cannot
  # read clang 22's DWARF); its addresses are the plain program's.
  nodebug=$work/$project.plain.nodebug
  "$llvm/llvm-objcopy" --strip-debug "$work/plain/$PROJECT_PROGRAM" "$nodebug"
  cg_outs=()
  cg_run() {  # <command...>: one training command under callgrind
    local out=$work/cgins.pass$((${#cg_outs[@]} + 1)).callgrind
    valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --callgrind-out-file="$out" "$@" >>"$log" 2>&1
    cg_outs+=("$out")
  }
  project_train_pass "$nodebug" "$inputs" "$work/train.tmp" cg_run
  for k in $(seq 1 "$cgins"); do
    python3 "$root/tests/tools/cg-samples/cg-samples.py" --binary "$work/plain/$PROJECT_PROGRAM" \
      --object "$nodebug" --period "$ins_period" --seed "$k" -o "$work/cgins$k.data" "${cg_outs[@]}" 2>>"$log"
    "$pgoctl" import "$work/cgins$k.data" -o "$work/cgins$k.pgoprof" --binary "$work/plain/$PROJECT_PROGRAM" \
      --label "project=$project" --label "build=plain" 2>>"$log"
    sample_build "cgins$k" "$work/cgins$k.pgoprof" "cgins$k" "cgins$k"
  done
  if [ "${REAL_ORACLE:-0}" = 1 ]; then
    echo "== 4e. the pass's exact counts: through pgoctl (the exact build) and llvm-profgen (the oracle build)"
    # A tenth of the draws' period: rounding drops instructions run fewer
    # than half a period times, which would bias the exact build.
    python3 "$root/tests/tools/cg-samples/cg-samples.py" --binary "$work/plain/$PROJECT_PROGRAM" \
      --object "$nodebug" --period "$(( (ins_period + 9) / 10 ))" --expected -o "$work/exact.data" \
      --unsymbolized "$work/exact.unsym" "${cg_outs[@]}" 2>>"$log"
    "$pgoctl" import "$work/exact.data" -o "$work/exact.pgoprof" --binary "$work/plain/$PROJECT_PROGRAM" \
      --label "project=$project" --label "build=plain" 2>>"$log"
    sample_build exact "$work/exact.pgoprof" exact exact
    oracle=$work/profiles/$project-oracle
    "$llvm/llvm-profgen" --binary "$work/plain/$PROJECT_PROGRAM" --unsymbolized-profile "$work/exact.unsym" \
      --output "$oracle.profdata" >>"$log" 2>&1
    "$pgoctl" lock "$oracle.profdata" --kind profdata --version "$project-oracle" -o "$oracle.pgolock" >>"$log" 2>&1
    project_build oracle "$oracle.pgolock" ""
    builds+=(oracle)
  fi
fi

echo "== 5. instrumented PGO: $PROJECT_TRAIN_TARGET on the training input, merge, INSTRUMENTED build"
cmake --build "$work/plain" --target "$PROJECT_TRAIN_TARGET" >>"$log" 2>&1
for d in "${PROJECT_TRAIN_DIRS[@]}"; do
  rm -rf "${work:?}/plain/pgo-training/$d"
  mkdir -p "$work/plain/pgo-training/$d"
done
project_train "$work/plain/$PROJECT_TRAIN_TARGET" "$inputs" "$work/train.tmp" "$runs" >>"$log" 2>&1
cmake --build "$work/plain" --target "$PROJECT_TRAIN_TARGET-profdata" >>"$log" 2>&1
cp "$work/plain/pgo-training/$PROJECT_TRAIN_TARGET.profdata" "$work/profiles/$project-instr.profdata"
project_build instr "" "$work/profiles/$project-instr.profdata"
builds+=(instr)

echo "== 6. callgrind on the evaluation input (disjoint from training)"
stats=$work/stats.tsv
printf "build\tbenchmark\tIr\tI1mr\tJt\n" >"$stats"
measure() {  # <build> <program>: callgrind of each benchmark -> stats.tsv
  local b=$1 bin=$work/$project.$1.nodebug bench cmd expect out
  # Without DWARF: Debian 12's valgrind cannot read clang 22's.
  "$llvm/llvm-objcopy" --strip-debug "$2" "$bin"
  for bench in "${PROJECT_BENCHES[@]}"; do
    out=$work/out.$b.$bench
    project_bench "$bench" "$bin" "$inputs" "$out"
    valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64 \
      --collect-jumps=yes --dump-instr=yes --callgrind-out-file="$work/cg.$b.$bench" "${cmd[@]}" >>"$log" 2>&1
    [ -n "$expect" ] || expect=$work/out.plain.$bench
    cmp "$out" "$expect" || { echo "$b: $bench writes other output than $expect" >&2; exit 1; }
    printf "%s\t%s\t%s\n" "$b" "$bench" "$(python3 "$here/cgstats.py" "$work/cg.$b.$bench" | tr ' ' '\t')" >>"$stats"
  done
}
for b in "${builds[@]}"; do
  measure "$b" "$work/$b/$PROJECT_PROGRAM"
done

if [ "${REAL_BOLT:-0}" = 1 ] && [ "$recs" -ge 1 ]; then
  # The median sample build by its summed Ir relative to plain.
  med=$(awk -F'\t' 'NR > 1 && $1 == "plain" { p[$2] = $3 }
    NR > 1 && $1 ~ /^sample/ { rel[$1] += $3 / p[$2] }
    END { n = 0; for (b in rel) { n++; s[n] = rel[b] " " b }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (s[j] + 0 < s[i] + 0) { t = s[i]; s[i] = s[j]; s[j] = t }
      split(s[int((n + 1) / 2)], m, " "); print m[2] }' "$stats")
  echo "== 7. BOLT of the median sample build ($med): record it, convert --to fdata --infer-edges, llvm-bolt"
  record "$work/$med/$PROJECT_PROGRAM" "$work/bolt.data"
  "$pgoctl" import "$work/bolt.data" -o "$work/bolt.pgoprof" --binary "$work/$med/$PROJECT_PROGRAM" \
    --label "project=$project" --label "build=$med" 2>>"$log"
  "$pgoctl" convert "$work/bolt.pgoprof" --binary "$work/$med/$PROJECT_PROGRAM" --to fdata --infer-edges \
    -o "$work/profiles/$project-bolt.fdata" 2>&1 | sed 's/^/   /'
  # The module's BOLT step and default flags, on the median build only.
  printf '%s\n' 'include("${MOD}/ProfileGuided.cmake")' 'message("${PGO_DEFAULT_BOLT_FLAGS}")' >"$work/bolt-flags.cmake"
  bolt_flags=$(cmake -DMOD="$root/cmake-modules" -P "$work/bolt-flags.cmake" 2>&1 | tail -1)
  cmake -DBOLT="$llvm/llvm-bolt" -DINPUT="$work/$med/$PROJECT_PROGRAM" -DOUTPUT="$work/$med/$PROJECT_PROGRAM.bolt" \
    -DPROFILE="$work/profiles/$project-bolt.fdata" -DFLAGS="$bolt_flags" -P "$root/cmake-modules/pgo_bolt.cmake" |
    sed 's/^/   /'
  measure bolt "$work/$med/$PROJECT_PROGRAM.bolt"
  builds+=(bolt)
  echo "$med" >"$work/bolt.from"
fi

res=$work/results.txt
awk -F'\t' -v benches="${PROJECT_BENCHES[*]}" '
  NR == 1 { nb = split(benches, bn, " "); next }
  { ir[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END {
    printf "%-10s", "build"; for (j = 1; j <= nb; j++) printf " %16s", bn[j] " Ir"; printf "\n"
    for (i = 1; i <= n; i++) { printf "%-10s", order[i]; for (j = 1; j <= nb; j++) printf " %16s", ir[order[i], bn[j]]; printf "\n" }
    # Yield: the share of instrumented PGO instruction gain a build gets (0
    # when instrumented PGO gains nothing on that benchmark).
    for (i = 1; i <= n; i++) {
      b = order[i]; if (b == "plain") continue
      printf "%-10s", b
      for (j = 1; j <= nb; j++) {
        p = ir["plain", bn[j]]; x = ir["instr", bn[j]]
        printf " %s %+.2f%%", bn[j], 100 * (ir[b, bn[j]] - p) / p
        if (b != "instr") printf " (yield %.0f%%)", (p > x) ? 100 * (p - ir[b, bn[j]]) / (p - x) : 0
        printf (j < nb) ? "," : "\n"
      }
    }
  }' "$stats" >"$res"

if [ "$pairs" -gt 0 ]; then
  echo "== 8. wall time: $pairs pairs of runs against plain per build and benchmark"
  times=$work/time.tsv
  printf "build\tbenchmark\tmedian_ratio\n" >"$times"
  timed() {  # <program> <bench>: seconds of REAL_PAIR_REPS runs
    local cmd expect t0 t1
    project_bench "$2" "$1" "$inputs" "$work/time.out"
    t0=$EPOCHREALTIME
    for _ in $(seq 1 "$reps"); do "${cmd[@]}" >/dev/null 2>&1; done
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
  }
  median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.4f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  if declare -F project_speed >/dev/null; then
    # The project's own benchmark mode: each round runs every build once
    # (the order rotating from round to round), and a build's ratio in a round is
    # plain's speed / its speed, so that < 1 is faster, as with wall time.
    speeds=$work/speed.raw
    : >"$speeds"
    for p in $(seq 1 "$pairs"); do
      n=${#builds[@]}
      for i in $(seq 0 $((n - 1))); do
        b=${builds[$(((i + p) % n))]}
        # The program, or the project's benchmark program of that build
        # (PROJECT_SPEED_PROGRAM; not for the BOLTed build: BOLT rewrites
        # the program only).
        if [ -z "${PROJECT_SPEED_PROGRAM:-}" ]; then
          bin=$work/$project.$b.nodebug
        elif [ "$b" != bolt ]; then
          bin=$work/$b/$PROJECT_SPEED_PROGRAM
        else
          continue
        fi
        project_speed "$bin" "$inputs" | sed "s/^/$p $b /" >>"$speeds"
      done
    done
    for b in "${builds[@]}"; do
      [ "$b" != plain ] || continue
      for bench in "${PROJECT_BENCHES[@]}"; do
        ratios=$(awk -v b="$b" -v k="$bench" '
          $3 == k && $2 == "plain" { p[$1] = $4 } $3 == k && $2 == b { x[$1] = $4 }
          END { for (r in x) if (r in p && x[r] > 0) print p[r] / x[r] }' "$speeds")
        [ -n "$ratios" ] || continue # (a build it does not time)
        printf "%s\t%s\t%s\n" "$b" "$bench" "$(printf '%s\n' "$ratios" | median)" >>"$times"
      done
    done
  else
    for b in "${builds[@]}"; do
      [ "$b" != plain ] || continue
      for bench in "${PROJECT_BENCHES[@]}"; do
        ratios=()
        for p in $(seq 1 "$pairs"); do
          if [ $((p % 2)) = 1 ]; then
            tp=$(timed "$work/$project.plain.nodebug" "$bench"); tb=$(timed "$work/$project.$b.nodebug" "$bench")
          else
            tb=$(timed "$work/$project.$b.nodebug" "$bench"); tp=$(timed "$work/$project.plain.nodebug" "$bench")
          fi
          ratios+=("$(awk -v a="$tb" -v b="$tp" 'BEGIN { printf "%.6f", a / b }')")
        done
        printf "%s\t%s\t%s\n" "$b" "$bench" "$(printf '%s\n' "${ratios[@]}" | median)" >>"$times"
      done
    done
  fi
  echo "   wall-time ratios to plain (median of $pairs pairs) in $times"
fi
sed 's/^/   /' "$res"
