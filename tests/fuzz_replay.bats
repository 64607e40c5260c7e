load helpers

# The fuzz harnesses of tests/fuzz, built without libFuzzer as plain corpus
# replayers (`make units`), run over their seed corpora and over the saved
# input of every finding (tests/fuzz/regressions/<harness>/). A replayer
# aborts on a crash or on a broken promise that its harness checks (see the
# comment at the top of each tests/fuzz/fuzz_*.c); under `make check-asan`
# the sanitizers check every input too.

replayers() { echo "$QPIPE_BIN/../fuzz"; }

# Under check-asan: libhdf5's own leak on a failed open is suppressed by
# name (tests/fuzz/lsan.supp), which needs the slow unwinder.
export LSAN_OPTIONS="suppressions=$QPIPE_TOP/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# Runs harness $1 over its seeds and regression inputs; all must run.
replay() {
    local name=$1 files
    files=("$QPIPE_TOP/tests/fuzz/corpus/$name"/*)
    if [ -d "$QPIPE_TOP/tests/fuzz/regressions/$name" ]; then
        files+=("$QPIPE_TOP/tests/fuzz/regressions/$name"/*)
    fi
    [ -e "${files[0]}" ] || fail "no seeds for $name"
    run --separate-stderr "$(replayers)/replay-$name" "${files[@]}"
    [ "$status" -eq 0 ] || fail "replay-$name exited $status: $(tail -n 20 <<<"$stderr")"
    assert_output "${#files[@]} inputs ran"
    assert_equal "$stderr" ''
}

@test "every harness has seeds, and every seed directory a replayer" {
    local d name
    for d in "$QPIPE_TOP"/tests/fuzz/corpus/*/ "$QPIPE_TOP"/tests/fuzz/regressions/*/; do
        [ -d "$d" ] || continue
        name=$(basename "$d")
        [ -x "$(replayers)/replay-$name" ] || fail "no replayer for $d"
    done
    for f in "$(replayers)"/replay-*; do
        [ "${f%.d}" = "$f" ] || continue # the compiler's header dependencies
        name=${f##*/replay-}
        [ -d "$QPIPE_TOP/tests/fuzz/corpus/$name" ] || fail "no seed corpus for $name"
        [ -f "$QPIPE_TOP/tests/fuzz/dict/$name.dict" ] || fail "no dictionary for $name"
    done
}

@test "a replayer does not pass over an input it cannot read" {
    run --separate-stderr "$(replayers)/replay-qev" /nonexistent/input
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" 'cannot read /nonexistent/input'
}

@test "replay: QEV stream reader" { replay qev; }
@test "replay: partial results (qcorr merge)" { replay partial; }
@test "replay: images (PGM, PPM, PFM, PNG, raw)" { replay image; }
@test "replay: calibration files and qcal apply's corrections" { replay calib; }
@test "replay: qrecon's pattern files, bucket rows and partials" { replay recon; }
@test "replay: PicoQuant PTU" { replay ptu; }
@test "replay: PicoHarp .pt2" { replay pt2; }
@test "replay: PicoHarp .pt3" { replay pt3; }
@test "replay: HydraHarp .ht2" { replay ht2; }
@test "replay: HydraHarp .ht3" { replay ht3; }
@test "replay: TimeHarp .t3r" { replay t3r; }
@test "replay: Becker & Hickl .spc and .set" { replay spc; }
@test "replay: quTAG binary" { replay qutag; }
@test "replay: raw records" { replay raw; }
@test "replay: raw16 records" { replay raw16; }
@test "replay: Photon-HDF5" {
    ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" replay phdf5
}
@test "replay: CSV/TSV text" { replay csv; }
