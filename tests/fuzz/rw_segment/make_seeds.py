#!/usr/bin/env python3
"""Writes the binary seeds of the rw_segment fuzz target into corpus/ (beside this script), in
lib/remote/segment.hpp's format: "sondeRW1", then records of u32 length (of the payload), u32
crc32 (zlib's, of the length's 4 bytes and the payload), payload = u32 samples, i64 highest
timestamp (ms), body. Run it again after changing the format; `--check` fails when a committed
seed differs from what this script writes (ctest runs it)."""
import os
import struct
import sys
import zlib

MAGIC = b"sondeRW1"
HERE = os.path.dirname(os.path.abspath(__file__))


def record(samples, highest_ms, body):
    payload = struct.pack("<Iq", samples, highest_ms) + body
    length = struct.pack("<I", len(payload))
    return length + struct.pack("<I", zlib.crc32(length + payload)) + payload


def seeds():
    r1 = record(2, 1_700_000_000_000, b"\x10\x00first body")
    r2 = record(500, 1_700_000_001_000, bytes(range(64)))
    r3 = record(1, 1_700_000_002_000, b"")
    three = MAGIC + r1 + r2 + r3
    flipped = bytearray(three)
    flipped[len(MAGIC) + len(r1) + 20] ^= 0x40  # inside r2's payload: its checksum fails
    huge = MAGIC + r1 + struct.pack("<II", 0xFFFFFFF0, 0) + b"\x00" * 16
    torn = three[: len(MAGIC) + len(r1) + len(r2) + 5]  # r3 cut inside its header
    return {
        "three_records": three,
        "flipped_byte": bytes(flipped),
        "huge_length": huge,
        "torn_tail": torn,
    }


def main():
    check = "--check" in sys.argv[1:]
    bad = []
    for name, data in seeds().items():
        path = os.path.join(HERE, "corpus", name)
        if check:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        bad.append(name)
            except FileNotFoundError:
                bad.append(name)
        else:
            with open(path, "wb") as f:
                f.write(data)
    if bad:
        sys.exit("rw_segment seeds differ from make_seeds.py: " + ", ".join(bad))


if __name__ == "__main__":
    main()
