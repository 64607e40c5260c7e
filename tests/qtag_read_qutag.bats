load helpers

# qtag-read on qutools quTAG binary files (FORMAT_BINARY).
#
# Published layout (docs/formats.md section 2.2, tdcbase.h, ETA): a 40-byte header
# that starts with the bytes 87 B3 91 FA, then 10-byte records: uint64 time in
# ps and uint16 channel, little-endian. Markers come as channels 100-104 and
# 200-203 (104 is the 1 ms tick). Records are not always time-sorted.
# qtag-read keeps channels as recorded, makes 100-104 and 200-203 markers with
# value = channel mod 100, counts other channels of 100 and above, and times
# past int64, as records it cannot interpret, and keeps the file's order.
#
# There is no public sample file: every file here is built by python from
# that layout, with the expected events written out by hand.

# ---- helpers ----

# Writes a quTAG binary file $1: the magic, 36 header bytes 0x00..0x23, then a
# record per "TIME CHANNEL" line on stdin.
qutag_file() {
    python3 -c '
import struct, sys
b = bytearray(b"\x87\xb3\x91\xfa") + bytes(range(36))
for line in sys.stdin:
    f = line.split()
    if f:
        b += struct.pack("<QH", int(f[0], 0), int(f[1], 0))
open(sys.argv[1], "wb").write(b)
' "$1"
}

# Records of the main test file, in file order, and what each must become.
#   1000 ch 1        photon
#    900 ch 2        photon, earlier than the record before: kept here
#   5000 ch 104      marker value 4 (the 1 ms tick)
#   4000 ch 203      marker value 3 (falling edge), again a step back
#   4000 ch 100      marker value 0
#   6000 ch 0        photon (channel kept as recorded)
#   6500 ch 99       photon
#   7000 ch 105      cannot be interpreted (no such marker)
#   7100 ch 150      cannot be interpreted
#   2^63 ch 1        cannot be interpreted (past int64 ps)
#   8000 ch 5        photon
write_main() {
    qutag_file "$1" <<'EOF'
1000 1
900 2
5000 104
4000 203
4000 100
6000 0
6500 99
7000 105
7100 150
0x8000000000000000 1
8000 5
EOF
}

MAIN_TEXT="time_ps	channel	kind	value
1000	1	photon	-
900	2	photon	-
5000	104	marker	4
4000	203	marker	3
4000	100	marker	0
6000	0	photon	-
6500	99	photon	-
8000	5	photon	-"

# ---- records ----

@test "records by hand: channels as recorded, markers, file order kept" {
    write_main run.bin
    run --separate-stderr qtag-read -o run.qev run.bin
    assert_success
    assert_equal "$stderr" 'qtag-read: run.bin: 3 records could not be interpreted (--strict makes this an error)'
    run qcat run.qev
    assert_output "$MAIN_TEXT"
    run closing_meta run.qev
    assert_line 'source_records=11'
    assert_line 'source_unknown_records=3'
    run meta_value run.qev resolution_ps
    assert_output 1
    run meta_value run.qev fields
    assert_output value
}

@test "out-of-order records stay out of order: qstat sees the two steps back" {
    write_main run.bin
    qtag-read -o run.qev run.bin 2>/dev/null
    # 1000 -> 900 and 5000 -> 4000 go back; 4000 -> 4000 does not.
    run qstat run.qev
    assert_line --regexp '^backwards +2 \(first at event 1\)$'
}

@test "--strict makes an uninterpretable record an error" {
    write_main run.bin
    run --separate-stderr qtag-read --strict -o run.qev run.bin
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" 'qtag-read: run.bin: record 8 (0x00000069) cannot be interpreted (--strict)'
    [ ! -e run.qev ]
}

@test "the largest int64 time and the full channel range below 100 pass exactly" {
    qutag_file edge.bin <<'EOF'
0 1
9223372036854775807 98
EOF
    qtag-read -o edge.qev edge.bin
    run qcat edge.qev
    assert_output "time_ps	channel	kind	value
0	1	photon	-
9223372036854775807	98	photon	-"
}

@test "detected by its magic whatever the name; the header is kept as hex" {
    write_main data.weird
    run --separate-stderr qtag-read --info data.weird
    assert_success
    assert_line --regexp '^format +qutag$'
    assert_line --regexp '^qutag.header +87b391fa000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223$'
}

@test "a header with no records is an empty stream" {
    qutag_file none.bin </dev/null
    run --separate-stderr qtag-read -o none.qev none.bin
    assert_success
    assert_equal "$stderr" ''
    run qcat -c none.qev
    assert_output 0
}

# ---- headers that lie, and bad input ----

@test "--format qutag on a file without the magic is refused" {
    python3 -c 'import struct; open("plain.bin", "wb").write(struct.pack("<QH", 5, 1) * 8)'
    run --separate-stderr qtag-read --format qutag -o x.qev plain.bin
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" 'qtag-read: plain.bin: not a quTAG binary file (no 87 B3 91 FA magic)'
    [ ! -e x.qev ]
}

@test "a magic with a short header is truncation, even with --allow-truncated" {
    printf '\x87\xb3\x91\xfa\x00\x01' >short.bin
    run --separate-stderr qtag-read --allow-truncated -o x.qev short.bin
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: short.bin: truncated: the 40-byte quTAG header is cut short (6 bytes)'
    printf '\x87\xb3' >magic2.bin
    run --separate-stderr qtag-read --format qutag -o x.qev magic2.bin
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: magic2.bin: truncated: the 40-byte quTAG header is cut short (2 bytes)'
}

@test "a trailing partial record: exit 1, or a warning and the whole records with --allow-truncated" {
    write_main run.bin
    head -c $((40 + 10 * 3 + 7)) run.bin >cut.bin
    run --separate-stderr qtag-read -o x.qev cut.bin
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: cut.bin: truncated: a partial record of 7 bytes after 3 records'
    [ ! -e x.qev ]
    run --separate-stderr qtag-read --allow-truncated -o x.qev cut.bin
    assert_success
    assert_equal "$stderr" 'qtag-read: cut.bin: truncated: dropped a partial record of 7 bytes at the end'
    run qcat x.qev
    assert_output "time_ps	channel	kind	value
1000	1	photon	-
900	2	photon	-
5000	104	marker	4"
    run closing_meta x.qev
    assert_line 'truncated=1'
}

@test "cut at every byte offset: whole records pass, anything else fails unless allowed" {
    qutag_file small.bin <<'EOF'
10 1
20 104
15 2
30 3
40 1
EOF
    bash -s <<'EOF' >report.txt
size=$(stat -c %s small.bin)
for ((i = 0; i < size; i++)); do
    head -c "$i" small.bin >cut.bin
    qtag-read --format qutag -o cut.qev cut.bin 2>err.txt; rc=$?
    qtag-read --format qutag --allow-truncated -o cutok.qev cut.bin 2>errok.txt; rcok=$?
    ((rc == 0 || rc == 1)) || echo "cut $i: exit $rc"
    ((rcok == 0 || rcok == 1)) || echo "cut $i: exit $rcok with --allow-truncated"
    if ((i < 40)); then
        ((rc == 1 && rcok == 1)) || echo "cut $i: header cut accepted"
        [ -s err.txt ] || echo "cut $i: no message"
        continue
    fi
    k=$(((i - 40) / 10))
    if (((i - 40) % 10 == 0)); then
        ((rc == 0)) || echo "cut $i: whole records refused: $(cat err.txt)"
    else
        ((rc == 1)) || echo "cut $i: partial record accepted"
        grep -q "truncated: a partial record of $(((i - 40) % 10)) bytes after $k records" err.txt ||
            echo "cut $i: message: $(cat err.txt)"
        ((rcok == 0)) || echo "cut $i: --allow-truncated failed"
    fi
    if ((rcok == 0)); then
        got=$(qcat -c cutok.qev)
        [ "$got" = "$k" ] || echo "cut $i: $got events, want $k"
    fi
done
EOF
    run cat report.txt
    assert_output ''
}

@test "random byte flips never crash: exit 0 or 1, and any stream written is valid" {
    python3 -c '
import random, struct
rng = random.Random(11)
b = bytearray(b"\x87\xb3\x91\xfa") + bytes(36)
t = 0
for i in range(2000):
    t += rng.randrange(1, 100000)
    ch = rng.choice([1, 2, 3, 4, 100, 104, 203])
    b += struct.pack("<QH", t, ch)
open("base.bin", "wb").write(b)
for n in range(150):
    c = bytearray(b)
    for _ in range(rng.randrange(1, 9)):
        c[rng.randrange(len(c))] ^= 1 << rng.randrange(8)
    open("flip%03d.bin" % n, "wb").write(c)
'
    bash -s <<'EOF' >report.txt
for f in flip*.bin; do
    qtag-read -o out.qev "$f" 2>err.txt; rc=$?
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
