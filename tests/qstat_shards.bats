load helpers

# qstat --partial of each shard (qcat --shard), merged with qstat --merge, must
# print exactly what the partial of the whole stream prints when merged alone.
# The stream has gaps that cross shard boundaries and a quiet stretch that
# leaves some of 8 shards empty.

setup_file() {
    cd "$BATS_FILE_TMPDIR" || return 1
    python3 - <<'PY'
import random, struct
random.seed(11)
events = []
for ch, rate in ((1, 2e4), (2, 3e3), (7, 40.0)):
    t = 0.0
    while True:
        t += random.expovariate(rate / 1e12)
        if t >= 2e12:
            break
        if 0.6e12 <= t < 1.3e12 and ch != 7:   # a quiet stretch: empty shards
            continue
        events.append((int(t), ch))
events.sort()
with open("quiet.raw", "wb") as f:
    for t, ch in events:
        f.write(struct.pack("<qHBBI", t, ch, 0, 0, 0))
PY
    qtag-read --format raw16 -o quiet.qev quiet.raw
    qstat --gap 400us --partial -o whole.partial quiet.qev
}

merged_equals_whole() {
    local n=$1 form=$2 i
    rm -f shard*.partial
    for i in $(seq 1 "$n"); do
        qcat --shard "$i/$n" -b -o "shard$i.qev" "$BATS_FILE_TMPDIR/quiet.qev"
        qstat --gap 400us --partial -o "shard$i.partial" "shard$i.qev"
    done
    qstat --merge --label q $form shard*.partial >merged.out
    qstat --merge --label q $form "$BATS_FILE_TMPDIR/whole.partial" >whole.out
    cmp merged.out whole.out
}

@test "the whole stream's own numbers: gaps across the quiet stretch, counts by awk" {
    qcat "$BATS_FILE_TMPDIR/quiet.qev" >events.txt
    run --separate-stderr qstat --merge --json "$BATS_FILE_TMPDIR/whole.partial"
    assert_success
    want_events=$(awk 'NR > 1' events.txt | wc -l)
    want_gaps=$(awk 'NR > 2 && $1 - prev > 400000000 {n++} NR > 1 {prev = $1} END {print n + 0}' events.txt)
    run python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["inputs"][0]; print(d["events"], d["gaps"]["count"])' /dev/stdin <<<"$output"
    assert_output "$want_events $want_gaps"
}

@test "1, 2, 3 and 8 shards merge to the whole: text" {
    for n in 1 2 3 8; do
        run merged_equals_whole "$n" ""
        assert_success
    done
}

@test "1, 2, 3 and 8 shards merge to the whole: JSON and Prometheus" {
    for n in 2 3 8; do
        run merged_equals_whole "$n" --json
        assert_success
        run merged_equals_whole "$n" --prom
        assert_success
    done
}

@test "some of 8 shards are empty, and still merge" {
    local empty=0 i
    for i in $(seq 1 8); do
        qcat --shard "$i/8" -b -o "s$i.qev" "$BATS_FILE_TMPDIR/quiet.qev"
        [ "$(qcat -c -C 1,2 "s$i.qev")" = 0 ] && empty=$((empty + 1))
    done
    [ "$empty" -ge 2 ]
}

@test "partials of other settings do not merge" {
    qstat --gap 1ms --partial -o other.partial "$BATS_FILE_TMPDIR/quiet.qev"
    run --separate-stderr qstat --merge "$BATS_FILE_TMPDIR/whole.partial" other.partial
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" 'gap_threshold_ps differs'
}
