#!/usr/bin/env python3
"""Counts the pixels of a PNG that are not white, and those close to a colour.

Usage: png_colours.py FILE [RRGGBB]. Prints "nonwhite N" and, with a colour,
"colour M". A small decoder (8-bit RGB/RGBA, the five row filters), so that the
tests need no imaging library.
"""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "only 8-bit RGB or RGBA"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev = zlib.decompress(idat), width * bpp, bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield [tuple(line[x * bpp:x * bpp + 3]) for x in range(width)]
        prev = line


def main():
    want = tuple(int(sys.argv[2][k:k + 2], 16) for k in (0, 2, 4)) if len(sys.argv) > 2 else None
    nonwhite = near = 0
    for row in rows(sys.argv[1]):
        for px in row:
            nonwhite += px != (255, 255, 255)
            if want and all(abs(px[k] - want[k]) < 40 for k in range(3)):
                near += 1
    print("nonwhite", nonwhite)
    if want:
        print("colour", near)


main()
