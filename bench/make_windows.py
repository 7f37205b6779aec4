#!/usr/bin/env python3
"""Synthetic .pgoprof windows for bench/store.sh: N files of about SIZE bytes,
one binary each (one build-id), IP samples at random addresses drawn from a
fixed pool, so the merged profile stops growing once the pool is covered and
a flat peak RSS over the window count is what a streaming pull must show.

The .pgoprof is written by hand from core/profile.proto (protobuf wire
format: varints, packed repeated fields) and compressed with the zstd CLI.
usage: make_windows.py OUTDIR N [SAMPLES_PER_WINDOW]
"""
import os
import random
import struct
import subprocess
import sys


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    return varint((num << 3) | wire) + payload


def ld(num, data):  # length-delimited
    return field(num, 2, varint(len(data)) + data)


def packed(num, values):
    return ld(num, b"".join(varint(v) for v in values))


def window(rng, pool, samples, host, start):
    addrs = sorted(rng.sample(pool, samples))
    deltas = [addrs[0]] + [b - a for a, b in zip(addrs, addrs[1:])]
    counts = [rng.randint(1, 1000) for _ in addrs]
    binary = (ld(1, b"00112233445566778899aabbccddeeff00112233") + ld(2, b"/usr/bin/bench-svc")
              + packed(13, deltas) + packed(14, counts))
    labels = ld(7, ld(1, b"service") + ld(2, b"bench")) + ld(7, ld(1, b"host") + ld(2, host.encode()))
    meta = (ld(1, b"cpu-clock") + field(3, 0, varint(999)) + field(4, 0, varint(1)) + labels
            + ld(8, b"bench") + field(9, 0, varint(sum(counts))))
    body = ld(1, meta) + ld(2, binary)
    z = subprocess.run(["zstd", "-q", "-3", "-c"], input=body, capture_output=True, check=True).stdout
    return b"PGOPROF\x01" + struct.pack("<II", 1, 0) + z


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    os.makedirs(out, exist_ok=True)
    rng = random.Random(42)
    pool = list(range(0x401000, 0x401000 + 4 * 1000000, 4))  # one million addresses
    for i in range(n):
        data = window(rng, pool, samples, "host%d" % (i % 50), 1764892800 + i)
        with open(os.path.join(out, "w%05d.pgoprof" % i), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
