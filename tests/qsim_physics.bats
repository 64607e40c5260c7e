load helpers

# qsim's physical setups against theory. Every expectation is worked out
# here from the model's parameters; counts are compared with a tolerance of
# 5 standard deviations of counting statistics (a false alarm about once in
# 1.7 million runs; the seeds are fixed, so runs are reproducible).
# Events are read back with qcat and counted by small helpers in python.

setup_file() {
    cat >"$BATS_FILE_TMPDIR/phys.py" <<'EOF'
import bisect, json, math, struct, sys

def load(path):
    """Per channel sorted times; pixels and values by channel too."""
    times, aux = {}, {}
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            c = line.rstrip("\n").split("\t")
            ch = int(c[1])
            times.setdefault(ch, []).append(int(c[0]))
            aux.setdefault(ch, []).append(tuple(c[3:]))
    return times, aux

def pairs(a, b, lo, hi):
    """All pairs with lo <= tb - ta <= hi, as a list of (ta, tb - ta)."""
    out = []
    for ta in a:
        i = bisect.bisect_left(b, ta + lo)
        while i < len(b) and b[i] - ta <= hi:
            out.append((ta, b[i] - ta))
            i += 1
    return out

def auto_pairs(a, lo, hi):
    out = []
    for i, ta in enumerate(a):
        j = bisect.bisect_left(a, ta + lo, i + 1)
        while j < len(a) and a[j] - ta <= hi:
            out.append(a[j] - ta)
            j += 1
    return out

def read_pfm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\n", 3)
    w, h = map(int, parts[1].split())
    px = struct.unpack("<%df" % (w * h), parts[3][: 4 * w * h])
    rows = [px[r * w:(r + 1) * w] for r in range(h)]
    return w, h, [v for row in reversed(rows) for v in row]

def main():
    cmd, path = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    t, aux = load(path)
    if cmd == "count":
        print(len(t.get(int(args[0]), [])))
    elif cmd == "pairs":
        a, b = t.get(int(args[0]), []), t.get(int(args[1]), [])
        print(len(pairs(a, b, int(args[2]), int(args[3]))))
    elif cmd == "delays":
        p = pairs(t[int(args[0])], t[int(args[1])], int(args[2]), int(args[3]))
        d = [x for _, x in p]
        m = sum(d) / len(d)
        sd = math.sqrt(sum((x - m) ** 2 for x in d) / (len(d) - 1))
        print(len(d), m, sd)
    elif cmd == "auto":
        d = auto_pairs(t[int(args[0])], int(args[1]), int(args[2]))
        n = len(d)
        print(n, sum(d) / n if n else 0)
    elif cmd == "slope":
        # least squares, refitted on the pairs near the line: the window
        # also catches a few unrelated clicks
        p = pairs(t[int(args[0])], t[int(args[1])], int(args[2]), int(args[3]))
        for cut in (None, 1e6, 3e5, 1e5, 3e4, 1e4, 3e3, 1e3, 300):
            if cut:
                p = [(x, y) for x, y in p if abs(y - (a + b * x)) <= cut]
            n = len(p)
            mx = sum(x for x, _ in p) / n
            my = sum(y for _, y in p) / n
            sxx = sum((x - mx) ** 2 for x, _ in p)
            sxy = sum((x - mx) * (y - my) for x, y in p)
            b = sxy / sxx
            a = my - b * mx
        print(n, repr(b), repr(a))
    elif cmd == "pulses":
        period, ch = float(args[0]), int(args[1])
        per = {}
        for x in t.get(ch, []):
            k = round(x / period)
            per[k] = per.get(k, 0) + 1
        far = max(abs(x - round(x / period) * period) for x in t[ch])
        print(sum(1 for v in per.values() if v >= 1), sum(1 for v in per.values() if v >= 2), far)
    elif cmd == "ghost":
        # coincidences: array clicks (channel 2) with a bucket click (1) at the same time
        bucket = set(t.get(1, []))
        w, h, obj = read_pfm(args[0])
        img = [0] * (w * h)
        for x, (px, py) in zip(t.get(2, []), [a[:2] for a in aux.get(2, [])]):
            if x in bucket:
                img[int(py) * w + int(px)] += 1
        n = len(img)
        mi, mo = sum(img) / n, sum(obj) / n
        cov = sum((a - mi) * (b - mo) for a, b in zip(img, obj))
        vi = sum((a - mi) ** 2 for a in img)
        vo = sum((b - mo) ** 2 for b in obj)
        r = cov / math.sqrt(vi * vo)
        # Theory: C_j ~ Poisson(k O_j), k from the total; r^2 = V / (V + M)
        k = sum(img) / sum(obj)
        lam = [k * b for b in obj]
        M = sum(lam) / n
        V = sum((l - M) ** 2 for l in lam) / n
        print(sum(img), r, math.sqrt(V / (V + M)))
    elif cmd == "spi":
        # bucket counts between markers against flux * exposure * eff * <P_m, O> / N
        w, h, obj = read_pfm(args[0])
        flux, exposure, eff = float(args[1]), float(args[2]), float(args[3])
        n = w
        H = [[1]]
        while len(H) < n:
            H = [r + r for r in H] + [r + [-v for v in r] for r in H]
        markers = t[0]
        counts = [0] * len(markers)
        for x in t.get(1, []):
            counts[bisect.bisect_right(markers, x) - 1] += 1
        worst = 0
        for m, c in enumerate(counts):
            k, part = divmod(m, 2)
            u, v = divmod(k, n)
            s = 0.0
            for y in range(n):
                for x in range(n):
                    p = H[u][y] * H[v][x]
                    on = (p > 0) if part == 0 else (p < 0)
                    s += obj[y * n + x] if on else 0
            lam = flux * exposure * eff * s / (n * n)
            z = abs(c - lam) / math.sqrt(lam) if lam > 0 else (0 if c == 0 else 99)
            worst = max(worst, z)
        print(len(markers), worst)

main()
EOF
}

# ---- helpers ----

phys() { python3 "$BATS_FILE_TMPDIR/phys.py" "$@"; }

# Succeeds when |$1 - $2| <= 5 sqrt($3, default $2); says so otherwise.
within_5_sigma() {
    awk -v got="$1" -v m="$2" -v var="${3:-$2}" -v what="${4:-count}" 'BEGIN {
        d = got - m; if (d < 0) d = -d
        if (d <= 5 * sqrt(var)) exit 0
        printf "%s %s is more than 5 sigma (%g) from %s\n", what, got, sqrt(var), m > "/dev/stderr"; exit 1 }'
}

# Succeeds when |$1 - $2| <= $3.
within() {
    awk -v got="$1" -v want="$2" -v tol="$3" -v what="${4:-value}" 'BEGIN {
        d = got - want; if (d < 0) d = -d
        if (d <= tol) exit 0
        printf "%s %s is not within %s of %s\n", what, got, tol, want > "/dev/stderr"; exit 1 }'
}

# qsim SETUP ARGS... as text into file $1; pins exit 0 and silence.
sim_text() {
    local out=$1
    shift
    run --separate-stderr bash -c 'out=$1; shift; qsim "$@" --text > "$out"' _ "$out" "$@"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

assert_usage_error() {
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "^qsim( [a-z]+)?: "
    assert_regex "$stderr" "Try 'qsim --help'"
}

# ---- contract ----

@test "each setup has its own --help, and the top help lists them" {
    local s
    for s in spdc thermal coherent emitter ghost spi; do
        run --separate-stderr qsim "$s" --help
        assert_success
        assert_line --index 0 "Usage: qsim $s [OPTION]..."
        assert_line --partial '--det=CH:KEY=VAL'
        assert_equal "$stderr" ''
    done
    run --separate-stderr qsim --help
    assert_success
    assert_line --index 0 'Usage: qsim poisson [OPTION]...'
    assert_line --partial 'spdc      photon pairs'
}

@test "options of another setup, bad --det and --tagger specs are usage errors" {
    local args
    for args in "spdc --coherence-time 1ns" "thermal --rep-rate 1M" "coherent --size 8" \
        "spdc --det 3:eff=0.5" "spdc --det 1:eff=1.5" "spdc --det 1:bogus=1" "spdc --det 1:eff" \
        "spdc --det eff=0.5" "spdc --det 1:jitter=5" "spdc --det 1:dead=-1ns" "spdc --tagger 5:res=4ps" \
        "spdc --tagger 2:res=0ps" "spdc --det 1:tagger=9" "thermal --model gauss" "spdc --pairs bose" \
        "spi --size 12" "spi --order sequency" "spi --count 2000 --size 32" "ghost --object nosuch" \
        "spdc -r 0" "emitter --lifetime 0ps" "spi --count 4 --sampling 0.5" "spdc --rep-rate 1M -r 1G"; do
        # shellcheck disable=SC2086
        run --separate-stderr qsim $args -d 1ms
        assert_usage_error
    done
    run --separate-stderr qsim spdc --det 1:bogus=1
    assert_regex "$stderr" "unknown key 'bogus'"
    run --separate-stderr qsim spdc --coherence-time 1ns
    assert_regex "$stderr" "^qsim: --coherence-time does not apply to the spdc setup"
}

# ---- singles, coincidences, accidentals ----

@test "spdc singles: efficiency x pair rate + dark, per channel" {
    # 50 ms at 1 MHz of pairs: N1 = (0.6e6 + 5e3) 0.05 = 30250, N2 = (0.3e6 + 2e4) 0.05 = 16000
    sim_text t.txt spdc -r 1M -d 50ms -s 3 --det 1:eff=0.6,dark=5k --det 2:eff=0.3,dark=20k
    within_5_sigma "$(phys count t.txt 1)" 30250 30250 "channel 1"
    within_5_sigma "$(phys count t.txt 2)" 16000 16000 "channel 2"
}

@test "spdc coincidences: eta_s x eta_i x pair rate, at the delay" {
    # 1 MHz pairs, eta 0.6 and 0.5, 50 ms: 15000 true coincidences at exactly
    # delay2 - delay1 = 700 ps; accidentals in the +-50 ps window are
    # R1 R2 w T = 6e5 * 5e5 * 101e-12 * 0.05 = 1.5.
    sim_text t.txt spdc -r 1M -d 50ms -s 5 --det 1:eff=0.6,delay=300ps --det 2:eff=0.5,delay=1ns
    within_5_sigma "$(phys pairs t.txt 1 2 650 750)" 15001.5 15001.5 coincidences
    # off the delay only accidentals: 6e5 * 5e5 * 1201e-12 * 0.05 = 18
    within_5_sigma "$(phys pairs t.txt 1 2 -600 600)" 18.015 18.015 "pairs off the delay"
}

@test "accidentals: R_A x R_B x window for independent channels" {
    # Coherent light split in two: independent Poisson streams of 2.5 MHz
    # each. A window of [-500 ps, 500 ps] holds 1001 integer delays.
    sim_text t.txt coherent -r 5M -d 20ms -s 7
    local n1 n2 want
    n1=$(phys count t.txt 1)
    n2=$(phys count t.txt 2)
    within_5_sigma "$n1" 50000 50000 "channel 1"
    want=$(awk -v a="$n1" -v b="$n2" 'BEGIN { print a * b * 1001e-12 / 0.02 }')
    within_5_sigma "$(phys pairs t.txt 1 2 -500 500)" "$want" "$want" accidentals
}

@test "dead time counts from the last accepted click: R / (1 + R tau)" {
    # 10 MHz on channel 1 with 50 ns dead time: 1e7 / 1.5 = 6.667e6/s, so
    # 66667 in 10 ms. (Counting from the last arrival instead would give
    # R exp(-R tau) = 60653, 23 sigma away.) Channel 2 has none: 100000.
    sim_text t.txt coherent -r 20M -d 10ms -s 9 --det 1:dead=50ns
    within_5_sigma "$(phys count t.txt 1)" 66666.7 66666.7 "channel 1"
    within_5_sigma "$(phys count t.txt 2)" 100000 100000 "channel 2"
    # no two clicks of channel 1 closer than the dead time
    run --separate-stderr awk -F'\t' 'NR > 1 && $2 == 1 { if (n && $1 - p < 50000) bad++; p = $1; n++ }
        END { print bad + 0 }' t.txt
    assert_output 0
}

@test "coincidence peak: width sqrt(sigma_A^2 + sigma_B^2), centred on the delay" {
    # sigma 30 and 40 ps: 50 ps (plus 1/12 ps^2 of rounding). 200 kHz pairs,
    # 50 ms: 10000 pairs. The sd of the sample sd is sigma / sqrt(2N) = 0.35 ps,
    # the sd of the mean sigma / sqrt(N) = 0.5 ps.
    sim_text t.txt spdc -r 200k -d 50ms -s 11 --det 1:jitter=30ps --det 2:jitter=40ps,delay=1ns
    read -r n mean sd <<<"$(phys delays t.txt 1 2 500 1500)"
    within_5_sigma "$n" 10000 10000 pairs
    within "$mean" 1000 2.5 "peak centre"
    within "$sd" 50.0008 1.8 "peak width"
}

@test "truth JSON: singles, coincidences and accidentals as computed by hand" {
    run --separate-stderr qsim spdc -r 1M -d 1ms --det 1:eff=0.6,dark=5k,dead=50ns,jitter=30ps \
        --det 2:eff=0.3,dark=20k,jitter=40ps --truth-window 2ns --truth tr.json -o /dev/null
    assert_success
    python3 - <<'EOF' || fail "truth does not match"
import json
t = json.load(open("tr.json"))
c = t["channels"]
def near(a, b): return abs(a - b) <= 1e-9 * abs(b)
assert near(c["1"]["singles_hz"], 605000), c["1"]
assert near(c["2"]["singles_hz"], 320000), c["2"]
assert near(c["1"]["recorded_hz"], 605000 / (1 + 605000 * 50e-9)), c["1"]
assert near(t["coincidence_hz"], 180000)
assert near(t["accidental_hz"], 605000 * 320000 * 2e-9)
assert near(t["peak_sigma_ps"], 50)
assert t["window_ps"] == 2000 and t["setup"] == "spdc"
import math
assert near(t["g2"]["g2_0"], 1 + 180000 / (605000 * 320000 * math.sqrt(2 * math.pi) * 50e-12)), t["g2"]
EOF
}

# ---- g2 ----

@test "thermal light: g2(0) about 2, both models" {
    # tau_c = 5 ns, 2 MHz per channel, 100 ms: accidentals in |tau| <= 1 ns
    # are N1 N2 / T * 2 ns; the bunching adds N1 N2 / T * tau_c (1 - e^-0.4).
    local model n1 n2 c0 want flat
    for model in shot jump; do
        sim_text t.txt thermal -r 4M --coherence-time 5ns --model "$model" -d 100ms -s 13
        n1=$(phys count t.txt 1)
        n2=$(phys count t.txt 2)
        c0=$(phys pairs t.txt 1 2 -1000 1000)
        want=$(awk -v a="$n1" -v b="$n2" 'BEGIN { k = a * b / 0.1; print k * 2001e-12 + k * 5e-9 * (1 - exp(-0.4)) }')
        within_5_sigma "$c0" "$want" "$want" "$model: pairs within 1 ns"
        # g2 averaged over the window: (2 ns + 1.648 ns) / 2 ns = 1.82
        flat=$(awk -v a="$n1" -v b="$n2" 'BEGIN { print a * b / 0.1 * 2001e-12 }')
        within "$(awk -v c="$c0" -v f="$flat" 'BEGIN { print c / f }')" 1.824 0.25 "$model: g2 over +-1 ns"
        # far from zero delay the light is uncorrelated: g2 = 1 at 40 ns
        flat=$(awk -v a="$n1" -v b="$n2" 'BEGIN { print a * b / 0.1 * 10001e-12 }')
        within_5_sigma "$(phys pairs t.txt 1 2 40000 50000)" "$flat" "$flat" "$model: pairs at 40-50 ns"
    done
}

@test "coherent light: g2(0) = 1" {
    sim_text t.txt coherent -r 4M -d 100ms -s 15
    local n1 n2 want
    n1=$(phys count t.txt 1)
    n2=$(phys count t.txt 2)
    want=$(awk -v a="$n1" -v b="$n2" 'BEGIN { print a * b / 0.1 * 2001e-12 }')
    within_5_sigma "$(phys pairs t.txt 1 2 -1000 1000)" "$want" "$want" "pairs within 1 ns"
}

@test "single emitter: g2(0) near 0, 1 - exp(-|tau| (r + 1/T1))" {
    # r = 20 MHz, T1 = 5 ns: k = 2.2e8/s. In |tau| <= 1 ns the pairs are
    # N1 N2 / T * (2 ns - (2/k)(1 - exp(-k 1 ns))) = 0.1025 of the accidentals.
    sim_text t.txt emitter --pump-rate 20M --lifetime 5ns -d 20ms -s 17
    local n1 n2 want flat c0
    n1=$(phys count t.txt 1)
    n2=$(phys count t.txt 2)
    # emission rate 1 / (50 ns + 5 ns) = 18.18 MHz, half on each side: 181818 in 20 ms
    # (a renewal process, more regular than Poisson: 5 sqrt(N) is generous)
    within_5_sigma "$n1" 181818 181818 "channel 1"
    want=$(awk -v a="$n1" -v b="$n2" 'BEGIN { k = 2.2e8; print a * b / 0.02 * (2001e-12 - 2 / k * (1 - exp(-k * 1e-9))) }')
    c0=$(phys pairs t.txt 1 2 -1000 1000)
    within_5_sigma "$c0" "$want" "$want" "pairs within 1 ns"
    flat=$(awk -v a="$n1" -v b="$n2" 'BEGIN { print a * b / 0.02 * 2001e-12 }')
    within "$(awk -v c="$c0" -v f="$flat" 'BEGIN { print c / f }')" 0.1026 0.05 "g2 over +-1 ns"
}

# ---- afterpulses, quantisation, drift ----

@test "afterpulses: a bump at their delay, of area p / (1 - p) of the clicks" {
    # All light to channel 1 (split 1): 100 kHz, 100 ms. Afterpulses with
    # p = 0.05 at 200 ns +- 5 ns; every click may afterpulse, so a fraction p
    # of all clicks are afterpulses, and each pairs with its parent. Within
    # 190-210 ns (2 sigma: 0.9545 of them) add the flat N^2/T * 20 ns.
    sim_text t.txt coherent -r 100k --split 1 -d 100ms -s 19 --det 1:dead=20ns,ap=0.05,apdelay=200ns,apwidth=5ns
    local n ap want got mean
    n=$(phys count t.txt 1)
    within_5_sigma "$n" 10526.3 10526.3 "clicks (primaries / (1 - p))"
    want=$(awk -v n="$n" 'BEGIN { print n * 0.05 * 0.9545 + n * n / 0.1 * 20001e-12 }')
    read -r got mean <<<"$(phys auto t.txt 1 190000 210000)"
    within_5_sigma "$got" "$want" "$want" "pairs at 190-210 ns"
    within "$mean" 200000 1200 "bump centre"
    # without afterpulses: only the flat part
    sim_text u.txt coherent -r 100k --split 1 -d 100ms -s 19 --det 1:dead=20ns
    n=$(phys count u.txt 1)
    want=$(awk -v n="$n" 'BEGIN { print n * n / 0.1 * 20001e-12 }')
    read -r got mean <<<"$(phys auto u.txt 1 190000 210000)"
    within_5_sigma "$got" "$want" "$want" "pairs at 190-210 ns without afterpulses"
}

@test "tagger quantum: every time a multiple of it, per tagger" {
    sim_text t.txt spdc -r 1M -d 5ms -s 21 --det all:jitter=100ps --det 2:tagger=2 --resolution 16ps --tagger 2:res=81ps
    run --separate-stderr awk -F'\t' 'NR > 1 && (($2 == 1 && $1 % 16) || ($2 == 2 && $1 % 81)) { bad++ }
        NR > 1 && $1 < p { back++ } NR > 1 { p = $1 } END { print bad + 0, back + 0 }' t.txt
    assert_output '0 0'
    run --separate-stderr bash -c 'set -o pipefail; qsim spdc -d 1ms --resolution 16ps --det 2:tagger=2 --tagger 2:res=24ps | qcat -H'
    assert_line 'resolution_ps=8'
    assert_line 'tagger_resolution_ps.2=24'
    # a 1 ns quantum floors every time to a whole ns
    sim_text u.txt spdc -r 100k -d 10ms -s 21 --tagger 1:res=1000ps
    run --separate-stderr awk -F'\t' 'NR > 1 && $1 % 1000 { bad++ } END { print bad + 0 }' u.txt
    assert_output 0
}

@test "second tagger: offset and drift, the slope of the delay" {
    # Tagger 2 runs 20 ppm fast with a 3 us offset: t2 - t1 = 3 us + 2e-5 t1.
    # Pairs come 100 us apart, and are found in [2 us, 8 us] (with a few
    # unrelated clicks, which the fit drops).
    sim_text t.txt spdc -r 10k -d 200ms -s 23 --det 2:tagger=2 --tagger 2:offset=3us,drift=20
    read -r n slope icpt <<<"$(phys slope t.txt 1 2 2000000 8000000)"
    within_5_sigma "$n" 2000 2000 pairs
    within "$slope" 2e-5 1e-10 "drift slope"
    within "$icpt" 3000000 2 "offset (ps)"
    # the merged stream stays in time order
    run --separate-stderr awk -F'\t' 'NR > 2 && $1 < p { back++ } NR > 1 { p = $1 } END { print back + 0 }' t.txt
    assert_output 0
    run --separate-stderr bash -c 'set -o pipefail; qsim spdc -r 10k -d 1ms --det 2:tagger=2 --tagger 2:drift=20 | qcat -H'
    assert_line 'tagger_drift_ppm.2=20'
    assert_line 'det_tagger.2=2'
}

# ---- pulsed SPDC ----

@test "pulsed spdc: pairs inside the pulses, Poisson or thermal per pulse" {
    # 10 MHz pulses, 0.5 pairs per pulse, ideal detectors, 10 ms: 1e5 pulses.
    # Of the pulses with a pair, a share with two or more:
    #   Poisson: (1 - e^-m - m e^-m) / (1 - e^-m) = 0.22925
    #   thermal: m / (1 + m) = 1/3
    local stats p n1 n2 far
    for stats in poisson thermal; do
        sim_text t.txt spdc -r 5M --rep-rate 10M --pulse-width 10ps --pairs "$stats" -d 10ms -s 25
        read -r n1 n2 far <<<"$(phys pulses t.txt 100000 1)"
        p=$([ "$stats" = poisson ] && echo 0.22925 || echo 0.333333)
        # binomial: n1 pulses, each with >= 2 at probability p
        within_5_sigma "$n2" "$(awk -v n="$n1" -v p="$p" 'BEGIN { print n * p }')" \
            "$(awk -v n="$n1" -v p="$p" 'BEGIN { print n * p * (1 - p) }')" "$stats: pulses with 2+"
        # FWHM 10 ps: sigma 4.25 ps, cut at 8 sigma
        [ "${far%.*}" -le 35 ] || fail "a photon $far ps from its pulse"
    done
    run --separate-stderr bash -c 'set -o pipefail; qsim spdc -r 1M --rep-rate 10M --sync -d 1ms --text | awk -F"\t" "\$3 == \"sync\"" | wc -l'
    assert_output 10000
}

# ---- imaging ----

@test "ghost imaging: the coincidence image shows the mask, rising as the square-root law says" {
    # Coincidences per pixel are Poisson with mean k O_j: the correlation with
    # the mask is r = sqrt(V / (V + M)) (V, M the variance and mean of k O_j),
    # which rises towards 1 with the number of pairs. With 1024 pixels the
    # sampling sd of r is about (1 - r^2) / 32.
    local d r rr n prev=0 snr=()
    for d in 20ms 320ms; do
        run --separate-stderr qsim ghost --object discs --size 32x32 -r 100k -d "$d" -s 27 \
            --det all:eff=0.8 --truth tr.json --text -o g.txt
        assert_success
        read -r n r rr <<<"$(phys ghost g.txt tr.pfm)"
        within "$r" "$rr" "$(awk -v r="$rr" 'BEGIN { print 5 * (1 - r * r) / 32 + 0.01 }')" "r at $d"
        awk -v a="$r" -v b="$prev" 'BEGIN { exit !(a > b) }' || fail "r did not rise: $prev then $r"
        prev=$r
        snr+=("$(awk -v r="$r" 'BEGIN { print r / sqrt(1 - r * r) }')")
    done
    # The square-root law: r / sqrt(1 - r^2) = sqrt(V / M) grows as the
    # square root of the pairs, 4 times for 16 times the pairs. Its relative
    # sd here is about 7 %, so 5 sigma is 1.4.
    within "$(awk -v a="${snr[0]}" -v b="${snr[1]}" 'BEGIN { print b / a }')" 4 1.4 "SNR ratio"
    run --separate-stderr bash -c 'set -o pipefail; qsim ghost -d 1ms | qcat -H'
    assert_line 'fields=pixel'
    assert_line 'image_width=32'
}

@test "ghost imaging: hot pixels and crosstalk" {
    # no light to speak of; 3 hot pixels at 100 kHz own the array's clicks
    sim_text t.txt ghost -r 1 -d 10ms -s 29 --hot-pixels 3 --hot-rate 100k
    run --separate-stderr awk -F'\t' 'NR > 1 && $2 == 2 { n[$4 "," $5]++ } END { print length(n) }' t.txt
    assert_output 3
    within_5_sigma "$(phys count t.txt 2)" 3000 3000 "hot clicks"
    # crosstalk 0.2: a fifth of the first clicks fire a neighbour at the same
    # time (edges lose some), and every click may fire again
    sim_text u.txt ghost -r 200k -d 10ms -s 29 --crosstalk 0.2 --object discs
    run --separate-stderr awk -F'\t' 'NR > 1 && $2 == 2 { if ($1 == p) same++; p = $1 } END { print same + 0 }' u.txt
    local n
    n=$(phys count u.txt 2)
    awk -v s="$output" -v n="$n" 'BEGIN { f = s / n; exit !(f > 0.14 && f < 0.2) }' ||
        fail "$output same-time clicks of $n"
}

@test "single-pixel imaging: a marker per measurement, bucket counts as the patterns say" {
    # 8x8 Hadamard, natural order, split: 128 measurements of 50 us at 10 MHz.
    # Expected counts flux * exposure * eff * <P_m, O> / 64, built in python
    # from the Sylvester recursion and the object written with --truth.
    run --separate-stderr qsim spi --size 8 --object discs --exposure 50us --flux 10M -s 31 \
        --det 1:eff=0.5 --truth tr.json --text -o s.txt
    assert_success
    read -r markers worst <<<"$(phys spi s.txt tr.pfm 10e6 50e-6 0.5)"
    assert_equal "$markers" 128
    awk -v z="$worst" 'BEGIN { exit !(z < 5) }' || fail "a measurement is $worst sigma off"
    # markers: kind marker on channel 0, values 0..127 in order, 50 us apart
    run --separate-stderr awk -F'\t' '$3 == "marker" { if ($4 != n || $1 != n * 50000000) bad++; n++ } END { print n, bad + 0 }' s.txt
    assert_output '128 0'
    run --separate-stderr bash -c 'set -o pipefail; qsim spi --size 8 --order zigzag | qcat -H'
    assert_line 'fields=value'
    assert_line 'pattern_order=zigzag'
    assert_line 'measurements=128'
    assert_line 'duration_ps=128000000000'
}

# ---- reproducibility ----

@test "the same seed gives the same bytes, another seed other events, in every setup" {
    local s
    for s in spdc thermal coherent emitter ghost spi; do
        qsim "$s" -d 2ms -s 5 --det all:jitter=20ps,dark=1k,dead=10ns,ap=0.01,apdelay=50ns >a.qev
        qsim "$s" -d 2ms -s 5 --det all:jitter=20ps,dark=1k,dead=10ns,ap=0.01,apdelay=50ns >b.qev
        qsim "$s" -d 2ms -s 6 --det all:jitter=20ps,dark=1k,dead=10ns,ap=0.01,apdelay=50ns >c.qev
        cmp a.qev b.qev
        qcat a.qev | tail -n +2 >a.txt
        qcat c.qev | tail -n +2 >c.txt
        if cmp -s a.txt c.txt; then fail "$s: seeds 5 and 6 gave the same events"; fi
    done
}

@test "-n stops after N events; -d bounds every time" {
    run --separate-stderr bash -c 'set -o pipefail; qsim spdc -r 1M -n 12345 | qcat -c'
    assert_success
    assert_output 12345
    sim_text t.txt spdc -r 1M -d 3ms -s 33 --det all:delay=5ns,jitter=1ns --det 2:tagger=2 --tagger 2:offset=-2us
    run --separate-stderr awk -F'\t' 'NR > 1 && ($1 < 0 || $1 >= 3e9) { bad++ } END { print bad + 0 }' t.txt
    assert_output 0
}

# ---- objects and patterns from files ----

@test "--object FILE: a PGM made byte by byte becomes the transmissions" {
    # 4x2, 8-bit, maxval 200: transmissions value / 200
    python3 - <<'PY'
import struct
vals = [0, 50, 100, 200, 200, 150, 100, 0]
open("obj.pgm", "wb").write(b"P5\n4 2\n200\n" + bytes(vals))
# a PFM (little-endian, rows bottom up) with a value above 1
rows = [[0.5, 1.5], [0.0, 1.0]]
open("bad.pfm", "wb").write(b"Pf\n2 2\n-1.0\n" + b"".join(struct.pack("<2f", *r) for r in reversed(rows)))
PY
    run --separate-stderr qsim ghost --object obj.pgm -d 1ms --truth tr.json -o /dev/null
    assert_success
    python3 - <<'PY' || fail "the object is not the file's"
import json, struct
t = json.load(open("tr.json"))
assert (t["object"]["width"], t["object"]["height"]) == (4, 2), t["object"]
data = open(t["object"]["pfm"], "rb").read().split(b"\n", 3)[3]
px = struct.unpack("<8f", data[:32])
rows = [px[4:], px[:4]]  # bottom row first in the file
want = [0, 0.25, 0.5, 1, 1, 0.75, 0.5, 0]
assert [round(v, 6) for r in rows for v in r] == want, rows
PY
    run --separate-stderr qsim ghost --object bad.pfm -d 1ms -o /dev/null
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qsim: bad\.pfm: transmission value 1\.5 at x 1, y 0 is outside \[0, 1\]$'
    run --separate-stderr qsim ghost --object no/such.pgm -d 1ms -o /dev/null
    assert_failure 1
    assert_regex "$stderr" '^qsim: no/such\.pgm: '
    run --separate-stderr qsim spi --object nosuch -d 1ms -o /dev/null
    assert_usage_error
}

@test "spi --patterns FILE: a stack of patterns, bucket counts as they say" {
    # a 2x2 object and three 2x2 patterns stacked in a 2x6 PGM (maxval 1)
    python3 - <<'PY'
open("obj.pgm", "wb").write(b"P5\n2 2\n4\n" + bytes([4, 2, 1, 0]))
pats = [1, 1, 1, 1,  1, 0, 0, 0,  0, 1, 1, 0]
open("pats.pgm", "wb").write(b"P5\n2 6\n1\n" + bytes(pats))
PY
    run --separate-stderr qsim spi --object obj.pgm --patterns pats.pgm --exposure 1ms --flux 1M \
        -s 35 --text -o s.txt
    assert_success
    assert_equal "$stderr" ''
    # <P, O> / 4 with O = 1, 0.5, 0.25, 0: 1.75/4, 1/4, 0.75/4 of 1000 photons
    run --separate-stderr awk -F'\t' '$3 == "marker" { m = $4; seen++ } $3 == "photon" { n[m]++ }
        END { print seen, n[0] + 0, n[1] + 0, n[2] + 0 }' s.txt
    read -r seen a b c <<<"$output"
    assert_equal "$seen" 3
    within_5_sigma "$a" 437.5 437.5 "pattern 0"
    within_5_sigma "$b" 250 250 "pattern 1"
    within_5_sigma "$c" 187.5 187.5 "pattern 2"
    printf 'P5\n2 5\n1\n' >odd.pgm
    head -c 10 /dev/zero >>odd.pgm
    run --separate-stderr qsim spi --object obj.pgm --patterns odd.pgm -o /dev/null
    assert_failure 1
    assert_regex "$stderr" 'not a stack of 2x2 frames'
}

@test "spi --patterns FILE: a stack of PGM frames, as qrecon patterns writes, uses every frame" {
    # the same object and patterns as above, as three 2x2 P5 images one after another
    python3 - <<'PY'
open("obj.pgm", "wb").write(b"P5\n2 2\n4\n" + bytes([4, 2, 1, 0]))
frames = [[1, 1, 1, 1], [1, 0, 0, 0], [0, 1, 1, 0]]
open("frames.pgm", "wb").write(b"".join(b"P5\n2 2\n1\n" + bytes(f) for f in frames))
PY
    run --separate-stderr qsim spi --object obj.pgm --patterns frames.pgm --exposure 1ms --flux 1M \
        -s 35 --text -o s.txt
    assert_success
    assert_equal "$stderr" ''
    run --separate-stderr awk -F'\t' '$3 == "marker" { m = $4; seen++ } $3 == "photon" { n[m]++ }
        END { print seen, n[0] + 0, n[1] + 0, n[2] + 0 }' s.txt
    read -r seen a b c <<<"$output"
    assert_equal "$seen" 3
    within_5_sigma "$a" 437.5 437.5 "pattern 0"
    within_5_sigma "$b" 250 250 "pattern 1"
    within_5_sigma "$c" 187.5 187.5 "pattern 2"
}

@test "truth JSON: the g2 of thermal, coherent and emitter light" {
    qsim thermal -r 2M --coherence-time 4ns --split 0.25 -d 1ms --truth th.json -o /dev/null
    qsim coherent -r 2M -d 1ms --truth co.json -o /dev/null
    qsim emitter --pump-rate 20M --lifetime 5ns -d 1ms --det 2:eff=0.5 --truth em.json -o /dev/null
    python3 - <<'EOF2' || fail "truth does not match"
import json
def near(a, b): return abs(a - b) <= 1e-9 * abs(b)
t = json.load(open("th.json"))
assert t["g2"]["g2_0"] == 2 and near(t["g2"]["rate_hz"], 2 / 4e-9), t["g2"]
assert near(t["channels"]["1"]["singles_hz"], 0.5e6) and near(t["channels"]["2"]["singles_hz"], 1.5e6)
t = json.load(open("co.json"))
assert t["g2"]["g2_0"] == 1, t["g2"]
t = json.load(open("em.json"))
assert t["g2"]["g2_0"] == 0 and near(t["g2"]["rate_hz"], 20e6 + 1 / 5e-9), t["g2"]
rate = 1 / (1 / 20e6 + 5e-9)
assert near(t["channels"]["1"]["singles_hz"], rate / 2) and near(t["channels"]["2"]["singles_hz"], rate / 4)
EOF2
}

@test "ghost imaging: counts as the truth expects, with blur, a pump profile and pixel spread" {
    # The truth sums the model over the pixels (rounded Gaussian blur, pixels
    # outside the array lost, per-pixel efficiencies); the counts follow it.
    run --separate-stderr qsim ghost --object discs --size 24x16 -r 300k -d 50ms -s 37 --blur 1.5 \
        --beam 6 --pixel-eff-sd 0.3 --det 1:eff=0.7,dark=2k --det 2:eff=0.5,dark=50 --hot-pixels 2 \
        --hot-rate 5k --truth tr.json --text -o g.txt
    assert_success
    read -r s1 s2 c <<<"$(python3 -c 'import json; t = json.load(open("tr.json")); c = t["channels"]
print(c["1"]["singles_hz"] * 0.05, c["2"]["singles_hz"] * 0.05, t["coincidence_hz"] * 0.05)')"
    within_5_sigma "$(phys count g.txt 1)" "$s1" "$s1" bucket
    within_5_sigma "$(phys count g.txt 2)" "$s2" "$s2" array
    within_5_sigma "$(phys pairs g.txt 1 2 0 0)" "$c" "$c" coincidences
}

@test "usaf at 16x16 has lit bars; a built-in object with none at the size asked is refused" {
    run --separate-stderr qsim spi --size 16 --flux 1M --text -o s.txt
    assert_success
    # photons on the bucket (channel 1) come only through lit pixels
    run awk -F'\t' '$2 == 1 && $3 == "photon" { n++ } END { print n + 0 }' s.txt
    [ "$output" -gt 100 ] || fail "$output bucket photons"
    run --separate-stderr qsim ghost --size 4 -d 1ms -o out.qev
    assert_failure 2
    assert_regex "$stderr" '^qsim: --object: usaf has no lit pixel at 4x4; give a larger --size or another object'
    [ ! -e out.qev ]
}

@test "ghost --hot-pixels alone: each hot pixel counts at the default 10 kHz" {
    # a nearly dark source (1 Hz) and 100 Hz of ordinary dark counts: in 1 s
    # only the hot pixels can reach thousands of counts
    qsim ghost -r 1 -d 1s --det 2:dark=100 --hot-pixels 2 --text -o g.txt
    run awk -F'\t' 'NR > 1 && $2 == 2 { n[$4 " " $5]++ }
        END { for (k in n) if (n[k] > 1000) print n[k] }' g.txt
    assert_equal "${#lines[@]}" 2
    within_5_sigma "${lines[0]}" 10000 10000 "hot pixel 1"
    within_5_sigma "${lines[1]}" 10000 10000 "hot pixel 2"
}
