load helpers

# Every tool has bash and zsh completions, and the bash completion offers
# every long option the tool's --help names.

tools() {
    local t
    for t in "$QPIPE_BIN"/*; do
        basename "$t"
    done
}

# The candidates bash completion gives for the words after the tool name.
complete_words() {
    local tool=$1 fn
    shift
    # shellcheck disable=SC1090
    source "$QPIPE_TOP/completions/bash/$tool"
    fn=$(complete -p "$tool" | sed 's/.*-F \([^ ]*\) .*/\1/')
    COMP_WORDS=("$tool" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$fn" "$tool" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}

@test "every tool has a bash and a zsh completion" {
    for t in $(tools); do
        [ -f "$QPIPE_TOP/completions/bash/$t" ] || fail "no bash completion for $t"
        [ -f "$QPIPE_TOP/completions/zsh/_$t" ] || fail "no zsh completion for $t"
        head -1 "$QPIPE_TOP/completions/zsh/_$t" | grep -qx "#compdef $t"
    done
}

# The subcommands a tool's usage lines name ("Usage: qcorr hist ..."), if any.
subcommands() {
    "$1" --help | sed -n "s/^\(Usage:\)\{0,1\} *$1 \([a-z][a-z-]*\).*/\2/p" | sort -u
}

@test "bash completion offers every long option of --help" {
    for t in $(tools); do
        [ -f "$QPIPE_TOP/completions/bash/$t" ] || continue
        want=$("$t" --help | grep -oE '^ +(-[A-Za-z0-9], )?--[a-z][a-z-]*' | grep -o -- '--[a-z-]*' | sort -u)
        subs=$(subcommands "$t")
        got=$(if [ -n "$subs" ]; then
                  for sub in $subs; do complete_words "$t" "$sub" --; done
              else
                  complete_words "$t" --
              fi | sed 's/=$//' | sort -u)
        missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got"))
        [ -z "$missing" ] || fail "$t completion lacks: $missing"
    done
}

@test "bash completion of values: qcat formats, qtag-read formats, kinds" {
    run complete_words qcat -O ''
    assert_output "$(printf '%s\n' text csv qev raw phdf5)"
    run complete_words qcat --kind=photon,s
    assert_output 'photon,sync'
    run complete_words qtag-read --format p
    assert_output "$(printf '%s\n' ptu pt2 pt3 phdf5)"
}
