#!/usr/bin/env python3
"""convert-profdata-ip-entry.test: synthetic IP samples for ip_entry.c.

Usage: ip_entry_samples.py BINARY MMAP_TEXT > perf-script.txt

MMAP_TEXT is `perf script -F ip --show-mmap-events` of a real run of BINARY
(non-PIE); its event lines are kept, its samples dropped, and after the
binary's MMAP2 line come, in `-F ip` form:
  - CALL_BLOCK samples on each instruction of caller's loop block (from the
    loop head, the target of the backward jne, to that jne: it holds the call
    to leaf);
  - LEAF_FIRST samples on leaf's first instruction, none on the others.
The test derives its expected counts from these two constants.
"""
import sys

from synthetic_ip import disasm, perf_script

CALL_BLOCK = 10
LEAF_FIRST = 600


def main():
    binary, mmaps = sys.argv[1], sys.argv[2]
    leaf = [i for i in disasm(binary, "leaf") if not i[1].startswith("nop")]
    caller = disasm(binary, "caller")
    call = [k for k, i in enumerate(caller) if i[1].startswith("call") and "<leaf>" in i[2]]
    jne = [k for k, i in enumerate(caller) if call and k > call[0] and i[1] == "jne"]
    if len(call) != 1 or not jne:
        sys.exit("ip_entry_samples: caller is not one loop around one call to leaf:\n%s" % caller)
    head = int(caller[jne[0]][2].split()[0], 16)
    block = [i[0] for i in caller if head <= i[0] <= caller[jne[0]][0]]
    if not block or block[0] != head or not any(a == caller[call[0]][0] for a in block):
        sys.exit("ip_entry_samples: the loop block does not hold the call")
    if any(i[1].startswith("j") or i[1].startswith("ret") for i in leaf[:-1]):
        sys.exit("ip_entry_samples: leaf is not one block")
    print(perf_script(binary, mmaps, [a for a in block for _ in range(CALL_BLOCK)] + [leaf[0][0]] * LEAF_FIRST))
    print("# leaf: %d instructions, call block: %d instructions" % (len(leaf), len(block)), file=sys.stderr)


if __name__ == "__main__":
    main()
