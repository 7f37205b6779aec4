"""Copies a file with bytes changed: `patch_bytes.py IN OUT OFFSET=HEX...`
writes HEX's bytes at each OFFSET (decimal or 0x), and `OFFSET^MASK` XORs
one byte with MASK.
"""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
for edit in sys.argv[3:]:
    if "^" in edit:
        at, mask = edit.split("^")
        data[int(at, 0)] ^= int(mask, 0)
    else:
        at, hexbytes = edit.split("=")
        b = bytes.fromhex(hexbytes)
        data[int(at, 0):int(at, 0) + len(b)] = b
open(sys.argv[2], "wb").write(data)
