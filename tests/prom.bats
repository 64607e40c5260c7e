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

# The value of metric $1 in file $2 (its one sample).
metric() {
    awk -v m="$1" '$1 ~ "^" m "\\{" { print $2 }' "$2"
}

@test "qrecon heralded --prom: photons and groups as the coincidence stream holds them" {
    qsim ghost --size 16 --object discs -r 200k -d 50ms -s 3 -o g.qev
    qcorr coinc -C 1,2 -w 5ns g.qev -o c.qev
    qcorr coinc -C 1,2 -w 5ns --delayed 100ns g.qev -o d.qev
    run --separate-stderr qrecon heralded -q --accidentals d.qev --prom m.prom -o h.pfm c.qev
    assert_success
    run check_prom m.prom
    assert_success
    # Counted from the text of the stream: signal photons carry a pixel.
    qcat c.qev | awk -F'\t' 'NR > 1 && $4 != "-" { p++ } NR > 1 { g[$6] = 1 }
        END { print p; print length(g) }' >want
    [ "$(sed -n 1p want)" -gt 1000 ]
    assert_equal "$(metric qpipe_recon_photons_total m.prom)" "$(sed -n 1p want)"
    assert_equal "$(metric qpipe_recon_coincidence_groups_total m.prom)" "$(sed -n 2p want)"
    grep -q '^qpipe_recon_duration_seconds{source="c.qev",command="heralded"} [0-9.e-]*$' m.prom
    # The file is not left behind half-written: only m.prom, no temporary.
    run ls -A
    refute_output --partial '.tmp.'
}

@test "qrecon computational --prom: measurements as the patterns say, photons as the stream holds" {
    qsim spi --size 16 --object discs --flux 1e7 -o s.qev
    run --separate-stderr qrecon computational -q --size 16 --prom m.prom -o r.pfm s.qev
    assert_success
    run check_prom m.prom
    assert_success
    # Split Hadamard: 2 x 16 x 16 measurements.
    assert_equal "$(metric qpipe_recon_measurements_total m.prom)" 512
    assert_equal "$(metric qpipe_recon_photons_total m.prom)" \
        "$(qcat s.qev | awk -F'\t' '$3 == "photon" { n++ } END { print n }')"
    residual=$(metric qpipe_recon_residual_ratio m.prom)
    awk -v r="$residual" 'BEGIN { exit !(r >= 0 && r < 1) }'
}

@test "qrecon --prom to a directory that cannot be written: exit 1, one line, no image" {
    qsim spi --size 16 --object discs --flux 1e6 -o s.qev
    run --separate-stderr qrecon computational -q --size 16 --prom no/such/m.prom -o r.pfm s.qev
    assert_failure 1
    assert_regex "$stderr" '^qrecon: no/such/m\.prom: cannot create: No such file or directory$'
    [ ! -e r.pfm ]
}
