#!/usr/bin/env bash
# fetch.sh NAME DEST: the Debian source package NAME (lz4, zstd, ...) unpacked
# into DEST/NAME (a folder of the build tree; never committed). Enables
# deb-src in apt's sources when missing (`Types: deb` -> `Types: deb deb-src`
# in /etc/apt/sources.list.d/debian.sources), runs apt-get update, then
# `apt-get source` (falling back to the release's version, NAME/<codename>,
# when the newest one cannot be fetched). Idempotent: an unpacked DEST/NAME is kept. Prints the
# source folder.
set -euo pipefail
name=${1:?usage: fetch.sh NAME DEST}
dest=${2:?usage: fetch.sh NAME DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if [ -f "$dest/$name/.fetched" ]; then
  echo "$dest/$name"
  exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
sources=/etc/apt/sources.list.d/debian.sources
if ! apt-get source --print-uris "$name" >/dev/null 2>&1; then
  if [ -f "$sources" ] && grep -q '^Types: deb$' "$sources"; then
    echo "fetch.sh: enabling deb-src in $sources" >&2
    $sudo sed -i 's/^Types: deb$/Types: deb deb-src/' "$sources"
  fi
  $sudo apt-get update -qq >&2
fi
command -v dpkg-source >/dev/null || $sudo apt-get install -y -qq dpkg-dev >&2
work=$dest/.apt-source-$name
rm -rf "$work"
mkdir -p "$work"
# A mirror without the security archive (404 on debian-security) still has
# the release's own version: then take NAME/<codename>.
if ! (cd "$work" && apt-get source -qq "$name" >&2); then
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || { echo "fetch.sh: apt-get source $name failed" >&2; exit 1; }
  echo "fetch.sh: apt-get source $name failed; trying $name/$codename" >&2
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && apt-get source -qq "$name/$codename" >&2)
fi
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$src" ] || { echo "fetch.sh: apt-get source $name unpacked nothing in $work" >&2; exit 1; }
rm -rf "${dest:?}/$name"
mv "$src" "$dest/$name"
basename "$src" >"$dest/$name/.fetched"
rm -rf "$work"
echo "$dest/$name"
