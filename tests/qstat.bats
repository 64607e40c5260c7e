load helpers

# qstat: rates, gaps, order and integrity of QEV streams. Expected numbers are
# computed with awk (text report) and python (JSON) from `qsim ... --text`,
# the events as simulated, without the QEV codec.

# ---- helpers ----

assert_usage_error() {
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "^qstat: "
    assert_regex "$stderr" "Try 'qstat --help'"
}

assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(diff "$1" "$2" | head -n 10)"
}

# The report qstat should give for text events $1 and gap threshold $2 (ps),
# in the words of its text form, one fact a line:
#   events N / time range A .. B ps / gaps G (threshold T ps, longest L ps)
#   gap at S ps for L ps (the first ten) / channel C N MIN_INTERVAL
# A header line (time_ps...) starts a segment: gaps and intervals are measured
# within segments only.
reference_report() {
    awk -F'\t' -v gap="$2" '
        $1 == "time_ps" { inseg = 0; split("", last); next }
        {
            t = $1; c = $2; n++
            if (n == 1 || t < tmin) tmin = t
            if (n == 1 || t > tmax) tmax = t
            if (inseg++) {
                d = t - prev
                if (d > gap) {
                    g++
                    if (d > longest) longest = d
                    if (g <= 10) gaps[g] = sprintf("gap at %.0f ps for %.0f ps", prev, d)
                }
            }
            prev = t
            if (c in last) {
                d = t - last[c]
                if (!(c in mi) || d < mi[c]) mi[c] = d
            }
            last[c] = t; cn[c]++
        }
        END {
            printf "events %d\n", n
            printf "time range %.0f .. %.0f ps\n", tmin, tmax
            printf "gaps %d (threshold %.0f ps, longest %.0f ps)\n", g, gap, longest
            for (i = 1; i <= g && i <= 10; i++) print gaps[i]
            for (c in cn) printf "channel %d %d %s\n", c, cn[c], (c in mi) ? sprintf("%.0f", mi[c]) : "-"
        }' "$1" | sort -s -t' ' -k1,1 -k2,2n
}

# The same facts, taken from qstat's text report on stdin.
report_facts() {
    awk '
        /^events /      { print "events " $2 }
        /^time range /  { print "time range " $3 " .. " $5 " ps" }
        /^gaps /        { sub(/^gaps +/, ""); print "gaps " $0 }
        /^  gap /       { print "gap at " $3 " ps for " $6 " ps" }
        in_table && NF == 4 { print "channel " $1 " " $2 " " $4 }
        /^channel /     { in_table = 1 }
    ' | sort -s -t' ' -k1,1 -k2,2n
}

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # slow: 3 kHz for 1 s, so gaps of milliseconds occur.
    qsim poisson -r 1k,2k -d 1s -s 11 -o "$d/slow.qev"
    qsim poisson -r 1k,2k -d 1s -s 11 --text >"$d/slow.txt"
    # big: 3e5 events in 5 blocks, three channels.
    qsim poisson -r 1M,2M,500k -n 3e5 -s 5 -o "$d/big.qev"
    qsim poisson -r 1M,2M,500k -n 3e5 -s 5 --text >"$d/big.txt"
    seq 1 3000 | gzip -n -c >"$d/garbage.bin"
}

# ---- contract ----

@test "--help prints usage on stdout and exits 0" {
    run --separate-stderr qstat --help
    assert_success
    assert_line --index 0 'Usage: qstat [OPTION]... [FILE]...'
    assert_line --partial '--check'
    assert_equal "$stderr" ''
    run --separate-stderr qstat -h
    assert_success
    assert_line --index 0 'Usage: qstat [OPTION]... [FILE]...'
    assert_equal "$stderr" ''
}

@test "--version and -V print the version" {
    run --separate-stderr qstat --version
    assert_success
    assert_output 'qstat (qpipe) 0.1.0'
    assert_equal "$stderr" ''
    run --separate-stderr qstat -V
    assert_success
    assert_output 'qstat (qpipe) 0.1.0'
    assert_equal "$stderr" ''
}

@test "an unknown option is a usage error" {
    run --separate-stderr qstat --bogus "$BATS_FILE_TMPDIR/big.qev"
    assert_usage_error
    assert_regex "$stderr" 'bogus'
}

@test "bad option values are usage errors" {
    local f=$BATS_FILE_TMPDIR/big.qev
    run --separate-stderr qstat --gap 5 "$f"
    assert_usage_error
    run --separate-stderr qstat --gap -1s "$f"
    assert_usage_error
    run --separate-stderr qstat --every 0s "$f"
    assert_usage_error
    run --separate-stderr qstat --every 1 "$f"
    assert_usage_error
    run --separate-stderr qstat --json --prom "$f"
    assert_usage_error
    run --separate-stderr qstat --check --every 1ms "$f"
    assert_usage_error
}

@test "garbage input: exit 1, one line naming the file, a report that says so" {
    # qstat(1): an input that cannot be read to its end is still reported,
    # with what was read before the error, and the error is on stderr.
    cp "$BATS_FILE_TMPDIR/garbage.bin" .
    run --separate-stderr qstat garbage.bin
    assert_failure 1
    assert_equal "${#stderr_lines[@]}" 1
    assert_equal "$stderr" 'qstat: garbage.bin: not a QEV stream (bad magic at byte 0)'
    assert_line --regexp '^source +garbage\.bin$'
    assert_line --regexp '^events +0$'
    assert_line --regexp '^integrity +not a QEV stream \(bad magic at byte 0\)$'
    refute_line --regexp '^integrity +ok$'
}

@test "a bad input among good ones: every input reported, exit 1" {
    cp "$BATS_FILE_TMPDIR/garbage.bin" "$BATS_FILE_TMPDIR/slow.qev" .
    run --separate-stderr qstat --json slow.qev garbage.bin
    assert_failure 1
    assert_equal "$stderr" 'qstat: garbage.bin: not a QEV stream (bad magic at byte 0)'
    run --separate-stderr python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(" ".join("%s:%s:%d" % (i["source"], i["ok"], i["events"]) for i in d["inputs"]))
print(d["inputs"][1]["error"])
' "$output"
    assert_success
    assert_line --index 0 "slow.qev:True:$(($(wc -l <"$BATS_FILE_TMPDIR/slow.txt") - 1)) garbage.bin:False:0"
    assert_line --index 1 'not a QEV stream (bad magic at byte 0)'
}

@test "--prom on a damaged stream: qpipe_stream_ok 0" {
    local size
    size=$(stat -c %s "$BATS_FILE_TMPDIR/slow.qev")
    head -c $((size - 10)) "$BATS_FILE_TMPDIR/slow.qev" >cut.qev
    run --separate-stderr qstat --prom cut.qev "$BATS_FILE_TMPDIR/big.qev"
    assert_failure 1
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "^qstat: cut\\.qev: truncated at byte $((size - 10)) "
    assert_line 'qpipe_stream_ok{source="cut.qev"} 0'
    assert_line "qpipe_stream_ok{source=\"$BATS_FILE_TMPDIR/big.qev\"} 1"
}

@test "-o with a damaged input keeps the report (it says what was wrong)" {
    mkdir o
    run --separate-stderr qstat -o o/report.txt "$BATS_FILE_TMPDIR/garbage.bin"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qstat: .*garbage\.bin: not a QEV stream'
    assert_equal "$(ls -A o)" report.txt
    grep -Eq '^integrity +not a QEV stream \(bad magic at byte 0\)$' o/report.txt
}

@test "garbage input with --check: exit 3 with the bad-header bit 32, silent" {
    run --separate-stderr qstat --check "$BATS_FILE_TMPDIR/garbage.bin"
    assert_failure 35
    assert_output ''
    assert_equal "$stderr" ''
}

@test "a missing file: exit 1 and the system's reason" {
    run --separate-stderr qstat --check no-such.qev
    assert_failure 67
    assert_output ''
    run --separate-stderr qstat --json no-such.qev
    assert_failure 1
    refute_output --partial '"ok":true'
    assert_equal "$stderr" 'qstat: no-such.qev: No such file or directory'
}

@test "with no input and stdin a terminal, usage goes to stderr (exit 2)" {
    need_command script bsdutils
    run --separate-stderr timeout 20 script -qec "qstat" /dev/null
    assert_failure 2
    assert_output --partial 'Usage: qstat'
}

# ---- the report, against awk ----

@test "text report of a multi-block stream: counts, range, intervals, integrity" {
    run --separate-stderr qstat "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_equal "$stderr" ''
    report_facts <<<"$output" >got
    reference_report "$BATS_FILE_TMPDIR/big.txt" 1000000000000 >want
    assert_same_file want got
    # 3e5 events in blocks of 65536: 5 blocks, one segment and its trailer.
    assert_line --regexp '^segments +1 \(1 trailers verified\)$'
    assert_line --regexp '^blocks +5 \(checksums verified\)$'
    assert_line --regexp '^backwards +0$'
    assert_line --regexp '^integrity +ok$'
    assert_line --regexp "^source +$BATS_FILE_TMPDIR/big\\.qev\$"
}

@test "gaps: count, longest and the first ten, with --gap" {
    run --separate-stderr qstat --gap 2ms "$BATS_FILE_TMPDIR/slow.qev"
    assert_success
    assert_equal "$stderr" ''
    report_facts <<<"$output" >got
    reference_report "$BATS_FILE_TMPDIR/slow.txt" 2000000000 >want
    assert_same_file want got
    # The check means something: there are gaps, more than ten of them.
    [ "$(awk '/^gaps/ { print $2 }' want)" -gt 10 ]
}

@test "gaps: a lower threshold finds more of them" {
    # At 3 kHz, P(interval > 1 ms) = e^-3: 2968 intervals give about 148.
    run --separate-stderr qstat -g 1ms "$BATS_FILE_TMPDIR/slow.qev"
    assert_success
    report_facts <<<"$output" >got
    reference_report "$BATS_FILE_TMPDIR/slow.txt" 1000000000 >want
    assert_same_file want got
}

@test "rates: the stream's and each channel's events over the time range" {
    run --separate-stderr qstat "$BATS_FILE_TMPDIR/slow.qev"
    assert_success
    # rate = events / (tmax - tmin); compare to 5 significant digits.
    awk -F'\t' 'NR == 2 { a = $1 } NR > 1 { b = $1; n++; c[$2]++ }
        END { s = (b - a) * 1e-12
              printf "rate %.5g\n", n / s
              for (k in c) printf "channel %s %.5g\n", k, c[k] / s }' \
        "$BATS_FILE_TMPDIR/slow.txt" | sort >want
    awk '/^rate / { printf "rate %.5g\n", $2 }
         t && NF == 4 { printf "channel %s %.5g\n", $1, $3 }
         /^channel / { t = 1 }' <<<"$output" | sort >got
    assert_same_file want got
}

@test "--json parses and holds the same numbers" {
    run --separate-stderr qstat --json --gap 2ms "$BATS_FILE_TMPDIR/slow.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_equal "${#lines[@]}" 1
    printf '%s\n' "$output" >got.json
    python3 -m json.tool got.json >/dev/null
    python3 - got.json "$BATS_FILE_TMPDIR/slow.txt" "$BATS_FILE_TMPDIR/slow.qev" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ev = [(int(t), int(c)) for t, c, k in
      (l.rstrip("\n").split("\t") for l in list(open(sys.argv[2]))[1:])]
assert len(doc["inputs"]) == 1, doc
s = doc["inputs"][0]
gap = 2_000_000_000
times = [t for t, _ in ev]
d = [b - a for a, b in zip(times, times[1:])]
gaps = [(a, b - a) for a, b in zip(times, times[1:]) if b - a > gap]
want = {
    "source": sys.argv[3], "ok": True, "error": None, "segments": 1, "trailers": 1,
    "blocks": 1, "events": len(ev), "tmin_ps": min(times), "tmax_ps": max(times),
    "backwards": 0,
}
for k, v in want.items():
    assert s[k] == v, (k, s[k], v)
span = max(times) - min(times)
assert abs(s["duration_s"] - span * 1e-12) <= 1e-12 * span * 1e-12, s["duration_s"]
assert abs(s["rate_hz"] - len(ev) / (span * 1e-12)) <= 1e-9 * s["rate_hz"], s["rate_hz"]
g = s["gaps"]
assert g["threshold_ps"] == gap and g["count"] == len(gaps), g
assert g["longest_ps"] == max(l for _, l in gaps), g
assert [(x["start_ps"], x["length_ps"]) for x in g["first"]] == gaps[:10], g["first"]
chans = sorted({c for _, c in ev})
assert [c["channel"] for c in s["channels"]] == chans, s["channels"]
for c in s["channels"]:
    ts = [t for t, ch in ev if ch == c["channel"]]
    assert c["events"] == len(ts), c
    assert c["min_interval_ps"] == min(b - a for a, b in zip(ts, ts[1:])), c
    assert abs(c["rate_hz"] - len(ts) / (span * 1e-12)) <= 1e-9 * c["rate_hz"], c
EOF
}

@test "--json of several inputs: one document, one entry each" {
    run --separate-stderr qstat --json "$BATS_FILE_TMPDIR/slow.qev" "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(" ".join("%s:%d" % (i["source"].rsplit("/", 1)[-1], i["events"]) for i in d["inputs"]))
' "$output"
    assert_success
    assert_output "slow.qev:$(($(wc -l <"$BATS_FILE_TMPDIR/slow.txt") - 1)) big.qev:300000"
}

@test "--prom: valid Prometheus text, qpipe_ metrics, the right counts" {
    run --separate-stderr qstat --prom "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_equal "$stderr" ''
    local sample='^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? ([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|NaN|[-+]Inf)$'
    local comment='^# (HELP qpipe_[a-z_]+ .+|TYPE qpipe_[a-z_]+ (counter|gauge|histogram|summary|untyped))$'
    printf '%s\n' "$output" >prom.txt
    run --separate-stderr grep -Ev -e "$sample" -e "$comment" prom.txt
    assert_failure 1 # no line is neither a sample nor a HELP/TYPE comment
    assert_output ''
    run --separate-stderr grep -Ev '^(# (HELP|TYPE) )?qpipe_' prom.txt
    assert_failure 1 # every metric name starts with qpipe_
    # Each family has one TYPE line, before its samples.
    run --separate-stderr awk '/^# TYPE/ { if (seen[$3]++) bad++; typed[$3] = 1; next }
        /^#/ { next } { n = $0; sub(/[{ ].*/, "", n); if (!(n in typed)) bad++ }
        END { print bad + 0 }' prom.txt
    assert_success
    assert_output 0
    # Values from the reference.
    local f=$BATS_FILE_TMPDIR/big.qev
    awk -F'\t' -v f="$f" 'NR > 1 { n[$2]++ }
        END { for (c in n) printf "qpipe_events_total{source=\"%s\",channel=\"%s\"} %d\n", f, c, n[c] }' \
        "$BATS_FILE_TMPDIR/big.txt" | sort >want
    grep '^qpipe_events_total{' prom.txt | sort >got
    assert_same_file want got
    grep -qx "qpipe_stream_ok{source=\"$f\"} 1" prom.txt
    grep -qx "qpipe_blocks_total{source=\"$f\"} 5" prom.txt
    grep -qx "qpipe_backwards_total{source=\"$f\"} 0" prom.txt
}

@test "--every 1ms: per-interval counts, and their sums are the totals" {
    run --separate-stderr qstat --every 1ms "$BATS_FILE_TMPDIR/slow.qev"
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 $'start_ps\tend_ps\tchannel\tevents\trate_hz'
    printf '%s\n' "$output" | tail -n +2 >rows.tsv
    # Sum of the events column per channel = the channel's total.
    awk -F'\t' '{ n[$3] += $4 } END { for (c in n) print c, n[c] }' rows.tsv | sort >got
    awk -F'\t' 'NR > 1 { n[$2]++ } END { for (c in n) print c, n[c] }' \
        "$BATS_FILE_TMPDIR/slow.txt" | sort >want
    assert_same_file want got
    # Row by row: interval k = [k ms, (k+1) ms), from the first event's
    # interval to the last's, each channel from the interval it first shows in;
    # the last interval ends just after the last event.
    awk -F'\t' 'NR == 1 { next }
        { k = int($1 / 1e9); if (!(($2) in first)) first[$2] = k
          n[k, $2]++; if (NR == 2) k0 = k; k1 = k; ch[$2] = 1; last = $1
          if (NR == 2 || $2 < cmin) cmin = $2; if (NR == 2 || $2 > cmax) cmax = $2 }
        END { for (k = k0; k <= k1; k++) for (c = cmin; c <= cmax; c++)
                  if ((c in ch) && first[c] <= k)
                      printf "%.0f\t%.0f\t%d\t%d\n", k * 1e9, k < k1 ? (k + 1) * 1e9 : last + 1, c, n[k, c] + 0 }' \
        "$BATS_FILE_TMPDIR/slow.txt" >want.tsv
    cut -f1-4 rows.tsv >got.tsv
    assert_same_file want.tsv got.tsv
    # rate_hz = events / the interval's length
    run --separate-stderr awk -F'\t' '{ r = $4 / (($2 - $1) * 1e-12); d = $5 - r; if (d < 0) d = -d; if (d > 1e-6 * (r + 1)) bad++ }
        END { print bad + 0 }' rows.tsv
    assert_success
    assert_output 0
}

# ---- --check and segments ----

@test "--check on a good stream: exit 0, no output" {
    run --separate-stderr qstat --check "$BATS_FILE_TMPDIR/big.qev" "$BATS_FILE_TMPDIR/slow.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    run --separate-stderr bash -c 'set -o pipefail; cat "$1" | qstat -q' _ "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

@test "--check with one bad input among good ones: exit 3 plus its class, silent" {
    run --separate-stderr qstat --check "$BATS_FILE_TMPDIR/big.qev" "$BATS_FILE_TMPDIR/garbage.bin" \
        "$BATS_FILE_TMPDIR/slow.qev"
    assert_failure 35
    assert_output ''
    assert_equal "$stderr" ''
}

@test "two segments whose time restarts: order checks restart per segment" {
    cat "$BATS_FILE_TMPDIR/slow.qev" "$BATS_FILE_TMPDIR/slow.qev" >two.qev
    run --separate-stderr qstat --gap 2ms two.qev
    assert_success
    assert_equal "$stderr" ''
    assert_line --regexp '^segments +2 \(2 trailers verified\)$'
    assert_line --regexp '^backwards +0$'
    assert_line --regexp '^integrity +ok$'
    # The reference sees a header line where the second segment starts.
    cat "$BATS_FILE_TMPDIR/slow.txt" "$BATS_FILE_TMPDIR/slow.txt" >two.txt
    reference_report two.txt 2000000000 >want
    report_facts <<<"$output" >got
    assert_same_file want got
    run --separate-stderr qstat --check two.qev
    assert_success
    assert_output ''
}

@test "a segment of no events" {
    run --separate-stderr bash -c 'set -o pipefail; qsim poisson -n 0 | qstat'
    assert_success
    assert_equal "$stderr" ''
    assert_line --regexp '^events +0$'
    assert_line --regexp '^blocks +0 '
    assert_line --regexp '^integrity +ok$'
    refute_line --regexp '^time range'
}

@test "stdin is read when there is no operand, and named -" {
    run --separate-stderr bash -c 'set -o pipefail; cat "$1" | qstat' _ "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_line --regexp '^source +-$'
    assert_line --regexp '^events +300000$'
}

# ---- output ----

@test "-o writes the report to a file, nothing to stdout" {
    mkdir o
    run --separate-stderr qstat -o o/report.txt "$BATS_FILE_TMPDIR/big.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    assert_equal "$(ls -A o)" report.txt
    grep -Eq '^events +300000$' o/report.txt
}

@test "a full disk is a write error (exit 1)" {
    [ -w /dev/full ] || skip "/dev/full is not available"
    for form in "" --json --prom "--every 1ms"; do
        # shellcheck disable=SC2086
        run --separate-stderr bash -c 'set -o pipefail; qstat $1 "$2" > /dev/full' _ "$form" "$BATS_FILE_TMPDIR/big.qev"
        assert_failure 1
        assert_equal "${#stderr_lines[@]}" 1
        assert_regex "$stderr" '^qstat: .*(No space left on device|write error)'
    done
}
