#!/usr/bin/env bash
# scripts/fuzz.sh N [target...]: runs each fuzz target for N seconds (default
# 600), one at a time, under nice, and prints per target the executions, the
# coverage (libFuzzer's cov: edges and ft: features) and any crash file.
#
# Targets: every libFuzzer target of tests/fuzz/ (perf_reader, perf_script,
# pgoprof, dwarf, lock, pprof, bolt_yaml, refresh_partial) and perf_diff (the
# differential fuzzer against perf script; it prints its agreement classes
# instead of coverage). Default: all. The
# commands come from <build>/tests/fuzz/fuzz-targets.tsv, written by
# tests/fuzz/CMakeLists.txt from the same lists as the ctest runs. Each
# libFuzzer target keeps growing its corpus in <build>/tests/fuzz/work/corpus/;
# crash inputs go to <build>/tests/fuzz/work/long/<target>/. The build folder
# is ./build, or $PGOCTL_BUILD_DIR; the fuzzers are built first if needed.
# A libFuzzer run stops at its first finding; with FUZZ_KEEP_GOING=1 it runs
# in fork mode (-fork=1 -ignore_crashes/ooms/timeouts) and saves every finding
# for the whole N seconds. FUZZ_NICE sets the targets' niceness (default 19:
# the background; 0 for runs on a machine with nothing else to do).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-600}
NICE=${FUZZ_NICE:-19}
shift || true
BUILD=${PGOCTL_BUILD_DIR:-build}
TABLE=$BUILD/tests/fuzz/fuzz-targets.tsv
if [[ ! -f $TABLE ]]; then
  echo "fuzz.sh: $TABLE is missing: configure $BUILD with PGOCTL_BUILD_FUZZERS=ON (clang)" >&2
  exit 2
fi
mapfile -t ROWS < "$TABLE"
ALL=()
for row in "${ROWS[@]}"; do
  IFS=$'\t' read -r -a F <<< "$row"
  [[ ${F[0]} == seeds ]] || ALL+=("${F[1]}")
done
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")

row_of() { # the table row of target $1, as words in the array F
  local row
  for row in "${ROWS[@]}"; do
    IFS=$'\t' read -r -a F <<< "$row"
    [[ ${F[1]} == "$1" ]] && return 0
  done
  echo "fuzz.sh: unknown target '$1' (known: ${ALL[*]})" >&2
  exit 2
}

fuzzers=()
for row in "${ROWS[@]}"; do
  IFS=$'\t' read -r -a F <<< "$row"
  [[ ${F[0]} == libfuzzer ]] && fuzzers+=("$(basename "${F[2]}")")
done
nice -n 19 cmake --build "$BUILD" --target pgoctl "${fuzzers[@]}" >/dev/null
row_of seeds
echo "== seeds"
nice -n "$NICE" "${F[@]:2}"

export ASAN_OPTIONS=detect_leaks=0 # as the ctest runs (tests/fuzz/CMakeLists.txt)
for t in "${TARGETS[@]}"; do
  row_of "$t"
  out=$BUILD/tests/fuzz/work/long/$t
  mkdir -p "$out"
  log=$out/run.log
  echo "== $t: $SECS s (log: $log)"
  if [[ ${F[0]} == diff ]]; then
    nice -n "$NICE" "${F[@]:2}" --max-seconds "$SECS" --mutants 100000000 --seed "$(date +%s)" \
      --save "$out" > "$log" 2>&1 && status=0 || status=$?
    sed -n '/^perf_diff_fuzz:/,$p' "$log"
    echo "   exit status $status"
    continue
  fi
  before=$(ls "$out" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
  keep=()
  if [[ ${FUZZ_KEEP_GOING:-0} == 1 ]]; then
    keep=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  fi
  nice -n "$NICE" "${F[@]:2}" -max_total_time="$SECS" -print_final_stats=1 "${keep[@]}" \
    -artifact_prefix="$out/" > "$log" 2>&1 && status=0 || status=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [[ -n $execs ]] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<< "$last") # fork mode
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<< "$last")
  echo "   execs ${execs:-?}  cov: ${cov:-?}  ft: ${ft:-?}  exit status $status"
  after=$(ls "$out" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
  new=$(comm -13 <(sort <<< "$before") <(sort <<< "$after"))
  if [[ -n $new ]]; then
    while read -r f; do echo "   finding: $out/$f"; done <<< "$new"
    grep -m3 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz property violated)' "$log" | sed 's/^/   /' || true
  elif [[ $status -ne 0 ]]; then
    tail -5 "$log" | sed 's/^/   /'
  fi
done
