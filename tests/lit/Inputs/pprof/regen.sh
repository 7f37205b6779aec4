#!/usr/bin/env bash
# Regenerates the hermetic pprof fixtures in tests/lit/Inputs/hermetic/pprof/
# from small.script.txt (hand-written `perf script` text: two DSOs, a kernel
# frame, an unknown frame) with the independent writer (npm pprof-format,
# ../pprof_from_perf_script.cjs): one profile per address convention, a
# names-only one, and damaged ones (out-of-range ids and string index).
# import-pprof.test checks pgoctl against values worked out by hand there.
#
#   bash tests/lit/Inputs/pprof/regen.sh [NPM_PREFIX]   (default ~/.cache/pgoctl-npm)
set -euo pipefail
prefix=${1:-${PGOCTL_NPM_PREFIX:-$HOME/.cache/pgoctl-npm}}
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../hermetic/pprof"
mkdir -p "$out"
gen() { node "$here/../pprof_from_perf_script.cjs" --npm-prefix "$prefix" \
          --buildids "$here/small.buildids" \
          --segments /srv/app=0:0:0x760,0x760:0x1760:0x400 \
          --segments /lib/libx.so=0x1000:0x2000:0x3000 --period-ns 250000 "$@" \
          < "$here/small.script.txt"; }
gen --mode runtime --gzip -o "$out/small.runtime.pb.gz"
gen --mode vaddr -o "$out/small.vaddr.pb"
gen --mode names --gzip -o "$out/small.names.pb.gz"
for b in sample-location mapping-id function-id string-index; do
  gen --mode runtime --gzip --break "$b" -o "$out/bad-$b.pb.gz"
done
# One binary mapped twice (two PT_LOADs): one binary of the profile.
node "$here/../pprof_from_perf_script.cjs" --npm-prefix "$prefix" --buildids "$here/small.buildids" \
  --mode runtime -o "$out/two-mappings.runtime.pb" < "$here/two-mappings.script.txt"
