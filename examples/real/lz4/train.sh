#!/usr/bin/env bash
# train.sh LZ4 INPUT TMP RUNS: the training load of loop.sh, the lz4
# program's own paths (the frame API, as users run it): compress INPUT at
# level 1 and decompress it again, RUNS times, checking the round trip.
set -euo pipefail
lz4=$1 input=$2 tmp=$3 runs=$4
for _ in $(seq 1 "$runs"); do
  "$lz4" -1 -f -q "$input" "$tmp.lz4"
  "$lz4" -d -f -q "$tmp.lz4" "$tmp.out"
done
cmp "$input" "$tmp.out"
rm -f "$tmp.lz4" "$tmp.out"
