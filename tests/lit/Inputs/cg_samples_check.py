"""cg_samples_check.py PERF_SCRIPT CALLGRIND_ANNOTATE OBJECT: the samples per
function perf script decoded (`perf script -F ip,sym`: ip and symbol per
line) against the self instruction counts callgrind_annotate prints for
OBJECT's functions (`Ir  file:function [object]` lines), both oracles of
cg-samples --period 1 --expected. Functions callgrind names by address only
or as "(below main)" (start-up code) count in the totals only. Prints each
named function's two counts; exits 1 on any difference, a different total,
or fewer than 3 named functions."""
import collections
import re
import sys

perf = collections.Counter(line.split()[1] for line in open(sys.argv[1]) if len(line.split()) >= 2)
cg = {}
for line in open(sys.argv[2]):
    m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?[^\s:]*:(.+) \[(.*)\]\s*$", line)
    if m and m.group(3) == sys.argv[3]:
        cg[m.group(2)] = cg.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
named = sorted(fn for fn in cg if not fn.startswith(("0x", "(")))
bad = 0
for fn in named:
    print("%s callgrind %d perf %d" % (fn, cg[fn], perf.get(fn, 0)))
    bad += cg[fn] != perf.get(fn, 0)
total_cg, total_perf = sum(cg.values()), sum(perf.values())
print("total callgrind %d perf %d" % (total_cg, total_perf))
if bad or total_cg != total_perf or len(named) < 3:
    sys.exit(1)
print("agree on %d functions" % len(named))
