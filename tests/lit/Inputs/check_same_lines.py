#!/usr/bin/env python3
"""check_same_lines.py ORACLE OURS FUNCTION...: compares two sample profiles
line by line (llvm-profdata's text form, `llvm-profdata merge --sample
--text`). For each FUNCTION (a top-level name, a `.__uniq` suffix ignored)
the body counts of every line and discriminator, in the function and in each
inline context below it, must be equal; call targets are not compared.
Prints one "FUNCTION: N counts agree" line each, or what differs."""
import re
import sys


def parse(path):
    """{top-level name: {(context path, 'line[.disc]'): count}}"""
    out, stack = {}, []  # stack: (indent, context tuple)
    top = None
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip(" "))
            text = line.strip()
            if indent == 0:
                top = re.sub(r"\.__uniq\.\d+", "", text.split(":")[0])
                out[top] = {}
                stack = [(0, ())]
                continue
            while stack and stack[-1][0] >= indent:
                stack.pop()
            ctx = stack[-1][1] if stack else ()
            m = re.match(r"^(\d+(?:\.\d+)?): (\S+):(\d+)$", text)
            if m and not m.group(2).isdigit():  # an inlined callee: "LOC: NAME:TOTAL"
                callee = re.sub(r"\.__uniq\.\d+", "", m.group(2))
                stack.append((indent, ctx + (m.group(1), callee)))
                continue
            m = re.match(r"^(\d+(?:\.\d+)?): (\d+)", text)
            if not m:
                sys.exit("%s: cannot read the line '%s'" % (path, text))
            out[top][(ctx, m.group(1))] = int(m.group(2))
    return out


oracle, ours = parse(sys.argv[1]), parse(sys.argv[2])
bad = False
for fn in sys.argv[3:]:
    if fn not in oracle or fn not in ours:
        print("%s: missing in %s" % (fn, "the oracle" if fn not in oracle else "ours"))
        bad = True
        continue
    a, b = oracle[fn], ours[fn]
    diff = sorted(k for k in set(a) | set(b) if a.get(k, 0) != b.get(k, 0))
    for ctx, loc in diff:
        print("%s %s line %s: oracle %d, ours %d" % (fn, "/".join(ctx), loc, a.get((ctx, loc), 0),
                                                   b.get((ctx, loc), 0)))
    if diff:
        bad = True
    else:
        print("%s: %d counts agree" % (fn, len(a)))
sys.exit(1 if bad else 0)
