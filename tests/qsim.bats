load helpers

# qsim: simulated acquisitions. Counts are checked against Poisson theory:
# a count with expectation m lies within 5 sqrt(m) of m (a false alarm about
# once in 1.7 million runs; the seeds are fixed, so runs are reproducible).

# ---- helpers ----

assert_usage_error() {
    assert_failure 2
    assert_output ''
    # Messages start with the tool's name; getopt's name it "qsim poisson".
    assert_regex "$stderr" "^qsim( poisson)?: "
    assert_regex "$stderr" "Try 'qsim --help'"
}

# Succeeds when |$1 - $2| <= 5 sqrt($2); says so otherwise.
within_5_sigma() {
    awk -v got="$1" -v m="$2" -v what="${3:-count}" 'BEGIN {
        d = got - m; if (d < 0) d = -d
        if (d <= 5 * sqrt(m)) exit 0
        printf "%s %s is more than 5 sigma from %s\n", what, got, m > "/dev/stderr"; exit 1 }'
}

# Runs `qsim poisson ARGS...` with stdout to file $1; pins exit 0, silence.
sim_to() {
    local out=$1
    shift
    run --separate-stderr bash -c 'out=$1; shift; qsim poisson "$@" > "$out"' _ "$out" "$@"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

# Fails unless files $1 and $2 differ.
assert_differ() {
    if cmp -s "$1" "$2"; then fail "$1 and $2 are the same"; fi
}

# Per-channel event counts of a text stream: "channel count" lines.
channel_counts() {
    awk -F'\t' 'NR > 1 { n[$2]++ } END { for (c in n) printf "%s %d\n", c, n[c] }' "$1" | sort -n
}

# ---- contract ----

@test "--help prints usage on stdout and exits 0" {
    for args in --help -h "poisson --help" "poisson -h"; do
        # shellcheck disable=SC2086
        run --separate-stderr qsim $args
        assert_success
        assert_line --index 0 'Usage: qsim poisson [OPTION]...'
        assert_line --partial '--seed=N'
        assert_equal "$stderr" ''
    done
}

@test "--version and -V print the version" {
    for args in --version -V "poisson --version" "poisson -V"; do
        # shellcheck disable=SC2086
        run --separate-stderr qsim $args
        assert_success
        assert_output 'qsim (qpipe) 0.1.0'
        assert_equal "$stderr" ''
    done
}

@test "an unknown option is a usage error" {
    run --separate-stderr qsim poisson --bogus
    assert_usage_error
    assert_regex "$stderr" 'bogus'
    run --separate-stderr qsim --bogus
    assert_usage_error
}

@test "an unknown setup is a usage error" {
    run --separate-stderr qsim foo -n 10
    assert_usage_error
    assert_regex "$stderr" "unknown setup 'foo'"
}

@test "a missing setup is a usage error" {
    run --separate-stderr qsim
    assert_usage_error
    assert_regex "$stderr" 'missing the setup'
    run --separate-stderr qsim -n 10
    assert_usage_error
}

@test "numbers without their unit, or not numbers, are usage errors" {
    run --separate-stderr qsim poisson -d 5
    assert_usage_error
    assert_regex "$stderr" '^qsim: --duration: .5.: needs a time unit'
    run --separate-stderr qsim poisson -r abc
    assert_usage_error
    assert_regex "$stderr" '^qsim: --rate: .abc.'
    run --separate-stderr qsim poisson --resolution 3
    assert_usage_error
    run --separate-stderr qsim poisson -d 5 parsecs
    assert_usage_error
    run --separate-stderr qsim poisson -d 5furlongs
    assert_usage_error
}

@test "values out of range are usage errors" {
    local args
    for args in "-n 1.5" "-n -5" "-n 1e4x" "-r 0" "-r -1M" "-r 1M,,abc" "-c 0" "-c 257" \
        "-c 2 -r 1M,2M,3M" "-d -1s" "--resolution 0ps" "--resolution 0.5ps" "-l 99" \
        "-s -1" "-s 9223372036854775808" "extra"; do
        # shellcheck disable=SC2086
        run --separate-stderr qsim poisson $args
        assert_usage_error
    done
}

@test "refuses to write QEV to a terminal; --text is fine there" {
    need_command script bsdutils
    run --separate-stderr timeout 20 script -qec "qsim poisson -n 10" /dev/null
    assert_failure 2
    assert_output --partial 'qsim: refusing to write binary data to a terminal'
    refute_output --partial QEVH
    run --separate-stderr timeout 20 script -qec "qsim poisson -n 3 --text" /dev/null
    assert_success
    assert_line --index 0 --regexp $'^time_ps\tchannel\tkind\r?$'
    assert_equal "${#lines[@]}" 4
}

# ---- event counts and times ----

@test "the defaults: one channel at 1 MHz for 1 s" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson | qcat -c'
    assert_success
    assert_equal "$stderr" ''
    within_5_sigma "$output" 1000000
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1 | qcat -H'
    assert_success
    assert_line 'rate_hz.1=1000000'
    assert_line 'resolution_ps=1'
    assert_line 'seed=1'
    refute_line --regexp '^rate_hz\.2='
    # -n alone sets no duration
    refute_line --regexp '^duration_ps='
}

@test "rates take SI prefixes and the units Hz, cps and /s" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 2.5kHz,300kcps,1e3,7/s,1.5M -n 1 | qcat -H'
    assert_success
    assert_equal "$stderr" ''
    assert_line 'rate_hz.1=2500'
    assert_line 'rate_hz.2=300000'
    assert_line 'rate_hz.3=1000'
    assert_line 'rate_hz.4=7'
    assert_line 'rate_hz.5=1500000'
}

@test "the largest seed, 2^63-1, is accepted" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -s 9223372036854775807 -n 3 | qcat -H'
    assert_success
    assert_equal "$stderr" ''
    assert_line 'seed=9223372036854775807'
}

@test "-n N gives exactly N events" {
    local n
    for n in 0 1 65535 65536 65537 100000; do
        run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n "$1" --text | tail -n +2 | wc -l' _ "$n"
        assert_success
        assert_output "$n"
        assert_equal "$stderr" ''
        run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n "$1" | qcat -c' _ "$n"
        assert_success
        assert_output "$n"
        assert_equal "$stderr" ''
    done
}

@test "-n takes SI suffixes and exponents" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 2k --text | tail -n +2 | wc -l'
    assert_success
    assert_output 2000
    assert_equal "$stderr" ''
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1.5e3 --text | tail -n +2 | wc -l'
    assert_success
    assert_output 1500
    assert_equal "$stderr" ''
}

@test "-d T: every time in [0, T), sorted, the count within 5 sigma of rate * T" {
    sim_to t.txt -r 1M -d 20ms -s 4 --text
    # time in ps; 20 ms = 2e10 ps; expected count 1e6 * 0.02 = 20000.
    run --separate-stderr awk -F'\t' 'NR > 1 && ($1 < 0 || $1 >= 2e10 || $1 < p) { bad++ } NR > 1 { p = $1 }
        END { print bad + 0 }' t.txt
    assert_success
    assert_output 0
    within_5_sigma "$(($(wc -l <t.txt) - 1))" 20000
    # The metadata records the duration.
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M -d 20ms -s 4 | qcat -H'
    assert_success
    assert_line 'duration_ps=20000000000'
}

@test "-d with several channels: each count within 5 sigma of its rate * T" {
    sim_to t.txt -r 2M,500k,100k -d 10ms -s 8 --text
    channel_counts t.txt >counts
    assert_equal "$(cut -d' ' -f1 counts | tr '\n' ' ')" '1 2 3 '
    within_5_sigma "$(awk '$1 == 1 { print $2 }' counts)" 20000 "channel 1"
    within_5_sigma "$(awk '$1 == 2 { print $2 }' counts)" 5000 "channel 2"
    within_5_sigma "$(awk '$1 == 3 { print $2 }' counts)" 1000 "channel 3"
}

@test "-n with several rates: channel shares within 5 sigma of rate / total" {
    sim_to t.txt -r 1M,250k,50k -n 1e5 -s 2 --text
    channel_counts t.txt >counts
    # shares 1/1.3, 0.25/1.3, 0.05/1.3 of 1e5 events
    within_5_sigma "$(awk '$1 == 1 { print $2 }' counts)" 76923.08 "channel 1"
    within_5_sigma "$(awk '$1 == 2 { print $2 }' counts)" 19230.77 "channel 2"
    within_5_sigma "$(awk '$1 == 3 { print $2 }' counts)" 3846.15 "channel 3"
}

@test "-c N: N channels numbered 1..N at the one rate" {
    sim_to t.txt -c 4 -r 500k -d 20ms -s 6 --text
    channel_counts t.txt >counts
    assert_equal "$(cut -d' ' -f1 counts | tr '\n' ' ')" '1 2 3 4 '
    for c in 1 2 3 4; do
        within_5_sigma "$(awk -v c=$c '$1 == c { print $2 }' counts)" 10000 "channel $c"
    done
}

@test "-c N with N rates keeps each channel's own rate" {
    # The usage allows -c N with N rates; -c must not replace them.
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -c 2 -r 1M,2M -n 10 | qcat -H'
    assert_success
    assert_equal "$stderr" ''
    assert_line 'rate_hz.1=1000000'
    assert_line 'rate_hz.2=2000000'
    sim_to t.txt -c 2 -r 1M,2M -d 10ms -s 6 --text
    channel_counts t.txt >counts
    within_5_sigma "$(awk '$1 == 1 { print $2 }' counts)" 10000 "channel 1"
    within_5_sigma "$(awk '$1 == 2 { print $2 }' counts)" 20000 "channel 2"
}

@test "the N-th event comes at N / rate, within 5 sigma" {
    # The sum of N exponential gaps of mean 1/R: mean N/R, sd sqrt(N)/R.
    # N = 1e5, R = 1 MHz: 1e11 ps, sd 3.162e8 ps.
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M -n 1e5 -s 12 --text | tail -n 1 | cut -f1'
    assert_success
    awk -v t="$output" 'BEGIN { d = t - 1e11; if (d < 0) d = -d; exit !(d <= 5 * 3.1623e8) }' ||
        fail "last time $output is not within 5 sigma of 1e11 ps"
}

@test "intervals are exponential: a fraction 1/e of them exceeds the mean" {
    # 1e5 events at 1 MHz: mean interval 1e6 ps. P(gap > mean) = e^-1.
    sim_to t.txt -r 1M -n 1e5 -s 13 --text
    run --separate-stderr awk -F'\t' 'NR > 2 && $1 - p > 1e6 { n++ } NR > 1 { p = $1 } END { print n + 0 }' t.txt
    assert_success
    # binomial: m = 99999 e^-1 = 36787.6, sd = sqrt(m (1 - e^-1)) = 152.5
    awk -v n="$output" 'BEGIN { d = n - 36787.6; if (d < 0) d = -d; exit !(d <= 5 * 152.5) }' ||
        fail "$output intervals above the mean; expected 36788 +- 762"
}

@test "--resolution 16ps: every time is a multiple of 16 ps, not of 32" {
    sim_to t.txt --resolution 16ps -r 5M -n 1e4 -s 3 --text
    run --separate-stderr awk -F'\t' 'NR > 1 && $1 % 16 != 0 { bad++ } NR > 1 && $1 % 32 == 16 { odd++ }
        END { print bad + 0, odd + 0 }' t.txt
    assert_success
    assert_output --regexp '^0 [0-9]+$'
    # About half the multiples of 16 are odd ones: 5000 +- 5 * 70.7.
    within_5_sigma "${output#0 }" 5000 "odd multiples of 16"
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson --resolution 16ps -n 5 | qcat -H'
    assert_success
    assert_equal "$stderr" ''
    assert_line 'resolution_ps=16'
}

@test "--resolution 1ns floors times but keeps every event" {
    # 100 MHz at 1 ns: many events share a tick, none may be lost.
    sim_to t.txt --resolution 1ns -r 100M -d 1ms -s 5 --text
    run --separate-stderr awk -F'\t' 'NR > 1 && $1 % 1000 != 0 { bad++ } NR > 2 && $1 == p { same++ }
        NR > 1 { p = $1 } END { print bad + 0, same + 0 }' t.txt
    assert_success
    assert_output --regexp '^0 [0-9]+$'
    [ "${output#0 }" -gt 1000 ]
    within_5_sigma "$(($(wc -l <t.txt) - 1))" 100000
}

@test "-n and -d together stop at the first limit" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M -n 1e6 -d 1ms --text | tail -n +2 | wc -l'
    assert_success
    assert_equal "$stderr" ''
    within_5_sigma "$output" 1000
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M -n 5 -d 1s --text | tail -n +2 | wc -l'
    assert_success
    assert_equal "$stderr" ''
    assert_output 5
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -d 0s --text'
    assert_success
    assert_output $'time_ps\tchannel\tkind'
}

@test "times never wrap past the int64 picosecond range" {
    # At 1 uHz the mean gap is 1e18 ps, and 20 gaps pass INT64_MAX (9.22e18):
    # the output must still be a time-sorted stream with no negative time.
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1e-6 -n 20 -s 1 --text'
    assert_success
    assert_equal "$stderr" ''
    # Compare as integers in python (awk's doubles lose the low digits).
    python3 - "$output" <<'EOF' || fail "times wrap or go backwards: $output"
import sys
t = [int(l.split("\t")[0]) for l in sys.argv[1].splitlines()[1:]]
sys.exit(0 if all(x >= 0 for x in t) and t == sorted(t) else 1)
EOF
}

# ---- reproducibility ----

@test "the same seed gives the same bytes, another seed other bytes" {
    sim_to a.qev -r 1M,300k -n 1e4 -s 42
    sim_to b.qev -r 1M,300k -n 1e4 -s 42
    sim_to c.qev -r 1M,300k -n 1e4 -s 43
    cmp a.qev b.qev
    assert_differ a.qev c.qev
    # ... and other events, not just another seed= line.
    qcat a.qev | tail -n +2 >a.txt
    qcat c.qev | tail -n +2 >c.txt
    assert_differ a.txt c.txt
}

@test "the default seed is 1" {
    sim_to a.qev -n 1e4 --no-provenance
    sim_to b.qev -n 1e4 -s 1 --no-provenance
    cmp a.qev b.qev
}

@test "metadata and provenance, with SOURCE_DATE_EPOCH's time" {
    local when
    when=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 2M,1k --resolution 4ps -d 1ms -s 3 | qcat -H'
    assert_success
    assert_equal "$stderr" ''
    assert_line 'source=qsim poisson'
    assert_line 'resolution_ps=4'
    assert_line 'seed=3'
    assert_line 'duration_ps=1000000000'
    assert_line 'rate_hz.1=2000000'
    assert_line 'rate_hz.2=1000'
    assert_line "@qsim"$'\t'"0.1.0"$'\t'"$when"$'\t'"qsim poisson -r 2M,1k --resolution 4ps -d 1ms -s 3"
    assert_equal "$(grep -c '^@' <<<"$output")" 1
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 5 --no-provenance | qcat -H'
    assert_success
    refute_line --regexp '^@'
    # Another epoch, another time.
    run --separate-stderr bash -c 'set -o pipefail; SOURCE_DATE_EPOCH=86400 qsim poisson -n 5 | qcat -H'
    assert_success
    assert_line --regexp $'^@qsim\t0\\.1\\.0\t1970-01-02T00:00:00Z\t'
}

@test "the stream is a valid zstd file" {
    need_command zstd
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M,2M -n 2e5 | zstd -tq'
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    # and zstd -t does catch a damaged one (so the check above means something)
    sim_to s.qev -n 1e4
    printf '\377' | dd of=s.qev bs=1 seek=5000 conv=notrunc status=none
    run --separate-stderr zstd -tq s.qev
    assert_failure
}

@test "-l 19 gives the same events" {
    sim_to want.txt -r 1M,200k -n 5e4 -s 9 --text
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -r 1M,200k -n 5e4 -s 9 -l 19 | qcat > got.txt'
    assert_success
    assert_equal "$stderr" ''
    cmp want.txt got.txt
}

# ---- output ----

@test "-o writes the file and leaves no temporary behind" {
    mkdir o
    run --separate-stderr qsim poisson -n 1e4 -o o/out.qev
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_equal "$(ls -A o)" out.qev
    run --separate-stderr qcat -c o/out.qev
    assert_success
    assert_output 10000
    run --separate-stderr qsim poisson -n 7 --text -o o/out.txt
    assert_success
    assert_equal "$(wc -l <o/out.txt)" 8
    assert_equal "$(ls -A o | tr '\n' ' ')" 'out.qev out.txt '
}

@test "-o into a missing directory: exit 1, nothing written" {
    run --separate-stderr qsim poisson -n 10 -o no/such/dir/out.qev
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qsim: no/such/dir/out\.qev: cannot create: No such file or directory$'
}

@test "-o: a run killed by SIGTERM leaves neither the file nor a temporary" {
    mkdir o
    qsim poisson -n 1e12 -o o/out.qev &
    local pid=$! i
    # Wait (at most 10 s) until the temporary exists, so the kill hits the write.
    for ((i = 0; i < 200; i++)); do
        compgen -G 'o/out.qev.tmp.*' >/dev/null && break
        sleep 0.05
    done
    compgen -G 'o/out.qev.tmp.*' >/dev/null || { kill "$pid"; fail "no temporary appeared"; }
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 143
    assert_equal "$(ls -A o)" ''
}

@test "a full disk is a write error (exit 1)" {
    [ -w /dev/full ] || skip "/dev/full is not available"
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1e5 > /dev/full'
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qsim: .*(No space left on device|write error)'
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1e5 --text > /dev/full'
    assert_failure 1
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^qsim: .*(No space left on device|write error)'
}

@test "a reader that goes away ends qsim quietly" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 1e7 --text | head -n 2; echo "${PIPESTATUS[*]}"'
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 2 --regexp '^(0|141) 0$'
}
