load helpers

# qcorr stats: coincidences, accidentals, CAR and heralding; merges of stats
# partials; qsim streams with known truth (docs/conventions.md section 2, qcorr(1)).
#
# Definitions: for herald A and signal B, tau = t_B - t_A, the window of full
# width w at delay d takes |tau - d| <= h, h = floor(w/2) (both ends), which
# covers w_eff = 2h + 1 ps of delays at 1 ps resolution. C counts the pairs in
# it. Accidentals: singles N_A N_B w_eff / T (T = last - first event of the two
# channels); off-peak, the pairs with |tau - d| >= |D|/2 + h within the
# histogram's reach, per ps of delay, times w_eff; delayed, the pairs with
# |tau - d - D| <= h. CAR = (C - A)/A, eta_B = (C - A)/(N_A - dark_A T),
# eta_A = (C - A)/(N_B - dark_B T); sigma_CAR = sqrt(C/A^2 + (C sigma_A/A^2)^2),
# sigma_eta = sqrt(N' eta (1 - eta) + A + sigma_A^2 + eta^2 dark T)/N' with
# N' = N - dark T (binomial, lib/corr/heralding.h).
#
# References: a stream worked out by hand; exact counts by ref.py (numpy,
# independent of the C code) on python-written streams whose truth (pairs born
# and detected) is known; and qsim's --truth.

# ---- helpers ----

write_ref() {
    cat >"$1" <<'EOF'
"""Coincidence statistics from the definitions in qcorr(1), over 16-byte raw
records, and streams of known truth."""
import json
import math
import sys

import numpy as np

REC = np.dtype([("t", "<i8"), ("ch", "<u2"), ("kind", "u1"), ("flags", "u1"), ("aux", "<u4")])


def pairs_in(ta, tb, lo, hi):
    """Pairs (a, b) with lo <= t_b - t_a <= hi."""
    return int((np.searchsorted(tb, ta + hi, "right") - np.searchsorted(tb, ta + lo, "left")).sum())


def stream(args):
    """stream FILE SEED T_S MU EFF_A EFF_B D_PS SIGMA_PS BG_A BG_B: pairs born at
    MU per second, detected on channel 1 with EFF_A and on channel 2 with EFF_B,
    channel 2 D_PS later with a Gaussian jitter; Poisson backgrounds. Prints
    the truth as JSON."""
    rng = np.random.default_rng(int(args[1]))
    T = int(float(args[2]) * 1e12)
    mu, ea, eb, d, sig, bga, bgb = (float(x) for x in args[3:10])
    born = rng.integers(0, T, rng.poisson(mu * T * 1e-12))
    in_a, in_b = rng.random(len(born)) < ea, rng.random(len(born)) < eb
    pa = born[in_a]
    pb = born[in_b] + int(d) + np.round(rng.normal(0, sig, int(in_b.sum()))).astype(np.int64)
    t1 = np.concatenate([pa, rng.integers(0, T, rng.poisson(bga * T * 1e-12))])
    t2 = np.concatenate([pb, rng.integers(0, T, rng.poisson(bgb * T * 1e-12))])
    t = np.concatenate([t1, t2])
    ch = np.concatenate([np.full(len(t1), 1), np.full(len(t2), 2)])
    order = np.argsort(t, kind="stable")
    a = np.zeros(len(t), dtype=REC)
    a["t"], a["ch"] = t[order], ch[order]
    a.tofile(args[0])
    print(json.dumps({"both": int((in_a & in_b).sum()), "pairs_a": int(in_a.sum()),
                      "pairs_b": int(in_b.sum()), "n_a": len(t1), "n_b": len(t2),
                      "T_ps": int(t.max() - t.min()), "bg_a": bga, "bg_b": bgb}))


def exact(args):
    """exact FILE A B D W DACC DARK_A DARK_B ESTIMATE: every number of qcorr
    stats --json, from the events and the formulas of qcorr(1)."""
    ev = np.fromfile(args[0], dtype=REC)
    a, b, d, w, D = (int(x) for x in args[1:6])
    dark_a, dark_b, use = float(args[6]), float(args[7]), args[8]
    ta, tb = ev["t"][ev["ch"] == a], ev["t"][ev["ch"] == b]
    both = ev["t"][np.isin(ev["ch"], [a, b])]
    T = float(both.max() - both.min())
    na, nb, h = len(ta), len(tb), w // 2
    reach = max(abs(d), abs(d + D)) + abs(D) + 2 * h + 1
    weff = 2 * h + 1
    C = pairs_in(ta, tb, d - h, d + h)
    t0 = abs(D) // 2 + h
    side = pairs_in(ta, tb, -reach, d - t0) + pairs_in(ta, tb, d + t0, reach)
    delays = max(0, d - t0 + reach + 1) + max(0, reach - d - t0 + 1)
    acc = {"singles": na * nb * weff / T, "offpeak": side / delays * weff,
           "delayed": pairs_in(ta, tb, d + D - h, d + D + h)}
    sig = {"singles": acc["singles"] * math.sqrt(1 / na + 1 / nb),
           "offpeak": math.sqrt(side) / delays * weff, "delayed": math.sqrt(acc["delayed"])}
    A, sA, Ts = acc[use], sig[use], T * 1e-12
    out = {"a": a, "b": b, "delay_ps": d, "duration_s": Ts, "rate_a_hz": na / Ts,
           "sigma_rate_a_hz": math.sqrt(na) / Ts, "rate_b_hz": nb / Ts,
           "sigma_rate_b_hz": math.sqrt(nb) / Ts, "coincidences": C,
           "coincidence_rate_hz": C / Ts}
    for k in ("singles", "offpeak", "delayed"):
        out["accidentals_" + k] = acc[k]
        out["sigma_accidentals_" + k] = sig[k]
    out["car"] = (C - A) / A
    out["sigma_car"] = math.sqrt(C / A ** 2 + (C * sA / A ** 2) ** 2)
    for name, n, dark in (("b", na, dark_a), ("a", nb, dark_b)):
        heralds = n - dark * Ts
        eta = (C - A) / heralds
        out["heralding_eta_" + name] = eta
        out["sigma_heralding_eta_" + name] = math.sqrt(
            heralds * eta * (1 - eta) + A + sA ** 2 + eta ** 2 * dark * Ts) / heralds
    print(json.dumps(out))


def same(args):
    """same QCORR_JSON EXACT_JSON ESTIMATE: every field within 1e-9."""
    got = json.load(open(args[0]))
    want = json.loads(open(args[1]).read())
    assert got["accidentals_from"] == args[2], got["accidentals_from"]
    p = got["pairs"][0]
    assert set(p) == set(want), set(p) ^ set(want)
    bad = [k for k in want if abs(p[k] - want[k]) > 1e-9 * abs(want[k]) + 1e-12]
    for k in bad:
        print(k, p[k], want[k])
    print("ok" if not bad else "bad")


if __name__ == "__main__":
    {"stream": stream, "exact": exact, "same": same}[sys.argv[1]](sys.argv[2:])
EOF
}

npy() {
    [ -n "$NPY" ] || fail "python3 with numpy is missing: make deps-test installs it"
    "$NPY" "$@"
}

assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(diff "$1" "$2" | head -n 10)"
}

# A field of the truth JSON $1 (a python expression on d).
truth() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

setup_file() {
    NPY=$(find_python numpy) || NPY=
    export NPY
    local d=$BATS_FILE_TMPDIR
    write_ref "$d/ref.py"
    if [ -n "$NPY" ]; then
        # 0.5 s: pairs at 100 kHz, efficiencies 0.5 and 0.4, channel 2 3 ns
        # later with sd 40 ps; backgrounds 100 and 150 kHz.
        "$NPY" "$d/ref.py" stream "$d/c.raw" 7 0.5 100e3 0.5 0.4 3000 40 100e3 150e3 >"$d/c.truth"
        qtag-read --format raw16 -o "$d/c.qev" "$d/c.raw"
    fi
}

# ---- by hand ----

@test "a stream worked out by hand: the numbers of the text and JSON forms" {
    # Pairs (A, B): tau 500 and -500 (the window's two ends), 501 (outside),
    # 20000 and 20500 (the delayed window's centre and end). T = 1 us.
    printf '%s\n' '0 1' '500 2' '99500 2' '100000 1' '200000 1' '200501 2' '300000 1' \
        '320000 2' '400000 1' '420500 2' '1000000 1' | raw16_file h.raw
    qtag-read --format raw16 -o h.qev h.raw
    run --separate-stderr qcorr stats -p 1:2 -w 1ns h.qev
    assert_success
    assert_equal "$stderr" ''
    # N_A 6, N_B 5, C 2; singles 6 5 1001 / 1e6 = 0.03003; off-peak: 2 pairs
    # over 2 x 30502 ps of delays (10500 <= |tau| <= 41001) x 1001; delayed 2.
    assert_line --index 1 '  window                   1000 ps full width at delay 0 ps (covers 1001 ps of delays)'
    assert_line --index 2 '  duration                 1e-06 s'
    assert_line --index 3 '  singles rate A           6e+06 +- 2.4e+06 /s'
    assert_line --index 5 '  coincidences             2 (2e+06 /s)'
    assert_line --index 6 '  accidentals, singles     0.03003 +- 0.018'
    assert_line --index 7 '  accidentals, off-peak    0.0328175 +- 0.023'
    assert_line --index 8 '  accidentals, delayed     2 +- 1.4 (window at +20000 ps)'
    # CAR (2 - 0.03003)/0.03003 = 65.6001; eta_B 1.96997/6, eta_A 1.96997/5;
    # sigma_eta^2 = (1.96997 (N - 1.96997)/N + 0.03003 + 0.018183^2)/N^2:
    # 0.1939 for N = 6, 0.2213 for N = 5.
    assert_line --index 9 '  CAR                      65.6001 +- 62 ((C - A)/A, A from singles)'
    assert_line --index 10 '  heralding eta_B          0.328328 +- 0.19 ((C - A)/(N_A - dark_A T))'
    assert_line --index 11 '  heralding eta_A          0.393994 +- 0.22 ((C - A)/(N_B - dark_B T))'
    # A dark rate of 1 MHz on A removes 1 herald in 1 us: eta_B 1.96997/5.
    run --separate-stderr qcorr stats -p 1:2 --dark 1:1MHz --json h.qev
    assert_success
    run python3 -c 'import json, sys; p = json.loads(sys.argv[1])["pairs"][0]; print(round(p["heralding_eta_b"], 9), round(p["heralding_eta_a"], 9))' "$output"
    assert_output '0.393994 0.393994'
    # The delayed estimate as A: CAR (2 - 2)/2 = 0.
    run --separate-stderr qcorr stats -p 1:2 --accidentals delayed h.qev
    assert_line --index 9 --partial 'CAR                      0 +- '
    assert_line --index 9 --partial 'A from delayed'
    # The window's ends move with the delay: at d = 500 ps, tau 0..1000.
    run --separate-stderr qcorr stats -p 1:2 -d 2:500ps h.qev
    assert_line --index 1 '  window                   1000 ps full width at delay 500 ps (covers 1001 ps of delays)'
    assert_line --index 5 '  coincidences             2 (2e+06 /s)'
}

@test "the window's delays at the stream's resolution: 1 ns at 4 ps covers 1004 ps" {
    qsim poisson -r 1M,1M -n 1e4 --resolution 4ps -o r4.qev
    run --separate-stderr qcorr stats -p 1:2 -w 1ns r4.qev
    assert_success
    assert_line --index 1 '  window                   1000 ps full width at delay 0 ps (covers 1004 ps of delays)'
    run --separate-stderr qcorr stats -p 1:2 -w 998ps -d 2:2ps r4.qev
    # |tau - 2| <= 499: multiples of 4 from -496 to 500, 250 of them.
    assert_line --index 1 '  window                   998 ps full width at delay 2 ps (covers 1000 ps of delays)'
}

# ---- exact counts and truth ----

@test "JSON numbers equal the formulas on exact counts, for each choice of A" {
    need_python
    local d=$BATS_FILE_TMPDIR use
    for use in singles offpeak delayed; do
        qcorr stats -p 1:2 -d 2:3ns --accidentals $use --json -o got.json "$d/c.qev"
        ref exact "$d/c.raw" 1 2 3000 1000 20000 0 0 $use >want.json
        run ref same got.json want.json $use
        assert_success
        assert_output 'ok'
    done
    qcorr stats -p 1:2 -d 2:3ns -w 700ps --accidental-delay 50ns --dark 1:100k --dark 2:150k \
        --json -o got.json "$d/c.qev"
    ref exact "$d/c.raw" 1 2 3000 700 50000 100e3 150e3 singles >want.json
    run ref same got.json want.json singles
    assert_output 'ok'
    # Delays on both channels: d = delay_B - delay_A; a negative accidental delay.
    qcorr stats -p 1:2 -d 1:1ns -d 2:4ns --accidental-delay=-30ns --json -o got.json "$d/c.qev"
    ref exact "$d/c.raw" 1 2 3000 1000 -30000 0 0 singles >want.json
    run ref same got.json want.json singles
    assert_output 'ok'
}

@test "against the truth: C = pairs + accidentals, three accidental estimates agree (5 sigma)" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr stats -p 1:2 -d 2:3ns --json -o s.json "$d/c.qev"
    run npy -c '
import json, math, sys
p = json.load(open("s.json"))["pairs"][0]
t = json.load(open(sys.argv[1]))
A = t["n_a"] * t["n_b"] * 1001 / t["T_ps"]
out = []
# The coincidences beyond the pairs detected on both sides are accidentals.
out.append(abs(p["coincidences"] - t["both"] - A) <= 5 * math.sqrt(A))
for k in ("singles", "offpeak", "delayed"):
    out.append(abs(p["accidentals_" + k] - A) <= 5 * max(p["sigma_accidentals_" + k], 1e-9))
out.append(A > 10 and t["both"] > 5000)
print(*out)' "$d/c.truth"
    assert_success
    assert_output 'True True True True True'
}

@test "against the truth: CAR and Klyshko efficiencies, with and without dark counts (3 sigma)" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr stats -p 1:2 -d 2:3ns --json -o s.json "$d/c.qev"
    qcorr stats -p 1:2 -d 2:3ns --dark 1:100k --dark 2:150k --json -o dark.json "$d/c.qev"
    run npy -c '
import json, math, sys
p = json.load(open("s.json"))["pairs"][0]
q = json.load(open("dark.json"))["pairs"][0]
t = json.load(open(sys.argv[1]))
T = p["duration_s"]
A = t["n_a"] * t["n_b"] * 1001 / t["T_ps"]
def near(x, want, sigma, k=3):
    return abs(x - want) <= k * sigma
out = [near(p["car"], t["both"] / A, p["sigma_car"]),
       # Klyshko without background subtraction: the pairs seen on both over N_A.
       near(p["heralding_eta_b"], t["both"] / t["n_a"], p["sigma_heralding_eta_b"]),
       near(p["heralding_eta_a"], t["both"] / t["n_b"], p["sigma_heralding_eta_a"])]
# With the background rates as dark counts: the efficiency of each arm among
# its partners heralded. The subtracted dark counts are an expectation; the
# tool sigma holds their Poisson spread.
for eta, sig, both, pairs in (("heralding_eta_b", "sigma_heralding_eta_b", t["both"], t["pairs_a"]),
                              ("heralding_eta_a", "sigma_heralding_eta_a", t["both"], t["pairs_b"])):
    want = both / pairs
    out.append(near(q[eta], want, q[sig]))
print(*out)' "$d/c.truth"
    assert_success
    assert_output 'True True True True True'
}

# ---- time series ----

@test "--every: the rows' singles and coincidences add up to the whole run" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr stats -p 1:2 -d 2:3ns --json -o whole.json "$d/c.qev"
    run --separate-stderr qcorr stats -p 1:2 -d 2:3ns --every 50ms "$d/c.qev"
    assert_success
    assert_line --index 0 "$(printf 'start_ps\tend_ps\tpair\trate_a_hz\trate_b_hz\tcoincidences\taccidentals\tcar\tsigma_car\theralding_eta_b')"
    printf '%s\n' "$output" >rows.tsv
    run npy -c '
import json
p = json.load(open("whole.json"))["pairs"][0]
rows = [l.split("\t") for l in open("rows.tsv").read().splitlines()[1:]]
na = sum(float(r[3]) * (int(r[1]) - int(r[0])) * 1e-12 for r in rows)
nb = sum(float(r[4]) * (int(r[1]) - int(r[0])) * 1e-12 for r in rows)
c = sum(int(r[5]) for r in rows)
# Intervals follow one another on the 50 ms grid.
grid = all(int(r[0]) % 50000000000 == 0 for r in rows) and all(
    int(a[1]) == int(b[0]) for a, b in zip(rows, rows[1:]))
T = p["duration_s"]
print(len(rows), round(na), round(p["rate_a_hz"] * T), round(nb), round(p["rate_b_hz"] * T),
      c == p["coincidences"], grid)'
    assert_success
    local n_a n_b
    n_a=$(truth "$d/c.truth" 'd["n_a"]')
    n_b=$(truth "$d/c.truth" 'd["n_b"]')
    assert_output "10 $n_a $n_a $n_b $n_b True True"
}

@test "--every: a pair across an interval boundary counts in the interval of its earlier event" {
    # Pairs at 5 ms (tau 300), 9.9999999 ms / 10.0000001 ms (tau 200, across
    # the 10 ms boundary) and 15 ms (a tie). The whole run counts 3.
    printf '%s\n' '5000000000 1' '5000000300 2' '9999999900 1' '10000000100 2' \
        '15000000000 2' '15000000000 1' | raw16_file b.raw
    qtag-read --format raw16 -o b.qev b.raw
    run --separate-stderr qcorr stats -p 1:2 b.qev
    assert_line --index 5 '  coincidences             3 (300 /s)'
    run --separate-stderr qcorr stats -p 1:2 --every 10ms b.qev
    assert_success
    run awk -F'\t' 'NR > 1 { print $1, $6 }' <<<"$output"
    assert_output "$(printf '%s\n' '0 2' '10000000000 1')"
}

# ---- output forms ----

@test "--json parses and --prom is valid Prometheus text with the same numbers" {
    need_python
    local d=$BATS_FILE_TMPDIR
    qcorr stats -p 1:2 -p 2:1 -d 2:3ns --json -o s.json "$d/c.qev"
    run --separate-stderr qcorr stats -p 1:2 -p 2:1 -d 2:3ns --prom "$d/c.qev"
    assert_success
    assert_equal "$stderr" ''
    printf '%s\n' "$output" >prom.txt
    local sample='^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? ([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|NaN|[-+]Inf)$'
    local comment='^# (HELP qpipe_[a-z_]+ .+|TYPE qpipe_[a-z_]+ (counter|gauge|histogram|summary|untyped))$'
    run grep -Ev -e "$sample" -e "$comment" prom.txt
    assert_failure 1
    if command -v promtool >/dev/null; then
        run promtool check metrics <prom.txt
        assert_success
    fi
    # The JSON's numbers, pair by pair.
    run python3 -c '
import json, re
doc = json.load(open("s.json"))
prom = {}
for line in open("prom.txt"):
    m = re.match(r"(qpipe_\w+)\{source=\"[^\"]*\",herald=\"(\d+)\",signal=\"(\d+)\"\} (\S+)$", line)
    if m:
        prom[(m[1], int(m[2]), int(m[3]))] = float(m[4])
names = {"qpipe_herald_rate_hertz": "rate_a_hz", "qpipe_signal_rate_hertz": "rate_b_hz",
         "qpipe_coincidences_total": "coincidences", "qpipe_coincidence_rate_hertz": "coincidence_rate_hz",
         "qpipe_accidentals": "accidentals_singles", "qpipe_car_ratio": "car",
         "qpipe_heralding_efficiency_ratio": "heralding_eta_b",
         "qpipe_heralding_efficiency_reverse_ratio": "heralding_eta_a"}
bad = 0
for p in doc["pairs"]:
    for m, k in names.items():
        bad += abs(prom[(m, p["a"], p["b"])] - p[k]) > 1e-12 * abs(p[k])
print(len(prom), bad)'
    assert_output '16 0'
}

# ---- shards ----

@test "stats partials of shards overlapping by the reach merge to the single run" {
    need_python
    local d=$BATS_FILE_TMPDIR
    # Reach: max(|d|, |d + D|) + |D| + w + 1 = 23000 + 20000 + 1001 ps.
    local over=44001 opts=(-p 1:2 -p 2:1 -d 2:3ns)
    qcorr stats "${opts[@]}" --partial -o whole.part "$d/c.qev"
    assert_equal "$(grep '^same half_bins ' whole.part)" 'same half_bins 44001'
    local form
    for form in text json offpeak; do
        local run_opts=() merge_opts=()
        [ $form = json ] && merge_opts=(--json)
        [ $form = offpeak ] && run_opts=(--accidentals offpeak)
        qcorr stats "${opts[@]}" "${run_opts[@]}" "${merge_opts[@]}" -o whole "$d/c.qev"
        local cuts=(0 100000000000 100000000001 250000000000 400000000000 2000000000000 5000000000000)
        local parts=() i
        for ((i = 0; i + 1 < ${#cuts[@]}; i++)); do
            qcat --from "${cuts[i]}ps" --to "$((cuts[i + 1] + over))ps" -b -o s$i.qev "$d/c.qev"
            qcorr stats "${opts[@]}" "${run_opts[@]}" --own "${cuts[i]}ps:${cuts[i + 1]}ps" \
                --partial -o p$i s$i.qev
            parts+=(p$i)
        done
        qcorr merge "${merge_opts[@]}" "${parts[@]}" >merged
        assert_same_file whole merged
        [ "$(qcat -c s5.qev)" -eq 0 ] || fail "the last shard should hold no events"
    done
    # --json and --prom after the merge; --prom names the source "merged".
    run --separate-stderr qcorr merge --prom "${parts[@]}"
    assert_success
    assert_line --partial 'qpipe_car_ratio{source="merged",herald="1",signal="2"} '
}

# ---- qsim spdc, thermal, coherent, emitter ----

@test "qsim spdc over 10 seeds: CAR, accidentals and heralding match --truth (3 sigma)" {
    need_python
    qsim spdc --help >/dev/null || fail "qsim spdc is not available"
    local seed
    for seed in 1 2 3 4 5 6 7 8 9 10; do
        qsim spdc -r 200k --det 1:eff=0.5,dark=100k,jitter=30ps \
            --det 2:eff=0.4,dark=150k,jitter=40ps,delay=3ns -d 0.2s -s $seed \
            --truth t$seed.json -o s$seed.qev
        qcorr stats -p 1:2 -d 2:3ns --dark 1:100k --dark 2:150k --json -o q$seed.json s$seed.qev
    done
    run npy -c '
import json, math
bad = []
for seed in range(1, 11):
    t = json.load(open(f"t{seed}.json"))
    p = json.load(open(f"q{seed}.json"))["pairs"][0]
    T = t["duration_ps"] * 1e-12
    ch1, ch2 = t["channels"]["1"], t["channels"]["2"]
    # The truth window is 1000 ps; the tool counts 1001 ps of delays.
    A = t["accidental_hz"] * T * 1001 / t["window_ps"]
    C = t["coincidence_hz"] * T
    checks = {
        "car": (p["car"], C / A, p["sigma_car"]),
        "acc_singles": (p["accidentals_singles"], A, p["sigma_accidentals_singles"]),
        "acc_offpeak": (p["accidentals_offpeak"], A, p["sigma_accidentals_offpeak"]),
        "acc_delayed": (p["accidentals_delayed"], A, p["sigma_accidentals_delayed"]),
        # eta_B: coincidences over heralds net of dark counts; the tool
        # sigma holds the Poisson spread of the dark counts (see above).
        "eta_b": (p["heralding_eta_b"], t["coincidence_hz"] / (ch1["singles_hz"] - ch1["dark_hz"]),
                  p["sigma_heralding_eta_b"]),
        "eta_a": (p["heralding_eta_a"], t["coincidence_hz"] / (ch2["singles_hz"] - ch2["dark_hz"]),
                  p["sigma_heralding_eta_a"]),
    }
    for name, (got, want, sigma) in checks.items():
        if abs(got - want) > 3 * sigma:
            bad.append(f"seed {seed} {name}: {got} vs {want} +- {sigma}")
print(len(bad))
print(*bad, sep="\n")'
    assert_success
    assert_output '0'
}

@test "qsim spdc: the peak sits at the simulated delay, its width is the simulated jitter" {
    need_python
    qsim spdc -r 200k --det 1:eff=0.5,dark=20k,jitter=30ps \
        --det 2:eff=0.4,dark=20k,jitter=40ps,delay=3ns -d 0.5s -s 3 --truth t.json -o s.qev
    qcorr hist -p 1:2 -b 1ps -r 3500ps --json -o h.json s.qev
    run npy -c '
import json, math
import numpy as np
t = json.load(open("t.json"))
h = json.load(open("h.json"))
p = h["pairs"][0]
tau = h["first_tau_ps"] + np.arange(h["bins"])
c = np.array(p["counts"], dtype=float)
d, s = t["peak_delay_ps"], t["peak_sigma_ps"]
near = np.abs(tau - d) <= 6 * s
n = c[near].sum() - p["expected_per_bin"] * near.sum()
mean = (tau[near] * c[near]).sum() / c[near].sum()
sd = math.sqrt(((tau[near] - mean) ** 2 * c[near]).sum() / c[near].sum())
print(abs(mean - d) <= 3 * s / math.sqrt(n), abs(sd - s) <= 3 * s / math.sqrt(2 * n), n > 10000)'
    assert_success
    assert_output 'True True True'
}

@test "g2(0) of thermal, coherent and single-emitter light: about 2, 1 and 0, as --truth says" {
    need_python
    qsim thermal -r 10M -d 0.4s --truth th.json -o th.qev
    qsim coherent -r 10M -d 0.4s --truth co.json -o co.qev
    qsim emitter -d 0.1s --truth em.json -o em.qev
    local s
    for s in th co em; do
        qcorr hist -p 1:2 -b 200ps -r 200ps -o $s.tsv $s.qev
    done
    run npy -c '
import json, math
import numpy as np
out = []
for s in ("th", "co", "em"):
    g = json.load(open(s + ".json"))["g2"]
    row = [l.split("\t") for l in open(s + ".tsv") if l.startswith("1:2\t0\t")][0]
    c, e = int(row[2]), float(row[3])
    # The truth g2(tau) = 1 + (g2_0 - 1) exp(-rate |tau|), averaged over bin 0
    # (-100 <= tau < 100 ps).
    tau = np.arange(-100, 100) * 1e-12
    g2 = 1 + (g["g2_0"] - 1) * np.exp(-g["rate_hz"] * np.abs(tau)).mean()
    out.append((c - g2 * e) ** 2 <= 25 * max(g2 * e, 1))
    lo, hi = {"th": (1.8, 2.05), "co": (0.9, 1.1), "em": (0, 0.05)}[s]
    out.append(lo <= float(row[4]) <= hi)
print(*out)'
    assert_success
    assert_output 'True True True True True True'
}
