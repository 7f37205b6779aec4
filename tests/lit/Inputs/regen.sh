#!/usr/bin/env bash
# Regenerates the hermetic lit inputs in tests/lit/Inputs/hermetic/: small
# binaries built here from the C sources beside this script, their recordings
# (emulated LBR by lbr-emu, IP samples by perf record) and the oracles' outputs
# on them (perf2bolt's .fdata, llvm-profgen-22's text .profdata and
# unsymbolized profile, perf script's and perf report's text). The *.golden.test
# files compare pgoctl's output with these, so they run without recording,
# the same on every machine and checkout.
#
#   bash tests/lit/Inputs/regen.sh LBR_EMU   (LBR_EMU: build/tests/tools/lbr-emu/lbr-emu)
#
# Run it only when a source here or an oracle's version changes, then check
# that the golden tests still pass and commit the new files together.
# Recordings are made in a scratch folder with a fixed environment (env -i),
# argv[0] and cwd, and lbr-emu runs the program without ASLR, so they do not
# depend on this checkout's path; perf record's are real and differ per run.
# Binaries are kept with their symbols and DWARF (the tests need both); no
# path is in them (-ffile-prefix-map, -fdebug-compilation-dir), so the same
# clang-22 rebuilds them byte for byte (same build-id). Perf data is stored
# zstd-compressed (LBR stacks compress ~60x) and unpacked by the tests.
set -euo pipefail
lbremu=$(realpath "${1:?usage: regen.sh PATH/TO/lbr-emu}")
here=$(cd "$(dirname "$0")" && pwd)
out="$here/hermetic"
llvm=/usr/lib/llvm-22/bin
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
fixedenv=(env -i PATH=/usr/bin:/bin LC_ALL=C)

# build NAME FLAGS... SOURCES...: the binary NAME in $out, sources relative to $here.
build() {
  local name=$1; shift
  local args=() a
  for a in "$@"; do
    case "$a" in *.c) args+=("$here/$a") ;; *) args+=("$a") ;; esac
  done
  clang-22 -ffile-prefix-map="$here"=. -fdebug-compilation-dir=. -Wl,--build-id=sha1 "${args[@]}" -o "$out/$name"
}

# lbr NAME PERIOD ARGS...: emulated LBR recording of $out/NAME, as NAME.lbr.data.zst.
lbr() {
  local name=$1 period=$2; shift 2
  cp "$out/$name" "./$name"
  "${fixedenv[@]}" "$lbremu" --no-aslr --period "$period" -o "$name.lbr.data" -- "./$name" "$@" > /dev/null
  zstd -q -19 -f "$name.lbr.data" -o "$out/$name.lbr.data.zst"
}

# ip NAME PERF_ARGS... -- ARGS...: perf record (IP samples) of $out/NAME, as NAME.ip.data.zst.
ip() {
  local name=$1; shift
  local perfargs=()
  while [ "$1" != "--" ]; do perfargs+=("$1"); shift; done
  shift
  cp "$out/$name" "./$name"
  "${fixedenv[@]}" perf record -q "${perfargs[@]}" -o "$name.ip.data" -- "./$name" "$@" > /dev/null
  zstd -q -19 -f "$name.ip.data" -o "$out/$name.ip.data.zst"
}

# perf2bolt's .fdata (line order as written; the tests sort).
p2b() { "$llvm/perf2bolt" "$@" > /dev/null 2>&1; }

# .fdata tests (convert-fdata-lbr-{pie,nopie,calls}, convert-fdata-bolt):
# --emit-relocs so that perf2bolt and llvm-bolt see the CFG.
fdata_flags=(-O2 -g -fdebug-info-for-profiling -Wl,--emit-relocs)
build fdata_branchy.pie "${fdata_flags[@]}" -funique-internal-linkage-names -fPIE -pie fdata_branchy.c
build fdata_branchy.nopie "${fdata_flags[@]}" -funique-internal-linkage-names -fno-pie -no-pie fdata_branchy.c
build fdata_calls.pie "${fdata_flags[@]}" -fPIE -pie fdata_calls.c fdata_calls_other.c
for n in fdata_branchy.pie fdata_branchy.nopie fdata_calls.pie; do
  lbr $n 1009 300
  p2b -p "$n.lbr.data" -o "$out/$n.p2b.fdata" "$out/$n"
done
# fdata_calls.pie.v1.pgoprof (convert-fdata-lbr-calls-golden) is not made
# here: it is `pgoctl import` of fdata_calls.pie.lbr.data by a pgoctl from
# before .pgoprof version 2 (ranges without traces), kept to test reading
# old files; it stays valid while fdata_calls.pie rebuilds byte for byte.
# IP samples without LBR (convert-fdata-nolbr): perf2bolt -nl.
ip fdata_calls.pie -e cpu-clock -c 100000 -- 200000
p2b -nl -p fdata_calls.pie.ip.data -o "$out/fdata_calls.pie.p2b-nl.fdata" "$out/fdata_calls.pie"

# --infer-edges (convert-fdata-ip-edges): IP samples with frame-pointer call
# chains, and perf2bolt's .fdata of an emulated LBR recording of the same
# binary as the oracle for the inferred edges.
for k in pie nopie; do
  pieflags=(-fPIE -pie)
  [ $k = nopie ] && pieflags=(-fno-pie -no-pie)
  n=fdata_branchy.fp.$k
  build $n "${fdata_flags[@]}" -funique-internal-linkage-names -fno-omit-frame-pointer "${pieflags[@]}" fdata_branchy.c
  ip $n -e cpu-clock -F 20000 -g -- 200000
  lbr $n 1009 300
  p2b -p "$n.lbr.data" -o "$out/$n.p2b.fdata" "$out/$n"
done

# .profdata tests (convert-profdata-lbr-{pie,nopie}, convert-unsymbolized-lbr,
# convert-profdata-debuginfo): llvm-profgen-22's text profile and its
# unsymbolized profile of the same recording.
profdata_flags=(-O2 -g -fdebug-info-for-profiling -funique-internal-linkage-names)
build branchy.pie "${profdata_flags[@]}" -fPIE -pie branchy.c
build branchy.nopie "${profdata_flags[@]}" -fno-pie -no-pie branchy.c
for n in branchy.pie branchy.nopie; do
  lbr $n 53 60
  "$llvm/llvm-profgen" --perfdata "$n.lbr.data" --binary "$out/$n" --format=text \
    --output "$out/$n.profgen.txt"
done
"$llvm/llvm-profgen" --perfdata branchy.pie.lbr.data --binary "$out/branchy.pie" \
  --skip-symbolization --output "$out/branchy.pie.unsym"
# DWARF 4, 3 and 2 (convert-profdata-dwarf-versions).
for v in 4 3 2; do
  build branchy.dwarf$v -O2 -gdwarf-$v -fdebug-info-for-profiling -funique-internal-linkage-names branchy.c
  lbr branchy.dwarf$v 53 30
  "$llvm/llvm-profgen" --perfdata branchy.dwarf$v.lbr.data --binary "$out/branchy.dwarf$v" \
    --format=text --output "$out/branchy.dwarf$v.profgen.txt"
done
# IP samples with frame-pointer call chains (convert-profdata-ip): perf
# report's hottest symbol is the oracle for the profile's hottest function.
build branchy.fp "${profdata_flags[@]}" -fno-omit-frame-pointer branchy.c
ip branchy.fp -e cpu-clock -F 10000 -g -- 20000
perf report -i branchy.fp.ip.data --stdio --no-children --sort sym -q 2>/dev/null |
  head -n 1 > "$out/branchy.fp.perf-report.txt"

# The decoder on emulated LBR data (import-lbr-emulated): perf script's text.
build hot.pie -O1 -g -fPIE -pie hot.c
lbr hot.pie 1009 1 20000
perf script -F ip,brstack -i hot.pie.lbr.data 2>/dev/null | zstd -q -19 > "$out/hot.pie.perf-script.txt.zst"

# Synthetic IP samples (convert-fdata-ip-prior, convert-profdata-ip-entry):
# only the mmap events of a real run are recorded; the scratch folder's path
# in them is replaced by /hermetic/ (the tests find the binary by file name).
build ip_prior.nopie -O2 -g -fno-omit-frame-pointer -no-pie -fno-pie ip_prior.c
build ip_entry.nopie -O2 -g -fno-omit-frame-pointer -fdebug-info-for-profiling \
  -funique-internal-linkage-names -no-pie -fno-pie ip_entry.c
for n in ip_prior.nopie ip_entry.nopie; do
  cp "$out/$n" .
  "${fixedenv[@]}" perf record -q -e cpu-clock -o "$n.mmap.data" -- "./$n" > /dev/null
  perf script -F ip --show-mmap-events -i "$n.mmap.data" 2>/dev/null | grep PERF_RECORD |
    sed "s|$scratch/|/hermetic/|" > "$out/$n.mmaps.txt"
done

# verify on recordings (verify-{planted,same-binary,paired,load,flamegraph}-golden):
# verify_work.c as the base, with a planted 3x slowdown of parse_request and
# with hash_block doing half its work. Each comparison's recordings are taken
# concurrently (verify_record.py says why); a noisy draw shows as a failing
# golden test: record again.
for v in base slow fast; do
  defs=()
  [ $v = slow ] && defs=(-DSLOW_PARSE)
  [ $v = fast ] && defs=(-DFAST_HASH)
  build verify_work.$v -O2 -g -fno-omit-frame-pointer "${defs[@]}" verify_work.c
  cp "$out/verify_work.$v" .
done
rec() { "${fixedenv[@]}" python3 "$here/verify_record.py" "$@"; }
rec planted-base.data "./verify_work.base 4000" planted-slow.data "./verify_work.slow 4000"
rec planted-base2.data "./verify_work.base 4000" planted-fast.data "./verify_work.fast 4000"
rec same-1.data "./verify_work.base 4000" same-2.data "./verify_work.base 4000" \
  same-3.data "./verify_work.base 4000" same-4.data "./verify_work.base 4000" \
  same-5.data "./verify_work.base 4000" same-6.data "./verify_work.base 4000"
for i in 1 2 3; do
  rec paired-b$i.data "./verify_work.base 1500" paired-a$i.data "./verify_work.fast 1500"
done
rec load-one.data "./verify_work.base 3000" load-two-a.data "./verify_work.base 3000" \
  load-two-b.data "./verify_work.base 3000"
for d in planted-*.data same-*.data paired-*.data load-*.data; do
  zstd -q -19 -f "$d" -o "$out/verify_work.$d.zst"
done

ls -l "$out"
