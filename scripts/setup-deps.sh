#!/usr/bin/env bash
# Installs what pgoctl needs to build and test on Debian 12 (idempotent: only
# missing packages are installed; apt-get update runs only then). Works as root
# or through sudo.
set -euo pipefail

PKGS=(
  cmake ninja-build pkg-config python3 python3-yaml
  clang-22 llvm-22-dev llvm-22-tools lld-22 bolt-22 libclang-rt-22-dev
  clang-16 clang-19
  libpfm4-dev libprotobuf-dev protobuf-compiler libcli11-dev libspdlog-dev
  libzstd-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev
  linux-perf zstd binutils-aarch64-linux-gnu
  chromium
  libcurl4-openssl-dev libexpat1-dev awscli zlib1g-dev nodejs cmark-gfm
  debuginfod valgrind
)

# npm packages of the tests, pinned, in a prefix of their own (not npm's
# global folder; PGOCTL_NPM_PREFIX moves it, tests/lit/lit.cfg.py looks there):
#   s3rver: the S3-compatible server of the store tests (store-*.test);
#   pprof-format: the independent pprof writer of
#   tests/lit/Inputs/pprof_from_perf_script.cjs;
#   @parca/client and @protobuf-ts/grpcweb-transport: the independent Parca
#   client of tests/lit/Inputs/parca_query.mjs.
NPM_PREFIX="${PGOCTL_NPM_PREFIX:-$HOME/.cache/pgoctl-npm}"
NPM_PKGS=(s3rver@3.7.1 pprof-format@2.3.2 @parca/client@0.17.24 @protobuf-ts/grpcweb-transport@2.11.1)
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
# npm: Debian's nodejs has it in a package of its own, NodeSource's built in.
command -v npm >/dev/null 2>&1 || missing+=(npm)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
if [ ${#missing[@]} -ne 0 ]; then
  echo "setup-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
install_npm
