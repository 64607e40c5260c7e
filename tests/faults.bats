load helpers

# Faults, for every tool that writes a stream or an image (issue 9): a full
# disk, a reader that goes away, a kill in the middle of -o, input that ends
# or fails in the middle, input out of time order, and headers that claim
# absurd sizes. qsim, qcat, qtag-read, qcorr coinc and qcal apply write
# streams; qrecon writes images, qssim reports and SSIM maps.
#
# Reference events come from qsim --text (formatted directly, without the
# QEV codec) or from Python, which builds the vendor records byte by byte
# from the published layouts and prints the events they hold.

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # 300000 events: four blocks of 65536 and a fifth of 37856.
    qsim poisson -r 1M,2M,500k -n 3e5 -s 5 -o "$d/in.qev"
    qsim poisson -r 1M,2M,500k -n 3e5 -s 5 --text >"$d/in.txt"
    qcat -O raw "$d/in.qev" >"$d/in.raw16"
    qsim spdc -n 3e5 -s 2 -o "$d/pairs.qev"
    qcorr coinc -w 2ns "$d/pairs.qev" | qcat >"$d/pairs-coinc.txt"
    python3 - "$d" <<'EOF'
import struct, sys
d = sys.argv[1]

def save(name, data):
    with open(f"{d}/{name}", "wb") as f:
        f.write(data)

def text(events, value_column=False):
    head, tail = ("\tvalue", "\t-") if value_column else ("", "")
    return (f"time_ps\tchannel\tkind{head}\n" +
            "".join(f"{t}\t{c}\tphoton{tail}\n" for t, c in events))

# raw records: int64 time, uint16 channel; 200000 of them, sorted
rec = [(i * 1000 + i % 7, 1 + i % 4) for i in range(200000)]
save("rec.raw", b"".join(struct.pack("<qH", t, c) for t, c in rec))
save("rec.txt", text(rec).encode())
# the same with one step back: event 150000 (from 0) 500 ps before the one before
deep = [(i * 1000, 1 + i % 4) for i in range(200000)]
deep[150000] = (149999000 - 500, deep[150000][1])
save("deep.raw", b"".join(struct.pack("<qH", t, c) for t, c in deep))
# equal times are in order
ties = [(100, 1), (100, 2), (100, 1), (200, 2), (200, 1)]
save("ties.raw", b"".join(struct.pack("<qH", t, c) for t, c in ties))

# PTU (PicoQuant unified tags), Generic T2 records (0x00010207), 1 ps units:
# photon records are channel << 25 | timetag; input c is channel c + 1.
def tag(ident, typ, value):
    fmt = "<d" if isinstance(value, float) else "<q"
    return ident.encode().ljust(32, b"\0") + struct.pack("<iI", -1, typ) + struct.pack(fmt, value)
def ptu(records, promised, extra=b""):
    tags = [tag("TTResultFormat_TTTRRecType", 0x10000008, 0x00010207),
            tag("TTResult_NumberOfRecords", 0x10000008, promised),
            tag("MeasDesc_GlobalResolution", 0x20000008, 1e-12)]
    return (b"PQTTTR\0\0" + b"1.0.00\0\0" + b"".join(tags) + extra +
            tag("Header_End", 0xFFFF0008, 0) + b"".join(struct.pack("<I", r) for r in records))
gen = [(i * 100, i % 4) for i in range(200000)]
save("gen.ptu", ptu([c << 25 | t for t, c in gen], 200000))
# T2 streams declare the value field (for markers): qcat prints its column
save("gen.txt", text([(t, c + 1) for t, c in gen], value_column=True).encode())
three = [0 << 25 | 100, 1 << 25 | 200, 2 << 25 | 300]
save("many-records.ptu", ptu(three, 1 << 62))
huge_string = b"TTResult_Comment".ljust(32, b"\0") + struct.pack("<iIQ", -1, 0x4001FFFF, 1 << 40)
save("huge-string.ptu", ptu(three, 3, huge_string))

# HydraHarp .ht2 format 2.0 with 64 inputs and NumRecords = 2^63 - 1
inputs = 64
h = bytearray(696 + 20 * inputs + 24)
h[0:9] = b"HydraHarp"
h[16:19] = b"2.0"
h[340:344] = struct.pack("<i", 2)
h[648:656] = struct.pack("<d", 1.0)
h[664:668] = struct.pack("<i", inputs)
tttr = 696 + 20 * inputs
h[tttr:tttr + 4] = struct.pack("<i", 1000000)
h[tttr + 16:tttr + 24] = struct.pack("<q", 2**63 - 1)
save("many-records.ht2", bytes(h) + struct.pack("<I", 5))

# QEV frames (qev(5)): skippable frames 0x184D2A5x with a 32-bit size, zstd
# frames 0xFD2FB528. The header frame of a real stream is kept.
src = open(f"{d}/in.qev", "rb").read()
head = 8 + struct.unpack("<I", src[4:8])[0]
save("header-length", str(head).encode())
save("huge-header.qev", struct.pack("<II", 0x184D2A51, 0xFFFFFFF0) + b"QEVH" + bytes(12))
# a zstd frame (single segment, checksum) whose content size is 2^40 bytes
frame = struct.pack("<IB", 0xFD2FB528, 0xE4) + struct.pack("<Q", 1 << 40) + bytes([1, 0, 0]) + bytes(4)
save("huge-block.qev", src[:head] + frame)
# a skippable frame of 4 GiB - 1 with 100 bytes present
save("huge-skip.qev", src[:head] + struct.pack("<II", 0x184D2A5A, 0xFFFFFFFF) + b"x" * 100)

# images: headers at the size limit (2^28 pixels), with 1000 bytes of data
save("huge.pgm", b"P5\n16384 16384\n255\n" + bytes(1000))
save("huge.pfm", b"Pf\n16384 16384\n-1.0\n" + bytes(1000))
import zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
save("huge.png", b"\x89PNG\r\n\x1a\n" +
     chunk(b"IHDR", struct.pack(">IIBBBBB", 16384, 16384, 16, 0, 0, 0, 0)) +
     chunk(b"IDAT", zlib.compress(bytes(100))) + chunk(b"IEND", b""))
# a histogram partial that claims 2^62 - 1 half-bins
save("huge-bins.partial", b"qpipe-partial 1 hist\nsame bin_ps 1\nsame half_bins 4611686018427387903\n"
     b"same mode 0\nsame pairs 1 2\nsame duration_ps -1\nmin first_ps 0\nmax last_ps 10\n"
     b"sum singles_a 1\nsum singles_b 1\nsum counts.0 1 2 3\n")
# two small images for qssim
import random
random.seed(1)
for name in ("a", "b"):
    save(f"{name}.pgm", b"P5\n64 64\n255\n" + bytes(random.randrange(256) for _ in range(64 * 64)))
EOF
    qtag-read -F raw --no-provenance -o "$d/deep.qev" "$d/deep.raw"
    qtag-read -F raw --no-provenance -o "$d/ties.qev" "$d/ties.raw"
    # calibrations (qcal(5)): a zero delay leaves every time as it is
    printf 'qpipe-calibration 1\ndelay.1 = 0 ps\n' >"$d/zero.cal"
    printf 'qpipe-calibration 1\nclock.1.offset = 1e300 ps\n' >"$d/huge-clock.cal"
    # coincidence groups with pixels for qrecon heralded: a 256x256 image
    # (a 256 kB PFM), and one of 32x32
    qsim ghost --size 256x256 -n 2e4 -s 1 | qcorr coinc -w 2ns -o "$d/ghost256.qev"
    qsim ghost --size 32x32 -n 1e5 -s 1 | qcorr coinc -w 2ns -o "$d/ghost.qev"
    # single-pixel imaging with the marker of measurement 5 moved after that
    # of measurement 6: it goes back in time
    qsim spi --size 4 --object discs --flux 10M -s 2 | qcat >"$d/spi.txt"
    awk -F'\t' 'NR > 1 && $3 == "marker" && $4 == 5 { held = $0; next }
                $3 == "marker" && $4 == 7 { print held } { print }' "$d/spi.txt" >"$d/spi-back.txt"
    qtag-read --no-provenance -o "$d/spi-back.qev" "$d/spi-back.txt"
    # a PGM stack whose first frame claims 65535x65535 pixels
    { printf 'P5\n65535 65535\n255\n'; head -c 100 /dev/zero; } >"$d/huge-patterns.pgm"
}

# ---- helpers ----

to_full() { "$@" >/dev/full; }
# stdout to out.qev (a stream, or whatever the tool writes there)
to_out() { "$@" >out.qev; }

# Runs "$@" into a reader that takes 100 bytes and goes away; prints the
# tool's exit status. Its stderr goes to the file err.
into_head() {
    "$@" 2>err | head -c 100 >/dev/null
    echo "${PIPESTATUS[0]}"
}

# The same, from a parent that ignores SIGPIPE (as some job runners do).
into_head_sigpipe_ignored() {
    trap '' PIPE
    into_head "$@"
}

assert_quiet_end() {
    assert_output --regexp '^(0|141)$'
    [ ! -s err ] || fail "stderr: $(cat err)"
}

# Starts the command line $1, whose last command writes -o out.qev, waits
# until the temporary file holds more than 100 kB, sends signal $2 to that
# last command and waits for the line to end.
interrupt_output() {
    local line=$1 sig=$2 i f grown=
    (
        exec 3>&-
        eval "$line >/dev/null 2>err &"
        echo $! >tool.pid
        wait
    ) &
    local sub=$!
    for i in $(seq 1 300); do
        for f in out.qev.tmp.*; do
            [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 100000 ] && grown=1
        done
        [ -n "$grown" ] && break
        sleep 0.1
    done
    [ -n "$grown" ] || fail "no temporary file of out.qev grew: $(cat err)"
    kill -"$sig" "$(cat tool.pid)"
    wait "$sub" || true
}

# Starts the command line $1, whose last command writes -o FILE only at its
# end, waits until that command has read 2 MB, sends it signal $2 and waits.
interrupt_reading() {
    local line=$1 sig=$2 i pid= read=0
    (
        exec 3>&-
        eval "$line >/dev/null 2>err &"
        echo $! >tool.pid
        wait
    ) &
    local sub=$!
    for i in $(seq 1 300); do
        [ -s tool.pid ] && pid=$(cat tool.pid)
        [ -n "$pid" ] && read=$(sed -n 's/^rchar: //p' "/proc/$pid/io" 2>/dev/null || echo 0)
        [ "${read:-0}" -gt 2000000 ] && break
        sleep 0.1
    done
    [ "${read:-0}" -gt 2000000 ] || fail "the tool did not read 2 MB: $(cat err)"
    kill -"$sig" "$pid"
    wait "$sub" || true
}

# After kill -9: no out.qev; what is left under the temporary name does not
# read as a complete stream.
assert_killed_output() {
    [ ! -e out.qev ] || fail "out.qev exists after kill -9"
    local f n=0
    for f in out.qev.tmp.*; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        run --separate-stderr qcat --count "$f"
        assert_failure 1
        assert_regex "$stderr" "truncated at byte [0-9]+ after [0-9]+ events"
    done
    [ "$n" -le 1 ] || fail "$n temporary files"
}

# After SIGTERM: neither out.qev nor its temporary file.
assert_terminated_output() {
    [ ! -e out.qev ] || fail "out.qev exists after SIGTERM"
    local left
    left=$(ls out.qev.tmp.* 2>/dev/null || true)
    [ -z "$left" ] || fail "left behind: $left"
}

# out.qev is a stream cut short: it does not pass as complete, and it holds
# whole blocks of 65536 events that are the first events of reference text
# $1: qstat's counts per channel and time range over the whole blocks equal
# those of the reference's first lines, and what qcat prints of them is the
# reference's first lines. Sets kept to the number of events.
assert_valid_prefix() {
    run --separate-stderr qcat --count out.qev
    assert_failure 1
    assert_regex "$stderr" "^qcat: out.qev: truncated at byte [0-9]+ after [0-9]+ events"
    kept=$(sed -n 's/.* after \([0-9]*\) events.*/\1/p' <<<"$stderr")
    [ "$kept" -gt 0 ] && [ $((kept % 65536)) -eq 0 ] || fail "$kept events in whole blocks"
    run qstat --check out.qev
    assert_failure $((3 | 4)) # truncated
    qstat --json out.qev >stat.json 2>/dev/null || true
    run python3 - "$1" "$kept" stat.json <<'EOF'
import json, sys
ref, kept, stat = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))["inputs"][0]
counts, times = {}, []
with open(ref) as f:
    next(f)
    for _, line in zip(range(kept), f):
        t, c = line.split("\t")[:2]
        counts[int(c)] = counts.get(int(c), 0) + 1
        times.append(int(t))
got = {c["channel"]: c["events"] for c in stat["channels"]}
assert stat["events"] == kept, (stat["events"], kept)
assert got == counts, (got, counts)
assert (stat["tmin_ps"], stat["tmax_ps"]) == (min(times), max(times))
EOF
    assert_success
    qcat out.qev >prefix.txt 2>/dev/null || true
    local printed=$(($(wc -l <prefix.txt) - 1))
    [ "$printed" -le "$kept" ] || fail "$printed events printed of $kept"
    head -n $((printed + 1)) "$1" | cmp -s - prefix.txt || fail "the events printed differ from $1"
}

# Runs "$@" in 200 MB of address space, so that an allocation sized by an
# absurd header fails; under ASan, which needs a large address space, with
# single allocations over 200 MB failing instead.
small_memory() {
    if ldd "$(command -v "$1")" 2>/dev/null | grep -q libasan; then
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=200:allocator_may_return_null=1" "$@"
    else
        (ulimit -v 200000 && exec "$@")
    fi
}

# ---- a full disk ----

@test "qsim: writing to /dev/full exits 1 with a message" {
    run --separate-stderr to_full qsim poisson -n 1e5
    assert_failure 1
    assert_equal "$stderr" "qsim: write error: No space left on device"
    run --separate-stderr to_full qsim poisson -n 10
    assert_failure 1
    assert_equal "$stderr" "qsim: write error: No space left on device"
    run --separate-stderr to_full qsim poisson -n 1e5 --text
    assert_failure 1
    assert_equal "$stderr" "qsim: write error: No space left on device"
    run --separate-stderr qsim poisson -n 1e5 -o /dev/full
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qsim: /dev/full: write error: No space left on device"
}

@test "qcat: writing to /dev/full exits 1 with a message, in every output form" {
    local form
    for form in "" -b "-O csv" "-O raw" -c -H; do
        # shellcheck disable=SC2086
        run --separate-stderr to_full qcat $form "$BATS_FILE_TMPDIR/in.qev"
        assert_failure 1
        assert_equal "$stderr" "qcat: write error: No space left on device"
    done
    run --separate-stderr qcat -b -o /dev/full "$BATS_FILE_TMPDIR/in.qev"
    assert_failure 1
    assert_equal "$stderr" "qcat: /dev/full: write error: No space left on device"
}

@test "qtag-read: writing to /dev/full exits 1 with a message" {
    run --separate-stderr to_full qtag-read -F raw "$BATS_FILE_TMPDIR/rec.raw"
    assert_failure 1
    assert_equal "$stderr" "qtag-read: write error: No space left on device"
    run --separate-stderr qtag-read -F raw -o /dev/full "$BATS_FILE_TMPDIR/rec.raw"
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qtag-read: /dev/full: write error: No space left on device"
}

@test "qcorr coinc: writing to /dev/full exits 1 with a message" {
    run --separate-stderr to_full qcorr coinc -w 2ns "$BATS_FILE_TMPDIR/pairs.qev"
    assert_failure 1
    assert_equal "$stderr" "qcorr: write error: No space left on device"
    run --separate-stderr qcorr coinc -w 2ns -o /dev/full "$BATS_FILE_TMPDIR/pairs.qev"
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qcorr: /dev/full: write error: No space left on device"
}

@test "qssim: writing its report to /dev/full exits 1 with a message" {
    run --separate-stderr to_full qssim "$BATS_FILE_TMPDIR/a.pgm" "$BATS_FILE_TMPDIR/b.pgm"
    assert_failure 1
    assert_equal "$stderr" "qssim: write error: No space left on device"
    run --separate-stderr qssim -o /dev/full "$BATS_FILE_TMPDIR/a.pgm" "$BATS_FILE_TMPDIR/b.pgm"
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qssim: /dev/full: write error: No space left on device"
}

@test "qcal apply: writing to /dev/full exits 1 with a message" {
    run --separate-stderr to_full qcal apply "$BATS_FILE_TMPDIR/zero.cal" "$BATS_FILE_TMPDIR/in.qev"
    assert_failure 1
    assert_equal "$stderr" "qcal: write error: No space left on device"
    run --separate-stderr qcal apply -o /dev/full "$BATS_FILE_TMPDIR/zero.cal" "$BATS_FILE_TMPDIR/in.qev"
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qcal: /dev/full: write error: No space left on device"
}

@test "qrecon: writing an image to /dev/full exits 1 with a message" {
    run --separate-stderr to_full qrecon heralded -q "$BATS_FILE_TMPDIR/ghost256.qev"
    assert_failure 1
    assert_regex "$stderr" "^qrecon: (stdout: )?write error: No space left on device$"
    run --separate-stderr qrecon heralded -q -O png -o /dev/full "$BATS_FILE_TMPDIR/ghost256.qev"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" "(^|"$'\n'")qrecon: /dev/full: write error: No space left on device$"
}

# ---- a reader that goes away ----

@test "qsim: a reader that goes away ends it quietly" {
    run into_head qsim poisson -n 1e6
    assert_quiet_end
    run into_head qsim poisson -n 1e6 --text
    assert_quiet_end
    run into_head_sigpipe_ignored qsim poisson -n 1e6
    assert_quiet_end
}

@test "qcat: a reader that goes away ends it quietly, in every output form" {
    local form
    for form in "" -b "-O csv" "-O raw" -m; do
        # shellcheck disable=SC2086
        run into_head qcat $form "$BATS_FILE_TMPDIR/in.qev"
        assert_quiet_end
        # shellcheck disable=SC2086
        run into_head_sigpipe_ignored qcat $form "$BATS_FILE_TMPDIR/in.qev"
        assert_quiet_end
    done
}

@test "qtag-read: a reader that goes away ends it quietly" {
    run into_head qtag-read -F raw16 "$BATS_FILE_TMPDIR/in.raw16"
    assert_quiet_end
    run into_head_sigpipe_ignored qtag-read -F raw16 "$BATS_FILE_TMPDIR/in.raw16"
    assert_quiet_end
}

@test "qcorr coinc: a reader that goes away ends it quietly" {
    run into_head qcorr coinc -w 2ns "$BATS_FILE_TMPDIR/pairs.qev"
    assert_quiet_end
    run into_head_sigpipe_ignored qcorr coinc -w 2ns "$BATS_FILE_TMPDIR/pairs.qev"
    assert_quiet_end
}

@test "qcal apply: a reader that goes away ends it quietly" {
    run into_head qcal apply "$BATS_FILE_TMPDIR/zero.cal" "$BATS_FILE_TMPDIR/in.qev"
    assert_quiet_end
    run into_head_sigpipe_ignored qcal apply "$BATS_FILE_TMPDIR/zero.cal" "$BATS_FILE_TMPDIR/in.qev"
    assert_quiet_end
}

@test "qrecon: a reader that goes away ends it quietly" {
    run into_head qrecon heralded -q "$BATS_FILE_TMPDIR/ghost256.qev"
    assert_quiet_end
    run into_head_sigpipe_ignored qrecon heralded -q "$BATS_FILE_TMPDIR/ghost256.qev"
    assert_quiet_end
}

# ---- killed in the middle of -o ----

@test "qsim: kill -9 in the middle of -o leaves no out.qev" {
    interrupt_output "qsim poisson -d 1000s -o out.qev" 9
    assert_killed_output
}

@test "qsim: SIGTERM in the middle of -o leaves neither out.qev nor its temporary file" {
    interrupt_output "qsim poisson -d 1000s -o out.qev" TERM
    assert_terminated_output
}

@test "qcat: kill -9 in the middle of -o leaves no out.qev" {
    interrupt_output "qsim poisson -d 1000s | qcat -b -o out.qev" 9
    assert_killed_output
}

@test "qcat: SIGTERM in the middle of -o leaves neither out.qev nor its temporary file" {
    interrupt_output "qsim poisson -d 1000s | qcat -b -o out.qev" TERM
    assert_terminated_output
}

@test "qtag-read: kill -9 in the middle of -o leaves no out.qev" {
    interrupt_output "qsim poisson -d 1000s | qcat -O raw | qtag-read -F raw16 -o out.qev -" 9
    assert_killed_output
}

@test "qtag-read: SIGTERM in the middle of -o leaves neither out.qev nor its temporary file" {
    interrupt_output "qsim poisson -d 1000s | qcat -O raw | qtag-read -F raw16 -o out.qev -" TERM
    assert_terminated_output
}

@test "qcorr coinc: kill -9 in the middle of -o leaves no out.qev" {
    interrupt_output "qsim spdc -d 1000s | qcorr coinc -w 2ns -o out.qev" 9
    assert_killed_output
}

@test "qcorr coinc: SIGTERM in the middle of -o leaves neither out.qev nor its temporary file" {
    interrupt_output "qsim spdc -d 1000s | qcorr coinc -w 2ns -o out.qev" TERM
    assert_terminated_output
}

@test "qcal apply: kill -9 in the middle of -o leaves no out.qev" {
    interrupt_output "qsim poisson -d 1000s | qcal apply $BATS_FILE_TMPDIR/zero.cal -o out.qev" 9
    assert_killed_output
}

@test "qcal apply: SIGTERM in the middle of -o leaves neither out.qev nor its temporary file" {
    interrupt_output "qsim poisson -d 1000s | qcal apply $BATS_FILE_TMPDIR/zero.cal -o out.qev" TERM
    assert_terminated_output
}

@test "qrecon: kill -9 while it reads leaves no out.pfm" {
    interrupt_reading "qsim ghost --size 32x32 -d 1000s | qcorr coinc -w 2ns | qrecon heralded -q -o out.pfm" 9
    [ ! -e out.pfm ] || fail "out.pfm exists after kill -9"
}

@test "qrecon: SIGTERM while it reads leaves neither out.pfm nor a temporary file" {
    interrupt_reading "qsim ghost --size 32x32 -d 1000s | qcorr coinc -w 2ns | qrecon heralded -q -o out.pfm" TERM
    [ ! -e out.pfm ] || fail "out.pfm exists after SIGTERM"
    [ -z "$(ls out.pfm.* 2>/dev/null)" ] || fail "left behind: $(ls out.pfm.*)"
}

# ---- input that ends or fails in the middle ----

@test "qcat: a file cut inside its third block: exit 1, the blocks written before are valid" {
    local size cut
    size=$(stat -c %s "$BATS_FILE_TMPDIR/in.qev")
    cut=$((size * 6 / 10))
    head -c "$cut" "$BATS_FILE_TMPDIR/in.qev" >cut.qev
    run --separate-stderr to_out qcat -b cut.qev
    assert_failure 1
    assert_regex "$stderr" "^qcat: cut.qev: truncated at byte $cut after (131072|196608) events \(block cut short\)$"
    assert_valid_prefix "$BATS_FILE_TMPDIR/in.txt"
    [ "$kept" -le 196608 ] || fail "$kept events kept from a cut stream"
}

@test "qcat: a pipe whose writer dies after some bytes is the same as a cut file" {
    local size cut
    size=$(stat -c %s "$BATS_FILE_TMPDIR/in.qev")
    cut=$((size * 6 / 10))
    { head -c "$cut" "$BATS_FILE_TMPDIR/in.qev"; kill -9 "$BASHPID"; } | qcat -b >out.qev 2>err ||
        true
    assert_regex "$(cat err)" "^qcat: -: truncated at byte $cut after [0-9]+ events"
    assert_valid_prefix "$BATS_FILE_TMPDIR/in.txt"
}

@test "qcat -o: a cut input leaves no output file at all" {
    head -c 500000 "$BATS_FILE_TMPDIR/in.qev" >cut.qev
    run --separate-stderr qcat -b -o out.qev cut.qev
    assert_failure 1
    assert_regex "$stderr" "^qcat: cut.qev: truncated at byte 500000 "
    [ ! -e out.qev ] || fail "out.qev written"
    [ -z "$(ls out.qev.tmp.* 2>/dev/null)" ] || fail "temporary file left"
}

@test "qcorr coinc: a cut input: exit 1, the groups written before are valid" {
    local size cut
    size=$(stat -c %s "$BATS_FILE_TMPDIR/pairs.qev")
    cut=$((size * 7 / 10))
    head -c "$cut" "$BATS_FILE_TMPDIR/pairs.qev" >cut.qev
    run --separate-stderr to_out qcorr coinc -w 2ns cut.qev
    assert_failure 1
    assert_regex "$stderr" "^qcorr: cut.qev: truncated at byte $cut after [0-9]+ events"
    assert_valid_prefix "$BATS_FILE_TMPDIR/pairs-coinc.txt"
}

@test "qtag-read: raw records cut inside a record: exit 1, the blocks written before are valid" {
    # 1234567 bytes: 123456 whole records of 10 bytes and 7 bytes of the next
    head -c 1234567 "$BATS_FILE_TMPDIR/rec.raw" >cut.raw
    run --separate-stderr to_out qtag-read -F raw cut.raw
    assert_failure 1
    assert_equal "$stderr" "qtag-read: cut.raw: truncated: a partial record of 7 bytes after 123456 records"
    assert_valid_prefix "$BATS_FILE_TMPDIR/rec.txt"
    [ "$kept" -le 123456 ] || fail "$kept events kept of 123456 records"
}

@test "qtag-read: a PTU cut short of the records its header promises: exit 1, valid prefix" {
    # header: 16 + 4 tags of 48 bytes = 208; 150000 records and 2 bytes kept
    head -c $((208 + 4 * 150000 + 2)) "$BATS_FILE_TMPDIR/gen.ptu" >cut.ptu
    run --separate-stderr to_out qtag-read cut.ptu
    assert_failure 1
    assert_equal "$stderr" "qtag-read: cut.ptu: truncated: 150000 records of the 200000 the header promises, and a partial record"
    assert_valid_prefix "$BATS_FILE_TMPDIR/gen.txt"
}

@test "qcal apply: a cut input: exit 1, the blocks written before are valid" {
    local size cut
    size=$(stat -c %s "$BATS_FILE_TMPDIR/in.qev")
    cut=$((size * 6 / 10))
    head -c "$cut" "$BATS_FILE_TMPDIR/in.qev" >cut.qev
    run --separate-stderr to_out qcal apply "$BATS_FILE_TMPDIR/zero.cal" cut.qev
    assert_failure 1
    assert_regex "$stderr" "^qcal: cut.qev: truncated at byte $cut after [0-9]+ events \(block cut short\)$"
    # a zero delay: the events kept are the input's first events
    assert_valid_prefix "$BATS_FILE_TMPDIR/in.txt"
}

@test "qrecon: a cut input: exit 1 and no image, on stdout or with -o" {
    local size cut
    size=$(stat -c %s "$BATS_FILE_TMPDIR/ghost.qev")
    cut=$((size * 6 / 10))
    head -c "$cut" "$BATS_FILE_TMPDIR/ghost.qev" >cut.qev
    run --separate-stderr qrecon heralded -q cut.qev
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" "^qrecon: cut.qev: truncated at byte $cut after [0-9]+ events"
    run --separate-stderr qrecon heralded -q -o out.pfm cut.qev
    assert_failure 1
    [ ! -e out.pfm ] || fail "out.pfm written from a cut input"
}

@test "a read error (reading a directory) is exit 1 with the reason, for every tool that reads" {
    mkdir dir
    run --separate-stderr qcat dir
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qcat: dir: read error: Is a directory"
    run --separate-stderr qcorr coinc dir
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" "qcorr: dir: read error: Is a directory"
    # qtag-read has written the stream's header when the first read fails
    run --separate-stderr to_out qtag-read -F raw dir
    assert_failure 1
    assert_equal "$stderr" "qtag-read: dir: read error: Is a directory"
    run qstat --check out.qev
    assert_failure $((3 | 4)) # truncated
}

# ---- input out of time order ----

@test "qcorr: an event that goes back in time in the third block is detected by coinc, hist and stats" {
    local sub
    for sub in coinc hist stats; do
        run --separate-stderr to_out qcorr "$sub" "$BATS_FILE_TMPDIR/deep.qev"
        assert_failure 1
        # events are counted from 0 in this message
        assert_regex "$stderr" "^qcorr: .*deep.qev: event 150000 goes back in time"
    done
    rm -f out.qev
    run --separate-stderr qcorr coinc -o out.qev "$BATS_FILE_TMPDIR/deep.qev"
    assert_failure 1
    [ ! -e out.qev ] || fail "out.qev written from unsorted input"
}

@test "qcal apply: an event that goes back in time in the third block is detected" {
    run --separate-stderr to_out qcal apply "$BATS_FILE_TMPDIR/zero.cal" "$BATS_FILE_TMPDIR/deep.qev"
    assert_failure 1
    assert_regex "$stderr" "^qcal: .*deep.qev: event 150000 goes back in time"
}

@test "qrecon computational: a marker that goes back in time is detected" {
    # photons belong to the measurement whose marker precedes them in time
    run qstat --check "$BATS_FILE_TMPDIR/spi-back.qev"
    assert_failure $((3 | 16)) # out of order
    run --separate-stderr to_out qrecon computational -q --size 4 "$BATS_FILE_TMPDIR/spi-back.qev"
    assert_failure 1
    [ ! -s out.qev ] || fail "an image was written"
    assert_regex "$stderr" "^qrecon: .*spi-back.qev: .*(back in time|not time-sorted|order)"
}

@test "qcat --merge: an unsorted input is refused, naming the event and both times" {
    run --separate-stderr qcat -m -o out.qev "$BATS_FILE_TMPDIR/in.qev" "$BATS_FILE_TMPDIR/deep.qev"
    assert_failure 1
    assert_regex "$stderr" "deep.qev: not time-sorted: event 150000 at 149998500 ps comes after 149999000 ps"
    [ ! -e out.qev ] || fail "out.qev written from unsorted input"
}

@test "qtag-read --merge: an unsorted file is refused, naming the event and both times" {
    run --separate-stderr to_out qtag-read -F raw -m "$BATS_FILE_TMPDIR/rec.raw" "$BATS_FILE_TMPDIR/deep.raw"
    assert_failure 1
    assert_regex "$stderr" "deep.raw: not time-sorted: event 150000 at 149998500 ps comes after 149999000 ps"
}

@test "equal times are in order for every tool that needs order" {
    run --separate-stderr to_out qcorr coinc -w 0ps "$BATS_FILE_TMPDIR/ties.qev"
    assert_success
    run --separate-stderr qcat -c -m "$BATS_FILE_TMPDIR/ties.qev" "$BATS_FILE_TMPDIR/ties.qev"
    assert_success
    assert_output 10
    run --separate-stderr to_out qtag-read -F raw -m "$BATS_FILE_TMPDIR/ties.raw" "$BATS_FILE_TMPDIR/ties.raw"
    assert_success
}

@test "tools that do not need order pass unsorted input through" {
    run --separate-stderr qcat -c "$BATS_FILE_TMPDIR/deep.qev"
    assert_success
    assert_output 200000
    run --separate-stderr qtag-read -F raw -o out.qev "$BATS_FILE_TMPDIR/deep.raw"
    assert_success
    run qcat -c out.qev
    assert_output 200000
}

# ---- headers that claim absurd sizes or counts ----

@test "QEV: frames that claim gigabytes are refused without allocating them" {
    local head
    head=$(cat "$BATS_FILE_TMPDIR/header-length")
    run --separate-stderr small_memory qcat -c "$BATS_FILE_TMPDIR/huge-header.qev"
    assert_failure 1
    assert_regex "$stderr" "huge-header.qev: header at byte 0 claims 4294967280 bytes, more than allowed$"
    run --separate-stderr small_memory qcorr coinc "$BATS_FILE_TMPDIR/huge-header.qev"
    assert_failure 1
    assert_regex "$stderr" "huge-header.qev: header at byte 0 claims 4294967280 bytes, more than allowed$"
    run --separate-stderr small_memory qcat -c "$BATS_FILE_TMPDIR/huge-block.qev"
    assert_failure 1
    assert_regex "$stderr" "huge-block.qev: corrupt block at byte $head: bad content size$"
    run --separate-stderr small_memory qcat -c "$BATS_FILE_TMPDIR/huge-skip.qev"
    assert_failure 1
    assert_regex "$stderr" "huge-skip.qev: truncated at byte $((head + 108)) after 0 events"
}

@test "qtag-read: record counts and tag sizes of 2^40 and more are refused or kept as promises" {
    run --separate-stderr small_memory qtag-read -o out.qev "$BATS_FILE_TMPDIR/many-records.ptu"
    assert_failure 1
    assert_regex "$stderr" "many-records.ptu: truncated: 3 records of the 4611686018427387904 the header promises$"
    run --separate-stderr small_memory qtag-read --allow-truncated -o out.qev "$BATS_FILE_TMPDIR/many-records.ptu"
    assert_success
    run qcat -c out.qev
    assert_output 3
    run --separate-stderr small_memory qtag-read -o out.qev "$BATS_FILE_TMPDIR/huge-string.ptu"
    assert_failure 1
    # after the tag: Header_End (48 bytes) and 3 records (12)
    assert_regex "$stderr" "huge-string.ptu: truncated: PTU tag TTResult_Comment claims 1099511627776 bytes, but the file has 60 left$"
    run --separate-stderr small_memory qtag-read -o out2.qev "$BATS_FILE_TMPDIR/many-records.ht2"
    assert_failure 1
    assert_regex "$stderr" "many-records.ht2: truncated: 1 records of the 9223372036854775807 the header promises$"
}

@test "qcorr merge: a histogram that claims 2^63 - 1 bins is refused without allocating them" {
    run --separate-stderr small_memory qcorr merge "$BATS_FILE_TMPDIR/huge-bins.partial"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" "huge-bins.partial: the histogram claims 4611686018427387903 bins on each side of zero, more than the 67108864 a histogram may have$"
}

@test "qssim: PGM and PFM headers of 2^28 pixels over 1000 bytes are truncated, not allocated" {
    run --separate-stderr small_memory qssim "$BATS_FILE_TMPDIR/huge.pgm" "$BATS_FILE_TMPDIR/huge.pgm"
    assert_failure 1
    assert_regex "$stderr" "huge.pgm: truncated: 268435456 bytes of pixels expected, 1000 present$"
    run --separate-stderr small_memory qssim "$BATS_FILE_TMPDIR/huge.pfm" "$BATS_FILE_TMPDIR/huge.pfm"
    assert_failure 1
    assert_regex "$stderr" "huge.pfm: truncated: 1073741824 bytes of pixels expected, 1000 present$"
}

@test "qssim: a PNG header of 16384x16384 16-bit pixels over 100 bytes of data is not allocated" {
    run --separate-stderr small_memory qssim "$BATS_FILE_TMPDIR/huge.png" "$BATS_FILE_TMPDIR/huge.png"
    assert_failure 1
    assert_output ''
    refute_regex "$stderr" "out of memory"
    assert_regex "$stderr" "huge.png: .*(truncated|too little data)"
}

@test "qcal apply: a clock offset of 1e300 ps is refused, not wrapped into int64" {
    run --separate-stderr to_out qcal apply "$BATS_FILE_TMPDIR/huge-clock.cal" "$BATS_FILE_TMPDIR/in.qev"
    assert_failure 1
    assert_regex "$stderr" "^qcal: .*huge-clock.cal: .*clock.1"
    refute_regex "$stderr" "runtime error"
}

@test "qrecon: a pattern file whose frame claims 65535x65535 pixels is refused without allocating them" {
    run --separate-stderr small_memory qrecon computational -q --patterns "$BATS_FILE_TMPDIR/huge-patterns.pgm" \
        "$BATS_FILE_TMPDIR/spi-back.qev"
    assert_failure 1
    assert_output ''
    assert_regex "$stderr" "^qrecon: .*huge-patterns.pgm: "
    refute_regex "$stderr" "out of memory"
}
