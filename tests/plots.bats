load helpers

# The SVG plots render with a real renderer (rsvg-convert) into pictures that
# are not blank: axes and labels in black, each series in its colour.

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    python3 - <<'PY'
import random, struct
random.seed(5)
ev = []
t = 0.0
while t < 2e11:                       # pairs, partner 1.5 ns later
    t += random.expovariate(2e5 / 1e12)
    if not 0.8e11 < t < 1.1e11:       # a gap in the middle
        ev += [(int(t), 1), (int(t + 1500 + random.gauss(0, 40)), 2)]
for ch in (1, 2):
    t = 0.0
    while t < 2e11:
        t += random.expovariate(5e5 / 1e12)
        if not 0.8e11 < t < 1.1e11:   # a gap in the middle
            ev.append((int(t), ch))
ev.sort()
with open("pairs.raw", "wb") as f:
    for t, ch in ev:
        f.write(struct.pack("<qHBBI", t, ch, 0, 0, 0))
PY
    qtag-read --format raw16 -o pairs.qev pairs.raw
}

render() {
    rsvg-convert -o "$2" "$1"
}

@test "qcorr hist --svg: a g2 plot with its peak, rendered" {
    need_command rsvg-convert librsvg2-bin
    run --separate-stderr qcorr hist -b 100ps -r 4ns --svg -o g2.svg "$BATS_FILE_TMPDIR/pairs.qev"
    assert_success
    grep -q 'peak' g2.svg
    grep -q '<polyline' g2.svg
    render g2.svg g2.png
    run python3 "$QPIPE_TOP/tests/tools/png_colours.py" g2.png 1f77b4
    read -r _ nonwhite <<<"${lines[0]}"
    read -r _ series <<<"${lines[1]}"
    [ "$nonwhite" -gt 3000 ]
    [ "$series" -gt 300 ]
}

@test "qstat --svg: rates per channel over time with the gap shaded, rendered" {
    need_command rsvg-convert librsvg2-bin
    run --separate-stderr qstat --svg --gap 20ms -o rates.svg "$BATS_FILE_TMPDIR/pairs.qev"
    assert_success
    grep -q '<title>gap</title>' rates.svg
    assert_equal "$(grep -c '<polyline' rates.svg)" 2
    render rates.svg rates.png
    run python3 "$QPIPE_TOP/tests/tools/png_colours.py" rates.png f4b6b6
    read -r _ nonwhite <<<"${lines[0]}"
    read -r _ shaded <<<"${lines[1]}"
    [ "$nonwhite" -gt 5000 ]
    [ "$shaded" -gt 1000 ]
}
