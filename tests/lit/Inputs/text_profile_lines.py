#!/usr/bin/env python3
"""text_profile_lines.py PROFILE FUNCTION: reads a text sample profile
(`pgoctl convert --to profdata --format text`) and prints, for FUNCTION, its
share of the body samples of all top-level functions and its hottest body
line offset (discriminators folded), then every top-level function name."""
import sys

path, want = sys.argv[1:3]
funcs = {}  # name -> {line offset: count}
cur = None
for line in open(path):
    if not line.strip():
        continue
    if not line.startswith(" "):
        cur = line.rsplit(":", 2)[0]
        funcs.setdefault(cur, {})
        continue
    if line.startswith("  ") or cur is None:  # inlined callsites' bodies: not top-level body samples
        continue
    key, _, rest = line.strip().partition(":")
    if not rest.strip() or not rest.split()[0].isdigit():
        continue  # an inlined callsite header (`offset: callee:total`)
    offset = int(key.split(".")[0])
    funcs[cur][offset] = funcs[cur].get(offset, 0) + int(rest.split()[0])
total = sum(sum(b.values()) for b in funcs.values())
body = funcs.get(want, {})
if not body or not total:
    sys.exit("%s: no body samples for %s" % (path, want))
hot = max(body, key=body.get)
print("%s: %d%% of the profile's body samples; hottest line offset %d" % (
    want, 100 * sum(body.values()) // total, hot))
for name in sorted(funcs):
    print("function", name)
