"""Corrupted-DWARF helper of harden-dwarf.test.

  samples BINARY SYMS...      perf script -F ip text: a synthetic MMAP2 line
                              for BINARY (non-PIE) and, for each symbol, 7
                              samples at each of its instructions (addresses
                              from llvm-objdump -d, which reads no DWARF)
  patch BINARY OUT PATCH...   copy BINARY to OUT with PATCH = SECTION+OFF=HEX
                              applied: bytes HEX written at OFF inside SECTION
                              (section offsets from llvm-readelf -S)
  rename BINARY OUT OLD NEW   copy with the string OLD in .debug_str
                              replaced by NEW (same length)
  random BINARY OUT SEED      copy with 1-8 random runs of 1-4 bytes
                              overwritten in one random DWARF section;
                              prints the patch list
  fuzz PGOCTL BINARY SAMPLES FIRST N
                              N seeded random corruptions of BINARY through
                              `PGOCTL convert SAMPLES`; prints the tally
                              (crashes and timeouts, runs with a different
                              profile and no warning, runs with a warning)
                              and one line per crash or silent difference
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

LLVM = "/usr/lib/llvm-22/bin/"
DWARF = [".debug_line", ".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str",
         ".debug_str_offsets", ".debug_rnglists", ".debug_addr"]


def sections(binary):
    """name -> (file offset, size) from llvm-readelf -S."""
    out = subprocess.run([LLVM + "llvm-readelf", "-S", "-W", binary], check=True,
                         capture_output=True, text=True).stdout
    secs = {}
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            secs[m.group(1)] = (int(m.group(3), 16), int(m.group(4), 16))
    return secs


def apply(binary, out, patches):
    shutil.copyfile(binary, out)
    secs = sections(binary)
    with open(out, "r+b") as f:
        for p in patches:
            m = re.fullmatch(r"(\.[a-z_]+)\+(\d+)=([0-9a-f]+)", p)
            if not m:
                sys.exit("bad patch " + p)
            off, size = secs[m.group(1)]
            data = bytes.fromhex(m.group(3))
            at = int(m.group(2))
            if at + len(data) > size:
                sys.exit("patch %s leaves %s" % (p, m.group(1)))
            f.seek(off + at)
            f.write(data)


def rename(binary, out, old, new):
    if len(old) != len(new):
        sys.exit("rename: OLD and NEW differ in length")
    off, size = sections(binary)[".debug_str"]
    with open(binary, "rb") as f:
        f.seek(off)
        strs = f.read(size)
    at = strs.find(old.encode() + b"\0")
    if at < 0 or (at > 0 and strs[at - 1] != 0):
        sys.exit("rename: %s is no string of .debug_str" % old)
    apply(binary, out, [".debug_str+%d=%s" % (at, new.encode().hex())])


def random_patches(binary, seed):
    rng = random.Random(seed)
    secs = sections(binary)
    name = rng.choice([s for s in DWARF if s in secs and secs[s][1] > 0])
    size = secs[name][1]
    patches = []
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(size)
        n = min(rng.randint(1, 4), size - at)
        patches.append("%s+%d=%s" % (name, at, bytes(rng.randrange(256) for _ in range(n)).hex()))
    return patches


def convert(pgoctl, samples, binary, out):
    return subprocess.run([pgoctl, "convert", samples, "--binary", binary, "--to", "profdata",
                           "--format", "text", "-o", out], capture_output=True, timeout=120)


def fuzz(pgoctl, binary, samples, first, n):
    """The corrupted copy keeps BINARY's file name (the profile names it)."""
    work = tempfile.mkdtemp()
    os.makedirs(os.path.join(work, "c"))
    bad = os.path.join(work, "c", os.path.basename(binary))
    out = os.path.join(work, "o.txt")
    r = convert(pgoctl, samples, binary, out)
    if r.returncode != 0:
        sys.exit(r.stderr.decode(errors="replace"))
    healthy = open(out, "rb").read()
    crashes, silent, warned, failed, same = [], [], 0, 0, 0
    for seed in range(first, first + n):
        patches = random_patches(binary, seed)
        apply(binary, bad, patches)
        if os.path.exists(out):
            os.unlink(out)
        try:
            r = convert(pgoctl, samples, bad, out)
        except subprocess.TimeoutExpired:
            crashes.append((seed, "timeout", patches))
            continue
        if r.returncode < 0 or r.returncode >= 128:
            crashes.append((seed, r.returncode, patches))
            continue
        if r.returncode != 0:
            failed += 1
            continue
        warning = b"warning" in r.stderr
        warned += warning
        if open(out, "rb").read() == healthy:
            same += 1
        elif not warning:
            silent.append((seed, patches))
    print("runs %d: crashes %d, different without warning %d, with warning %d, "
          "failed with an error %d, same profile %d" % (n, len(crashes), len(silent), warned,
                                                          failed, same))
    for seed, rc, patches in crashes:
        print("crash seed %d status %s: %s" % (seed, rc, " ".join(patches)))
    for seed, patches in silent:
        print("silent seed %d: %s" % (seed, " ".join(patches)))
    shutil.rmtree(work)


def samples(binary, syms):
    out = subprocess.run([LLVM + "llvm-objdump", "-d", "--no-show-raw-insn", binary],
                         check=True, capture_output=True, text=True).stdout
    addrs, cur = [], None
    for line in out.splitlines():
        m = re.match(r"[0-9a-f]+ <(.*)>:", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"\s+([0-9a-f]+):", line)
        if m and cur in syms:
            addrs.append(int(m.group(1), 16))
    lo = min(addrs) & ~0xfff
    hi = (max(addrs) + 0x1000) & ~0xfff
    print("PERF_RECORD_MMAP2 100/100: [0x%x(0x%x) @ 0x%x 00:00 0 0]: r-xp %s"
          % (lo, hi - lo, lo - 0x400000, binary))
    for a in addrs:
        for _ in range(7):
            print("%16x" % a)


def main():
    cmd = sys.argv[1]
    if cmd == "samples":
        samples(sys.argv[2], set(sys.argv[3:]))
    elif cmd == "patch":
        apply(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "rename":
        rename(*sys.argv[2:6])
    elif cmd == "random":
        patches = random_patches(sys.argv[2], int(sys.argv[4]))
        apply(sys.argv[2], sys.argv[3], patches)
        print(" ".join(patches))
    elif cmd == "fuzz":
        fuzz(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
