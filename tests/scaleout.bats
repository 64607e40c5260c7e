load helpers

# Scale-out: the sharded job of examples/slurm and examples/parallel, run by
# GNU parallel and by a real single-node Slurm (examples/slurm/slurm-local).
# The merged results of 1, 2, 3 and 8 shards must equal, byte for byte, what
# one process writes over the whole stream: qstat, qcorr hist and stats, and
# qrecon heralded and computational images. The stream has a quiet stretch,
# so that two of its 8 shards hold no events. The whole-stream numbers are
# anchored to counts made from qcat's text with awk and Python.
#
# The Slurm tests run under make check-slurm (QPIPE_SLURM=1), which as root
# installs the Debian packages they need; make check skips them.

slurm_packages="slurmctld slurmd slurm-client munge"

# ---- helpers ----

assert_same_file() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(cmp "$1" "$2" 2>&1 | head -n 3)"
}

# The Debian packages of $@ that are not installed.
missing_packages() {
    local p
    command -v dpkg-query >/dev/null || return 0
    for p in "$@"; do
        case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
            *" installed") ;;
            *) printf '%s ' "$p" ;;
        esac
    done
}

# Under make check-slurm, as root: installs what the tests need.
install_packages() {
    local missing
    missing=$(missing_packages $slurm_packages parallel)
    [ -n "$missing" ] && [ "$(id -u)" = 0 ] || return 0
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $missing \
        >/dev/null 2>&1 || {
        apt-get update >/dev/null 2>&1
        apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >/dev/null
    }
}

need_parallel() {
    need_command parallel
    case $(parallel --version 2>/dev/null) in
        "GNU parallel"*) ;;
        *) skip "parallel is not GNU parallel (moreutils has one too): sudo apt-get install -y parallel" ;;
    esac
}

need_slurm() {
    local missing
    [ "${QPIPE_SLURM:-}" = 1 ] || skip "a real Slurm runs only under make check-slurm"
    missing=$(missing_packages $slurm_packages)
    [ -z "$missing" ] ||
        skip "missing Debian packages; as root: apt-get install -y --no-install-recommends $missing"
    [ "$(id -u)" = 0 ] || skip "slurmd must run as root"
}

# write_conf FILE INPUT OUT SHARDS PRODUCTS [OVERLAP]: a job, as in
# examples/slurm/example.conf. The default overlap covers the correlations
# and coincidences below; a single-pixel stream needs an exposure.
write_conf() {
    cat >"$1" <<EOF
INPUT=$2
OUT=$3
SHARDS=$4
OVERLAP=${6:-1us}
PRODUCTS="$5"
QSTAT=(--gap 100ms)
HIST=(-p 1:2 -b 20ps -r 10ns)
STATS=(-p 1:2 -w 1ns)
COINC=(-C 1,2 -w 1ns)
ACCIDENTALS_DELAY=50ns
RECON_MERGE=(-a tv)
QPIPE_BIN=$QPIPE_BIN
EOF
}

# The heralded job (pairs.qev) and the computational one (spi.qev) of $1
# shards, for engine $2, in $BATS_FILE_TMPDIR/$2/.
confs() {
    local d=$BATS_FILE_TMPDIR
    mkdir -p "$d/$2"
    write_conf "$d/$2/pairs$1.conf" "$d/pairs.qev" "$d/$2/pairs$1" "$1" "qstat hist stats heralded"
    write_conf "$d/$2/spi$1.conf" "$d/spi.qev" "$d/$2/spi$1" "$1" computational 100us
}

# The results of engine $1 with $2 shards equal the single-process ones.
assert_merged_equals_whole() {
    local d=$BATS_FILE_TMPDIR out=$BATS_FILE_TMPDIR/$1/pairs$2
    assert_same_file "$out/qstat.txt" "$d/whole.qstat"
    assert_same_file "$out/hist.tsv" "$d/whole.hist"
    assert_same_file "$out/stats.tsv" "$d/whole.stats"
    assert_same_file "$out/image.pfm" "$d/whole.pfm"
    assert_same_file "$d/$1/spi$2/image.pfm" "$d/whole-spi.pfm"
}

setup_file() {
    local d=$BATS_FILE_TMPDIR
    cd "$d" || return 1
    [ "${QPIPE_SLURM:-}" = 1 ] && install_packages
    # Photon pairs on a 32 x 32 array; 300 to 700 ms cut out, so that shards 4
    # and 5 of 8 (375 to 625 ms) are empty, even with their overlap.
    qsim ghost -r 300k -d 1s --det 1:dark=5k,jitter=50ps --det 2:dark=5,jitter=50ps \
        -s 5 -o full.qev
    qcat --to 300ms -b -o early.qev full.qev
    qcat --from 700ms -b -o late.qev full.qev
    qcat --merge -b -o pairs.qev early.qev late.qev
    rm full.qev early.qev late.qev
    # single-pixel imaging, a quarter of the Hadamard patterns
    qsim spi --size 32 --object discs --order cake --sampling 0.25 --flux 1e7 \
        --exposure 100us -s 4 -o spi.qev

    # One process over the whole stream. qstat of a file adds the lines of
    # the file's container (segments, blocks); shards report the events.
    qstat --gap 100ms "$d/pairs.qev" | grep -v -e '^segments ' -e '^blocks ' >whole.qstat
    qcorr hist -p 1:2 -b 20ps -r 10ns -o whole.hist pairs.qev
    qcorr stats -p 1:2 -w 1ns -o whole.stats pairs.qev
    qcorr coinc -C 1,2 -w 1ns --delayed 50ns -o delayed.qev pairs.qev
    qcorr coinc -C 1,2 -w 1ns pairs.qev | qrecon heralded -q --accidentals delayed.qev -o whole.pfm
    qrecon computational -q -a tv -o whole-spi.pfm spi.qev
}

teardown_file() {
    local d=$BATS_FILE_TMPDIR/slurm.dir
    [ -s "$d" ] || return 0
    "$QPIPE_TOP/examples/slurm/slurm-local" stop "$(cat "$d")" && rm -rf "$(cat "$d")"
}

# ---- the whole stream, against independent counts ----

@test "the single-process results agree with counts from qcat's text" {
    qcat "$BATS_FILE_TMPDIR/pairs.qev" >events.txt
    # qstat: events per channel
    want=$(awk -F'\t' 'NR > 1 { n[$2]++ } END { print n[1], n[2] }' events.txt)
    got=$(awk '$1 == 1 || $1 == 2 { printf "%s ", $2 }' "$BATS_FILE_TMPDIR/whole.qstat")
    assert_equal "$got" "$want "
    # qcorr hist: tau = t2 - t1 in bins of 20 ps centred on multiples of
    # 20 ps, 500 bins each side, counted by bisection over channel 2's times
    python3 - events.txt "$BATS_FILE_TMPDIR/whole.hist" <<'PY'
import bisect, sys
t1, t2 = [], []
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        t, ch = line.split("\t")[:2]
        (t1 if ch == "1" else t2).append(int(t))
b, K = 20, 500
counts = [0] * (2 * K + 1)
for a in t1:
    lo = bisect.bisect_left(t2, a - K * b - b // 2)
    hi = bisect.bisect_left(t2, a + K * b + b // 2)
    for t in t2[lo:hi]:
        counts[(t - a + b // 2) // b + K] += 1
got = [int(l.split("\t")[2]) for l in open(sys.argv[2]) if l[0] != "#" and not l.startswith("pair")]
assert got == counts, "qcorr hist differs from the count by bisection"
assert sum(counts) > 10000, sum(counts)
PY
}

@test "two of the 8 shards own no events" {
    local i counts=
    for i in 1 2 3 4 5 6 7 8; do
        counts="$counts $(qcat --shard "$i/8" -b "$BATS_FILE_TMPDIR/pairs.qev" | qcat -c)"
    done
    assert_regex "$counts" '^ [1-9][0-9]* [1-9][0-9]* [1-9][0-9]* 0 0 [1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$'
}

# ---- GNU parallel ----

run_parallel() {
    need_parallel
    confs "$1" parallel
    run --separate-stderr "$QPIPE_TOP/examples/parallel/run" \
        "$BATS_FILE_TMPDIR/parallel/pairs$1.conf" 2
    assert_success
    run --separate-stderr "$QPIPE_TOP/examples/parallel/run" \
        "$BATS_FILE_TMPDIR/parallel/spi$1.conf" 2
    assert_success
    assert_merged_equals_whole parallel "$1"
}

@test "parallel: 1 shard merges to the single-process results, byte for byte" {
    run_parallel 1
}

@test "parallel: 2 shards merge to the single-process results, byte for byte" {
    run_parallel 2
}

@test "parallel: 3 shards merge to the single-process results, byte for byte" {
    run_parallel 3
}

@test "parallel: 8 shards, two of them empty, merge to the single-process results" {
    run_parallel 8
    for i in 4 5; do
        run grep -x 'sum events 0' "$BATS_FILE_TMPDIR/parallel/pairs8/parts/qstat.$i"
        assert_success
    done
}

@test "parallel: a shard that fails stops the run, and nothing is merged" {
    need_parallel
    write_conf bad.conf "$BATS_FILE_TMPDIR/pairs.qev" "$PWD/bad" 3 "qstat hist"
    # the partial of shard 2 cannot be renamed into place
    mkdir -p bad/parts/hist.2
    run --separate-stderr "$QPIPE_TOP/examples/parallel/run" bad.conf 1
    assert_failure
    assert_regex "$stderr" 'hist\.2'
    [ ! -e bad/qstat.txt ] && [ ! -e bad/hist.tsv ]
    # the job log: shard 1 succeeded, shard 2 failed, shard 3 never ran
    run awk -F'\t' 'NR > 1 { n = split($9, w, " "); printf "%s:%s ", w[n], $7 }' bad/logs/parallel.log
    assert_output --regexp '1:0 .*2:[1-9]'
    refute_output --regexp ' 3:'
}

# ---- a real Slurm ----

@test "slurm: a local cluster runs the arrays of 1, 2, 3 and 8 shards, each merge after its array" {
    need_slurm
    local d=$BATS_FILE_TMPDIR port=6817 dir n ids array merge last_end merge_start jobs
    cd "$d"
    # a free pair of ports
    while (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
        (exec 9<>"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null; do
        port=$((port + 2))
    done
    dir=$(mktemp -d /tmp/qpipe-slurm.XXXXXX)
    echo "$dir" >slurm.dir
    # the daemons must not hold bats' descriptor 3 open
    run --separate-stderr env SLURM_LOCAL_PORT=$port "$QPIPE_TOP/examples/slurm/slurm-local" \
        start "$dir" 3>&-
    assert_success
    assert_output "export SLURM_CONF=$dir/etc/slurm.conf"
    export SLURM_CONF=$dir/etc/slurm.conf
    for n in 1 2 3 8; do
        confs "$n" slurm
        "$QPIPE_TOP/examples/slurm/submit" "slurm/pairs$n.conf" >>jobs
        "$QPIPE_TOP/examples/slurm/submit" "slurm/spi$n.conf" >>jobs
    done
    # and one whose second shard fails
    write_conf slurm/bad.conf "$d/pairs.qev" "$d/slurm/bad" 3 "qstat hist"
    mkdir -p slurm/bad/parts/hist.2
    "$QPIPE_TOP/examples/slurm/submit" slurm/bad.conf >bad.jobs
    mapfile -t jobs <jobs
    [ "${#jobs[@]}" = 8 ]
    for ids in "${jobs[@]}"; do
        read -r array merge <<<"$ids"
        run "$QPIPE_TOP/examples/slurm/slurm-local" wait "$dir" "$array" 300
        assert_success
        run "$QPIPE_TOP/examples/slurm/slurm-local" wait "$dir" "$merge" 300
        assert_success
        # the merge started when the last task of its array had ended
        last_end=$(scontrol -o show job "$array" | grep -o 'EndTime=[^ ]*' | sort | tail -n 1)
        merge_start=$(scontrol -o show job "$merge" | grep -o 'StartTime=[^ ]*')
        [[ ! ${merge_start#*=} < ${last_end#*=} ]]
    done
}

@test "slurm: 1 shard merges to the single-process results, byte for byte" {
    need_slurm
    assert_merged_equals_whole slurm 1
}

@test "slurm: 2 shards merge to the single-process results, byte for byte" {
    need_slurm
    assert_merged_equals_whole slurm 2
}

@test "slurm: 3 shards merge to the single-process results, byte for byte" {
    need_slurm
    assert_merged_equals_whole slurm 3
}

@test "slurm: 8 shards, two of them empty, merge to the single-process results" {
    need_slurm
    assert_merged_equals_whole slurm 8
    for i in 4 5; do
        run grep -x 'sum events 0' "$BATS_FILE_TMPDIR/slurm/pairs8/parts/qstat.$i"
        assert_success
    done
    # every task wrote its own log
    [ "$(ls "$BATS_FILE_TMPDIR/slurm/pairs8/logs" | grep -c '^shard-[1-8]\.log$')" = 8 ]
}

@test "slurm: a failing task fails the array, and its merge is cancelled" {
    need_slurm
    local d=$BATS_FILE_TMPDIR array merge
    export SLURM_CONF=$(cat "$d/slurm.dir")/etc/slurm.conf
    read -r array merge <"$d/bad.jobs"
    run --separate-stderr "$QPIPE_TOP/examples/slurm/slurm-local" wait "$(cat "$d/slurm.dir")" "$array" 300
    assert_failure 1
    assert_regex "$stderr" "${array}_2 FAILED"
    run --separate-stderr "$QPIPE_TOP/examples/slurm/slurm-local" wait "$(cat "$d/slurm.dir")" "$merge" 300
    assert_failure 1
    run scontrol -o show job "$merge"
    assert_output --regexp 'JobState=CANCELLED .*Reason=DependencyNeverSatisfied'
    [ ! -e "$d/slurm/bad/qstat.txt" ] && [ ! -e "$d/slurm/bad/hist.tsv" ]
}

@test "slurm: stop ends every process the cluster started" {
    need_slurm
    local dir pids p
    dir=$(cat "$BATS_FILE_TMPDIR/slurm.dir")
    pids=$("$QPIPE_TOP/examples/slurm/slurm-local" pids "$dir")
    [ "$(echo "$pids" | wc -w)" = 3 ]
    run --separate-stderr "$QPIPE_TOP/examples/slurm/slurm-local" stop "$dir"
    assert_success
    for p in $pids; do
        # gone, or a zombie waiting for init: no command line
        [ ! -s "/proc/$p/cmdline" ] || fail "pid $p still runs: $(tr '\0' ' ' <"/proc/$p/cmdline")"
    done
    for p in /proc/[0-9]*; do
        case $(readlink "$p/cwd" 2>/dev/null) in
            "$dir"/*) fail "pid ${p#/proc/} still works in $dir" ;;
        esac
    done
    run "$QPIPE_TOP/examples/slurm/slurm-local" pids "$dir"
    assert_output ''
}
