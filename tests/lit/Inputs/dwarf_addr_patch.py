#!/usr/bin/env python3
"""dwarf_addr_patch.py IN OUT FUNC: copies the ELF IN to OUT with one
.debug_addr entry moved: the first entry inside function symbol FUNC but not
at its start (an inlined call's or a call site's address), moved forward to
the next address inside FUNC that is not an instruction start (llvm-objdump
-d). Prints "old -> new". The DWARF then puts code between instructions, as
a damaged entry or another COMDAT copy's DWARF does."""
import re
import shutil
import struct
import subprocess
import sys

LLVM = "/usr/lib/llvm-22/bin/"


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    src, out, func = sys.argv[1:4]
    lo = hi = None
    for line in run(LLVM + "llvm-nm", "-S", src).splitlines():
        f = line.split()
        if len(f) == 4 and f[3] == func:
            lo = int(f[0], 16)
            hi = lo + int(f[1], 16)
    if lo is None:
        sys.exit("dwarf_addr_patch: no symbol %s in %s" % (func, src))
    starts = set()
    for line in run(LLVM + "llvm-objdump", "-d", "--no-show-raw-insn",
                    "--start-address=%#x" % lo, "--stop-address=%#x" % hi, src).splitlines():
        m = re.match(r"\s+([0-9a-f]+):", line)
        if m:
            starts.add(int(m.group(1), 16))
    m = re.search(r"\]\s+\.debug_addr\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)",
                  run(LLVM + "llvm-readelf", "-S", "-W", src))
    if not m:
        sys.exit("dwarf_addr_patch: %s has no .debug_addr" % src)
    off, size = int(m.group(1), 16), int(m.group(2), 16)
    data = bytearray(open(src, "rb").read())
    # 8-byte entries after each contribution's 8-byte header; a slot that is
    # a header reads as no address inside FUNC.
    for k in range(off + 8, off + size - 7, 8):
        old = struct.unpack_from("<Q", data, k)[0]
        if lo < old < hi:
            new = next((a for a in range(old + 1, hi) if a not in starts), None)
            if new is None:
                continue
            struct.pack_into("<Q", data, k, new)
            open(out, "wb").write(data)
            shutil.copymode(src, out)
            print("%#x -> %#x" % (old, new))
            return
    sys.exit("dwarf_addr_patch: no .debug_addr entry inside %s in %s" % (func, src))


if __name__ == "__main__":
    main()
