load helpers

# qstat --check: exit 0 for whole, ordered streams; otherwise 3 with one bit per
# class of failure (4 truncated, 8 damaged, 16 out of order, 32 bad header,
# 64 unreadable), ORed over the inputs, as the man page documents.

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    qsim poisson -n 100000 --seed 1 -o good.qev
    # A copy cut in its middle: no trailer.
    head -c "$(($(stat -c %s good.qev) / 2))" good.qev >cut.qev
    # One byte of a data block flipped: the size is right, the checksum is not.
    python3 - <<'PY'
b = bytearray(open("good.qev", "rb").read())
b[len(b) // 2] ^= 0xFF
open("damaged.qev", "wb").write(b)
PY
    # Times 300, 100, 200 ps in this order: one step backwards.
    printf 'time_ps,channel\n300,1\n100,2\n200,1\n' >unordered.csv
    qtag-read unordered.csv -o unordered.qev
    echo "time,channel" >text.qev
}

check_status() {
    run --separate-stderr qstat --check "$@"
    assert_output ''
    assert_equal "$stderr" ''
}

@test "a whole stream in time order passes" {
    check_status "$BATS_FILE_TMPDIR/good.qev"
    assert_success
}

@test "each failure class sets its own bit on top of 3" {
    cd "$BATS_FILE_TMPDIR"
    check_status cut.qev
    assert_failure $((3 | 4))
    check_status damaged.qev
    assert_failure $((3 | 8))
    check_status unordered.qev
    assert_failure $((3 | 16))
    check_status text.qev
    assert_failure $((3 | 32))
    check_status no-such.qev
    assert_failure $((3 | 64))
}

@test "the bits of several inputs are ORed, and good inputs add none" {
    cd "$BATS_FILE_TMPDIR"
    check_status good.qev cut.qev unordered.qev good.qev no-such.qev
    assert_failure $((3 | 4 | 16 | 64))
    check_status damaged.qev text.qev good.qev
    assert_failure $((3 | 8 | 32))
}

@test "the classes agree with the reasons the full report gives" {
    cd "$BATS_FILE_TMPDIR"
    run --separate-stderr qstat cut.qev
    assert_failure 1
    assert_regex "$stderr" 'cut\.qev: truncated'
    run --separate-stderr qstat damaged.qev
    assert_failure 1
    assert_regex "$stderr" "damaged\.qev: corrupt block .*checksum"
    run --separate-stderr qstat unordered.qev
    assert_success
    assert_line --regexp '^backwards +1 \(first at event 1\)$'
    run --separate-stderr qstat text.qev
    assert_failure 1
    assert_regex "$stderr" 'text\.qev: not a QEV stream'
}

@test "the help names every bit" {
    run --separate-stderr qstat --help
    assert_success
    assert_output --regexp '4 truncated, 8 damaged, 16 out of order, 32 bad header'
    assert_output --partial '64 unreadable'
}
