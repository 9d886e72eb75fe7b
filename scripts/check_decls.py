#!/usr/bin/env python3
"""Fail when a .c file declares a function it does not define.

    check_decls.py FILE.c...

Every function used across files is declared once, in a header, so the
compiler checks each caller against its callee. A prototype written inside
a .c file (for a function defined elsewhere, or to quiet
-Wmissing-prototypes for its own definition) defeats that, so it is an
error here. `static` forward declarations of a file's own functions are
fine. Prints file:line: name for each and exits 1 if there are any.
"""
import re
import sys

DECL = re.compile(r"^(?!static\b|typedef\b)(?:extern\s+)?[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(([^;{}]*)\)\s*"
                  r"(?:__attribute__\s*\(\(.*?\)\)\s*|__noreturn\s*)*;$", re.S)


def strip(src):
    """Blank out comments, strings and character constants, keeping lines."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", src[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def top_level_statements(text):
    """(line, statement) for each statement at brace depth 0."""
    depth, start = 0, 0
    for i, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif c == ";" and depth == 0:
            stmt = text[start:i + 1]
            first = start + len(stmt) - len(stmt.lstrip())
            yield text.count("\n", 0, first) + 1, stmt.strip()
            start = i + 1


def check(path):
    text = strip(open(path, encoding="utf-8", errors="replace").read())
    # Preprocessor lines are not C statements.
    text = re.sub(r"(?m)^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    bad = []
    for line, stmt in top_level_statements(text):
        m = DECL.match(" ".join(stmt.split()))
        if m and "=" not in stmt.split("(")[0]:
            bad.append((line, m.group(1)))
    return bad


def main(argv):
    found = 0
    for path in argv[1:]:
        for line, name in check(path):
            print("%s:%d: %s is declared here, not in a header" % (path, line, name))
            found += 1
    if found:
        print("check_decls: %d prototype(s) inside .c files (declare them in a header)" % found)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
