"""Runs `pgoctl verify --json` on pairs of profiles and counts false alarms.

Usage: verify_pairs.py PGOCTL BINARY OUT_TXT PROFILE... [-- EXTRA VERIFY ARGS]
Every pair (i < j) of the given profiles of one unchanged binary is compared.
Prints one line per pair (verdict, flagged functions, hot-set change) and a
summary line: `pairs N flagged-pairs K flagged-functions F tested-functions T`.
A flagged function is one verify calls regressed or improved: with nothing
changed, each comparison flags anything with probability at most alpha.
"""
import itertools
import json
import subprocess
import sys

args = sys.argv[1:]
extra = []
if "--" in args:
    k = args.index("--")
    args, extra = args[:k], args[k + 1:]
pgoctl, binary, out, profiles = args[0], args[1], args[2], args[3:]
lines = []
pairs = flagged_pairs = flagged = tested = 0
for a, b in itertools.combinations(profiles, 2):
    r = subprocess.run([pgoctl, "verify", "--before", a, "--after", b,
                        "--binary-before", binary, "--binary-after", binary, "--json"] + extra,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1, 2):
        sys.exit("verify failed (%d): %s" % (r.returncode, r.stderr))
    d = json.loads(r.stdout)
    f = d["regressed"] + d["improved"]
    h = d["hot_set"]["cost"]
    pairs += 1
    flagged_pairs += bool(f)
    flagged += len(f)
    tested += sum(1 for x in d["functions"] if x["self"]["status"] != "not-tested")
    lines.append("pair %s %s verdict %s flagged %s hot %+.1f%% [%+.1f%%, %+.1f%%]" % (
        a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1], d["verdict"], ",".join(f) or "-",
        h["change_pct"], h["ci_low_pct"], h["ci_high_pct"]))
lines.append("pairs %d flagged-pairs %d flagged-functions %d tested-functions %d" % (
    pairs, flagged_pairs, flagged, tested))
with open(out, "w") as fh:
    fh.write("\n".join(lines) + "\n")
print("\n".join(lines))
