#!/usr/bin/env python3
"""Scale a file-mode perf.data up by repeating its data section.

The header's data.size grows, the feature sections (which follow the data
section) move behind the new data and their offsets in the feature table are
fixed up. Attrs and their id sections (before the data) stay where they are.

With --shift-time, copy i has every timestamp moved on by i times the
recording's time span (samples' TIME, FORK/EXIT's own time, the sample_id_all
time of side-band records; a time of 0, perf's synthesized records, becomes
the copy's start), so the result reads as one longer recording in the order
the original was written, rather than the same interval replayed.
It needs every event to share one sample_type, and no COMPRESSED records.
Usage: scale_perf_data.py IN OUT --target-mb 400 [--shift-time]
"""
import argparse
import struct
import sys

SAMPLE_IP, SAMPLE_TID, SAMPLE_TIME, SAMPLE_ID = 1 << 0, 1 << 1, 1 << 2, 1 << 6
SAMPLE_STREAM_ID, SAMPLE_CPU, SAMPLE_IDENTIFIER = 1 << 9, 1 << 7, 1 << 16
RECORD_SAMPLE, RECORD_EXIT, RECORD_FORK = 9, 4, 7


def time_offsets(data, sample_type):
    """(record offset, time field offset) of every timestamp in data."""
    if not sample_type & SAMPLE_TIME:
        sys.exit("--shift-time: the events do not record TIME")
    before_time = 8 * sum(1 for b in (SAMPLE_IDENTIFIER, SAMPLE_IP, SAMPLE_TID) if sample_type & b)
    trailer = 8 * sum(1 for b in (SAMPLE_TID, SAMPLE_TIME, SAMPLE_ID, SAMPLE_STREAM_ID,
                                  SAMPLE_CPU, SAMPLE_IDENTIFIER) if sample_type & b)
    trailer_time = 8 if sample_type & SAMPLE_TID else 0
    out = []
    pos = 0
    while pos + 8 <= len(data):
        rtype, _misc, size = struct.unpack_from("<IHH", data, pos)
        if size < 8:
            sys.exit(f"record at data offset {pos} has size {size}")
        if rtype == RECORD_SAMPLE:
            out.append(pos + 8 + before_time)
        elif 0 < rtype < 64:
            if rtype in (RECORD_FORK, RECORD_EXIT):
                out.append(pos + 8 + 16)
            if size - 8 >= trailer:
                out.append(pos + size - trailer + trailer_time)
        elif rtype == 81:
            sys.exit("--shift-time: COMPRESSED records are not supported")
        pos += size
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--target-mb", type=float, default=400)
    ap.add_argument("--shift-time", action="store_true")
    a = ap.parse_args()
    raw = open(a.input, "rb").read()
    if raw[:8] != b"PERFILE2" or struct.unpack_from("<Q", raw, 8)[0] != 104:
        sys.exit(f"{a.input}: not a file-mode perf.data")
    data_off, data_size = struct.unpack_from("<QQ", raw, 40)
    feats = struct.unpack_from("<4Q", raw, 72)
    nfeat = sum(bin(w).count("1") for w in feats)
    data = raw[data_off:data_off + data_size]
    offsets = []
    if a.shift_time:
        attr_size, attrs_off, attrs_size = struct.unpack_from("<QQQ", raw, 16)
        types = {struct.unpack_from("<Q", raw, attrs_off + i + 24)[0]
                 for i in range(0, attrs_size, attr_size)}
        if len(types) != 1:
            sys.exit("--shift-time: the events have different sample_types")
        offsets = time_offsets(data, types.pop())
        times = [t for t in (struct.unpack_from("<Q", data, o)[0] for o in offsets) if t]
        first = min(times) if times else 0
        span = max(times) - first + 1 if times else 0
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
        for i in range(reps):
            if not offsets or i == 0:
                f.write(data)
                continue
            copy = bytearray(data)
            for o in offsets:
                # Time 0 (records perf synthesized at the start) becomes the
                # start of the copy, as if synthesized again there.
                t = struct.unpack_from("<Q", data, o)[0] or first
                struct.pack_into("<Q", copy, o, t + i * span)
            f.write(copy)
        f.write(struct.pack(f"<{2 * nfeat}Q", *new_table))
        f.write(payloads)
    print(f"{a.output}: data section {data_size} x {reps} = {new_data_size} bytes")


if __name__ == "__main__":
    main()
