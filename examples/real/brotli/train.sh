#!/usr/bin/env bash
# train.sh BROTLI INPUT SMALL TMP RUNS: the training load of loop.sh brotli,
# the brotli program's own paths as users run it, RUNS times: compress INPUT
# at quality 1, SMALL (64 KiB) at quality 11, INPUT at quality 5 and
# decompress that again, checking the round trip.
set -euo pipefail
brotli=$1 input=$2 small=$3 tmp=$4 runs=$5
for _ in $(seq 1 "$runs"); do
  "$brotli" -q 1 -f "$input" -o "$tmp.q1.br"
  "$brotli" -q 11 -f "$small" -o "$tmp.q11.br"
  "$brotli" -q 5 -f "$input" -o "$tmp.q5.br"
  "$brotli" -d -f "$tmp.q5.br" -o "$tmp.out"
done
cmp "$input" "$tmp.out"
rm -f "$tmp.q1.br" "$tmp.q11.br" "$tmp.q5.br" "$tmp.out"
