# Shared set-up for the bats files: the built tools first on PATH, the
# assertion libraries, and a scratch directory per test.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

: "${QPIPE_TOP:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
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
