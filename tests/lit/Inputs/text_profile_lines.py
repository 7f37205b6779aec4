#!/usr/bin/env python3
"""text_profile_lines.py PROFILE FUNCTION: reads a text sample profile
(`pgoctl convert --to profdata --format text`) and prints, for FUNCTION, its
share of the body samples of all top-level functions and its hottest body
line offset (discriminators folded), then every top-level function name."""
import re
import sys

path, want = sys.argv[1:3]
funcs = {}  # name -> {line offset: count}
cur = None
for line in open(path):
    if line.strip() and not line.startswith(" "):
        cur = line.rsplit(":", 2)[0]
        funcs.setdefault(cur, {})
        continue
    # A top-level body line: one space of indent (inlinees' bodies have more;
    # an inlined callsite's header `offset: callee:total` has no count).
    m = re.match(r"^ (\d+)(?:\.\d+)?: (\d+)(?:\s|$)", line)
    if m and cur is not None:
        funcs[cur][int(m.group(1))] = funcs[cur].get(int(m.group(1)), 0) + int(m.group(2))
total = sum(sum(b.values()) for b in funcs.values())
body = funcs.get(want, {})
if not body or not total:
    sys.exit("%s: no body samples for %s" % (path, want))
hot = max(body, key=body.get)
print("%s: %d%% of the profile's body samples; hottest line offset %d" % (
    want, 100 * sum(body.values()) // total, hot))
for name in sorted(funcs):
    print("function", name)
