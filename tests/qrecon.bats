load helpers

# qrecon: the contract, the files it reads and writes, exact reconstructions
# and exact merges of shards.
#
# References are independent of the C code: qr.py below builds Sylvester
# matrices with numpy (H_2k = [[H_k, H_k], [H_k, -H_k]]), the orderings from
# their definitions in qrecon(1), bucket values as direct sums over pattern
# frames, and PFM/PGM/PNG files byte by byte; per-pixel counts come from
# qcat's text with awk.

# ---- helpers ----

qr() {
    [ -n "$NPY" ] || fail "python3 with numpy is missing: make deps-test installs it"
    "$NPY" "$BATS_FILE_TMPDIR/qr.py" "$@"
}

write_qr() {
    cat >"$1" <<'EOF'
"""Reference computations for qrecon's tests, from the definitions."""
import json
import math
import os
import re
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.join(os.environ["QPIPE_TOP"], "tests", "tools"))
from pfm import read_pfm, write_pfm


def pgm_frames(data):
    """Every P5 frame of a stack: (comments, maxval, 2-D array)."""
    pos, out = 0, []
    while pos < len(data):
        m = re.compile(rb"P5\n((?:#[^\n]*\n)*)(\d+) (\d+)\n(\d+)\n").match(data, pos)
        assert m, "not a P5 frame at byte %d" % pos
        w, h, mx = int(m.group(2)), int(m.group(3)), int(m.group(4))
        n = w * h * (2 if mx > 255 else 1)
        a = np.frombuffer(data[m.end():m.end() + n], dtype=">u2" if mx > 255 else "u1")
        out.append((m.group(1).decode(), mx, a.reshape(h, w).astype(np.int64)))
        pos = m.end() + n
    return out


def sylvester(n):
    h = np.array([[1]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def order(n, name, seed=1):
    """Natural indices u n + v in the order of qrecon(1)'s definitions."""
    h = sylvester(n)
    s = (np.diff(h, axis=1) != 0).sum(axis=1)
    idx = [(u, v) for u in range(n) for v in range(n)]

    def zig(uv):
        u, v = uv
        d = s[u] + s[v]
        return (d, s[u] if d % 2 else -s[u])

    def level(x):
        return math.ceil(math.log2(x + 1))

    zrank = {uv: r for r, uv in enumerate(sorted(idx, key=zig))}
    keys = {
        "natural": lambda uv: uv,
        "zigzag": zig,
        "cake": lambda uv: ((s[uv[0]] + 1) * (s[uv[1]] + 1), uv),
        "rd": lambda uv: (max(level(s[uv[0]]), level(s[uv[1]])), zrank[uv]),
        "walsh": lambda uv: int((np.diff(np.outer(h[uv[0]], h[uv[1]]).ravel()) != 0).sum()),
    }
    return [u * n + v for u, v in sorted(idx, key=keys[name])]


def test_image(n):
    y, x = np.mgrid[0:n, 0:n]
    img = 0.1 + 0.3 * (x + y) / (2 * n)
    img[n // 4:n // 2, n // 3:3 * n // 4] += 0.4
    return img + 0.15 * np.random.default_rng(n).random((n, n))


def psnr(a, b):
    return 10 * math.log10(1 / np.mean((a - b) ** 2))


def cmd_buckets_natural(n, out):
    """Split buckets of every natural-order pattern: (S +- C) / 2, C = H X H."""
    n = int(n)
    x = test_image(n)
    c = (sylvester(n) @ x @ sylvester(n)).ravel()
    s = x.sum()
    with open(out, "w") as f:
        f.write("index\tvalue\n")
        for k in range(n * n):
            f.write("%d\t%.17g\n%d\t%.17g\n" % (2 * k, (s + c[k]) / 2, 2 * k + 1, (s - c[k]) / 2))


def cmd_psnr(pfm, n):
    print("%.2f" % psnr(read_pfm(pfm), test_image(int(n))))


def frame_index(f, n):
    """The natural index of a +-1 pattern: row 0 is H[v], column 0 is H[u]."""
    h = sylvester(n)
    u = [i for i in range(n) if (h[i] == f[:, 0]).all()][0]
    v = [i for i in range(n) if (h[i] == f[0]).all()][0]
    assert (np.outer(h[u], h[v]) == f).all()
    return u * n + v


def cmd_check_stack(path, n, name, count):
    """Frames 2k and 2k+1 are the parts of the k-th pattern of the ordering."""
    n, count = int(n), int(count)
    fr = pgm_frames(open(path, "rb").read())
    assert len(fr) == 2 * count, "%d frames" % len(fr)
    want = order(n, name)[:count]
    for k in range(count):
        (_, m1, p), (_, m2, q) = fr[2 * k], fr[2 * k + 1]
        assert m1 == m2 == 255 and p.shape == (n, n)
        assert set(np.unique(p)) <= {0, 255} and (p + q == 255).all(), "frame %d" % k
        got = frame_index((p // 255) * 2 - 1, n)
        assert got == want[k], "pattern %d is %d, the ordering says %d" % (k, got, want[k])
    print("ok")


def cmd_stack_buckets(path, n, out):
    """Bucket values as direct sums of each frame (0..1) times the image."""
    x = test_image(int(n))
    with open(out, "w") as f:
        for k, (_, mx, p) in enumerate(pgm_frames(open(path, "rb").read())):
            f.write("%d %.17g\n" % (k, (p / mx * x).sum()))


def cmd_zero_filled(n, name, stack, *runs):
    """The largest |qrecon - H (C masked) H / n^2| over runs PFM:COUNT, the
    mask the first COUNT patterns of the ordering (for random, of the frames
    of the stack, which has no definition to sort by)."""
    n = int(n)
    h, x = sylvester(n), test_image(n)
    c = (h @ x @ h).ravel()
    if name == "random":
        fr = pgm_frames(open(stack, "rb").read())
        seq = [frame_index((p // 255) * 2 - 1, n) for _, _, p in fr[::2]]
    else:
        seq = order(n, name)
    worst = 0
    for run in runs:
        pfm, count = run.split(":")
        m = np.zeros(n * n)
        keep = seq[:int(count)]
        m[keep] = c[keep]
        want = h @ m.reshape(n, n) @ h / n ** 2
        worst = max(worst, np.abs(read_pfm(pfm) - want).max())
    print("%.3g" % worst)


def cmd_scaled_check(pgm, pfm, lo, hi, top):
    """PGM samples = round((v - lo) / (hi - lo) top), clamped."""
    lo, hi, top = float(lo), float(hi), int(top)
    _, mx, a = pgm_frames(open(pgm, "rb").read())[0]
    v = read_pfm(pfm)
    want = np.clip(np.floor((v - lo) / (hi - lo) * top + 0.5), 0, top)
    # lo and hi as printed, and the PFM's float32 values, may move a sample
    # that sits at a rounding boundary by one
    assert mx == top and np.abs(a - want).max() <= 1, np.abs(a - want).max()
    assert (a == want).mean() > 0.99
    print("ok")


def cmd_png(path):
    """The PNG's tEXt Comment (CRC checked) and its grey 8-bit pixels, unfiltered."""
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n"
    pos, text, idat, w, h = 8, None, b"", 0, 0
    while pos < len(d):
        n, = struct.unpack(">I", d[pos:pos + 4])
        kind, body = d[pos + 4:pos + 8], d[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", d[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour == 0
        elif kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            assert key == b"Comment"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows, prev = [], bytearray(w)
    for r in range(h):
        f, line = raw[r * (w + 1)], bytearray(raw[r * (w + 1) + 1:(r + 1) * (w + 1)])
        for i in range(w):
            a, b = line[i - 1] if i else 0, prev[i]
            c = prev[i - 1] if i else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            paeth = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + [0, a, b, (a + b) // 2, paeth][f]) & 255
        rows.append(bytes(line))
        prev = line
    sys.stdout.write(text.decode() + "\n")
    open(path + ".grey", "wb").write(b"".join(rows))


def cmd_tsv_equals_pfm(tsv, pfm):
    a = read_pfm(pfm)
    rows = [l.split("\t") for l in open(tsv) if l[0] != "#"]
    assert rows[0] == ["x", "y", "value\n"]
    worst = max(abs(float(v) - a[int(y), int(x)]) for x, y, v in rows[1:])
    assert len(rows) - 1 == a.size and worst <= 1e-6 * max(1, np.abs(a).max()), worst
    print("ok")


def counts(text, w, h):
    """Pixel photons per pixel from qcat text (x, y columns), as a PFM-like array."""
    w, h = int(w), int(h)
    a = np.zeros((h, w))
    for line in open(text).readlines()[1:]:
        f = line.split("\t")
        if f[3] != "-":
            a[int(f[4]), int(f[3])] += 1
    return a


def cmd_net_check(pfm, coinc_txt, w, h, acc_txt=None, flat=None):
    c = counts(coinc_txt, w, h)
    a = counts(acc_txt, w, h) if acc_txt else 0
    f = read_pfm(flat) if flat else np.ones_like(c)
    want = np.where(f > 0, (c - a) / np.where(f > 0, f, 1), 0)
    worst = np.abs(read_pfm(pfm) - want).max()
    assert worst < 1e-4 * max(1, np.abs(want).max()), worst
    print("ok")


def cmd_singles_check(pfm, coinc_txt, raw_txt, w, h, window):
    """A_j = N_h S_j W / T with W = 2 floor(w/2) + 1 ps, T the span of the
    herald and pixel photons."""
    w, h, window = int(w), int(h), int(window)
    c = counts(coinc_txt, w, h)
    s, nh, times = np.zeros((h, w)), 0, []
    for line in open(raw_txt).readlines()[1:]:
        f = line.split("\t")
        if f[2] != "photon":
            continue
        if f[3] != "-":
            s[int(f[4]), int(f[3])] += 1
        elif f[1] == "1":
            nh += 1
        else:
            continue
        times.append(int(f[0]))
    cover = 2 * (window // 2) + 1
    want = c - nh * s * cover / (max(times) - min(times))
    worst = np.abs(read_pfm(pfm) - want).max()
    assert worst < 1e-3, worst
    print("ok")


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
EOF
}

assert_usage_error() {
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "^qrecon"
    assert_regex "$stderr" "Try 'qrecon --help'"
}

# Fails with a short message unless files $1 and $2 are the same bytes.
assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ"
}

setup_file() {
    NPY=$(find_python numpy) || NPY=
    export NPY
    local d=$BATS_FILE_TMPDIR
    write_qr "$d/qr.py"
    # heralded ghost imaging with many accidentals, and its coincidence streams
    qsim ghost -r 200k -d 200ms --det 1:dark=50k --det 2:dark=5k -s 3 --truth "$d/g.json" \
        -o "$d/g.qev"
    qcorr coinc -C 1,2 -w 5ns "$d/g.qev" -o "$d/c.qev"
    qcorr coinc -C 1,2 -w 5ns --delayed 100ns "$d/g.qev" -o "$d/d.qev"
    # single-pixel imaging, Hadamard patterns in cake order, a quarter of them
    qsim spi --size 32 --object discs --order cake --sampling 0.25 --flux 1e7 \
        --exposure 100us -s 4 -o "$d/s.qev"
}

# ---- contract ----

@test "--help prints usage on stdout and exits 0" {
    run --separate-stderr qrecon --help
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 'Usage: qrecon heralded [OPTION]... [FILE]'
    assert_output --partial 'qrecon merge [OPTION]... PARTIAL...'
    run --separate-stderr qrecon computational --help
    assert_success
    assert_output --partial '--algorithm=NAME'
}

@test "SUBCOMMAND --help prints that subcommand's usage only" {
    local opt
    run --separate-stderr qrecon heralded --help
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 'Usage: qrecon heralded [OPTION]... [FILE]'
    for opt in --accidentals=FILE --singles=FILE --herald=CH --flat=FILE --deconvolve=SIGMA \
        --size=WxH --format=FMT --scale=LO:HI --partial --report=FILE --prom=FILE --quiet \
        --output=FILE --help --version; do
        assert_line --partial -- "$opt"
    done
    refute_output --partial 'qrecon computational'
    refute_output --partial '--algorithm'
    run --separate-stderr qrecon computational --help
    assert_success
    assert_line --index 0 'Usage: qrecon computational [OPTION]... [FILE]'
    for opt in --algorithm=NAME --buckets=FILE --patterns=P --order=NAME --pattern-seed=N \
        --marker-channel=CH --bucket-channel=CH --iterations=N --lambda=X --basis=NAME \
        --format=FMT --output=FILE; do
        assert_line --partial -- "$opt"
    done
    refute_output --partial '--accidentals'
    refute_output --partial 'qrecon heralded'
    run --separate-stderr qrecon patterns -h
    assert_success
    assert_line --index 0 'Usage: qrecon patterns [OPTION]...'
    for opt in --patterns=P --size=N --order=NAME --pattern-seed=N --fill=P --count=N \
        --sampling=P --no-split --format=FMT --output=FILE; do
        assert_line --partial -- "$opt"
    done
    refute_output --partial '--algorithm'
    refute_output --partial '--scale'
    run --separate-stderr qrecon merge --help
    assert_success
    assert_line --index 0 'Usage: qrecon merge [OPTION]... PARTIAL...'
    assert_line --partial -- '--partial'
    refute_output --partial '--accidentals=FILE'
    refute_output --partial '--marker-channel'
}

@test "--version prints the version" {
    run --separate-stderr qrecon --version
    assert_success
    assert_output --regexp '^qrecon \(qpipe\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "usage errors: no subcommand, an unknown one, a bad option, an option of another subcommand" {
    run --separate-stderr qrecon
    assert_usage_error
    run --separate-stderr qrecon paint x.qev
    assert_usage_error
    assert_regex "$stderr" "unknown subcommand 'paint'"
    run --separate-stderr qrecon heralded --bogus x.qev
    assert_usage_error
    run --separate-stderr qrecon heralded --buckets b.tsv x.qev
    assert_usage_error
    assert_regex "$stderr" "--buckets does not apply to qrecon heralded"
    run --separate-stderr qrecon heralded --accidentals a --singles b x.qev
    assert_usage_error
    run --separate-stderr qrecon computational -a magic x.qev
    assert_usage_error
    run --separate-stderr qrecon computational --count 3 --sampling 0.5 x.qev
    assert_usage_error
    run --separate-stderr qrecon merge
    assert_usage_error
}

@test "bad input: not a stream, exit 1, nothing on stdout, one line on stderr" {
    seq 1 500 >junk
    for sub in heralded computational; do
        run --separate-stderr qrecon "$sub" junk
        assert_failure 1
        assert_output ''
        assert_equal "$stderr" "qrecon: junk: not a QEV stream (bad magic at byte 0)"
    done
    run --separate-stderr qrecon merge junk
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qrecon: junk: '
}

@test "a stream cut short is an error and leaves no output file" {
    head -c 3000 "$BATS_FILE_TMPDIR/c.qev" >cut.qev
    run --separate-stderr qrecon heralded -o out.pfm cut.qev
    assert_failure 1
    assert_regex "$stderr" '^qrecon: cut.qev: truncated'
    [ -z "$(ls out.pfm* 2>/dev/null)" ] || fail "left behind: $(ls out.pfm*)"
}

@test "heralded needs coincidence groups with pixels" {
    run --separate-stderr qrecon heralded "$BATS_FILE_TMPDIR/g.qev"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" 'no coincidence groups with pixels: run qcorr coinc'
}

@test "computational: a stream without markers, and patterns that do not match it" {
    run --separate-stderr qrecon computational "$BATS_FILE_TMPDIR/c.qev"
    assert_failure 1
    assert_regex "$stderr" 'no pattern markers on channel 0'
    run --separate-stderr qrecon computational --count 100 "$BATS_FILE_TMPDIR/s.qev"
    assert_failure 1
    assert_regex "$stderr" 'the stream has 512 measurements, the patterns make 200'
}

@test "computational --buckets: bad tables are refused with their line" {
    printf '0 1\n1 2\n1 3\n' >dup.tsv
    run --separate-stderr qrecon computational --size 1 --buckets dup.tsv
    assert_failure 1
    assert_equal "$stderr" "qrecon: dup.tsv: line 3: index 1 appears twice"
    printf '0 1\n' >short.tsv
    run --separate-stderr qrecon computational --size 1 --buckets short.tsv
    assert_failure 1
    assert_equal "$stderr" "qrecon: short.tsv: no row for measurement 1 of 2"
    printf '0 1\n1 one\n' >word.tsv
    run --separate-stderr qrecon computational --size 1 --buckets word.tsv
    assert_failure 1
    assert_equal "$stderr" "qrecon: word.tsv: line 2: not an \"index value\" row"
}

# ---- exact reconstructions ----

@test "Hadamard at 100% sampling reconstructs to float round-off: 32, 64 and 128 square" {
    need_python
    for n in 32 64 128; do
        qr buckets-natural "$n" b.tsv
        run --separate-stderr qrecon computational -q --size "$n" --buckets b.tsv -o x.pfm
        assert_success
        db=$(qr psnr x.pfm "$n")
        awk -v d="$db" 'BEGIN { exit !(d > 100) }' || fail "$n x $n: PSNR $db dB"
    done
}

@test "qrecon patterns: frames 2k and 2k+1 are the parts of the k-th pattern of each ordering" {
    need_python
    for o in natural zigzag cake rd walsh; do
        qrecon patterns -q --size 16 --order "$o" --count 100 -o "$o.pgm"
        run qr check-stack "$o.pgm" 16 "$o" 100
        assert_output ok
    done
    qrecon patterns -q --size 16 --order zigzag --count 100 -O raw -o zigzag.raw
    # raw: the same frames without their headers
    [ "$(stat -c %s zigzag.raw)" -eq $((200 * 256)) ]
    qr check-stack zigzag.pgm 16 zigzag 100
    "$NPY" -c "
import re, sys
d = open('zigzag.pgm', 'rb').read()
body = re.sub(rb'P5\n16 16\n255\n', b'', d)
sys.exit(body != open('zigzag.raw', 'rb').read())"
}

@test "zero-filled Hadamard through pattern frames equals H (C masked) H / n^2 in each ordering" {
    need_python
    for o in natural zigzag cake rd walsh random; do
        # the first 2 K frames of the whole sequence are the frames of K patterns
        qrecon patterns -q --size 16 --order "$o" --count 128 -o p.pgm
        qr stack-buckets p.pgm 16 all.tsv
        runs=()
        for count in 13 64 128; do
            head -n $((2 * count)) all.tsv >b.tsv
            qrecon computational -q --size 16 --order "$o" --count "$count" --buckets b.tsv \
                -o "x$count.pfm"
            runs+=("x$count.pfm:$count")
        done
        err=$(qr zero-filled 16 "$o" p.pgm "${runs[@]}")
        awk -v e="$err" 'BEGIN { exit !(e < 1e-5) }' || fail "$o: off by $err"
    done
}

@test "patterns read back from a PGM stack and from raw bytes reconstruct the image" {
    need_python
    qrecon patterns -q --size 8 -o p.pgm
    qrecon patterns -q --size 8 -O raw -o p.raw
    qr stack-buckets p.pgm 8 b.tsv
    qrecon computational -q --patterns p.pgm --buckets b.tsv -a cgls -o a.pfm
    qrecon computational -q --patterns p.raw --size 8 --buckets b.tsv -a cgls -o b.pfm
    db=$(qr psnr a.pfm 8)
    awk -v d="$db" 'BEGIN { exit !(d > 100) }' || fail "PSNR $db dB"
    assert_same_file a.pfm b.pfm
    run --separate-stderr qrecon computational --patterns p.raw --buckets b.tsv -a cgls
    assert_failure 1
    assert_regex "$stderr" 'raw patterns need their size'
}

# ---- output formats ----

@test "PGM and PNG state their scaling on stderr (unless -q) and in the file; TSV equals the PFM" {
    need_python
    local s=$BATS_FILE_TMPDIR/s.qev
    qrecon computational -q -o x.pfm "$s"
    run --separate-stderr qrecon computational -q -o x.pgm "$s"
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr qrecon computational -o x.pgm "$s"
    assert_success
    grep -Eq '^qrecon: pgm scaled linearly: [-0-9.e]+ -> 0, [-0-9.e]+ -> 255 \(the image.s minimum and maximum\), clamped$' <<<"$stderr"
    lo=$(sed -nE 's/.*linearly: ([^ ]+) -> 0.*/\1/p' <<<"$stderr")
    hi=$(sed -nE 's/.*linearly: .*, ([^ ]+) -> 255.*/\1/p' <<<"$stderr")
    grep -a -q "^# qrecon: hadamard, bucket units per pixel fully lit$" x.pgm
    grep -a -q "^# scaled linearly: $lo -> 0, $hi -> 255" x.pgm
    run qr scaled-check x.pgm x.pfm "$lo" "$hi" 255
    assert_output ok
    qrecon computational -O pgm16 --scale 0:2 -o x16.pgm "$s" 2>err
    grep -q 'scaled linearly: 0 -> 0, 2 -> 65535 (--scale), clamped' err
    run qr scaled-check x16.pgm x.pfm 0 2 65535
    assert_output ok
    qrecon computational -q -o x.png "$s" 2>/dev/null
    run qr png x.png
    assert_line --index 0 'qrecon: hadamard, bucket units per pixel fully lit'
    assert_line --index 1 "scaled linearly: $lo -> 0, $hi -> 255 (the image's minimum and maximum), clamped"
    # the PNG's pixels are the PGM's
    tail -c 1024 x.pgm | cmp - x.png.grey
    qrecon computational -q -o x.tsv "$s"
    run qr tsv-equals-pfm x.tsv x.pfm
    assert_output ok
}

@test "--report writes the report as JSON" {
    need_python
    qrecon computational -q -a tv --report r.json -o /dev/null "$BATS_FILE_TMPDIR/s.qev"
    run "$NPY" -c "
import json
r = json.load(open('r.json'))
assert r['tool'] == 'qrecon' and r['command'] == 'computational'
assert r['algorithm'] == 'tv' and r['measurements'] == 512 and r['markers'] == 512
assert r['iterations'] > 0 and 0 < r['residual'] < 1 and r['lambda'] == 0.05
print('ok')"
    assert_output ok
}

# ---- heralded: counts, accidentals, flat field ----

@test "heralded: each pixel counts its photons in coincidence groups, minus the delayed groups" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcat "$d/c.qev" >c.txt
    qcat "$d/d.qev" >d.txt
    run --separate-stderr qrecon heralded -o plain.pfm "$d/c.qev"
    assert_success
    run qr net-check plain.pfm c.txt 32 32
    assert_output ok
    photons=$(awk -F'\t' 'NR > 1 && $4 != "-"' c.txt | wc -l)
    groups=$(awk -F'\t' 'NR > 1 { g[$6] = 1 } END { print length(g) }' c.txt)
    qrecon heralded -q --report r.json --accidentals "$d/d.qev" -o net.pfm "$d/c.qev"
    run qr net-check net.pfm c.txt 32 32 d.txt
    assert_output ok
    delayed=$(awk -F'\t' 'NR > 1 && $4 != "-"' d.txt | wc -l)
    run "$NPY" -c "
import json
r = json.load(open('r.json'))
assert r['photons_used'] == $photons and r['groups'] == $groups, r
assert r['accidentals_subtracted'] == $delayed and r['accidentals_method'] == 'delayed window'
print('ok')"
    assert_output ok
}

@test "heralded --singles: A_j = N_h S_j W / T from the raw stream" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcat "$d/c.qev" >c.txt
    qcat "$d/g.qev" >g.txt
    qrecon heralded -q --singles "$d/g.qev" -o net.pfm "$d/c.qev"
    run qr singles-check net.pfm c.txt g.txt 32 32 5000
    assert_output ok
}

@test "heralded --flat divides by the flat field and masks pixels where it is 0" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcat "$d/c.qev" >c.txt
    "$NPY" -c "
import sys; sys.path.insert(0, '$d')
import numpy as np, qr
f = np.ones((32, 32)); f[:, :16] = 2.0; f[3, 5] = 0
qr.write_pfm('flat.pfm', f)"
    qrecon heralded -q --report r.json --flat flat.pfm -o net.pfm "$d/c.qev"
    run qr net-check net.pfm c.txt 32 32 '' flat.pfm
    assert_output ok
    grep -q '"masked_pixels": 1' r.json
    # the same map as a calibration file (qcal(5)): flat.CH.X.Y entries, one
    # pixel left out, which masks it
    {
        printf 'qpipe-calibration 1\nflat.2.width = 32\nflat.2.height = 32\n'
        for y in $(seq 0 31); do
            for x in $(seq 0 31); do
                [ "$x" = 5 ] && [ "$y" = 3 ] && continue
                printf 'flat.2.%d.%d = %s +- 0.01\n' "$x" "$y" "$([ "$x" -lt 16 ] && echo 2 || echo 1)"
            done
        done
    } >flat.cal
    qrecon heralded -q --flat flat.cal -o cal.pfm "$d/c.qev"
    assert_same_file cal.pfm net.pfm
    printf 'qpipe-calibration 1\ndelay.2 = 5 ps\n' >noflat.cal
    run --separate-stderr qrecon heralded --flat noflat.cal "$d/c.qev"
    assert_failure 1
    assert_equal "$stderr" "qrecon: noflat.cal: the calibration holds no flat field (qcal flat)"
    "$NPY" -c "
import sys; sys.path.insert(0, '$d')
import numpy as np, qr
qr.write_pfm('small.pfm', np.ones((4, 4)))"
    run --separate-stderr qrecon heralded --flat small.pfm "$d/c.qev"
    assert_failure 1
    assert_equal "$stderr" "qrecon: small.pfm: the flat field is 4x4, the image 32x32"
}

# ---- shards merge exactly ----

@test "heralded partials of 1, 2, 3 and 8 shards merge byte for byte into the whole run" {
    local d=$BATS_FILE_TMPDIR
    qrecon heralded -q --accidentals "$d/d.qev" -o whole.pfm "$d/c.qev"
    qrecon heralded -q --singles "$d/g.qev" -O png -o whole.png "$d/c.qev" 2>/dev/null
    for n in 1 2 3 8; do
        parts=() sparts=()
        for i in $(seq "$n"); do
            qcat --shard "$i/$n" --overlap 1us -b -o "sh$i.qev" "$d/g.qev"
            qcorr coinc -C 1,2 -w 5ns "sh$i.qev" -o "c$i.qev"
            qcorr coinc -C 1,2 -w 5ns --delayed 100ns "sh$i.qev" -o "d$i.qev"
            qrecon heralded --partial --accidentals "d$i.qev" -o "p$i.txt" "c$i.qev"
            qrecon heralded --partial --singles "sh$i.qev" -o "s$i.txt" "c$i.qev"
            parts+=("p$i.txt")
            sparts+=("s$i.txt")
        done
        qrecon merge -q -o merged.pfm "${parts[@]}"
        qrecon merge -q -o merged.png "${sparts[@]}" 2>/dev/null
        assert_same_file merged.pfm whole.pfm
        assert_same_file merged.png whole.png
    done
    head -1 p1.txt | grep -qx 'qpipe-partial 1 qrecon-heralded'
}

@test "computational partials of 1, 2, 3 and 8 shards merge byte for byte into the whole run" {
    local s=$BATS_FILE_TMPDIR/s.qev
    qrecon computational -q -a tv -o whole.pfm "$s"
    qrecon computational -q -a pml -O pgm16 -o whole.pgm "$s" 2>/dev/null
    for n in 1 2 3 8; do
        parts=()
        for i in $(seq "$n"); do
            qcat --shard "$i/$n" --overlap 100us -b "$s" | qrecon computational --partial \
                -o "p$i.txt"
            parts+=("p$i.txt")
        done
        qrecon merge -q -a tv -o merged.pfm "${parts[@]}"
        qrecon merge -q -a pml -O pgm16 -o merged.pgm "${parts[@]}" 2>/dev/null
        assert_same_file merged.pfm whole.pfm
        assert_same_file merged.pgm whole.pgm
        # the merged sums are the whole run's
        qrecon merge --partial -o sum.txt "${parts[@]}"
        qrecon computational --partial -o all.txt "$s"
        assert_same_file sum.txt all.txt
    done
}

@test "a shard whose overlap is shorter than one exposure is refused, not reconstructed wrong" {
    # s.qev has 100 us exposures: a 1 us overlap misses the marker of the
    # measurement that is open where shard 2 starts
    run --separate-stderr bash -c 'set -o pipefail; qcat --shard 2/3 --overlap 1us -b "$1" |
        qrecon computational --partial -o p2.txt' _ "$BATS_FILE_TMPDIR/s.qev"
    assert_failure 1
    assert_regex "$stderr" "^qrecon: -: a photon at [0-9]+ ps is this shard's but comes before its first marker: cut the shard with an --overlap of at least one exposure$"
    [ ! -e p2.txt ]
    # the first shard starts the stream: photons before its first marker are
    # counted as such, as in the whole run
    run --separate-stderr bash -c 'set -o pipefail; qcat --shard 1/3 --overlap 1us -b "$1" |
        qrecon computational --partial -o p1.txt' _ "$BATS_FILE_TMPDIR/s.qev"
    assert_success
}

@test "merge refuses partials that do not belong together" {
    local d=$BATS_FILE_TMPDIR
    qrecon heralded --partial -o h.txt "$d/c.qev"
    qrecon computational --partial -o c.txt "$d/s.qev"
    run --separate-stderr qrecon merge h.txt c.txt
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qrecon: c.txt: '
    qrecon heralded --partial --size 64x64 -o h64.txt "$d/c.qev"
    run --separate-stderr qrecon merge h.txt h64.txt
    assert_failure 1
    assert_regex "$stderr" '^qrecon: h64.txt: .*(length|width)'
}

@test "patterns as one tall image, the form qsim spi --patterns reads, work both ways" {
    need_python
    qrecon patterns -q --size 16 --order cake -o stack.pgm
    # the same frames stacked top to bottom in one 16 x 8192 image
    "$NPY" -c "
import sys; sys.path.insert(0, '$BATS_FILE_TMPDIR')
import qr
fr = qr.pgm_frames(open('stack.pgm', 'rb').read())
body = b''.join(p.astype('u1').tobytes() for _, _, p in fr)
open('tall.pgm', 'wb').write(b'P5\n16 %d\n255\n' % (16 * len(fr)) + body)"
    qsim spi --size 16 --object discs --patterns tall.pgm --flux 1e9 --truth t.json -o s.qev
    qrecon computational -q --patterns tall.pgm --size 16 -a cgls -o tall.pfm s.qev
    qrecon computational -q --patterns stack.pgm -a cgls -o stack.pfm s.qev
    assert_same_file tall.pfm stack.pfm
    # 256 pixels, 1e9 photons/s for 1 ms: x 256 / 1e6 is the transmission
    db=$("$NPY" -c "
import sys; sys.path.insert(0, '$BATS_FILE_TMPDIR')
import qr
print('%.1f' % qr.psnr(qr.read_pfm('tall.pfm') * 256e-6, qr.read_pfm('t.pfm')))")
    awk -v d="$db" 'BEGIN { exit !(d > 35) }' || fail "PSNR $db dB"
    run --separate-stderr qrecon computational --patterns tall.pgm --size 15 -a cgls s.qev
    assert_failure 1
    assert_equal "$stderr" "qrecon: tall.pgm: a 16x8192 image is not a stack of 15x15 frames"
}
