"""Writes hostile .pgoprof files for harden-pgoprof.test (issue 18, finding 4).

  make_pgoprof_bomb.py declared OUT   33 bytes: a header and a zstd frame
                                      header declaring 16 GiB uncompressed
  make_pgoprof_bomb.py body N         to stdout: a protobuf body of one binary
                                      with N IP samples whose address delta and
                                      count are each a one-byte 0 (pipe it to
                                      `zstd --stream-size`, which declares the
                                      size in the frame)
  make_pgoprof_bomb.py size N         the byte size of `body N`
  make_pgoprof_bomb.py header OUT     the 16-byte header alone

Layouts: core/ProfileFormat.h (magic, u32 version, u32 flags), RFC 8878 (zstd
frame header and block header), protobuf wire format (core/profile.proto field
numbers: Profile.binaries = 2, Binary.sample_addr_delta = 13, sample_count = 14).
"""
import struct
import sys

HEADER = b"PGOPROF\x01" + struct.pack("<II", 1, 0)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def len_field(field, n):
    return varint((field << 3) | 2) + varint(n)


def main():
    mode = sys.argv[1]
    if mode == "declared":
        frame = b"\x28\xb5\x2f\xfd" + b"\xe0" + struct.pack("<Q", 16 << 30)
        frame += b"\x0b\x00\x00" + b"A"  # last block, RLE, 1 byte
        data = HEADER + frame
        assert len(data) == 33
        open(sys.argv[2], "wb").write(data)
    elif mode == "header":
        open(sys.argv[2], "wb").write(HEADER)
    elif mode == "size":
        n = int(sys.argv[2])
        inner_len = 2 * (len(len_field(13, n)) + n)
        print(len(len_field(2, inner_len)) + inner_len)
    elif mode == "body":
        n = int(sys.argv[2])
        inner_len = 2 * (len(len_field(13, n)) + n)
        out = sys.stdout.buffer
        out.write(len_field(2, inner_len))
        zeros = bytes(1 << 20)
        for field in (13, 14):
            out.write(len_field(field, n))
            left = n
            while left:
                k = min(left, len(zeros))
                out.write(zeros[:k])
                left -= k
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
