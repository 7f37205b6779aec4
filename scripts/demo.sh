#!/usr/bin/env bash
# The main job end to end on a bundled workload: build pgoctl, record a small
# program with `perf record -e cpu-clock -g` (software events work on any
# machine), import it into a .pgoprof and print the summary with the hottest
# functions. (Once examples/ has its service, this runs the whole loop on it.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
work=$(mktemp -d /tmp/pgoctl-demo.XXXXXX)
clang-22 -O2 -g -fno-omit-frame-pointer tests/lit/Inputs/hot.c -o "$work/hot"
echo "== recording $work/hot for 1 s (perf record -e cpu-clock -g)"
perf record -q -e cpu-clock -g -o "$work/perf.data" -- "$work/hot" 1000
echo "== pgoctl import"
./build/cli/pgoctl --stats import "$work/perf.data" -o "$work/hot.pgoprof" --label service=hot-demo
echo "== pgoctl show"
./build/cli/pgoctl show "$work/hot.pgoprof" --top 10
echo "== files in $work"
