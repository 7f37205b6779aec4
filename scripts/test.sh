#!/usr/bin/env bash
# Runs the tests by tier (ctest labels, see tests/CMakeLists.txt), after
# installing and building:
#   scripts/test.sh           every tier: unit, lit (hermetic), fuzz, live
#                             (perf record, lbr-emu), cmake-module. The README's
#                             test command and CI's (.ci/run).
#   scripts/test.sh --quick   unit + hermetic lit: no recording, no timing.
# Prints each tier's wall time, and at the end the failing tests by name.
set -euo pipefail
cd "$(dirname "$0")/.."
tiers=(unit lit fuzz live cmake-module)
case "${1:-}" in
  --quick) tiers=(unit lit) ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
bash scripts/build.sh

# Tests without a tier label would run in no tier: refuse them.
unlabelled=$(ctest --test-dir build -N -LE '^(unit|lit|fuzz|live|cmake-module)$' |
  sed -n 's/^ *Test *#[0-9]*: //p')
if [ -n "$unlabelled" ]; then
  echo "== tests without a tier label (tests/CMakeLists.txt lists the tiers):" >&2
  echo "$unlabelled" >&2
  exit 1
fi
fixtures=$(sed -n 's/^PGOCTL_FIXTURES_DIR:PATH=//p' build/CMakeCache.txt)
if [ ! -d "$fixtures" ]; then
  echo "note: no perf.data fixtures at '$fixtures' (-DPGOCTL_FIXTURES_DIR=...):" \
    "the lit tests that need them are unsupported" >&2
fi

rc=0
failed=()
summary=()
for tier in "${tiers[@]}"; do
  # The hermetic tiers run in parallel; live tests one at a time (they
  # record, and verify's tests compare CPU cost).
  jobs=1
  case "$tier" in unit | lit) jobs=$(nproc) ;; esac
  echo "== tier $tier"
  start=$(date +%s%N)
  trc=0
  ctest --test-dir build --output-on-failure -j"$jobs" -L "^${tier}\$" || trc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  summary+=("$(printf '%-13s %4d.%01d s  %s' "$tier" $((ms / 1000)) $((ms % 1000 / 100)) \
    "$([ "$trc" = 0 ] && echo ok || echo FAILED)")")
  if [ "$trc" != 0 ]; then
    rc=$trc
    # ctest's list, and for the lit tests the .test files lit failed.
    failed+=("$(cat build/Testing/Temporary/LastTestsFailed.log 2>/dev/null || true)")
    failed+=("$(grep -hE '^(FAIL|UNRESOLVED|XPASS|TIMEOUT): ' build/Testing/Temporary/LastTest.log \
      2>/dev/null | sort -u || true)")
  fi
done
echo "== tier times (wall, $(nproc) cores)"
printf '%s\n' "${summary[@]}"
if [ "$rc" != 0 ]; then
  # The failing tests by name, last, where a CI log's tail shows them.
  echo "== failing tests:"
  printf '%s\n' "${failed[@]}" | sed '/^$/d'
  exit "$rc"
fi
