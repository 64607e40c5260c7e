load helpers

# The public libqev as installed: four headers that each compile alone in C
# and C++, a shared library that exports exactly what they mark QEV_API and
# imports nothing that prints or exits, one version number, and the example
# of qev(3), which builds through pkg-config and does what the page says.

PUBLIC_HEADERS="filter.h merge.h qev.h tagread.h"

setup_file() {
    DEST="$BATS_FILE_TMPDIR/root"
    export DEST
    make -s -C "$QPIPE_TOP" BUILD="${BUILD:-build}" install DESTDIR="$DEST" PREFIX=/usr \
        >"$BATS_FILE_TMPDIR/install.log" 2>&1
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    INC="$DEST/usr/include/qpipe"
    LIB="$DEST/usr/lib"
    export PKG_CONFIG_PATH="$LIB/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
}

qpipe_version() {
    sed -n 's/^#define QPIPE_VERSION "\(.*\)"$/\1/p' "$QPIPE_TOP/lib/stream/qev.h"
}

# The functions the installed headers declare with QEV_API, one a line.
declared_api() {
    sed -n 's/^QEV_API [^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' "$INC"/*.h | sort
}

# The symbols the installed shared library defines, or imports ($1).
dynamic_symbols() {
    nm -D "--$1-only" "$LIB/libqev.so" | awk '{ print $NF }' | sed 's/@.*//' | sort -u
}

# A sanitizer build (make check-asan) needs the sanitizers' runtimes to link.
sanitizer_flags() {
    if nm "$LIB/libqev.a" 2>/dev/null | grep -q __asan_report; then
        echo -fsanitize=address,undefined
    fi
}

# The program of qev(3)'s EXAMPLES: its first literal block, the escapes undone.
page_example() {
    awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Ed/ { exit } ex && on { print }
         ex && /^\.Bd -literal/ { on = 1 }' "$QPIPE_TOP/man/qev.3" |
        sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\&//g' -e 's/\\e/\\/g'
}

@test "api: the installed headers are the four of the public API, and nothing else" {
    run ls "$INC"
    assert_success
    assert_output "$(printf '%s\n' $PUBLIC_HEADERS)"
    # a header they include is either installed or the system's
    run grep -h '^#include "' "$INC"/*.h
    for h in $(grep -ho '^#include "[^"]*"' "$INC"/*.h | sed 's/.*"\(.*\)"/\1/' | sort -u); do
        [ -f "$INC/$h" ] || fail "an installed header includes $h, which is not installed"
    done
}

@test "api: every installed header compiles on its own as C99 and C11, warnings as errors" {
    for h in $PUBLIC_HEADERS; do
        for std in c99 c11; do
            printf '#include <%s>\n' "$h" >one.c
            cc -std=$std -Wall -Wextra -Wpedantic -Wstrict-prototypes -Werror -fsyntax-only \
                -I"$INC" one.c || fail "$h does not compile alone as $std"
        done
    done
}

@test "api: every installed header compiles on its own as C++, and C++ links its C functions" {
    need_command c++ g++
    for h in $PUBLIC_HEADERS; do
        printf '#include <%s>\n' "$h" >one.cc
        c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$INC" one.cc ||
            fail "$h does not compile alone as C++"
    done
    cat >version.cc <<'CC'
#include <cstdio>
#include <qev.h>
#include <tagread.h>
#include <merge.h>
#include <filter.h>

int main()
{
    std::printf("%s %zu\n", qev_version(), qtag_format_count() > 0 ? sizeof(qev_event) : 0);
    return 0;
}
CC
    c++ $(sanitizer_flags) -o version version.cc $(pkg-config --cflags --libs qpipe)
    run env LD_LIBRARY_PATH="$LIB" ./version
    assert_success
    assert_output "$(qpipe_version) 16"
}

@test "api: libqev.so exports exactly the functions the headers mark QEV_API" {
    declared_api >declared
    [ "$(wc -l <declared)" -ge 60 ] || fail "only $(wc -l <declared) QEV_API declarations found"
    dynamic_symbols defined >exported
    run diff declared exported
    assert_success
    assert_output ''
    # every public name has the library's prefix
    run grep -v '^qev_\|^qtag_' declared
    assert_output ''
}

@test "api: libqev.so imports nothing that prints, exits, catches signals or sets process state" {
    dynamic_symbols undefined >imported
    forbidden="exit _exit _Exit abort quick_exit atexit signal sigaction raise printf vprintf
        puts putchar perror psignal err errx verr warn warnx vwarn error stdout stderr
        umask setlocale setenv putenv unsetenv srand rand strtok"
    for f in $forbidden; do
        grep -qx "$f" imported && fail "libqev.so imports $f"
    done
    # the same holds for the static analyses the tools link
    for a in libqev.a libqpipe.a; do
        nm -u "$QPIPE_TOP/${BUILD:-build}/$a" | awk '{ print $NF }' | sort -u >archive
        for f in $forbidden; do
            grep -qx "$f" archive && fail "$a imports $f"
        done
    done
    true
}

@test "api: one version: qev.h's QPIPE_VERSION in pkg-config, the SONAME, --version and every page" {
    v=$(qpipe_version)
    [ -n "$v" ]
    run pkg-config --modversion qpipe
    assert_output "$v"
    major=${v%%.*}
    run readelf -d "$LIB/libqev.so"
    assert_output --partial "Library soname: [libqev.so.$major]"
    [ "$(readlink "$LIB/libqev.so")" = "libqev.so.$major" ]
    [ "$(readlink "$LIB/libqev.so.$major")" = "libqev.so.$v" ]
    [ -f "$LIB/libqev.so.$v" ] && [ ! -L "$LIB/libqev.so.$v" ]
    run qcat --version
    assert_output "qcat (qpipe) $v"
    for p in "$QPIPE_TOP"/man/*.[1-9]; do
        grep -qx "\.Os qpipe $v" "$p" || fail "$(basename "$p") does not say .Os qpipe $v"
    done
    # the format's version is its own, under its own name
    run grep -rn 'QEV_VERSION_MAJOR\|QEV_VERSION_MINOR' "$QPIPE_TOP/lib" "$QPIPE_TOP/cli" \
        "$QPIPE_TOP/cmd" "$QPIPE_TOP/tests/unit" "$QPIPE_TOP/man"
    assert_output ''
}

@test "api: qev(3) is installed, formats without a warning, and its synopsis names the whole API" {
    [ -f "$DEST/usr/share/man/man3/qev.3" ]
    need_command groff groff-base
    msg=$(groff -mandoc -ww -z "$QPIPE_TOP/man/qev.3" 2>&1) || fail "groff failed: $msg"
    [ -z "$msg" ] || fail "$msg"
    if command -v mandoc >/dev/null; then
        msg=$(mandoc -Tlint -W warning "$QPIPE_TOP/man/qev.3" 2>&1 | grep -v 'mandoc\.db' || true)
        [ -z "$msg" ] || fail "$msg"
    fi
    for sh in NAME LIBRARY SYNOPSIS DESCRIPTION "RETURN VALUES" "THREAD SAFETY" VERSIONS \
        EXAMPLES "SEE ALSO"; do
        grep -qx ".Sh $sh" "$QPIPE_TOP/man/qev.3" || fail "qev.3 lacks $sh"
    done
    declared_api >declared
    sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/s/^\.Fn \([a-z_0-9]*\).*/\1/p' \
        "$QPIPE_TOP/man/qev.3" | sort >synopsis
    run diff declared synopsis
    assert_output ''
}

@test "api: the example of qev(3) builds through pkg-config against libqev.so and keeps channels" {
    page_example >keep-channels.c
    grep -q 'int main' keep-channels.c || fail "no program in qev.3's EXAMPLES"
    cc $(sanitizer_flags) -std=c11 -Wall -Wextra -Werror -o keep-channels keep-channels.c \
        $(pkg-config --cflags --libs qpipe)
    run readelf -d keep-channels
    assert_output --partial 'Shared library: [libqev.so.'
    qsim poisson -r 1M,1M,1M -n 50000 -s 7 --no-provenance -o s.qev
    want=$(qcat -C 1,3 -c s.qev)
    [ "$want" -gt 30000 ] && [ "$want" -lt 36000 ]
    LD_LIBRARY_PATH="$LIB" ./keep-channels 1,3 <s.qev >kept.qev 2>err
    run cat err
    assert_output "keep-channels: read 50000 events, kept $want (libqev $(qpipe_version))"
    run qstat --check kept.qev
    assert_success
    # the same events, byte for byte, as qcat's own selection
    [ "$(qcat kept.qev | md5sum)" = "$(qcat -C 1,3 s.qev | md5sum)" ]
}

@test "api: the example of qev(3) reports the library's message, and writes no trailer after an error" {
    page_example >keep-channels.c
    cc $(sanitizer_flags) -o keep-channels keep-channels.c $(pkg-config --cflags --libs qpipe)
    printf 'not a stream' >bad.qev
    run --separate-stderr env LD_LIBRARY_PATH="$LIB" ./keep-channels 1 <bad.qev
    assert_failure 1
    assert_output ''
    assert_equal "$stderr" 'keep-channels: not a QEV stream (bad magic at byte 0)'
    qsim poisson -r 1M -n 200000 -o s.qev
    head -c 100000 s.qev >cut.qev
    LD_LIBRARY_PATH="$LIB" ./keep-channels 1 <cut.qev >out.qev 2>err && fail "a cut input passed"
    run cat err
    assert_output --regexp '^keep-channels: truncated at byte [0-9]+ after [0-9]+ events'
    run qcat -c out.qev
    assert_failure 1
    run --separate-stderr env LD_LIBRARY_PATH="$LIB" ./keep-channels 1,x
    assert_failure 2
    assert_equal "$stderr" "usage: keep-channels LIST <in.qev >out.qev"$'\n'"LIST is like 1,3,5-8"
}
