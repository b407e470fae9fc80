#!/usr/bin/env python3
"""Baseline for `qsentry bench decode`: a plain Python decoder of a binary DSPJRN *TYPE5 outfile, the way a
shop writes one by hand today (struct slicing, codecs 'cp037', int() of zoned digits).

It decodes the same fields qsentry decodes: the 44 heading fields and the entry-specific fields of each
record's entry type, from a layout file that `qsentry bench` writes (offset, length, type per field), so
both sides do the same work. Prints one line: `entries=<n> seconds=<s> entries_per_s=<r>`.
"""
import json
import sys
import time


def zoned(b):
    digits = 0
    for i, x in enumerate(b):
        d = x & 0x0F
        if d > 9:
            raise ValueError("bad zoned digit")
        digits = digits * 10 + d
    if (b[-1] >> 4) in (0xB, 0xD):
        digits = -digits
    return digits


def packed(b):
    v = 0
    for x in b[:-1]:
        v = v * 100 + (x >> 4) * 10 + (x & 0x0F)
    v = v * 10 + (b[-1] >> 4)
    return -v if (b[-1] & 0x0F) in (0xB, 0xD) else v


def decode_field(rec, off, ln, ty, codec):
    b = rec[off:off + ln]
    if not b:
        return None
    if ty == "char" or ty == "timestamp":
        return b.decode(codec).rstrip(" \x00")
    if ty == "varchar":
        n = int.from_bytes(b[:2], "big")
        if b[0] < 0x40 and n <= len(b) - 2:
            b = b[2:2 + n]
        return b.decode(codec).rstrip(" \x00")
    if ty == "hex":
        return b.hex().upper()
    if all(x in (0x40, 0) for x in b):
        return None
    if ty == "zoned":
        return zoned(b)
    if ty == "packed":
        return packed(b)
    if ty == "binary":
        return int.from_bytes(b, "big", signed=True)
    return b


def main():
    path, layouts_path, reclen = sys.argv[1], sys.argv[2], int(sys.argv[3])
    codec = sys.argv[4] if len(sys.argv) > 4 else "cp037"
    with open(layouts_path) as f:
        layouts = json.load(f)
    heading = [(f["offset"] - 1, f["len"], f["type"], f["name"]) for f in layouts["heading"]]
    types = {t: [(f["offset"] - 1, f["len"], f["type"], f["name"]) for f in fs] for t, fs in layouts["types"].items()}
    n = 0
    start = time.perf_counter()
    with open(path, "rb") as f:
        while True:
            rec = f.read(reclen)
            if len(rec) < reclen:
                break
            event = {}
            for off, ln, ty, name in heading:
                event[name] = decode_field(rec, off, ln, ty, codec)
            for off, ln, ty, name in types.get(event["journal_entry_type"], []):
                event[name] = decode_field(rec, off, ln, ty, codec)
            n += 1
    secs = time.perf_counter() - start
    print(f"entries={n} seconds={secs:.3f} entries_per_s={n / secs:.0f}")


if __name__ == "__main__":
    main()
