# The architecture the tree keeps (docs/architecture.md): thin tools, a
# library that knows nothing of the CLI, and no cycles between the library's
# files, folders or objects. tests/tools/layout.py does the looking; the last
# tests show that it sees each kind of breach in a small tree made to break.
load helpers

layout() {
    command -v python3 >/dev/null || skip "python3 is missing"
    python3 "$QPIPE_TOP/tests/tools/layout.py" "$@"
}

@test "layout: no file in cmd/ is over 300 lines" {
    run layout cmd-size
    assert_success
    assert_output ''
}

@test "layout: no library file includes a header of cli/" {
    run layout cli-includes
    assert_success
    assert_output ''
}

@test "layout: the library's includes have no cycle, between files or folders" {
    run layout include-cycles
    assert_success
    assert_output ''
}

@test "layout: no two library objects call each other" {
    command -v nm >/dev/null || skip "nm is missing"
    run layout call-cycles "$QPIPE_TOP/${BUILD:-build}"
    assert_success
    assert_output ''
}

# A tree with one breach of each kind.
broken_tree() {
    mkdir -p t/cmd/tool t/lib/a t/lib/b t/cli
    seq 301 | sed 's/.*/;/' >t/cmd/tool/main.c
    seq 300 | sed 's/.*/;/' >t/cmd/tool/ok.c
    printf '#include "b.h"\n' >t/lib/a/a.h
    printf '#include "a.h"\n' >t/lib/b/b.h
    printf '#include "c.h"\n' >t/lib/a/c.h
    printf '#include "shell.h"\n' >t/lib/a/uses_cli.c
    : >t/cli/shell.h
}

@test "layout.py sees a long tool file, a CLI include and include cycles" {
    broken_tree
    export QPIPE_LAYOUT_TOP="$PWD/t"
    run layout cmd-size
    assert_failure 1
    assert_output 'cmd/tool/main.c: 301 lines (at most 300)'
    run layout cli-includes
    assert_failure 1
    assert_output 'lib/a/uses_cli.c includes the CLI header shell.h'
    run layout include-cycles
    assert_failure 1
    assert_line 'files include each other: lib/a/a.h lib/b/b.h'
    assert_line 'folders include each other: lib/a lib/b'
}

@test "layout.py sees two objects that call each other" {
    command -v cc >/dev/null && command -v nm >/dev/null || skip "cc or nm is missing"
    mkdir -p o/lib/x
    printf 'int pong(int);\nint ping(int n) { return n ? pong(n - 1) : 0; }\n' >ping.c
    printf 'int ping(int);\nint pong(int n) { return n ? ping(n - 1) : 1; }\n' >pong.c
    printf 'int ping(int);\nint top(void) { return ping(3); }\n' >top.c
    for f in ping pong top; do cc -c "$f.c" -o "o/lib/x/$f.o"; done
    run layout call-cycles "$PWD/o"
    assert_failure 1
    assert_output 'objects call each other: lib/x/ping.o lib/x/pong.o'
}
