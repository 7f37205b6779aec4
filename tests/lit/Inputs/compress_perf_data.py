#!/usr/bin/env python3
"""Rewrites a file-mode perf.data with its data section zstd-compressed.

Usage: compress_perf_data.py [--chunk N] [--frame N] IN OUT

What `perf record -z` writes (Debian's perf is built without zstd, so the
tests make such files with this script): the records of the data section
become one zstd stream, cut into PERF_RECORD_COMPRESSED (type 81) records of
at most --chunk payload bytes (16 KiB by default). The cuts fall anywhere in
the stream, so decompressed records straddle COMPRESSED records. With --frame
N the input is compressed as independent zstd frames of N bytes each (cut at
arbitrary byte offsets, not at record boundaries), concatenated into the one
stream, as perf does when it compresses each ring-buffer push on its own.
The header's data.size is fixed up and the feature sections are moved after
the new data section (their table rewritten); a HEADER_COMPRESSED feature
(perf's write_compressed layout) is added. The result is checked by
decompressing it again with the zstd tool. Prints one summary line.

Needs only the Python standard library and the `zstd` command-line tool.
"""
import argparse
import struct
import subprocess
import sys

MAGIC = b"PERFILE2"
FILE_HEADER = struct.Struct("<8sQQ QQ QQ QQ 4Q")  # perf_file_header, 104 bytes
SECTION = struct.Struct("<QQ")                    # perf_file_section
EVENT_HEADER = struct.Struct("<IHH")              # perf_event_header
PERF_RECORD_HEADER_TRACING_DATA = 66
PERF_RECORD_AUXTRACE = 71
PERF_RECORD_COMPRESSED = 81
HEADER_COMPRESSED = 27
MAX_RECORD = 65535


def die(msg):
    sys.exit("compress_perf_data.py: " + msg)


def zstd(data, *args):
    r = subprocess.run(["zstd", "-q", "-c", *args], input=data, stdout=subprocess.PIPE,
                       check=True)
    return r.stdout


def walk_records(data):
    """Counts the records of a data section; refuses those with a trailing payload."""
    pos = n = 0
    while pos < len(data):
        if len(data) - pos < EVENT_HEADER.size:
            die(f"data section offset {pos}: truncated record header")
        rtype, _misc, size = EVENT_HEADER.unpack_from(data, pos)
        if size < EVENT_HEADER.size or pos + size > len(data):
            die(f"data section offset {pos}: bad record size {size}")
        if rtype in (PERF_RECORD_HEADER_TRACING_DATA, PERF_RECORD_AUXTRACE,
                     PERF_RECORD_COMPRESSED):
            die(f"data section offset {pos}: record type {rtype} cannot be compressed")
        pos += size
        n += 1
    return n


def feature_ids(bits):
    return [f for f in range(256) if (bits[f // 64] >> (f % 64)) & 1]


def compress_stream(data, frame):
    """One zstd stream: one frame, or frames of `frame` input bytes each."""
    if frame <= 0:
        return zstd(data, "-3"), 1
    frames = [zstd(data[i:i + frame], "-3") for i in range(0, len(data), frame)]
    return b"".join(frames), len(frames)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunk", type=int, default=16384,
                    help="largest payload of one COMPRESSED record")
    ap.add_argument("--frame", type=int, default=0,
                    help="compress as independent zstd frames of this many input bytes")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args()
    if not 0 < a.chunk <= MAX_RECORD - EVENT_HEADER.size:
        die(f"--chunk must be in 1..{MAX_RECORD - EVENT_HEADER.size}")

    buf = open(a.input, "rb").read()
    if len(buf) < FILE_HEADER.size:
        die("input too short for a perf.data header")
    (magic, hdr_size, attr_size, attrs_off, attrs_size, data_off, data_size,
     types_off, types_size, *bits) = FILE_HEADER.unpack_from(buf, 0)
    if magic != MAGIC or hdr_size != FILE_HEADER.size:
        die("not a file-mode perf.data (pipe mode is not supported)")
    data = buf[data_off:data_off + data_size]
    if len(data) != data_size:
        die("data section runs past the end of the file")
    nrec = walk_records(data)

    # Feature sections: a table right after the data section, one entry per
    # set bit in ascending order.
    feats = feature_ids(bits)
    table_off = data_off + data_size
    sections = {}
    for i, f in enumerate(feats):
        off, size = SECTION.unpack_from(buf, table_off + i * SECTION.size)
        sections[f] = buf[off:off + size]
        if len(sections[f]) != size:
            die(f"feature {f} section runs past the end of the file")

    stream, nframes = compress_stream(data, a.frame)
    records = []
    for i in range(0, len(stream), a.chunk):
        payload = stream[i:i + a.chunk]
        records.append(EVENT_HEADER.pack(PERF_RECORD_COMPRESSED, 0,
                                         EVENT_HEADER.size + len(payload)) + payload)
    new_data = b"".join(records)

    # Check: the payloads, joined, decompress to the original records.
    if zstd(b"".join(r[EVENT_HEADER.size:] for r in records), "-d") != data:
        die("self-check failed: the stream does not decompress to the input")

    # HEADER_COMPRESSED as perf's write_compressed(): u32 version, type
    # (1 = zstd), level, ratio, mmap_len.
    ratio = max(1, round(len(data) / max(1, len(stream))))
    sections[HEADER_COMPRESSED] = struct.pack("<5I", 1, 1, 3, ratio, 0)
    bits[HEADER_COMPRESSED // 64] |= 1 << (HEADER_COMPRESSED % 64)
    feats = feature_ids(bits)

    new_table_off = data_off + len(new_data)
    pos = new_table_off + SECTION.size * len(feats)
    table = b""
    for f in feats:
        table += SECTION.pack(pos, len(sections[f]))
        pos += len(sections[f])
    header = FILE_HEADER.pack(magic, hdr_size, attr_size, attrs_off, attrs_size, data_off,
                              len(new_data), types_off, types_size, *bits)
    out = (header + buf[FILE_HEADER.size:data_off] + new_data + table +
           b"".join(sections[f] for f in feats))
    with open(a.output, "wb") as f:
        f.write(out)
    print(f"compressed {nrec} records ({len(data)} bytes) into {len(records)} "
          f"COMPRESSED records in {nframes} zstd frames")


if __name__ == "__main__":
    main()
