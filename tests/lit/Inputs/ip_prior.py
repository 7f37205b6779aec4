#!/usr/bin/env python3
"""convert-fdata-ip-prior.test: synthetic IP samples for ip_prior.c's `walk`,
and the edges of an .fdata of it.

  ip_prior.py samples BINARY MMAP_TEXT > perf-script.txt
  ip_prior.py edges BINARY FDATA

`samples`: MMAP_TEXT is `perf script -F ip --show-mmap-events` of a real run
of BINARY (non-PIE); its event lines are kept, its samples dropped, and after
the binary's MMAP2 line come DENSE samples on every instruction of walk's
blocks except the preheader's, which get SPARSE: a block whose few
independent instructions collect fewer samples than the loads its successor
stalls on (fmt's copy_str_noinline in kvsvc: its preheader's estimate was a
third of its loop head's, convert/sample/ProfDataIp.cpp). Every block runs once per
call, so the truth is the same count on every edge walk executes.

`edges`: prints walk's early return (the `je`), the loop's back edge (the
`jne`), and the loop's entries (the edges into the loop head from before it),
each as the sum of the .fdata's counts on that edge.
"""
import sys

from synthetic_ip import disasm, perf_script

DENSE = 30
SPARSE = 10


def shape(binary):
    """walk's instructions (no padding) and the indices of the early return's
    je, the loop head, the back edge's jne and the ret; exits if walk is not
    laid out as ip_prior.c says."""
    ins = [i for i in disasm(binary, "walk") if not i[1].startswith("nop")]
    je = [k for k, i in enumerate(ins) if i[1] == "je"]
    jne = [k for k, i in enumerate(ins) if i[1] == "jne"]
    if len(je) != 1 or len(jne) != 1:
        sys.exit("ip_prior: walk is not one early return and one loop:\n%s" % ins)
    target = lambda k: int(ins[k][2].split()[0], 16)
    head = [k for k, i in enumerate(ins) if i[0] == target(jne[0])]
    ret = [k for k, i in enumerate(ins) if i[1].startswith("ret")]
    if not head or not je[0] < head[0] - 1 < jne[0] or len(ret) != 1 or target(je[0]) <= ins[jne[0]][0]:
        sys.exit("ip_prior: walk has no preheader, or its early return does not jump past the loop:\n%s" % ins)
    return ins, je[0], head[0], jne[0], ret[0], target(je[0])


def samples(binary, mmaps):
    ins, je, head, jne, ret, skip_to = shape(binary)
    print(perf_script(binary, mmaps,
                      [ins[k][0] for k in range(ret + 1) for _ in range(SPARSE if je < k < head else DENSE)]))


def edges(binary, fdata):
    ins, je, head, jne, ret, skip_to = shape(binary)
    base = ins[0][0]
    off = lambda k: ins[k][0] - base
    skip = back = entries = 0
    for line in open(fdata):
        f = line.split()
        if len(f) != 8 or f[1] != "walk" or f[4] != "walk":
            continue
        a, b, n = int(f[2], 16), int(f[5], 16), int(f[7])
        if a == off(je) and b == skip_to - base:
            skip += n
        if a == off(jne) and b == off(head):
            back += n
        if b == off(head) and a < off(head):
            entries += n
    print("early return %d, loop entries %d, back edge %d" % (skip, entries, back))


if __name__ == "__main__":
    {"samples": samples, "edges": edges}[sys.argv[1]](*sys.argv[2:])
