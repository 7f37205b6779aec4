#!/usr/bin/env bash
# Runs every test: gtest unit tests, lit + FileCheck CLI tests (which compare
# against perf script on real fixtures and on recordings made here), the LBR
# emulator's tests, and a bounded libFuzzer run. Installs and builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j1
