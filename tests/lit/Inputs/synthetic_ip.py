"""Helpers of the tests that feed the IP estimator synthetic samples on a
real binary (ip_entry_samples.py, ip_prior.py)."""
import os
import re
import subprocess


def disasm(binary, sym):
    """sym's instructions as (address, mnemonic, operands), from llvm-objdump."""
    out = subprocess.run(["/usr/lib/llvm-22/bin/llvm-objdump", "-d", "--no-show-raw-insn",
                          "--disassemble-symbols=" + sym, binary],
                         check=True, capture_output=True, text=True).stdout
    ins = []
    for line in out.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m:
            ins.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return ins


def perf_script(binary, mmaps, addrs):
    """`perf script -F ip` text: the event lines of MMAPS (`perf script -F ip
    --show-mmap-events` of a real run of BINARY, non-PIE) without its
    samples, and after BINARY's executable MMAP2 line one sample per entry of
    ADDRS. BINARY's line is found by its file name: the checked-in MMAPS of
    the golden tests name a binary at another path."""
    lines = []
    mine = re.compile(r"r-xp (\S*/)?%s$" % re.escape(os.path.basename(binary)))
    for line in open(mmaps):
        if line.lstrip().startswith("PERF_RECORD"):
            lines.append(line.rstrip("\n"))
            if mine.search(line.rstrip("\n")):
                lines += ["%16x" % a for a in addrs]
    return "\n".join(lines)
