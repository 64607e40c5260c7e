load helpers

# The manual pages: their EXAMPLES run (tests/tools/run-examples), groff
# formats them without a warning, each has the sections of its kind, and a
# tool's page names every long option that the tool's --help names.

RUN_EXAMPLES="$QPIPE_TOP/tests/tools/run-examples"

pages() {
    ls "$QPIPE_TOP"/man/*.[157]
}

# The page as a reader sees it: plain ASCII, long lines, no hyphenation.
rendered() {
    groff -mandoc -Tascii -P-cbou -rLL=2000n -rHY=0 "$1" 2>/dev/null
}

# Runs the examples of man/$1 and checks that none failed and that exactly
# $2 blocks were skipped (as not commands: see SKIPS in run-examples).
examples_pass() {
    run --separate-stderr "$RUN_EXAMPLES" "$QPIPE_TOP/man/$1"
    [ "$status" -eq 0 ] || fail "$(printf '%s\n' "$output" | grep -v ': ok$')"$'\n'"$stderr"
    assert_line --regexp "^$1: [1-9][0-9]* ran, $2 skipped, 0 failed\$"
    assert_equal "$stderr" ''
}

# ---- run-examples itself, on a page written here ----

@test "run-examples: escapes undone, lines joined, skips said, statuses, transcripts and scripts run" {
    cat >page.1 <<'EOF'
.Dd November 27, 2026
.Dt PAGE 1
.Sh DESCRIPTION
.Bd -literal
echo not run: outside EXAMPLES > /dev/full
.Ed
.Sh EXAMPLES
.Bd -literal -offset indent
printf \(aq%s%s\en\(aq "a\-b" \e
    \&.c > out.txt
qsim poisson \-n 1e5 | qcat | head \-n 2
.Ed
.Dl test "$(cat out.txt)" = a-b.c
.\" exit status 3
.Bd -literal
exit 3
.Ed
.Bd -literal
$ echo one; echo two
one
two
.Ed
.Bd -literal
qpipe-calibration 1
delay.2 = 3 ps
.Ed
.Dl 30 6 * * * /usr/local/bin/nightly
.Bd -literal
ls /data/tonight
.Ed
.Bd -literal
#!/bin/sh
test -z "$BASH_VERSION"
.Ed
.Sh SEE ALSO
EOF
    run --separate-stderr "$RUN_EXAMPLES" --list page.1
    assert_success
    assert_line "    printf '%s%s\n' \"a-b\" .c > out.txt"
    assert_line "    qsim poisson -n 1e5 | qcat | head -n 2"
    assert_line 'page.1:15: expect exit 3'
    assert_line 'page.1:23: skip: the contents of a calibration file'
    assert_line 'page.1:27: skip: a crontab line'
    assert_line 'page.1:28: skip: a script for a real system: it touches /data, /var or /lab'
    refute_output --partial 'not run'

    run --separate-stderr "$RUN_EXAMPLES" page.1
    assert_success
    assert_line 'page.1:8: ok'
    assert_line 'page.1:13: ok'
    assert_line 'page.1:15: ok'
    assert_line 'page.1:18: ok'
    assert_line 'page.1:31: ok'
    assert_line 'page.1: 5 ran, 3 skipped, 0 failed'
}

@test "run-examples: a failing block, a wrong status and a wrong transcript fail the page" {
    cat >bad.1 <<'EOF'
.Sh EXAMPLES
.Bd -literal
false
echo the block stops at the first failure
.Ed
.\" exit status 3
.Bd -literal
true
.Ed
.Bd -literal
$ echo three
four
.Ed
.Bd -literal
qcat no-such-file.qev | head \-n 1
.Ed
EOF
    run --separate-stderr "$RUN_EXAMPLES" bad.1
    assert_failure 1
    assert_line 'bad.1:2: FAIL: exit status 1, expected 0'
    assert_line 'bad.1:7: FAIL: exit status 0, expected 3'
    assert_line 'bad.1:10: FAIL: the output differs from the page'"'"'s'
    assert_line 'bad.1:14: FAIL: exit status 1, expected 0'
    assert_line 'bad.1: 4 ran, 0 skipped, 4 failed'
}

@test "run-examples: an escape it does not know is an error, not a guess" {
    printf '.Sh EXAMPLES\n.Bd -literal\necho \\(em\n.Ed\n' >odd.1
    run --separate-stderr "$RUN_EXAMPLES" odd.1
    assert_failure 1
    assert_equal "$stderr" 'run-examples: odd.1:3: unknown escape \(em'
}

# ---- the examples of every page ----

@test "the programs the pages' examples call are installed" {
    # Debian: groff-base, jq, xxd, zstd, python3
    missing=
    for c in groff jq xxd zstd python3; do
        command -v "$c" >/dev/null || missing="$missing $c"
    done
    [ -z "$missing" ] || skip "not installed:$missing; the examples that call them skip"
}

@test "qcal(1) examples run" { examples_pass qcal.1 1; }
@test "qcal(5) examples run" { examples_pass qcal.5 1; }
@test "qcat(1) examples run" { examples_pass qcat.1 0; }
@test "qcorr(1) examples run" { need_command jq; examples_pass qcorr.1 0; }
@test "qev(5) examples run and print what the page shows" { need_command xxd; need_command zstd; examples_pass qev.5 0; }
@test "qpipe(7) examples and recipes run" { examples_pass qpipe.7 3; }
@test "qrecon(1) examples run" { examples_pass qrecon.1 0; }
@test "qsim(1) examples run" { examples_pass qsim.1 0; }
@test "qssim(1) examples run" { examples_pass qssim.1 1; }
@test "qstat(1) examples run" { need_command jq; examples_pass qstat.1 1; }
@test "qtag-read(1) examples run" { examples_pass qtag-read.1 0; }

@test "every page is tested above, and every tool has a page" {
    for p in $(pages); do
        grep -q "examples_pass $(basename "$p") " "$BATS_TEST_FILENAME" ||
            fail "$(basename "$p") has no examples test"
    done
    for t in "$QPIPE_TOP"/cmd/*.c; do
        t=$(basename "$t" .c)
        [ -f "$QPIPE_TOP/man/$t.1" ] || fail "no man/$t.1"
    done
}

# ---- formatting and structure ----

@test "groff -mandoc -ww -z is silent on every page" {
    need_command groff groff-base
    for p in $(pages); do
        msg=$(groff -mandoc -ww -z "$p" 2>&1) || fail "$p: groff failed: $msg"
        [ -z "$msg" ] || fail "$p: $msg"
    done
}

@test "mandoc -Tlint finds no warning on any page" {
    need_command mandoc
    # the manual database of the system is not ours to judge
    msg=$(mandoc -Tlint -W warning $(pages) 2>&1 | grep -v 'mandoc\.db' || true)
    [ -z "$msg" ] || fail "$msg"
}

@test "every page has NAME, SYNOPSIS, DESCRIPTION, EXAMPLES and SEE ALSO; section 1 also OPTIONS and EXIT STATUS" {
    for p in $(pages); do
        want="NAME SYNOPSIS DESCRIPTION EXAMPLES SEE_ALSO"
        case $p in *.1) want="$want OPTIONS EXIT_STATUS" ;; esac
        for sh in $want; do
            grep -qx ".Sh ${sh//_/ }" "$p" || fail "$(basename "$p") lacks ${sh//_/ }"
        done
    done
}

# The options of a tool's usage: every --long word of its --help (and of
# each setup's for qsim).
help_text() {
    "$1" --help
    if [ "$1" = qsim ]; then
        for s in poisson spdc thermal coherent emitter ghost spi; do qsim "$s" --help; done
    fi
}

@test "each tool's page names every long option of its --help" {
    need_command groff groff-base
    for p in "$QPIPE_TOP"/man/*.1; do
        t=$(basename "$p" .1)
        page=$(rendered "$p")
        for o in $(help_text "$t" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
            grep -qE -- "$o([^a-z0-9-]|\$)" <<<"$page" || fail "$t.1 does not name $o"
        done
    done
}

@test "each tool's SYNOPSIS has every subcommand of its usage lines" {
    need_command groff groff-base
    for p in "$QPIPE_TOP"/man/*.1; do
        t=$(basename "$p" .1)
        synopsis=$(rendered "$p" | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
        subs=$(help_text "$t" | sed -n "s/^\(Usage:\|  or:\)\{0,1\} *$t \([a-z][a-z|-]*\).*/\2/p" |
            tr '|' '\n' | sort -u)
        for sub in $subs; do
            grep -qE "(^|[ |])$sub([ |]|\$)" <<<"$synopsis" || fail "$t.1 SYNOPSIS lacks $sub"
        done
    done
}
