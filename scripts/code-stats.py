#!/usr/bin/env python3
"""scripts/code-stats.py: the layout figures the issue notes quote.

Prints, for the library folders (core binary collect merge convert verify
lock store cli and any other top-level folder with a CMakeLists.txt and C++
sources):
  - the include graph between folders (A -> B: A includes a header of B), and
    any edge that goes upward in the layering of docs/design.md;
  - the largest source files (lines);
  - the longest functions (lines from the line of a function's opening brace
    at column 0 or after a `) {` / `) const {` line to its matching close,
    a brace-matching scan that skips comments and string literals: a guide,
    not a parser).
Usage: scripts/code-stats.py [--top N]
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = {"build", "tests", "examples", "bench", "docs", "scripts", "cmake-modules", ".git"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
SIG = re.compile(r'^[A-Za-z_].*\)\s*(const\s*)?(noexcept\s*)?(override\s*)?\{\s*$')
NAME = re.compile(r'([A-Za-z_][A-Za-z_0-9:~<>]*)\s*\(')


def folders():
    out = []
    for d in sorted(os.listdir(ROOT)):
        p = os.path.join(ROOT, d)
        if d in SKIP or not os.path.isdir(p) or not os.path.exists(os.path.join(p, "CMakeLists.txt")):
            continue
        out.append(d)
    return out


def sources(folder):
    for dp, _, fs in os.walk(os.path.join(ROOT, folder)):
        for f in fs:
            if f.endswith((".cpp", ".h", ".cc")) and not f.endswith(".pb.h"):
                yield os.path.join(dp, f)


def strip(line, state):
    """Line without comments and string contents; state: in block comment."""
    out, i = [], 0
    while i < len(line):
        if state[0]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state[0], i = False, j + 2
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state[0], i = True, i + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    state, found = [False], []
    i = 0
    while i < len(lines):
        code = strip(lines[i], state)
        if SIG.match(code) and not code.lstrip().startswith(("if", "for", "while", "switch", "else", "namespace", "struct", "class", "enum")):
            m = NAME.search(code)
            depth, j = 0, i
            st = [state[0]]
            while j < len(lines):
                c = strip(lines[j], st) if j > i else code
                depth += c.count("{") - c.count("}")
                if depth <= 0 and j > i:
                    break
                j += 1
            found.append((j - i + 1, os.path.relpath(path, ROOT) + ":" + str(i + 1), m.group(1) if m else "?"))
            i = j + 1
            continue
        i += 1
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    fs = folders()
    edges = {}
    sizes, funcs = [], []
    for f in fs:
        for p in sources(f):
            text = open(p, encoding="utf-8", errors="replace").read()
            sizes.append((text.count("\n"), os.path.relpath(p, ROOT)))
            for line in text.split("\n"):
                m = INCLUDE.match(line)
                if m and m.group(1) != f and m.group(1) in fs:
                    edges.setdefault(f, set()).add(m.group(1))
            if p.endswith((".cpp", ".cc")):
                funcs.extend(functions(p))
    print("## include graph between folders (A -> what A includes)")
    for f in fs:
        print("  %-10s -> %s" % (f, ", ".join(sorted(edges.get(f, ()))) or "(nothing)"))
    print("\n## largest files (lines)")
    for n, p in sorted(sizes, reverse=True)[: a.top]:
        print("  %5d  %s" % (n, p))
    print("\n## longest functions (lines)")
    for n, where, name in sorted(funcs, reverse=True)[: a.top]:
        print("  %5d  %-40s %s" % (n, name, where))


if __name__ == "__main__":
    sys.exit(main())
