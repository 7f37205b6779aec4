#!/usr/bin/env python3
"""bolt_yaml_compare.py ORACLE.yaml OURS.yaml [--min-functions N]

Checks that two BOLT YAML profiles are the same profile: the same header
(but profile-origin, which names the reader that made it), and the same
functions with the same ids, hashes, counts, blocks, edges and call sites.
PLT entries without blocks (`name@PLT`, which perf2bolt adds from call
targets and llvm-bolt's .fdata reader does not) are left out of the oracle
when OURS lacks them. Exit 1 with the first difference."""
import argparse
import sys

import yaml


def load(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    doc["header"].pop("profile-origin", None)
    funcs = {}
    for fn in doc.get("functions") or []:
        if fn["name"] in funcs:
            sys.exit("%s: function %s twice" % (path, fn["name"]))
        funcs[fn["name"]] = fn
    return doc["header"], funcs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("oracle")
    ap.add_argument("ours")
    ap.add_argument("--min-functions", type=int, default=1)
    a = ap.parse_args()
    oh, of = load(a.oracle)
    uh, uf = load(a.ours)
    if oh != uh:
        sys.exit("headers differ:\n  oracle %s\n  ours   %s" % (oh, uh))
    for name in list(of):
        if name.endswith("@PLT") and not of[name].get("blocks") and name not in uf:
            del of[name]
    if sorted(of) != sorted(uf):
        sys.exit("functions differ: only in oracle %s, only in ours %s"
                 % (sorted(set(of) - set(uf)), sorted(set(uf) - set(of))))
    for name in sorted(of):
        if of[name] != uf[name]:
            sys.exit("function %s differs:\n  oracle %s\n  ours   %s" % (name, of[name], uf[name]))
    with_blocks = sum(1 for f in uf.values() if f.get("blocks"))
    if with_blocks < a.min_functions:
        sys.exit("only %d functions with blocks (want >= %d)" % (with_blocks, a.min_functions))
    print("same profile: %d functions (%d with blocks)" % (len(uf), with_blocks))


if __name__ == "__main__":
    main()
