#!/usr/bin/env bash
# Installs what pgoctl needs to build and test on Debian 12 (idempotent: only
# missing packages are installed; apt-get update runs only then). Works as root
# or through sudo.
set -euo pipefail

PKGS=(
  cmake ninja-build pkg-config python3
  clang-22 llvm-22-dev llvm-22-tools lld-22 bolt-22 libclang-rt-22-dev
  clang-16 clang-19
  libpfm4-dev libprotobuf-dev protobuf-compiler libcli11-dev libspdlog-dev
  libzstd-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev
  linux-perf zstd
  chromium
  cmark-gfm
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
