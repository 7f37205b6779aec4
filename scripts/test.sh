#!/usr/bin/env bash
# Runs every test: gtest unit tests, lit + FileCheck CLI tests (which compare
# against perf script on real fixtures and on recordings made here), the LBR
# emulator's tests, and a bounded libFuzzer run. Installs and builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
rc=0
ctest --test-dir build --output-on-failure -j1 || rc=$?
if [ "$rc" != 0 ]; then
  # The failing tests by name, last, where a CI log's tail shows them: ctest's
  # list, and for the one ctest test "lit" the .test files lit failed.
  echo "== failing tests:"
  cat build/Testing/Temporary/LastTestsFailed.log 2>/dev/null || true
  grep -hE '^(FAIL|UNRESOLVED|XPASS): ' build/Testing/Temporary/LastTest.log 2>/dev/null |
    sort -u || true
  exit "$rc"
fi
