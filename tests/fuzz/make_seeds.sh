#!/bin/sh
# Regenerates the seed corpora in tests/fuzz/corpus/<harness>/ from the
# published layouts (make_seeds.py), the library's own writer
# (make_qev_seeds.c) and the built tools. No real vendor file is used.
# Usage: make BUILD=build all && BUILD=build tests/fuzz/make_seeds.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/${BUILD:-build}
bin=$B/bin
out=$top/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000

for h in qev partial image calib recon ptu pt2 pt3 ht2 ht3 t3r spc qutag raw raw16 phdf5 csv; do
    rm -rf "${out:?}/$h"
    mkdir -p "$out/$h"
done
python3 "$top/tests/fuzz/make_seeds.py" "$out"

# QEV: small streams from the tools, and the library writer's corner cases.
${CC:-cc} -std=c11 -D_GNU_SOURCE -I"$top/lib" -o "$tmp/make_qev_seeds" \
    "$top/tests/fuzz/make_qev_seeds.c" "$B/libqev.a" \
    $(pkg-config --libs libzstd 2>/dev/null || echo -lzstd) -lm
"$tmp/make_qev_seeds" "$out/qev"
q=$out/qev
"$bin/qsim" poisson -n 100 --no-provenance -o "$q/poisson.qev"
"$bin/qsim" spdc -n 60 --no-provenance -o "$q/spdc.qev"
"$bin/qsim" spi --size 4 -n 40 --no-provenance -o "$q/spi-markers.qev"
"$bin/qsim" ghost --size 4x4 -n 40 --no-provenance -o "$q/ghost-pixels.qev"
"$bin/qsim" spdc -n 2000 --no-provenance -o "$tmp/pairs.qev"
"$bin/qcorr" coinc -w 2ns --no-provenance -o "$q/coinc-groups.qev" "$tmp/pairs.qev"
"$bin/qtag-read" --no-provenance -o "$q/t3.qev" "$out/ptu/hh2-t3.ptu"
cat "$q/poisson.qev" "$q/spi-markers.qev" >"$q/two-segments.qev"

# Formats written by qcat: raw 16-byte records, CSV, Photon-HDF5.
"$bin/qcat" -O raw "$q/spdc.qev" >"$out/raw16/qcat-raw.bin"
"$bin/qcat" -O csv "$q/spdc.qev" >"$out/csv/qcat.csv"
"$bin/qcat" "$q/every-field.qev" >"$out/csv/qcat-text.tsv"
"$bin/qcat" --no-provenance -o "$out/phdf5/poisson.h5" "$q/poisson.qev"
"$bin/qcat" --no-provenance -o "$out/phdf5/t3.h5" "$q/t3.qev"
"$bin/qcat" --no-provenance -o "$out/phdf5/spi-markers.h5" "$q/spi-markers.qev"

# Calibration files from every qcal measurement, and qcal merge.
c=$out/calib
"$bin/qsim" spdc -n 20000 --det 2:delay=3ns -s 3 -o "$tmp/delayed.qev"
"$bin/qcal" delays --ref 1 -o "$c/delays.cal" "$tmp/delayed.qev"
"$bin/qsim" spdc -d 0.05s --tagger 2:drift=5 --det 2:tagger=2 -s 4 -o "$tmp/drift.qev"
"$bin/qcal" drift --ref 1 --channel 2 -e 5ms -o "$c/drift.cal" "$tmp/drift.qev"
"$bin/qsim" ghost --size 4x4 -n 3000 -o "$tmp/ghost.qev"
"$bin/qcal" dark -o "$c/dark.cal" "$tmp/ghost.qev"
"$bin/qcal" flat -o "$c/flat.cal" "$tmp/ghost.qev"
"$bin/qcal" deadtime -o "$c/deadtime.cal" "$tmp/delayed.qev"
"$bin/qcal" efficiency -o "$c/efficiency.cal" "$tmp/delayed.qev"
"$bin/qcal" merge -o "$c/merged.cal" "$c/delays.cal" "$c/drift.cal" "$c/flat.cal"

# qrecon: pattern files, and partial results of both reconstructions.
"$bin/qrecon" patterns --size 4 --count 4 -O pgm -o "$out/recon/patterns.pgm" 2>/dev/null
"$bin/qrecon" patterns --size 4 --count 3 -O raw -o "$out/recon/patterns-4x4.raw" 2>/dev/null
"$bin/qcorr" coinc -w 2ns -o "$tmp/ghost-coinc.qev" "$tmp/ghost.qev"
"$bin/qrecon" heralded --partial -q -o "$out/recon/heralded.partial" "$tmp/ghost-coinc.qev"
"$bin/qsim" spi --size 4 -d 40ms -o "$tmp/spi.qev"
"$bin/qrecon" computational --partial -q -o "$out/recon/computational.partial" "$tmp/spi.qev"

# Partial results from qcorr.
"$bin/qcorr" hist --partial -p 1:2 -b 1ns -r 5ns -o "$out/partial/hist.partial" "$tmp/pairs.qev"
"$bin/qcorr" stats --partial -w 20ps --accidental-delay 100ps -o "$out/partial/stats.partial" "$tmp/pairs.qev"
ls "$out"/* | wc -l | sed 's/$/ seed files/'
