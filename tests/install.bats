load helpers

# make install into a DESTDIR puts the tools, manual pages, completions, libqev
# (static and shared), its headers and a pkg-config file in place; a 20-line
# program builds against it through pkg-config and reads a stream.

setup_file() {
    DEST="$BATS_FILE_TMPDIR/root"
    export DEST
    make -s -C "$QPIPE_TOP" BUILD="${BUILD:-build}" install DESTDIR="$DEST" PREFIX=/usr \
        >"$BATS_FILE_TMPDIR/install.log" 2>&1
}

@test "make install: tools, pages, completions, library, headers, pkg-config" {
    for t in qcat qsim qstat qtag-read qcorr; do
        [ -x "$DEST/usr/bin/$t" ]
        [ -f "$DEST/usr/share/man/man1/$t.1" ]
        [ -f "$DEST/usr/share/bash-completion/completions/$t" ]
        [ -f "$DEST/usr/share/zsh/site-functions/_$t" ]
    done
    [ -f "$DEST/usr/share/man/man3/qev.3" ]
    [ -f "$DEST/usr/share/man/man5/qev.5" ]
    [ -f "$DEST/usr/share/man/man7/qpipe.7" ]
    [ -f "$DEST/usr/lib/libqev.a" ]
    [ -f "$DEST/usr/lib/libqev.so.0" ]
    [ -f "$DEST/usr/include/qpipe/qev.h" ]
    [ ! -e "$DEST/usr/include/qpipe/internal.h" ]
    run "$DEST/usr/bin/qcat" --version
    assert_output 'qcat (qpipe) 0.1.0'
}

@test "a program links libqev through pkg-config and reads a stream" {
    cat >count.c <<'C'
#include <stdio.h>
#include <qev.h>

int main(int argc, char **argv)
{
    qev_reader *r = qev_reader_open(argc > 1 ? argv[1] : "-");
    const qev_event *ev;
    long n;
    unsigned long long events = 0, on_channel_2 = 0;
    while ((n = qev_read(r, &ev)) >= 0)
        for (long i = 0; i < n; i++, events++)
            on_channel_2 += ev[i].channel == 2;
    if (n != QEV_END) {
        fprintf(stderr, "count: %s\n", qev_reader_error(r));
        return 1;
    }
    printf("%llu %llu\n", events, on_channel_2);
    return qev_reader_close(r) != QEV_OK;
}
C
    [ "$(wc -l <count.c)" -le 22 ]
    export PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
    cc -o count count.c $(pkg-config --cflags --libs qpipe)
    qsim poisson -r 1M,1M -n 50000 -o s.qev
    run env LD_LIBRARY_PATH="$DEST/usr/lib" ./count s.qev
    assert_success
    want_two=$(qcat -C 2 -c s.qev)
    assert_output "50000 $want_two"
    # the private libraries live on this system, not under the install root;
    # a library built for make check-asan needs the sanitizers' runtimes too
    local sanitizers=()
    nm "$DEST/usr/lib/libqev.a" 2>/dev/null | grep -q __asan_report && sanitizers=(-fsanitize=address,undefined)
    cc "${sanitizers[@]}" -o count-static count.c $(pkg-config --cflags qpipe) "$DEST/usr/lib/libqev.a" \
        $(PKG_CONFIG_SYSROOT_DIR= pkg-config --libs --static qpipe | sed 's/-lqev//')
    run ./count-static s.qev
    assert_output "50000 $want_two"
}

@test "qpipe.pc follows PREFIX and LIBDIR from one make install to the next" {
    make -s -C "$QPIPE_TOP" BUILD="${BUILD:-build}" install DESTDIR="$PWD/x" PREFIX=/opt/x \
        LIBDIR=/opt/x/lib64 >log 2>&1 || fail "$(cat log)"
    run sed -n '1,3p' x/opt/x/lib64/pkgconfig/qpipe.pc
    assert_output "$(printf '%s\n' prefix=/opt/x libdir=/opt/x/lib64 includedir=/opt/x/include/qpipe)"
    [ -f x/opt/x/lib64/libqev.so.0 ]
    make -s -C "$QPIPE_TOP" BUILD="${BUILD:-build}" install DESTDIR="$PWD/y" PREFIX=/usr \
        >log 2>&1 || fail "$(cat log)"
    run sed -n '1p' y/usr/lib/pkgconfig/qpipe.pc
    assert_output prefix=/usr
}

@test "make install fails when a file cannot be installed" {
    mkdir -p "z/usr/share/man/man1/qcat.1"
    run make -s -C "$QPIPE_TOP" BUILD="${BUILD:-build}" install DESTDIR="$PWD/z" PREFIX=/usr
    assert_failure
    assert_output --partial 'qcat.1'
}

@test "make uninstall removes what install put there" {
    make -s -C "$QPIPE_TOP" BUILD="${BUILD:-build}" uninstall DESTDIR="$DEST" PREFIX=/usr
    run find "$DEST" -type f
    assert_output ''
}
