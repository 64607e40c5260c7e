load helpers

# Long runs show progress on stderr when it is a terminal, and nothing
# otherwise. `script` gives the tool a terminal; QPIPE_PROGRESS_INTERVAL=0
# asks for every update, so that a fast machine cannot finish before the
# first one is due.

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    qsim poisson -r 1M,1M -n 2e6 -o pairs.qev
    qcat -O raw -o pairs.raw pairs.qev
    qsim ghost --size 16 --object discs -r 1M -d 200ms -s 3 -o ghost.qev
    qcorr coinc -C 1,2 -w 5ns ghost.qev -o coinc.qev
}

# Runs "$@" on a terminal; the progress updates land in $output, one per line.
on_terminal() {
    need_command script bsdutils
    run env QPIPE_PROGRESS_INTERVAL=0 script -qec "$*" /dev/null
    output=${output//$'\r'/$'\n'}
}

@test "qtag-read on a terminal: progress with bytes, rate and time left" {
    on_terminal qtag-read --format raw16 -o /dev/null "$BATS_FILE_TMPDIR/pairs.raw"
    assert_success
    # 2e6 records of 16 bytes
    assert_output --regexp 'qtag-read: [0-9.]+ MB of 32\.0 MB, [0-9.]+ MB/s, [0-9]+ s left'
}

@test "qcorr on a terminal: progress" {
    on_terminal qcorr hist -r 100ns -o /dev/null "$BATS_FILE_TMPDIR/pairs.qev"
    assert_success
    assert_output --regexp "qcorr: [0-9.]+ MB of $(awk -v s="$(stat -c %s "$BATS_FILE_TMPDIR/pairs.qev")" 'BEGIN { printf "%.1f", s / 1e6 }') MB"
}

@test "qsim on a terminal: progress in events of -n, or in simulated seconds of -d" {
    on_terminal qsim poisson -n 3e6 -o /dev/null
    assert_success
    assert_output --regexp 'qsim: [0-9.]+ M events of 3\.0 M events, [0-9.]+ M events/s, [0-9]+ s left'
    on_terminal qsim spdc -d 20s -o /dev/null
    assert_success
    assert_output --regexp 'qsim: [0-9.e+]+ s of 20 s, [0-9.e+]+ s/s, [0-9]+ s left'
}

@test "qrecon on a terminal: progress" {
    on_terminal qrecon heralded -q -o /dev/null "$BATS_FILE_TMPDIR/coinc.qev"
    assert_success
    assert_output --regexp "qrecon: [0-9.]+ MB of [0-9.]+ MB"
}

@test "without a terminal: nothing on stderr, whatever the interval" {
    export QPIPE_PROGRESS_INTERVAL=0
    run --separate-stderr qtag-read --format raw16 -o /dev/null "$BATS_FILE_TMPDIR/pairs.raw"
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr qcorr hist -r 10ns -o /dev/null "$BATS_FILE_TMPDIR/pairs.qev"
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr qsim poisson -n 1e6 -o /dev/null
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr qrecon heralded -q -o /dev/null "$BATS_FILE_TMPDIR/coinc.qev"
    assert_success
    assert_equal "$stderr" ''
}

@test "the progress line is cleared at the end: the last thing written erases it" {
    on_terminal qsim poisson -n 1e6 -o /dev/null
    assert_success
    [[ $output == *qsim:* ]]
    # The erase-line sequence comes after the last update.
    [[ ${output: -3} == $'\e[K' || ${output: -4:3} == $'\e[K' ]]
}
