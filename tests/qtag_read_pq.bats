load helpers

# qtag-read on PicoQuant files: PTU (every record type), .pt2/.pt3, .ht2/.ht3
# and .t3r.
#
# Real files: the counts, overflow totals, last events and "sum t" of
# ../shared/realdata/README.md, which were worked out with a decoder
# independent of qpipe. The events are turned back into the vendor's units by
# tests/make_pq.py tally: T2 timetag = time_ps / resolution_ps (exact), T3
# nsync = round((time_ps - micro * microtime_unit_ps) / sync_period_ps).
#
# Synthetic files: tests/make_pq.py writes them byte by byte from PicoQuant's
# published layouts (docs/formats.md 1.1-1.4). The expected events below are
# worked out by hand from the record rules, with the arithmetic in comments:
#   PicoHarp T2: overflow +210698240; special channel 15, low 4 bits 0 =
#     overflow, else those bits are markers and not time.
#   PicoHarp T3: overflow +65536 nsync; special dtime 0 = overflow, else the
#     dtime holds the markers.
#   HydraHarp V1 T2: one overflow of 33552000 per overflow record.
#   Later T2 (HydraHarp V2, TimeHarp 260, Generic): n x 2^25, n = the count
#     in the record, 0 meaning 1.
#   T3 of those: overflow of 1024 nsync (V1: one per record; later: n x 1024).
#   T3 time = round(nsync x sync period + dtime x resolution), halves away
#   from zero.

MAKE_PQ="$BATS_TEST_DIRNAME/make_pq.py"
PQ="$REALDATA/picoquant-sample-data"

# ---- helpers ----

mk() {
    "$PYTHON" "$MAKE_PQ" "$@"
}

# Converts with qtag-read (its options and files in "$@") into stream.qev and
# prints the events as qcat text; qtag-read's status and stderr pass through.
events() {
    qtag-read -o stream.qev "$@" || return
    qcat stream.qev
}

# The value of metadata key $2 in stream $1 (header or closing metadata).
meta() {
    qcat -H "$1" | awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2) }'
}

# The closing metadata lines of the first segment of stream $1.
closing() {
    qcat -H "$1" | sed -n '/^# closing metadata of segment 1$/,/^#/{/^#/d;p}'
}

# Asserts the last run printed exactly one line on stderr, matching the ERE $1.
assert_one_error_line() {
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "$1"
}

# The events of stream $1 in the vendor's units, as make_pq.py tally prints
# them, with the first $2 events listed.
tally() {
    local res sync micro
    res=$(meta "$1" resolution_ps)
    if [ -n "$res" ]; then
        qcat "$1" | "$PYTHON" "$MAKE_PQ" tally t2 "$res" "${2:-0}"
    else
        sync=$(meta "$1" sync_period_ps)
        micro=$(meta "$1" microtime_unit_ps)
        qcat "$1" | "$PYTHON" "$MAKE_PQ" tally t3 "$sync" "$micro" "${2:-0}"
    fi
}

# Converts real file $1 (under picoquant-sample-data) with the options after
# it into real.qev, and asserts that this succeeded; $stderr keeps what it said.
convert_real() {
    local f=$1
    shift
    run --separate-stderr qtag-read "$@" -o real.qev "$PQ/$f"
    assert_success
}

# ulimit -v for the commands of a memory check, or nothing under
# AddressSanitizer, which reserves terabytes of address space at start-up.
mem_cap() {
    if ldd "$(command -v qtag-read)" 2>/dev/null | grep -q libasan; then
        echo :
    else
        echo 'ulimit -v 200000'
    fi
}

# The records of one test file, in make_pq.py's language, with their events:
#   T2, HydraHarp-style: R2, written for V2 and V1 rules below.
R2='p 0 100; o 0; p 2 5; o 3; s 7; m 5 9; o 1; p 0 33554431'
#   T3, HydraHarp-style: R3.
R3='p 0 2 1; p 1 0 1; p 1 1 1; p 1 0 5; o 0; p 2 0 7; o 2; m 6 4; p 0 32767 1023'
# For R3: a sync period of 2^-13 s = 122070312.5 ps, exact in binary, so that
# nsync x period lands on halves; and a dtime unit of 2^-38 s =
# 244140625/67108864 ps = 3.637978807091713 ps.
SYNC_2_13=0.0001220703125
MICRO_2_38=3.637978807091713e-12

# R2 under the V2 rule (2^25 = 33554432 per overflow, n = 0 counts 1), 1 ps:
#   p 0 100          100                           input 0 is channel 1
#   o 0              ofl = 1 x 33554432
#   p 2 5            33554432 + 5 = 33554437       channel 3
#   o 3              ofl = 4 x 33554432 = 134217728
#   s 7              134217735, sync on channel 0
#   m 5 9            134217737, marker bits 0101 (markers 1 and 3)
#   o 1              ofl = 5 x 33554432 = 167772160
#   p 0 33554431     167772160 + 33554431 = 201326591
R2_V2_EVENTS='time_ps	channel	kind	value
100	1	photon	-
33554437	3	photon	-
134217735	0	sync	-
134217737	0	marker	5
201326591	1	photon	-'

# R2 under the V1 rule (one overflow of 33552000 per record, whatever its
# count field says):
#   o 0 -> 33552000; p 2 5 -> 33552005; o 3 -> 67104000; s 7 -> 67104007;
#   m 5 9 -> 67104009; o 1 -> 100656000; p 0 33554431 -> 134210431
R2_V1_EVENTS='time_ps	channel	kind	value
100	1	photon	-
33552005	3	photon	-
67104007	0	sync	-
67104009	0	marker	5
134210431	1	photon	-'

# R3 under the V2 rule, period P = 122070312.5 ps, unit u = 3.637978807091713:
#   p 0 2 1        1 P + 2 u = 122070319.776  -> 122070320
#   p 1 0 1        1 P = 122070312.5 (a half)  -> 122070313 (away from zero)
#   p 1 1 1        1 P + 1 u = 122070316.138  -> 122070316 (rounded once:
#                  round(P) + round(u) would be 122070317)
#   p 1 0 5        5 P = 610351562.5 (a half)  -> 610351563
#   o 0            ofl = 1024
#   p 2 0 7        1031 P = 125854492187.5     -> 125854492188
#   o 2            ofl = 3072
#   m 6 4          3076 P = 375488281250, markers 2 and 3 (bits 110)
#   p 0 32767 1023 4095 P + 32767 u = 499877929687.5 + 119205.6516
#                  = 499878048893.1516         -> 499878048893
R3_V2_EVENTS='time_ps	channel	kind	micro	value
122070320	1	photon	2	-
122070313	2	photon	0	-
122070316	2	photon	1	-
610351563	2	photon	0	-
125854492188	3	photon	0	-
375488281250	0	marker	-	6
499878048893	1	photon	32767	-'

# R3 under the V1 rule (one overflow of 1024 per record):
#   o 0 -> 1024; p 2 0 7 -> 1031 P = 125854492188; o 2 -> 2048;
#   m 6 4 -> 2052 P = 250488281250; p 0 32767 1023 -> 3071 P + 32767 u =
#   374877929687.5 + 119205.6516 = 374878048893.15 -> 374878048893
R3_V1_EVENTS='time_ps	channel	kind	micro	value
122070320	1	photon	2	-
122070313	2	photon	0	-
122070316	2	photon	1	-
610351563	2	photon	0	-
125854492188	3	photon	0	-
250488281250	0	marker	-	6
374878048893	1	photon	32767	-'

# PicoHarp T2, 4 ps (the PTU's GlobalResolution, and the legacy .pt2 unit):
#   p 0 5              5 x 4 = 20, channel 0 is the sync
#   p 1 100            400
#   o                  ofl = 210698240
#   p 4 7              (210698240 + 7) x 4 = 842792988
#   m 3 0x100          markers 1 and 2; the low 4 bits are not time:
#                      (210698240 + 256) x 4 = 842793984
#   m 15 0xFFFFFF0     all four markers: (210698240 + 268435440) x 4
#                      = 1916534720
#   o 0x123450         an overflow (low 4 bits 0) with other bits set
#   p 2 268435455      (421396480 + 268435455) x 4 = 2759327740
PH_T2='p 0 5; p 1 100; o; p 4 7; m 3 0x100; m 15 0xFFFFFF0; o 0x123450; p 2 268435455'
PH_T2_EVENTS='time_ps	channel	kind	value
20	0	sync	-
400	1	photon	-
842792988	4	photon	-
842793984	0	marker	3
1916534720	0	marker	15
2759327740	2	photon	-'

# PicoHarp T3, period 100 ns, dtime unit 4 ps:
#   p 1 10 3         3 x 100000 + 10 x 4 = 300040
#   m 5 7            7 x 100000 = 700000, markers 1 and 3
#   o                ofl = 65536
#   p 4 4095 0       65536 x 100000 + 4095 x 4 = 6553616380
#   o 17             an overflow (dtime 0) with nsync bits set
#   p 2 1 65535      (131072 + 65535) x 100000 + 4 = 19660700004
PH_T3='p 1 10 3; m 5 7; o; p 4 4095 0; o 17; p 2 1 65535'
PH_T3_EVENTS='time_ps	channel	kind	micro	value
300040	1	photon	10	-
700000	0	marker	-	5
6553616380	4	photon	4095	-
19660700004	2	photon	1	-'

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # the interpreter itself, not a version manager's wrapper script: the
    # tests start it about a hundred times
    PYTHON=$(python3 -c 'import sys; print(sys.executable)')
    export PYTHON
    # One PTU per record type, for the tests that loop over them.
    for t in hh2-t2 th260n-t2 th260p-t2 generic-t2; do
        mk ptu "$d/$t.ptu" "$t" "$R2"
    done
    mk ptu "$d/hh1-t2.ptu" hh1-t2 "$R2"
    for t in hh1-t3 hh2-t3 th260n-t3 th260p-t3 generic-t3; do
        mk ptu "$d/$t.ptu" "$t" "$R3" --global-res "$SYNC_2_13" --res "$MICRO_2_38"
    done
}

# ---- real files (../shared/realdata/README.md) ----

@test "real hydraharp/v20_t2.ptu: HydraHarp V2 T2, overflow counts > 1" {
    need_realdata
    convert_real hydraharp/v20_t2.ptu
    assert_equal "$stderr" ''
    assert_equal "$(meta real.qev resolution_ps)" 1
    run tally real.qev 5
    assert_output 'event 1 24433765
event 1 42010976
event 1 42303858
event 1 65241860
event 1 71933885
photon 1 305565
sum 763828286071656274
last 1 4999964931763'
    run closing real.qev
    assert_output 'source_records=435319
source_records_promised=435319
source_overflows=149011
source_unknown_records=0'
}

@test "real hydraharp/v20_t3.ptu: HydraHarp V2 T3" {
    need_realdata
    convert_real hydraharp/v20_t3.ptu
    assert_equal "$stderr" ''
    run tally real.qev 5
    # README first events (raw ch, nsync, dtime); raw channel k is channel k+1
    assert_output 'event 2 1569 382
event 1 5763 323
event 1 5868 220
event 2 5969 1618
event 2 7134 368
photon 1 45012
photon 2 32871
sum 1954058639942
last 1 49999358 1043'
    run closing real.qev
    assert_output 'source_records=106349
source_records_promised=106349
source_overflows=48827
source_unknown_records=0'
}

@test "real hydraharp/v10_t3.ptu: HydraHarp V1 T3, one overflow per record" {
    need_realdata
    convert_real hydraharp/v10_t3.ptu
    assert_equal "$stderr" ''
    run tally real.qev
    assert_output 'photon 1 48001
photon 2 46559
sum 3431868550322
last 1 74999247 93'
    run closing real.qev
    assert_output 'source_records=167801
source_records_promised=167801
source_overflows=73241
source_unknown_records=0'
    # the header tags with an index, as the file has them (only [1] and [3])
    run meta real.qev 'ptu.UsrHeadName[3]'
    refute_output ''
}

@test "real picoharp/v30_t2.ptu: PicoHarp T2, raw channel 0 is the sync" {
    need_realdata
    convert_real picoharp/v30_t2.ptu
    assert_equal "$stderr" ''
    assert_equal "$(meta real.qev resolution_ps)" 4
    run tally real.qev 5
    assert_output 'event 0 32486569
event 0 34975036
event 1 35075042
event 0 39251037
event 0 40145286
photon 1 388700
sync 0 531477
sum 893490934609771172
last 0 1912597668189'
    run closing real.qev
    assert_output 'source_records=929254
source_records_promised=929254
source_overflows=9077
source_unknown_records=0'
    # 1912597668189 x 4 ps = 7.650390672756 s
    run bash -c 'qcat real.qev | tail -n 1'
    assert_output $'7650390672756\t0\tsync\t-'
}

@test "real hydraharp/v20.ht3: legacy HydraHarp 2.0 T3" {
    need_realdata
    convert_real hydraharp/v20.ht3
    assert_equal "$stderr" ''
    assert_equal "$(meta real.qev microtime_unit_ps)" 16
    run tally real.qev 5
    assert_output 'event 2 113 13146
event 2 653 22450
event 2 1376 29169
event 2 1540 25714
event 2 1800 30830
photon 1 7102
photon 2 26648
photon 3 3085
photon 4 7306
sum 194796140678
last 4 9988918 19285'
    run closing real.qev
    assert_output 'source_records=53606
source_records_promised=53606
source_overflows=9754
source_unknown_records=0'
}

@test "real hydraharp/v10.ht3: legacy HydraHarp 1.0 T3, truncated" {
    need_realdata
    convert_real hydraharp/v10.ht3 --allow-truncated
    assert_equal "$(meta real.qev microtime_unit_ps)" 4
    run tally real.qev
    assert_output 'photon 1 6
photon 2 9
photon 3 3
photon 4 14
sum 16404144
last 3 976849 4799'
    run closing real.qev
    assert_output 'source_records=1050
source_records_promised=72463591
source_overflows=1018
source_unknown_records=0
truncated=1'
}

@test "real hydraharp/v20.ht2: legacy HydraHarp 2.0 T2, syncs only, truncated" {
    need_realdata
    convert_real hydraharp/v20.ht2 --allow-truncated
    run tally real.qev
    assert_output 'sync 0 25
sum 320387093
last 0 24828830'
    run closing real.qev
    assert_output 'source_records=25
source_records_promised=10431577
source_overflows=0
source_unknown_records=0
truncated=1'
}

@test "real hydraharp/v10.ht2: legacy HydraHarp 1.0 T2, truncated" {
    need_realdata
    convert_real hydraharp/v10.ht2 --allow-truncated
    # timetags count the BaseResolution of 1 ps (docs/formats.md 1.4)
    assert_equal "$(meta real.qev resolution_ps)" 1
    run tally real.qev
    assert_output 'photon 1 2
photon 2 4
photon 3 6
photon 4 7
sum 2119950766
last 1 194123668'
    run closing real.qev
    assert_output 'source_records=25
source_records_promised=52378636
source_overflows=6
source_unknown_records=0
truncated=1'
}

@test "real timeharp/v50.t3r: TimeHarp 200, trailing byte" {
    need_realdata
    convert_real timeharp/v50.t3r --allow-truncated
    assert_equal "$(meta real.qev sync_period_ps)" 100000
    # The one record that is neither a photon nor an overflow is record 0,
    # 0x00070004: Valid 0, Data 7 (bit 11 clear), so markers 1-3 at TimeTag 4
    # x 100 ns.
    run tally real.qev
    assert_output 'marker 0 1
photon 1 85571
sum 4162439080566
last 1 93439288 2390'
    run bash -c 'qcat -k marker real.qev'
    assert_output $'time_ps\tchannel\tkind\tmicro\tvalue\n400000\t0\tmarker\t-\t7'
    run closing real.qev
    assert_output 'source_records=86997
source_records_promised=86997
source_overflows=1425
source_unknown_records=0
truncated=1'
}

@test "real truncated files fail without --allow-truncated, naming the records read and promised" {
    need_realdata
    cd "$PQ"
    local f
    for f in hydraharp/v10.ht2:25:52378636 hydraharp/v20.ht2:25:10431577 \
        hydraharp/v10.ht3:1050:72463591; do
        IFS=: read -r name got promised <<<"$f"
        rm -f "$BATS_TEST_TMPDIR/t.qev"
        run --separate-stderr qtag-read -o "$BATS_TEST_TMPDIR/t.qev" "$name"
        assert_failure 1
        assert_output ''
        assert_one_error_line "^qtag-read: $name: truncated: $got records of the $promised the header promises$"
        [ ! -e "$BATS_TEST_TMPDIR/t.qev" ] || fail "$name: -o left a file behind"
        # on stdout, the stream has no trailer, so it cannot pass as complete
        run --separate-stderr bash -c 'qtag-read "$1" | qcat -c' _ "$name"
        assert_failure 1
        assert_regex "$stderr" "qcat: -: truncated at byte [0-9]+ after [0-9]+ events"

        run --separate-stderr qtag-read --allow-truncated -o "$BATS_TEST_TMPDIR/t.qev" "$name"
        assert_success
        assert_one_error_line "^qtag-read: $name: truncated: kept the $got records of the $promised promised$"
        assert_equal "$(meta "$BATS_TEST_TMPDIR/t.qev" truncated)" 1
    done
}

@test "real v50.t3r: a trailing partial record fails without --allow-truncated" {
    need_realdata
    cd "$PQ/timeharp"
    run --separate-stderr qtag-read -o "$BATS_TEST_TMPDIR/t.qev" v50.t3r
    assert_failure 1
    assert_one_error_line '^qtag-read: v50\.t3r: truncated: a partial record of 1 bytes after 86997 records$'
    [ ! -e "$BATS_TEST_TMPDIR/t.qev" ]
    run --separate-stderr qtag-read --allow-truncated -o "$BATS_TEST_TMPDIR/t.qev" v50.t3r
    assert_success
    assert_one_error_line '^qtag-read: v50\.t3r: truncated: dropped a partial record of 1 bytes at the end$'
    assert_equal "$(meta "$BATS_TEST_TMPDIR/t.qev" truncated)" 1
}

# ---- T2 record types ----

@test "HydraHarp V2, TimeHarp 260 N/P and Generic T2: 2^25 per overflow, times the count" {
    local t
    for t in hh2-t2 th260n-t2 th260p-t2 generic-t2; do
        run --separate-stderr events "$BATS_FILE_TMPDIR/$t.ptu"
        assert_success
        assert_equal "$stderr" ''
        assert_output "$R2_V2_EVENTS"
        # 1 (count 0) + 3 + 1
        assert_equal "$(meta stream.qev source_overflows)" 5
        assert_equal "$(meta stream.qev source_records)" 8
    done
}

@test "HydraHarp V1 T2: one overflow of 33552000 per record, whatever its count field" {
    run --separate-stderr events "$BATS_FILE_TMPDIR/hh1-t2.ptu"
    assert_success
    assert_equal "$stderr" ''
    assert_output "$R2_V1_EVENTS"
    assert_equal "$(meta stream.qev source_overflows)" 3
    assert_equal "$(meta stream.qev record_type)" 'HydraHarp V1 T2 (0x00010204)'
}

@test "Generic T2 at 5 ps and TimeHarp 260 P T2 at 25 ps: timetag x resolution" {
    mk ptu g.ptu generic-t2 "$R2" --global-res 5e-12
    run --separate-stderr events g.ptu
    assert_success
    # R2_V2 times x 5
    assert_output 'time_ps	channel	kind	value
500	1	photon	-
167772185	3	photon	-
671088675	0	sync	-
671088685	0	marker	5
1006632955	1	photon	-'
    assert_equal "$(meta stream.qev resolution_ps)" 5
    assert_equal "$(meta stream.qev time_rule)" 't = timetag * resolution_ps'

    mk ptu p.ptu th260p-t2 'p 0 1; o 2; p 1 3' --global-res 25e-12
    run --separate-stderr events p.ptu
    assert_success
    # 25; (2 x 33554432 + 3) x 25 = 67108867 x 25 = 1677721675
    assert_output $'time_ps\tchannel\tkind\tvalue\n25\t1\tphoton\t-\n1677721675\t2\tphoton\t-'
    assert_equal "$(meta stream.qev resolution_ps)" 25
}

@test "T2 with a resolution that is not whole picoseconds rounds each time, halves away from zero" {
    # 2^-40 s = 244140625/268435456 ps = 0.90949470177292824 ps (exact in
    # binary): tag 1 -> 0.909 -> 1; after 4 overflows the tag is 2^27, and
    # 2^27 x 244140625/2^28 = 122070312.5 -> 122070313; 2^27 + 3 ->
    # 122070312.5 + 2.7285 = 122070315.23 -> 122070315.
    mk ptu f.ptu hh2-t2 'p 0 1; o 4; p 0 0; p 0 3' --global-res 9.094947017729282379150390625e-13
    run --separate-stderr events f.ptu
    assert_success
    assert_output $'time_ps\tchannel\tkind\tvalue\n1\t1\tphoton\t-\n122070313\t1\tphoton\t-\n122070315\t1\tphoton\t-'
    assert_equal "$(meta stream.qev resolution_ps)" 0.90949470177292824
    assert_equal "$(meta stream.qev time_rule)" 't = round(timetag * resolution_ps)'
}

@test "PicoHarp T2: 210698240 per overflow, sync on channel 0, marker bits are not time" {
    mk ptu ph.ptu ph-t2 "$PH_T2" --global-res 4e-12
    run --separate-stderr events ph.ptu
    assert_success
    assert_equal "$stderr" ''
    assert_output "$PH_T2_EVENTS"
    assert_equal "$(meta stream.qev source_overflows)" 2
    assert_equal "$(meta stream.qev resolution_ps)" 4
}

# ---- T3 record types ----

@test "HydraHarp V2, TimeHarp 260 N/P and Generic T3: n x 1024, rounding of halves" {
    local t
    for t in hh2-t3 th260n-t3 th260p-t3 generic-t3; do
        run --separate-stderr events "$BATS_FILE_TMPDIR/$t.ptu"
        assert_success
        assert_equal "$stderr" ''
        assert_output "$R3_V2_EVENTS"
        assert_equal "$(meta stream.qev source_overflows)" 3
        assert_equal "$(meta stream.qev sync_period_ps)" 122070312.5
        assert_equal "$(meta stream.qev microtime_unit_ps)" 3.637978807091713
        assert_equal "$(meta stream.qev fields)" micro,value
    done
}

@test "HydraHarp V1 T3: one overflow of 1024 per record" {
    run --separate-stderr events "$BATS_FILE_TMPDIR/hh1-t3.ptu"
    assert_success
    assert_output "$R3_V1_EVENTS"
    assert_equal "$(meta stream.qev source_overflows)" 2
}

@test "Generic T3 at 80 MHz: times 13 ks in, rounded to the nearest ps, not truncated" {
    # MeasDesc_GlobalResolution 1.25e-8 s is 5.7e-13 ps below 12500 ps as a
    # double, and 5e-12 s is 3e-16 ps below 5 ps: the exact time is a hair
    # under a whole number, and rounds up to it. 1000 records of 1023
    # overflows: nsync = 1000 x 1023 x 1024 + 5 = 1047552005;
    # 1047552005 x 12500 + 3 x 5 = 13094400062515.
    local recs
    recs=$(printf 'o 1023; %.0s' $(seq 1000))
    mk ptu m.ptu generic-t3 "p 0 3 5; ${recs}p 0 3 5" --global-res 1.25e-8 --res 5e-12
    run --separate-stderr events m.ptu
    assert_success
    assert_output $'time_ps\tchannel\tkind\tmicro\tvalue\n62515\t1\tphoton\t3\t-\n13094400062515\t1\tphoton\t3\t-'
    assert_equal "$(meta stream.qev source_overflows)" 1023000
}

@test "PicoHarp T3: 65536 per overflow, markers in the dtime field" {
    mk ptu ph3.ptu ph-t3 "$PH_T3" --global-res 1e-7 --res 4e-12
    run --separate-stderr events ph3.ptu
    assert_success
    assert_equal "$stderr" ''
    assert_output "$PH_T3_EVENTS"
    assert_equal "$(meta stream.qev source_overflows)" 2
}

# ---- legacy files ----

@test "legacy .pt2: PicoHarp T2 rules at 4 ps, header fields as pq.* keys" {
    mk pt2 a.pt2 "$PH_T2" --img-words 3 --comment 'two markers'
    run --separate-stderr events a.pt2
    assert_success
    assert_equal "$stderr" ''
    assert_output "$PH_T2_EVENTS"
    assert_equal "$(meta stream.qev source_format)" pt2
    assert_equal "$(meta stream.qev pq.Ident)" 'PicoHarp 300'
    assert_equal "$(meta stream.qev pq.FormatVersion)" 2.0
    assert_equal "$(meta stream.qev pq.Comment)" 'two markers'
    assert_equal "$(meta stream.qev pq.Records)" 8
    assert_equal "$(meta stream.qev source_records_promised)" 8
}

@test "legacy .pt3: the sync period is 1 / CntRate0, dtime counts the board resolution" {
    # CntRate0 3 MHz: P = 333333.333... ps; Resolution 0.004 ns as a float32
    # is 0.004000000189989805 ns, u = 4.000000189989805 ps.
    #   p 1 10 3      3 P + 10 u = 1000000 + 40.0000019      -> 1000040
    #   m 5 7         7 P = 2333333.33                          -> 2333333
    #   p 4 4095 0    65536 P + 4095 u = 21845333333.33 + 16380.0008
    #                 = 21845349713.33                           -> 21845349713
    #   p 2 1 65535   196607 P + u = 65535666666.67 + 4.0000002  -> 65535666671
    mk pt3 a.pt3 "$PH_T3" --sync-rate 3000000 --res-ns 0.004
    run --separate-stderr events a.pt3
    assert_success
    assert_equal "$stderr" ''
    assert_output 'time_ps	channel	kind	micro	value
1000040	1	photon	10	-
2333333	0	marker	-	5
21845349713	4	photon	4095	-
65535666671	2	photon	1	-'
    assert_equal "$(meta stream.qev pq.CntRate0)" 3000000
    assert_equal "$(meta stream.qev source_overflows)" 2
}

@test "legacy .ht2 1.0 follows the V1 rules, 2.0 the V2 rules" {
    # 1.0 headers carry Resolution 0.5 and BaseResolution 1: timetags count
    # the BaseResolution (docs/formats.md 1.4).
    mk ht2 v1.ht2 "$R2" --format-version 1.0 --res-ps 0.5 --base-ps 1
    run --separate-stderr events v1.ht2
    assert_success
    assert_output "$R2_V1_EVENTS"
    assert_equal "$(meta stream.qev pq.FormatVersion)" 1.0
    mk ht2 v2.ht2 "$R2" --format-version 2.0 --inputs 8
    run --separate-stderr events v2.ht2
    assert_success
    assert_output "$R2_V2_EVENTS"
    assert_equal "$(meta stream.qev source_overflows)" 5
}

@test "legacy .ht3 1.0 and 2.0: the sync period is 1 / SyncRate" {
    # SyncRate 8192 Hz: 1e12 / 8192 = 122070312.5 ps, the period of R3.
    mk ht3 v1.ht3 "$R3" --format-version 1.0 --sync-rate 8192 --res-ps 3.637978807091713
    run --separate-stderr events v1.ht3
    assert_success
    assert_output "$R3_V1_EVENTS"
    mk ht3 v2.ht3 "$R3" --format-version 2.0 --sync-rate 8192 --res-ps 3.637978807091713 \
        --img-words 2
    run --separate-stderr events v2.ht3
    assert_success
    assert_output "$R3_V2_EVENTS"
    assert_equal "$(meta stream.qev pq.SyncRate)" 8192
}

@test "legacy .t3r: 100 ns clock, route k is channel k+1, markers, an unknown record" {
    # Resolution 0.25 ns (exact in float32), u = 250 ps, clock 100 ns:
    #   p 0 100 5        5 x 100000 + 100 x 250 = 525000, route 0 -> 1
    #   m 5 7            7 x 100000 = 700000, markers 1 and 3
    #   o                ofl = 65536
    #   p 3 4095 65535   131071 x 100000 + 4095 x 250 = 13108123750
    #   x 0x00080007     Valid 0, Data 8: neither overflow nor marker bits
    mk t3r a.t3r 'p 0 100 5; m 5 7; o; p 3 4095 65535; x 0x00080007' --res-ns 0.25
    run --separate-stderr events a.t3r
    assert_success
    assert_output 'time_ps	channel	kind	micro	value
525000	1	photon	100	-
700000	0	marker	-	5
13108123750	4	photon	4095	-'
    assert_one_error_line '^qtag-read: a\.t3r: 1 records could not be interpreted \(--strict makes this an error\)$'
    assert_equal "$(meta stream.qev source_unknown_records)" 1
}

# ---- unknown records and --strict ----

@test "unknown records are counted and warned about; --strict makes them an error" {
    local spec
    # type : records : the unknown record's number (from 1) and word : count
    for spec in \
        'hh2-t2:p 0 10; m 16 20; m 62 40:2:0xa0000014:2' \
        'hh2-t3:p 0 1 2; m 0 5; m 20 5:2:0x80000005:2' \
        'ph-t2:p 1 10; p 5 11; p 14 12:2:0x5000000b:2' \
        'ph-t3:p 1 1 1; p 0 1 1; p 5 1 1:2:0x00010001:2'; do
        IFS=: read -r type recs n word count <<<"$spec"
        mk ptu u.ptu "$type" "$recs" --global-res 1e-7 --res 4e-12
        run --separate-stderr events u.ptu
        assert_success
        assert_one_error_line "^qtag-read: u\\.ptu: $count records could not be interpreted \\(--strict makes this an error\\)$"
        assert_equal "$(meta stream.qev source_unknown_records)" "$count"
        assert_equal "$(qcat -c stream.qev)" 1

        run --separate-stderr qtag-read --strict -o s.qev u.ptu
        assert_failure 1
        assert_one_error_line "^qtag-read: u\\.ptu: record $n \\($word\\) cannot be interpreted \\(--strict\\)$"
        [ ! -e s.qev ]
    done
}

# ---- PTU header tags ----

@test "every PTU tag type becomes a ptu.* key in the stream's metadata" {
    local big
    big=$(head -c 70000 /dev/zero | tr '\0' x)
    mk ptu tags.ptu hh2-t2 'p 0 1; p 1 2' \
        --tag 'TestEmpty=empty:' \
        --tag 'TestBoolT=bool:1' --tag 'TestBoolF=bool:0' \
        --tag 'TestInt=int:-42' \
        --tag 'TestBits=bitset:0x8000000000000081' \
        --tag 'TestColor=color:0xff8000' \
        --tag 'TestFloat=float:0.1' \
        --tag 'TestDate=datetime:45000.5' \
        --tag 'TestFloats=floats:1.5,-2,0.25' \
        --tag "TestManyFloats=floats:$(seq -s, 1 20)" \
        --tag 'TestAnsi=ansi:Hello, PTU = world' \
        --tag $'TestControl=ansi:a\tb' \
        --tag 'TestWide=wide:Zeiß 5µs ✓ 𝜏' \
        --tag 'TestBlob=blob:00010203040506' \
        --tag 'TestInts=ints:1,-1' \
        --tag 'TestOdd=0x30000008:0x1234' \
        --tag "TestBig=ansi:$big" \
        --tag '$ReqHdr_SpatialResolution=float:0.5' \
        --tag 'UsrHeadName[3]=ansi:485.0nm (DC485)' \
        --tag 'UsrHeadName[1]=ansi:405.0nm (DC405)'
    run --separate-stderr events tags.ptu
    assert_success
    assert_equal "$stderr" ''
    # the records after all those payloads are still read right
    assert_output $'time_ps\tchannel\tkind\tvalue\n1\t1\tphoton\t-\n2\t2\tphoton\t-'
    run qcat -H stream.qev
    assert_line 'source_format=ptu'
    assert_line 'ptu.version=1.0.00'
    assert_line 'ptu.TestEmpty='
    assert_line 'ptu.TestBoolT=true'
    assert_line 'ptu.TestBoolF=false'
    assert_line 'ptu.TestInt=-42'
    assert_line 'ptu.TestBits=0x8000000000000081'
    assert_line 'ptu.TestColor=0xff8000'
    assert_line 'ptu.TestFloat=0.10000000000000001'
    # 45000.5 days after 1899-12-30: 19431 days after 1970-01-01, at noon
    assert_line 'ptu.TestDate=2023-03-15T12:00:00Z'
    assert_line 'ptu.TestFloats=1.5,-2,0.25'
    assert_line 'ptu.TestManyFloats=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,... (20 values)'
    assert_line 'ptu.TestAnsi=Hello, PTU = world'
    assert_line 'ptu.TestControl=a b'
    assert_line 'ptu.TestWide=Zeiß 5µs ✓ 𝜏'
    # 7 bytes, padded to the gross size of 8
    assert_line 'ptu.TestBlob=<8 bytes>'
    # a type this reader does not name, with a payload (Int8Array) and inline
    assert_line 'ptu.TestInts=<16 bytes>'
    assert_line 'ptu.TestOdd=0x0000000000001234'
    # 70000 + NUL, padded to 70008: more than a value keeps
    assert_line 'ptu.TestBig=<70008 bytes>'
    assert_line 'ptu.$ReqHdr_SpatialResolution=0.5'
    assert_line 'ptu.UsrHeadName[3]=485.0nm (DC485)'
    assert_line 'ptu.UsrHeadName[1]=405.0nm (DC405)'
    assert_line 'ptu.TTResultFormat_TTTRRecType=16843268'
    assert_line 'ptu.MeasDesc_GlobalResolution=9.9999999999999998e-13'
    assert_line 'ptu.Header_End='
    assert_line 'record_type=HydraHarp V2 T2 (0x01010204)'
}

@test "the old PTU version string 00.0.1 reads like 1.0.00" {
    mk ptu old.ptu hh2-t2 "$R2" --version 00.0.1
    run --separate-stderr events old.ptu
    assert_success
    assert_output "$R2_V2_EVENTS"
    assert_equal "$(meta stream.qev ptu.version)" 00.0.1
}

@test "--info prints the header and the conversion rules, and no stream" {
    mk ptu i.ptu ph-t3 "$PH_T3" --global-res 1e-7 --res 4e-12 --tag 'UsrHeadName[0]=ansi:pulsed 10 MHz'
    run --separate-stderr qtag-read --info i.ptu
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 --regexp '^file +i\.ptu$'
    assert_line --index 1 --regexp '^format +ptu$'
    assert_line --index 2 --regexp '^records promised +6$'
    assert_line --regexp '^record_type +PicoHarp 300 T3 \(0x00010303\)$'
    assert_line --regexp '^ptu\.UsrHeadName\[0\] +pulsed 10 MHz$'
    # the header's doubles, exactly: 1e-7 s and 4e-12 s are not binary fractions
    assert_line --regexp '^sync_period_ps +99999\.999999999995$'
    assert_line --regexp '^microtime_unit_ps +3\.9999999999999999$'
    assert_line --regexp '^time_rule +t = round\(nsync \* sync_period_ps \+ dtime \* microtime_unit_ps\); micro = dtime$'
    assert_line --regexp '^channel_rule +channel as recorded; 0 is the sync input$'
}

# ---- several files ----

@test "several files give one segment each; --merge merges them by time" {
    # a: HydraHarp V2 T2 at 1 ps, channel 1 at 10 and 30 ps
    # b: PicoHarp T2 at 4 ps, channel 1 at 5 x 4 = 20 and 6 x 4 = 24 ps
    mk ptu a.ptu hh2-t2 'p 0 10; p 0 30'
    mk ptu b.ptu ph-t2 'p 1 5; p 1 6' --global-res 4e-12
    run --separate-stderr events a.ptu b.ptu
    assert_success
    assert_output $'time_ps\tchannel\tkind\tvalue\n10\t1\tphoton\t-\n30\t1\tphoton\t-\n20\t1\tphoton\t-\n24\t1\tphoton\t-'
    run bash -c 'qcat -H stream.qev | grep -E "^(# |source_file=|source_records=)"'
    assert_output '# segment 1 of stream.qev
source_file=a.ptu
# closing metadata of segment 1
source_records=2
# segment 2 of stream.qev
source_file=b.ptu
# closing metadata of segment 2
source_records=2'

    run --separate-stderr events --merge a.ptu b.ptu
    assert_success
    assert_output $'time_ps\tchannel\tkind\tvalue\n10\t1\tphoton\t-\n20\t1\tphoton\t-\n24\t1\tphoton\t-\n30\t1\tphoton\t-'
    assert_equal "$(meta stream.qev merged_inputs)" 2
    assert_equal "$(meta stream.qev source_records.1)" 2
    assert_equal "$(meta stream.qev source_records.2)" 2
}

# ---- truncation ----

@test "a PTU with fewer records than TTResult_NumberOfRecords, or a partial record" {
    mk ptu short.ptu hh2-t2 "$R2" --count 10
    run --separate-stderr qtag-read -o s.qev short.ptu
    assert_failure 1
    assert_one_error_line '^qtag-read: short\.ptu: truncated: 8 records of the 10 the header promises$'
    [ ! -e s.qev ]
    run --separate-stderr events --allow-truncated short.ptu
    assert_success
    assert_output "$R2_V2_EVENTS"
    assert_one_error_line '^qtag-read: short\.ptu: truncated: kept the 8 records of the 10 promised$'
    run closing stream.qev
    assert_output 'source_records=8
source_records_promised=10
source_overflows=5
source_unknown_records=0
truncated=1'

    mk ptu odd.ptu hh2-t2 "$R2" --count 0
    printf '\001\002' >>odd.ptu
    run --separate-stderr qtag-read -o s.qev odd.ptu
    assert_failure 1
    assert_one_error_line '^qtag-read: odd\.ptu: truncated: a partial record of 2 bytes after 8 records$'
    run --separate-stderr events --allow-truncated odd.ptu
    assert_success
    assert_output "$R2_V2_EVENTS"
    assert_one_error_line '^qtag-read: odd\.ptu: truncated: dropped a partial record of 2 bytes at the end$'
    assert_equal "$(meta stream.qev truncated)" 1
}

@test "a PTU cut at every byte offset never passes as complete" {
    # 4 tags (16 + 4 x 48 = 208 bytes of header) and 6 records.
    mk ptu small.ptu hh2-t2 'p 0 1; o 2; p 1 2; s 3; m 1 4; p 2 5' \
        --omit File_GUID --omit Measurement_Mode --omit Measurement_SubMode \
        --omit TTResultFormat_BitsPerRecord --omit MeasDesc_Resolution
    local size
    size=$(stat -c %s small.ptu)
    assert_equal "$size" $((208 + 6 * 4))
    run --separate-stderr qtag-read -o whole.qev small.ptu
    assert_success
    assert_equal "$(qcat -c whole.qev)" 5
    # Each record but the overflow makes an event: events after k records.
    # every proper prefix, written at once
    "$PYTHON" -c 'import sys; d = open("small.ptu", "rb").read()
for i in range(len(d)): open(f"cut{i}.ptu", "wb").write(d[:i])'
    run bash -s "$size" <<'EOF'
size=$1 header=208
events_after=(0 1 1 2 3 4 5)
for ((i = 0; i < size; i++)); do
    if ((i == 0)); then
        want='empty file'
    elif ((i < 16)); then
        want='unrecognised file format; name one with --format'
    elif ((i < header)); then
        want='truncated: the PTU header is cut short'
    else
        k=$(((i - header) / 4)) part=$(((i - header) % 4))
        want="truncated: $k records of the 6 the header promises"
        ((part)) && want="$want, and a partial record"
    fi
    qtag-read -o "out$i.qev" "cut$i.ptu" 2>err
    rc=$?
    mapfile -t lines <err
    if ((rc != 1)); then
        echo "cut at $i: exit $rc"
    elif [[ -e out$i.qev ]]; then
        echo "cut at $i: left out$i.qev behind"
    elif ((${#lines[@]} != 1)) || ! [[ ${lines[0]} =~ ^qtag-read:\ cut$i\.ptu:\ $want$ ]]; then
        echo "cut at $i: message '${lines[*]}'"
    fi
    # inside the header --allow-truncated changes nothing: every 8th cut
    ((i < header && i % 8)) && continue
    qtag-read --allow-truncated -o "out$i.qev" "cut$i.ptu" 2>err
    rc=$?
    if ((i < header)); then
        ((rc == 1)) || echo "cut at $i, --allow-truncated: exit $rc"
    elif ((rc != 0)); then
        echo "cut at $i, --allow-truncated: exit $rc: $(<err)"
    elif [[ $(qcat -c "out$i.qev") != "${events_after[k]}" ]]; then
        echo "cut at $i, --allow-truncated: not ${events_after[k]} events"
    elif [[ $(qcat -H "out$i.qev") != *$'\ntruncated=1'* ]]; then
        echo "cut at $i, --allow-truncated: not marked truncated"
    fi
done
EOF
    assert_success
    assert_output ''
}

@test "legacy files cut inside their header fail with a clear message" {
    mk pt3 a.pt3 "$PH_T3" --img-words 2
    mk ht3 a.ht3 "$R3"
    mk t3r a.t3r 'p 0 1 2; o; p 1 3 4'
    run bash -s <<'EOF'
for f in a.pt3 a.ht3 a.t3r; do
    size=$(stat -c %s "$f")
    for ((i = 1; i < size; i += 61)); do
        head -c "$i" "$f" >"cut.${f#a.}"
        qtag-read --format "${f#a.}" -o out.qev "cut.${f#a.}" 2>err
        rc=$?
        mapfile -t lines <err
        if ((rc != 1)); then
            echo "$f cut at $i: exit $rc"
        elif ((${#lines[@]} != 1)) || ! [[ ${lines[0]} =~ ^qtag-read:\ cut\..*:\ truncated ]]; then
            echo "$f cut at $i: message '${lines[*]}'"
        fi
    done
done
EOF
    assert_success
    assert_output ''
}

# ---- broken and lying input ----

@test "random byte flips: exit 0 or 1, one line on error, no crash, no hang, bounded memory" {
    mk ptu t2.ptu hh2-t2 "$R2" --tag 'UsrHeadName[0]=ansi:laser' --tag 'TestBlob=blob:0102030405060708' \
        --tag 'TestFloats=floats:1,2,3'
    mk ptu t3.ptu ph-t3 "$PH_T3" --global-res 1e-7 --res 4e-12 --tag 'TestWide=wide:µs'
    mk pt3 a.pt3 "$PH_T3" --img-words 2
    mk ht2 a.ht2 "$R2" --format-version 1.0
    mk t3r a.t3r 'p 0 1 2; o; m 1 3; p 1 3 4'
    # 100 seeds for each PTU, 34 for each legacy file
    run "$PYTHON" - "$(mem_cap)" t2.ptu:100 t3.ptu:100 a.pt3:34 a.ht2:34 a.t3r:34 <<'EOF'
import random, resource, subprocess, sys
limit = sys.argv[1] != ":"

def cap_memory():
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (200000 * 1024, 200000 * 1024))

for spec in sys.argv[2:]:
    name, seeds = spec.split(":")
    data = open(name, "rb").read()
    for seed in range(int(seeds)):
        rng = random.Random(seed)
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= rng.randint(1, 255)
        open("flip", "wb").write(b)
        where = f"{name} seed {seed}"
        try:
            p = subprocess.run(["qtag-read", "-o", "flip.qev", "flip"], capture_output=True,
                               text=True, errors="replace", timeout=10, preexec_fn=cap_memory)
        except subprocess.TimeoutExpired:
            print(f"{where}: still running after 10 s")
            continue
        lines = p.stderr.splitlines()
        if p.returncode not in (0, 1):
            print(f"{where}: exit {p.returncode}: {p.stderr.strip()}")
        elif p.returncode == 1 and (len(lines) != 1 or not lines[0].startswith("qtag-read: flip: ")):
            print(f"{where}: message {lines}")
        elif p.returncode == 0 and seed % 4 == 0 and subprocess.run(
                ["qcat", "-c", "flip.qev"], capture_output=True).returncode != 0:
            print(f"{where}: exit 0 but the stream does not read")
EOF
    assert_success
    assert_output ''
}

@test "a PTU string, blob or array longer than the file: a clear error, no huge allocation" {
    local lie
    for lie in 'Huge=0x4001FFFF:0x4000000000000000' 'Blob=0xFFFFFFFF:1000000' \
        'Wide=0x4002FFFF:0xFFFFFFFFFFFFFFF8' 'Arr=0x2001FFFF:0x7FFFFFFFFFFFFFF8'; do
        mk ptu lie.ptu hh2-t2 "$R2" --tag "$lie"
        local name=${lie%%=*} claim
        claim=$(printf '%u' "${lie##*:}")
        run --separate-stderr bash -c "$(mem_cap); qtag-read -o lie.qev lie.ptu"
        assert_failure 1
        assert_one_error_line "^qtag-read: lie\\.ptu: truncated: PTU tag $name claims $claim bytes, but the file has [0-9]+ left$"
        # the same from a pipe, where nothing can be measured ahead
        run --separate-stderr bash -c "$(mem_cap); cat lie.ptu | qtag-read - > /dev/null"
        assert_failure 1
        assert_one_error_line "^qtag-read: -: truncated inside PTU tag $name$"
    done
}

@test "a PTU that promises 2^62 records, or a negative count" {
    mk ptu many.ptu hh2-t2 "$R2" --count 4611686018427387904
    run --separate-stderr bash -c "$(mem_cap); qtag-read -o s.qev many.ptu"
    assert_failure 1
    assert_one_error_line '^qtag-read: many\.ptu: truncated: 8 records of the 4611686018427387904 the header promises$'
    run --separate-stderr bash -c "$(mem_cap); qtag-read --allow-truncated -o s.qev many.ptu"
    assert_success
    assert_equal "$(qcat -c s.qev)" 5

    # A count of 0 or below promises nothing (ptufile and tttrlib count by
    # the file size): every record is read, and nothing is truncated.
    mk ptu neg.ptu hh2-t2 "$R2" --count -5
    run --separate-stderr events neg.ptu
    assert_success
    assert_equal "$stderr" ''
    assert_output "$R2_V2_EVENTS"
    run closing stream.qev
    assert_output 'source_records=8
source_overflows=5
source_unknown_records=0'
}

@test "a PTU with more than 100000 tags is refused at once" {
    mk ptu same.ptu hh2-t2 "$R2" --filler 100001
    run --separate-stderr bash -c "$(mem_cap); timeout 10 qtag-read -o s.qev same.ptu"
    assert_failure 1
    assert_one_error_line '^qtag-read: same\.ptu: the PTU header has more than 100000 tags$'
    mk ptu distinct.ptu hh2-t2 "$R2" --filler 100001 --filler-distinct
    run --separate-stderr bash -c "$(mem_cap); timeout 10 qtag-read -o s.qev distinct.ptu"
    assert_failure 1
    assert_one_error_line '^qtag-read: distinct\.ptu: the PTU header has more than 100000 tags$'
}

@test "a PTU with tens of thousands of tags keeps what fits in the metadata" {
    # 30000 tags of 1000-byte strings would be 30 MB of metadata, far more
    # than a QEV header holds (1 MiB): the stream keeps the first tags and
    # counts the others in ptu_tags_omitted.
    mk ptu wide.ptu hh2-t2 "$R2" --filler 30000 --filler-name Big --filler-text 1000
    run --separate-stderr bash -c "$(mem_cap); timeout 10 qtag-read -o s.qev wide.ptu"
    assert_success
    assert_equal "$stderr" ''
    run qcat s.qev
    assert_output "$R2_V2_EVENTS"
    assert_equal "$(meta s.qev 'ptu.Big[0]')" "$(printf 'y%.0s' $(seq 999))"
    assert_equal "$(meta s.qev 'ptu.TTResultFormat_TTTRRecType')" 16843268
    local kept omitted
    kept=$(qcat -H s.qev | grep -c '^ptu\.Big\[')
    omitted=$(meta s.qev ptu_tags_omitted)
    # every Big tag, and Header_End after them, is either kept or counted
    assert_equal $((kept + omitted)) 30001
    [ "$kept" -gt 100 ] || fail "only $kept tags kept"
}

@test "a PTU resolution that is zero, negative, not a number or absurd is refused" {
    local res
    for res in 0 -1e-12 nan inf 1e10; do
        mk ptu r2.ptu hh2-t2 "$R2" --global-res="$res"
        run --separate-stderr qtag-read -o s.qev r2.ptu
        assert_failure 1
        assert_one_error_line '^qtag-read: r2\.ptu: the header gives no usable time resolution'
        mk ptu r3.ptu hh2-t3 "$R3" --global-res="$res"
        run --separate-stderr qtag-read -o s.qev r3.ptu
        assert_failure 1
        assert_one_error_line '^qtag-read: r3\.ptu: the header gives no usable sync period or resolution'
        mk ptu m3.ptu hh2-t3 "$R3" --global-res 1e-7 --res="$res"
        run --separate-stderr qtag-read -o s.qev m3.ptu
        assert_failure 1
        assert_one_error_line '^qtag-read: m3\.ptu: the header gives no usable sync period or resolution'
    done
}

@test "the tags the conversion needs count only with their dictionary types" {
    # MeasDesc_GlobalResolution is a Float8 and TTResultFormat_TTTRRecType an
    # Int8: the same 8 bytes under another type are not that value.
    mk ptu i.ptu hh2-t2 "$R2" --omit MeasDesc_GlobalResolution --tag 'MeasDesc_GlobalResolution=int:1'
    run --separate-stderr qtag-read -o s.qev i.ptu
    assert_failure 1
    assert_one_error_line '^qtag-read: i\.ptu: a T2 PTU header needs MeasDesc_GlobalResolution \(Float8\)$'
    mk ptu r.ptu hh2-t3 "$R3" --omit MeasDesc_Resolution --tag 'MeasDesc_Resolution=bitset:0x3d7c25c268497682'
    run --separate-stderr qtag-read -o s.qev r.ptu
    assert_failure 1
    assert_one_error_line '^qtag-read: r\.ptu: a T3 PTU header needs MeasDesc_GlobalResolution and MeasDesc_Resolution \(Float8\)$'
    mk ptu t.ptu hh2-t2 "$R2" --omit TTResultFormat_TTTRRecType \
        --tag 'TTResultFormat_TTTRRecType=float:16843268'
    run --separate-stderr qtag-read -o s.qev t.ptu
    assert_failure 1
    assert_one_error_line '^qtag-read: t\.ptu: the PTU header has no TTResultFormat_TTTRRecType \(Int8\)$'
}

@test "overflows that take times past 2^63 ps are an error, not a wrapped time" {
    # Generic T2 at 4 ps, overflow records of count 2^25 - 1: each adds
    # 33554431 x 33554432 = 1125899873288192 units. After 2048 of them and a
    # tag of 0 the time is 2048 x 1125899873288192 x 4 = 9223371761976868864
    # ps, below 2^63 - 1 = 9223372036854775807; a 2049th overflow passes it.
    local recs
    recs=$(printf 'o 33554431; %.0s' $(seq 2048))
    mk ptu edge.ptu generic-t2 "${recs}p 0 0" --global-res 4e-12
    run --separate-stderr events edge.ptu
    assert_success
    assert_output $'time_ps\tchannel\tkind\tvalue\n9223371761976868864\t1\tphoton\t-'
    mk ptu over.ptu generic-t2 "${recs}o 33554431; p 0 0" --global-res 4e-12
    run --separate-stderr qtag-read -o s.qev over.ptu
    assert_failure 1
    assert_one_error_line '^qtag-read: over\.ptu: record 2049: the overflows take times past 2\^63 ps$'
    [ ! -e s.qev ]
}

@test "legacy headers that lie about sizes and counts" {
    # image header of -1 words, and of 2^24 + 1 words
    mk pt3 neg.pt3 "$PH_T3" --img-words -1
    run --separate-stderr qtag-read -o s.qev neg.pt3
    assert_failure 1
    assert_one_error_line '^qtag-read: neg\.pt3: implausible image header size -1$'
    # an image header of 1000000 words in a file of a few hundred bytes
    mk pt3 big.pt3 "$PH_T3"
    "$PYTHON" - <<'EOF'
import struct
b = bytearray(open("big.pt3", "rb").read())
struct.pack_into("<i", b, 724, 1000000)  # TTTRHdr.ImgHdrSize, the last int of 728
open("big.pt3", "wb").write(b)
EOF
    run --separate-stderr bash -c "$(mem_cap); qtag-read -o s.qev big.pt3"
    assert_failure 1
    assert_one_error_line '^qtag-read: big\.pt3: truncated: the image header claims 4000000 bytes, but the file has 24 left$'
    # 1000 input channels in a HydraHarp header
    mk ht3 inputs.ht3 "$R3" --inputs 1000
    run --separate-stderr qtag-read -o s.qev inputs.ht3
    assert_failure 1
    assert_one_error_line '^qtag-read: inputs\.ht3: implausible number of input channels 1000$'
    # no sync rate
    mk pt3 nosync.pt3 "$PH_T3" --sync-rate 0
    run --separate-stderr qtag-read -o s.qev nosync.pt3
    assert_failure 1
    assert_one_error_line '^qtag-read: nosync\.pt3: the header gives no sync rate \(CntRate0\)$'
    # a negative record count promises nothing
    mk ht2 neg.ht2 "$R2" --count -1
    run --separate-stderr events neg.ht2
    assert_success
    assert_output "$R2_V2_EVENTS"
}

@test "--format names the reader; a wrong one is refused with the reason" {
    mk ptu x.dat hh2-t2 "$R2"
    # detected from its magic whatever its name
    run --separate-stderr events x.dat
    assert_success
    assert_output "$R2_V2_EVENTS"
    run --separate-stderr qtag-read --format pt3 -o s.qev x.dat
    assert_failure 1
    assert_one_error_line '^qtag-read: x\.dat: (truncated: the pt3 header is cut short|not a PicoHarp 300 T3 file)$'
    run --separate-stderr qtag-read --format nope x.dat
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "qtag-read: --format: unknown format 'nope' \\(see --list-formats\\)"
}

@test "--merge of a T2 and a T3 file: the union of their fields, differing keys marked" {
    python3 "$QPIPE_TOP/tests/make_pq.py" ptu a.ptu hh2-t2 "p 0 10"
    python3 "$QPIPE_TOP/tests/make_pq.py" ptu b.ptu hh2-t3 "p 0 1 1" --global-res 1e-7 --res 4e-12
    run --separate-stderr qtag-read --merge -o m.qev a.ptu b.ptu
    assert_success
    assert_equal "$stderr" ''
    # T2: timetag 10 at 1 ps; T3: nsync 1 x 100000 ps + dtime 1 x 4 ps
    run --separate-stderr qcat m.qev
    assert_output "$(printf 'time_ps\tchannel\tkind\tmicro\tvalue\n10\t1\tphoton\t-\t-\n100004\t1\tphoton\t1\t-')"
    run --separate-stderr qcat -H m.qev
    assert_line 'fields=micro,value'
    assert_line 'resolution_ps=(differs between the merged inputs)'
    assert_line 'merged_inputs=2'
}
