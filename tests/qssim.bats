load helpers

# qssim: SSIM variants, MS-SSIM, PSNR, MSE and MAE of images.
#
# Expected scores come from independent references, committed with the
# command that produced them in testdata/ssim (README there): scikit-image
# 0.19.3 for wang, skimage, PSNR and MSE; ffmpeg 5.1 -cpuflags 0 for ffmpeg;
# GNU Octave running the authors' ssim.m and msssim.m procedures for matlab
# and msssim. Other expectations are derived by hand below.

T=$QPIPE_TOP/testdata/ssim

# ---- helpers ----

assert_usage_error() {
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "^qssim: "
    assert_regex "$stderr" "Try 'qssim --help'"
}

# Asserts a data error: exit 1, nothing on stdout, one line on stderr
# matching $1.
assert_data_error() {
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "^qssim: $1"
}

# The rows of expected.tsv for variant $1, without the comment line.
expected_rows() {
    awk -F'\t' -v v="$1" '!/^#/ && $2 == v' "$T/expected.tsv"
}

# Scores every expected.tsv row of variant $1 with qssim --tsv and fails,
# listing them, on the rows whose SSIM (and, where given, PSNR, MSE and MAE)
# are off by more than the row's tolerance, relative for values above 1.
check_variant() {
    local variant=$1 bad='' n=0 name v opts img ref ssim psnr mse mae tol src
    cd "$T" || return 1
    while IFS=$'\t' read -r name v opts img ref ssim psnr mse mae tol src; do
        n=$((n + 1))
        [ "$opts" = - ] && opts=
        # shellcheck disable=SC2086
        got=$(qssim --tsv -v "$variant" $opts "$img" "$ref" | tail -n 1) ||
            { bad="$bad $name(exit $?)"; continue; }
        if ! awk -F'\t' -v e="$ssim" -v p="$psnr" -v m="$mse" -v a="$mae" -v t="$tol" '
            function off(g, w) {
                if (w == "-") return 0
                if (w == "inf" || g == "inf") return g != w
                d = g - w; if (d < 0) d = -d
                s = w < 0 ? -w : w
                return d > t * (s > 1 ? s : 1)
            }
            { exit off($4, e) || off($5, p) || off($6, m) || off($7, a) }' <<<"$got"; then
            bad="$bad $name:[$got]"
        fi
    done < <(expected_rows "$variant")
    [ "$n" -gt 0 ] || fail "no expected rows for $variant"
    [ -z "$bad" ] || fail "$variant disagrees with its reference on:$bad"
}

# The mean and the size of the samples of PFM file $1, read with Python's
# own struct module: "W H MEAN".
pfm_stats() {
    python3 - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
head = data.split(b'\n', 3)
assert head[0] == b'Pf', head[0]
w, h = map(int, head[1].split())
scale = float(head[2])
px = struct.unpack(('<' if scale < 0 else '>') + 'f' * (w * h), head[3][:4 * w * h])
print(w, h, repr(sum(px) / len(px)))
EOF
}

# ---- contract ----

@test "--help prints usage on stdout and exits 0" {
    run --separate-stderr qssim --help
    assert_success
    assert_line --index 0 'Usage: qssim [OPTION]... IMAGE REFERENCE'
    assert_line --partial '--variant=NAME'
    assert_line --partial '--min-ssim'
    assert_equal "$stderr" ''
    run --separate-stderr qssim -h
    assert_success
    assert_line --index 0 'Usage: qssim [OPTION]... IMAGE REFERENCE'
}

@test "--version and -V print the version" {
    run --separate-stderr qssim --version
    assert_success
    assert_output 'qssim (qpipe) 0.1.0'
    assert_equal "$stderr" ''
    run --separate-stderr qssim -V
    assert_output 'qssim (qpipe) 0.1.0'
}

@test "an unknown option is a usage error" {
    run --separate-stderr qssim --bogus "$T/noise8.pgm" "$T/ref8.pgm"
    assert_usage_error
    assert_regex "$stderr" 'bogus'
}

@test "bad option values and operand counts are usage errors" {
    local a=$T/noise8.pgm b=$T/ref8.pgm
    run --separate-stderr qssim --variant gaussian "$a" "$b"
    assert_usage_error
    assert_regex "$stderr" "wang, matlab, skimage, ffmpeg or msssim"
    for r in 0 -1 abc; do
        run --separate-stderr qssim --range "$r" "$a" "$b"
        assert_usage_error
    done
    for s in 0x5 5 5x 5x0 x5 -5x5; do
        run --separate-stderr qssim --size "$s" "$a" "$b"
        assert_usage_error
    done
    run --separate-stderr qssim --size 100000x100000 "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim --raw-type f16 "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim --min-ssim 1.5 "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim --json --tsv "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim --map map.txt "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim -v msssim --map map.pfm "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim --batch pairs.txt --map map.pfm
    assert_usage_error
    run --separate-stderr qssim --batch pairs.txt "$a" "$b"
    assert_usage_error
    run --separate-stderr qssim "$a"
    assert_usage_error
    assert_regex "$stderr" 'expected IMAGE and REFERENCE'
    run --separate-stderr qssim "$a" "$b" "$b"
    assert_usage_error
    run --separate-stderr qssim - -
    assert_usage_error
}

@test "bad input: exit 1, nothing on stdout, one line naming the file" {
    seq 1 3000 | gzip -n -c >garbage.bin
    run --separate-stderr qssim garbage.bin "$T/ref8.pgm"
    assert_data_error 'garbage.bin: not a PGM, PPM, PFM or PNG image'
    run --separate-stderr qssim missing.pgm "$T/ref8.pgm"
    assert_data_error 'missing.pgm: cannot open: No such file or directory'
    : >empty.pgm
    run --separate-stderr qssim "$T/ref8.pgm" empty.pgm
    assert_data_error 'empty.pgm: empty file'
    run --separate-stderr qssim "$T/ref8.pgm" "$T"
    assert_data_error '.*: is a directory'
}

@test "truncated and malformed headers are refused before anything is allocated" {
    head -c 1000 "$T/ref8.pgm" >cut.pgm
    run --separate-stderr qssim cut.pgm "$T/ref8.pgm"
    assert_data_error 'cut.pgm: truncated: 3072 bytes of pixels expected, 968 present'
    # 2^31 x 2^31 pixels claimed by a 20-byte file
    printf 'P5\n2147483648 2147483648\n255\n' >huge.pgm
    run --separate-stderr qssim huge.pgm "$T/ref8.pgm"
    assert_data_error 'huge.pgm: image size 2147483648x2147483648 is empty or above 268435456 pixels'
    printf 'P5\n16384 16385\n255\n\0' >big.pgm
    run --separate-stderr qssim big.pgm "$T/ref8.pgm"
    assert_data_error 'big.pgm: image size 16384x16385 is empty or above 268435456 pixels'
    printf 'P5\n16384 16384\n255\n\0' >justfits.pgm
    run --separate-stderr qssim justfits.pgm "$T/ref8.pgm"
    assert_data_error 'justfits.pgm: truncated: 268435456 bytes of pixels expected, 1 present'
    printf 'P5\n2 2\n0\n\0\0\0\0' >maxval0.pgm
    run --separate-stderr qssim maxval0.pgm "$T/ref8.pgm"
    assert_data_error 'maxval0.pgm: bad header: maxval is 0'
    printf 'P5\n2 2\n100\n\0\0\0\145' >over.pgm
    run --separate-stderr qssim over.pgm "$T/ref8.pgm"
    assert_data_error 'over.pgm: sample 101 at byte 14 is above maxval 100'
    printf 'P2\n3 3\n255\n1 2 3 4 5 6 7 8\n' >short.pgm
    run --separate-stderr qssim short.pgm "$T/ref8.pgm"
    assert_data_error 'short.pgm: truncated: fewer samples than 3x3'
    printf 'Pf\n2 2\n0.0\n%016d' 0 >scale0.pfm
    run --separate-stderr qssim -r 1 scale0.pfm "$T/reff.pfm"
    assert_data_error "scale0.pfm: bad PFM header: scale '0.0' is not a non-zero number"
    head -c 5000 "$T/big8.png" >cut.png
    run --separate-stderr qssim cut.png "$T/big8.png"
    assert_data_error 'cut.png: truncated PNG'
    # all the pixels are there, the end of the IEND chunk is not
    head -c -1 "$T/blur8.png" >end.png
    run --separate-stderr qssim end.png "$T/ref8.png"
    assert_data_error 'end.png: truncated PNG'
}

@test "a float sample that is not a finite number is refused" {
    # PFM, little-endian, rows bottom to top: the first sample stored is the
    # bottom-left pixel (x=0, y=1 of a 2x2 image); 0x7fc00000 is a NaN.
    printf 'Pf\n2 2\n-1.0\n\0\0\300\177\0\0\0\0\0\0\0\0\0\0\0\0' >nan.pfm
    run --separate-stderr qssim -r 1 nan.pfm nan.pfm
    assert_data_error 'nan.pfm: sample at x=0 y=1 is not a finite number'
}

@test "raw input must be exactly width x height samples" {
    run --separate-stderr qssim -r 1 --size 50x41 "$T/noisef.f32" "$T/reff.f32"
    assert_data_error '.*noisef.f32: raw float32 50x41 needs 8200 bytes, the input has 8000'
    run --separate-stderr qssim -r 1 --size 50x40 "$T/noisef.f64" "$T/reff.f64"
    assert_data_error '.*noisef.f64: raw float32 50x40 needs 8000 bytes, the input has 16000'
}

@test "images of different sizes are refused" {
    run --separate-stderr qssim "$T/noise8.pgm" "$T/odd8.pgm"
    assert_data_error '.*noise8.pgm: the images differ in size: 64x48 and 37x23'
}

@test "16-bit and float input without --range: a usage error that says why" {
    run --separate-stderr qssim "$T/noise16.pgm" "$T/ref16.pgm"
    assert_usage_error
    assert_regex "$stderr" 'noise16.pgm holds 16-bit samples of full scale 65535: give their data range with --range L'
    run --separate-stderr qssim "$T/blur12.png" "$T/ref12.png"
    assert_usage_error
    run --separate-stderr qssim "$T/noisef.pfm" "$T/reff.pfm"
    assert_usage_error
    assert_regex "$stderr" 'floating-point samples: give their data range with --range L'
    run --separate-stderr qssim --size 50x40 "$T/noisef.f32" "$T/reff.f32"
    assert_usage_error
    # an 8-bit image against a 16-bit one: the 16-bit one needs the range
    run --separate-stderr qssim "$T/ref8.pgm" "$T/noise16.pgm"
    assert_usage_error
}

@test "colour is refused without --luma, in every format" {
    run --separate-stderr qssim "$T/colour.ppm" "$T/colourref.pgm"
    assert_data_error '.*colour.ppm: colour image \(PPM\); give --luma to convert it to BT.601 luma'
    run --separate-stderr qssim "$T/colourref.pgm" "$T/colour.png"
    assert_data_error '.*colour.png: colour image \(PNG\); give --luma to convert it to BT.601 luma'
    python3 -c '
import struct, sys
sys.stdout.buffer.write(b"PF\n1 1\n-1.0\n" + struct.pack("<3f", 0.5, 0.25, 1.0))' >colour.pfm
    run --separate-stderr qssim -r 1 colour.pfm colour.pfm
    assert_data_error 'colour.pfm: colour image \(PFM "PF"\); give --luma'
}

@test "a variant refuses images smaller than its window" {
    run --separate-stderr qssim "$T/flat2.pgm" "$T/flat6.pgm" -v msssim
    assert_data_error '.*flat2.pgm: the images are 16x16; msssim needs at least 176x176'
    python3 -c 'import sys; sys.stdout.buffer.write(b"P5\n10 12\n255\n" + bytes(120))' >ten.pgm
    run --separate-stderr qssim ten.pgm ten.pgm
    assert_data_error 'ten.pgm: the images are 10x12; wang needs at least 11x11'
    run --separate-stderr qssim -v skimage ten.pgm ten.pgm
    assert_success
    python3 -c 'import sys; sys.stdout.buffer.write(b"P5\n7 9\n255\n" + bytes(63))' >seven.pgm
    run --separate-stderr qssim -v ffmpeg seven.pgm seven.pgm
    assert_data_error 'seven.pgm: the images are 7x9; ffmpeg needs at least 8x8'
}

# ---- agreement with the references ----

@test "wang agrees with scikit-image (Gaussian, population moments) within 1e-9" {
    check_variant wang
}

@test "skimage agrees with scikit-image's defaults within 1e-9" {
    check_variant skimage
}

@test "ffmpeg agrees with ffmpeg's ssim filter run with -cpuflags 0" {
    check_variant ffmpeg
}

@test "matlab agrees with the authors' ssim.m procedure (f = 2 and 3) within 1e-9" {
    check_variant matlab
}

@test "msssim agrees with the authors' msssim.m procedure within 1e-9" {
    check_variant msssim
}

@test "matlab equals wang below 384 pixels (f = 1)" {
    local want
    want=$(expected_rows wang | awk -F'\t' '$1 == "noise8" { print $6 }')
    run --separate-stderr qssim --tsv -v matlab "$T/noise8.pgm" "$T/ref8.pgm"
    assert_success
    awk -F'\t' -v w="$want" 'NR == 2 { d = $4 - w; exit !(d < 1e-9 && d > -1e-9) }' <<<"$output" ||
        fail "matlab $output, wang from scikit-image $want"
}

@test "identical images: SSIM 1, PSNR infinite, 'inf' as a JSON string" {
    run --separate-stderr qssim --json "$T/noise8.pgm" "$T/noise8.pgm"
    assert_success
    python3 - "$output" <<'EOF' || fail "bad JSON: $output"
import json, sys
r = json.loads(sys.argv[1])['results'][0]
assert r['ssim'] == 1 and r['psnr_db'] == 'inf' and r['mse'] == 0 and r['mae'] == 0, r
EOF
    run --separate-stderr qssim "$T/noise8.pgm" "$T/noise8.pgm"
    assert_line --regexp '^.*noise8\.pgm +1\.000000 +inf +0 +0 +255$'
    run --separate-stderr qssim --prom "$T/flat6.pgm" "$T/flat6.pgm"
    assert_line 'qpipe_psnr_decibels{image="'"$T"'/flat6.pgm",reference="'"$T"'/flat6.pgm",variant="wang"} +Inf'
    assert_line 'qpipe_ssim{image="'"$T"'/flat6.pgm",reference="'"$T"'/flat6.pgm",variant="wang"} 1'
}

@test "8-bit input defaults to L = 255, and --range changes the constants" {
    # flat 2 against flat 6: SSIM = (2 ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 L)^2
    cd "$T"
    run --separate-stderr qssim --tsv flat2.pgm flat6.pgm
    awk -F'\t' 'NR == 2 { c = 6.5025; w = (24 + c) / (40 + c); d = $4 - w; exit !(d < 1e-15 && d > -1e-15 && $8 == 255) }' <<<"$output" ||
        fail "$output"
    run --separate-stderr qssim --tsv -r 100 flat2.pgm flat6.pgm
    awk -F'\t' 'NR == 2 { c = 1; w = (24 + c) / (40 + c); d = $4 - w; exit !(d < 1e-15 && d > -1e-15 && $8 == 100) }' <<<"$output" ||
        fail "$output"
    # PSNR = 10 log10(L^2 / MSE), MSE = 16
    awk -F'\t' 'NR == 2 { w = 10 * log(100 * 100 / 16) / log(10); d = $5 - w; exit !(d < 1e-12 && d > -1e-12) }' <<<"$output" ||
        fail "$output"
}

@test "standard input is read for -" {
    local want
    want=$(expected_rows wang | awk -F'\t' '$1 == "noise8" { print $6 }')
    run --separate-stderr bash -c "qssim --tsv - '$T/ref8.pgm' <'$T/noise8.pgm'"
    assert_success
    assert_line --index 1 --regexp "^-	$T/ref8.pgm	wang	"
    awk -F'\t' -v w="$want" 'NR == 2 { d = $4 - w; exit !(d < 1e-9 && d > -1e-9) }' <<<"$output" ||
        fail "$output against $want"
}

# ---- output forms ----

@test "text output: the variant's definition and an aligned table" {
    cd "$T"
    run --separate-stderr qssim noise8.pgm ref8.pgm
    assert_success
    assert_line --index 0 'variant  wang: Wang et al. 2004: 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, population moments, mean over the valid region'
    assert_line --index 1 --regexp '^image +reference +ssim +psnr_db +mse +mae +range$'
    assert_line --index 2 --regexp '^noise8\.pgm +ref8\.pgm +0\.573691 +26\.5421 +144\.169 +9\.55664 +255$'
    assert_equal "$stderr" ''
}

@test "JSON: one document with every field, per-scale values for msssim" {
    cd "$T"
    run --separate-stderr qssim --json -v msssim bigjpeg8.png big8.png
    assert_success
    python3 - "$output" "$(expected_rows msssim | awk -F'\t' '$1 == "bigjpeg8" { print $6 }')" \
        "$(expected_rows matlab | awk -F'\t' '$1 == "bigjpeg8" { print $6 }')" \
        "$(expected_rows wang | awk -F'\t' '$1 == "bigjpeg8" { print $6 }')" <<'EOF' || fail "$output"
import json, sys
doc = json.loads(sys.argv[1])
ms, matlab2, wang = map(float, sys.argv[2:5])
assert doc['variant'] == 'msssim' and doc['k1'] == 0.01 and doc['k2'] == 0.03, doc
(r,) = doc['results']
assert (r['image'], r['reference'], r['width'], r['height'], r['kind'], r['range']) == \
    ('bigjpeg8.png', 'big8.png', 397, 389, '8-bit', 255), r
assert abs(r['ssim'] - ms) < 1e-9
s = r['scales']
assert len(s) == 5
# scale 1 is wang; scale 2 is the 2x2 box of ssim.m with f = 2
assert abs(s[0]['ssim'] - wang) < 1e-9 and abs(s[1]['ssim'] - matlab2) < 1e-9, s
w = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
p = 1
for i in range(4):
    p *= s[i]['cs'] ** w[i]
p *= s[4]['ssim'] ** w[4]
assert abs(p - r['ssim']) < 1e-15, (p, r['ssim'])
EOF
    run --separate-stderr qssim --json -v matlab "$T/hugeblur8.png" "$T/huge8.png"
    python3 -c 'import json, sys; r = json.loads(sys.argv[1])["results"][0]; assert r["downsample"] == 3, r' "$output" ||
        fail "$output"
}

@test "TSV and Prometheus forms carry the same numbers" {
    cd "$T"
    run --separate-stderr qssim --tsv noise16.pgm ref16.pgm -r 65535
    assert_success
    assert_line --index 0 "$(printf 'image\treference\tvariant\tssim\tpsnr_db\tmse\tmae\trange')"
    local tsv=$output
    run --separate-stderr qssim --prom noise16.pgm ref16.pgm -r 65535
    assert_success
    assert_line '# TYPE qpipe_ssim gauge'
    assert_line '# TYPE qpipe_psnr_decibels gauge'
    assert_line '# TYPE qpipe_mse gauge'
    assert_line '# TYPE qpipe_mae gauge'
    local labels='{image="noise16.pgm",reference="ref16.pgm",variant="wang"}'
    assert_line "qpipe_ssim$labels $(awk -F'\t' 'NR == 2 { print $4 }' <<<"$tsv")"
    assert_line "qpipe_psnr_decibels$labels $(awk -F'\t' 'NR == 2 { print $5 }' <<<"$tsv")"
    assert_line "qpipe_mse$labels $(awk -F'\t' 'NR == 2 { print $6 }' <<<"$tsv")"
    assert_line "qpipe_mae$labels $(awk -F'\t' 'NR == 2 { print $7 }' <<<"$tsv")"
}

@test "-o writes the report to a file, and nothing on stdout" {
    run --separate-stderr qssim --tsv -o out.tsv "$T/blur8.png" "$T/ref8.png"
    assert_success
    assert_output ''
    [ "$(wc -l <out.tsv)" -eq 2 ] || fail "$(cat out.tsv)"
    ls -A | grep -q tmp && fail "a temporary file was left: $(ls -A)"
    run --separate-stderr qssim -o out2.tsv missing.png "$T/ref8.png"
    assert_failure 1
    [ ! -e out2.tsv ] || fail "an output file was left after an error"
}

# ---- batch ----

@test "batch: one row per listed pair, blank lines and comments skipped" {
    cd "$T"
    printf '# nightly pairs\nnoise8.pgm ref8.pgm\n\n  jpeg8.pgm\tref8.pgm\nblur8.png   ref8.png\n' >"$BATS_TEST_TMPDIR/pairs"
    run --separate-stderr qssim --tsv --batch "$BATS_TEST_TMPDIR/pairs"
    assert_success
    assert_equal "${#lines[@]}" 4
    local name want
    for name in noise8 jpeg8 blur8; do
        want=$(expected_rows wang | awk -F'\t' -v n="$name" '$1 == n { print $6 }')
        awk -F'\t' -v n="$name" -v w="$want" 'index($1, n) == 1 { found = 1; d = $4 - w; bad = !(d < 1e-9 && d > -1e-9) }
            END { exit !found || bad }' <<<"$output" || fail "$name: $output against $want"
    done
    run --separate-stderr bash -c "printf 'noise8.pgm ref8.pgm\n' | qssim --tsv --batch -"
    assert_success
    assert_equal "${#lines[@]}" 2
}

@test "batch: a bad pair is reported, the others scored, exit 1" {
    cd "$T"
    printf 'noise8.pgm ref8.pgm\nnothere.pgm ref8.pgm\nnoise8.pgm odd8.pgm\nblur8.png ref8.png\n' >"$BATS_TEST_TMPDIR/pairs"
    run --separate-stderr qssim --tsv --batch "$BATS_TEST_TMPDIR/pairs"
    assert_failure 1
    assert_equal "${#lines[@]}" 3
    assert_line --index 1 --regexp '^noise8\.pgm	ref8\.pgm	wang	'
    assert_line --index 2 --regexp '^blur8\.png	ref8\.png	wang	'
    assert_equal "${#stderr_lines[@]}" 2
    assert_equal "${stderr_lines[0]}" 'qssim: nothere.pgm: cannot open: No such file or directory'
    assert_equal "${stderr_lines[1]}" 'qssim: noise8.pgm: the images differ in size: 64x48 and 37x23'
}

@test "batch: a malformed line is an error naming the line" {
    printf 'a.pgm b.pgm\nonly-one.pgm\n' >pairs
    run --separate-stderr qssim --batch pairs
    assert_data_error 'pairs: line 2: expected two paths, IMAGE and REFERENCE'
    printf '# nothing\n\n' >none
    run --separate-stderr qssim --batch none
    assert_data_error 'none: no pairs to score'
}

# ---- gates ----

@test "--min-ssim and --min-psnr: exit 3 below, 0 at or above, the report still printed" {
    cd "$T"
    # noise8 against ref8: SSIM 0.5737, PSNR 26.54 dB (expected.tsv)
    run --separate-stderr qssim --min-ssim 0.6 noise8.pgm ref8.pgm
    assert_failure 3
    assert_line --regexp '^noise8\.pgm +ref8\.pgm +0\.573691 .* FAIL$'
    assert_equal "$stderr" 'qssim: noise8.pgm: SSIM 0.573691 is below --min-ssim 0.6'
    run --separate-stderr qssim --min-ssim 0.57 noise8.pgm ref8.pgm
    assert_success
    assert_line --regexp ' pass$'
    assert_equal "$stderr" ''
    run --separate-stderr qssim --min-psnr 27 noise8.pgm ref8.pgm
    assert_failure 3
    assert_equal "$stderr" 'qssim: noise8.pgm: PSNR 26.5421 dB is below --min-psnr 27'
    run --separate-stderr qssim --min-psnr 26.5 --min-ssim 0.5 noise8.pgm ref8.pgm
    assert_success
    # an infinite PSNR passes any threshold
    run --separate-stderr qssim --min-psnr 1000 --min-ssim 1 noise8.pgm noise8.pgm
    assert_success
    run --separate-stderr qssim --json --min-ssim 0.9 noise8.pgm ref8.pgm
    assert_failure 3
    python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["min_ssim"] == 0.9 and d["results"][0]["check"] == "fail", d' "$output" ||
        fail "$output"
}

@test "gates in batch mode: one pair below fails the run with 3" {
    cd "$T"
    printf 'blur8.png ref8.png\nnoise8.pgm ref8.pgm\n' >"$BATS_TEST_TMPDIR/pairs"
    run --separate-stderr qssim --tsv --min-ssim 0.9 --batch "$BATS_TEST_TMPDIR/pairs"
    assert_failure 3
    assert_line --index 1 --regexp '	pass$'
    assert_line --index 2 --regexp '	fail$'
    assert_equal "$stderr" 'qssim: noise8.pgm: SSIM 0.573691 is below --min-ssim 0.9'
}

# ---- the SSIM map ----

@test "--map: the wang map is the valid region, and its mean is the score" {
    local want
    want=$(expected_rows wang | awk -F'\t' '$1 == "noise8" { print $6 }')
    run --separate-stderr qssim --map map.pfm "$T/noise8.pgm" "$T/ref8.pgm"
    assert_success
    read -r w h mean < <(pfm_stats map.pfm)
    assert_equal "$w $h" "54 38"
    # float32 samples: their mean is the score to about 1e-7
    awk -v m="$mean" -v w="$want" 'BEGIN { d = m - w; exit !(d < 1e-7 && d > -1e-7) }' ||
        fail "map mean $mean, score $want"
    # the 11x11 pair has a single window
    run --separate-stderr qssim --map one.pfm "$T/tiny11.pgm" "$T/tinyref11.pgm"
    read -r w h mean < <(pfm_stats one.pfm)
    assert_equal "$w $h" "1 1"
}

@test "--map for ffmpeg and skimage: one value per window" {
    local want
    want=$(expected_rows ffmpeg | awk -F'\t' '$1 == "noise8" { print $6 }')
    run --separate-stderr qssim -v ffmpeg --map f.pfm "$T/noise8.pgm" "$T/ref8.pgm"
    assert_success
    read -r w h mean < <(pfm_stats f.pfm)
    assert_equal "$w $h" "15 11"
    awk -v m="$mean" -v w="$want" 'BEGIN { d = m - w; exit !(d < 2e-7 && d > -2e-7) }' ||
        fail "map mean $mean, ffmpeg $want"
    run --separate-stderr qssim -v skimage --map s.pfm "$T/odd8.pgm" "$T/oddref8.pgm"
    read -r w h mean < <(pfm_stats s.pfm)
    assert_equal "$w $h" "31 17"
}

@test "--map as PGM and PNG: 0..1 scaled to 0..255, negative values as 0" {
    # skimage's 7x7 window leaves a 14x10 map, with negative values
    local m
    for m in map.pfm map.pgm map.png; do
        run --separate-stderr qssim -v skimage --map $m "$T/colour.ppm" "$T/colourref.pgm" --luma
        assert_success
    done
    # the PGM from the PFM values, by the rule in qssim(1), in Python
    python3 - <<'EOF' || fail "PGM map does not follow the PFM map"
import math, struct
data = open('map.pfm', 'rb').read().split(b'\n', 3)
w, h = map(int, data[1].split())
rows = struct.unpack('<' + 'f' * (w * h), data[3][:4 * w * h])
top_down = [rows[(h - 1 - y) * w:(h - y) * w] for y in range(h)]
want = bytes(min(255, max(0, math.floor(v * 255 + 0.5))) if v > 0 else 0
             for row in top_down for v in row)
pgm = open('map.pgm', 'rb').read()
head = b'P5\n%d %d\n255\n' % (w, h)
assert pgm[:len(head)] == head, pgm[:20]
assert pgm[len(head):] == want
assert any(v < 0 for v in rows) and 0 in want
EOF
    # the PNG decodes (libpng) to the same samples as the PGM
    run --separate-stderr qssim -v skimage --tsv map.png map.pgm
    assert_success
    awk -F'\t' 'NR == 2 { exit !($5 == "inf") }' <<<"$output" || fail "$output"
}
