#!/usr/bin/env python3
"""Writes the synthetic seed files of the vendor-format fuzz harnesses.

Every file is built byte by byte from the published layouts (docs/formats.md and
the sources it cites), never cut from a real vendor file. Seeds are small and
valid (plus a few with the damage readers must handle: a short record count,
a partial record), so the fuzzer starts from inside each format.

Usage: tests/fuzz/make_seeds.py CORPUS_DIR   (writes CORPUS_DIR/<format>/...)
"""
import os
import struct
import sys
import zlib

# ---- PicoQuant PTU: preamble, 48-byte tag heads, records ----

TY_EMPTY8 = 0xFFFF0008
TY_BOOL8 = 0x00000008
TY_INT8 = 0x10000008
TY_BITSET64 = 0x11000008
TY_COLOR8 = 0x12000008
TY_FLOAT8 = 0x20000008
TY_TDATETIME = 0x21000008
TY_FLOAT8ARRAY = 0x2001FFFF
TY_ANSISTRING = 0x4001FFFF
TY_WIDESTRING = 0x4002FFFF
TY_BINARYBLOB = 0xFFFFFFFF


def tag(ident, typ, value=0, idx=-1, payload=b""):
    head = ident.encode().ljust(32, b"\0") + struct.pack("<iI", idx, typ)
    if payload:
        padded = payload + b"\0" * (-len(payload) % 8)
        return head + struct.pack("<Q", len(padded)) + padded
    if isinstance(value, float):
        return head + struct.pack("<d", value)
    return head + struct.pack("<q", value)


def ptu(rec_type, records, t3, version=b"1.0.00", promised=None, glob=None, res=None):
    """A PTU file of the record type with the 32-bit records given."""
    n = len(records) if promised is None else promised
    tags = [
        tag("File_GUID", TY_ANSISTRING, payload=b"{00000000-0000-0000-0000-000000000000}\0"),
        tag("File_Comment", TY_WIDESTRING, payload="fuzz seed \u00b5s".encode("utf-16le") + b"\0\0"),
        tag("File_CreatingTime", TY_TDATETIME, 45000.5),
        tag("Measurement_Mode", TY_INT8, 3 if t3 else 2),
        tag("Measurement_SubMode", TY_INT8, 0),
        tag("TTResultFormat_TTTRRecType", TY_INT8, rec_type),
        tag("TTResultFormat_BitsPerRecord", TY_INT8, 32),
        tag("TTResult_NumberOfRecords", TY_INT8, n),
        tag("MeasDesc_GlobalResolution", TY_FLOAT8, glob if glob is not None else (1e-7 if t3 else 1e-12)),
        tag("MeasDesc_Resolution", TY_FLOAT8, res if res is not None else (2.5e-11 if t3 else 1e-12)),
        tag("TTResult_SyncRate", TY_INT8, 10000000),
        tag("HW_InpChan_Enabled", TY_BOOL8, 1, idx=0),
        tag("HW_InpChan_Enabled", TY_BOOL8, 0, idx=3),
        tag("TTResult_MDescWarningFlags", TY_BITSET64, 0x80),
        tag("Window_Color", TY_COLOR8, 0xFF0000),
        tag("HistResDscr_Resolutions", TY_FLOAT8ARRAY, payload=struct.pack("<3d", 1e-12, 2e-12, 4e-12)),
        tag("$ReqHdr_SpatialResolution", TY_FLOAT8, 0.5),
        tag("ImgHdr_LineStart", TY_INT8, 1),
        tag("ImgHdr_LineStop", TY_INT8, 2),
        tag("ImgHdr_Frame", TY_INT8, 3),
        tag("UsrBlob", TY_BINARYBLOB, payload=bytes(range(16))),
        tag("Fast_Load_End", TY_EMPTY8),
        tag("Header_End", TY_EMPTY8),
    ]
    body = b"".join(struct.pack("<I", r) for r in records)
    return b"PQTTTR\0\0" + version.ljust(8, b"\0") + b"".join(tags) + body


def ph_t2(ch, tag_):
    return ch << 28 | tag_


def ph_t3(ch, dtime, nsync):
    return ch << 28 | dtime << 16 | nsync


def hh_t2(special, ch, tag_):
    return special << 31 | ch << 25 | tag_


def hh_t3(special, ch, dtime, nsync):
    return special << 31 | ch << 25 | dtime << 10 | nsync


PH_T2 = [ph_t2(1, 100), ph_t2(2, 5000), ph_t2(0, 6000), ph_t2(0xF, 0), ph_t2(3, 70),
         ph_t2(0xF, 0x1230 | 0x5), ph_t2(4, 0xFFFFFFF), ph_t2(5, 1)]
PH_T3 = [ph_t3(1, 100, 5), ph_t3(2, 4095, 6), ph_t3(0xF, 0, 0), ph_t3(3, 7, 1),
         ph_t3(0xF, 0x3, 9), ph_t3(4, 0, 0xFFFF), ph_t3(0, 1, 1)]
HH_T2 = [hh_t2(0, 0, 1000), hh_t2(0, 1, 2000), hh_t2(1, 0, 2500), hh_t2(1, 63, 0),
         hh_t2(1, 63, 3), hh_t2(0, 62, 0x1FFFFFF), hh_t2(1, 5, 77), hh_t2(1, 20, 1)]
HH_T3 = [hh_t3(0, 0, 100, 5), hh_t3(0, 1, 0x7FFF, 6), hh_t3(1, 63, 0, 0), hh_t3(1, 63, 0, 2),
         hh_t3(1, 2, 0, 9), hh_t3(0, 3, 1, 0x3FF), hh_t3(1, 0, 0, 1)]

# ---- legacy PicoQuant headers (offsets as lib/io/fmt_picoquant.c reads them,
# from the structs of the PicoQuant demos) ----


def put(buf, off, data):
    buf[off:off + len(data)] = data


def pt(t3, records, promised=None):
    h = bytearray(728)
    put(h, 0, b"PicoHarp 300")
    put(h, 16, b"2.0")
    put(h, 22, b"PicoHarp Software")
    put(h, 52, b"01/01/24 00:00:00")
    put(h, 72, b"fuzz seed")
    put(h, 328 + 20, struct.pack("<i", 3 if t3 else 2))
    board = 328 + 208
    put(h, board + 48, struct.pack("<f", 0.004))
    tttr = board + 156
    n = len(records) if promised is None else promised
    put(h, tttr + 12, struct.pack("<i", 10000000))
    put(h, tttr + 28, struct.pack("<i", n))
    put(h, tttr + 32, struct.pack("<i", 2))
    return bytes(h) + b"\x11" * 8 + b"".join(struct.pack("<I", r) for r in records)


def ht(t3, v1, records, inputs=4, promised=None):
    h = bytearray(696 + 20 * inputs + 24)
    put(h, 0, b"HydraHarp")
    put(h, 16, b"1.0" if v1 else b"2.0")
    put(h, 22, b"HydraHarp")
    put(h, 72, b"fuzz seed")
    put(h, 340, struct.pack("<i", 3 if t3 else 2))
    put(h, 352, struct.pack("<d", 1.0 if t3 else 0.5))
    put(h, 648, struct.pack("<d", 1.0))
    put(h, 664, struct.pack("<i", inputs))
    tttr = 696 + 20 * inputs
    n = len(records) if promised is None else promised
    put(h, tttr, struct.pack("<i", 40000000))
    put(h, tttr + 12, struct.pack("<i", 1))
    put(h, tttr + 16, struct.pack("<q", n))
    return bytes(h) + b"\x22" * 4 + b"".join(struct.pack("<I", r) for r in records)


def t3r_record(valid, route, data, tag_):
    return valid << 30 | route << 28 | data << 16 | tag_


def t3r(records, boards=1, promised=None):
    h = bytearray(516 + 24 * boards + 52)
    put(h, 0, b"TimeHarp 200")
    put(h, 16, b"6.0")
    put(h, 28, b"01/01/24 00:00:00")
    put(h, 48, b"fuzz seed")
    put(h, 320, struct.pack("<i", boards))
    put(h, 516 + 20, struct.pack("<f", 0.03))
    tttr = 516 + 24 * boards
    n = len(records) if promised is None else promised
    put(h, tttr, struct.pack("<i", 100))
    put(h, tttr + 44, struct.pack("<i", n))
    put(h, tttr + 48, struct.pack("<i", 1))
    return bytes(h) + b"\x33" * 4 + b"".join(struct.pack("<I", r) for r in records)


T3R = [t3r_record(1, 0, 100, 5), t3r_record(1, 3, 4095, 9), t3r_record(0, 0, 0x800, 0),
       t3r_record(0, 0, 0x5, 7), t3r_record(1, 1, 0, 0xFFFF), t3r_record(0, 0, 0, 3)]

# ---- Becker & Hickl SPC-130/140/150/160 FIFO ----


def spc_photon(mt, rout, adc, mtov=0, gap=0, mark=0, invalid=0):
    return invalid << 31 | mtov << 30 | gap << 29 | mark << 28 | adc << 16 | rout << 12 | mt


SPC = [spc_photon(10, 0, 4095), spc_photon(20, 1, 0), spc_photon(5, 0, 100, mtov=1),
       0xC0000000 | 32, 0xC0000000 | 1, spc_photon(30, 2, 50, invalid=1),
       spc_photon(40, 5, 0, mark=1), spc_photon(50, 0, 7, gap=1), spc_photon(60, 15, 2000)]
SET_TEXT = (b"*IDENTIFICATION\r\n ID : SPC Setup & Data File\r\n*END\r\n*SETUP\r\n"
            b"SYS_PARA_BEGIN:\r\n #SP [SP_TAC_R,F,5.00000006e-008]\r\n #SP [SP_TAC_G,I,4]\r\n"
            b" #SP [SP_ADC_RE,I,4096]\r\nSYS_PARA_END:\r\n*END\r\n")


def spc(header, records):
    return struct.pack("<I", header) + b"".join(struct.pack("<I", r) for r in records)

# ---- quTAG binary: 40-byte header with the magic, 10-byte records ----


def qutag(records):
    head = bytes([0x87, 0xB3, 0x91, 0xFA]) + bytes(range(4, 40))
    return head + b"".join(struct.pack("<QH", t, c) for t, c in records)


QUTAG = [(1000, 1), (1500, 2), (1400, 3), (2000, 100), (2100, 104), (2200, 203), (2300, 150),
         (2**63, 1), (3000, 0)]

# ---- raw records ----


def raw(records, channel_bytes=2):
    fmt = "<qH" if channel_bytes == 2 else "<qI"
    return b"".join(struct.pack(fmt, t, c) for t, c in records)


def raw16(records):
    return b"".join(struct.pack("<qHBBI", *r) for r in records)


RAW = [(0, 1), (100, 2), (100, 1), (2**40, 3), (-5, 0), (2**62, 65535)]
RAW16 = [(0, 1, 0, 0, 0), (10, 0, 1, 0, 0), (20, 0, 2, 4, 7), (30, 2, 0, 2, 1234),
         (40, 3, 0, 1, 5 | 6 << 16), (50, 1, 0, 8, 0), (60, 1, 3, 0, 0), (5, 1, 0, 0x80, 0)]

# ---- text ----

CSV = {
    "header.csv": b"time,channel\n100,1\n250,2\n250,1\n1000000,3\n",
    "noheader.tsv": b"1\t100\n2\t200\n1\t300\n",
    "names.csv": b"channel,time\nA,1.5\nB,2.25\nsync,3\nA,1e3\n",
    "units.csv": b"time_ns;channel\n0.001;1\n1.000;2\n12345678901.5;1\n",
    "quoted.csv": b"\"time\",\"channel\"\r\n\"10\",\"1\"\r\n\"20\",\"2\"\r\n",
    "space.txt": b"# quTAU ascii\n100 1\n200 2\n 300  3\n",
    "bad.csv": b"time,channel\n100,1\nx,2\n300\n",
    "unterminated.csv": b"time,channel\n100,1\n200,\"2",
}

# ---- partial results (the text form of lib/stream/partial.h) ----

PARTIAL = {
    "hand.partial": b"qpipe-partial 1 hist\nsame bin_ps 100\nsum counts 1 2 3 -4\n"
                    b"min tmin 5\nmax tmax 9223372036854775807\nsame empty\n",
}


# ---- images: PGM/PPM (netpbm), PFM, PNG (RFC 2083) ----


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def adam7_rows(width, height, rows):
    """The rows of the seven interlace passes, for 8-bit grey samples."""
    out = []
    for x0, y0, dx, dy in ADAM7:
        for y in range(y0, height, dy):
            picked = bytes(rows[y][x] for x in range(x0, width, dx))
            if picked:
                out.append(picked)
    return out


def png(width, height, depth, colour, rows, interlace=0, extra=b""):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    if interlace:
        rows = adam7_rows(width, height, rows)
    raw_rows = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(raw_rows)) + chunk(b"IEND", b""))


def images():
    grey8 = bytes([0, 64, 128, 255, 10, 20, 30, 40, 1, 2, 3, 4])
    grey16 = b"".join(struct.pack(">H", v) for v in (0, 1000, 65535, 300, 7, 9))
    pfm_le = struct.pack("<6f", 0.0, 0.5, -1.0, 1e30, 1e-30, 2.0)
    plte = struct.pack(">I", 6) + b"PLTE" + bytes([0, 0, 0, 255, 255, 255])
    plte += struct.pack(">I", zlib.crc32(b"PLTE" + bytes([0, 0, 0, 255, 255, 255])))
    return {
        "grey8.pgm": b"P5\n4 3\n255\n" + grey8,
        "grey16.pgm": b"P5\n3 2\n# comment\n65535\n" + grey16,
        "maxval1000.pgm": b"P5 3 2 1000\n" + struct.pack(">6H", 0, 1000, 999, 1, 500, 7),
        "plain.pgm": b"P2\n3 2\n15\n0 1 2\n3 15 7\n",
        "colour.ppm": b"P6\n2 2\n255\n" + bytes(range(12)),
        "grey-le.pfm": b"Pf\n3 2\n-1.0\n" + pfm_le,
        "grey-be.pfm": b"Pf\n2 1\n1.0\n" + struct.pack(">2f", 0.25, -3.5),
        "colour.pfm": b"PF\n1 2\n-1\n" + struct.pack("<6f", 1, 2, 3, 4, 5, 6),
        "grey8.png": png(4, 3, 8, 0, [grey8[i:i + 4] for i in (0, 4, 8)]),
        "grey16.png": png(3, 2, 16, 0, [grey16[:6], grey16[6:]]),
        "grey1.png": png(9, 2, 1, 0, [b"\xa5\x80", b"\x0f\x00"]),
        "grey8-interlaced.png": png(4, 3, 8, 0, [grey8[i:i + 4] for i in (0, 4, 8)], 1),
        "grey-alpha.png": png(2, 1, 8, 4, [b"\x10\xff\x20\x80"]),
        "rgb.png": png(2, 1, 8, 2, [b"\x10\x20\x30\x40\x50\x60"]),
        "palette-grey.png": png(2, 1, 8, 3, [b"\x00\x01"], extra=plte),
    }


# ---- calibration files (lib/cal/calib.h) and qrecon's text inputs ----

CALIB = {
    "hand.cal": b"qpipe-calibration 1\n@qcal\t0.1.0\t2026-01-02T03:04:05Z\tqcal merge a.cal b.cal\n"
                b"# a comment\ncreated = 2026-01-02T03:04:05Z\ndelay.reference = 1\n"
                b"delay.2 = 1234.512 ps +- 0.310 ps\ndelay.3 = -2 ns\nrename.5 = 7\n"
                b"clock.4.offset = 10 ps\nclock.4.drift = 2.5 ppm +- 0.1 ppm\n"
                b"clock.6.knots = 3\nclock.6.knot.0.time = 0 ps\nclock.6.knot.0.delay = 5 ps\n"
                b"clock.6.knot.1.time = 1 ms\nclock.6.knot.1.delay = 9 ps\n"
                b"clock.6.knot.2.time = 2 ms\nclock.6.knot.2.delay = -3 ps\n"
                b"hot.2.3.4 = 1.5 kHz\nmask.2.0.0 = manual\nflat.2.1.1 = 0.98 +- 0.01\n"
                b"dark.1 = 120 Hz +- 3 Hz\ndeadtime.1 = 22 ns\nefficiency.1 = 0.25\n",
}

BUCKETS = {
    "buckets.tsv": b"index\tvalue\n0\t10\n1\t2.5\n# comment\n\n3\t-1e3\n2\t0\n",
    "buckets-spaces.txt": b"0 1\n1 1\n2 1\n3 1\n",
}


def write(corpus, fmt, name, data):
    d = os.path.join(corpus, fmt)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    corpus = sys.argv[1]
    w = lambda fmt, name, data: write(corpus, fmt, name, data)
    w("ptu", "ph-t2.ptu", ptu(0x00010203, PH_T2, False, glob=4e-12))
    w("ptu", "ph-t3.ptu", ptu(0x00010303, PH_T3, True, version=b"00.0.1"))
    w("ptu", "hh1-t2.ptu", ptu(0x00010204, HH_T2, False))
    w("ptu", "hh2-t2.ptu", ptu(0x01010204, HH_T2, False))
    w("ptu", "hh1-t3.ptu", ptu(0x00010304, HH_T3, True))
    w("ptu", "hh2-t3.ptu", ptu(0x01010304, HH_T3, True))
    w("ptu", "generic-t2.ptu", ptu(0x00010207, HH_T2, False, glob=5e-12))
    w("ptu", "th260n-t3.ptu", ptu(0x00010305, HH_T3, True, promised=100))
    w("ptu", "generic-t3-partial-record.ptu", ptu(0x00010307, HH_T3, True) + b"\1\2")
    w("pt2", "ph.pt2", pt(False, PH_T2))
    w("pt2", "ph-short.pt2", pt(False, PH_T2, promised=1000) + b"\0")
    w("pt3", "ph.pt3", pt(True, PH_T3))
    w("ht2", "v1.ht2", ht(False, True, HH_T2))
    w("ht2", "v2.ht2", ht(False, False, HH_T2, inputs=2, promised=50))
    w("ht3", "v1.ht3", ht(True, True, HH_T3))
    w("ht3", "v2.ht3", ht(True, False, HH_T3, inputs=8))
    w("t3r", "th200.t3r", t3r(T3R))
    w("t3r", "th200-2boards.t3r", t3r(T3R, boards=2, promised=10))
    w("spc", "spc150.spc", spc(0x8000005F, SPC))
    w("spc", "spc150-with-set.spc", spc(0x8200005F, SPC) + SET_TEXT)
    w("spc", "spc-partial-record.spc", spc(0x80000001, SPC[:4]) + b"\x01")
    w("qutag", "qutag.bin", qutag(QUTAG))
    w("qutag", "qutag-partial.bin", qutag(QUTAG[:3]) + b"\0\0\0")
    w("raw", "raw10.bin", raw(RAW))
    w("raw", "raw12.bin", raw(RAW, channel_bytes=4))
    w("raw16", "raw16.bin", raw16(RAW16))
    for name, data in CSV.items():
        w("csv", name, data)
    for name, data in PARTIAL.items():
        w("partial", name, data)
    for name, data in images().items():
        w("image", name, data)
    for name, data in CALIB.items():
        w("calib", name, data)
    for name, data in BUCKETS.items():
        w("recon", name, data)


if __name__ == "__main__":
    main()
