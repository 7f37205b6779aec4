#!/usr/bin/env bash
# Speed of lbr-emu on this machine: instructions traced per second in block
# mode (default) and in single-step reference mode, on tests/lbr-emu's
# hot.c (a few million instructions).
# Usage: bench/lbr-emu-speed.sh [path/to/lbr-emu]   (default: build/...)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
emu=${1:-}
if [[ -z "$emu" ]]; then
  for c in "$here/build/tests/tools/lbr-emu/lbr-emu" /tmp/lbremu-dev/build/tools-lbr-emu/lbr-emu; do
    [[ -x "$c" ]] && { emu=$c; break; }
  done
fi
[[ -x "${emu:-}" ]] || { echo "lbr-emu binary not found; pass its path" >&2; exit 2; }
cc=${CC:-clang-22}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cc" -O1 -g -o "$work/hot" "$here/tests/lbr-emu/programs/hot.c"
echo "== block mode, hot 400000 iterations (~3.7M instructions)"
"$emu" --stats -o "$work/b.data" -- "$work/hot" 400000 >/dev/null
echo "== block mode, pinned off (--cpu none)"
"$emu" --stats --cpu none -o "$work/n.data" -- "$work/hot" 400000 >/dev/null
echo "== single-step mode, hot 10000 iterations"
"$emu" --stats --mode singlestep -o "$work/s.data" -- "$work/hot" 10000 >/dev/null
