#!/usr/bin/env bash
# loop.sh: the sample-PGO loop on a real third-party project (lz4 from
# Debian's source package), in one command, against instrumented PGO:
#  1. fetch lz4's source (fetch.sh), build pgoctl's `pgoctl` target;
#  2. build the plain (recording) build: examples/real/lz4 with PROFILE "";
#  3. record its training load (lz4/train.sh: `lz4 -1` and `lz4 -d` of a
#     training input, REAL_TRAIN_RUNS times) with `perf record -e cpu-clock
#     -g` (IP samples with call chains; -N: no ~/.debug build-id cache);
#  4. pgoctl import, convert --to profdata, lock; the SAMPLE build;
#  5. the instrumented build: lz4-train (instrumented lz4 and liblz4) on the
#     same training input, lz4-train-profdata, the INSTRUMENTED build;
#  6. callgrind instruction counts of each build compressing (lz4 -1) and
#     decompressing an input disjoint from the training one (on copies
#     without debug info), outputs checked equal across builds; the table
#     goes to $work/results.txt.
# Training input: lz4's lib/ and programs/ (a tar); evaluation input: its
# other files (doc, tests, examples, debian, ...), so no file is in both.
# Env: PGOCTL_BUILD_DIR (default ./build), REAL_WORK (default
# $PGOCTL_BUILD_DIR/real-lz4), REAL_TRAIN_RUNS (default 200),
# REAL_RECORDINGS (independent recordings -> SAMPLE builds, default 1),
# REAL_FREQ (perf -F, default 10000), REAL_PGOCTL (a built pgoctl: then
# PGOCTL_BUILD_DIR is not built), REAL_SRC (fetch.sh's destination, default
# $REAL_WORK/src: a shared one saves fetching again).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${PGOCTL_BUILD_DIR:-$root/build}
work=${REAL_WORK:-$build/real-lz4}
runs=${REAL_TRAIN_RUNS:-200}
recs=${REAL_RECORDINGS:-1}
freq=${REAL_FREQ:-10000}
pgoctl=${REAL_PGOCTL:-$build/cli/pgoctl}
mkdir -p "$work/profiles" "$work/inputs"
log=$work/loop.log
: >"$log"

echo "== 1. fetch lz4 (Debian source package) and build pgoctl"
src=$(bash "$here/fetch.sh" lz4 "${REAL_SRC:-$work/src}")
[ -n "${REAL_PGOCTL:-}" ] || cmake --build "$build" --target pgoctl >>"$log" 2>&1
train=$work/inputs/train.tar
evalin=$work/inputs/eval.tar
tar -C "$src" -cf "$train" --sort=name --mtime=@0 --owner=0 --group=0 lib programs
tar -C "$src" -cf "$evalin" --sort=name --mtime=@0 --owner=0 --group=0 \
  --exclude=./lib --exclude=./programs --exclude=./.fetched .

lz4_build() {  # <dir> <cmake -D args...>
  local dir=$1
  shift
  cmake -S "$here/lz4" -B "$work/$dir" -G Ninja -DCMAKE_C_COMPILER=clang-22 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLZ4_SRC="$src" -DPGO_PGOCTL="$pgoctl" "$@" >"$work/$dir.configure.log" 2>&1 ||
    { cat "$work/$dir.configure.log"; exit 1; }
  sed -n '/pgo_target summary/,/^-- Configuring/p' "$work/$dir.configure.log" | grep -v Configuring | sed 's/^/   /'
  cmake --build "$work/$dir" >"$work/$dir.build.log" 2>&1 || { tail -40 "$work/$dir.build.log"; exit 1; }
}

echo "== 2. plain build (the one that gets recorded)"
lz4_build plain -DLZ4_SAMPLE_PROFILE= -DLZ4_INSTR_PROFILE=

builds=(plain)
for r in $(seq 1 "$recs"); do
  echo "== 3. record the plain lz4 compressing and decompressing the training input $runs times (recording $r)"
  perf record -q -N -e cpu-clock -F "$freq" -g -o "$work/rec$r.data" -- \
    bash "$here/lz4/train.sh" "$work/plain/lz4/lz4" "$train" "$work/train.tmp" "$runs" >>"$log" 2>&1 ||
    { echo "perf record failed (see $log; kernel.perf_event_paranoid <= 1, or root?)" >&2; exit 1; }
  echo "== 4. pgoctl import, convert, lock; SAMPLE build sample$r"
  "$pgoctl" import "$work/rec$r.data" -o "$work/rec$r.pgoprof" --binary "$work/plain/lz4/lz4" \
    --label project=lz4 --label "build=plain" 2>>"$log"
  "$pgoctl" convert "$work/rec$r.pgoprof" --binary "$work/plain/lz4/lz4" --to profdata \
    -o "$work/profiles/lz4-$r.profdata" 2>&1 | sed 's/^/   /'
  "$pgoctl" lock "$work/profiles/lz4-$r.profdata" --kind profdata --version "lz4-rec$r" \
    -o "$work/profiles/lz4-$r.pgolock" >>"$log" 2>&1
  lz4_build "sample$r" -DLZ4_SAMPLE_PROFILE="$work/profiles/lz4-$r.pgolock" -DLZ4_INSTR_PROFILE=
  builds+=("sample$r")
done

echo "== 5. instrumented PGO: lz4-train on the training input, merge, INSTRUMENTED build"
cmake --build "$work/plain" --target lz4-train >>"$log" 2>&1
rm -rf "$work/plain/pgo-training/lz4-train" "$work/plain/pgo-training/lz4_static-train"
mkdir -p "$work/plain/pgo-training/lz4-train" "$work/plain/pgo-training/lz4_static-train"
bash "$here/lz4/train.sh" "$work/plain/lz4-train" "$train" "$work/train.tmp" "$runs" >>"$log" 2>&1
cmake --build "$work/plain" --target lz4-train-profdata >>"$log" 2>&1
cp "$work/plain/pgo-training/lz4-train.profdata" "$work/profiles/lz4-instr.profdata"
lz4_build instr -DLZ4_SAMPLE_PROFILE= -DLZ4_INSTR_PROFILE="$work/profiles/lz4-instr.profdata"
builds+=(instr)

echo "== 6. callgrind on the evaluation input (disjoint from training)"
ir() {  # <callgrind out file>: total instructions (Ir)
  sed -n 's/^totals: \([0-9]*\).*/\1/p; s/^summary: \([0-9]*\).*/\1/p' "$1" | head -1
}
res=$work/results.txt
printf "%-10s %16s %16s\n" build "compress -1 Ir" "decompress Ir" >"$res"
for b in "${builds[@]}"; do
  # Without DWARF: Debian 12's valgrind cannot read clang 22's.
  bin=$work/lz4.$b.nodebug
  llvm-objcopy-22 --strip-debug "$work/$b/lz4/lz4" "$bin"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$b.c" "$bin" -1 -f -q "$evalin" "$work/eval.$b.lz4" \
    >>"$log" 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$b.d" "$bin" -d -f -q "$work/eval.plain.lz4" \
    "$work/eval.$b.out" >>"$log" 2>&1
  cmp "$work/eval.$b.lz4" "$work/eval.plain.lz4" || { echo "$b compresses differently from plain" >&2; exit 1; }
  cmp "$work/eval.$b.out" "$evalin" || { echo "$b decompresses wrong" >&2; exit 1; }
  printf "%-10s %16s %16s\n" "$b" "$(ir "$work/cg.$b.c")" "$(ir "$work/cg.$b.d")" >>"$res"
done
# Yield: the share of instrumented PGO's instruction gain sample PGO gets
# (0 when instrumented PGO gains nothing on that benchmark).
awk 'NR == 1 { next } { c[$1] = $2; d[$1] = $3; n[NR] = $1 }
  END {
    for (i = 2; i in n; i++) if (n[i] ~ /^sample/) {
      b = n[i]
      printf "%-10s compress %+.2f%% (yield %.0f%%), decompress %+.2f%% (yield %.0f%%)\n", b,
        100 * (c[b] - c["plain"]) / c["plain"],
        (c["plain"] > c["instr"]) ? 100 * (c["plain"] - c[b]) / (c["plain"] - c["instr"]) : 0,
        100 * (d[b] - d["plain"]) / d["plain"],
        (d["plain"] > d["instr"]) ? 100 * (d["plain"] - d[b]) / (d["plain"] - d["instr"]) : 0
    }
    printf "%-10s compress %+.2f%%, decompress %+.2f%%\n", "instr",
      100 * (c["instr"] - c["plain"]) / c["plain"], 100 * (d["instr"] - d["plain"]) / d["plain"]
  }' "$res" >>"$res"
sed 's/^/   /' "$res"
