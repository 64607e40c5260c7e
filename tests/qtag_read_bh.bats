load helpers

# qtag-read on Becker & Hickl .spc FIFO files (SPC-130/140/150/160 layout).
#
# Published layout (docs/formats.md section 2.4, phconvert's bhreader.py): a header
# word (bit 31 set, bits 23-0 the macro-time clock in 0.1 ns), then 32-bit
# records: bit 31 INVALID, 30 MTOV, 29 GAP, 28 MARK, 27-16 ADC, 15-12 ROUT,
# 11-0 MT. INVALID+MTOV (without MARK) adds count (bits 27-0) x 4096 to the
# macro-time; MTOV on any other record adds 4096 first; INVALID alone is no
# event; micro = 4095 - ADC. Marker records are INVALID+MARK (libtcspc's
# bh_spc.hpp), with ROUT the marker bits. qtag-read gives ROUT r channel r+1,
# markers channel 0, and t = macrotime x clock x 100 ps.
#
# Conformance is against B&H's own export test_noise.asc and the realdata
# README; the synthetic files below are built from the bit layout by python,
# with the expected events worked out by hand in the comments.

# ---- helpers ----

# Prints the word of a multiple-overflow record (INVALID+MTOV) with count $1,
# for spc_words.
multi() {
    printf '%d\n' $(((1 << 31) | (1 << 30) | $1))
}

# Writes an .spc file $1 from 32-bit words (decimal or 0x), one a line, on stdin.
spc_words() {
    python3 -c '
import struct, sys
words = [int(x, 0) for x in sys.stdin.read().split()]
open(sys.argv[1], "wb").write(struct.pack("<%dI" % len(words), *words))
' "$1"
}

# The synthetic file of most tests: clock 10 x 0.1 ns, so 1000 ps a tick.
# record                                   macro-time        event
#  1 photon MT=5 ADC=4000 ROUT=0           5                 t=5000 ch1 micro 95
#  2 MTOV photon MT=3 ADC=0 ROUT=2         4096+3=4099       t=4099000 ch3 micro 4095
#  3 INVALID MT=7                          -                 none (invalid 1)
#  4 INVALID+MTOV count 3                  base 4096+12288   none (3 overflows)
#  5 photon MT=0 ADC=4095 ROUT=15          16384             t=16384000 ch16 micro 0
#  6 INVALID+MARK ROUT=5 MT=100            16484             marker ch0 value 5
#  7 INVALID+MTOV+MARK ROUT=1 MT=1         20480+1           marker ch0 value 1 (one MTOV)
#  8 INVALID+MTOV count 0                  base 20480        none
#  9 GAP photon MT=2 ADC=10 ROUT=1         20482             t=20482000 ch2 micro 4085
# 10 INVALID+GAP MT=9                      -                 none (invalid 2)
# overflows: 1 + 3 + 1 + 0 = 5; invalid: 2; events: 6.
write_small() {
    {
        echo 0x8000000A
        echo $(((0 << 28) | (4000 << 16) | (0 << 12) | 5))
        echo $(((1 << 30) | (0 << 16) | (2 << 12) | 3))
        echo $(((1 << 31) | 7))
        multi 3
        echo $(((4095 << 16) | (15 << 12) | 0))
        echo $(((1 << 31) | (1 << 28) | (5 << 12) | 100))
        echo $(((1 << 31) | (1 << 30) | (1 << 28) | (1 << 12) | 1))
        multi 0
        echo $(((1 << 29) | (10 << 16) | (1 << 12) | 2))
        echo $(((1 << 31) | (1 << 29) | 9))
    } | spc_words "$1"
}

SMALL_TEXT="time_ps	channel	kind	micro	value
5000	1	photon	95	-
4099000	3	photon	4095	-
16384000	16	photon	0	-
16484000	0	marker	-	5
20481000	0	marker	-	1
20482000	2	photon	4085	-"

# ---- conformance: test_noise.spc against B&H's own export ----

@test "test_noise.spc gives the 6114 rows of B&H's test_noise.asc, row for row" {
    need_realdata
    local d=$REALDATA/phconvert
    qtag-read -o noise.qev "$d/test_noise.spc"
    # asc: "macrotime microtime" with macrotime in 9.5 ns ticks; times must be
    # whole ticks of 9500 ps, and every photon routing 0 = channel 1.
    qcat noise.qev | awk -F'\t' 'NR > 1 {
        if ($1 % 9500 != 0 || $2 != 1 || $3 != "photon" || $5 != "-") { print "bad " $0; exit }
        printf "%d %d\n", $1 / 9500, $4 }' >got.txt
    sed 's/ *$//' "$d/test_noise.asc" >want.txt
    run wc -l <got.txt
    assert_output 6114
    cmp -s got.txt want.txt || fail "rows differ: $(diff got.txt want.txt | head -n 5)"
}

@test "test_noise.spc: counts, sums and units match the realdata README" {
    need_realdata
    local d=$REALDATA/phconvert
    qtag-read -o noise.qev "$d/test_noise.spc"
    # README: 26111 records, 6114 photons, 1087 INVALID, 18910 multi-overflow
    # records of which 7076 carry 32; the photon-HDF5 copy sums its timestamps
    # to 5107380462505 ticks and its nanotimes to 12990581.
    run closing_meta noise.qev
    assert_line 'source_records=26111'
    assert_line 'source_invalid_records=1087'
    assert_line 'source_unknown_records=0'
    run qcat -c noise.qev
    assert_output 6114
    run sh -c "qcat noise.qev | awk -F'\t' 'NR > 1 { t += \$1 / 9500; m += \$4 } END { printf \"%.0f %.0f\\n\", t, m }'"
    assert_output '5107380462505 12990581'
    # The overflow total: every MTOV flag on a non-overflow record is one, each
    # INVALID+MTOV record adds its count. Decoded here from the file with the
    # README's record classes checked on the way.
    run python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
w = struct.unpack("<%dI" % (len(d) // 4), d)[1:]
multi = [r & 0x0FFFFFFF for r in w if r >> 30 == 3 and not r >> 28 & 1]
single = sum(1 for r in w if r >> 30 & 1 and not (r >> 30 == 3 and not r >> 28 & 1))
print(len(multi), sum(1 for n in multi if n == 32), sum(multi) + single)
' "$d/test_noise.spc"
    assert_output --regexp '^18910 7076 [0-9]+$'
    local total=${output##* }
    run closing_meta noise.qev
    assert_line "source_overflows=$total"
}

@test "test_noise.spc: header clock and the .set file's micro-time unit in the metadata" {
    need_realdata
    qtag-read -o noise.qev "$REALDATA/phconvert/test_noise.spc"
    # header 0x8000005F: 95 x 0.1 ns = 9500 ps a tick
    run meta_value noise.qev resolution_ps
    assert_output 9500
    run meta_value noise.qev spc.header
    assert_output 0x8000005f
    # .set: TAC range 5.0033574e-8 s, gain 5, ADC 4096; the README's tcspc_unit
    # is 2.44304560546875e-12 s.
    run meta_value noise.qev microtime_unit_ps
    assert_success
    run python3 -c "import sys; v = float(sys.argv[1]); print(abs(v - 2.44304560546875) < 1e-12)" "$output"
    assert_output True
    run meta_value noise.qev channel_rule
    assert_output --partial 'channel r+1'
}

@test "without a .set file beside it, no micro-time unit is claimed" {
    need_realdata
    cp "$REALDATA/phconvert/test_noise.spc" alone.spc
    qtag-read -o alone.qev alone.spc
    run meta_value alone.qev microtime_unit_ps
    assert_output ''
    run qcat -c alone.qev
    assert_output 6114
}

# ---- synthetic files from the published layout ----

@test "overflow rules, INVALID, MARK and GAP records, by hand" {
    write_small small.spc
    run --separate-stderr qtag-read -o small.qev small.spc
    assert_success
    assert_equal "$stderr" ''
    run qcat small.qev
    assert_output "$SMALL_TEXT"
    run closing_meta small.qev
    assert_line 'source_records=10'
    assert_line 'source_overflows=5'
    assert_line 'source_invalid_records=2'
    assert_line 'source_unknown_records=0'
    run meta_value small.qev resolution_ps
    assert_output 1000
    run meta_value small.qev fields
    assert_output 'micro,value'
}

@test "a multiple-overflow count uses all 28 bits" {
    # clock 1 (100 ps): count 0x0FFFFFFF then a photon at MT 1:
    # macro-time 268435455 x 4096 + 1 = 1099511623681; t = 109951162368100 ps.
    {
        echo 0x80000001
        multi 0x0FFFFFFF
        echo $(((4095 << 16) | 1))
    } | spc_words big.spc
    qtag-read -o big.qev big.spc
    run qcat big.qev
    assert_line --index 1 "109951162368100	1	photon	0	-"
    run closing_meta big.qev
    assert_line 'source_overflows=268435455'
}

@test "a .set file beside the .spc gives microtime_unit_ps = TAC_R / (TAC_G * ADC_RE)" {
    write_small run.spc
    # 1e-8 s / (2 * 256) = 19.53125 ps exactly
    printf '*SETUP\r\n  SYS_PARA_BEGIN:\r\n  #SP [SP_TAC_R,F,1e-08]\r\n  #SP [SP_TAC_G,I,2]\r\n  #SP [SP_ADC_RE,I,256]\r\n  SYS_PARA_END:\r\n' >run.set
    qtag-read -o run.qev run.spc
    run meta_value run.qev microtime_unit_ps
    assert_output 19.53125
    run meta_value run.qev spc.set_file
    assert_output run.set
    # a .set that lacks a value claims no unit
    printf '  #SP [SP_TAC_R,F,1e-08]\r\n  #SP [SP_TAC_G,I,2]\r\n' >run.set
    qtag-read -o run2.qev run.spc
    run meta_value run2.qev microtime_unit_ps
    assert_output ''
}

@test "detection by the .spc extension; --format spc forces it on another name" {
    write_small small.spc
    cp small.spc small.dat
    run --separate-stderr qtag-read --info small.spc
    assert_success
    assert_line --regexp '^format +spc$'
    assert_line --regexp '^spc.header +0x8000000a$'
    run --separate-stderr qtag-read -o x.qev small.dat
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: small.dat: unrecognised file format; name one with --format'
    run --separate-stderr qtag-read --format spc -o x.qev small.dat
    assert_success
    run qcat x.qev
    assert_output "$SMALL_TEXT"
}

# ---- headers that lie, and bad input ----

@test "a first word without the header flag, or a clock of 0, is refused" {
    printf '\x5f\x00\x00\x00\x05\x00\x00\x00' >noflag.spc
    run --separate-stderr qtag-read -o x.qev noflag.spc
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" 'qtag-read: noflag.spc: not an SPC FIFO file: the first word 0x0000005f lacks the header flag (bit 31)'
    printf '\x00\x00\x00\x80\x05\x00\x00\x00' >clock0.spc
    run --separate-stderr qtag-read -o x.qev clock0.spc
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: clock0.spc: the SPC header word 0x80000000 gives a macro-time clock of 0'
    [ ! -e x.qev ]
}

@test "an empty file and a cut header word are errors, even with --allow-truncated" {
    : >empty.spc
    run --separate-stderr qtag-read -o x.qev empty.spc
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: empty.spc: empty file'
    printf '\x5f\x00' >cut.spc
    run --separate-stderr qtag-read --allow-truncated -o x.qev cut.spc
    assert_failure 1
    assert_equal "$stderr" 'qtag-read: cut.spc: truncated: the 4-byte SPC header word is cut short (2 bytes)'
}

@test "a macro-time past int64 picoseconds is an error, not a wrapped time" {
    # clock 0xFFFFFF: 1677721500 ps a tick; INT64_MAX / that is about 5.5e9
    # ticks, and one count of 0x0FFFFFFF is 1.1e12 ticks.
    { echo 0x80FFFFFF; multi 0x0FFFFFFF; echo 1; } | spc_words far.spc
    run --separate-stderr qtag-read -o x.qev far.spc
    assert_failure 1
    assert_regex "$stderr" '^qtag-read: far\.spc: record 1: the macro-time passes the largest time int64 picoseconds hold \(1677721500 ps per tick\)$'
    [ ! -e x.qev ]
}

# ---- broken input ----

@test "cut at every byte offset: whole records pass, anything else fails unless allowed" {
    write_small small.spc
    # Events made by each of the 10 records (see write_small).
    bash -s <<'EOF' >report.txt
made=(1 1 0 0 1 1 1 0 1 0)
size=$(stat -c %s small.spc)
for ((i = 0; i < size; i++)); do
    head -c "$i" small.spc >cut.spc
    qtag-read -o cut.qev cut.spc 2>err.txt; rc=$?
    qtag-read --allow-truncated -o cutok.qev cut.spc 2>errok.txt; rcok=$?
    ((rc == 0 || rc == 1)) || echo "cut $i: exit $rc"
    ((rcok == 0 || rcok == 1)) || echo "cut $i: exit $rcok with --allow-truncated"
    if ((i < 4)); then
        ((rc == 1 && rcok == 1)) || echo "cut $i: header cut accepted"
        continue
    fi
    k=$(((i - 4) / 4)) want=0
    for ((j = 0; j < k; j++)); do want=$((want + made[j])); done
    if (((i - 4) % 4 == 0)); then
        # no record count in the header: a cut between records is a whole file
        ((rc == 0)) || echo "cut $i: whole records refused: $(cat err.txt)"
    else
        ((rc == 1)) || echo "cut $i: partial record accepted"
        grep -q "truncated: a partial record of $(((i - 4) % 4)) bytes after $k records" err.txt ||
            echo "cut $i: message: $(cat err.txt)"
        ((rcok == 0)) || echo "cut $i: --allow-truncated failed: $(cat errok.txt)"
        qcat -H cutok.qev | grep -qx 'truncated=1' || echo "cut $i: not marked truncated"
    fi
    if ((rcok == 0)); then
        got=$(qcat -c cutok.qev)
        [ "$got" = "$want" ] || echo "cut $i: $got events, want $want"
    fi
done
EOF
    run cat report.txt
    assert_output ''
}

@test "random byte flips never crash: exit 0 or 1, and any stream written is valid" {
    # 3000 records of random photons, overflows and invalid records.
    python3 -c '
import random, struct
rng = random.Random(7)
w = [0x8000005F]
for i in range(3000):
    k = rng.random()
    if k < 0.1:
        w.append(3 << 30 | rng.randrange(1, 64))
    elif k < 0.15:
        w.append(1 << 31 | rng.randrange(1 << 28))
    else:
        w.append(rng.randrange(2) << 30 | rng.randrange(4096) << 16 | rng.randrange(16) << 12 | rng.randrange(4096))
open("base.spc", "wb").write(struct.pack("<%dI" % len(w), *w))
for n in range(150):
    b = bytearray(open("base.spc", "rb").read())
    for _ in range(rng.randrange(1, 9)):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    open("flip%03d.spc" % n, "wb").write(b)
'
    bash -s <<'EOF' >report.txt
for f in flip*.spc; do
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
