load helpers

# qtag-read on CSV/TSV text. Expected events are worked out by hand from the
# text (1.5 ns is 1500 ps), or written by a Python script beside the text it
# generates; the events are checked through qcat's raw 16-byte records decoded
# with Perl's unpack, so no text formatting of ours is involved.

# ---- helpers ----

# Converts with qtag-read "$@" and prints the events one per line as
# "time channel kind flags aux" (kind photon 0, sync 1, marker 2; flags pixel 1,
# micro 2, value 4, group 8; aux = x | y << 16 for a pixel).
events() {
    rm -f "$BATS_TEST_TMPDIR/out.qev"
    qtag-read -o "$BATS_TEST_TMPDIR/out.qev" "$@" || return
    qcat -O raw "$BATS_TEST_TMPDIR/out.qev" | perl -e '
        binmode STDIN; local $/; my $b = <STDIN>;
        die "not whole 16-byte records\n" if length($b) % 16;
        # <i8 time_ps, <u2 channel, u1 kind, u1 flags, <u4 aux (qcat(1), -O raw)
        print join(" ", unpack("q< S< C C L<", substr($b, 16 * $_, 16))), "\n"
            for 0 .. length($b) / 16 - 1;'
}

# A failed conversion: exit 1, one line on stderr, no output file.
assert_refused() {
    assert_failure 1
    assert_output ''
    assert_equal "${#stderr_lines[@]}" 1
    [ ! -e "$BATS_TEST_TMPDIR/out.qev" ] || fail "an output file was left behind"
}

# Asserts a metadata line of `qtag-read --info`: key $1 has value $2.
assert_meta() {
    assert_line --regexp "^$1 +$2\$"
}

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # Writes events in qcat's text form (qcat(1): header time_ps, channel,
    # kind, then x, y, micro, value, group for the declared fields, "-" where
    # an event lacks one, the group column counting group starts), and the
    # same events as "time channel kind flags aux" lines from qev(5).
    cat >"$d/gen.py" <<'EOF'
import random, sys
fields = [f for f in sys.argv[1].split(",") if f]
sep = {"tab": "\t", "comma": ","}[sys.argv[2]]
rng = random.Random(int(sys.argv[3]))
n = int(sys.argv[4])
names = {0: "photon", 1: "sync", 2: "marker"}
cols = ["time_ps", "channel", "kind"]
cols += ["x", "y"] if "pixel" in fields else []
cols += [f for f in ("micro", "value", "group") if f in fields]
aux_kinds = [f for f in ("pixel", "micro", "value") if f in fields]
t, group = rng.randrange(-1000, 1000), 0
text, expect = [sep.join(cols)], []
for _ in range(n):
    t += rng.choice([0, 1, rng.randrange(1, 10**6), rng.randrange(1, 10**12)])
    ch = rng.choice([0, 1, 2, 65535, rng.randrange(65536)])
    kind = rng.choice([0, 0, 0, 1, 2, 7])
    which = rng.choice([None] + aux_kinds)
    flags, aux = 0, 0
    row = [str(t), str(ch), names.get(kind, str(kind))]
    if "pixel" in fields:
        if which == "pixel":
            x, y = rng.choice([0, 65535, rng.randrange(65536)]), rng.randrange(65536)
            flags, aux = 1, x | y << 16
            row += [str(x), str(y)]
        else:
            row += ["-", "-"]
    for name, bit in (("micro", 2), ("value", 4)):
        if name in fields:
            if which == name:
                v = rng.choice([0, 2**32 - 1, rng.randrange(2**32)])
                flags, aux = bit, v
                row.append(str(v))
            else:
                row.append("-")
    if "group" in fields:
        if rng.random() < 0.3:
            flags |= 8
            group += 1
        row.append(str(group))
    text.append(sep.join(row))
    expect.append(f"{t} {ch} {kind} {flags} {aux}")
open(sys.argv[5], "w").write("\n".join(text) + "\n")
open(sys.argv[6], "w").write("\n".join(expect) + "\n")
EOF
    qsim poisson -n 1000 -c 3 | qcat -O csv >"$d/a.csv"
    qsim poisson -n 1000 -c 3 | qcat >"$d/a.txt"
}

# ---- plain columns and times ----

@test "two integer columns without a header: times in ps, channels as written" {
    printf '100,1\n250,2\n250,0\n9223372036854775807,65535\n' >p.csv
    run --separate-stderr events p.csv
    assert_success
    assert_output "$(printf '%s\n' '100 1 0 0 0' '250 2 0 0 0' '250 0 0 0 0' \
        '9223372036854775807 65535 0 0 0')"
    assert_equal "$stderr" ''
    run --separate-stderr qtag-read -i p.csv
    assert_success
    assert_meta format csv
    assert_meta header_row 0
    assert_meta delimiter comma
    assert_meta time_unit_ps 1
    assert_meta time_unit_source default
}

@test "decimal times with --time-unit 1ns convert exactly" {
    printf '1.5,1\n12.345,2\n0.001,3\n-2.25,4\n7,5\n1e3,6\n' >d.csv
    run --separate-stderr events --time-unit 1ns d.csv
    assert_success
    assert_output "$(printf '%s\n' '1500 1 0 0 0' '12345 2 0 0 0' '1 3 0 0 0' '-2250 4 0 0 0' \
        '7000 5 0 0 0' '1000000 6 0 0 0')"
    assert_equal "$stderr" ''
}

@test "seconds with many decimals convert exactly, without rounding through double" {
    # 0.1 + 0.2 in double is not 0.3; 1.000000000001 s needs 13 digits.
    printf '0.000001,1\n2.5e-6,1\n1.000000000001,2\n0.3,3\n86400.123456789012,4\n' >s.csv
    run --separate-stderr events --time-unit 1s s.csv
    assert_success
    assert_output "$(printf '%s\n' '1000000 1 0 0 0' '2500000 1 0 0 0' '1000000000001 2 0 0 0' \
        '300000000000 3 0 0 0' '86400123456789012 4 0 0 0')"
}

@test "a unit that is not 1: --time-unit 81ps multiplies" {
    printf '0,1\n1,1\n3,2\n10.5,2\n' >u.csv
    run --separate-stderr events --time-unit 81ps u.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: u.csv: line 4, column 1: time '10.5' (unit 81 ps): not a whole number of picoseconds"
    printf '0,1\n1,1\n3,2\n10,2\n' >u.csv
    run --separate-stderr events --time-unit 81ps u.csv
    assert_success
    assert_output "$(printf '%s\n' '0 1 0 0 0' '81 1 0 0 0' '243 2 0 0 0' '810 2 0 0 0')"
}

@test "a time that is not a whole number of ps is refused with its line and column" {
    printf '# a comment\n1.5,1\n\n0.0005,2\n' >n.csv
    run --separate-stderr events --time-unit 1ns n.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: n.csv: line 4, column 1: time '0.0005' (unit 1000 ps): not a whole number of picoseconds"
    printf '12.5,1\n' >n.csv
    run --separate-stderr events n.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: n.csv: line 1, column 1: time '12.5' (unit 1 ps): not a whole number of picoseconds"
}

@test "digits past what 64 bits hold are refused, not dropped" {
    # 1.00000000000000000001 s is 10^12 + 10^-8 ps: keeping 19 digits would
    # silently give 10^12.
    printf '1.00000000000000000001,1\n' >x.csv
    run --separate-stderr events --time-unit 1s x.csv
    assert_refused
    assert_regex "$stderr" "line 1, column 1: time '1.00000000000000000001' \(unit 1000000000000 ps\): not a whole number of picoseconds$"
    printf '9223372036854775808,1\n' >x.csv
    run --separate-stderr events x.csv
    assert_refused
    assert_regex "$stderr" "line 1, column 1: .*too large$"
    printf '9300000,1\n' >x.csv
    run --separate-stderr events --time-unit 1000000000000000ps x.csv
    assert_refused
    assert_regex "$stderr" "too large$"
}

@test "the time column's name gives the unit when --time-unit is not given" {
    printf 'time_ns,channel\n1.5,1\n2,2\n' >a.csv
    run --separate-stderr events a.csv
    assert_success
    assert_output "$(printf '%s\n' '1500 1 0 0 0' '2000 2 0 0 0')"
    run --separate-stderr qtag-read -i a.csv
    assert_meta time_unit_ps 1000
    assert_meta time_unit_source "the time column's name"
    printf 't (us),channel\n0.25,1\n' >b.csv
    run --separate-stderr events b.csv
    assert_output '250000 1 0 0 0'
    printf 'stamp [s];channel\n0.000000000007;1\n' >c.csv
    run --separate-stderr events c.csv
    assert_output '7 1 0 0 0'
    printf 'TIME_PS\tchannel\n42\t1\n' >d.csv
    run --separate-stderr events d.csv
    assert_output '42 1 0 0 0'
    printf 'Time_S,channel\n2,1\n' >e.csv
    run --separate-stderr events e.csv
    assert_output '2000000000000 1 0 0 0'
    # --time-unit wins over the name
    run --separate-stderr events --time-unit 1ps a.csv
    assert_failure 1
    assert_regex "$stderr" "line 2, column 1: time '1.5' \(unit 1 ps\)"
    run --separate-stderr events --time-unit 1us a.csv
    assert_output "$(printf '%s\n' '1500000 1 0 0 0' '2000000 2 0 0 0')"
    # a name without a unit leaves picoseconds
    printf 'time_stamp,channel\n3,1\n' >f.csv
    run --separate-stderr events f.csv
    assert_output '3 1 0 0 0'
}

# ---- columns and header ----

@test "columns by number pick any two columns; other columns are ignored" {
    printf 'x;9;17;y\nq;2;11;r\n' >c.txt
    run --separate-stderr events --no-header --time-column 3 --channel-column 2 c.txt
    assert_success
    assert_output "$(printf '%s\n' '17 9 0 0 0' '11 2 0 0 0')"
    run --separate-stderr qtag-read -i --no-header --time-column 3 --channel-column 2 c.txt
    assert_meta time_column 3
    assert_meta channel_column 2
    assert_meta delimiter semicolon
}

@test "columns by name, matched without regard to case" {
    printf 'Detector,other,Timestamp\n3,x,100\n1,y,200\n' >n.csv
    run --separate-stderr events --time-column timestamp --channel-column DETECTOR n.csv
    assert_success
    assert_output "$(printf '%s\n' '100 3 0 0 0' '200 1 0 0 0')"
    run --separate-stderr qtag-read -i --time-column timestamp --channel-column DETECTOR n.csv
    assert_meta time_column 3
    assert_meta channel_column 1
    assert_meta header_row 1
}

@test "a named column the header lacks, or a name without a header, is an error" {
    printf 'time,channel\n1,2\n' >n.csv
    run --separate-stderr events --time-column stamp n.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: n.csv: line 1: no column named 'stamp' in the header row"
    run --separate-stderr events --time-column time --no-header n.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: n.csv: a column chosen by name needs a header row, but --no-header says there is none"
    printf '1,2\n' >m.csv
    run --separate-stderr events --channel-column channel m.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: m.csv: line 1: a column chosen by name needs a header row, but the first row holds data"
    run --separate-stderr events --time-column 0 m.csv
    assert_refused
    assert_regex "$stderr" "--time-column: columns count from 1"
    run --separate-stderr events --time-column 2 m.csv
    assert_refused
    assert_regex "$stderr" "the time and channel columns are the same column"
    printf 'a,b\n1,2\n' >h.csv
    run --separate-stderr events --time-column 3 --channel-column 1 h.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: h.csv: line 1: the header row has 2 columns; the time column is 3"
}

@test "header detection: a first row whose time field is not a number is a header" {
    printf 'when,where\n5,1\n6,2\n' >h.csv
    run --separate-stderr events h.csv
    assert_output "$(printf '%s\n' '5 1 0 0 0' '6 2 0 0 0')"
    printf '5,1\n6,2\n' >d.csv
    run --separate-stderr events d.csv
    assert_output "$(printf '%s\n' '5 1 0 0 0' '6 2 0 0 0')"
    # the channel field does not decide: only the time field
    printf '5,A\n' >e.csv
    run --separate-stderr events e.csv
    assert_refused
    assert_regex "$stderr" "line 1, column 2: channel 'A' is not a number"
    # forced either way
    run --separate-stderr events --header d.csv
    assert_success
    assert_output '6 2 0 0 0'
    run --separate-stderr events --no-header h.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: h.csv: line 1, column 1: time 'when' (unit 1 ps): not a number"
}

@test "a header repeated by cat is skipped; a different one is an error" {
    printf 'time_ns,channel\n1,1\n' >a.csv
    printf 'time_ns,channel\n2,2\n' >b.csv
    cat a.csv b.csv >ab.csv
    run --separate-stderr events ab.csv
    assert_success
    assert_output "$(printf '%s\n' '1000 1 0 0 0' '2000 2 0 0 0')"
    printf 'time_ns,channel,kind\n3,1,sync\n' >c.csv
    cat a.csv c.csv >ac.csv
    run --separate-stderr events ac.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: ac.csv: line 3: a header row that differs from the one on line 1"
}

# ---- delimiters ----

@test "the delimiter is detected from the first line: tab, comma, semicolon, space" {
    printf '# comment, with; punctuation\n10\t1\n20\t2\n' >t.tsv
    printf '10,1\n20,2\n' >c.csv
    printf '10;1\n20;2\n' >s.csv
    printf '   10   1\n20 2   \n' >w.txt
    for f in t.tsv c.csv s.csv w.txt; do
        run --separate-stderr events "$f"
        assert_success
        assert_output "$(printf '%s\n' '10 1 0 0 0' '20 2 0 0 0')"
        assert_equal "$stderr" ''
    done
    run qtag-read -i t.tsv
    assert_meta delimiter tab
    run qtag-read -i w.txt
    assert_meta delimiter 'space \(runs of spaces\)'
    # a header whose names hold spaces keeps its commas as the delimiter
    printf 't (ns),channel name\n1,2\n' >n.csv
    run --separate-stderr events n.csv
    assert_output '1000 2 0 0 0'
}

@test "--delimiter overrides detection and takes names" {
    printf '10,5;1\n' >o.csv
    run --separate-stderr events o.csv
    assert_refused
    assert_regex "$stderr" "line 1, column 2: channel '5;1' is not a number"
    run --separate-stderr events --delimiter ';' --time-column 2 --channel-column 1 o.csv
    assert_refused
    assert_regex "$stderr" "line 1, column 1: channel '10,5' is not a number"
    printf '7|3\n' >p.txt
    run --separate-stderr events --delimiter '|' p.txt
    assert_output '7 3 0 0 0'
    printf '7 3\n' >q.txt
    run --separate-stderr events --delimiter space q.txt
    assert_output '7 3 0 0 0'
    printf '7\t3\n' >r.txt
    run --separate-stderr events --delimiter tab r.txt
    assert_output '7 3 0 0 0'
    run --separate-stderr qtag-read --delimiter ab r.txt
    assert_failure 2
    assert_output ''
    run --separate-stderr events --delimiter '"' r.txt
    assert_refused
    assert_regex "$stderr" "cannot be a quote"
}

# ---- channels ----

@test "--channel-map names channels; an unmapped name is an error with line and column" {
    printf 'time,det\n10,A\n20,B\n30,7\n40,B\n50,C\n' >m.csv
    run --separate-stderr events --channel-map A=1,B=2 m.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: m.csv: line 6, column 2: channel 'C' is not a number and not in --channel-map"
    run --separate-stderr events --channel-map 'A=1,B=2,C=65535' m.csv
    assert_success
    assert_output "$(printf '%s\n' '10 1 0 0 0' '20 2 0 0 0' '30 7 0 0 0' '40 2 0 0 0' \
        '50 65535 0 0 0')"
    run qtag-read -i --channel-map A=1,B=2,C=65535 m.csv
    assert_meta channel_map 'A=1,B=2,C=65535'
    # spaces around names and numbers do not count, as in the file's fields
    run --separate-stderr events --channel-map 'A = 1, B=2 ,C=3' m.csv
    assert_success
    assert_output "$(printf '%s\n' '10 1 0 0 0' '20 2 0 0 0' '30 7 0 0 0' '40 2 0 0 0' \
        '50 3 0 0 0')"
    # a name in the map wins over the number it looks like
    run --separate-stderr events --channel-map 'A=1,B=2,C=3,7=9' m.csv
    assert_line --index 2 '30 9 0 0 0'
    run --separate-stderr events m.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: m.csv: line 2, column 2: channel 'A' is not a number (name channels with --channel-map, e.g. A=1,B=2)"
}

@test "a bad --channel-map is refused" {
    printf '1,A\n' >m.csv
    for map in 'A' 'A=' '=3' 'A=65536' 'A=x' ','; do
        run --separate-stderr events --channel-map "$map" m.csv
        assert_refused
        assert_regex "$stderr" "^qtag-read: m.csv: --channel-map: "
    done
}

@test "numeric channels are kept in 0..65535; others are refused" {
    printf '1,0\n2,65535\n3,00012\n' >c.csv
    run --separate-stderr events c.csv
    assert_output "$(printf '%s\n' '1 0 0 0 0' '2 65535 0 0 0' '3 12 0 0 0')"
    for ch in 65536 -1 1.0 '' 99999999999999999999; do
        printf '1,%s\n' "$ch" >c.csv
        run --separate-stderr events c.csv
        assert_refused
        assert_regex "$stderr" "^qtag-read: c.csv: line 1, column 2: channel "
    done
}

# ---- lines, quoting and errors ----

@test "comments, blank lines and CRLF are skipped, and lines still count right" {
    printf '\xef\xbb\xbf# exported by a lab program\r\n\r\ntime_ps,channel\r\n\r\n   \r\n10,1\r\n# 15,1\r\n20,2\r\nbad,3\r\n' >l.csv
    run --separate-stderr events l.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: l.csv: line 9, column 1: time 'bad' (unit 1 ps): not a number"
    printf '\xef\xbb\xbf# exported\r\ntime_ps,channel\r\n\r\n10,1\r\n# 15,1\r\n20,2\r\n' >k.csv
    run --separate-stderr events k.csv
    assert_success
    assert_output "$(printf '%s\n' '10 1 0 0 0' '20 2 0 0 0')"
}

@test "a row with too few fields is an error; extra fields are ignored" {
    printf 't,c\n1,2,3,4\n5\n' >f.csv
    run --separate-stderr events f.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: f.csv: line 3, column 2: missing: the row has 1 field"
    printf '1 2 3\n4\n' >s.txt
    run --separate-stderr events --time-column 3 s.txt
    assert_refused
    assert_equal "$stderr" "qtag-read: s.txt: line 2, column 3: missing: the row has 1 field"
}

@test "quoted fields are read; broken quoting is an error with line and column" {
    printf '"time","chan"\n"100","1"\n 200 , "2" \n"3,5",1\n' >q.csv
    run --separate-stderr events q.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: q.csv: line 4, column 1: time '3,5' (unit 1 ps): not a number"
    printf '"time","chan"\n"100","1"\n 200 , "2" \n' >q.csv
    run --separate-stderr events q.csv
    assert_success
    assert_output "$(printf '%s\n' '100 1 0 0 0' '200 2 0 0 0')"
    printf '1,2\n3,4"5\n' >b.csv
    run --separate-stderr events b.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: b.csv: line 2, column 2: a quote inside an unquoted field, or text after a closing quote"
    # quoted fields over two lines: a row is reported at the line it starts,
    # and the lines after it still count right
    printf '"time\n(ns)",chan\n1,2\n"x\ny",5\n' >m.csv
    run --separate-stderr events m.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: m.csv: line 4, column 1: time 'x?y' (unit 1000 ps): not a number"
    printf '"time\n(ns)",chan\n1,2\nbad,3\n' >m.csv
    run --separate-stderr events m.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: m.csv: line 4, column 1: time 'bad' (unit 1000 ps): not a number"
}

@test "long lines and fields: bounded, and a field over 1 MiB is refused" {
    # a row of 3000 columns spans several of the parser's 4 KiB pieces
    python3 -c '
import sys
for r in range(3):
    cols = ["x%d" % i for i in range(3000)]
    cols[2500], cols[1] = str(100 * (r + 1)), str(r)
    print(",".join(cols))' >wide.csv
    run --separate-stderr events --no-header --time-column 2501 wide.csv
    assert_success
    assert_output "$(printf '%s\n' '100 0 0 0 0' '200 1 0 0 0' '300 2 0 0 0')"
    python3 -c 'print("#" + "c" * 100000); print("5,1")' >longcomment.csv
    run --separate-stderr events longcomment.csv
    assert_output '5 1 0 0 0'
    python3 -c 'print("1,2"); print("3,\"" + "9" * (2 << 20) + "\"")' >huge.csv
    run --separate-stderr events huge.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: huge.csv: line 2, column 2: a field longer than 1048576 bytes"
    python3 -c 'print("1," + "7" * 200)' >long.csv
    run --separate-stderr events long.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: long.csv: line 1, column 2: a value longer than 128 characters"
}

@test "an empty file, or one of only comments, is an error" {
    : >e.csv
    run --separate-stderr events e.csv
    assert_refused
    assert_equal "$stderr" 'qtag-read: e.csv: empty file'
    printf '# nothing\n\n' >c.csv
    run --separate-stderr events c.csv
    assert_refused
    assert_equal "$stderr" 'qtag-read: c.csv: no rows: only blank and comment lines'
    printf 'time_ps,channel\n' >h.csv
    run --separate-stderr events h.csv
    assert_success
    assert_output ''
}

@test "the extensions .csv .tsv .txt choose the reader; --format csv forces it" {
    printf '10,1\n' >a.data
    run --separate-stderr events a.data
    assert_refused
    assert_regex "$stderr" 'unrecognised file format'
    run --separate-stderr events --format csv a.data
    assert_output '10 1 0 0 0'
    cp a.data a.TSV
    run --separate-stderr events a.TSV
    assert_output '10 1 0 0 0'
}

# ---- qcat's own text and CSV ----

@test "qcat -O csv and qcat text of qsim photons round-trip exactly" {
    run --separate-stderr bash -c 'qtag-read "$1/a.csv" | qcat -O csv' _ "$BATS_FILE_TMPDIR"
    assert_success
    assert_equal "$stderr" ''
    assert_equal "$output" "$(cat "$BATS_FILE_TMPDIR/a.csv")"
    run --separate-stderr bash -c 'qtag-read "$1/a.txt" | qcat' _ "$BATS_FILE_TMPDIR"
    assert_success
    assert_equal "$output" "$(cat "$BATS_FILE_TMPDIR/a.txt")"
    # and the events are the rows, read independently with Python's csv module
    python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ["time_ps", "channel", "kind"] and len(rows) == 1001
for t, c, k in rows[1:]:
    assert k == "photon"
    print(t, c, 0, 0, 0)' "$BATS_FILE_TMPDIR/a.csv" >expect
    run --separate-stderr events "$BATS_FILE_TMPDIR/a.csv"
    assert_success
    assert_output "$(cat expect)"
}

@test "qcat text with pixel and group fields round-trips, flags and aux exact" {
    python3 "$BATS_FILE_TMPDIR/gen.py" pixel,group tab 1 300 f.txt expect
    run --separate-stderr events f.txt
    assert_success
    assert_output "$(cat expect)"
    run --separate-stderr bash -c 'qtag-read f.txt | qcat'
    assert_success
    assert_equal "$output" "$(cat f.txt)"
    run qtag-read -i f.txt
    assert_meta fields pixel,group
}

@test "qcat CSV with micro and value fields round-trips" {
    python3 "$BATS_FILE_TMPDIR/gen.py" micro,value comma 2 300 f.csv expect
    run --separate-stderr events f.csv
    assert_success
    assert_output "$(cat expect)"
    run --separate-stderr bash -c 'qtag-read f.csv | qcat -O csv'
    assert_success
    assert_equal "$output" "$(cat f.csv)"
    run qtag-read -i f.csv
    assert_meta fields micro,value
}

@test "qcat text and CSV with every field and every kind round-trip" {
    for sep in tab comma; do
        python3 "$BATS_FILE_TMPDIR/gen.py" pixel,micro,value,group $sep 3 500 f.txt expect
        run --separate-stderr events f.txt
        assert_success
        assert_output "$(cat expect)"
        local fmt=text
        [ $sep = comma ] && fmt=csv
        run --separate-stderr bash -c 'qtag-read f.txt | qcat -O "$1"' _ $fmt
        assert_success
        assert_equal "$output" "$(cat f.txt)"
        run qtag-read -i f.txt
        assert_meta fields pixel,micro,value,group
    done
}

@test "group numbers: a number other than the previous row's starts a group" {
    printf 'time_ps,channel,kind,group\n1,1,photon,0\n2,1,photon,0\n3,2,photon,1\n4,1,photon,1\n5,1,sync,3\n6,2,marker,2\n7,2,photon,2\n' >g.csv
    run --separate-stderr events g.csv
    assert_success
    assert_output "$(printf '%s\n' '1 1 0 0 0' '2 1 0 0 0' '3 2 0 8 0' '4 1 0 0 0' '5 1 1 8 0' \
        '6 2 2 8 0' '7 2 0 0 0')"
}

@test "field columns: bad values are errors with line and column" {
    h='time_ps,channel,kind,x,y,micro,value'
    printf '%s\n1,1,photon,3,-,-,-\n' "$h" >a.csv
    run --separate-stderr events a.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: a.csv: line 2, column 5: '-': x and y are both numbers or both '-'"
    printf '%s\n1,1,photon,-,-,-,-\n2,1,photon,-,-,5,6\n' "$h" >b.csv
    run --separate-stderr events b.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: b.csv: line 3: an event carries at most one of pixel, micro and value; the others are '-'"
    printf '%s\n1,1,photon,65536,0,-,-\n' "$h" >c.csv
    run --separate-stderr events c.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: c.csv: line 2, column 4: x '65536' is not '-' or a number in 0..65535"
    printf '%s\n1,1,photon,-,-,4294967296,-\n' "$h" >d.csv
    run --separate-stderr events d.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: d.csv: line 2, column 6: micro '4294967296' is not '-' or a number in 0..4294967295"
    printf '%s\n1,1,light,-,-,-,-\n' "$h" >e.csv
    run --separate-stderr events e.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: e.csv: line 2, column 3: kind 'light' is not photon, sync, marker or a number 0..255"
    printf 'time_ps,channel,x\n1,1,2\n' >f.csv
    run --separate-stderr events f.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: f.csv: line 1: a column x needs a column y, and y needs x"
    printf 'time_ps,channel,group\n1,1,-\n' >g.csv
    run --separate-stderr events g.csv
    assert_refused
    assert_equal "$stderr" "qtag-read: g.csv: line 2, column 3: group '-' is not a number"
}

@test "a larger file streams through several reads and blocks unchanged" {
    qsim poisson -n 2e5 -c 4 -s 9 | qcat -O csv >big.csv
    run --separate-stderr bash -c 'qtag-read big.csv | qcat -O csv | cmp - big.csv && qtag-read big.csv | qcat -c'
    assert_success
    assert_output '200000'
}

# ---- truncation and garbage ----

@test "a file cut at every byte: the complete rows, or a one-line error" {
    python3 "$BATS_FILE_TMPDIR/gen.py" pixel,micro,group comma 4 3 f.csv expect
    # Each cut is converted on its own; the streams made are then read back
    # together, by one qcat -H (rows per file, from the closing metadata) and
    # one qcat -O raw (their events, in order).
    run python3 - <<'EOF'
import os, re, struct, subprocess
data = open("f.csv", "rb").read()
expect = open("expect").read().splitlines()
bad, made = [], []  # made: (stream, the events it must hold)
for k in range(len(data) + 1):
    open(f"cut{k}.csv", "wb").write(data[:k])
    rows = max(data[:k].count(b"\n") - 1, 0)  # complete rows after the header
    boundary = k == 0 or data[k - 1] == 10
    for allow in (False, True) if not boundary else (False,):
        out = f"cut{k}{'a' if allow else ''}.qev"
        args = ["qtag-read", "-o", out, f"cut{k}.csv"] + (["--allow-truncated"] if allow else [])
        r = subprocess.run(args, capture_output=True)
        err = r.stderr.decode()
        if k == 0:
            ok = r.returncode == 1 and err == "qtag-read: cut0.csv: empty file\n"
        elif boundary or allow:
            ok = r.returncode == 0 and (err == "" if boundary else
                                        err.count("\n") == 1 and "dropped a partial record" in err)
            made.append((out, expect[:rows]))
        else:
            ok = r.returncode == 1 and err.count("\n") == 1 and "truncated: line " in err
        if not ok or (r.returncode != 0) == os.path.exists(out):
            bad.append((k, allow, r.returncode, err))
streams = [m[0] for m in made]
header = subprocess.run(["qcat", "-H"] + streams, capture_output=True, check=True).stdout.decode()
counts = [int(n) for n in re.findall(r"^source_records=(\d+)$", header, re.M)]
raw = subprocess.run(["qcat", "-O", "raw"] + streams, capture_output=True, check=True).stdout
got = [" ".join(map(str, struct.unpack_from("<qHBBI", raw, i))) for i in range(0, len(raw), 16)]
if counts != [len(m[1]) for m in made] or got != [e for m in made for e in m[1]]:
    bad.append(("events differ", counts))
print(len(data), "cuts,", len(made), "streams,", len(bad), "bad", bad[:3])
EOF
    assert_success
    assert_output --regexp "^[0-9]{3} cuts, [0-9]{3} streams, 0 bad"
    # and --allow-truncated keeps the complete rows of a cut file, with a warning
    head -c -5 f.csv >cut.csv
    run --separate-stderr events --allow-truncated cut.csv
    assert_success
    assert_output "$(head -n 2 expect)"
    assert_equal "$stderr" "qtag-read: cut.csv: truncated: dropped a partial record of $(($(tail -n 1 f.csv | wc -c) - 5)) bytes at the end"
}

@test "random garbage: exit 1 and a one-line message, for binary and printable bytes" {
    run python3 - <<'EOF'
import os, random, subprocess
bad = []
for seed in range(40):
    rng = random.Random(seed)
    if seed % 2:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    else:
        data = "".join(rng.choice('0123456789,;\t "\n\r#.-eA') for _ in range(rng.randrange(1, 3000))).encode()
    open("g.csv", "wb").write(data)
    if os.path.exists("g.qev"):
        os.remove("g.qev")
    r = subprocess.run(["qtag-read", "-o", "g.qev", "g.csv"], capture_output=True)
    err = r.stderr.decode(errors="replace")
    if r.returncode != 1 or err.count("\n") != 1 or not err.startswith("qtag-read: g.csv: ") \
            or os.path.exists("g.qev"):
        bad.append((seed, r.returncode, err[:200]))
print(len(bad), "bad", bad[:3])
EOF
    assert_success
    assert_output '0 bad []'
}
