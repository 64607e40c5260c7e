load helpers

# qcorr coinc: coincidence groups as a QEV stream.
#
# The rule (qcorr(1), lib/corr/coinc.h): times are corrected by per-channel delays,
# t' = t - delay[ch] (with --delayed D every channel but the herald is also
# moved D later); in corrected-time order (ties in input order), a group starts
# at the earliest unused event and takes every following event with
# 2 (t' - t'_first) <= window, both ends included. It is kept when it spans at
# least --min-fold channels; otherwise only its first event is dropped and the
# search goes on from the next one. Each event is used once. Kept groups are
# written with their photons (corrected times, the group flag on the first) or,
# with --collapse CH, as one event on CH whose value is the fold, at the first,
# last or mean (rounded down) time of the group. The closing metadata counts
# events in = grouped + dropped + ignored.
#
# Expected outputs are written out by hand for small streams, and computed by
# ref.py below (the rule in python, independent of the C code) for random
# ones. Input streams are 16-byte raw records written by python.

# ---- helpers ----

write_ref() {
    cat >"$1" <<'EOF'
"""Coincidence groups by the rule of qcorr(1), over 16-byte raw records."""
import sys

import numpy as np

REC = np.dtype([("t", "<i8"), ("ch", "<u2"), ("kind", "u1"), ("flags", "u1"), ("aux", "<u4")])
GROUP, VALUE = 8, 4


def groups(ev, window, min_fold, delay, part, collapse, when):
    ev = list(zip(*(ev[f].tolist() for f in ("t", "ch", "kind", "flags", "aux"))))
    sel = sorted((t - delay.get(ch, 0), i) for i, (t, ch, *_) in enumerate(ev) if ch in part)
    out, k = [], {"in": len(ev), "ignored": len(ev) - len(sel), "grouped": 0, "dropped": 0,
                  "groups": 0}
    i = 0
    while i < len(sel):
        m = 1
        while i + m < len(sel) and 2 * (sel[i + m][0] - sel[i][0]) <= window:
            m += 1
        g = sel[i:i + m]
        fold = len({ev[j][1] for _, j in g})
        if fold < min_fold:
            k["dropped"] += 1
            i += 1
            continue
        k["groups"] += 1
        k["grouped"] += m
        ts = [t for t, _ in g]
        if collapse is not None:
            t = {"first": ts[0], "last": ts[-1], "mean": sum(ts) // m}[when]
            out.append((t, collapse, 0, VALUE, fold))
        else:
            for n, (t, j) in enumerate(g):
                _, ch, kind, flags, aux = ev[j]
                flags = (flags & ~GROUP) | (GROUP if n == 0 else 0)
                out.append((t, ch, kind, flags, aux))
        i += m
    return out, k


def coinc(args):
    """coinc FILE WINDOW MIN_FOLD CHANNELS|photons DELAYS|- DELAYED [COLLAPSE WHEN]:
    the expected records, one per line, then the closing counts."""
    ev = np.fromfile(args[0], dtype=REC)
    window, min_fold, delayed = int(args[1]), int(args[2]), int(args[5])
    if args[3] == "photons":
        others = int((ev["kind"] != 0).sum())   # read, counted as ignored
        ev = ev[ev["kind"] == 0]
        part = set(range(65536))
    else:
        others = 0
        part = {int(c) for c in args[3].split(",")}
    delay = {} if args[4] == "-" else {int(c): int(v) for c, v in
                                       (d.split(":") for d in args[4].split(","))}
    if delayed:
        herald = min(part)
        for ch in part - {herald}:
            delay[ch] = delay.get(ch, 0) - delayed
    collapse = int(args[6]) if len(args) > 6 else None
    when = args[7] if len(args) > 7 else "first"
    out, k = groups(ev, window, min_fold, delay, part, collapse, when)
    for r in out:
        print(*r, sep="\t")
    print(f"coincidence_events_in={k['in'] + others}")
    print(f"coincidence_events_ignored={k['ignored'] + others}")
    print(f"coincidence_events_grouped={k['grouped']}")
    print(f"coincidence_events_dropped={k['dropped']}")
    print(f"coincidence_groups={k['groups']}")


def records(args):
    """records FILE: raw records as lines."""
    ev = np.fromfile(args[0], dtype=REC)
    for r in zip(*(ev[f].tolist() for f in ("t", "ch", "kind", "flags", "aux"))):
        print(*r, sep="\t")


def random_stream(args):
    """random FILE N SEED: channels 1 to 3 (some events tied within and across
    channels) plus markers on channel 9; channel 2 repeats channel 1 with a
    delay of 5 ns and a jitter of 300 ps (sd), so groups form under delays."""
    n, rng = int(args[1]), np.random.default_rng(int(args[2]))
    t1 = 10 ** 6 + np.sort(rng.integers(0, 200 * n, n)) // 50 * 50
    t2 = t1[rng.random(n) < 0.6]
    t2 = t2 + 5000 + np.round(rng.normal(0, 300, len(t2))).astype(np.int64)
    t3 = 10 ** 6 + rng.integers(0, 200 * n, n // 2) // 50 * 50
    t9 = 10 ** 6 + rng.integers(0, 200 * n, n // 20)
    t = np.concatenate([t1, t2, t3, t9])
    ch = np.concatenate([np.full(len(t1), 1), np.full(len(t2), 2), np.full(len(t3), 3),
                         np.full(len(t9), 9)])
    a = np.zeros(len(t), dtype=REC)
    order = np.argsort(t, kind="stable")
    a["t"], a["ch"] = t[order], ch[order]
    a["kind"][a["ch"] == 9] = 2  # markers
    px = a["ch"] == 3  # channel 3 carries pixels
    a["flags"][px] = 1
    a["aux"][px] = rng.integers(0, 1 << 32, int(px.sum()), dtype=np.uint64).astype(np.uint32)
    a.tofile(args[0])


def correlated(args):
    """correlated FILE SEED: 1 s of pairs at 20 kHz (channel 2 at +2 ns, sd 50 ps)
    on Poisson backgrounds of 200 kHz (channel 1) and 300 kHz (channel 2)."""
    rng = np.random.default_rng(int(args[1]))
    T = 10 ** 12
    born = rng.integers(0, T, rng.poisson(20000))
    t1 = np.concatenate([born, rng.integers(0, T, rng.poisson(200000))])
    t2 = np.concatenate([born + 2000 + np.round(rng.normal(0, 50, len(born))).astype(np.int64),
                         rng.integers(0, T, rng.poisson(300000))])
    t = np.concatenate([t1, t2])
    ch = np.concatenate([np.full(len(t1), 1), np.full(len(t2), 2)])
    order = np.argsort(t, kind="stable")
    a = np.zeros(len(t), dtype=REC)
    a["t"], a["ch"] = t[order], ch[order]
    a.tofile(args[0])
    print(len(t1), len(t2), int(t.max() - t.min()), len(born))


if __name__ == "__main__":
    {"coinc": coinc, "records": records, "random": random_stream,
     "correlated": correlated}[sys.argv[1]](sys.argv[2:])
EOF
}

# Raw records on stdin to QEV file $1.
qev_of() {
    raw16_file "$1.raw"
    qtag-read --format raw16 -o "$1" "$1.raw"
}

# The records of QEV stream $1 ("time channel kind flags aux"), then its
# closing coincidence counts: the form ref.py coinc prints.
result_of() {
    qcat -O raw -o "$1.raw" "$1"
    ref records "$1.raw"
    qcat -H "$1" | sed -n '/^# closing metadata/,$p' | grep '^coincidence_'
}

assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(diff "$1" "$2" | head -n 10)"
}

# Runs qcorr coinc with the given options on $IN, into out.qev, and checks the
# result against ref.py coinc with $REF_ARGS; the output must be time-sorted.
check_coinc() {
    run --separate-stderr qcorr coinc "$@" -o out.qev "$IN"
    assert_success
    assert_equal "$stderr" ''
    result_of out.qev >got
    ref coinc "$IN.raw" "${REF_ARGS[@]}" >want
    assert_same_file want got
    run qstat --check out.qev
    assert_success
}

setup_file() {
    NPY=$(find_python numpy) || NPY=
    export NPY
    local d=$BATS_FILE_TMPDIR
    write_ref "$d/ref.py"
    if [ -n "$NPY" ]; then
        "$NPY" "$d/ref.py" random "$d/rand.qev.raw" 20000 3
        qtag-read --format raw16 -o "$d/rand.qev" "$d/rand.qev.raw"
        "$NPY" "$d/ref.py" correlated "$d/corr.qev.raw" 4 >"$d/corr.counts"
        qtag-read --format raw16 -o "$d/corr.qev" "$d/corr.qev.raw"
    fi
}

# ---- the grouping rule, by hand ----

@test "groups: a window of 1 ns from the first event, both ends included" {
    need_python
    # 1000/1400 group (1600 is 600 after 1000); 1600, 3000 and 3600 are alone;
    # 5000 and 5001 are one channel (fold 1); 9500 is exactly 500 after 9000.
    printf '%s\n' '1000 1' '1400 2' '1600 3' '3000 1' '3600 2' '5000 2' '5001 2' '9000 1' \
        '9500 2' | qev_of in.qev
    run --separate-stderr qcorr coinc -w 1ns -o out.qev in.qev
    assert_success
    assert_equal "$stderr" ''
    run result_of out.qev
    assert_output "$(printf '%s\n' '1000	1	0	8	0' '1400	2	0	0	0' '9000	1	0	8	0' \
        '9500	2	0	0	0' 'coincidence_events_in=9' 'coincidence_events_ignored=0' \
        'coincidence_events_grouped=4' 'coincidence_events_dropped=5' 'coincidence_groups=2')"
    assert_equal "$(meta_value out.qev fields)" group
    assert_equal "$(meta_value out.qev coincidence_window_ps)" 1000
    assert_equal "$(meta_value out.qev coincidence_min_fold)" 2
    assert_regex "$(meta_value out.qev coincidence_rule)" '2 \(t - t_first\) <= window'
    run qcat out.qev
    assert_output "$(printf '%s\n' 'time_ps	channel	kind	group' '1000	1	photon	1' \
        '1400	2	photon	1' '9000	1	photon	2' '9500	2	photon	2')"
}

@test "groups: odd and zero windows; 2 (t - t_first) <= w exactly" {
    printf '%s\n' '0 1' '500 2' '2000 1' '2501 2' '4000 1' '4000 2' | qev_of in.qev
    local head='time_ps	channel	kind	group'
    local g0='0	1	photon	1
500	2	photon	1' g2='2000	1	photon	2
2501	2	photon	2'
    qcorr coinc -w 1000ps -o out.qev in.qev
    run qcat out.qev
    assert_output "$head
$g0
4000	1	photon	2
4000	2	photon	2"
    qcorr coinc -w 1001ps -o out.qev in.qev
    run qcat out.qev
    assert_output "$head
$g0
4000	1	photon	2
4000	2	photon	2"
    qcorr coinc -w 1002ps -o out.qev in.qev
    run qcat out.qev
    assert_output "$head
$g0
$g2
4000	1	photon	3
4000	2	photon	3"
    local w
    for w in 999ps 0ps; do
        qcorr coinc -w $w -o out.qev in.qev
        run qcat out.qev
        assert_output "$head
4000	1	photon	1
4000	2	photon	1"
    done
}

@test "groups: a failed start drops only its first event; each event is used once" {
    need_python
    # 0 and 400 are one channel, 800 is 800 after 0: 0 is dropped, then 400 and
    # 800 group. 2300 joins 2000, so 2600 starts its own group with 2900.
    printf '%s\n' '0 1' '400 1' '800 2' '2000 1' '2300 2' '2600 1' '2900 2' | qev_of in.qev
    qcorr coinc -w 1ns -o out.qev in.qev
    run result_of out.qev
    assert_output "$(printf '%s\n' '400	1	0	8	0' '800	2	0	0	0' '2000	1	0	8	0' \
        '2300	2	0	0	0' '2600	1	0	8	0' '2900	2	0	0	0' 'coincidence_events_in=7' \
        'coincidence_events_ignored=0' 'coincidence_events_grouped=6' \
        'coincidence_events_dropped=1' 'coincidence_groups=3')"
}

@test "--min-fold 3: n-fold groups, fold by channels, and their collapsed value" {
    need_python
    # 0..300: four events on three channels; 2000/2100 two channels only;
    # 5000, 5200, 5400 on 1, 1, 2: two channels.
    printf '%s\n' '0 1' '100 2' '200 3' '300 1' '2000 1' '2100 2' '5000 1' '5200 1' \
        '5400 2' | qev_of in.qev
    qcorr coinc -w 1ns --min-fold 3 -o out.qev in.qev
    run result_of out.qev
    assert_output "$(printf '%s\n' '0	1	0	8	0' '100	2	0	0	0' '200	3	0	0	0' \
        '300	1	0	0	0' 'coincidence_events_in=9' 'coincidence_events_ignored=0' \
        'coincidence_events_grouped=4' 'coincidence_events_dropped=5' 'coincidence_groups=1')"
    qcorr coinc -w 1ns --collapse 7 -o out.qev in.qev
    run qcat out.qev
    # At the default --min-fold 2: 0..300 (three channels, value 3), 2000/2100,
    # and 5000/5200/5400 (channels 1 and 2).
    assert_output "$(printf '%s\n' 'time_ps	channel	kind	value' '0	7	photon	3' \
        '2000	7	photon	2' '5000	7	photon	2')"
    assert_equal "$(meta_value out.qev fields)" value
}

@test "--collapse --group-time first, last and mean (rounded down)" {
    printf '%s\n' '1000 1' '1003 2' '1400 3' '3000 2' '3001 1' | qev_of in.qev
    local when want
    for when in first:1000:3000 last:1400:3001 mean:1134:3000; do
        IFS=: read -r when a b <<<"$when"
        qcorr coinc -w 1ns --collapse 5 --group-time "$when" -o out.qev in.qev
        run qcat out.qev
        assert_output "$(printf 'time_ps\tchannel\tkind\tvalue\n%s\t5\tphoton\t3\n%s\t5\tphoton\t2\n' "$a" "$b")"
    done
}

@test "--collapse --group-time mean rounds down on negative times too" {
    # Delays move the group to -900 and -899 ps: the mean -899.5 rounds down to
    # -900 (toward the first event), as it does for 1000.5 -> 1000.
    printf '%s\n' '100 1' '101 2' '2000 1' '2001 2' | qev_of in.qev
    qcorr coinc -w 1ns -d 1:1000ps -d 2:1000ps --collapse 5 --group-time mean -o out.qev in.qev
    run qcat out.qev
    assert_output "$(printf '%s\n' 'time_ps	channel	kind	value' '-900	5	photon	2' \
        '1000	5	photon	2')"
}

@test "delays: corrected times, and order restored when a delay exceeds the gaps" {
    # Channel 2 arrives 10 ns after its partner on channel 1, channel 3 5 ns
    # before it; the partners are 1 ns apart, so the delays reorder the stream.
    local i
    for ((i = 0; i < 40; i++)); do
        echo "$((i * 1000 + 10000)) 1"
        echo "$((i * 1000 + 10000 + 10000 + (i % 3) * 100)) 2"
        echo "$((i * 1000 + 10000 - 5000 - 200)) 3"
    done | sort -n -k1,1 | qev_of in.qev
    run --separate-stderr qcorr coinc -w 1ns -d 2:10ns -d 3:-5ns -o out.qev in.qev
    assert_success
    run qstat --check out.qev
    assert_success
    # Forty groups of three, at corrected times i ns + 10 ns - 200 ps, + 0, + (i%3) 100.
    run qcat -H out.qev
    assert_line 'coincidence_groups=40'
    assert_line 'coincidence_events_grouped=120'
    run awk -F'\t' 'NR > 1 && $2 == 3 { print $1 }' <(qcat out.qev)
    assert_line --index 0 9800
    assert_line --index 39 48800
    run awk -F'\t' 'NR > 1 && $2 == 2 { print $1 }' <(qcat out.qev)
    assert_line --index 2 12200
}

# ---- random streams against ref.py ----

@test "random stream with ties, delays and pixels: the groups and counts of the reference" {
    need_python
    IN=$BATS_FILE_TMPDIR/rand.qev
    REF_ARGS=(1000 2 photons - 0)
    check_coinc -w 1ns
    REF_ARGS=(1000 2 photons 2:5000 0)
    check_coinc -w 1ns -d 2:5ns
    REF_ARGS=(700 2 photons 2:5000,3:-1500,1:-20 0)
    check_coinc -w 700ps -d 2:5ns -d 3:-1.5ns -d 1:-20ps
    REF_ARGS=(3001 3 photons 2:5000 0)
    check_coinc -w 3001ps --min-fold 3 -d 2:5ns
    REF_ARGS=(1000 2 1,2 2:5000 0)
    check_coinc -w 1ns -C 1,2 -d 2:5ns
    REF_ARGS=(0 2 photons - 0)
    check_coinc -w 0ps
    # Most gaps exceed 50 ps: long runs of lone events, broken by ignored ones.
    REF_ARGS=(100 2 1,3 - 0)
    check_coinc -w 100ps -C 1,3
    local when
    for when in first last mean; do
        REF_ARGS=(1500 2 1,2,3 2:5000 0 4 "$when")
        check_coinc -w 1500ps -C 1-3 -d 2:5ns --collapse 4 --group-time "$when"
    done
    # The pixels of channel 3 are kept.
    assert_equal "$(meta_value out.qev fields)" value
    qcorr coinc -w 1ns -o px.qev "$IN"
    assert_equal "$(meta_value px.qev fields)" pixel,group
    [ "$(qcat -C 3 px.qev | awk -F'\t' 'NR == 1 { print $4, $5 } NR > 1 && $4 != "-" { n++ } END { print (n > 100) }')" = "x y
1" ] || fail "pixels were not kept: $(qcat -C 3 px.qev | head -3)"
}

@test "markers and syncs are not photons: left out unless --channels names them" {
    need_python
    IN=$BATS_FILE_TMPDIR/rand.qev
    # The stream has markers on channel 9; without -C they are read and ignored.
    qcorr coinc -w 1ns -o out.qev "$IN"
    local markers photons
    markers=$(qcat -k marker -c "$IN")
    photons=$(qcat -k photon -c "$IN")
    [ "$markers" -gt 100 ]
    assert_equal "$(meta_value out.qev coincidence_events_in)" "$((markers + photons))"
    assert_equal "$(meta_value out.qev coincidence_events_ignored)" "$markers"
    assert_equal "$(qcat -k marker -c out.qev)" 0
    # With -C 1,2 the others are read and ignored.
    qcorr coinc -w 1ns -C 1,2 -o out.qev "$IN"
    assert_equal "$(meta_value out.qev coincidence_events_in)" "$((markers + photons))"
    assert_equal "$(meta_value out.qev coincidence_events_ignored)" \
        "$(qcat -C 3,9 -c "$IN")"
}

@test "closing counts: events in = grouped + dropped + ignored" {
    need_python
    IN=$BATS_FILE_TMPDIR/rand.qev
    local opts
    for opts in "-w 1ns" "-w 2ns --min-fold 3 -C 1-3" "-w 500ps -C 2,3 -d 2:5ns"; do
        qcorr coinc $opts -o out.qev "$IN"
        local in ig gr dr groups
        in=$(meta_value out.qev coincidence_events_in)
        ig=$(meta_value out.qev coincidence_events_ignored)
        gr=$(meta_value out.qev coincidence_events_grouped)
        dr=$(meta_value out.qev coincidence_events_dropped)
        groups=$(meta_value out.qev coincidence_groups)
        [ "$in" -eq $((gr + dr + ig)) ] || fail "$opts: $in != $gr + $dr + $ig"
        assert_equal "$(qcat -c out.qev)" "$gr"
        assert_equal "$(qcat out.qev | awk -F'\t' 'NR > 1 { print $NF }' | sort -un | wc -l)" "$groups"
    done
}

@test "--delayed: the accidentals stream, N_A N_B w / T within 5 sigma" {
    need_python
    # Every channel but the herald (the lowest of -C) moves 20 ns later.
    IN=$BATS_FILE_TMPDIR/rand.qev
    REF_ARGS=(1000 2 1,2,3 2:5000 20000)
    check_coinc -w 1ns -C 3,1,2 -d 2:5ns --delayed 20ns
    assert_equal "$(meta_value out.qev coincidence_delayed_ps)" 20000
    REF_ARGS=(1000 2 2,3 - -7000)
    check_coinc -w 1ns -C 2,3 --delayed=-7ns
    # The pairs of the correlated stream sit at +2 ns. The plain search finds
    # them; the delayed one only accidentals.
    IN=$BATS_FILE_TMPDIR/corr.qev
    local na nb T born
    read -r na nb T born <"$BATS_FILE_TMPDIR/corr.counts"
    qcorr coinc -w 1ns -C 1,2 -d 2:2ns -o out.qev "$IN"
    local true_groups
    true_groups=$(meta_value out.qev coincidence_groups)
    qcorr coinc -w 1ns -C 1,2 -d 2:2ns --delayed 20ns -o out.qev "$IN"
    local acc
    acc=$(meta_value out.qev coincidence_groups)
    # Groups of a window w from their first event: accidentals N_A N_B (w + 1) / T
    # (the first may be either channel, each covering w/2 + 1 ps of delays).
    # The plain search: every born pair, plus about as many accidentals.
    run awk -v a="$acc" -v na="$na" -v nb="$nb" -v T="$T" -v c="$true_groups" -v born="$born" 'BEGIN {
        e = na * nb * 1001 / T
        printf "%d %d %d\n", (e > 30), ((a - e)^2 <= 25 * e), ((c - born - e)^2 <= 25 * e) }'
    assert_output '1 1 1'
}

@test "an empty stream: no groups, counts zero" {
    printf '' | qev_of in.qev
    run --separate-stderr qcorr coinc -w 1ns -o out.qev in.qev
    assert_success
    assert_equal "$(qcat -c out.qev)" 0
    assert_equal "$(meta_value out.qev coincidence_events_in)" 0
    assert_equal "$(meta_value out.qev coincidence_groups)" 0
}

@test "--cal: delays from a calibration file, rounded to ps; --delay overrides; applied once" {
    need_python
    IN=$BATS_FILE_TMPDIR/rand.qev
    printf '%s\n' 'qpipe-calibration 1' 'delay.reference = 1' 'delay.2 = 5000.4 ps +- 0.3 ps' \
        'delay.3 = -1.4996 ns +- 0.2 ps' >run.cal
    REF_ARGS=(1000 2 photons 2:5000,3:-1500 0)
    check_coinc -w 1ns --cal run.cal
    REF_ARGS=(1000 2 photons 2:4000,3:-1500 0)
    check_coinc -w 1ns --cal run.cal -d 2:4ns
    # stats takes d = delay_B - delay_A from it.
    run --separate-stderr qcorr stats -p 3:2 --cal run.cal --json "$IN"
    assert_success
    assert_output --partial '"delay_ps":6500,'
    # A stream that qcal apply corrected with the same file is refused.
    qcal apply run.cal "$IN" -o applied.qev
    rm -f out.qev
    run --separate-stderr qcorr coinc --cal run.cal -o out.qev applied.qev
    assert_failure 1
    assert_equal "$stderr" "qcorr: applied.qev: qcal apply applied run.cal to this stream already; drop --cal"
    [ ! -e out.qev ] || fail "out.qev was left behind"
    printf '%s\n' 'qpipe-calibration 1' 'delay.2 = soon' >bad.cal
    run --separate-stderr qcorr coinc --cal bad.cal -o out.qev "$IN"
    assert_failure 1
    assert_regex "$stderr" '^qcorr: .*delay\.2 = soon is not a delay'
}
