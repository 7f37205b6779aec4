#!/usr/bin/env python3
"""Scale a file-mode perf.data up by repeating its data section.

The header's data.size grows, the feature sections (which follow the data
section) move behind the new data and their offsets in the feature table are
fixed up. Attrs and their id sections (before the data) stay where they are.
Usage: scale_perf_data.py IN OUT --target-mb 400
"""
import argparse
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--target-mb", type=float, default=400)
    a = ap.parse_args()
    raw = open(a.input, "rb").read()
    if raw[:8] != b"PERFILE2" or struct.unpack_from("<Q", raw, 8)[0] != 104:
        sys.exit(f"{a.input}: not a file-mode perf.data")
    data_off, data_size = struct.unpack_from("<QQ", raw, 40)
    feats = struct.unpack_from("<4Q", raw, 72)
    nfeat = sum(bin(w).count("1") for w in feats)
    data = raw[data_off:data_off + data_size]
    reps = max(1, int(a.target_mb * 1e6 // max(1, data_size)))
    feat_table_off = data_off + data_size
    table = list(struct.unpack_from(f"<{2 * nfeat}Q", raw, feat_table_off))
    # Feature payloads: copy each and re-point it after the new table.
    new_data_size = data_size * reps
    new_table_off = data_off + new_data_size
    payload_off = new_table_off + 16 * nfeat
    payloads = b""
    new_table = []
    for i in range(nfeat):
        off, size = table[2 * i], table[2 * i + 1]
        new_table += [payload_off + len(payloads), size]
        payloads += raw[off:off + size]
    header = bytearray(raw[:data_off])
    struct.pack_into("<Q", header, 48, new_data_size)
    with open(a.output, "wb") as f:
        f.write(header)
        for _ in range(reps):
            f.write(data)
        f.write(struct.pack(f"<{2 * nfeat}Q", *new_table))
        f.write(payloads)
    print(f"{a.output}: data section {data_size} x {reps} = {new_data_size} bytes")


if __name__ == "__main__":
    main()
