load helpers

# Long runs show progress on stderr when it is a terminal, and nothing
# otherwise. `script` gives the tool a terminal.

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    qsim poisson -r 1M,1M -n 2e7 -o pairs.qev
    qcat -O raw -o pairs.raw pairs.qev
}

@test "qtag-read on a terminal: progress with bytes, rate and time left" {
    command -v script >/dev/null || skip "script (util-linux) not installed"
    run script -qec "qtag-read --format raw16 -o /dev/null $BATS_FILE_TMPDIR/pairs.raw" /dev/null
    assert_success
    assert_output --regexp 'qtag-read: [0-9.]+ MB of 320\.0 MB, [0-9.]+ MB/s, [0-9]+ s left'
}

@test "qcorr on a terminal: progress" {
    command -v script >/dev/null || skip "script (util-linux) not installed"
    run script -qec "qcorr hist -r 100ns -o /dev/null $BATS_FILE_TMPDIR/pairs.qev" /dev/null
    assert_success
    assert_output --regexp 'qcorr: [0-9.]+ MB of [0-9.]+ MB'
}

@test "qtag-read and qcorr without a terminal: nothing on stderr" {
    run --separate-stderr qtag-read --format raw16 -o /dev/null "$BATS_FILE_TMPDIR/pairs.raw"
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr qcorr hist -r 10ns -o /dev/null "$BATS_FILE_TMPDIR/pairs.qev"
    assert_success
    assert_equal "$stderr" ''
}
