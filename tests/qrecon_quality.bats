load helpers

# qrecon on simulated acquisitions with known truth (qsim --truth writes the
# object as a PFM): the quality of the reconstructions, and the statistics of
# heralded ghost images.
#
# PSNR is 10 log10(1 / MSE) against the object's transmission (0..1). Images
# in physical units are brought to transmission by the known scale: a pixel
# fully lit sends flux x exposure / N photons per measurement into the bucket
# (qsim(1)), so x N / (flux exposure) is the transmission. Correlation images
# (tgi, dgi, ngi) are defined only up to an offset and a scale, so they are
# scored after the least-squares affine fit to the truth, as the papers do.

metrics() {
    [ -n "$NPY" ] || fail "python3 with numpy is missing: make deps-test installs it"
    "$NPY" "$BATS_FILE_TMPDIR/metrics.py" "$@"
}

write_metrics() {
    cat >"$1" <<'EOF'
"""Scores of reconstructions against the truth, from their definitions."""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.environ["QPIPE_TOP"], "tests", "tools"))
from pfm import read_pfm


def psnr(x, t):
    return 10 * math.log10(1 / np.mean((x - t) ** 2))


def affine(x, t):
    """The least-squares fit a x + c to t."""
    a, c = np.polyfit(x.ravel(), t.ravel(), 1)
    return a * x + c


def cmd_psnr(truth, scale, *runs):
    """PSNR of each KIND:PFM, KIND scaled (times scale) or affine."""
    t = read_pfm(truth)
    out = []
    for run in runs:
        kind, path = run.split(":", 1)
        x = read_pfm(path)
        out.append(psnr(x * float(scale) if kind == "scaled" else affine(x, t), t))
    print(" ".join("%.3f" % v for v in out))


def cmd_offset(truth, net, coinc, delayed):
    """The mean of the net image over the opaque pixels (truth 0), in units
    of its standard deviation sqrt(sum (C_j + D_j)) / n, and the mean of the
    raw coincidences there in the same units."""
    t, i, c, d = (read_pfm(p) for p in (truth, net, coinc, delayed))
    opaque = t == 0
    n = opaque.sum()
    sigma = math.sqrt((c[opaque] + d[opaque]).sum()) / n
    print("%.3f %.3f" % (i[opaque].mean() / sigma, c[opaque].mean() / sigma))


def cmd_snr(truth, pfm):
    """SNR from the correlation r with the mask: r / sqrt(1 - r^2), the
    ratio of the signal's spread to the noise's."""
    r = np.corrcoef(read_pfm(pfm).ravel(), read_pfm(truth).ravel())[0, 1]
    print("%.6f" % (r / math.sqrt(1 - r * r)))


def cmd_corr(truth, *pfms):
    t = read_pfm(truth).ravel()
    print(" ".join("%.5f" % np.corrcoef(read_pfm(p).ravel(), t)[0, 1] for p in pfms))


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
EOF
}

# True when the numbers in $1 rise strictly from left to right.
rising() {
    awk '{ for (i = 2; i <= NF; i++) if (!($i > $(i - 1))) exit 1 }' <<<"$1"
}

setup_file() {
    NPY=$(find_python numpy) || NPY=
    export NPY
    write_metrics "$BATS_FILE_TMPDIR/metrics.py"
}

# ---- computational ghost imaging and single-pixel imaging ----

@test "DGI beats TGI at the same measurements (random patterns, three objects)" {
    need_python
    for obj in letters discs usaf; do
        qsim spi --size 32 --object "$obj" --patterns random --fill 0.25 --count 1024 \
            --flux 1e7 --truth t.json -o r.qev
        qrecon computational -q -a tgi -o tgi.pfm r.qev
        qrecon computational -q -a dgi -o dgi.pfm r.qev
        read -r tgi dgi < <(metrics psnr t.pfm 1 affine:tgi.pfm affine:dgi.pfm)
        awk -v t="$tgi" -v d="$dgi" 'BEGIN { exit !(d > t) }' ||
            fail "$obj: DGI $dgi dB, TGI $tgi dB"
    done
}

@test "TV at 25% sampling beats zero-filled Hadamard at 25% by at least 2 dB" {
    need_python
    # 1024 pixels, 1 ms exposures: x 1024 / (flux 1e-3) is the transmission
    for run in usaf:1e7 discs:1e8; do
        obj=${run%:*} flux=${run#*:}
        qsim spi --size 32 --object "$obj" --order zigzag --sampling 0.25 --flux "$flux" \
            --truth t.json -o h.qev
        qrecon computational -q -a hadamard -o had.pfm h.qev
        qrecon computational -q -a tv -o tv.pfm h.qev
        s=$(awk -v f="$flux" 'BEGIN { print 1024 / (f * 1e-3) }')
        read -r had tv < <(metrics psnr t.pfm "$s" scaled:had.pfm scaled:tv.pfm)
        awk -v h="$had" -v t="$tv" 'BEGIN { exit !(t >= h + 2) }' ||
            fail "$obj: TV $tv dB, zero-filled Hadamard $had dB"
    done
}

@test "the quality of every method rises with the photon count" {
    need_python
    # Hadamard patterns (cake order, half of them) for the inverse methods,
    # random ones for the correlation methods, 100 us exposures
    for flux in 1e6 1e7 1e8; do
        qsim spi --size 32 --object discs --order cake --sampling 0.5 --flux "$flux" \
            --exposure 100us --truth t.json -o "h$flux.qev"
        qsim spi --size 32 --object discs --patterns random --count 1024 --flux "$flux" \
            --exposure 100us -o "r$flux.qev"
    done
    for run in hadamard:h:scaled cgls:h:scaled tv:h:scaled fista:h:scaled pml:h:scaled \
        tgi:r:affine dgi:r:affine ngi:r:affine; do
        IFS=: read -r a pat kind <<<"$run"
        line=
        for flux in 1e6 1e7 1e8; do
            qrecon computational -q -a "$a" -o "$a$flux.pfm" "$pat$flux.qev"
            s=$(awk -v f="$flux" 'BEGIN { print 1024 / (f * 1e-4) }')
            line="$line $(metrics psnr t.pfm "$s" "$kind:$a$flux.pfm")"
        done
        rising "$line" || fail "$a: PSNR at 1e6, 1e7, 1e8 photons/s:$line"
    done
}

# ---- heralded ghost imaging ----

@test "heralded: the accidental-subtracted image has no offset in the opaque regions" {
    need_python
    for seed in 1 2; do
        qsim ghost -r 200k -d 500ms --det 1:dark=50k --det 2:dark=5k -s "$seed" \
            --truth t.json -o g.qev
        qcorr coinc -C 1,2 -w 5ns g.qev -o c.qev
        qcorr coinc -C 1,2 -w 5ns --delayed 100ns g.qev -o d.qev
        qrecon heralded -q -o c.pfm c.qev
        qrecon heralded -q -o d.pfm d.qev
        qrecon heralded -q --accidentals d.qev -o delayed.pfm c.qev
        qrecon heralded -q --singles g.qev -o singles.pfm c.qev
        for m in delayed singles; do
            read -r z raw < <(metrics offset t.pfm "$m.pfm" c.pfm d.pfm)
            # the test has power: without the subtraction the offset is plain
            awk -v r="$raw" 'BEGIN { exit !(r > 10) }' || fail "raw offset only $raw sigma"
            awk -v z="$z" 'BEGIN { exit !(z > -3 && z < 3) }' ||
                fail "seed $seed, $m accidentals: opaque mean at $z sigma"
        done
    done
}

@test "heralded: the image's SNR follows the square-root law in the number of pairs" {
    need_python
    # SNR = r / sqrt(1 - r^2) from the correlation r with the mask; pairs x4
    # and x16 give SNR x2 and x4: the exponent of a log-log fit is 1/2.
    for seed in 1 2; do
        pairs=() snrs=()
        for d in 10ms 40ms 160ms; do
            qsim ghost --size 64x64 -r 400k -d "$d" --det 1:dark=20k --det 2:dark=500 \
                -s "$seed" --truth t.json -o g.qev
            qcorr coinc -C 1,2 -w 5ns g.qev -o c.qev
            qcorr coinc -C 1,2 -w 5ns --delayed 100ns g.qev -o d.qev
            qrecon heralded -q --report r.json --accidentals d.qev -o n.pfm c.qev
            pairs+=("$(sed -E 's/.*"groups": ([0-9]+).*/\1/' r.json)")
            snrs+=("$(metrics snr t.pfm n.pfm)")
        done
        slope=$(printf '%s %s\n' "${pairs[0]}" "${snrs[0]}" "${pairs[1]}" "${snrs[1]}" \
            "${pairs[2]}" "${snrs[2]}" | awk '{ x = log($1); y = log($2); n++; sx += x; sy += y
                sxx += x * x; sxy += x * y } END { printf "%.4f", (n * sxy - sx * sy) / (n * sxx - sx * sx) }')
        awk -v s="$slope" 'BEGIN { exit !(s > 0.43 && s < 0.57) }' ||
            fail "seed $seed: SNR grows as pairs^$slope (pairs ${pairs[*]}, SNR ${snrs[*]})"
    done
}

@test "heralded --deconvolve: Richardson-Lucy undoes a Gaussian blur of the signal arm" {
    need_python
    qsim ghost --size 64x64 -r 1M -d 1s --blur 1.5 --object usaf --truth t.json -o g.qev
    qcorr coinc -C 1,2 -w 1ns g.qev -o c.qev
    qrecon heralded -q -o net.pfm c.qev
    run --separate-stderr qrecon heralded --deconvolve 1.5 -o rl.pfm c.qev
    assert_success
    assert_regex "$stderr" 'deconvolve_sigma_px +1.5'
    read -r plain rl < <(metrics corr t.pfm net.pfm rl.pfm)
    awk -v p="$plain" -v r="$rl" 'BEGIN { exit !(r > p + 0.03) }' ||
        fail "correlation with the object: blurred $plain, deconvolved $rl"
}

@test "heralded --flat with qcal flat's calibration undoes unequal pixel efficiencies" {
    need_python
    command -v qcal >/dev/null || skip "qcal is not built"
    # the array's singles are uniform under the flat pump: qcal flat measures
    # the efficiencies from the same acquisition
    qsim ghost -r 1M -d 1s --pixel-eff-sd 0.3 --object discs --truth t.json -o g.qev
    qcal flat -C 2 -o flat.cal g.qev
    qcorr coinc -C 1,2 -w 1ns g.qev -o c.qev
    qrecon heralded -q -o plain.pfm c.qev
    qrecon heralded -q --flat flat.cal -o flat.pfm c.qev
    read -r plain flat < <(metrics corr t.pfm plain.pfm flat.pfm)
    awk -v p="$plain" -v f="$flat" 'BEGIN { exit !(f > 0.99 && f > p + 0.02) }' ||
        fail "correlation with the object: $plain without the flat field, $flat with it"
}
