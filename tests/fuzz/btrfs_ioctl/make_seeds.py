#!/usr/bin/env python3
"""Writes the btrfs_ioctl fuzz target's seeds into corpus/ (the layout is documented at the top of
btrfs_ioctl_fuzz.cpp): fsid[16] max_id[8] num_devices[8], then per DEV_INFO call kind[1] uuid[16]
bytes_used[8] total_bytes[8] path_len[1] path[path_len] stats[40]. Little-endian, as the target
reads them on x86-64 and arm64."""
import pathlib
import struct

ENODEV, EIO, STATS_FAIL, ANSWER = 0, 1, 2, 3
FSID = bytes.fromhex("0abb23a9579b43e79f3093ec77f6e2b5")


def header(max_id, num_devices, fsid=FSID):
    return fsid + struct.pack("<QQ", max_id, num_devices)


def device(kind, uuid_byte=0, used=0, total=0, path=b"", stats=(0, 0, 0, 0, 0)):
    assert len(path) < 256
    return (bytes([kind]) + bytes([uuid_byte]) * 16 + struct.pack("<QQ", used, total) +
            bytes([len(path)]) + path + struct.pack("<5Q", *stats))


SEEDS = {
    # ids 0 and 2 are gaps (ENODEV); devices 1 and 3 answer; the walk stops at num_devices.
    "two_devices_gap": header(3, 2) + device(ENODEV) +
    device(ANSWER, 0x11, 1 << 30, 10 << 30, b"/dev/sda", (1, 2, 3, 4, 5)) + device(ENODEV) +
    device(ANSWER, 0x22, 2 << 30, 10 << 30, b"/dev/sdb"),
    # two paths with one last element and one UUID: the second is left out.
    "repeated_name": header(2, 2) +
    device(ANSWER, 0x33, 100, 200, b"/dev/sda") + device(ANSWER, 0x33, 100, 200, b"/rootfs/dev/sda"),
    # the kernel's path is bytes: label values must come out UTF-8.
    "invalid_utf8_path": header(1, 1) + device(ANSWER, 0x44, 5, 7, b"/dev/\xff\xfe\xc3"),
    # DEV_INFO fails with another errno than ENODEV: the whole filesystem fails.
    "dev_info_error": header(2, 2) + device(ANSWER, 0x55, 1, 2, b"/dev/vda") + device(EIO),
    # GET_DEV_STATS fails: the whole filesystem fails.
    "dev_stats_error": header(1, 1) + device(STATS_FAIL, 0x66, 1, 2, b"/dev/vdb"),
    # max_id and num_devices as large as they go: the walk stops at kMaxBtrfsDevid; bytes_used
    # above total_bytes wraps as in node_exporter.
    "huge_max_id": header(2**64 - 1, 2**64 - 1) +
    device(ANSWER, 0x00, 10, 5, b"nvme0n1", (2**64 - 1,) * 5),
}

if __name__ == "__main__":
    out = pathlib.Path(__file__).resolve().parent / "corpus"
    out.mkdir(exist_ok=True)
    for name, data in SEEDS.items():
        (out / name).write_bytes(data)
