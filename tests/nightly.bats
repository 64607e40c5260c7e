load helpers

# examples/nightly/qpipe-nightly over a directory of qsim acquisitions.
#
# The setup is the lab of examples/demo, made small: qsim ghost, 32x32 pixels,
# 1M pairs/s for 250 ms, discs phantom, the array's cable 2.5 ns long, 20 %
# spread of pixel efficiency. A calibration run (seed 1) gives the lab
# calibration (qcal delays, flat, merge) and the reference (its --truth
# image). The inbox holds three acquisitions of the same target (seeds 2, 3,
# 4) as QEV, as Photon-HDF5 (through qtag-read) and as CSV (qtag-read; CSV
# does not keep the image size, the reference gives it). It also holds a QEV
# file cut after 700000 bytes (seed 5), a text file and a temporary name of a
# writer that is not done yet (qsim -o's), which must both be ignored.
#
# A fully transmitting pixel collects 1M x 0.25 s / 1024 = 244 coincidences,
# so --scale 0:244 maps a transmission of 0..1 onto the reference's 0..65535.

NIGHTLY=${QPIPE_NIGHTLY:-$QPIPE_TOP/examples/nightly/qpipe-nightly}
GOOD=(run2.qev run3.h5 run4.csv)
export QPIPE_BIN

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    local sim=(ghost --size 32x32 -r 1M -d 250ms --object discs --pixel-eff-sd 0.2
        --det 1:dark=20k,jitter=50ps --det 2:dark=200,jitter=50ps,delay=2.5ns)
    qsim "${sim[@]}" -s 1 --truth truth.json -o calrun.qev
    qcal delays --ref 1 -o delays.cal calrun.qev
    qcal flat -C 2 -o flat.cal calrun.qev
    qcal merge -o lab.cal delays.cal flat.cal
    mkdir inbox
    qsim "${sim[@]}" -s 2 -o inbox/run2.qev
    qsim "${sim[@]}" -s 3 -o run3.qev
    qcat -o inbox/run3.h5 run3.qev
    qsim "${sim[@]}" -s 4 -o run4.qev
    qcat -O csv -o inbox/run4.csv run4.qev
    qsim "${sim[@]}" -s 5 -o run5.qev
    head -c 700000 run5.qev >inbox/bad.qev
    echo "acquired by the night shift" >inbox/notes.txt
    cp run5.qev inbox/run6.qev.tmp.Xy12Ab
    qsim "${sim[@]}" -s 6 -o run6.qev

    # A qcal whose $STALL_AT-th "qcal apply" (default the first) reads its
    # input through a pipe that stops half-way until $SHIM_DIR/go exists:
    # a tool caught in the middle of writing its output.
    mkdir shim
    cat >shim/qcal <<'EOF'
#!/bin/bash
real=$QPIPE_BIN/qcal
[ "$1" = apply ] || exec "$real" "$@"
n=$(($(cat "$SHIM_DIR/calls" 2>/dev/null || echo 0) + 1))
echo "$n" >"$SHIM_DIR/calls"
[ "$n" -eq "${STALL_AT:-1}" ] || exec "$real" "$@"
echo $$ >"$SHIM_DIR/pid"
args=("$@")
in=${args[-1]}
unset 'args[-1]'
half=$(($(stat -c %s "$in") / 2))
{
    head -c "$half" "$in"
    : >"$SHIM_DIR/stalled"
    until [ -e "$SHIM_DIR/go" ]; do sleep 0.05; done
    tail -c +"$((half + 1))" "$in"
} | "$real" "${args[@]}" -
EOF
    chmod +x shim/qcal
}

# ---- helpers ----

# A fresh copy of the inbox in the test's directory.
new_inbox() {
    cp -r "$BATS_FILE_TMPDIR/inbox" inbox
}

# qpipe-nightly with the lab's calibration, reference and scale.
nightly() {
    "$NIGHTLY" -c "$BATS_FILE_TMPDIR/lab.cal" -r "$BATS_FILE_TMPDIR/truth.pgm" --scale 0:244 "$@"
}

# The value of the sample of the textfile $1 whose name and labels are $2.
sample() {
    awk -v s="$2" 'index($0, s " ") == 1 { print $NF; found = 1 } END { exit !found }' "$1"
}

# Name, size, mtime and checksum of every file under the directories given.
snapshot() {
    find "$@" -type f -printf '%p %s %T@\n' | LC_ALL=C sort
    find "$@" -type f -exec sha256sum {} + | LC_ALL=C sort -k 2
}

# The lines of the log of run number $2 (from 1) in log file $1.
run_log() {
    awk -v n="$2" '/\]: run: start/ { i++ } i == n' "$1"
}

# Fails unless directory $1 holds one complete result: its four files, a
# stream that is whole, and an image of the target. The bound on SSIM: four
# acquisitions of this setup (seeds 2 to 5) score 0.754 to 0.780 against the
# truth; a uniform grey image scores 0.07, the image of another phantom (usaf,
# letters) 0.00 to 0.03, and the same data correlated without the calibrated
# delay 0.0002. 0.6 is far from both.
assert_result() {
    local d=$1 ssim
    run ls "$d"
    assert_output "$(printf '%s\n' done image.png metrics.prom stream.qev)"
    qstat --check "$d/stream.qev" || fail "$d/stream.qev is not whole"
    qcat -H "$d/stream.qev" | grep -q '^@qcal.*qcal apply' || fail "$d/stream.qev: no calibration applied"
    ssim=$(qssim -t -r 65535 "$d/image.png" "$BATS_FILE_TMPDIR/truth.pgm" | awk -F'\t' 'NR == 2 { print $4 }')
    awk -v s="$ssim" 'BEGIN { exit !(s >= 0.6) }' || fail "$d/image.png: SSIM $ssim against the truth"
    grep -qx "ssim $ssim" "$d/done" || fail "$d/done does not record SSIM $ssim"
}

# Waits (at most 60 s) until the file $1 exists, or for a file matching the
# pattern $1.
wait_for() {
    local i
    for ((i = 0; i < 1200; i++)); do
        compgen -G "$1" >/dev/null && return 0
        sleep 0.05
    done
    fail "waited in vain for $1"
}

# Waits (at most 60 s) until process $1 is gone.
wait_gone() {
    local i
    for ((i = 0; i < 1200; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    fail "process $1 did not end"
}

# A test that fails half-way must not leave a stalled tool behind: releasing
# the stall lets it finish on its own.
teardown() {
    [ -n "${SHIM_DIR:-}" ] && [ -d "$SHIM_DIR" ] && touch "$SHIM_DIR/go"
    return 0
}

# Starts qpipe-nightly in the background, in a process group of its own, with
# the stalling qcal first on PATH; sets $pid (also the group's id).
start_stalled() {
    export SHIM_DIR=$PWD/shim STALL_AT=$1
    shift
    mkdir -p "$SHIM_DIR"
    PATH="$BATS_FILE_TMPDIR/shim:$PATH" setsid "$NIGHTLY" -c "$BATS_FILE_TMPDIR/lab.cal" \
        -r "$BATS_FILE_TMPDIR/truth.pgm" --scale 0:244 "$@" >bg.out 2>bg.err 3>&- &
    pid=$!
    wait_for "$SHIM_DIR/stalled"
    [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "qpipe-nightly is not a group leader"
}

# ---- the command line ----

@test "--help prints the usage on stdout and exits 0" {
    run --separate-stderr "$NIGHTLY" --help
    assert_success
    assert_line --index 0 "Usage: qpipe-nightly [OPTION]... INBOX OUTDIR"
    assert_line --regexp '^ +--min-ssim=X '
    assert_equal "$stderr" ''
}

@test "a bad option, a missing operand and a bad value are usage errors that touch nothing" {
    new_inbox
    run --separate-stderr "$NIGHTLY" --frobnicate inbox out
    assert_failure 2
    assert_output ''
    assert_equal "$stderr" "qpipe-nightly: unknown option '--frobnicate'
Try 'qpipe-nightly --help' for more information."
    run --separate-stderr "$NIGHTLY" inbox
    assert_failure 2
    assert_equal "${stderr_lines[0]}" "qpipe-nightly: expected INBOX and OUTDIR"
    run --separate-stderr "$NIGHTLY" --min-ssim 0.5 inbox out
    assert_failure 2
    assert_equal "${stderr_lines[0]}" "qpipe-nightly: --min-ssim needs a reference (-r)"
    run --separate-stderr nightly --min-ssim=1.5 inbox out
    assert_failure 2
    assert_equal "${stderr_lines[0]}" "qpipe-nightly: bad --min-ssim '1.5': a number from -1 to 1"
    run --separate-stderr nightly -w 1 inbox out
    assert_failure 2
    assert_equal "${stderr_lines[0]}" "qpipe-nightly: bad --window '1': a time such as 1ns"
    [ ! -e out ] || fail "a usage error created OUTDIR"
}

@test "a reference that is not an image stops the run before any acquisition" {
    new_inbox
    run --separate-stderr "$NIGHTLY" -r inbox/notes.txt inbox out
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "^qpipe-nightly: bad reference: qssim: $PWD/inbox/notes\.txt: ."
    [ ! -e out ] || fail "a bad reference created OUTDIR"
}

@test "shellcheck finds nothing in qpipe-nightly" {
    need_command shellcheck
    run shellcheck "$NIGHTLY"
    assert_success
    assert_output ''
}

# ---- the first run ----

@test "first run: every good acquisition is published whole; the truncated one is logged, reported, and the exit status is 1" {
    new_inbox
    run --separate-stderr nightly inbox out
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qpipe-nightly: bad\.qev: check failed: qstat: bad\.qev: truncated at byte 700000 '

    run ls out/published
    assert_output "$(printf '%s\n' "${GOOD[@]}")"
    for f in "${GOOD[@]}"; do assert_result "out/published/$f"; done
    run ls -A out/rejected
    assert_output ''
    [ ! -e out/.work ] || fail "out/.work is left behind"
    run env LC_ALL=C ls -A out
    assert_output "$(printf '%s\n' .lock .state metrics nightly.log published rejected)"
    # The stream of the Photon-HDF5 file came through qtag-read.
    qcat -H out/published/run3.h5/stream.qev | grep -q '^@qtag-read' || fail "run3.h5 was not converted"
    # The marker holds the input's size and modification time.
    grep -qx "id $(stat -c '%s %.9Y' inbox/run2.qev)" out/published/run2.qev/done
    grep -qx "result published" out/published/run2.qev/done
}

@test "first run: the log has a timestamped line per step, the failure, and the totals" {
    new_inbox
    run nightly inbox out
    assert_failure 1
    run grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z qpipe-nightly\[[0-9]+\]: ' out/nightly.log
    assert_output 0
    # The steps of each acquisition, in order (the QEV file needs no convert).
    run sed -E 's/^[^ ]+ qpipe-nightly\[[0-9]+\]: //; s/ \([0-9.]+ s\)$//; s/(SSIM [0-9.]+) >= 0\.5$/\1/' out/nightly.log
    local steps=(check calibrate coincidences accidentals stats reconstruct score)
    # The failed step's line ends with the tool's own error.
    assert_regex "${lines[1]}" '^bad\.qev: check: FAILED, exit status 1 \(qstat: bad\.qev: truncated at byte 700000 .*\)$'
    local expect=("run: start, inbox $PWD/inbox, outdir $PWD/out" "${lines[1]}")
    expect+=("bad.qev: FAILED at check; retried next run")
    local f s ssim
    for f in "${GOOD[@]}"; do
        [ "$f" = run2.qev ] || expect+=("$f: convert: ok")
        for s in "${steps[@]}"; do expect+=("$f: $s: ok"); done
        ssim=$(awk '$1 == "ssim" { print $2 }' "out/published/$f/done")
        expect+=("$f: gate: pass, SSIM $ssim" "$f: published: published/$f")
    done
    expect+=("run: end, 3 published, 0 rejected, 1 failed, 0 skipped; exit status 1")
    assert_equal "$(printf '%s\n' "${lines[@]}")" "$(printf '%s\n' "${expect[@]}")"
}

@test "first run: the textfile passes promtool check metrics" {
    need_command promtool prometheus
    new_inbox
    run nightly inbox out
    assert_failure 1
    run promtool check metrics <out/metrics/qpipe_nightly.prom
    assert_success
    assert_output ''
}

@test "first run: the textfile counts the acquisitions and carries the tools' metrics by source" {
    new_inbox
    run nightly inbox out
    assert_failure 1
    local p=out/metrics/qpipe_nightly.prom
    run ls -A out/metrics
    assert_output qpipe_nightly.prom
    assert_equal "$(sample $p qpipe_nightly_files_processed_total)" 3
    assert_equal "$(sample $p qpipe_nightly_files_failed_total)" 1
    assert_equal "$(sample $p qpipe_nightly_files_rejected_total)" 0
    assert_equal "$(sample $p 'qpipe_nightly_last_run_files{result="published"}')" 3
    assert_equal "$(sample $p 'qpipe_nightly_last_run_files{result="failed"}')" 1
    assert_equal "$(sample $p 'qpipe_nightly_last_run_files{result="skipped"}')" 0
    assert_equal "$(sample $p qpipe_nightly_last_run_exit_status)" 1
    assert_equal "$(sample $p qpipe_nightly_last_success_timestamp_seconds)" 0
    assert_equal "$(sample $p 'qpipe_nightly_file_ok{source="bad.qev"}')" 0
    # qstat's metrics say why the truncated file failed.
    assert_equal "$(sample $p 'qpipe_stream_ok{source="bad.qev"}')" 0
    local f events
    for f in "${GOOD[@]}"; do
        assert_equal "$(sample $p "qpipe_nightly_file_ok{source=\"$f\"}")" 1
        assert_equal "$(sample $p "qpipe_stream_ok{source=\"$f\"}")" 1
        events=$(qcat -c "out/published/$f/stream.qev" -C 1)
        assert_equal "$(sample $p "qpipe_events_total{source=\"$f\",channel=\"1\"}")" "$events"
        sample $p "qpipe_car_ratio{source=\"$f\",herald=\"1\",signal=\"2\"}" >/dev/null ||
            fail "no CAR for $f"
        sample $p "qpipe_nightly_step_duration_seconds{source=\"$f\",step=\"reconstruct\"}" >/dev/null ||
            fail "no reconstruction time for $f"
        if [[ $(qrecon heralded --help) == *--prom=* ]]; then
            sample $p "qpipe_recon_net_counts{source=\"$f\",command=\"heralded\"}" >/dev/null ||
                fail "no qrecon metrics for $f"
        fi
        assert_equal "$(sample $p "qpipe_ssim{source=\"$f\",image=\"published/$f/image.png\",reference=\"$BATS_FILE_TMPDIR/truth.pgm\",variant=\"wang\"}")" \
            "$(awk '$1 == "ssim" { print $2 }' "out/published/$f/done")"
    done
    # Each family once, with its HELP and TYPE.
    run awk '$1 == "#" && $2 == "TYPE" { print $3 }' $p
    assert_equal "$(printf '%s\n' "${lines[@]}" | sort | uniq -d)" ''
    # The acquisition's own metrics are kept with it.
    grep -q '^qpipe_ssim{source="run2.qev",' out/published/run2.qev/metrics.prom
}

# ---- the second run ----

@test "second run: no output changes, nothing is reprocessed, the failed file is retried" {
    new_inbox
    run nightly inbox out
    assert_failure 1
    local first
    first=$(snapshot out/published out/rejected)
    run --separate-stderr nightly inbox out
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qpipe-nightly: bad\.qev: check failed: '
    assert_equal "$(snapshot out/published out/rejected)" "$first"
    run run_log out/nightly.log 2
    local body=("${lines[@]:1}")
    assert_equal "$(printf '%s\n' "${body[@]}" | sed -E 's/^[^ ]+ qpipe-nightly\[[0-9]+\]: //; s/ \(.*//')" \
        "bad.qev: check: FAILED, exit status 1
bad.qev: FAILED at check; retried next run
run2.qev: skip: done, in published/run2.qev
run3.h5: skip: done, in published/run3.h5
run4.csv: skip: done, in published/run4.csv
run: end, 0 published, 0 rejected, 1 failed, 3 skipped; exit status 1"
    local p=out/metrics/qpipe_nightly.prom
    assert_equal "$(sample $p qpipe_nightly_files_processed_total)" 3
    assert_equal "$(sample $p qpipe_nightly_files_failed_total)" 2
    assert_equal "$(sample $p 'qpipe_nightly_last_run_files{result="skipped"}')" 3
    assert_equal "$(sample $p 'qpipe_nightly_last_run_files{result="published"}')" 0
}

@test "a file fixed or changed since is processed again; then the run succeeds" {
    new_inbox
    run nightly inbox out
    assert_failure 1
    local before3 before4
    before3=$(snapshot out/published/run3.h5)
    before4=$(snapshot out/published/run4.csv)
    # The truncated file arrives whole; run2.qev is replaced by another take.
    cp "$BATS_FILE_TMPDIR/run5.qev" inbox/bad.qev
    cp "$BATS_FILE_TMPDIR/run6.qev" inbox/run2.qev
    local old2
    old2=$(sha256sum <out/published/run2.qev/image.png)
    run --separate-stderr nightly inbox out
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_result out/published/bad.qev
    assert_result out/published/run2.qev
    grep -qx "id $(stat -c '%s %.9Y' inbox/run2.qev)" out/published/run2.qev/done
    [ "$(sha256sum <out/published/run2.qev/image.png)" != "$old2" ] || fail "run2.qev's image was not remade"
    assert_equal "$(snapshot out/published/run3.h5)" "$before3"
    assert_equal "$(snapshot out/published/run4.csv)" "$before4"
    run run_log out/nightly.log 2
    assert_line --partial 'run: end, 2 published, 0 rejected, 0 failed, 2 skipped; exit status 0'
    local p=out/metrics/qpipe_nightly.prom
    assert_equal "$(sample $p qpipe_nightly_files_processed_total)" 5
    assert_equal "$(sample $p qpipe_nightly_last_run_exit_status)" 0
    [ "$(sample $p qpipe_nightly_last_success_timestamp_seconds)" -gt 0 ] || fail "no last success"
}

# ---- crashes and overlaps ----

@test "a run killed mid-write (script and tool) leaves nothing partial outside .work; the rerun completes" {
    new_inbox
    # The second qcal apply is run3.h5's (bad.qev fails before, run2.qev is first).
    start_stalled 2 inbox out
    wait_for 'out/.work/run3.h5/out/stream.qev.tmp.*'
    kill -9 -- "-$pid"
    local rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 137
    # Only run2.qev was finished, and it is whole; run3.h5 was half written,
    # in .work only.
    run ls out/published
    assert_output run2.qev
    assert_result out/published/run2.qev
    run find out -path out/.work -prune -o -type f -name '*.tmp.*' -print
    assert_output ''
    run ls -A out/metrics
    assert_output ''
    local done2
    done2=$(snapshot out/published/run2.qev)

    run --separate-stderr nightly inbox out
    assert_failure 1
    assert_regex "$stderr" '^qpipe-nightly: bad\.qev: check failed: '
    run ls out/published
    assert_output "$(printf '%s\n' "${GOOD[@]}")"
    local f
    for f in "${GOOD[@]}"; do assert_result "out/published/$f"; done
    assert_equal "$(snapshot out/published/run2.qev)" "$done2"
    [ ! -e out/.work ] || fail "out/.work is left behind"
    run run_log out/nightly.log 2
    assert_line --partial 'run2.qev: skip: done, in published/run2.qev'
    assert_line --partial 'run: end, 2 published, 0 rejected, 1 failed, 1 skipped; exit status 1'
}

@test "a killed script whose tool runs on keeps the lock until the tool ends; then a rerun completes" {
    new_inbox
    start_stalled 1 inbox out
    kill -9 "$pid"
    local rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 137
    run --separate-stderr nightly inbox out
    assert_failure 4
    assert_output ''
    assert_equal "$stderr" "qpipe-nightly: another run holds $PWD/out/.lock; nothing done"
    touch shim/go
    wait_gone "$(cat shim/pid)"
    run --separate-stderr nightly inbox out
    assert_failure 1
    run ls out/published
    assert_output "$(printf '%s\n' "${GOOD[@]}")"
    local f
    for f in "${GOOD[@]}"; do assert_result "out/published/$f"; done
    run find out -name '*.tmp.*'
    assert_output ''
}

@test "two runs at once: the second exits 4 and touches nothing; the first completes" {
    new_inbox
    start_stalled 1 inbox out
    local before
    before=$(snapshot out/published out/rejected out/metrics)
    run --separate-stderr nightly inbox out
    assert_failure 4
    assert_output ''
    assert_equal "$stderr" "qpipe-nightly: another run holds $PWD/out/.lock; nothing done"
    assert_equal "$(snapshot out/published out/rejected out/metrics)" "$before"
    run tail -n 1 out/nightly.log
    assert_output --regexp "qpipe-nightly\[[0-9]+\]: run: another run holds $PWD/out/.lock; nothing done$"
    touch shim/go
    local rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 1
    run ls out/published
    assert_output "$(printf '%s\n' "${GOOD[@]}")"
    local f
    for f in "${GOOD[@]}"; do assert_result "out/published/$f"; done
    run grep -c ': run: end, 3 published, 0 rejected, 1 failed, 0 skipped; exit status 1$' out/nightly.log
    assert_output 1
}

# ---- the gate ----

@test "SSIM gate: images below --min-ssim are kept apart in rejected/, and the exit status is 3" {
    new_inbox
    rm inbox/bad.qev
    run --separate-stderr nightly --min-ssim 0.99 inbox out
    assert_failure 3
    assert_output ''
    assert_equal "$stderr" "$(for f in "${GOOD[@]}"; do
        echo "qpipe-nightly: $f: SSIM below 0.99; in $PWD/out/rejected/$f"
    done)"
    run ls -A out/published
    assert_output ''
    run ls out/rejected
    assert_output "$(printf '%s\n' "${GOOD[@]}")"
    local f
    for f in "${GOOD[@]}"; do
        assert_result "out/rejected/$f"
        grep -qx 'result rejected' "out/rejected/$f/done"
    done
    run grep -cE ': gate: REJECTED, SSIM 0\.[0-9]+ < 0\.99$' out/nightly.log
    assert_output 3
    local p=out/metrics/qpipe_nightly.prom
    assert_equal "$(sample $p qpipe_nightly_files_rejected_total)" 3
    assert_equal "$(sample $p qpipe_nightly_files_processed_total)" 3
    assert_equal "$(sample $p qpipe_nightly_last_run_exit_status)" 3
    assert_equal "$(sample $p 'qpipe_nightly_file_ok{source="run3.h5"}')" 0
    grep -qF 'qpipe_ssim{source="run3.h5",image="rejected/run3.h5/image.png",' $p ||
        fail "qpipe_ssim does not name the rejected image"
    # A rejected acquisition is done: the next run skips it.
    run --separate-stderr nightly --min-ssim 0.99 inbox out
    assert_success
    assert_equal "$stderr" ''
    run grep -c ': skip: done, in rejected/' out/nightly.log
    assert_output 3
}

@test "SSIM gate: a failure's exit status 1 wins over a rejection's 3" {
    mkdir inbox
    cp "$BATS_FILE_TMPDIR/inbox/run2.qev" "$BATS_FILE_TMPDIR/inbox/bad.qev" inbox/
    run --separate-stderr nightly --min-ssim 0.99 inbox out
    assert_failure 1
    assert_equal "${#stderr_lines[@]}" 2
    run ls out/rejected
    assert_output run2.qev
}

# ---- without calibration and reference ----

@test "without -c and -r: the QEV is copied, the image published unscored" {
    mkdir inbox
    cp "$BATS_FILE_TMPDIR/inbox/run2.qev" inbox/
    run --separate-stderr "$NIGHTLY" -w 6ns inbox out
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    run ls out/published/run2.qev
    assert_output "$(printf '%s\n' done image.png metrics.prom stream.qev)"
    qstat --check out/published/run2.qev/stream.qev
    run grep -c '^@qcal' <(qcat -H out/published/run2.qev/stream.qev)
    assert_output 0
    run grep -E ': run2\.qev: (copy|gate|score)' out/nightly.log
    assert_line --index 0 --partial 'run2.qev: copy: ok'
    assert_equal "${#lines[@]}" 1
    run grep -c '^qpipe_ssim' out/metrics/qpipe_nightly.prom
    assert_output 0
}
