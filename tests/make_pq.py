#!/usr/bin/env python3
"""PicoQuant time-tag files written byte by byte, for the tests of qtag-read.

Written from PicoQuant's published layouts, not from qpipe's reader:
- PTU: doc/apx_tagtypes.html (8-byte magic "PQTTTR", 8-byte version, 48-byte
  tag heads: 32-byte name, int32 index, uint32 type, 8-byte value; string,
  array and blob types give a byte count and that many bytes follow);
- records: doc/apx_tttrrecords.html (docs/formats.md 1.3);
- .pt2/.pt3: the structures of PicoQuant's pt3demo.c (4-byte packing);
- .ht2/.ht3: the HydraHarp 1.0/2.0 header (2-byte packing, docs/formats.md 1.4);
- .t3r: the TimeHarp 200 5.0 header (2-byte packing, docs/formats.md 1.4).

Records are written from a small language, one record per ';'-separated item:
  p CH TAG            photon (T2): raw channel CH, timetag TAG
  p CH DTIME NSYNC    photon (T3, t3r: CH is the route, DTIME the data)
  s TAG               HydraHarp-style T2 sync record (special, channel 0)
  o [N]               overflow; N is the count field (HydraHarp style) or
                      the unused low bits (PicoHarp, t3r); default 0
  m BITS TAG|NSYNC    marker record with marker bits BITS
  x WORD              a raw 32-bit word (hex or decimal)

  make_pq.py ptu OUT TYPE RECORDS [options]     (TYPE: see RECORD_TYPES)
  make_pq.py pt2|pt3|ht2|ht3|t3r OUT RECORDS [options]
  make_pq.py tally t2 RES_PS [FIRST] | t3 SYNC_PS MICRO_PS [FIRST]
                                                (qcat text on stdin)
"""
import argparse
import struct
import sys
from fractions import Fraction

RECORD_TYPES = {
    # name: (TTResultFormat_TTTRRecType, layout, T3?)
    "ph-t2": (0x00010203, "ph", False),
    "ph-t3": (0x00010303, "ph", True),
    "hh1-t2": (0x00010204, "hh", False),
    "hh1-t3": (0x00010304, "hh", True),
    "hh2-t2": (0x01010204, "hh", False),
    "hh2-t3": (0x01010304, "hh", True),
    "th260n-t2": (0x00010205, "hh", False),
    "th260n-t3": (0x00010305, "hh", True),
    "th260p-t2": (0x00010206, "hh", False),
    "th260p-t3": (0x00010306, "hh", True),
    "generic-t2": (0x00010207, "hh", False),
    "generic-t3": (0x00010307, "hh", True),
}

TAG_TYPES = {
    "empty": 0xFFFF0008,
    "bool": 0x00000008,
    "int": 0x10000008,
    "bitset": 0x11000008,
    "color": 0x12000008,
    "float": 0x20000008,
    "datetime": 0x21000008,
    "floats": 0x2001FFFF,
    "ints": 0x1001FFFF,  # Int8Array: only in a commented-out part of the doc
    "ansi": 0x4001FFFF,
    "wide": 0x4002FFFF,
    "blob": 0xFFFFFFFF,
}


def field(value, bits, name):
    if not 0 <= value < 1 << bits:
        sys.exit(f"make_pq.py: {name} {value} does not fit in {bits} bits")
    return value


# ---- records (apx_tttrrecords.html) ----

def ph_record(words, t3):
    """PicoHarp 300: channel in bits 31-28; 0xF marks a special record.
    T2: timetag in bits 27-0; special: low 4 bits 0 = overflow, else markers.
    T3: dtime in bits 27-16, nsync in 15-0; special: dtime 0 = overflow,
    else dtime holds the markers."""
    op, args = words[0], [int(w, 0) for w in words[1:]]
    if op == "p" and not t3:
        ch, tag = args
        return field(ch, 4, "channel") << 28 | field(tag, 28, "timetag")
    if op == "p":
        ch, dtime, nsync = args
        return field(ch, 4, "channel") << 28 | field(dtime, 12, "dtime") << 16 | field(
            nsync, 16, "nsync")
    if op == "o" and not t3:
        low = args[0] if args else 0  # the time bits above the marker nibble
        return 0xF << 28 | field(low, 28, "overflow bits") & ~0xF
    if op == "o":
        return 0xF << 28 | field(args[0] if args else 0, 16, "nsync")
    if op == "m" and not t3:
        bits, tag = args
        return 0xF << 28 | (field(tag, 28, "timetag") & ~0xF) | field(bits, 4, "markers")
    if op == "m":
        bits, nsync = args
        return 0xF << 28 | field(bits, 12, "markers") << 16 | field(nsync, 16, "nsync")
    sys.exit(f"make_pq.py: bad PicoHarp record '{' '.join(words)}'")


def hh_record(words, t3):
    """HydraHarp, TimeHarp 260, MultiHarp, Generic: special bit 31, channel
    30-25; T2 timetag 24-0; T3 dtime 24-10 and nsync 9-0. Special channel 63
    is an overflow (count in the timetag/nsync field), 0 a T2 sync, 1-15
    markers."""
    op, args = words[0], [int(w, 0) for w in words[1:]]
    low_bits = 10 if t3 else 25
    if op == "p" and not t3:
        ch, tag = args
        return field(ch, 6, "channel") << 25 | field(tag, 25, "timetag")
    if op == "p":
        ch, dtime, nsync = args
        return field(ch, 6, "channel") << 25 | field(dtime, 15, "dtime") << 10 | field(
            nsync, 10, "nsync")
    if op == "o":
        return 1 << 31 | 63 << 25 | field(args[0] if args else 0, low_bits, "overflow count")
    if op == "s":
        return 1 << 31 | field(args[0], low_bits, "timetag")
    if op == "m":
        bits, low = args
        return 1 << 31 | field(bits, 6, "markers") << 25 | field(low, low_bits, "time")
    sys.exit(f"make_pq.py: bad HydraHarp record '{' '.join(words)}'")


def t3r_record(words):
    """TimeHarp 200, LSB first: TimeTag 16, Data 12, Route 2, Valid 1,
    Reserved 1. Valid = 0: Data bit 11 = overflow, else Data & 7 markers."""
    op, args = words[0], [int(w, 0) for w in words[1:]]
    if op == "p":
        route, data, tag = args
        return 1 << 30 | field(route, 2, "route") << 28 | field(data, 12, "data") << 16 | field(
            tag, 16, "timetag")
    if op == "o":
        return 0x800 << 16 | field(args[0] if args else 0, 16, "timetag")
    if op == "m":
        bits, tag = args
        return field(bits, 3, "markers") << 16 | field(tag, 16, "timetag")
    sys.exit(f"make_pq.py: bad t3r record '{' '.join(words)}'")


def records(text, encode):
    out = []
    for item in text.split(";"):
        words = item.split()
        if not words:
            continue
        if words[0] == "x":
            out.append(int(words[1], 0) & 0xFFFFFFFF)
        else:
            out.append(encode(words))
    return out


def pack_records(words):
    return b"".join(struct.pack("<I", w) for w in words)


# ---- PTU tags (apx_tagtypes.html) ----

def tag_head(name, idx, typ, value_bytes):
    ident = name.encode("latin-1")
    if len(ident) > 32:
        sys.exit(f"make_pq.py: tag name {name} is longer than 32 bytes")
    return ident.ljust(32, b"\0") + struct.pack("<iI", idx, typ) + value_bytes


def tag(name, typ, value, idx=-1):
    """One tag: head and, for the counted types, its payload."""
    code = TAG_TYPES[typ] if typ in TAG_TYPES else int(typ, 0)
    if typ in ("empty",):
        return tag_head(name, idx, code, bytes(8))
    if typ in ("bool", "int"):
        return tag_head(name, idx, code, struct.pack("<q", int(value, 0)))
    if typ in ("bitset", "color"):
        return tag_head(name, idx, code, struct.pack("<Q", int(value, 0)))
    if typ in ("float", "datetime"):
        return tag_head(name, idx, code, struct.pack("<d", float(value)))
    if typ == "floats":
        payload = b"".join(struct.pack("<d", float(v)) for v in value.split(","))
    elif typ == "ints":
        payload = b"".join(struct.pack("<q", int(v, 0)) for v in value.split(","))
    elif typ == "ansi":
        payload = value.encode("utf-8") + b"\0"
    elif typ == "wide":
        payload = value.encode("utf-16-le") + b"\0\0"
    elif typ == "blob":
        payload = bytes.fromhex(value)
    else:
        # a raw head: any type code, the 8-byte value as given, no payload
        return tag_head(name, idx, code, struct.pack("<Q", int(value, 0) & (1 << 64) - 1))
    # "gross size [byte] (must be a multiple of 8)": pad the payload
    padded = payload + bytes(-len(payload) % 8)
    return tag_head(name, idx, code, struct.pack("<Q", len(padded))) + padded


def parse_tag(spec):
    """NAME[IDX]=TYPE:VALUE"""
    name, _, rest = spec.partition("=")
    typ, _, value = rest.partition(":")
    idx = -1
    if name.endswith("]") and "[" in name:
        name, _, i = name[:-1].partition("[")
        idx = int(i)
    return tag(name, typ, value, idx)


def ptu(opts):
    code, layout, t3 = RECORD_TYPES[opts.type]
    words = records(opts.records, lambda w: (ph_record if layout == "ph" else hh_record)(w, t3))
    count = len(words) if opts.count is None else opts.count
    tags = []
    standard = [
        ("File_GUID", "ansi", "{F8B2E2A4-0000-4000-8000-000000000001}"),
        ("Measurement_Mode", "int", "3" if t3 else "2"),
        ("Measurement_SubMode", "int", "0"),
        ("TTResultFormat_TTTRRecType", "int", str(code)),
        ("TTResultFormat_BitsPerRecord", "int", "32"),
        ("TTResult_NumberOfRecords", "int", str(count)),
        ("MeasDesc_GlobalResolution", "float", opts.global_res),
        ("MeasDesc_Resolution", "float", opts.res),
    ]
    for name, typ, value in standard:
        if name not in opts.omit:
            tags.append(tag(name, typ, value))
    tags += [parse_tag(s) for s in opts.tag]
    for i in range(opts.filler):
        name = f"{opts.filler_name}_{i}" if opts.filler_distinct else opts.filler_name
        if opts.filler_text:
            tags.append(tag(name, "ansi", "y" * (opts.filler_text - 1), i))
        else:
            tags.append(tag(name, "int", str(i)))
    if "Header_End" not in opts.omit:
        tags.append(tag("Header_End", "empty", ""))
    version = opts.version.encode().ljust(8, b"\0")
    return b"PQTTTR\0\0" + version + b"".join(tags) + pack_records(words)


# ---- legacy headers ----

def text_field(s, n):
    return s.encode("latin-1")[:n].ljust(n, b"\0")


def ph_legacy(opts, t3):
    """pt3demo.c: TxtHdr 328, BinHdr 208, one BoardHdr 156, TTTRHdr 36."""
    words = records(opts.records, lambda w: ph_record(w, t3))
    count = len(words) if opts.count is None else opts.count
    txt = (text_field("PicoHarp 300", 16) + text_field("2.0", 6) + text_field("PicoHarp Software", 18)
           + text_field("2.3.0.0", 12) + text_field("01/02/06 15:04:05", 18) + b"\r\n"
           + text_field(opts.comment, 256))
    # Curves, BitsPerRecord, RoutingChannels, NumberOfBoards, ActiveCurve,
    # MeasMode, SubMode, RangeNo, Offset, Tacq, StopAt, StopOnOvfl, Restart,
    # DispLinLog, DispTimeFrom, DispTimeTo, DispCountsFrom, DispCountsTo
    binhdr = struct.pack("<18i", 0, 32, 4, 1, 0, 3 if t3 else 2, 0, 0, 0, 1000, 0, 0, 0, 0, 0, 0,
                         0, 0)
    binhdr += bytes(8 * 8) + bytes(3 * 12) + struct.pack("<4i", 0, 0, 0, 0) + bytes(20)
    # HardwareIdent, HardwareVersion, HardwareSerial, SyncDivider,
    # CFDZeroCross0, CFDLevel0, CFDZeroCross1, CFDLevel1, Resolution (ns),
    # RouterModelCode, RouterEnabled, 4 x 6 router channel ints
    board = (text_field("PicoHarp 300", 16) + text_field("2.0", 8)
             + struct.pack("<6i", 1000123, 1, 10, 100, 10, 100)
             + struct.pack("<f", opts.res_ns) + struct.pack("<2i", 0, 0) + bytes(96))
    # ExtDevices, Reserved1, Reserved2, CntRate0, CntRate1, StopAfter,
    # StopReason, Records, ImgHdrSize
    tttr = struct.pack("<9i", 0, 0, 0, opts.sync_rate, 1000, 1000, 0, count, opts.img_words)
    head = txt + binhdr + board + tttr
    assert len(head) == 728
    return head + bytes(4 * max(opts.img_words, 0)) + pack_records(words)


def hh_legacy(opts, t3):
    """HydraHarp 1.0/2.0 (2-byte packing): 696 bytes up to SyncOffset, N x 16
    input channels, N x 4 input rates, TTTR header 24, image header."""
    words = records(opts.records, lambda w: hh_record(w, t3))
    count = len(words) if opts.count is None else opts.count
    n = opts.inputs
    head = (text_field("HydraHarp", 16) + text_field(opts.format_version, 6)
            + text_field("HydraHarp AS", 18) + text_field("2.0", 12)
            + text_field("01/02/10 15:04:05", 18) + b"\r\n" + text_field(opts.comment, 256))
    # NumberOfCurves, BitsPerRecord, ActiveCurve, MeasurementMode, SubMode,
    # Binning, Resolution (f64, ps), Offset, AcquisitionTime, StopAt,
    # StopOnOvfl, Restart, DisplayLinLog, 4 display axis limits
    head += struct.pack("<6i", 0, 32, 0, 3 if t3 else 2, 0, 0) + struct.pack("<d", opts.res_ps)
    head += struct.pack("<10i", 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0)
    head += bytes(8 * 8) + bytes(3 * 12) + struct.pack("<4i", 0, 0, 0, 0) + bytes(20)
    # HardwareIdent, HardwarePartNo, HardwareSerial, NumberOfModules,
    # 10 x {Model, Version}, BaseResolution (f64, ps), InputsEnabled (i64),
    # InputChannelsPresent, RefClockSource, ExtDevices, MarkerSettings,
    # SyncDivider, SyncCFDLevel, SyncCFDZeroCross, SyncOffset
    head += text_field("HydraHarp 400", 16) + text_field("930021", 8) + struct.pack("<2i", 1000456, 1)
    head += bytes(80) + struct.pack("<d", opts.base_ps) + struct.pack("<Q", (1 << min(n, 64)) - 1)
    head += struct.pack("<8i", n, 0, 0, 0, 1, 50, 10, 0)
    assert len(head) == 696
    head += b"".join(struct.pack("<4i", 0, 50, 10, 0) for _ in range(n))
    head += b"".join(struct.pack("<i", 1000) for _ in range(n))
    # SyncRate, StopAfter, StopReason, ImgHdrSize, NumRecords (i64)
    head += struct.pack("<4iq", opts.sync_rate, 1000, 0, opts.img_words, count)
    return head + bytes(4 * max(opts.img_words, 0)) + pack_records(words)


def t3r(opts):
    """TimeHarp 200 5.0 (2-byte packing): 516 bytes up to ScriptName, 24 per
    board, a TTTR header of 13 int32, the special header."""
    words = records(opts.records, t3r_record)
    count = len(words) if opts.count is None else opts.count
    head = (text_field("TimeHarp 200", 16) + text_field("5.0", 6) + text_field("1.1", 6)
            + text_field("01/02/04 15:04:05", 18) + b"\r\n" + text_field(opts.comment, 256))
    # NumberOfChannels, NumberOfCurves, BitsPerChannel, RoutingChannels,
    # NumberOfBoards, ActiveCurve, MeasurementMode, SubMode, RangeNo, Offset,
    # AcquisitionTime, StopAt, StopOnOvfl, Restart, DisplayLinLog, 4 axes
    head += struct.pack("<19i", 4096, 1, 32, 4, 1, 0, 1, 0, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0)
    head += bytes(8 * 8) + bytes(3 * 12) + struct.pack("<4i", 0, 0, 0, 0) + bytes(20)
    assert len(head) == 516
    # BoardSerial, CFDZeroCross, CFDDiscriminatorMin, SYNCLevel, CurveOffset,
    # Resolution (f32, ns)
    head += struct.pack("<5i", 1001, 20, 50, 100, 0) + struct.pack("<f", opts.res_ns)
    # TTTRGlobClock (ns), Reserved[6], SyncRate, AverageCFDRate, StopAfter,
    # StopReason, NumberOfRecords, SpecHeaderLength (int32 words)
    head += struct.pack("<13i", opts.clock_ns, 0, 0, 0, 0, 0, 0, 1000, 1000, 1000, 0, count,
                        opts.img_words)
    assert len(head) == 592
    return head + bytes(4 * max(opts.img_words, 0)) + pack_records(words)


# ---- tally: what a qcat text stream holds, in the vendor's units ----

def tally(argv):
    """Reads `qcat` text (time_ps channel kind [micro] [value]) on stdin and
    prints the events per (kind, channel), the sum of the timetags (T2) or
    nsync (T3) over photons and syncs, and the last such event in those
    units, after the first FIRST such events (default none). T2: timetag =
    time_ps / RES_PS, exact. T3: nsync = round((time_ps - micro * MICRO_PS) /
    SYNC_PS)."""
    mode = argv[0]
    first = int(argv[2 if mode == "t2" else 3]) if len(argv) > (2 if mode == "t2" else 3) else 0
    counts, total, last, seen = {}, 0, None, 0
    header = sys.stdin.readline().split()
    micro_col = header.index("micro") if "micro" in header else None
    if mode == "t2":
        res = Fraction(argv[1])
    else:
        sync, micro = Fraction(argv[1]), Fraction(argv[2])
        # nsync = (t - dtime * micro) / sync = (t * md - dtime * mn) * sd / (md * sn)
        mn, md, sn, sd = micro.numerator, micro.denominator, sync.numerator, sync.denominator
    for line in sys.stdin:
        f = line.split()
        t, ch, kind = int(f[0]), int(f[1]), f[2]
        counts[(kind, ch)] = counts.get((kind, ch), 0) + 1
        if kind == "marker":
            continue
        if mode == "t2":
            num = t * res.denominator
            if num % res.numerator:
                sys.exit(f"tally: time {t} is not a multiple of {res}")
            unit = num // res.numerator
            last = (ch, unit)
        else:
            dtime = int(f[micro_col])
            num, den = (t * md - dtime * mn) * sd, md * sn
            unit = (2 * num + den) // (2 * den)  # nearest; never near a half here
            last = (ch, unit, dtime)
        total += unit
        if seen < first:
            print("event", *last)
            seen += 1
    for (kind, ch), n in sorted(counts.items()):
        print(f"{kind} {ch} {n}")
    print("sum", total)
    print("last", *last)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "tally":
        return tally(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["ptu", "pt2", "pt3", "ht2", "ht3", "t3r"])
    ap.add_argument("out")
    ap.add_argument("type", nargs="?", help="PTU record type: " + " ".join(RECORD_TYPES))
    ap.add_argument("records")
    ap.add_argument("--count", type=int, help="records the header promises (default: all)")
    ap.add_argument("--global-res", default="1e-12", help="PTU MeasDesc_GlobalResolution, s")
    ap.add_argument("--res", default="1e-12", help="PTU MeasDesc_Resolution, s")
    ap.add_argument("--version", default="1.0.00", help="PTU version string")
    ap.add_argument("--tag", action="append", default=[], help="NAME[IDX]=TYPE:VALUE")
    ap.add_argument("--omit", action="append", default=[], help="leave out a standard tag")
    ap.add_argument("--filler", type=int, default=0, help="add this many Int8 tags")
    ap.add_argument("--filler-distinct", action="store_true", help="each filler tag named apart")
    ap.add_argument("--filler-name", default="Filler", help="name of the filler tags")
    ap.add_argument("--filler-text", type=int, default=0,
                    help="filler tags are AnsiStrings of this many bytes with a NUL, index i")
    ap.add_argument("--sync-rate", type=int, default=10000000, help="legacy sync rate, Hz")
    ap.add_argument("--res-ns", type=float, default=0.004, help="pt3/t3r resolution, ns (f32)")
    ap.add_argument("--res-ps", type=float, default=1.0, help="ht2/ht3 Resolution, ps")
    ap.add_argument("--base-ps", type=float, default=1.0, help="ht2/ht3 BaseResolution, ps")
    ap.add_argument("--format-version", default="2.0", help="ht2/ht3 FormatVersion")
    ap.add_argument("--inputs", type=int, default=4, help="ht2/ht3 input channels")
    ap.add_argument("--img-words", type=int, default=0, help="legacy image header words")
    ap.add_argument("--clock-ns", type=int, default=100, help="t3r TTTRGlobClock, ns")
    ap.add_argument("--comment", default="made by tests/make_pq.py")
    opts = ap.parse_args()
    if opts.kind == "ptu":
        if opts.type not in RECORD_TYPES:
            sys.exit(f"make_pq.py: unknown record type {opts.type}")
        data = ptu(opts)
    elif opts.type is not None:
        sys.exit("make_pq.py: only PTU files take a record type")
    elif opts.kind in ("pt2", "pt3"):
        data = ph_legacy(opts, opts.kind == "pt3")
    elif opts.kind in ("ht2", "ht3"):
        data = hh_legacy(opts, opts.kind == "ht3")
    else:
        data = t3r(opts)
    with open(opts.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
