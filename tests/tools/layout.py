#!/usr/bin/env python3
"""Checks of the tree's architecture (docs/architecture.md): prints one line per
violation and exits 1 when there is any.

  layout.py cmd-size        no file in cmd/ is over 300 lines
  layout.py cli-includes    no library file includes a header of cli/
  layout.py include-cycles  the library's includes have no cycle, between files
                            or between folders
  layout.py call-cycles OBJDIR
                            no two library objects call each other, directly or
                            through others (from nm of OBJDIR/lib/**/*.o)
"""
import glob
import os
import re
import subprocess
import sys

TOP = os.environ.get("QPIPE_LAYOUT_TOP") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def files(pattern):
    return sorted(glob.glob(os.path.join(TOP, pattern), recursive=True))


def rel(path):
    return os.path.relpath(path, TOP)


def cmd_size():
    bad = []
    for f in files("cmd/**/*.[ch]"):
        n = sum(1 for _ in open(f))
        if n > 300:
            bad.append(f"{rel(f)}: {n} lines (at most 300)")
    return bad


def library_headers():
    return {os.path.basename(h): h for h in files("lib/*/*.h")}


def cli_includes():
    cli = {os.path.basename(h) for h in files("cli/*.h")}
    bad = []
    for f in files("lib/**/*.[ch]"):
        for inc in INCLUDE.findall(open(f).read()):
            if inc in cli and inc not in library_headers():
                bad.append(f"{rel(f)} includes the CLI header {inc}")
    return bad


def cycles(graph):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(100000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def include_cycles():
    headers = library_headers()
    by_file, by_folder = {}, {}
    for f in files("lib/**/*.[ch]"):
        deps = {headers[i] for i in INCLUDE.findall(open(f).read()) if i in headers}
        by_file[f] = {d for d in deps if d != f}
        folder = os.path.dirname(f)
        by_folder.setdefault(folder, set()).update(os.path.dirname(d) for d in deps)
    for folder in by_folder:
        by_folder[folder].discard(folder)
    bad = ["files include each other: " + " ".join(map(rel, c)) for c in cycles(by_file)]
    bad += ["folders include each other: " + " ".join(map(rel, c)) for c in cycles(by_folder)]
    return bad


def nm_symbols(obj):
    defined, undefined = set(), set()
    for line in subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRCV":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
    return defined, undefined


def call_cycles(objdir):
    objs = sorted(glob.glob(os.path.join(objdir, "lib", "**", "*.o"), recursive=True))
    if not objs:
        return [f"no library objects under {objdir}/lib"]
    symbols = {o: nm_symbols(o) for o in objs}
    owner = {s: o for o, (defined, _) in symbols.items() for s in defined}
    graph = {o: {owner[s] for s in undefined if s in owner and owner[s] != o}
             for o, (_, undefined) in symbols.items()}
    return ["objects call each other: " + " ".join(os.path.relpath(o, objdir) for o in c)
            for c in cycles(graph)]


def main(argv):
    checks = {"cmd-size": cmd_size, "cli-includes": cli_includes, "include-cycles": include_cycles}
    if len(argv) == 3 and argv[1] == "call-cycles":
        bad = call_cycles(argv[2])
    elif len(argv) == 2 and argv[1] in checks:
        bad = checks[argv[1]]()
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
