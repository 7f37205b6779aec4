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
  libcurl4-openssl-dev libexpat1-dev awscli nodejs
)

# npm packages of the tests, pinned, in a prefix of their own (not global):
# s3rver, the S3-compatible server of the store tests (tests/lit/store-*.test
# find it there; PGOCTL_NPM_PREFIX moves it).
NPM_PREFIX="${PGOCTL_NPM_PREFIX:-$HOME/.cache/pgoctl-npm}"
NPM_PKGS=(s3rver@3.7.1)
install_npm() {
  local p name ver have
  for p in "${NPM_PKGS[@]}"; do
    name="${p%@*}"
    ver="${p##*@}"
    have=$(node -p "require('$NPM_PREFIX/node_modules/$name/package.json').version" 2>/dev/null || true)
    if [ "$have" != "$ver" ]; then
      echo "setup-deps: npm install $p into $NPM_PREFIX" >&2
      mkdir -p "$NPM_PREFIX"
      npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --silent "$p" >/dev/null
    fi
  done
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  install_npm
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
install_npm
