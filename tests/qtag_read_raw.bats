load helpers

# qtag-read on headerless binary records, chosen only with --format:
# - raw: int64 time + uint16 channel (or uint32 with --channel-bytes 4),
#   little-endian, times in --time-unit (default 1 ps), exact: a time whose
#   picoseconds overflow int64 is an error; a 32-bit channel above 65535
#   cannot be interpreted;
# - raw16: the 16-byte records of `qcat -O raw` (int64 time_ps, uint16
#   channel, uint8 kind, uint8 flags, uint32 aux, numpy <i8,<u2,u1,u1,<u4),
#   read back unchanged; a record whose flags are not valid (an unknown bit,
#   or two of pixel/micro/value) cannot be interpreted.
#
# Files are built by python's struct from that layout; expected events are
# written out by hand.

# ---- helpers ----

# Writes raw records to $1 with struct format $2 ("<qH" or "<qI"), one
# "TIME CHANNEL" line on stdin per record.
raw_file() {
    python3 -c '
import struct, sys
out, fmt = sys.argv[1], sys.argv[2]
b = b""
for line in sys.stdin:
    f = line.split()
    if f:
        b += struct.pack(fmt, int(f[0], 0), int(f[1], 0))
open(out, "wb").write(b)
' "$@"
}

assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(cmp "$1" "$2" 2>&1 | head -n 3)"
}

# ---- raw ----

@test "raw: int64 time and uint16 channel, in ps by default" {
    raw_file r.raw '<qH' <<'EOF'
5 1
-3 2
10 65535
9223372036854775807 0
EOF
    run --separate-stderr qtag-read --format raw -o r.qev r.raw
    assert_success
    assert_equal "$stderr" ''
    run qcat r.qev
    assert_output "time_ps	channel	kind
5	1	photon
-3	2	photon
10	65535	photon
9223372036854775807	0	photon"
    run meta_value r.qev resolution_ps
    assert_output 1
    run closing_meta r.qev
    assert_line 'source_records=4'
}

@test "raw: a time unit that is not 1 ps multiplies exactly" {
    raw_file r.raw '<qH' <<'EOF'
5 1
-3 2
123456789123 3
EOF
    # 5 x 81 = 405; -3 x 81 = -243; 123456789123 x 81 = 9999999918963
    qtag-read --format raw --time-unit 81ps -o r.qev r.raw
    run qcat r.qev
    assert_output "time_ps	channel	kind
405	1	photon
-243	2	photon
9999999918963	3	photon"
    run meta_value r.qev resolution_ps
    assert_output 81
    # 1 ns: 123456789123 x 1000 = 123456789123000
    qtag-read --format raw --time-unit 1ns -o n.qev r.raw
    run qcat n.qev
    assert_line --index 3 "123456789123000	3	photon"
}

@test "raw: a time whose picoseconds leave int64 is refused; the edges pass" {
    # 2^62 x 2 ps = 2^63: one past INT64_MAX
    raw_file over.raw '<qH' <<<'4611686018427387904 1'
    run --separate-stderr qtag-read --format raw --time-unit 2ps -o x.qev over.raw
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" 'qtag-read: over.raw: record 1: time 4611686018427387904 x 2 ps does not fit int64 picoseconds'
    [ ! -e x.qev ]
    # -2^62 x 2 ps = -2^63 = INT64_MIN, which fits
    raw_file edge.raw '<qH' <<<'-4611686018427387904 1'
    qtag-read --format raw --time-unit 2ps -o e.qev edge.raw
    run qcat e.qev
    assert_line --index 1 "-9223372036854775808	1	photon"
}

@test "raw --channel-bytes 4: 12-byte records; channels above 65535 are not interpreted" {
    raw_file r4.raw '<qI' <<'EOF'
5 1
6 65535
7 65536
8 4294967295
9 3
EOF
    run --separate-stderr qtag-read --format raw --channel-bytes 4 -o r4.qev r4.raw
    assert_success
    assert_equal "$stderr" 'qtag-read: r4.raw: 2 records could not be interpreted (--strict makes this an error)'
    run qcat r4.qev
    assert_output "time_ps	channel	kind
5	1	photon
6	65535	photon
9	3	photon"
    run closing_meta r4.qev
    assert_line 'source_records=5'
    assert_line 'source_unknown_records=2'
    run --separate-stderr qtag-read --format raw --channel-bytes 4 --strict -o x.qev r4.raw
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: r4.raw: record 3 (0x00010000) cannot be interpreted (--strict)'
}

@test "raw: the wrong channel width shows as a partial record" {
    # three 10-byte records read as 12-byte ones: two whole, 6 bytes left
    raw_file r.raw '<qH' <<<$'1 1\n2 2\n3 3'
    run --separate-stderr qtag-read --format raw --channel-bytes 4 -o x.qev r.raw
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: r.raw: truncated: a partial record of 6 bytes after 2 records'
}

@test "raw and raw16 have no magic and no extension: only --format selects them" {
    raw_file r.raw '<qH' <<<'5 1'
    run --separate-stderr qtag-read -o x.qev r.raw
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: r.raw: unrecognised file format; name one with --format'
    run --separate-stderr qtag-read --list-formats
    assert_line --regexp '^raw +'
    assert_line --regexp '^raw16 +'
}

@test "raw: a partial trailing record fails, or is dropped with --allow-truncated" {
    raw_file r.raw '<qH' <<<$'5 1\n6 2'
    printf '\x01\x02\x03' >>r.raw
    run --separate-stderr qtag-read --format raw -o x.qev r.raw
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: r.raw: truncated: a partial record of 3 bytes after 2 records'
    [ ! -e x.qev ]
    run --separate-stderr qtag-read --format raw --allow-truncated -o x.qev r.raw
    assert_success
    assert_equal "$stderr" 'qtag-read: r.raw: truncated: dropped a partial record of 3 bytes at the end'
    run qcat x.qev
    assert_output "time_ps	channel	kind
5	1	photon
6	2	photon"
    run closing_meta x.qev
    assert_line 'truncated=1'
}

# ---- raw16 ----

@test "raw16 round trip: qsim | qcat -O raw, read back, prints as the original" {
    qsim poisson -r 1M,500k,250k -n 20000 -s 4 -o orig.qev
    qcat -O raw orig.qev >x.raw
    run stat -c %s x.raw
    assert_output $((16 * 20000))
    qtag-read --format raw16 -o back.qev x.raw
    qcat orig.qev >want.txt
    qcat back.qev >got.txt
    assert_same_file want.txt got.txt
    run meta_value back.qev fields
    assert_output ''
}

@test "raw16 by hand: every field, any kind, read back unchanged" {
    # time channel kind flags aux; flags 1 pixel, 2 micro, 4 value, 8 group
    raw16_file h.raw16 <<'EOF'
100 1 0 0 0
200 2 1 2 1234
300 0 2 4 7
400 3 0 9 0x00060005
-50 65535 3 0 0
500 4 0 8 0
EOF
    run --separate-stderr qtag-read --format raw16 -o h.qev h.raw16
    assert_success
    assert_equal "$stderr" ''
    # pixel aux = x | y << 16: x 5, y 6; group counts from the first GROUP flag;
    # kind 3 has no name and prints as its number.
    run qcat h.qev
    assert_output "time_ps	channel	kind	x	y	micro	value	group
100	1	photon	-	-	-	-	0
200	2	sync	-	-	1234	-	0
300	0	marker	-	-	-	7	0
400	3	photon	5	6	-	-	1
-50	65535	3	-	-	-	-	1
500	4	photon	-	-	-	-	2"
    run meta_value h.qev fields
    assert_output 'pixel,micro,value,group'
    qcat -O raw h.qev >again.raw16
    assert_same_file h.raw16 again.raw16
}

@test "raw16 declares only the fields its records use" {
    raw16_file m.raw16 <<'EOF'
100 1 0 2 17
200 2 0 2 18
EOF
    qtag-read --format raw16 -o m.qev m.raw16
    run meta_value m.qev fields
    assert_output micro
    run qcat m.qev
    assert_output "time_ps	channel	kind	micro
100	1	photon	17
200	2	photon	18"
}

@test "raw16 from a pipe cannot be scanned first: every field is declared, events unchanged" {
    raw16_file h.raw16 <<'EOF'
100 1 0 0 0
200 2 1 2 1234
EOF
    cat h.raw16 | qtag-read --format raw16 -o p.qev -
    run meta_value p.qev fields
    assert_output 'pixel,micro,value,group'
    run meta_value p.qev fields_rule
    assert_output --partial 'not a regular file'
    qcat -O raw p.qev >again.raw16
    assert_same_file h.raw16 again.raw16
}

@test "raw16: invalid flags are records it cannot interpret; --strict refuses them" {
    # flags 3 = pixel and micro together; 0x10 an unknown bit
    raw16_file bad.raw16 <<'EOF'
100 1 0 0 0
200 1 0 3 0
300 1 0 16 0
400 2 0 4 9
EOF
    run --separate-stderr qtag-read --format raw16 -o b.qev bad.raw16
    assert_success
    assert_equal "$stderr" 'qtag-read: bad.raw16: 2 records could not be interpreted (--strict makes this an error)'
    run qcat b.qev
    assert_output "time_ps	channel	kind	value
100	1	photon	-
400	2	photon	9"
    run --separate-stderr qtag-read --format raw16 --strict -o x.qev bad.raw16
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: bad.raw16: record 2 (0x00000003) cannot be interpreted (--strict)'
}

@test "raw16 refuses options that would change its fixed layout" {
    raw16_file h.raw16 <<<'100 1 0 0 0'
    run --separate-stderr qtag-read --format raw16 --time-unit 2ps -o x.qev h.raw16
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: h.raw16: raw16 times are picoseconds: --time-unit does not apply'
    run --separate-stderr qtag-read --format raw16 --channel-bytes 4 -o x.qev h.raw16
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: h.raw16: raw16 channels are 2 bytes: --channel-bytes does not apply'
}

# ---- broken input ----

# Runs qtag-read --format $2 (record size $3) on every prefix of file $1, with
# and without --allow-truncated; prints one line per failure.
check_every_cut() {
    bash -s "$@" <<'EOF'
f=$1 format=$2 rec=$3
size=$(stat -c %s "$f")
for ((i = 0; i < size; i++)); do
    head -c "$i" "$f" >cut.bin
    qtag-read --format "$format" -o cut.qev cut.bin 2>err.txt; rc=$?
    qtag-read --format "$format" --allow-truncated -o cutok.qev cut.bin 2>errok.txt; rcok=$?
    ((rc == 0 || rc == 1)) || echo "cut $i: exit $rc"
    ((rcok == 0 || rcok == 1)) || echo "cut $i: exit $rcok with --allow-truncated"
    k=$((i / rec))
    if ((i % rec == 0)); then
        # no header, no count: a cut between records is a whole file
        ((rc == 0)) || echo "cut $i: whole records refused: $(cat err.txt)"
    else
        ((rc == 1)) || echo "cut $i: partial record accepted"
        grep -q "truncated: a partial record of $((i % rec)) bytes after $k records" err.txt ||
            echo "cut $i: message: $(cat err.txt)"
        ((rcok == 0)) || echo "cut $i: --allow-truncated failed: $(cat errok.txt)"
    fi
    if ((rcok == 0)); then
        got=$(qcat -c cutok.qev)
        [ "$got" = "$k" ] || echo "cut $i: $got events, want $k"
    fi
done
EOF
}

@test "cut at every byte offset (raw and raw16): whole records pass, anything else fails unless allowed" {
    raw_file r.raw '<qH' <<<$'5 1\n6 2\n7 3'
    raw16_file r.raw16 <<<$'5 1 0 0 0\n6 2 0 2 9\n7 3 2 4 1'
    check_every_cut r.raw raw 10 >report.txt
    check_every_cut r.raw16 raw16 16 >>report.txt
    run cat report.txt
    assert_output ''
}

@test "random byte flips never crash: exit 0 or 1, and any stream written is valid" {
    python3 -c '
import random, struct
rng = random.Random(5)
raw = b"".join(struct.pack("<qH", rng.randrange(-2**40, 2**40), rng.randrange(8)) for _ in range(1000))
r16 = b"".join(struct.pack("<qHBBI", rng.randrange(2**40), rng.randrange(8), rng.randrange(3),
                           rng.choice([0, 1, 2, 4, 8, 9]), rng.randrange(2**32)) for _ in range(1000))
for name, base in (("raw", raw), ("r16", r16)):
    for n in range(80):
        c = bytearray(base)
        for _ in range(rng.randrange(1, 9)):
            c[rng.randrange(len(c))] ^= 1 << rng.randrange(8)
        open("%s%03d.bin" % (name, n), "wb").write(c)
'
    bash -s <<'EOF' >report.txt
for f in raw*.bin r16*.bin; do
    case $f in raw*) args="--format raw --time-unit 1ns" ;; *) args="--format raw16" ;; esac
    qtag-read $args -o out.qev "$f" 2>err.txt; rc=$?
    case $rc in
    0) qcat -c out.qev >/dev/null 2>&1 || echo "$f: stream unreadable" ;;
    1) [ -s err.txt ] || echo "$f: exit 1 without a message" ;;
    *) echo "$f: exit $rc" ;;
    esac
done
EOF
    run cat report.txt
    assert_output ''
}
