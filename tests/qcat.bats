load helpers

# qcat: view, slice, merge and re-encode QEV streams.
#
# Reference texts come from `qsim ... --text`, which formats the simulated
# events directly, without the QEV encoder or decoder; selections are then
# computed from that text with awk and sort.

# ---- helpers ----

# Asserts the last run was a usage error: exit 2, nothing on stdout, and a
# message on stderr that points to --help.
assert_usage_error() {
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "^qcat: "
    assert_regex "$stderr" "Try 'qcat --help'"
}

# Fails with a short diff unless files $1 and $2 are equal.
assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(diff "$1" "$2" | head -n 10)"
}

# Fails unless files $1 and $2 differ.
assert_differ() {
    if cmp -s "$1" "$2"; then fail "$1 and $2 are the same"; fi
}

# The text header line and the events of text file $1 whose time t and
# channel c satisfy the awk condition $2.
awk_select() {
    awk -F'\t' "NR == 1 || ($2) { print }" "$1"
}

# A stable sort by time of the events of several text files, under one
# header line: what a merge must produce.
sort_union() {
    { head -n 1 "$1"; for f in "$@"; do tail -n +2 "$f"; done | LC_ALL=C sort -s -t$'\t' -k1,1n; }
}

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # a and b: small, with different seeds and channels.
    qsim poisson -r 1M,500k -n 5e4 -s 1 -o "$d/a.qev"
    qsim poisson -r 1M,500k -n 5e4 -s 1 --text >"$d/a.txt"
    qsim poisson -r 300k -c 1 -n 3e4 -s 2 -o "$d/b.qev"
    qsim poisson -r 300k -c 1 -n 3e4 -s 2 --text >"$d/b.txt"
    # big: 3e5 events in blocks of 65536, so 5 blocks and an index to seek in.
    qsim poisson -r 1M,2M,500k -n 3e5 -s 5 -o "$d/big.qev"
    qsim poisson -r 1M,2M,500k -n 3e5 -s 5 --text >"$d/big.txt"
    # ties: a 1 us resolution makes many equal times, also across blocks.
    qsim poisson -r 5M,3M --resolution 1us -n 2e5 -s 3 -o "$d/ties.qev"
    qsim poisson -r 5M,3M --resolution 1us -n 2e5 -s 3 --text >"$d/ties.txt"
    seq 1 3000 | gzip -n -c >"$d/garbage.bin"
}

# ---- contract ----

@test "--help prints usage on stdout and exits 0" {
    run --separate-stderr qcat --help
    assert_success
    assert_line --index 0 'Usage: qcat [OPTION]... [FILE]...'
    assert_line --partial '--merge'
    assert_line --partial '--from=T'
    assert_equal "$stderr" ''
    run --separate-stderr qcat -h
    assert_success
    assert_line --index 0 'Usage: qcat [OPTION]... [FILE]...'
    assert_equal "$stderr" ''
}

@test "--version and -V print the version" {
    run --separate-stderr qcat --version
    assert_success
    assert_output 'qcat (qpipe) 0.1.0'
    assert_equal "$stderr" ''
    run --separate-stderr qcat -V
    assert_success
    assert_output 'qcat (qpipe) 0.1.0'
    assert_equal "$stderr" ''
}

@test "an unknown option is a usage error" {
    run --separate-stderr qcat --bogus "$BATS_FILE_TMPDIR/a.qev"
    assert_usage_error
    assert_regex "$stderr" "bogus"
    run --separate-stderr qcat -Z "$BATS_FILE_TMPDIR/a.qev"
    assert_usage_error
}

@test "bad option values are usage errors" {
    local f=$BATS_FILE_TMPDIR/a.qev
    run --separate-stderr qcat -C 70000 "$f"
    assert_usage_error
    run --separate-stderr qcat -C 3-1 "$f"
    assert_usage_error
    run --separate-stderr qcat -k photons "$f"
    assert_usage_error
    run --separate-stderr qcat --from 5 "$f"
    assert_usage_error
    assert_regex "$stderr" 'needs a time unit'
    run --separate-stderr qcat --from 2ms --to 1ms "$f"
    assert_usage_error
    run --separate-stderr qcat --from 1ms --to 1ms "$f"
    assert_usage_error
    run --separate-stderr qcat -l 23 "$f"
    assert_usage_error
    run --separate-stderr qcat -O yaml "$f"
    assert_usage_error
    run --separate-stderr qcat -c -H "$f"
    assert_usage_error
    run --separate-stderr qcat -b -c "$f"
    assert_usage_error
}

@test "garbage input: exit 1, empty stdout, one line naming the file" {
    cp "$BATS_FILE_TMPDIR/garbage.bin" .
    run --separate-stderr qcat garbage.bin
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qcat: garbage\.bin: .+'
}

@test "a missing file: exit 1 and the system's reason" {
    run --separate-stderr qcat no-such.qev
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" 'qcat: no-such.qev: No such file or directory'
}

@test "a bad input after a good one still fails the run" {
    cp "$BATS_FILE_TMPDIR/garbage.bin" .
    run --separate-stderr qcat -c "$BATS_FILE_TMPDIR/a.qev" garbage.bin
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qcat: garbage\.bin: '
}

@test "with no input and stdin a terminal, usage goes to stderr (exit 2)" {
    need_command script bsdutils
    run --separate-stderr timeout 20 script -qec "qcat" /dev/null
    assert_failure 2
    assert_output --partial 'Usage: qcat'
}

@test "refuses to write QEV to a terminal" {
    need_command script bsdutils
    run --separate-stderr timeout 20 script -qec "qcat -b '$BATS_FILE_TMPDIR/a.qev'" /dev/null
    assert_failure 2
    assert_output --partial 'qcat: refusing to write binary data to a terminal'
    # No stream reached the terminal: its header would show "QEVH".
    refute_output --partial QEVH
}

# ---- round trips: the codec against the direct text formatter ----

@test "round trip: one channel" {
    qsim poisson -n 1e5 -s 7 --text >want.txt
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1e5 -s 7 | qcat > got.txt'
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got.txt
    assert_equal "$(head -n 1 got.txt)" $'time_ps\tchannel\tkind'
    assert_equal "$(wc -l <got.txt)" 100001
}

@test "round trip: several channels with unequal rates" {
    qsim poisson -r 1M,250k,3k,40M -n 2e5 -s 3 --text >want.txt
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M,250k,3k,40M -n 2e5 -s 3 | qcat > got.txt'
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got.txt
    # All four channels occur, none other.
    assert_equal "$(tail -n +2 got.txt | cut -f2 | sort -n | uniq | tr '\n' ' ')" '1 2 3 4 '
}

@test "round trip: equal times (coarse resolution) and huge gaps (low rate)" {
    qsim poisson -r 100M --resolution 1ns -n 7e4 -s 4 --text >want1.txt
    qsim poisson -r 1 -n 2000 -s 4 --text >want2.txt
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 100M --resolution 1ns -n 7e4 -s 4 | qcat > got1.txt &&
        qsim poisson -r 1 -n 2000 -s 4 | qcat > got2.txt'
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want1.txt got1.txt
    assert_same_file want2.txt got2.txt
    # The first really holds ties, the second gaps beyond 32 bits of ps.
    [ "$(awk -F'\t' 'NR > 2 && $1 == p { n++ } { p = $1 } END { print n + 0 }' got1.txt)" -gt 100 ]
    [ "$(awk -F'\t' 'NR > 2 && $1 - p > 4294967296 { n++ } { p = $1 } END { print n + 0 }' got2.txt)" -gt 100 ]
}

@test "round trip: a file in several blocks" {
    run --separate-stderr bash -c 'set -o pipefail; qcat "$1" > got.txt' _ "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_same_file "$BATS_FILE_TMPDIR/big.txt" got.txt
}

# ---- concatenation and merge ----

@test "two segments in one input (cat a b) give the two texts in turn" {
    local d=$BATS_FILE_TMPDIR
    { cat "$d/a.txt"; tail -n +2 "$d/b.txt"; } >want.txt
    run --separate-stderr bash -c 'set -o pipefail; cat "$1" "$2" | qcat > got.txt' _ "$d/a.qev" "$d/b.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got.txt
    # Same for two operands.
    run --separate-stderr bash -c 'set -o pipefail; qcat "$1" "$2" > got2.txt' _ "$d/a.qev" "$d/b.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got2.txt
}

@test "--merge equals a stable sort by time of the union" {
    local d=$BATS_FILE_TMPDIR
    sort_union "$d/a.txt" "$d/b.txt" >want.txt
    run --separate-stderr bash -c 'set -o pipefail; qcat --merge "$1" "$2" > got.txt' _ "$d/a.qev" "$d/b.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got.txt
    assert_equal "$(wc -l <got.txt)" 80001
}

@test "--merge of multi-block inputs, one of them on stdin" {
    local d=$BATS_FILE_TMPDIR
    sort_union "$d/big.txt" "$d/a.txt" "$d/b.txt" >want.txt
    run --separate-stderr bash -c 'set -o pipefail; cat "$2" | qcat -m "$1" - "$3" > got.txt' _ \
        "$d/big.qev" "$d/a.qev" "$d/b.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got.txt
}

@test "--merge breaks ties of equal times by input order" {
    # A 1 us resolution at MHz rates: many times occur in both inputs, on
    # channel 1 in the first and on channels 1-3 in the second.
    qsim poisson -r 5M --resolution 1us -n 5e4 -s 1 -o t1.qev
    qsim poisson -r 5M --resolution 1us -n 5e4 -s 1 --text >t1.txt
    qsim poisson -r 1M,3M,3M --resolution 1us -n 5e4 -s 2 -o t2.qev
    qsim poisson -r 1M,3M,3M --resolution 1us -n 5e4 -s 2 --text >t2.txt
    sort_union t1.txt t2.txt >want12.txt
    sort_union t2.txt t1.txt >want21.txt
    # The two orders differ, so the test can tell them apart.
    assert_differ want12.txt want21.txt
    run --separate-stderr bash -c 'set -o pipefail; qcat -m t1.qev t2.qev > got12.txt && qcat -m t2.qev t1.qev > got21.txt'
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want12.txt got12.txt
    assert_same_file want21.txt got21.txt
}

@test "--merge of an input that is not time-sorted fails" {
    local d=$BATS_FILE_TMPDIR
    cat "$d/a.qev" "$d/a.qev" >aa.qev
    run --separate-stderr qcat -m -c aa.qev
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qcat: aa\.qev: not time-sorted: .*merge needs sorted inputs'
    # The offending event is the first of the second copy.
    assert_regex "$stderr" "event 50000 at $(awk -F'\t' 'NR == 2 { print $1 }' "$d/a.txt") ps"
    run --separate-stderr bash -c 'set -o pipefail; cat aa.qev | qcat -m "$1" - > out.txt' _ "$d/b.qev"
    assert_failure 1
    assert_regex "$stderr" '^qcat: -: not time-sorted'
}

@test "--merge -c counts the union" {
    run --separate-stderr qcat -m -c "$BATS_FILE_TMPDIR/a.qev" "$BATS_FILE_TMPDIR/b.qev" \
        "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output 380000
    assert_equal "$stderr" ''
}

# ---- slicing ----

# Runs qcat with selection options $2... on file $1, once on the file (block
# index) and once on stdin (sequential), and compares both with want.txt.
slice_both_ways() {
    local f=$1
    shift
    run --separate-stderr bash -c 'set -o pipefail; f=$1; shift; qcat "$@" "$f" > got-file.txt' _ "$f" "$@"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_same_file want.txt got-file.txt
    run --separate-stderr bash -c 'set -o pipefail; f=$1; shift; cat "$f" | qcat "$@" > got-pipe.txt' _ "$f" "$@"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_same_file want.txt got-pipe.txt
}

@test "--from/--to select the half-open window [from, to)" {
    awk_select "$BATS_FILE_TMPDIR/big.txt" '$1 >= 30e9 && $1 < 70e9' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" --from 30ms --to 70ms
    # The window spans blocks and leaves some out at both ends.
    [ "$(wc -l <want.txt)" -gt 65536 ]
    [ "$(wc -l <want.txt)" -lt 200000 ]
}

@test "--from alone, --to alone, decimal and unit forms" {
    awk_select "$BATS_FILE_TMPDIR/big.txt" '$1 >= 12500000000' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" --from 12.5ms
    awk_select "$BATS_FILE_TMPDIR/big.txt" '$1 < 1500000' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" --to 1.5us
}

@test "window edges on event times at block boundaries are half-open" {
    local f=$BATS_FILE_TMPDIR/big.txt t1 t2
    # Events 65537 and 131073 (lines +1 for the header) start blocks 2 and 3.
    t1=$(awk -F'\t' 'NR == 65538 { print $1 }' "$f")
    t2=$(awk -F'\t' 'NR == 131074 { print $1 }' "$f")
    awk_select "$f" "\$1 >= $t1 && \$1 < $t2" >want.txt
    # Exactly the events of block 2.
    assert_equal "$(wc -l <want.txt)" 65537
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" --from "${t1}ps" --to "${t2}ps"
}

@test "window edges inside runs of equal times" {
    local f=$BATS_FILE_TMPDIR/ties.txt t
    for line in 65537 65538 131073; do
        t=$(awk -F'\t' -v n="$line" 'NR == n { print $1 }' "$f")
        awk_select "$f" "\$1 >= $t" >want.txt
        slice_both_ways "$BATS_FILE_TMPDIR/ties.qev" --from "${t}ps"
        awk_select "$f" "\$1 < $t" >want.txt
        slice_both_ways "$BATS_FILE_TMPDIR/ties.qev" --to "${t}ps"
    done
}

@test "a window on a file of two segments" {
    local d=$BATS_FILE_TMPDIR
    cat "$d/big.qev" "$d/a.qev" >two.qev
    { awk_select "$d/big.txt" '$1 >= 10e9 && $1 < 20e9'
        awk_select "$d/a.txt" '$1 >= 10e9 && $1 < 20e9' | tail -n +2; } >want.txt
    slice_both_ways "$PWD/two.qev" --from 10ms --to 20ms
}

@test "a window outside every event selects nothing" {
    head -n 1 "$BATS_FILE_TMPDIR/big.txt" >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" --from 1h
    run --separate-stderr qcat -c --to 0ps "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output 0
    assert_equal "$stderr" ''
}

@test "-C selects channel lists and ranges" {
    local f=$BATS_FILE_TMPDIR/big.txt
    awk_select "$f" '$2 == 1 || $2 == 3' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" -C 1,3
    awk_select "$f" '$2 >= 2 && $2 <= 3' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" -C 2-3
    awk_select "$f" '$2 == 2' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" --channel=2
    head -n 1 "$f" >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" -C 4-9,0
}

@test "-C together with a window" {
    awk_select "$BATS_FILE_TMPDIR/big.txt" '($2 == 1 || $2 == 3) && $1 >= 5e9 && $1 < 61e9' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" -C 3,1 --from 5ms --to 61ms
}

@test "-k selects kinds" {
    # qsim makes photons only.
    cp "$BATS_FILE_TMPDIR/a.txt" want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/a.qev" -k photon
    head -n 1 "$BATS_FILE_TMPDIR/a.txt" >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/a.qev" -k sync,marker
    cp "$BATS_FILE_TMPDIR/a.txt" want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/a.qev" --kind=marker,photon
}

@test "-C and -k may be repeated; the lists add up" {
    local f=$BATS_FILE_TMPDIR/big.txt
    awk_select "$f" '$2 == 1 || $2 == 3' >want.txt
    slice_both_ways "$BATS_FILE_TMPDIR/big.qev" -C 1 -C 3 -k sync -k photon
}

@test "--count equals the number of text lines selected" {
    local f=$BATS_FILE_TMPDIR/big.txt
    run --separate-stderr qcat -c "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output 300000
    assert_equal "$stderr" ''
    run --separate-stderr qcat --count -C 2 --from 3ms --to 50ms "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output "$(awk_select "$f" '$2 == 2 && $1 >= 3e9 && $1 < 50e9' | tail -n +2 | wc -l)"
    assert_equal "$stderr" ''
    run --separate-stderr bash -c 'set -o pipefail; cat "$1" | qcat -c -C 1,3' _ "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output "$(awk -F'\t' 'NR > 1 && $2 != 2' "$f" | wc -l)"
    assert_equal "$stderr" ''
}

# ---- re-encoding ----

@test "-b re-encodes: the output decodes to the same text" {
    run --separate-stderr bash -c 'set -o pipefail; qcat -b "$1" | qcat > got.txt' _ "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_same_file "$BATS_FILE_TMPDIR/big.txt" got.txt
}

@test "-o x.qev writes QEV (by the suffix), -O text overrides it" {
    need_command zstd
    run --separate-stderr qcat -o x.qev "$BATS_FILE_TMPDIR/a.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    # A QEV stream starts with the header's skippable-frame magic 0x184D2A51.
    assert_equal "$(od -An -tx1 -N4 x.qev | tr -d ' ')" 512a4d18
    zstd -tq x.qev
    run --separate-stderr bash -c 'set -o pipefail; qcat x.qev > got.txt'
    assert_success
    assert_same_file "$BATS_FILE_TMPDIR/a.txt" got.txt
    run --separate-stderr qcat -O text -o y.qev "$BATS_FILE_TMPDIR/a.qev"
    assert_success
    assert_same_file "$BATS_FILE_TMPDIR/a.txt" y.qev
    run --separate-stderr qcat -o z.txt "$BATS_FILE_TMPDIR/a.qev"
    assert_success
    assert_same_file "$BATS_FILE_TMPDIR/a.txt" z.txt
}

@test "-O raw: 16-byte little-endian records of the events" {
    run --separate-stderr bash -c 'set -o pipefail; qcat -O raw -C 2 "$1" > got.bin' _ "$BATS_FILE_TMPDIR/a.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    # Decode with python's struct: int64 t, uint16 channel, uint8 kind,
    # uint8 flags, uint32 aux; photons carry no flags or aux.
    python3 - got.bin >got.txt <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert len(data) % 16 == 0, len(data)
print("time_ps\tchannel\tkind")
for t, ch, kind, flags, aux in struct.iter_unpack("<qHBBI", data):
    assert kind == 0 and flags == 0 and aux == 0, (t, ch, kind, flags, aux)
    print("%d\t%d\tphoton" % (t, ch))
EOF
    awk_select "$BATS_FILE_TMPDIR/a.txt" '$2 == 2' >want.txt
    assert_same_file want.txt got.txt
}

@test "-l 19 works and changes the bytes, not the events" {
    need_command zstd
    run --separate-stderr qcat -l 19 --no-provenance -o l19.qev "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr qcat --no-provenance -o l1.qev "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_differ l1.qev l19.qev
    zstd -tq l19.qev
    run --separate-stderr bash -c 'set -o pipefail; qcat l19.qev > got.txt'
    assert_success
    assert_equal "$stderr" ''
    assert_same_file "$BATS_FILE_TMPDIR/big.txt" got.txt
}

@test "a selection re-encoded decodes to the selection" {
    awk_select "$BATS_FILE_TMPDIR/big.txt" '$2 != 2 && $1 >= 20e9 && $1 < 45e9' >want.txt
    run --separate-stderr bash -c 'set -o pipefail; qcat -b -C 1,3 --from 20ms --to 45ms "$1" | qcat > got.txt' _ \
        "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_same_file want.txt got.txt
}

@test "-H after a re-encode shows the metadata and an @qcat provenance line" {
    local when
    when=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
    (cd "$BATS_FILE_TMPDIR" && qcat -C 2 -o "$BATS_TEST_TMPDIR/sel.qev" big.qev)
    run --separate-stderr qcat -H sel.qev
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 '# segment 1 of sel.qev'
    assert_line 'source=qsim poisson'
    assert_line 'seed=5'
    assert_line 'resolution_ps=1'
    assert_line 'rate_hz.1=1000000'
    assert_line 'rate_hz.2=2000000'
    assert_line 'rate_hz.3=500000'
    assert_line "@qsim"$'\t'"0.1.0"$'\t'"$when"$'\t'"qsim poisson -r 1M,2M,500k -n 3e5 -s 5 -o $BATS_FILE_TMPDIR/big.qev"
    # The last line is qcat's own, with its argv.
    assert_equal "${lines[-1]}" "@qcat"$'\t'"0.1.0"$'\t'"$when"$'\t'"qcat -C 2 -o $BATS_TEST_TMPDIR/sel.qev big.qev"
    # --no-provenance leaves qcat's line out.
    run --separate-stderr bash -c 'set -o pipefail; qcat -b --no-provenance "$1" | qcat -H' _ "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    refute_line --regexp '^@qcat'
    assert_line --regexp '^@qsim'
}

@test "the provenance line records the command as typed, options after operands too" {
    (cd "$BATS_FILE_TMPDIR" && qcat a.qev -C 1 --to 5ms -o "$BATS_TEST_TMPDIR/p.qev")
    run --separate-stderr qcat -H p.qev
    assert_success
    assert_equal "$stderr" ''
    assert_equal "${lines[-1]##*$'\t'}" "qcat a.qev -C 1 --to 5ms -o $BATS_TEST_TMPDIR/p.qev"
}

@test "-H prints one header per segment" {
    cat "$BATS_FILE_TMPDIR/a.qev" "$BATS_FILE_TMPDIR/b.qev" >ab.qev
    run --separate-stderr qcat -H ab.qev
    assert_success
    assert_equal "$stderr" ''
    assert_equal "$(grep -c '^# segment' <<<"$output")" 2
    assert_line '# segment 1 of ab.qev'
    assert_line '# segment 2 of ab.qev'
    assert_line 'seed=1'
    assert_line 'seed=2'
}

# ---- pipes and write errors ----

@test "a reader that goes away ends the pipeline quietly" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1e6 | qcat | head -n 1; echo "${PIPESTATUS[*]}"'
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 $'time_ps\tchannel\tkind'
    assert_line --index 1 --regexp '^(0|141) (0|141) 0$'
    assert_equal "${#lines[@]}" 2
}

@test "a full disk is a write error (exit 1)" {
    local f=$BATS_FILE_TMPDIR/big.qev
    [ -w /dev/full ] || skip "/dev/full is not available"
    for args in "" "-b" "-c" "-H" "-m"; do
        # shellcheck disable=SC2086
        run --separate-stderr bash -c 'set -o pipefail; qcat $1 "$2" > /dev/full' _ "$args" "$f"
        assert_failure 1
        assert_equal "${#stderr_lines[@]}" 1
        assert_regex "$stderr" '^qcat: .*(write error|No space left on device)'
    done
}

# ---- -o is atomic ----

@test "-o on success: the file, and no temporary left behind" {
    mkdir o
    run --separate-stderr qcat -C 1 -o o/out.qev "$BATS_FILE_TMPDIR/a.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_equal "$(ls -A o)" out.qev
    run --separate-stderr qcat -c o/out.qev
    assert_success
    assert_equal "$stderr" ''
    assert_output "$(awk -F'\t' 'NR > 1 && $2 == 1' "$BATS_FILE_TMPDIR/a.txt" | wc -l)"
}

@test "-o and side outputs get the mode a plain create gives under the umask, not 0600" {
    (umask 022 && qcat -C 1 -o a.qev "$BATS_FILE_TMPDIR/a.qev")
    (umask 002 && qcat -C 1 -o b.qev "$BATS_FILE_TMPDIR/a.qev")
    (umask 027 && qsim spdc -d 1ms --truth t.json -o c.qev)
    assert_equal "$(stat -c %a a.qev) $(stat -c %a b.qev) $(stat -c %a c.qev) $(stat -c %a t.json)" \
        "644 664 640 640"
}

@test "-o on failure: no file, no temporary" {
    mkdir o
    run --separate-stderr qcat -o o/out.qev "$BATS_FILE_TMPDIR/garbage.bin"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qcat: .*garbage\.bin: '
    assert_equal "$(ls -A o)" ''
}

@test "-o on failure after events were written: no file, old file kept" {
    local size
    size=$(stat -c %s "$BATS_FILE_TMPDIR/big.qev")
    # big.qev without its last 1000 bytes: 4 whole blocks, then a cut one.
    head -c $((size - 1000)) "$BATS_FILE_TMPDIR/big.qev" >cut.qev
    mkdir o
    run --separate-stderr qcat -o o/out.qev cut.qev
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" "^qcat: cut\\.qev: truncated at byte $((size - 1000)) after 262144 events"
    assert_equal "$(ls -A o)" ''
    echo precious >o/out.txt
    run --separate-stderr qcat -o o/out.txt cut.qev
    assert_failure 1
    assert_equal "$(cat o/out.txt)" precious
    assert_equal "$(ls -A o)" out.txt
}
