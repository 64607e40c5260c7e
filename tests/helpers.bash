# Shared set-up for the bats files: the built tools first on PATH, the
# assertion libraries, and a scratch directory per test.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

: "${QPIPE_TOP:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
export QPIPE_TOP # the python references import tests/tools from it
: "${QPIPE_BIN:=$QPIPE_TOP/build/bin}"
PATH="$QPIPE_BIN:$PATH"
REALDATA="${QPIPE_REALDATA:-$QPIPE_TOP/../shared/realdata}"
export SOURCE_DATE_EPOCH=1700000000

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
}

# Skips, saying so, when the real vendor files are not present.
need_realdata() {
    [ -d "$REALDATA" ] || skip "real vendor files not present at $REALDATA"
}

# Skips the test when the command $1 is missing, with the line that installs
# its Debian package $2 (by default named like the command). make check
# installs these as root and names the missing ones otherwise.
need_command() {
    command -v "$1" >/dev/null 2>&1 ||
        skip "$1 is not installed: sudo apt-get install -y ${2:-$1}"
}

# Skips the test when no python3 has the modules named (numpy by default),
# with the line that installs them.
need_python() {
    local m packages=
    for m in "${@:-numpy}"; do packages="$packages python3-$m"; done
    find_python "$@" >/dev/null || skip "python3 lacks ${*:-numpy}: sudo apt-get install -y$packages"
}

# A python3 that has the modules named, numpy by default (pyenv's python may
# not see Debian's).
find_python() {
    local p modules
    modules=$(IFS=,; echo "${*:-numpy}")
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c "import $modules" 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# Writes raw16 records to $1, one "TIME CHANNEL [KIND FLAGS AUX]" line on stdin
# per record (missing fields are 0).
raw16_file() {
    python3 -c '
import struct, sys
b = []
for line in sys.stdin:
    f = [int(x, 0) for x in line.split()]
    if f:
        b.append(struct.pack("<qHBBI", *(f + [0] * (5 - len(f)))))
open(sys.argv[1], "wb").write(b"".join(b))
' "$1"
}

# Runs the file's python reference, $BATS_FILE_TMPDIR/ref.py, with numpy.
ref() {
    [ -n "$NPY" ] || fail "python3 with numpy is missing: make deps-test installs it"
    "$NPY" "$BATS_FILE_TMPDIR/ref.py" "$@"
}

# The closing metadata (trailer) lines of the QEV stream $1.
closing_meta() {
    qcat -H "$1" | sed -n '/^# closing metadata/,$p'
}

# The value of key $2 in the first segment header of $1.
meta_value() {
    qcat -H "$1" | sed -n "s/^$2=//p" | head -n 1
}
