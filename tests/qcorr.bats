load helpers

# qcorr hist and qcorr merge: correlation histograms and their exact merges.
#
# Definitions (qcorr(1), docs/conventions.md section 2): tau = t_B - t_A over every pair of
# an event on A and a distinct event on B (multi-start, multi-stop); bin k, for
# -K <= k <= K with K = round(range / b) (halves up), holds
# k b - floor(b/2) <= tau < k b - floor(b/2) + b; A:A counts the ordered pairs
# i != j; --start-stop pairs each A with the first B after it, a new A replacing
# an open start. expected = N_A N_B b / T, T = last - first event of the
# correlated channels (or --duration), g2 = counts / expected, and --edge
# divides by N_A N_B b (T - |tau|) / T^2.
#
# The reference is ref.py below, written from those definitions with numpy and
# independent of the C code: an O(n^2) count over every pair of events, and a
# count by binary search over each channel's sorted times (checked against the
# O(n^2) one). Synthetic streams are 16-byte raw records written by python and
# read with qtag-read --format raw16; the real one is the PicoHarp T2 sample.

# ---- helpers ----

write_ref() {
    cat >"$1" <<'EOF'
"""Correlation counts from the definitions of qcorr(1), over 16-byte raw
records (int64 time_ps, uint16 channel, uint8 kind, uint8 flags, uint32 aux)."""
import json
import sys

import numpy as np

REC = np.dtype([("t", "<i8"), ("ch", "<u2"), ("kind", "u1"), ("flags", "u1"), ("aux", "<u4")])


def load(path):
    return np.fromfile(path, dtype=REC)


def pair_of(s):
    a, b = s.split(":")
    return int(a), int(b)


def brute(ev, a, bch, b, K):
    """Every ordered pair of distinct events (i on A, j on B), O(n^2), as
    outer differences a slice of rows at a time."""
    h = b // 2
    t = ev["t"]
    ia = np.flatnonzero(ev["ch"] == a)
    ib = np.flatnonzero(ev["ch"] == bch)
    counts = np.zeros(2 * K + 1, dtype=np.int64)
    for s in range(0, len(ia), 256):
        rows = ia[s:s + 256]
        k = (t[ib][None, :] - t[rows][:, None] + h) // b
        keep = (k >= -K) & (k <= K) & (rows[:, None] != ib[None, :])
        counts += np.bincount(k[keep] + K, minlength=2 * K + 1)
    return counts.tolist()


def searched(ev, a, bch, b, K):
    """The same count by binary search: for each A, the B times in
    [t_A - K b - floor(b/2), t_A + K b - floor(b/2) + b)."""
    h = b // 2
    ta = ev["t"][ev["ch"] == a]
    tb = ev["t"][ev["ch"] == bch]
    j0 = np.searchsorted(tb, ta - K * b - h, "left")
    j1 = np.searchsorted(tb, ta + K * b - h + b, "left")
    n = j1 - j0
    idx = np.repeat(j0, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    tau = tb[idx] - np.repeat(ta, n)
    counts = np.bincount((tau + h) // b + K, minlength=2 * K + 1).astype(np.int64)
    if a == bch:
        counts[K] -= len(ta)  # the self-pairs, all at tau = 0
    return counts.tolist()


def start_stop(ev, a, bch, b, K):
    """In stream order: an A opens (or replaces) the start, the next B closes it."""
    h = b // 2
    counts = [0] * (2 * K + 1)
    start = None
    for t, ch in zip(ev["t"].tolist(), ev["ch"].tolist()):
        if ch == a:
            start = t
        elif ch == bch and start is not None:
            k = (t - start + h) // b
            if -K <= k <= K:
                counts[k + K] += 1
            start = None
    return counts


def hist(args):
    """hist FILE METHOD BIN_PS K PAIR...: lines "a:b<TAB>tau_ps<TAB>counts"."""
    ev = load(args[0])
    method = {"brute": brute, "searched": searched, "startstop": start_stop}[args[1]]
    b, K = int(args[2]), int(args[3])
    for p in args[4:]:
        c = method(ev, *pair_of(p), b, K)
        for k in range(-K, K + 1):
            print(f"{p}\t{k * b}\t{c[k + K]}")


def norm(args):
    """norm FILE QCORR_TSV BIN_PS DURATION_PS|data CHANNELS: checks the
    expected, g2 and g2_edge columns against the formulas."""
    ev = load(args[0])
    b = int(args[2])
    chans = [int(c) for c in args[4].split(",")]
    t = ev["t"][np.isin(ev["ch"], chans)]
    T = float(t.max() - t.min()) if args[3] == "data" else float(args[3])
    singles = dict(zip(*np.unique(ev["ch"], return_counts=True)))
    rows = [l.rstrip("\n").split("\t") for l in open(args[1]) if not l.startswith("#")]
    head, rows = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(head)}
    bad = 0
    for r in rows:
        a, bch = pair_of(r[0])
        na, nb = int(singles.get(a, 0)), int(singles.get(bch, 0))
        tau, c = int(r[col["tau_ps"]]), int(r[col["counts"]])
        e = na * nb * b / T
        want = {"expected": e, "g2": c / e}
        if "g2_edge" in col:
            want["g2_edge"] = c / (na * nb * b * (T - abs(tau)) / T ** 2)
        for name, v in want.items():
            got = float(r[col[name]])
            if abs(got - v) > 1e-9 * abs(v):
                bad += 1
                print(f"{r[0]} tau {tau}: {name} {got} != {v}", file=sys.stderr)
    print(f"{len(rows)} rows, {bad} wrong, T {T:.0f}")


def check_json(args):
    """json QCORR_JSON REF_COUNTS BIN_PS K: the document against the reference."""
    d = json.load(open(args[0]))
    want = {}
    for line in open(args[1]):
        p, tau, c = line.split("\t")
        want.setdefault(p, []).append(int(c))
    b, K = int(args[2]), int(args[3])
    assert d["bin_ps"] == b and d["bins"] == 2 * K + 1 and d["first_tau_ps"] == -K * b, d
    assert [f'{p["a"]}:{p["b"]}' for p in d["pairs"]] == list(want), d["pairs"]
    for p in d["pairs"]:
        c = want[f'{p["a"]}:{p["b"]}']
        assert p["counts"] == c
        e = p["singles_a"] * p["singles_b"] * b / d["duration_ps"]
        assert abs(p["expected_per_bin"] - e) <= 1e-9 * e
        assert all(abs(g - x / e) <= 1e-9 * (x / e) for g, x in zip(p["g2"], c))
    print("ok", len(d["pairs"]))


def ties(args):
    """ties FILE N SEED STEP: N raw records on a coarse time grid (many equal
    times within and across channels), channels 1 to 3."""
    n, rng, step = int(args[1]), np.random.default_rng(int(args[2])), int(args[3])
    a = np.zeros(n, dtype=REC)
    a["t"] = np.sort(rng.integers(0, 4 * n, n)) * step
    a["ch"] = rng.integers(1, 4, n)
    a.tofile(args[0])


if __name__ == "__main__":
    {"hist": hist, "norm": norm, "json": check_json, "ties": ties}[sys.argv[1]](sys.argv[2:])
EOF
}

# The pair, tau and counts columns of a qcorr hist TSV.
counts_of() {
    grep -v '^#' "$1" | tail -n +2 | cut -f1-3
}

assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(diff "$1" "$2" | head -n 10)"
}

assert_usage_error() {
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "^qcorr"
    assert_regex "$stderr" "Try 'qcorr --help'"
}

# Exit 1, nothing on stdout, exactly one line on stderr naming the tool.
assert_one_line_error() {
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qcorr: '
    [ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
}

setup_file() {
    NPY=$(find_python numpy) || NPY=
    export NPY
    local d=$BATS_FILE_TMPDIR
    write_ref "$d/ref.py"
    # Three Poisson channels, 2e5 events over about 57 ms.
    qsim poisson -r 2M,1M,500k -n 2e5 -s 11 -o "$d/p.qev"
    qcat -O raw -o "$d/p.raw" "$d/p.qev"
    # Ties: 1.5e5 events on a 250 ps grid, across several QEV blocks; and a
    # small one for the O(n^2) reference.
    if [ -n "$NPY" ]; then
        "$NPY" "$d/ref.py" ties "$d/ties.raw" 150000 5 250
        "$NPY" "$d/ref.py" ties "$d/small.raw" 3000 6 100
        qtag-read --format raw16 -o "$d/ties.qev" "$d/ties.raw"
        qtag-read --format raw16 -o "$d/small.qev" "$d/small.raw"
    fi
    seq 1 3000 | gzip -n -c >"$d/garbage.bin"
    local ptu=$REALDATA/picoquant-sample-data/picoharp/v30_t2.ptu
    if [ -f "$ptu" ]; then
        qtag-read -o "$d/v30.qev" "$ptu"
        qcat -O raw -o "$d/v30.raw" "$d/v30.qev"
        qcat --from 2s --to 2.05s -b -o "$d/slice.qev" "$d/v30.qev"
        qcat -O raw -o "$d/slice.raw" "$d/slice.qev"
    fi
}

# ---- contract ----

@test "--help prints usage on stdout and exits 0" {
    run --separate-stderr qcorr --help
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 'Usage: qcorr hist [OPTION]... [FILE]'
    assert_line --partial 'qcorr coinc [OPTION]... [FILE]'
    assert_line --partial 'qcorr stats [OPTION]... [FILE]'
    assert_line --partial 'qcorr merge [OPTION]... PARTIAL...'
    local opt
    for opt in --pair --bin --range --start-stop --edge --duration --own --window --delay \
        --channels --min-fold --group-time --collapse --delayed --accidental-delay \
        --accidentals --dark --every --prom --json --svg --partial --output; do
        assert_line --partial -- "$opt"
    done
    run --separate-stderr qcorr -h
    assert_success
    assert_line --index 0 'Usage: qcorr hist [OPTION]... [FILE]'
    run --separate-stderr qcorr hist --help
    assert_success
    assert_line --index 0 'Usage: qcorr hist [OPTION]... [FILE]'
}

@test "SUBCOMMAND --help prints that subcommand's usage only" {
    local opt
    run --separate-stderr qcorr hist --help
    assert_success
    assert_equal "$stderr" ''
    assert_line --index 0 'Usage: qcorr hist [OPTION]... [FILE]'
    for opt in --pair=A:B --bin=T --range=T --start-stop --edge --duration=T --own=FROM:TO \
        --json --svg --partial --output=FILE --help --version; do
        assert_line --partial -- "$opt"
    done
    refute_output --partial 'qcorr coinc'
    refute_output --partial '--window=T'
    run --separate-stderr qcorr coinc --help
    assert_success
    assert_line --index 0 'Usage: qcorr coinc [OPTION]... [FILE]'
    for opt in --window=T --delay=CH:T --cal=FILE --channels=LIST --min-fold=N \
        --group-time=WHICH --collapse=CH --delayed=T --tally --output=FILE; do
        assert_line --partial -- "$opt"
    done
    refute_output --partial '--accidentals='
    refute_output --partial '--bin=T'
    refute_output --partial '--svg'
    run --separate-stderr qcorr stats -h
    assert_success
    assert_line --index 0 'Usage: qcorr stats [OPTION]... [FILE]'
    for opt in --window=T --delay=CH:T --cal=FILE --pair=A:B --accidental-delay=T \
        --accidentals=FROM --dark=CH:RATE --every=T --prom --json --output=FILE; do
        assert_line --partial -- "$opt"
    done
    refute_output --partial '--min-fold'
    refute_output --partial '--bin=T'
    run --separate-stderr qcorr merge --help
    assert_success
    assert_line --index 0 'Usage: qcorr merge [OPTION]... PARTIAL...'
    assert_line --partial -- '--partial'
    refute_output --partial '--window=T'
    refute_output --partial '--bin=T'
}

@test "--version and -V print the version" {
    run --separate-stderr qcorr --version
    assert_success
    assert_output 'qcorr (qpipe) 0.1.0'
    assert_equal "$stderr" ''
    run --separate-stderr qcorr -V
    assert_success
    assert_output 'qcorr (qpipe) 0.1.0'
}

@test "a missing or unknown subcommand is a usage error" {
    run --separate-stderr qcorr
    assert_usage_error
    assert_regex "$stderr" 'missing a subcommand \(hist, coinc, stats, merge\)'
    run --separate-stderr qcorr histogram "$BATS_FILE_TMPDIR/p.qev"
    assert_usage_error
    assert_regex "$stderr" "unknown subcommand 'histogram'"
    run --separate-stderr qcorr --bin 10ps "$BATS_FILE_TMPDIR/p.qev"
    assert_usage_error
    assert_regex "$stderr" 'missing a subcommand'
}

@test "an unknown option is a usage error" {
    local f=$BATS_FILE_TMPDIR/p.qev sub
    for sub in hist coinc stats merge; do
        run --separate-stderr qcorr $sub --bogus "$f"
        assert_usage_error
        assert_regex "$stderr" "^qcorr $sub: unrecognized option '--bogus'"
    done
    run --separate-stderr qcorr hist -Z "$f"
    assert_usage_error
}

@test "bad option values are usage errors" {
    local f=$BATS_FILE_TMPDIR/p.qev
    local -a bad=(
        "hist --bin 0ps" "hist --bin -5ps" "hist --bin 1.5ps" "hist --bin 5"
        "hist --range -1ns" "hist --range 1s --bin 1ps" "hist --pair 1-2" "hist --pair 70000:1"
        "hist --pair 1:" "hist --pair 1:1 --start-stop" "hist --json --svg" "hist --json --partial"
        "hist --own 2ns:1ns" "hist --own 1ns" "hist --duration 3" "coinc --window 2ms"
        "coinc --window -1ns" "coinc --min-fold 1" "coinc --group-time middle" "coinc --delay 1"
        "coinc --delay 1:5" "coinc --delayed 20ns" "coinc --channels 5-1" "coinc --collapse 70000"
        "stats --accidentals best" "stats --accidental-delay 0ns" "stats --every -1s"
        "stats --dark 1:fast" "stats --json --prom"
    )
    local args
    for args in "${bad[@]}"; do
        run --separate-stderr qcorr $args "$f"
        [ "$status" -eq 2 ] || fail "qcorr $args: exit $status, not 2"
        assert_output ''
        assert_regex "$stderr" "Try 'qcorr --help'"
    done
    run --separate-stderr qcorr hist "$f" "$f"
    assert_usage_error
    assert_regex "$stderr" 'reads one stream'
    run --separate-stderr qcorr merge
    assert_usage_error
    assert_regex "$stderr" 'needs partial results'
}

@test "garbage input: exit 1, empty stdout, one line naming the file" {
    cp "$BATS_FILE_TMPDIR/garbage.bin" .
    local sub
    for sub in hist coinc stats; do
        run --separate-stderr qcorr $sub garbage.bin
        assert_one_line_error
        assert_regex "$stderr" '^qcorr: garbage\.bin: '
    done
    run --separate-stderr qcorr coinc -o out.qev garbage.bin
    assert_one_line_error
    [ ! -e out.qev ] || fail "coinc left out.qev behind"
    run --separate-stderr qcorr merge garbage.bin
    assert_one_line_error
    assert_regex "$stderr" '^qcorr: garbage\.bin: not a qpipe partial result'
    run --separate-stderr qcorr hist no-such.qev
    assert_one_line_error
    assert_equal "$stderr" 'qcorr: no-such.qev: No such file or directory'
}

@test "input out of time order: exit 1, the event, and where to sort it" {
    local f=$BATS_FILE_TMPDIR/p.qev
    cat "$f" "$f" >twice.qev
    local sub
    for sub in hist coinc stats; do
        run --separate-stderr qcorr $sub -o out twice.qev
        assert_one_line_error
        assert_equal "$stderr" "qcorr: twice.qev: event 200000 goes back in time; merge time-sorted parts with qcat --merge, or correct channel delays with qcal apply"
        [ ! -e out ] || fail "qcorr $sub left its output behind"
    done
    run --separate-stderr qcorr hist --start-stop twice.qev
    assert_one_line_error
    run --separate-stderr qcorr stats --every 1ms -o out twice.qev
    assert_one_line_error
    [ ! -e out ] || fail "qcorr stats --every left its output behind"
    assert_regex "$stderr" 'qcat --merge, or correct channel delays with qcal apply$'
    # Raw records: the third goes back.
    printf '%s\n' '100 1' '300 2' '200 1' '400 2' | raw16_file back.raw
    qtag-read --format raw16 -o back.qev back.raw
    run --separate-stderr qcorr hist -p 1:2 back.qev
    assert_one_line_error
    assert_equal "$stderr" "qcorr: back.qev: event 2 goes back in time; merge time-sorted parts with qcat --merge, or correct channel delays with qcal apply"
    run --separate-stderr qcorr coinc -o out.qev back.qev
    assert_one_line_error
    assert_regex "$stderr" 'event 2 goes back in time'
    [ ! -e out.qev ] || fail "coinc left out.qev behind"
    # The two time-sorted inputs merged with qcat --merge are accepted.
    qcat --merge -b -o merged.qev "$f" "$f"
    run --separate-stderr qcorr hist -p 1:2 -b 100ps -r 300ps -o out merged.qev
    assert_success
}

@test "partials that do not merge: exit 1 and the reason" {
    local f=$BATS_FILE_TMPDIR/p.qev
    qcorr hist -p 1:2 -b 100ps -r 1ns --partial -o a.part "$f"
    qcorr hist -p 1:2 -b 50ps -r 1ns --partial -o b.part "$f"
    qcorr hist -p 1:3 -b 100ps -r 1ns --partial -o c.part "$f"
    qcorr stats -p 1:2 --partial -o s.part "$f"
    run --separate-stderr qcorr merge a.part b.part
    assert_one_line_error
    assert_regex "$stderr" '^qcorr: b\.part: entry bin_ps differs .*only results of the same settings merge'
    run --separate-stderr qcorr merge a.part c.part
    assert_one_line_error
    assert_regex "$stderr" 'entry pairs differs'
    run --separate-stderr qcorr merge a.part s.part
    assert_one_line_error
    # A damaged partial: a line cut short, and a bin missing.
    head -c 60 a.part >cut.part
    run --separate-stderr qcorr merge a.part cut.part
    assert_one_line_error
    sed '/^sum counts\.0 /s/ [0-9]*$//' a.part >short.part
    run --separate-stderr qcorr merge short.part
    assert_one_line_error
    assert_regex "$stderr" 'short\.part: the histogram.s counts\.0 does not have 21 bins'
    # Bins so wide that the outer delays leave int64: 10 x 7.46e18 ps.
    sed 's/^same bin_ps 100$/same bin_ps 7458848197692096480/' a.part >wide.part
    run --separate-stderr qcorr merge wide.part
    assert_one_line_error
    assert_regex "$stderr" 'wide\.part: the histogram.s 21 bins of 7458848197692096480 ps reach beyond the picoseconds int64 holds$'
}

# ---- exact counts: the PicoHarp T2 sample ----

@test "realdata: v30_t2.ptu, 0:1, 1:0 and 1:1 in 100 ps bins over +-1 us equal the reference" {
    need_realdata
    need_python
    local d=$BATS_FILE_TMPDIR
    run --separate-stderr qcorr hist -p 0:1 -p 1:0 -p 1:1 -p 0:0 -b 100ps -r 1us -o q.tsv "$d/v30.qev"
    assert_success
    assert_equal "$stderr" ''
    counts_of q.tsv >got
    ref hist "$d/v30.raw" searched 100 10000 0:1 1:0 1:1 0:0 >want
    assert_same_file want got
    # The reference's own numbers: 531477 and 388700 events, and pairs found.
    run awk -F'\t' '{ n[$1] += $3 } END { for (p in n) if (n[p] == 0) print "empty", p }' want
    assert_output ''
    run grep -m1 '^# ' q.tsv
    assert_output --regexp '^# bin 100 ps, 20001 bins, duration [0-9]+ ps$'
}

@test "realdata: 4 ps bins over +-4 ns and 1 ns bins over +-1 us equal the reference" {
    need_realdata
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr hist -p 0:1 -p 1:0 -p 1:1 -b 4ps -r 4ns -o q4.tsv "$d/v30.qev"
    counts_of q4.tsv >got
    ref hist "$d/v30.raw" searched 4 1000 0:1 1:0 1:1 >want
    assert_same_file want got
    qcorr hist -p 0:1 -p 1:0 -p 1:1 -b 1ns -r 1us -o q1.tsv "$d/v30.qev"
    counts_of q1.tsv >got
    ref hist "$d/v30.raw" searched 1000 1000 0:1 1:0 1:1 >want
    assert_same_file want got
}

@test "realdata: a 50 ms slice against the O(n^2) count of every pair" {
    need_realdata
    need_python
    local d=$BATS_FILE_TMPDIR b r K
    for b in 4:4ns:1000 100:1us:10000 1000:1us:1000; do
        IFS=: read -r b r K <<<"$b"
        qcorr hist -p 0:1 -p 1:0 -p 1:1 -p 0:0 -b "${b}ps" -r "$r" -o q.tsv "$d/slice.qev"
        counts_of q.tsv >got
        ref hist "$d/slice.raw" brute "$b" "$K" 0:1 1:0 1:1 0:0 >want
        assert_same_file want got
        # The two references agree.
        ref hist "$d/slice.raw" searched "$b" "$K" 0:1 1:0 1:1 0:0 >want2
        assert_same_file want want2
    done
    [ "$(awk -F'\t' '{ s += $3 } END { print s }' want)" -gt 1000 ] || fail "too few pairs to mean much"
}

@test "realdata: expected, g2 and g2_edge follow N_A N_B b / T, T from the data or --duration" {
    need_realdata
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr hist -p 0:1 -p 1:1 -b 100ps -r 20ns --edge -o q.tsv "$d/v30.qev"
    run ref norm "$d/v30.raw" q.tsv 100 data 0,1
    assert_success
    assert_output --regexp '^802 rows, 0 wrong, T [0-9]+$'
    qcorr hist -p 0:1 -b 1ns -r 1us --edge --duration 10s -o q.tsv "$d/v30.qev"
    run ref norm "$d/v30.raw" q.tsv 1000 1e13 0,1
    assert_success
    assert_output '2001 rows, 0 wrong, T 10000000000000'
    assert_equal "$(grep -m1 '^#' q.tsv)" '# bin 1000 ps, 2001 bins, duration 10000000000000 ps'
}

# ---- exact counts: synthetic streams ----

@test "a Poisson stream: several pairs in one pass, odd and even bins, equal the reference" {
    need_python
    local d=$BATS_FILE_TMPDIR spec b r K
    for spec in 100:1us:10000 1:200ps:200 101:5ns:50 1000:3us:3000; do
        IFS=: read -r b r K <<<"$spec"
        qcorr hist -p 1:2 -p 2:1 -p 3:1 -p 2:2 -p 1:4 -b "${b}ps" -r "$r" -o q.tsv "$d/p.qev"
        counts_of q.tsv >got
        ref hist "$d/p.raw" searched "$b" "$K" 1:2 2:1 3:1 2:2 1:4 >want
        assert_same_file want got
    done
}

@test "singles of each pair, with 2 and with 6 correlated channels, equal counts from qcat's text" {
    need_command jq
    qsim poisson -r 200k -c 6 -n 300000 -o six.qev
    qcat six.qev | awk -F'\t' 'NR > 1 { n[$2]++ } END { for (c in n) print c, n[c] }' | sort -n >want
    [ "$(wc -l <want)" -eq 6 ] || fail "the stream does not have 6 channels: $(cat want)"
    local pairs
    for pairs in "-p 1:2" "-p 1:2 -p 3:4 -p 6:5"; do
        # shellcheck disable=SC2086 # the pairs are separate options
        qcorr hist $pairs -b 1ns -r 10ns --json -o q.json six.qev
        jq -r '.pairs[] | "\(.a) \(.singles_a)", "\(.b) \(.singles_b)"' q.json | sort -n >got
        [ -s got ] || fail "no singles in the JSON"
        [ -z "$(comm -23 got want)" ] || fail "singles differ: $(comm -23 got want)"
    done
}

@test "ties within and across channels, across blocks: equal the O(n^2) and binary-search references" {
    need_python
    local d=$BATS_FILE_TMPDIR spec b r K
    [ -f "$d/small.qev" ] || fail "python3 with numpy is missing"
    for spec in 100:1ns:10 1:300ps:300 250:2ns:8 3:60ps:20 1000:5ns:5; do
        IFS=: read -r b r K <<<"$spec"
        qcorr hist -p 1:2 -p 2:1 -p 1:1 -p 3:3 -p 2:3 -b "${b}ps" -r "$r" -o q.tsv "$d/small.qev"
        counts_of q.tsv >got
        ref hist "$d/small.raw" brute "$b" "$K" 1:2 2:1 1:1 3:3 2:3 >want
        assert_same_file want got
    done
    # Many ties at tau = 0: they are in bin 0, auto-correlation counts both orders.
    [ "$(awk -F'\t' '$1 == "1:1" && $2 == 0 { print $3 }' want)" -gt 20 ] || fail "few ties"
    for spec in 250:2ns:8 100:1ns:10 7:300ps:43; do
        IFS=: read -r b r K <<<"$spec"
        qcorr hist -p 1:2 -p 2:1 -p 1:1 -p 3:2 -b "${b}ps" -r "$r" -o q.tsv "$d/ties.qev"
        counts_of q.tsv >got
        ref hist "$d/ties.raw" searched "$b" "$K" 1:2 2:1 1:1 3:2 >want
        assert_same_file want got
    done
}

@test "K = round(range / bin): the bins, their delays and a pair on each edge" {
    # b = 100: bin k holds 100 k - 50 <= tau < 100 k + 50.
    printf '%s\n' '1000 1' '1150 2' '1350 2' '1449 2' '1450 2' '2850 2' '3000 1' | raw16_file e.raw
    qtag-read --format raw16 -o e.qev e.raw
    qcorr hist -p 1:2 -b 100ps -r 150ps -o q.tsv e.qev
    # 150/100 rounds to K = 2: taus -200 .. 200; tau 150 is bin 2, -150 bin -1.
    run counts_of q.tsv
    assert_output "$(printf '1:2\t%s\n' '-200	0' '-100	1' '0	0' '100	0' '200	1')"
    qcorr hist -p 1:2 -b 100ps -r 149ps -o q.tsv e.qev
    run counts_of q.tsv
    assert_output "$(printf '1:2\t%s\n' '-100	1' '0	0' '100	0')"
    # K = 5: tau 150 is bin 2 (150 < 250), 350 bin 4, 449 bin 4, 450 bin 5,
    # -150 (2850 - 3000) bin -1 (-150 < -50); the others are beyond +-550.
    qcorr hist -p 1:2 -b 100ps -r 500ps -o q.tsv e.qev
    run counts_of q.tsv
    assert_output "$(printf '1:2\t%s\n' '-500	0' '-400	0' '-300	0' '-200	0' '-100	1' \
        '0	0' '100	0' '200	1' '300	0' '400	2' '500	1')"
    # Odd b = 5: bin k holds 5 k - 2 <= tau < 5 k + 3; tau 3 is bin 1, -3 bin -1, -2 bin 0.
    printf '%s\n' '10 1' '13 2' '20 2' '22 1' '30 1' '33 2' | raw16_file o.raw
    qtag-read --format raw16 -o o.qev o.raw
    qcorr hist -p 1:2 -b 5ps -r 5ps -o q.tsv o.qev
    # pairs: 10->13 (3), 10->20 (10), 10->33, 22->13 (-9), 22->20 (-2), 22->33 (11),
    # 30->13, 30->20 (-10), 30->33 (3): in range -7..7: 3, -2, 3
    run counts_of q.tsv
    assert_output "$(printf '1:2\t%s\n' '-5	0' '0	1' '5	2')"
}

@test "--start-stop: the first B after each A, a new A replacing an open start" {
    need_python
    # A at 0, A at 100 replaces it, B at 250 closes: tau 150. B at 300: no
    # start. A at 1000 and B at 1000 (A first in the stream): tau 0. B at 1000
    # again: no start. A at 2000, B at 2600: beyond +500, no count, start closed;
    # B at 2700: nothing. A at 3000, A at 3400, B at 3450: tau 50.
    printf '%s\n' '0 1' '100 1' '250 2' '300 2' '1000 1' '1000 2' '1000 2' '2000 1' \
        '2600 2' '2700 2' '3000 1' '3400 1' '3450 2' | raw16_file s.raw
    qtag-read --format raw16 -o s.qev s.raw
    qcorr hist -p 1:2 --start-stop -b 50ps -r 500ps -o q.tsv s.qev
    run awk -F'\t' '$3 != 0 { print $2, $3 }' <(counts_of q.tsv)
    assert_output "$(printf '%s\n' '0 1' '50 1' '150 1')"
    # Against the reference on streams with and without ties.
    local d=$BATS_FILE_TMPDIR
    qcorr hist -p 1:2 -p 2:1 -p 3:1 --start-stop -b 100ps -r 2us -o q.tsv "$d/p.qev"
    counts_of q.tsv >got
    ref hist "$d/p.raw" startstop 100 20000 1:2 2:1 3:1 >want
    assert_same_file want got
    qcorr hist -p 1:2 -p 2:3 --start-stop -b 250ps -r 5ns -o q.tsv "$d/ties.qev"
    counts_of q.tsv >got
    ref hist "$d/ties.raw" startstop 250 20 1:2 2:3 >want
    assert_same_file want got
    # Only non-negative delays, and fewer pairs than all-pairs.
    [ "$(awk -F'\t' '$2 < 0 { s += $3 } END { print s + 0 }' want)" -eq 0 ]
}

@test "normalisation on a Poisson stream: T spans only the correlated channels" {
    need_python
    local d=$BATS_FILE_TMPDIR
    # Channel 3 is not correlated: it does not count in T.
    qcorr hist -p 1:2 -p 2:1 -b 1ns -r 100ns --edge -o q.tsv "$d/p.qev"
    run ref norm "$d/p.raw" q.tsv 1000 data 1,2
    assert_success
    assert_output --regexp '^402 rows, 0 wrong, T [0-9]+$'
    local T=${output##* }
    assert_equal "$(grep -m1 '^#' q.tsv)" "# bin 1000 ps, 201 bins, duration $T ps"
    # A Poisson stream's g2 is about 1: the mean over 201 bins within 3 %.
    run awk -F'\t' '$1 == "1:2" { s += $5; n++ } END { printf "%d\n", (s / n > 0.97 && s / n < 1.03) }' q.tsv
    assert_output 1
}

@test "--json: counts, singles, expected per bin and g2 of every pair" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr hist -p 1:2 -p 3:3 -b 50ps -r 2ns --json -o q.json "$d/p.qev"
    ref hist "$d/p.raw" searched 50 40 1:2 3:3 >want
    run ref json q.json want 50 40
    assert_success
    assert_output 'ok 2'
    # The same numbers as the TSV.
    qcorr hist -p 1:2 -p 3:3 -b 50ps -r 2ns -o q.tsv "$d/p.qev"
    counts_of q.tsv >got
    assert_same_file want got
}

@test "--svg: a plot with axes, units, a legend and the peak marked" {
    local d=$BATS_FILE_TMPDIR
    # A peak: channel 2 repeats channel 1 3 ns later.
    qcat -C 1 "$d/p.qev" | awk -F'\t' 'NR > 1 { printf "%.0f 1\n%.0f 2\n", $1, $1 + 3000 }' |
        sort -n -k1,1 | raw16_file peak.raw
    qtag-read --format raw16 -o peak.qev peak.raw
    run --separate-stderr qcorr hist -p 1:2 -b 100ps -r 10ns --svg peak.qev
    assert_success
    printf '%s\n' "$output" >q.svg
    run python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse("q.svg").getroot()
assert root.tag.endswith("svg"), root.tag
texts = [t.text or "" for t in root.iter() if t.tag.endswith("text")]
for want in ("delay (ns)", "g2", "1:2"):
    assert want in texts, (want, texts)
peak = [t for t in texts if t.startswith("peak")]
print(peak[0].split(" at ")[1])'
    assert_success
    assert_output '3'
}

@test "an empty stream and a missing channel: zero counts, g2 not a number" {
    local d=$BATS_FILE_TMPDIR
    qcat --from 10s -b -o empty.qev "$d/p.qev"
    run --separate-stderr qcorr hist -p 1:2 -b 1ns -r 2ns empty.qev
    assert_success
    assert_output "$(printf '%s\n' '# bin 1000 ps, 5 bins, duration 0 ps' 'pair	tau_ps	counts	expected	g2' \
        '1:2	-2000	0	0	nan' '1:2	-1000	0	0	nan' '1:2	0	0	0	nan' '1:2	1000	0	0	nan' \
        '1:2	2000	0	0	nan')"
    run --separate-stderr qcorr hist -p 1:9 -b 1ns -r 1ns "$d/p.qev"
    assert_success
    assert_line --index 3 --regexp $'^1:9\t0\t0\t0\tnan$'
}

@test "a bin width that is not a multiple of the stream's resolution warns of combs" {
    qsim poisson -r 1M,1M -n 2e4 --resolution 4ps -o r4.qev
    run --separate-stderr qcorr hist -p 1:2 -b 10ps -r 1ns r4.qev
    assert_success
    assert_equal "$stderr" "qcorr: r4.qev: bin width 10 ps is not a multiple of the stream's resolution (4 ps): expect comb artefacts"
    run --separate-stderr qcorr hist -p 1:2 -b 12ps -r 1ns r4.qev
    assert_success
    assert_equal "$stderr" ''
}

@test "memory stays bounded by the events inside one range" {
    need_command /usr/bin/time time
    qsim poisson -r 5M,5M -n 4e6 -o long.qev
    run --separate-stderr /usr/bin/time -f %M qcorr hist -p 1:2 -p 2:2 -b 10ps -r 1us -o /dev/null long.qev
    assert_success
    [ "${stderr_lines[-1]}" -lt 65536 ] || fail "max RSS ${stderr_lines[-1]} KiB"
}

# ---- shards and merges ----

# Cuts stream $1 at the times (ps) given after $3, each shard running $2 ps
# past its end, runs `qcorr hist "${QOPTS[@]}" --own FROM:TO --partial` on
# each, and writes the merge (with "${MOPTS[@]}") to $3.
merge_shards() {
    local f=$1 over=$2 out=$3
    shift 3
    local cuts=("$@") parts=() i
    for ((i = 0; i + 1 < ${#cuts[@]}; i++)); do
        local from=${cuts[i]} to=${cuts[i + 1]}
        qcat --from "${from}ps" --to "$((to + over))ps" -b -o "shard$i.qev" "$f"
        qcorr hist "${QOPTS[@]}" --own "${from}ps:${to}ps" --partial -o "part$i" "shard$i.qev"
        parts+=("part$i")
    done
    qcorr merge "${MOPTS[@]}" "${parts[@]}" >"$out"
}

@test "merge: 1, 2, 3 and 8 shards overlapping by range + bin give the single run, byte for byte" {
    local d=$BATS_FILE_TMPDIR
    local ms=1000000000
    QOPTS=(-p 1:2 -p 2:1 -p 3:3 -b 100ps -r 1us)
    for MOPTS in "--edge" "--json"; do
        qcorr hist "${QOPTS[@]}" $MOPTS -o whole "$d/p.qev"
        MOPTS=($MOPTS)
        merge_shards "$d/p.qev" 1000100 m1 0 $((1000 * ms))
        assert_same_file whole m1
        merge_shards "$d/p.qev" 1000100 m2 0 $((28 * ms + 123457)) $((1000 * ms))
        assert_same_file whole m2
        merge_shards "$d/p.qev" 1000100 m3 0 $((17 * ms)) $((40 * ms + 1)) $((1000 * ms))
        assert_same_file whole m3
        # 8 shards; the last two hold no events (the stream ends near 57 ms).
        merge_shards "$d/p.qev" 1000100 m8 0 $((9 * ms)) $((18 * ms)) $((27 * ms)) $((36 * ms)) \
            $((45 * ms)) $((54 * ms)) $((63 * ms)) $((1000 * ms))
        assert_same_file whole m8
        [ "$(qcat -c shard7.qev)" -eq 0 ] || fail "shard 7 is not empty"
    done
    # The merge does not depend on the order of the partials.
    qcorr merge part7 part3 part0 part5 part1 part6 part2 part4 >m8r
    qcorr merge part0 part1 part2 part3 part4 part5 part6 part7 >m8s
    assert_same_file m8s m8r
}

@test "merge: ties on the shard boundaries, start-stop, and a gap of no events" {
    need_python
    local d=$BATS_FILE_TMPDIR
    # Cut at multiples of the 250 ps grid: events sit on the boundaries.
    QOPTS=(-p 1:2 -p 2:2 -p 3:1 -b 250ps -r 2ns)
    MOPTS=()
    qcorr hist "${QOPTS[@]}" -o whole "$d/ties.qev"
    merge_shards "$d/ties.qev" 2250 m3 0 40000000 40000250 1000000000
    assert_same_file whole m3
    merge_shards "$d/ties.qev" 2250 m8 0 5000 10000000 10000250 50000000 70000000 70001000 \
        100000000 1000000000
    assert_same_file whole m8
    QOPTS=(-p 1:2 -p 2:1 --start-stop -b 100ps -r 5ns)
    qcorr hist "${QOPTS[@]}" -o whole "$d/ties.qev"
    merge_shards "$d/ties.qev" 5100 m3 0 33000000 66000250 1000000000
    assert_same_file whole m3
    QOPTS=(-p 1:2 -p 2:1 --start-stop -b 100ps -r 100ns)
    qcorr hist "${QOPTS[@]}" -o whole "$d/p.qev"
    merge_shards "$d/p.qev" 100100 m3 0 20000000000 20000000001 1000000000000
    assert_same_file whole m3
}

@test "merge: pairs at the far edges of the outer bins, with the overlap --help gives" {
    # qcorr --help: shards "overlap by the range plus one bin". b = 100, range
    # 1 ns: bins reach from -1050 to +1049 ps. Shard 0 owns [0, 1 us); its last
    # events pair with events 1049 and 1050 ps later.
    qcorr --help | grep -q 'overlap by the range plus$' || fail "--help no longer says range plus one bin"
    printf '%s\n' '999998 1' '999999 2' '1001047 2' '1001049 1' '2000000 1' | raw16_file edge.raw
    qtag-read --format raw16 -o edge.qev edge.raw
    QOPTS=(-p 1:2 -b 100ps -r 1ns)
    MOPTS=()
    qcorr hist "${QOPTS[@]}" -o whole edge.qev
    run awk -F'\t' '$3 != 0 { print $2, $3 }' <(counts_of whole)
    assert_output "$(printf '%s\n' '-1000 1' '0 2' '1000 1')"
    merge_shards edge.qev 1100 m2 0 1000000 5000000
    assert_same_file whole m2
    # The exact reach, K b + floor(b/2) = 1050 ps, is enough.
    merge_shards edge.qev 1050 m2 0 1000000 5000000
    assert_same_file whole m2
}

@test "a qcat --shard cut with less overlap than the histogram reaches is refused" {
    # b = 100 ps, range 1 ns: the reach is K b + floor(b/2) = 1050 ps
    printf '%s\n' '999998 1' '999999 2' '1001047 2' '1001049 1' '2000000 1' | raw16_file edge.raw
    qtag-read --format raw16 -o edge.qev edge.raw
    qcat --shard 1/2 --overlap 1049ps -o short.qev edge.qev
    run --separate-stderr qcorr hist -p 1:2 -b 100ps -r 1ns --partial -o part short.qev
    assert_failure 1
    assert_equal "$stderr" "qcorr: short.qev: the shard overlaps the next by 1049 ps, less than the 1050 ps the correlation reaches: cut it with qcat --shard --overlap 1050ps"
    [ ! -e part ]
    qcat --shard 1/2 --overlap 1050ps -o enough.qev edge.qev
    run --separate-stderr qcorr hist -p 1:2 -b 100ps -r 1ns --partial -o part enough.qev
    assert_success
    # the last shard has no next one to reach into
    qcat --shard 2/2 --overlap 1ps -o last.qev edge.qev
    run --separate-stderr qcorr hist -p 1:2 -b 100ps -r 1ns --partial -o part last.qev
    assert_success
}
