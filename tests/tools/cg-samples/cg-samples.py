#!/usr/bin/env python3
"""cg-samples: emulated precise instruction samples from callgrind's counts.

    cg-samples.py --binary ELF --period N [--seed S] [--expected]
                  [--object PATH] -o OUT.data CALLGRIND.OUT...

What `perf record -e instructions:upp -c N` writes on a PMU that samples
retired instructions without skid (Intel's PEBS), for a program this machine
cannot sample that way: each instruction of ELF that callgrind counted C
times gets Poisson(C / N) samples at its own address (--expected: round(C /
N), for tests), written as a perf.data pgoctl import and perf script read:
one attr (PERF_COUNT_HW_INSTRUCTIONS, precise_ip 2, sample period N),
a COMM and an MMAP2 (with ELF's build-id) of ELF's executable segment, and
IP|TID|TIME|PERIOD samples. No call chains.

--unsymbolized FILE also writes the exact counts (no draw, no period) as
llvm-profgen's unsymbolized profile (`llvm-profgen --binary ELF
--unsymbolized-profile FILE`): one range per counted instruction, at its
offset from ELF's first executable segment, and one branch per call site
and callee of ELF with its call count. That makes LLVM's own profile
generator an oracle for IP data, which it cannot read from a perf.data.

It is lbr-emu --event instructions (tests/tools/lbr-emu) in distribution,
without ptrace: callgrind runs a program ~50x slower where lbr-emu's
breakpoints run it ~5000x slower (an hour for brotli's training pass).
Callgrind must have run with --dump-instr=yes --compress-pos=no (names may
be compressed); its counts of --object (the path callgrind ran, default
ELF; a copy without debug info is fine, Debian 12's valgrind cannot read
clang 22's DWARF) are taken, at ELF's addresses.
"""
import argparse
import math
import os
import random
import struct
import sys

PT_LOAD, PT_NOTE, PF_X = 1, 4, 1


def fail(msg):
    sys.exit("cg-samples: " + msg)


def elf_info(path):
    """The executable PT_LOAD (offset, vaddr, memsz) and the GNU build-id of a
    64-bit little-endian ELF."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail("%s: not a 64-bit little-endian ELF file" % path)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    seg, build_id = None, b""
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == PT_LOAD and p_flags & PF_X and seg is None:
            seg = (p_offset, p_vaddr, p_memsz)
        elif p_type == PT_NOTE:
            off, end = p_offset, p_offset + p_filesz
            while off + 12 <= end:
                namesz, descsz, ntype = struct.unpack_from("<III", data, off)
                name = data[off + 12:off + 12 + namesz]
                desc_at = off + 12 + (namesz + 3) // 4 * 4
                if ntype == 3 and name == b"GNU\0":
                    build_id = data[desc_at:desc_at + descsz]
                off = desc_at + (descsz + 3) // 4 * 4
    if seg is None:
        fail("%s: no executable segment" % path)
    return seg, build_id


def read_counts(path, obj, counts, calls):
    """Adds the self instruction counts of object `obj` in callgrind output
    `path` to counts (address -> count), and its calls into itself to calls
    ((call address, callee address) -> count)."""
    # Compressed names: "(3) /x" defines 3, "(3)" refers to it; objects,
    # files and functions number apart.
    names = {"ob": {}, "fl": {}, "fn": {}}
    kind = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl", "cfl": "fl",
            "fn": "fn", "cfn": "fn"}

    def name(key, v):
        v = v.strip()
        if v.startswith("("):
            ident, _, rest = v.partition(")")
            rest = rest.strip()
            table = names[kind[key]]
            if rest:
                table[ident] = rest
            return table.get(ident, "")
        return v

    positions, ob, cob, call, n = None, None, None, None, 0
    with open(path, errors="replace") as f:
        for no, line in enumerate(f, 1):
            c = line[:1]
            if c.isdigit():
                if positions is None:
                    fail("%s:%d: a cost line before the 'positions:' line (not callgrind output?)" % (path, no))
                p = line.split()
                if call is not None:  # the call site of the calls= line above, inclusive cost
                    if ob == obj and cob == obj:
                        key = (int(p[0], 0), call[1])
                        calls[key] = calls.get(key, 0) + call[0]
                    call, cob = None, ob  # the callee's object is named again if not ob
                    continue
                if ob == obj and len(p) > len(positions):
                    addr = int(p[0], 0)
                    counts[addr] = counts.get(addr, 0) + int(p[len(positions)])
                    n += 1
            elif c in "+-*":
                fail("%s:%d: relative positions; run callgrind with --compress-pos=no" % (path, no))
            elif line.startswith("positions:"):
                positions = line.split()[1:]
                if positions[:1] != ["instr"]:
                    fail("%s: positions are '%s', not instructions; run callgrind with --dump-instr=yes"
                         % (path, " ".join(positions)))
            elif line.startswith("events:"):
                if line.split()[1:2] != ["Ir"]:
                    fail("%s:%d: the first event is not Ir" % (path, no))
            elif line.startswith(("ob=", "cob=", "fl=", "fi=", "fe=", "fn=", "cfi=", "cfl=", "cfn=")):
                key, _, v = line.partition("=")
                if key == "ob":
                    ob = cob = name(key, v)
                elif key == "cob":
                    cob = name(key, v)
                else:
                    name(key, v)
            elif line.startswith("calls="):
                q = line[6:].split()
                try:
                    call = (int(q[0]), int(q[1], 0))
                except (IndexError, ValueError):
                    fail("%s:%d: a calls= line without a count and a callee address" % (path, no))
    if positions is None:
        fail("%s: no 'positions:' line; not callgrind output" % path)
    return n


def write_unsymbolized(path, counts, calls, vaddr):
    """llvm-profgen's unsymbolized profile (what --skip-symbolization writes,
    without contexts): the number of ranges, "BEGIN-END:COUNT" lines, the
    number of branches, "FROM->TO:COUNT" lines, in hex offsets from the
    page-aligned start of the first executable segment (its
    --use-offset default). A range per instruction: END is the address of
    its last instruction. Calls as branches give call-site targets."""
    base = vaddr & ~0xfff
    hit = [x for x in sorted(counts) if counts[x]]
    lines = ["%d" % len(hit)] + ["%x-%x:%d" % (x - base, x - base, counts[x]) for x in hit]
    lines.append("%d" % len(calls))
    lines += ["%x->%x:%d" % (f - base, t - base, calls[(f, t)]) for (f, t) in sorted(calls)]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--object", help="the object's path in the callgrind output (default: --binary)")
    ap.add_argument("--period", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--expected", action="store_true", help="round(count / period) samples, no draw")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--unsymbolized", metavar="FILE",
                    help="also write the exact counts as llvm-profgen's unsymbolized profile")
    ap.add_argument("callgrind", nargs="+")
    a = ap.parse_args()
    if a.period < 1:
        fail("--period must be at least 1")
    obj = a.object or a.binary
    try:
        (off, vaddr, memsz), build_id = elf_info(a.binary)
    except struct.error:
        fail("%s: truncated ELF headers" % a.binary)
    counts, calls = {}, {}
    for cg in a.callgrind:
        if read_counts(cg, obj, counts, calls) == 0:
            fail("%s: no instruction counts of object %s" % (cg, obj))
    outside = [x for x in counts if not vaddr <= x < vaddr + memsz]
    if outside:
        fail("%d counted addresses (first 0x%x) lie outside %s's executable segment "
             "[0x%x, 0x%x): counts of another binary?" % (len(outside), min(outside), a.binary, vaddr, vaddr + memsz))

    if a.unsymbolized:
        write_unsymbolized(a.unsymbolized, counts, calls, vaddr)

    rng = random.Random(a.seed)

    def draw(lam):
        if a.expected:
            return int(lam + 0.5)
        if lam > 30:
            return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    base, pid, page = 0x555555554000, 4242, 0x1000
    start = base + (vaddr & ~(page - 1))
    sample_type = 0x1 | 0x2 | 0x4 | 0x100  # IP TID TIME PERIOD
    # disabled inherit exclude_kernel exclude_hv mmap comm enable_on_exec task
    # precise_ip=2 sample_id_all exclude_guest mmap2 comm_exec
    flags = (1 << 0 | 1 << 1 | 1 << 5 | 1 << 6 | 1 << 8 | 1 << 9 | 1 << 12 | 1 << 13 | 2 << 15 | 1 << 18
             | 1 << 20 | 1 << 23 | 1 << 24)
    attr = struct.pack("<IIQQQQQIIQQQQIiQIHH", 0, 112, 1, a.period, sample_type, 0, flags,
                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)  # PERF_ATTR_SIZE_VER5
    t = 1000

    def sample_id():
        return struct.pack("<IIQ", pid, pid, t)

    recs = []
    comm = os.path.basename(a.binary).encode()[:15] + b"\0"
    comm += b"\0" * (-len(comm) % 8)
    body = struct.pack("<II", pid, pid) + comm + sample_id()
    recs.append(struct.pack("<IHH", 3, 2 | 0x2000, 8 + len(body)) + body)  # COMM, exec
    fname = os.path.abspath(a.binary).encode() + b"\0"
    fname += b"\0" * (-len(fname) % 8)
    misc, ident = 2, struct.pack("<IIQQ", 0, 0, 0, 0)
    if 0 < len(build_id) <= 20:
        misc |= 1 << 14  # PERF_RECORD_MISC_MMAP_BUILD_ID
        ident = struct.pack("<BBH20s", len(build_id), 0, 0, build_id)
    body = (struct.pack("<IIQQQ", pid, pid, start, vaddr + memsz - (vaddr & ~(page - 1)), off & ~(page - 1))
            + ident + struct.pack("<II", 5, 2) + fname + sample_id())
    recs.append(struct.pack("<IHH", 10, misc, 8 + len(body)) + body)  # MMAP2 r-x private
    n = 0
    for addr in sorted(counts):
        for _ in range(draw(counts[addr] / a.period)):
            t += 1
            recs.append(struct.pack("<IHHQIIQQ", 9, 2, 40, base + addr, pid, pid, t, a.period))
            n += 1
    data = b"".join(recs)
    attr_at = 104
    data_at = attr_at + len(attr) + 16
    header = struct.pack("<8sQQQQQQQQ4Q", b"PERFILE2", 104, len(attr) + 16, attr_at, len(attr) + 16,
                         data_at, len(data), 0, 0, 0, 0, 0, 0)
    tmp = a.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header + attr + struct.pack("<QQ", 0, 0) + data)
    os.replace(tmp, a.output)
    print("cg-samples: %s: %d samples of %d instructions, period %d%s" % (
        a.output, n, sum(counts.values()), a.period, "" if a.expected else ", seed %d" % a.seed),
        file=sys.stderr)


if __name__ == "__main__":
    main()
