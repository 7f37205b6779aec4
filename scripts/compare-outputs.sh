#!/usr/bin/env bash
# Compares two pgoctl builds command by command: "behaviour unchanged".
#
#   scripts/compare-outputs.sh OLD NEW [DATA BINARY]...
#
# Runs every command (import, show and show --json, merge, debug profile,
# debug samples, convert to profdata (extbinary and text), fdata, fdata
# --infer-edges, preagg and unsymbolized, summary, verify --json) with the
# pgoctl OLD and the pgoctl NEW on the same inputs, in the same folder, and
# prints one line per output: `same` or `DIFFERS` with what differs (exit
# code, stdout, stderr, the file written). Inputs: the recordings of
# tests/lit/Inputs/hermetic with their binaries (and the perf script text the
# IP tests generate), the real perf.data fixtures of ../shared/fixtures/perf
# (or $PGOCTL_FIXTURES_DIR; no binaries, so the decoder and the commands'
# errors), and each DATA BINARY pair given (e.g. an IP recording of
# examples/kvsvc). Downstream commands read OLD's import output, so each line
# compares one command. Exits 1 when anything differs.
set -euo pipefail
[ $# -ge 2 ] && [ $(($# % 2)) = 0 ] || {
  echo "usage: scripts/compare-outputs.sh OLD NEW [DATA BINARY]..." >&2
  exit 2
}
old=$(realpath "$1")
new=$(realpath "$2")
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
hermetic=$root/tests/lit/Inputs/hermetic
fixtures=${PGOCTL_FIXTURES_DIR:-$root/../shared/fixtures/perf}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/run" "$work/old" "$work/new"
ndiff=0
nsame=0

# run NAME ARGS...: runs `pgoctl ARGS` with both builds in $work/run (ARGS
# write their output files there, as out.*), and compares exit code, stdout,
# stderr and every file written.
run() {
  local name=$1 side bin what
  shift
  for side in old new; do
    bin=$old
    [ "$side" = new ] && bin=$new
    rm -rf "$work/run" "$work/$side/$name"
    mkdir -p "$work/run" "$work/$side/$name"
    (cd "$work/run" && "$bin" "$@" >"$work/$side/$name/.stdout" 2>"$work/$side/$name/.stderr"
      echo $? >"$work/$side/$name/.rc") || true
    if [ -n "$(ls -A "$work/run")" ]; then cp -r "$work/run/." "$work/$side/$name/"; fi
  done
  what=$(diff -rq "$work/old/$name" "$work/new/$name" 2>&1 |
    sed -E 's|^Files .*/old/[^/]+/([^ ]+) and .*|\1|; s|^Only in .*/(old\|new)/[^:]*: (.*)|\2 only in \1|' |
    sed 's/^\.//' | tr '\n' ' ' || true)
  if [ -z "$what" ]; then
    printf 'same     %s\n' "$name"
    nsame=$((nsame + 1))
  else
    printf 'DIFFERS  %s (%s)\n' "$name" "${what% }"
    ndiff=$((ndiff + 1))
  fi
}

# profile NAME DATA [BINARY...]: every command on one recording.
profile() {
  local name=$1 data=$2 b bins=() cbins=() vb=() prof
  shift 2
  for b in "$@"; do
    bins+=(--binary "$b")
    vb+=(--binary-before "$b" --binary-after "$b")
  done
  case "$data" in *.txt) ;; *) run "$name/debug-samples" debug samples "$data" ;; esac
  run "$name/import" import "$data" "${bins[@]}" -o out.pgoprof
  prof=$work/in/$name.pgoprof
  mkdir -p "$(dirname "$prof")"
  if ! cp "$work/old/$name/import/out.pgoprof" "$prof" 2>/dev/null; then
    return 0 # OLD could not import it: the import line compared the error
  fi
  run "$name/show" show "$prof" "${bins[@]}"
  run "$name/show-json" show --json --top 50 "$prof" "${bins[@]}"
  run "$name/debug-profile" debug profile "$prof"
  run "$name/merge" merge -w "2,$prof" "$prof" -o out.pgoprof
  run "$name/verify-json" verify --json --before "$prof" --after "$prof" "${vb[@]}"
  [ $# -gt 0 ] || {
    run "$name/convert-profdata" convert "$prof" --to profdata -o out.profdata
    return 0
  }
  run "$name/convert-profdata" convert "$prof" "${bins[@]}" --to profdata -o out.profdata
  run "$name/convert-profdata-data" convert "$data" "${bins[@]}" --to profdata -o out.profdata
  run "$name/convert-profdata-text" convert "$prof" "${bins[@]}" --to profdata --format text \
    -o out.txt
  run "$name/convert-fdata" convert "$prof" "${bins[@]}" --to fdata -o out.fdata
  run "$name/convert-fdata-infer" convert "$prof" "${bins[@]}" --to fdata --infer-edges \
    -o out.fdata
  run "$name/convert-fdata-nolbr" convert "$prof" "${bins[@]}" --to fdata --no-lbr -o out.fdata
  run "$name/convert-preagg" convert "$prof" "${bins[@]}" --to preagg -o out.preagg
  run "$name/convert-unsymbolized" convert "$prof" "${bins[@]}" --to unsymbolized -o out.txt
  if [ -f "$work/old/$name/convert-profdata/out.profdata" ]; then
    cp "$work/old/$name/convert-profdata/out.profdata" "$work/in/$name.profdata"
    run "$name/summary" summary "$work/in/$name.profdata"
    run "$name/summary-json" summary --json --cutoff 50 --cutoff 99.7 "$work/in/$name.profdata"
  fi
}

# The hermetic recordings and their binaries.
for z in "$hermetic"/*.data.zst "$hermetic"/*.txt.zst; do
  f=$(basename "$z" .zst)
  zstd -q -d -f "$z" -o "$work/in/$f"
  case "$f" in
    verify_work.*) profile "$f" "$work/in/$f" "$hermetic/verify_work.base" ;;
    *.perf-script.txt) profile "$f" "$work/in/$f" "$hermetic/${f%.perf-script.txt}" ;;
    *) profile "$f" "$work/in/$f" "$hermetic/${f%.*.data}" ;;
  esac
done
# The IP tests' generated perf script text (tests/lit/convert-*-ip-*.test).
python3 "$root/tests/lit/Inputs/ip_entry_samples.py" "$hermetic/ip_entry.nopie" \
  "$hermetic/ip_entry.nopie.mmaps.txt" >"$work/in/ip_entry.samples.txt"
profile ip_entry.samples.txt "$work/in/ip_entry.samples.txt" "$hermetic/ip_entry.nopie"
python3 "$root/tests/lit/Inputs/ip_prior.py" samples "$hermetic/ip_prior.nopie" 2>/dev/null \
  "$hermetic/ip_prior.nopie.mmaps.txt" >"$work/in/ip_prior.samples.txt"
profile ip_prior.samples.txt "$work/in/ip_prior.samples.txt" "$hermetic/ip_prior.nopie"
# A merge of two profiles, and verify between two different ones.
if [ -f "$work/in/verify_work.load-two-a.data.pgoprof" ]; then
  run verify_work/merge-two merge "$work/in/verify_work.load-two-a.data.pgoprof" \
    "$work/in/verify_work.load-two-b.data.pgoprof" -o out.pgoprof
  run verify_work/verify-json verify --json --before "$work/in/verify_work.load-one.data.pgoprof" \
    --after "$work/in/verify_work.load-two-a.data.pgoprof" \
    --binary-before "$hermetic/verify_work.base" --binary-after "$hermetic/verify_work.fast" \
    --no-require-cheaper
fi
# The real fixtures (no binaries).
if [ -d "$fixtures" ]; then
  for f in "$fixtures"/*; do
    case "$f" in *.md) continue ;; esac
    profile "fixture.$(basename "$f")" "$f"
  done
else
  echo "note: no fixtures at $fixtures" >&2
fi
# Recordings given on the command line.
while [ $# -gt 0 ]; do
  profile "arg.$(basename "$1")" "$(realpath "$1")" "$(realpath "$2")"
  shift 2
done
echo "== $nsame same, $ndiff differ"
[ "$ndiff" = 0 ]
