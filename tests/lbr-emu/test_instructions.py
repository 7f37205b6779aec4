"""--event instructions samples every PERIOD-th retired instruction (what a
PMU's precise instructions event takes). At period 1 every instruction the
program runs is a sample, so the samples per address in the program must be
the ground truth's counts: each fall-through range of the --exact file
(written from the branch trace, not from the sampler) run `count` times,
expanded into its instructions by llvm-objdump. perf script decodes the
samples, so the file is checked as perf reads it. At period 997, the
samples are every 997th of the instructions the tool counted. With -g,
each sample carries its frame-pointer call chain, as perf record -g takes
it: every sample in hot.c's hot_loop has main as its caller (perf script's
symbols)."""
import collections
import os
import re

import lbremu_testlib as t

a = t.parse_args(__doc__)
perf = t.need("perf")
objdump = t.need(os.path.join(a.llvm_bin, "llvm-objdump"))
mixed = t.compile_c(a, "mixed.c", "mixed")

data = t.lbr_emu(a, "ins1.data", [mixed, "200"], "--no-aslr", "--exact",
                 "--event", "instructions", "--period", "1")
gt = t.read_exact(data + ".exact")
r = t.check_run([perf, "script", "-F", "event,ip", "-i", data])
got = collections.Counter()
events = set()
for line in r.stdout.splitlines():
    tok = line.split()
    if tok:
        events.add(tok[0])
        got[int(tok[-1], 16)] += 1
if events != {"instructions:upp:"}:
    t.fail("perf script shows the events %s, not instructions:upp" % sorted(events))

# The program's executable mapping: runtime = ELF address - pgoff + start
# (clang's text segment has p_vaddr == p_offset).
maps = [m for m in gt["M"] if os.path.realpath(m[-1]) == os.path.realpath(mixed)]
if not maps:
    t.fail("no mapping of %s in the ground truth" % mixed)
start, end, pgoff = (int(x, 16) for x in maps[0][:3])
dis = t.check_run([objdump, "-d", "--no-show-raw-insn", mixed]).stdout
insns = sorted(int(m.group(1), 16) - pgoff + start
               for m in re.finditer(r"^\s+([0-9a-f]+):\s", dis, re.M))
want = collections.Counter()
for (b, e), c in gt["R"].items():
    if not start <= b < end:
        continue
    i = next((k for k, x in enumerate(insns) if x >= b), len(insns))
    while i < len(insns) and insns[i] <= e:
        want[insns[i]] += c
        i += 1
mine = collections.Counter({ip: n for ip, n in got.items() if start <= ip < end})
if not want:
    t.fail("the ground truth has no range in the program")
if mine != want:
    diff = sorted(set(mine.items()) ^ set(want.items()))[:6]
    t.fail("samples per instruction differ from the ground truth: %s" % diff)

data = t.lbr_emu(a, "ins997.data", [mixed, "200"], "--no-aslr", "--exact",
                 "--event", "instructions", "--period", "997")
tot = t.read_exact(data + ".exact")["T"]
r = t.check_run([perf, "script", "-F", "ip", "-i", data])
n = len([l for l in r.stdout.splitlines() if l.strip()])
if n != tot[1] // 997:
    t.fail("%d samples at period 997 for %d instructions" % (n, tot[1]))
hot = t.compile_c(a, "hot.c", "hot")
data = t.lbr_emu(a, "insg.data", [hot, "300000"], "--event", "instructions", "-g",
                 "--period", "1009")
r = t.check_run([perf, "script", "-F", "ip,sym", "-i", data])
in_hot = callers = 0
for block in r.stdout.split("\n\n"):
    frames = [l.split()[-1] for l in block.strip().splitlines() if l.strip()]
    if frames and frames[0] == "hot_loop":
        in_hot += 1
        callers += len(frames) > 1 and frames[1] == "main"
if in_hot < 100 or callers != in_hot:
    t.fail("-g: %d samples in hot_loop, %d with main as the caller" % (in_hot, callers))
print("%d instructions in %d addresses of the program match the ground truth; "
      "%d samples at period 997; -g: %d samples in hot_loop, each called from main" % (
          sum(want.values()), len(want), n, in_hot))
print("PASS")
