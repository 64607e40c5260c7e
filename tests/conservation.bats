load helpers

# Conservation (issue 9): events followed through chains of tools, qtag-read
# -> qcal apply -> qcat --from/--to/-C/-k -> qcat --shard -> qcat --merge ->
# qcorr coinc, with --tally at every stage. Each stage must
#   - print one tally line that balances: in = out + filtered, and filtered
#     is the sum of its reasons;
#   - take in what the stage before gave out;
#   - give out what an independent count finds in its output (qstat);
#   - filter, reason by reason, what awk works out from qcat's text of its
#     input: the window, channel and kind tests in qcat's order, the pixel
#     masks of the calibration file, and the coincidence rule of qcorr(1).
# The first stage is checked against values known apart from qpipe: the
# counts of ../shared/realdata/README.md (from an independent decoder), the
# records a synthetic file was written with, or qsim's own --text events.

# ---- helpers ----

# Counts worked out with awk from qcat's text output (TSV, with a line of
# column names, 'time_ps ...', at the start of each segment), apart from the
# tools' own counting. Times stay below 2^53 ps, exact in awk's doubles.
AWK_LIB='
BEGIN { FS = "\t" }
$1 == "time_ps" { for (i = 1; i <= NF; i++) col[$i] = i; next }
# a set from a list like 1,3,5-8 (or photon,sync); "-" is any
function to_set(spec, set,    n, part, i, lo, hi, c) {
    if (spec == "-") return 0
    n = split(spec, part, ",")
    for (i = 1; i <= n; i++) {
        if (split(part[i], lo, "-") == 2 && lo[1] ~ /^[0-9]+$/)
            for (c = lo[1] + 0; c <= lo[2] + 0; c++) set[c] = 1
        else set[part[i]] = 1
    }
    return 1
}
'

# "tmin tmax" of the events of text file $1, and on a second line their
# channels, as a list.
span() {
    awk "$AWK_LIB"'
    { if (n++ == 0 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1; ch[$2] = 1 }
    END { printf "%.0f %.0f\n", lo, hi
          for (c = 0; c < 65536; c++) if (c in ch) list = list (list == "" ? "" : ",") c
          print list }' "$1"
}

# "kept outside_window channel_not_selected kind_not_selected" of text file
# $1 for qcat --from=$2ps --to=$3ps -C $4 -k $5 ('-': no option), each event
# under the first test it fails.
select_events() {
    awk -v from="$2" -v to="$3" -v chans="$4" -v kinds="$5" "$AWK_LIB"'
    BEGIN { any_ch = !to_set(chans, ch); any_kind = !to_set(kinds, kind) }
    !($1 >= from + 0 && $1 < to + 0) { out++; next }
    !any_ch && !(($2 + 0) in ch) { c++; next }
    !any_kind && !($col["kind"] in kind) { k++; next }
    { kept++ }
    END { printf "%d %d %d %d\n", kept, out, c, k }' "$1"
}

# qcorr(1) coinc over text file $1 with window $2 ps, min fold $3, channels
# $4 ("-": every photon) and --collapse when $5 is yes: a group starts at the
# earliest unused event and takes every later one with 2 (t - t_first) <= w;
# it is kept when it spans min_fold channels, else only its first event is
# dropped. Prints "written ignored no_coincidence groups".
coinc_events() {
    awk -v w="$2" -v min_fold="$3" -v chans="$4" -v collapse="$5" "$AWK_LIB"'
    BEGIN { any_ch = !to_set(chans, ch) }
    { if (any_ch ? $col["kind"] == "photon" : (($2 + 0) in ch)) { n++; t[n] = $1; c[n] = $2 }
      else ignored++ }
    END {
        i = 1
        while (i <= n) {
            for (j = i + 1; j <= n && 2 * (t[j] - t[i]) <= w + 0; j++) ;
            split("", seen); fold = 0
            for (k = i; k < j; k++) if (!(c[k] in seen)) { seen[c[k]] = 1; fold++ }
            if (fold >= min_fold + 0) { grouped += j - i; groups++; i = j }
            else { dropped++; i++ }
        }
        printf "%d %d %d %d\n", collapse == "yes" ? groups : grouped, ignored, dropped, groups
    }' "$1"
}

# The events of text file $1 on the pixels calibration $2 masks (hot.C.X.Y,
# mask.C.X.Y).
masked_events() {
    awk -v cal="$2" "$AWK_LIB"'
    BEGIN { while ((getline line < cal) > 0)
                if (line ~ /^(hot|mask)\.[0-9]+\.[0-9]+\.[0-9]+ *=/) {
                    split(line, key, /[. =]+/); px[key[2] "," key[3] "," key[4]] = 1 } }
    ("x" in col) && $col["x"] != "-" && (($2 "," $col["x"] "," $col["y"]) in px) { n++ }
    END { printf "%d\n", n }' "$1"
}

# "events kind=N ..." of text file $1, the kinds in name order.
count_events() {
    awk "$AWK_LIB"'
    { n++; kind[$col["kind"]]++ }
    END { printf "%d", n; split("marker photon sync", names, " ")
          for (i = 1; i <= 3; i++) if (names[i] in kind) printf " %s=%d", names[i], kind[names[i]]
          printf "\n" }' "$1"
}

# The events of a QEV stream, as qstat counts them.
events() {
    qstat "$1" | awk '$1 == "events" { print $2 }'
}

# Runs a stage, "$@", which writes its output with -o, and checks its tally:
# success, nothing on stdout, and on stderr exactly the lines matching
# $WARNINGS (none by default) followed by the one tally line of tool $1, which
# must balance. Sets IN, OUT, FILTERED and REASON[name].
stage() {
    run --separate-stderr "$@"
    [ "$status" -eq 0 ] || fail "$1 exited $status: $stderr"
    assert_output ''
    local n=${#stderr_lines[@]} i
    [ "$n" -ge 1 ] || fail "$1 printed no tally"
    for ((i = 0; i < n - 1; i++)); do
        [ -n "${WARNINGS:-}" ] && [[ ${stderr_lines[i]} =~ $WARNINGS ]] ||
            fail "unexpected line before the tally: ${stderr_lines[i]}"
    done
    parse_tally "$1" "${stderr_lines[n - 1]}"
}

parse_tally() {
    local re="^$1: tally: in=([0-9]+) out=([0-9]+) filtered=([0-9]+)(( [a-z_]+=[0-9]+)+)$"
    [[ $2 =~ $re ]] || fail "not a tally line of $1: $2"
    IN=${BASH_REMATCH[1]} OUT=${BASH_REMATCH[2]} FILTERED=${BASH_REMATCH[3]}
    local reasons=${BASH_REMATCH[4]} sum=0 r
    declare -gA REASON=()
    for r in $reasons; do
        [ -z "${REASON[${r%=*}]:-}" ] || fail "reason ${r%=*} given twice: $2"
        REASON[${r%=*}]=${r#*=}
        sum=$((sum + ${r#*=}))
    done
    [ "$FILTERED" -eq "$sum" ] || fail "filtered is not the sum of the reasons: $2"
    [ "$IN" -eq $((OUT + FILTERED)) ] || fail "in is not out + filtered: $2"
}

# Asserts the reasons of the last tally, given as name=N words, and no other.
assert_reasons() {
    local want got
    want=$(printf '%s\n' "$@" | sort)
    got=$(for r in "${!REASON[@]}"; do echo "$r=${REASON[$r]}"; done | sort)
    assert_equal "$got" "$want"
}

# Asserts that the stage just run took in the events $1 (the previous
# stage's out) and wrote as many as qstat finds in its output $2.
assert_chained() {
    assert_equal "$IN" "$1"
    assert_equal "$OUT" "$(events "$2")"
}

# The chain after the first stage, from stream $1 whose events the stage
# before gave out ($2): qcal apply with calibration $3, qcat's middle third
# of the time range with channels $4 and kinds $5 ('-' for all), three shards
# merged, and qcorr coinc with window $6 (ps), min fold $7, channels $8 and
# --collapse when $9 is yes.
follow_chain() {
    calibrate "$1" "$2" "$3"
    slice cal.qev "$OUT" "$4" "$5"
    shard_and_merge win.qev "$OUT"
    coincide merged.qev "$OUT" "$6" "$7" "$8" "$9"
}

calibrate() {
    qcat "$1" >raw.txt
    stage qcal apply --tally -o cal.qev "$3" "$1"
    assert_chained "$2" cal.qev
    assert_reasons "masked_pixel=$(masked_events raw.txt "$3")"
}

# qcat --from/--to over the middle third of stream $1's time range.
slice() {
    qcat "$1" >cal.txt
    local range tmin tmax from to opts=()
    range=$(span cal.txt)
    range=${range%%$'\n'*}
    tmin=${range% *} tmax=${range#* }
    from=$((tmin + (tmax - tmin) / 3)) to=$((tmin + 2 * (tmax - tmin) / 3))
    [ "$3" = - ] || opts+=(-C "$3")
    [ "$4" = - ] || opts+=(-k "$4")
    stage qcat --tally --from="${from}ps" --to="${to}ps" "${opts[@]}" -o win.qev "$1"
    assert_chained "$2" win.qev
    read -r kept outside channel kind <<<"$(select_events cal.txt "$from" "$to" "$3" "$4")"
    assert_equal "$OUT" "$kept"
    assert_reasons "outside_window=$outside" "channel_not_selected=$channel" \
        "kind_not_selected=$kind"
}

# Three shards of stream $1 read whole and merged back: each shard reads all
# $2 events, the shards' outs add up to them, and the merge gives them back.
shard_and_merge() {
    local shard sum=0 # not i: bats' run sets i
    for shard in 1 2 3; do
        stage qcat --tally --shard="$shard/3" -o "shard$shard.qev" "$1"
        assert_chained "$2" "shard$shard.qev"
        assert_reasons "outside_window=$(($2 - OUT))" channel_not_selected=0 kind_not_selected=0
        sum=$((sum + OUT))
    done
    assert_equal "$sum" "$2"
    stage qcat --tally -m -o merged.qev shard1.qev shard2.qev shard3.qev
    assert_chained "$sum" merged.qev
    assert_reasons outside_window=0 channel_not_selected=0 kind_not_selected=0
    cmp -s <(qcat merged.qev) <(qcat "$1") || fail "the merged shards differ from $1"
}

coincide() {
    local opts=(-w "${3}ps" --min-fold="$4")
    [ "$5" = - ] || opts+=(-C "$5")
    [ "$6" = yes ] && opts+=(--collapse=99)
    qcat "$1" >merged.txt
    stage qcorr coinc --tally "${opts[@]}" -o coinc.qev "$1"
    assert_chained "$2" coinc.qev
    read -r written ignored dropped groups <<<"$(coinc_events merged.txt "$3" "$4" "$5" "$6")"
    local collapsed=0
    [ "$6" = yes ] && collapsed=$((IN - ignored - dropped - groups))
    assert_equal "$OUT" "$written"
    if [ "$5" = - ]; then
        assert_reasons channel_not_selected=0 "not_photon=$ignored" "no_coincidence=$dropped" \
            "collapsed_into_group=$collapsed"
    else
        assert_reasons "channel_not_selected=$ignored" not_photon=0 "no_coincidence=$dropped" \
            "collapsed_into_group=$collapsed"
    fi
}

# A real file $1 (under $REALDATA) through qtag-read with options $6...:
# README's records $2, events $3, overflow records $4 and invalid records $5;
# then the whole chain, with every channel but the highest selected
# (all of them when there is one) and a 10 ns coincidence window.
real_chain() {
    local file=$1 records=$2 out=$3 overflows=$4 invalid=$5
    shift 5
    need_realdata
    stage qtag-read --tally "$@" -o raw.qev "$REALDATA/$file"
    assert_equal "${#stderr_lines[@]}" $((${WARNINGS:+1} + 1))
    WARNINGS=
    assert_equal "$IN" "$records"
    assert_equal "$OUT" "$out"
    assert_equal "$(events raw.qev)" "$out"
    assert_reasons "overflow_records=$overflows" "invalid_records=$invalid" unknown_records=0
    local channels
    qcat raw.qev >all.txt
    channels=$(span all.txt)
    channels=${channels##*$'\n'}
    [[ $channels == *,* ]] && channels=${channels%,*}
    printf 'qpipe-calibration 1\ndelay.1 = 1000 ps\n' >delay.cal
    follow_chain raw.qev "$OUT" delay.cal "$channels" - 10000 2 - no
}

# ---- real files: every stream in ../shared/realdata ----

@test "realdata hydraharp/v20_t2.ptu: 435319 records, 129754 of them overflows" {
    real_chain picoquant-sample-data/hydraharp/v20_t2.ptu 435319 305565 129754 0
}

@test "realdata hydraharp/v20_t3.ptu: 106349 records, 45012 + 32871 photons" {
    real_chain picoquant-sample-data/hydraharp/v20_t3.ptu 106349 77883 28466 0
}

@test "realdata hydraharp/v10_t3.ptu: 167801 records, 48001 + 46559 photons" {
    real_chain picoquant-sample-data/hydraharp/v10_t3.ptu 167801 94560 73241 0
}

@test "realdata picoharp/v30_t2.ptu: 929254 records, 531477 syncs + 388700 photons" {
    real_chain picoquant-sample-data/picoharp/v30_t2.ptu 929254 920177 9077 0
}

@test "realdata hydraharp/v20.ht3: 53606 records, 44141 photons on 4 channels" {
    real_chain picoquant-sample-data/hydraharp/v20.ht3 53606 44141 9465 0
}

# The truncated files: their records are what --allow-truncated keeps.
@test "realdata hydraharp/v10.ht3 (truncated): 1050 records, 32 photons" {
    WARNINGS='truncated: kept the 1050 records of the 72463591 promised$'
    real_chain picoquant-sample-data/hydraharp/v10.ht3 1050 32 1018 0 --allow-truncated
}

@test "realdata hydraharp/v20.ht2 (truncated): 25 records, all syncs" {
    WARNINGS='truncated: kept the 25 records of the 10431577 promised$'
    real_chain picoquant-sample-data/hydraharp/v20.ht2 25 25 0 0 --allow-truncated
}

@test "realdata hydraharp/v10.ht2 (truncated): 25 records, 19 photons" {
    WARNINGS='truncated: kept the 25 records of the 52378636 promised$'
    real_chain picoquant-sample-data/hydraharp/v10.ht2 25 19 6 0 --allow-truncated
}

# README: 86997 records, 85571 valid, 1425 overflows; the one record left is
# neither, and qtag-read makes it a marker. The trailing byte is no record.
@test "realdata timeharp/v50.t3r (a trailing byte): 86997 records, 85571 photons and a marker" {
    WARNINGS='truncated: dropped a partial record of 1 bytes at the end$'
    real_chain picoquant-sample-data/timeharp/v50.t3r 86997 85572 1425 0 --allow-truncated
    run count_events all.txt
    assert_output '85572 marker=1 photon=85571'
}

# The .set file beside it gives its micro-time unit: it is read with it.
@test "realdata phconvert/test_noise.spc: 26111 records, 1087 INVALID, 18910 overflows" {
    real_chain phconvert/test_noise.spc 26111 6114 18910 1087
}

@test "realdata phconvert/test_noise_photon-hdf5.h5: 6114 rows, all photons" {
    real_chain phconvert/test_noise_photon-hdf5.h5 6114 6114 0 0
}

# B&H's export of the same run, "macrotime microtime" in 9.5 ns ticks, read as
# text: the micro-time column stands in for the channel.
@test "realdata phconvert/test_noise.asc: 6114 lines as text records" {
    real_chain phconvert/test_noise.asc 6114 6114 0 0 -F csv --time-unit 9500ps
}

# ---- simulated acquisitions ----

# Checks the first stage: qsim's own text of the same run, "$@", counted
# apart from the QEV encoder.
simulate() {
    qsim "$@" -o sim.qev
    qsim "$@" --text >sim.txt
    SIM_EVENTS=$(count_events sim.txt | cut -d' ' -f1)
    assert_equal "$(events sim.qev)" "$SIM_EVENTS"
}

@test "qsim spdc, pulsed with syncs, losses, darks and dead time: qcat -k photon drops the syncs" {
    simulate spdc -r 400k --rep-rate 2MHz --sync -d 50ms -s 3 \
        --det=1:eff=0.5,dark=20k,dead=40ns,jitter=40ps --det=2:eff=0.4,dark=20k,jitter=40ps,delay=2ns
    printf 'qpipe-calibration 1\ndelay.2 = 2000 ps\n' >d.cal
    # channels 0-2 but photons only: the syncs fall to the kind test
    follow_chain sim.qev "$SIM_EVENTS" d.cal 0-2 photon 1000 2 - no
    [ "${REASON[no_coincidence]}" -gt 0 ] && [ "$OUT" -gt 0 ]
}

@test "qsim spdc with syncs and a renamed channel: coinc -C leaves the syncs out, collapses groups" {
    simulate spdc -r 300k --rep-rate 1MHz --sync -d 50ms -s 4 \
        --det=all:eff=0.6,dark=10k,jitter=50ps
    printf 'qpipe-calibration 1\nrename.2 = 5\n' >r.cal
    follow_chain sim.qev "$SIM_EVENTS" r.cal 0,1,5 - 1000 2 1,5 yes
    [ "${REASON[collapsed_into_group]}" -gt 0 ] && [ "${REASON[channel_not_selected]}" -gt 0 ]
}

@test "qsim thermal with dead time: coinc -C on one channel writes nothing and says why" {
    simulate thermal -r 2M -d 20ms -s 5 --det=all:eff=0.7,dead=20ns,dark=1k
    printf 'qpipe-calibration 1\ndelay.1 = -300 ps\n' >d.cal
    follow_chain sim.qev "$SIM_EVENTS" d.cal - - 2000 2 1 no
    # one channel taking part spans one channel: nothing is written
    assert_equal "$OUT" 0
}

@test "qsim ghost with hot pixels: qcal apply drops the pixels qcal dark found hot" {
    simulate ghost -r 50k -d 40ms -s 6 --size 16x16 --object discs --hot-pixels 3 --hot-rate 30k \
        --det=1:eff=0.5,dark=2k --det=2:eff=0.5
    qcal dark -o hot.cal sim.qev
    run grep -c '^hot\.2\.[0-9]*\.[0-9]* =' hot.cal
    assert_output 3
    follow_chain sim.qev "$SIM_EVENTS" hot.cal 1,2 - 1000 2 - no
    # 3 pixels at 30 kHz for 40 ms: about 3600 events masked
    local masked
    masked=$(masked_events raw.txt hot.cal)
    [ "$masked" -gt 3000 ] || fail "only $masked events on the hot pixels"
    run qcat -H cal.qev
    assert_line "calibration_events_masked=$masked"
}

@test "qsim spi: pattern markers take part in coinc when -C lists them" {
    simulate spi --size 8 --object discs --exposure 200us --flux 5M -s 7 --det=1:eff=0.5,dark=1k
    printf 'qpipe-calibration 1\ndelay.1 = 500 ps\n' >d.cal
    follow_chain sim.qev "$SIM_EVENTS" d.cal - marker,photon 2000000 2 0,1 no
    [ "$OUT" -gt 0 ]
}

# ---- qtag-read: what a record becomes ----

# Written record by record from PicoQuant's HydraHarp V2 T2 layout
# (tests/make_pq.py): 4 photons, a sync and a marker make events; 3 overflow
# records (counts 3, 0 and 1) and 2 words of special channel 62, which the
# layout does not define, make none.
@test "qtag-read: overflow and unknown records count in, not out" {
    python3 "$BATS_TEST_DIRNAME/make_pq.py" ptu u.ptu hh2-t2 \
        'p 0 10; s 20; o 3; p 1 30; m 2 40; x 0xFC000001; o 0; p 0 50; x 0xFC000002; o 1; p 2 60' \
        --global-res 1e-12
    WARNINGS='2 records could not be interpreted'
    stage qtag-read --tally -o u.qev u.ptu
    assert_equal "$IN" 11
    assert_equal "$OUT" 6
    assert_reasons overflow_records=3 invalid_records=0 unknown_records=2
    assert_equal "$(events u.qev)" 6
}

@test "qtag-read --merge: in counts the records of every file" {
    python3 "$BATS_TEST_DIRNAME/make_pq.py" ptu a.ptu hh2-t2 'p 0 10; o; p 1 30' --global-res 1e-12
    python3 "$BATS_TEST_DIRNAME/make_pq.py" ptu b.ptu hh2-t2 'o; o; p 0 20; p 1 40' --global-res 1e-12
    stage qtag-read --tally -m -o ab.qev a.ptu b.ptu
    assert_equal "$IN" 7
    assert_equal "$OUT" 4
    assert_reasons overflow_records=3 invalid_records=0 unknown_records=0
    assert_equal "$(events ab.qev)" 4
}

# ---- qcat: what the window and the merge count ----

@test "qcat --merge with a window: in is the sum over inputs, skipped blocks included" {
    qsim poisson -r 2M,1M -n 2e5 -s 8 -o a.qev
    qsim poisson -r 500k -c 3 -n 1e5 -s 9 -o b.qev
    qcat -m a.qev b.qev >ab.txt
    stage qcat --tally -m --from=20ms --to=40ms -C 1,3 -o w.qev a.qev b.qev
    assert_chained 300000 w.qev
    read -r kept outside channel kind <<<"$(select_events ab.txt 20000000000 40000000000 1,3 -)"
    assert_equal "$OUT" "$kept"
    assert_reasons "outside_window=$outside" "channel_not_selected=$channel" kind_not_selected=0
}

# On a pipe the blocks outside the window are decoded and dropped, not
# skipped through the index; the count is the same.
@test "qcat --from/--to on a pipe counts the events of the blocks it drops" {
    qsim poisson -r 2M,1M -n 3e5 -s 10 -o a.qev
    stage qcat --tally --from=50ms --to=60ms -o file.qev a.qev
    local file_tally="$IN $OUT ${REASON[outside_window]}"
    run --separate-stderr sh -c 'cat a.qev | qcat --tally --from=50ms --to=60ms -o pipe.qev'
    assert_success
    parse_tally qcat "$stderr"
    assert_equal "$IN $OUT ${REASON[outside_window]}" "$file_tally"
    assert_equal "$IN" 300000
    cmp -s <(qcat file.qev) <(qcat pipe.qev) || fail "file and pipe give different events"
}

# ---- when there is no tally ----

@test "--tally prints nothing when the run fails: a cut stream, a full disk" {
    qsim poisson -r 1M -n 1e5 -s 11 -o a.qev
    head -c 20000 a.qev >cut.qev
    run --separate-stderr qcat --tally -c cut.qev
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" '^qcat: cut.qev: truncated'
    refute_regex "$stderr" 'tally'
    run --separate-stderr qcat --tally -b -o /dev/full a.qev
    assert_failure 1
    assert_output ''
    refute_regex "$stderr" 'tally'
    run --separate-stderr qcat -c a.qev
    assert_success
    assert_output 100000
    assert_equal "$stderr" ''
}

@test "--tally is refused where nothing is accounted for" {
    qsim poisson -r 1M -n 1000 -s 12 -o a.qev
    run --separate-stderr qcorr hist --tally a.qev
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" '^qcorr: --tally is for qcorr coinc'
    run --separate-stderr qcal dark --tally a.qev
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" '^qcal: --tally is for qcal apply'
    run --separate-stderr qtag-read --tally -i a.qev
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" '^qtag-read: --tally counts a conversion'
    run --separate-stderr qstat --tally a.qev
    assert_failure 2
    assert_output ''
    assert_regex "$stderr" "unrecognized option '--tally'"
}
