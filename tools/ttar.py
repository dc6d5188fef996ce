#!/usr/bin/env python3
"""Unpacks a ttar archive (node_exporter's text archive of fixture trees, e.g. sys.ttar) the way
node_exporter 1.5.0's own `ttar -C DIR -x -f FILE` does: directories, files with their line
counts, `EOF` marking a last line without newline, `NULLBYTE` escapes, `Mode:` applied with chmod
and `SymlinkTo:` links. It follows ttar's extract loop and its sed filter (the path GNU sed takes),
quirks included, so the unpacked tree is byte for byte, mode for mode, the one node_exporter's
tests ran on.

Usage: tools/ttar.py -C DIR -x -f FILE.ttar
"""
import argparse
import os
import re
import sys


def filter_line(line):
    """ttar's sed filter on one content line (without its newline)."""
    line = re.sub(r"^NULLBYTE", "\0", line)
    # s/\([^\\]\)NULLBYTE/\1\x0/g, twice (consecutive null bytes)
    line = re.sub(r"([^\\])NULLBYTE", "\\1\0", line)
    line = re.sub(r"([^\\])NULLBYTE", "\\1\0", line)
    line = line.replace("\\NULLBYTE", "NULLBYTE")
    line = re.sub(r"([^\\])EOF", r"\1", line)
    line = line.replace("\\EOF", "EOF")
    return line


def extract(archive, directory):
    with open(archive, "rb") as f:
        data = f.read().decode("utf-8", "surrogateescape")
    lines = data.split("\n")
    # `while IFS= read -r line` never sees a last line that lacks its newline.
    lines = lines[:-1]
    os.chdir(directory)
    path = ""
    size = 0
    for line_no, line in enumerate(lines, 1):
        if size > 0:
            eof_without_newline = re.search(r"[^\\]EOF", line) is not None
            content = filter_line(line)
            if not eof_without_newline:
                content += "\n"
            with open(path, "ab") as out:
                out.write(content.encode("utf-8", "surrogateescape"))
            size -= 1
            continue
        m = re.match(r"^Path: (.*)$", line)
        if m:
            path = m.group(1)
            if os.path.lexists(path):
                os.remove(path)
            continue
        m = re.match(r"^Lines: (.*)$", line)
        if m:
            size = int(m.group(1))
            open(path, "ab").close()  # touch: created even if empty
            continue
        m = re.match(r"^Mode: (.*)$", line)
        if m:
            os.chmod(path, int(m.group(1), 8))
            continue
        m = re.match(r"^Directory: (.*)$", line)
        if m:
            path = m.group(1)
            os.makedirs(path, exist_ok=True)
            continue
        m = re.match(r"^SymlinkTo: (.*)$", line)
        if m:
            os.symlink(m.group(1), path)
            continue
        if line.startswith("#"):
            continue
        sys.exit(f"ERROR: Unknown keyword on line {line_no}: {line}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-C", dest="directory", default=".")
    p.add_argument("-x", dest="extract", action="store_true", required=True)
    p.add_argument("-f", dest="file", required=True)
    a = p.parse_args()
    extract(os.path.abspath(a.file), a.directory)


if __name__ == "__main__":
    main()
