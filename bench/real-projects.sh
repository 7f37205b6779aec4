#!/usr/bin/env bash
# bench/real-projects.sh [PROJECT...]: sample PGO on real third-party projects
# from Debian's source packages (examples/real: lz4 and brotli by default),
# each benchmark measured apart. For each project, examples/real/loop.sh with
# REAL_RECORDINGS (default 5) independent recordings and SAMPLE builds,
# REAL_BOLT=1 (BOLT of the median sample build with a recording of that
# build), REAL_LBR=1 and REAL_INS=1 (the builds from emulated LBR and from
# emulated precise instruction samples, where a training pass under lbr-emu
# is affordable), REAL_CGINS (default 5: builds from instruction samples
# drawn from callgrind's counts of a training pass) and REAL_PAIRS (default
# 11) wall-time rounds; then the Markdown
# table (bench/real-projects.py) on stdout: callgrind Ir, taken jumps, I1
# misses, wall-time ratios to plain, sample PGO min/median/max, each sample
# build's share of instrumented PGO's Ir gain, flags on any sample build with
# more Ir than plain. Work folders: $PGOCTL_BUILD_DIR/real-PROJECT (see
# loop.sh for its other variables). CPU heavy: runs under nice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${PGOCTL_BUILD_DIR:-$root/build}
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(lz4 brotli)
export REAL_RECORDINGS=${REAL_RECORDINGS:-5} REAL_BOLT=1 REAL_PAIRS=${REAL_PAIRS:-11} REAL_LBR=${REAL_LBR:-1} REAL_INS=${REAL_INS:-1} REAL_CGINS=${REAL_CGINS:-5}
export REAL_SRC=${REAL_SRC:-$build/real-src}
works=()
for p in "${projects[@]}"; do
  echo "== $p" >&2
  REAL_WORK=$build/real-$p nice bash "$root/examples/real/loop.sh" "$p" >&2
  works+=("$build/real-$p")
done
python3 "$here/real-projects.py" "${works[@]}"
