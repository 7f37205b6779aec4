#!/usr/bin/env bash
# bench/refresh-bolt.sh: the yield of a stale BOLT profile (issue 21). Builds
# tests/lit/Inputs/bolt_stale.cpp twice (build A, and build B with a real
# source change: route() gains a branch, validate() moves), records both with
# the LBR emulator, writes BOLT YAML profiles with `pgoctl convert --to yaml`,
# and BOLTs B three ways: not at all, with B's own profile (same build), and
# with A's profile stale-matched (-infer-stale-profile). Each binary then runs
# the same requests under lbr-emu --exact, which counts every taken branch;
# taken jumps (jmp/jcc: what block layout removes; calls and returns are not
# counted) per request come from those counts and llvm-objdump's disassembly.
# Deterministic: same numbers on every run on any load.
#
#   bash bench/refresh-bolt.sh BUILD_DIR [REQUESTS]   (BUILD_DIR: pgoctl's build tree)
#
# Results: bench/refresh-bolt.md.
set -euo pipefail
build=$(realpath "${1:?usage: refresh-bolt.sh BUILD_DIR [REQUESTS]}")
n=${2:-20000}
here=$(cd "$(dirname "$0")/.." && pwd)
pgoctl="$build/cli/pgoctl"
[ -x "$pgoctl" ] || pgoctl="$build/pgoctl"
lbremu="$build/tests/tools/lbr-emu/lbr-emu"
llvm=/usr/lib/llvm-22/bin
# pgo_target's defaults (cmake-modules/ProfileGuided.cmake), plus what a YAML
# profile gets there.
flags=(-reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions -split-all-cold -split-eh
       -icf=safe -use-gnu-stack -update-debug-sections -dyno-stats -infer-stale-profile)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fixedenv=(env -i PATH=/usr/bin:/bin LC_ALL=C)

# Non-PIE, so lbr-emu's runtime addresses are the ELF's.
clang++-22 -O2 -g -fno-pie -no-pie -Wl,--emit-relocs "$here/tests/lit/Inputs/bolt_stale.cpp" -o A
clang++-22 -O2 -g -fno-pie -no-pie -Wl,--emit-relocs -DVERSION_B "$here/tests/lit/Inputs/bolt_stale.cpp" -o B
for v in A B; do
  "${fixedenv[@]}" "$lbremu" --no-aslr --period 997 -o "$v.data" -- "./$v" "$n" > /dev/null
  "$pgoctl" -q convert "$v.data" --binary "$v" --to yaml -o "$v.yaml"
done
"$llvm/llvm-bolt" B -data=B.yaml "${flags[@]}" -o B.same > same.log 2>&1
"$llvm/llvm-bolt" B -data=A.yaml "${flags[@]}" -o B.stale > stale.log 2>&1
grep -h "inferred profile\|exact match for" stale.log | sed 's/^/stale: /'

for v in B B.same B.stale; do
  out=$("${fixedenv[@]}" "$lbremu" --no-aslr --period 1000003 --exact --exact-out "$v.exact" -o "$v.run.data" -- "./$v" "$n")
  echo "$out" > "$v.out"
  "$llvm/llvm-objdump" -d --no-show-raw-insn "$v" > "$v.dis"
done
cmp -s B.out B.same.out && cmp -s B.out B.stale.out || { echo "outputs differ" >&2; exit 1; }

python3 - "$n" <<'PY'
import re, sys
n = int(sys.argv[1])
def count(v):
    kind = {}
    for line in open(v + ".dis"):
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)", line)
        if m:
            kind[int(m.group(1), 16)] = m.group(2)
    path = None
    jumps = taken = 0
    for line in open(v + ".exact"):
        f = line.split()
        if f[0] == "M" and f[-1].endswith("/" + v):
            path = f[-1]
        if f[0] != "B":
            continue
        frm, cnt = int(f[1], 16), int(f[3])
        if frm not in kind:
            continue  # not in the program (libc, ld.so)
        taken += cnt
        if kind[frm].startswith("j"):
            jumps += cnt
    return jumps, taken
base = count("B")
rows = [("no BOLT", "B"), ("BOLT, same-build profile (B.yaml)", "B.same"),
        ("BOLT, previous build's profile (A.yaml), stale-matched", "B.stale")]
res = {v: count(v) for _, v in rows}
same_red = base[0] - res["B.same"][0]
print("| binary | taken jumps / request | all taken branches / request | jump reduction | of the same-build reduction |")
print("|---|---|---|---|---|")
for label, v in rows:
    j, t = res[v]
    red = base[0] - j
    share = "%.1f%%" % (100.0 * red / same_red) if same_red and v != "B" else "-"
    print("| %s | %.3f | %.3f | %.1f%% | %s |" % (label, j / n, t / n, 100.0 * red / base[0], share))
PY
