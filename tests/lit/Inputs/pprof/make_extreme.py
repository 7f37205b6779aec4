"""Writes a minimal pprof by hand (no library) with the given location id and
address: one mapping of /srv/app at [0x1000, 0x2000) with file_offset 0, one
location, one sample of value 1. The hermetic fixtures extreme-*.pb are its
output for ids and addresses at the top of the u64 range:
  extreme-location-id.pb   python3 make_extreme.py 0xffffffffffffffff 0x1800
  extreme-location-id2.pb  python3 make_extreme.py 0xfffffffffffffffe 0x1800
  extreme-address.pb       python3 make_extreme.py 7 0xffffffffffffffff
"""
import sys
def v(x):
    x &= (1<<64)-1; b=bytearray()
    while True:
        if x < 0x80: b.append(x); return bytes(b)
        b.append((x&0x7f)|0x80); x >>= 7
def f(n, w, payload):
    tag = v(n<<3|w)
    return tag + (v(len(payload)) + payload if w == 2 else v(payload))
M = (1<<64)-1
ids = [int(a, 0) for a in sys.argv[1:3]]
loc_id, addr = ids
out = b""
for s in (b"", b"samples", b"count", b"/srv/app"):
    out += f(6, 2, s)
out += f(1, 2, f(1, 0, 1) + f(2, 0, 2))
out += f(3, 2, f(1, 0, 1) + f(2, 0, 0x1000) + f(3, 0, 0x2000) + f(5, 0, 3))
out += f(4, 2, f(1, 0, loc_id) + f(2, 0, 1) + f(3, 0, addr))
out += f(2, 2, f(1, 2, v(loc_id)) + f(2, 2, v(1)))
sys.stdout.buffer.write(out)
