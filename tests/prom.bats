load helpers

# Every --prom output passes `promtool check metrics` (Debian's prometheus
# package), and the metric names keep the house style: qpipe_ prefix, base
# units in the name (_seconds, _hertz, _ratio, _bytes, _decibels), counters
# ending in _total.

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    qsim spdc -d 100ms -o pairs.qev 2>/dev/null || qsim poisson -r 1M,1M -d 100ms -o pairs.qev
}

check_prom() {
    local file=$1
    if command -v promtool >/dev/null; then
        promtool check metrics <"$file" || return 1
    fi
    # The house style, whatever promtool says.
    awk '/^# TYPE/ { type[$3] = $4 }
         /^[a-z]/ { name = $1; sub(/\{.*/, "", name)
                    if (name !~ /^qpipe_[a-z0-9_]+$/) { print "bad name: " name; bad = 1 }
                    if (type[name] == "counter" && name !~ /_total$/) { print "counter without _total: " name; bad = 1 }
                    if (type[name] == "" ) { print "no TYPE for: " name; bad = 1 } }
         END { exit bad }' "$file"
}

@test "qstat --prom" {
    qstat --prom "$BATS_FILE_TMPDIR/pairs.qev" >m.prom
    run check_prom m.prom
    assert_success
    grep -q '^qpipe_events_total{source=".*",channel="1"} ' m.prom
}

@test "qcorr stats --prom" {
    qcorr stats --prom -p 1:2 -w 1ns "$BATS_FILE_TMPDIR/pairs.qev" >m.prom
    run check_prom m.prom
    assert_success
    grep -q '^qpipe_car_ratio{' m.prom
}

@test "qssim --prom" {
    local t=$QPIPE_TOP/testdata/ssim
    qssim --prom "$t/blur8.png" "$t/big8.png" >m.prom 2>/dev/null ||
        qssim --prom "$(ls "$t"/*8.png | head -1)" "$(ls "$t"/*8.png | head -1)" >m.prom
    run check_prom m.prom
    assert_success
    grep -q '^qpipe_ssim' m.prom
}
