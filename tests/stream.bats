load helpers

# Broken QEV input, shared by every tool that reads streams: bad magic, a
# format version from the future, a corrupt block, a missing trailer, an empty
# file, and a small stream cut at every byte offset. None may crash, hang or
# pass as complete.
#
# Layout used below (qev(5), docs/format.md section 2): a segment is a header
# (skippable frame: u32 magic 0x184D2A51, u32 size, "QEVH", u16 major,
# u16 minor, ...), zstd data blocks, and a trailer (skippable frame, 64 + 32 *
# n_blocks + closing-text bytes, ending in u32 text length, u32 n_blocks,
# u32 crc, "QEVE").

# ---- helpers ----

# The u32 (little-endian) at byte $2 of file $1.
u32_at() {
    od -An --endian=little -tu4 -j "$2" -N4 "$1" | tr -d ' '
}

file_size() {
    stat -c %s "$1"
}

# Length of the first segment's header frame: 8 + its size field.
header_len() {
    echo $((8 + $(u32_at "$1" 4)))
}

# Length of the trailer frame that ends file $1.
trailer_len() {
    local size
    size=$(file_size "$1")
    echo $((64 + 32 * $(u32_at "$1" $((size - 12))) + $(u32_at "$1" $((size - 16)))))
}

# Writes byte value $3 (0-255) at offset $2 of file $1.
poke() {
    printf "\\$(printf %03o "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

byte_at() {
    od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '
}

# Asserts the last run printed exactly one line on stderr, matching the ERE $1.
assert_one_error_line() {
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "$1"
}

# qcat (text and count), qstat and qstat --check on one broken file: exit 1
# with one line naming the file and matching $2, nothing on stdout from qcat,
# no claim of integrity from qstat, and from the check a silent exit of 3 plus
# the bit $3 of the failure's class (4 truncated, 8 damaged, 32 bad header).
# A checksum that fails is damage wherever it is, in the header too; an empty
# input is a copy cut at byte 0.
assert_rejected() {
    local name want=$2 class=$3
    name=$(basename "$1")
    # Run beside the file, so messages name it as the user typed it.
    cd "$(dirname "$1")"

    run --separate-stderr qcat -c "$name"
    assert_failure 1
    assert_output ''
    assert_one_error_line "^qcat: $name: $want"

    run --separate-stderr qcat "$name"
    assert_failure 1
    assert_one_error_line "^qcat: $name: $want"

    run --separate-stderr qstat "$name"
    assert_failure 1
    refute_line --regexp '^integrity +ok$'
    assert_one_error_line "^qstat: $name: $want"

    run --separate-stderr qstat --check "$name"
    assert_failure $((3 | class))
    assert_output ''
    assert_equal "$stderr" ''
    cd "$BATS_TEST_TMPDIR"
}

setup_file() {
    local d=$BATS_FILE_TMPDIR size mid
    qsim poisson -n 300 --no-provenance -o "$d/small.qev"
    qsim poisson -r 1M,200k -n 1e4 -s 3 --no-provenance -o "$d/good.qev"
    qsim poisson -r 1M,200k -n 1e4 -s 3 --no-provenance --text >"$d/good.txt"
    size=$(file_size "$d/good.qev")

    { printf 'QEV!'; tail -c +5 "$d/good.qev"; } >"$d/badmagic.qev"

    cp "$d/good.qev" "$d/version.qev"
    poke "$d/version.qev" 12 2

    cp "$d/good.qev" "$d/headercrc.qev"
    poke "$d/headercrc.qev" 24 $(($(byte_at "$d/good.qev" 24) ^ 1))

    mid=$((size / 2))
    cp "$d/good.qev" "$d/corrupt.qev"
    poke "$d/corrupt.qev" "$mid" $(($(byte_at "$d/good.qev" "$mid") ^ 0xff))

    head -c $((size - $(trailer_len "$d/good.qev"))) "$d/good.qev" >"$d/notrailer.qev"

    : >"$d/empty.qev"
}

# ---- fixtures ----

@test "fixtures: the good stream is what the tools expect" {
    # Guards the fixtures below: they must differ from a stream that reads.
    run --separate-stderr qcat -c "$BATS_FILE_TMPDIR/good.qev"
    assert_success
    assert_output 10000
    assert_equal "$stderr" ''
    run --separate-stderr qstat --check "$BATS_FILE_TMPDIR/good.qev"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    # One block (10000 < 65536 events) and no closing text: 64 + 32 bytes.
    assert_equal "$(trailer_len "$BATS_FILE_TMPDIR/good.qev")" 96
}

@test "bad magic" {
    assert_rejected "$BATS_FILE_TMPDIR/badmagic.qev" \
        'not a QEV stream \(bad magic at byte 0\)$' 32
}

@test "bad magic on stdin" {
    run --separate-stderr bash -c 'set -o pipefail; qcat -c < "$1"' _ "$BATS_FILE_TMPDIR/badmagic.qev"
    assert_failure 1
    assert_output ''
    assert_one_error_line '^qcat: -: not a QEV stream \(bad magic at byte 0\)$'
}

@test "garbage that is not a stream at all" {
    seq 1 3000 | gzip -n -c >garbage.bin
    assert_rejected "$PWD/garbage.bin" 'not a QEV stream \(bad magic at byte 0\)$' 32
}

@test "wrong major version (byte 12 patched to 2)" {
    assert_rejected "$BATS_FILE_TMPDIR/version.qev" \
        'bad header at byte 0: QEV version 2\.0 is not supported' 32
}

@test "header text changed under its checksum" {
    assert_rejected "$BATS_FILE_TMPDIR/headercrc.qev" \
        'bad header at byte 0: header checksum mismatch$' 8
}

@test "corrupt data block (one byte flipped in the middle of the file)" {
    local hlen
    hlen=$(header_len "$BATS_FILE_TMPDIR/good.qev")
    # The one data block starts right after the header frame.
    assert_rejected "$BATS_FILE_TMPDIR/corrupt.qev" "corrupt block at byte $hlen: " 8
}

@test "missing trailer" {
    local f=$BATS_FILE_TMPDIR/notrailer.qev
    assert_rejected "$f" \
        "truncated at byte $(file_size "$f") after 10000 events \\(no trailer\\)$" 4
}

@test "missing trailer on stdin" {
    local f=$BATS_FILE_TMPDIR/notrailer.qev
    run --separate-stderr bash -c 'set -o pipefail; cat "$1" | qcat -c' _ "$f"
    assert_failure 1
    assert_output ''
    assert_one_error_line "^qcat: -: truncated at byte $(file_size "$f") after 10000 events"
}

@test "missing trailer, with a time window (the block index is unusable)" {
    local f=$BATS_FILE_TMPDIR/notrailer.qev
    cd "$BATS_FILE_TMPDIR"
    run --separate-stderr qcat -c --from 1us --to 1s notrailer.qev
    assert_failure 1
    assert_output ''
    assert_one_error_line "^qcat: notrailer\\.qev: truncated at byte $(file_size "$f")"
}

@test "empty file" {
    assert_rejected "$BATS_FILE_TMPDIR/empty.qev" 'empty input' 4
}

@test "empty stdin" {
    run --separate-stderr bash -c 'set -o pipefail; qcat -c < /dev/null'
    assert_failure 1
    assert_output ''
    assert_one_error_line '^qcat: -: empty input'
    run --separate-stderr bash -c 'set -o pipefail; qstat --check < /dev/null'
    assert_failure $((3 | 4))
    assert_output ''
    assert_equal "$stderr" ''
}

@test "trailer whose event count disagrees with the blocks (valid checksum)" {
    local src=$BATS_FILE_TMPDIR/good.qev size tlen
    size=$(file_size "$src")
    tlen=$(trailer_len "$src")
    # Add one to the trailer's event count (u64 at body offset 8) and recompute
    # its CRC-32 (over the body up to the crc field), as zlib computes it.
    python3 - "$src" lying.qev "$tlen" <<'EOF'
import struct, sys, zlib
src, dst, tlen = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = bytearray(open(src, "rb").read())
t = len(data) - tlen
body = t + 8
(events,) = struct.unpack_from("<Q", data, body + 8)
struct.pack_into("<Q", data, body + 8, events + 1)
struct.pack_into("<I", data, len(data) - 8, zlib.crc32(bytes(data[body:len(data) - 8])))
open(dst, "wb").write(data)
EOF
    assert_rejected "$PWD/lying.qev" \
        "trailer at byte $((size - tlen)) does not match the blocks read \\(event count\\)$" 8
}

@test "trailer with a flipped index byte fails its checksum" {
    local src=$BATS_FILE_TMPDIR/good.qev size tlen at
    size=$(file_size "$src")
    tlen=$(trailer_len "$src")
    at=$((size - tlen + 8 + 40 + 12)) # events field of the first index entry
    cp "$src" badindex.qev
    poke badindex.qev "$at" $(($(byte_at "$src" "$at") ^ 0x10))
    assert_rejected "$PWD/badindex.qev" \
        "bad trailer at byte $((size - tlen)): trailer checksum mismatch$" 8
}

@test "junk after a complete stream" {
    local size
    size=$(file_size "$BATS_FILE_TMPDIR/good.qev")
    { cat "$BATS_FILE_TMPDIR/good.qev"; printf 'JUNKJUNK'; } >junk.qev
    # "JUNK" read as a little-endian u32 is 0x4b4e554a.
    assert_rejected "$PWD/junk.qev" "bad magic 0x4b4e554a at byte $size$" 32
}

@test "a data block after the trailer, outside any segment" {
    local src=$BATS_FILE_TMPDIR/good.qev size hlen tlen
    size=$(file_size "$src")
    hlen=$(header_len "$src")
    tlen=$(trailer_len "$src")
    { cat "$src"; tail -c +$((hlen + 1)) "$src" | head -c $((size - hlen - tlen)); } >stray.qev
    assert_rejected "$PWD/stray.qev" "data block at byte $size outside a segment$" 32
}

@test "a second segment that lacks its trailer" {
    local src=$BATS_FILE_TMPDIR/good.qev size
    size=$(file_size "$src")
    cat "$src" "$BATS_FILE_TMPDIR/notrailer.qev" >half.qev
    assert_rejected "$PWD/half.qev" \
        "truncated at byte $((2 * size - 96)) after 20000 events \\(no trailer\\)$" 4
}

@test "a header where a trailer is due: truncated where that header starts" {
    local cut
    cut=$(file_size "$BATS_FILE_TMPDIR/notrailer.qev")
    cat "$BATS_FILE_TMPDIR/notrailer.qev" "$BATS_FILE_TMPDIR/good.qev" >noend.qev
    # The first segment ends without a trailer at byte $cut, where the second
    # header starts; the message must name that offset (not how far the
    # reader had buffered).
    assert_rejected "$PWD/noend.qev" \
        "truncated at byte $cut after 10000 events \\(no trailer before the next header\\)$" 4
}

@test "unknown skippable frames between segments are skipped" {
    # A zstd skippable frame: magic 0x184D2A5F, size 4, 4 bytes of payload.
    { cat "$BATS_FILE_TMPDIR/good.qev"; printf '\x5f\x2a\x4d\x18\x04\x00\x00\x00abcd'; } >skip.qev
    run --separate-stderr bash -c 'set -o pipefail; qcat skip.qev > skip.txt'
    assert_success
    assert_equal "$stderr" ''
    cmp "$BATS_FILE_TMPDIR/good.txt" skip.txt
    run --separate-stderr qstat --check skip.qev
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

# ---- a stream cut at every byte offset ----

# Checks every proper prefix of the stream $1 (of $2 bytes, blocks ending at
# byte $3, 300 events) in a child shell: bats traces each command of a test,
# which makes a loop over thousands of runs slow. Prints one line per failure.
check_every_cut() {
    bash -s "$1" "$2" "$3" <<'EOF'
f=$1 size=$2 blocks_end=$3
ok_line=$'(^|\n)integrity +ok(\n|$)'
for ((i = 0; i < size; i++)); do
    head -c "$i" "$f" >cut.qev
    events=0
    ((i >= blocks_end)) && events=300
    if ((i == 0)); then
        want='^qcat: cut\.qev: empty input'
    else
        want="^qcat: cut\\.qev: truncated at byte $i after $events events \\("
    fi

    qcat -c cut.qev >out 2>err
    rc=$?
    mapfile -t lines <err
    if ((rc != 1)); then
        echo "qcat -c, cut at $i: exit $rc"
    elif [[ -s out ]]; then
        echo "qcat -c, cut at $i: printed $(head -c 80 out)"
    elif ((${#lines[@]} != 1)) || ! [[ ${lines[0]} =~ $want ]]; then
        echo "qcat -c, cut at $i: message '${lines[*]}'"
    fi

    qstat cut.qev >out 2>err
    rc=$?
    mapfile -t lines <err
    if ((rc != 1)); then
        echo "qstat, cut at $i: exit $rc"
    elif IFS= read -r -d '' text <out; [[ $text =~ $ok_line ]]; then
        echo "qstat, cut at $i: reports integrity ok"
    elif ((${#lines[@]} != 1)) || ! [[ ${lines[0]} =~ ${want/qcat/qstat} ]]; then
        echo "qstat, cut at $i: message '${lines[*]}'"
    fi

    qstat --check cut.qev >out 2>err
    rc=$?
    if ((rc != (3 | 4))) || [[ -s out || -s err ]]; then
        echo "qstat --check, cut at $i: exit $rc, output '$(head -c 80 out err)'"
    fi
done
EOF
}

@test "a stream cut at every byte offset: qcat -c, qstat and qstat --check all fail" {
    local f=$BATS_FILE_TMPDIR/small.qev size blocks_end
    size=$(file_size "$f")
    blocks_end=$((size - $(trailer_len "$f")))
    # The whole file reads; every proper prefix must not. A cut before the
    # end of the data block leaves 0 events, one after it all 300.
    run --separate-stderr qcat -c "$f"
    assert_success
    assert_output 300

    run --separate-stderr check_every_cut "$f" "$size" "$blocks_end"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

@test "a two-segment stream cut inside its second segment fails" {
    local f=$BATS_FILE_TMPDIR/small.qev size i rc
    local -a bad=() cuts
    size=$(file_size "$f")
    cat "$f" "$f" >two.qev
    # Inside the second header, block and trailer, and one byte short.
    cuts=($((size + 3)) $((size + 20)) $((size + $(header_len "$f"))) $((size + 300))
        $((2 * size - 50)) $((2 * size - 1)))
    for i in "${cuts[@]}"; do
        head -c "$i" two.qev >cut.qev
        rc=0
        qcat -c cut.qev >out 2>err || rc=$?
        if ((rc != 1)) || [[ -s out ]] || ! grep -q "truncated at byte $i after" err; then
            bad+=("cut at $i: exit $rc, stdout '$(cat out)', stderr '$(cat err)'")
        fi
        rc=0
        qstat --check cut.qev >out 2>err || rc=$?
        ((rc == (3 | 4))) && ! [[ -s out || -s err ]] || bad+=("check, cut at $i: exit $rc")
    done
    ((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
}
