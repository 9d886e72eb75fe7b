"""KTAP version 1 parser (also TAP version 13/14) for serial logs and stdout.

parse(lines) -> Report. The rules are strict on purpose: this decides whether
tests passed, so anything it cannot prove complete is an error, and a Report
with errors never counts as passed (see Report.all_passed).

Shape accepted (indentation is whatever the output uses, consistently):

    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: suite
        1..1
        # diagnostic for the result below
        not ok 1 case # TIMEOUT diag
    not ok 1 suite
    ok 2 other # SKIP reason

Console lines around and between KTAP lines are ignored; a prefix glued to
the first version line (e.g. "[  0.1] ") is stripped from later lines.
"""
import re

PASS, FAIL, SKIP, CRASHED = "PASS", "FAIL", "SKIP", "CRASHED"
FAILING = (FAIL, CRASHED)

_ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_VERSION_ANY = re.compile(r"(KTAP version (\d+)|TAP version (\d+))\s*$")
_VERSION = re.compile(r"^(?:KTAP version (\d+)|TAP version (\d+))$")
_PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#.*)?$")
_SUBTEST = re.compile(r"^#\s*Subtest:\s*(.*?)\s*$")
_RESULT = re.compile(r"^(ok|not ok)\s+(\d+)(?![\d.])\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*?))?\s*$")
_DIAG = re.compile(r"^#\s?(.*)$")
_BAIL = re.compile(r"^Bail out!\s*(.*)$")
_TIMESTAMP = re.compile(r"^\s*\[[^\]]*\]")
DIRECTIVES = ("SKIP", "TODO", "XFAIL", "TIMEOUT", "ERROR")


def clean(line):
    """Drop terminal escapes and control characters (serial logs carry
    SeaBIOS/GRUB screen codes) and trailing blanks."""
    return _CTRL.sub("", _ANSI.sub("", line)).rstrip()


def split_lines(text):
    # splitlines() also splits on a bare \r, which is what a terminal does.
    return text.splitlines()


class Test:
    """One KTAP result, or a subtest block with its children."""

    def __init__(self, parent=None, indent=0):
        self.parent = parent
        self.indent = indent
        self.name = ""           # result description or "# Subtest:" name
        self.number = None       # number printed on the result line
        self.plan = None
        self.children = []
        self.pending = None      # closed subtest block awaiting its result line
        self.has_result = False
        self.ok = None
        self.directive = None    # SKIP, TODO, XFAIL, TIMEOUT, ERROR or None
        self.directive_text = ""
        self.diags = []          # "# ..." lines printed before the result
        self.status = None       # own status, see _own_status()
        self.crash_note = ""

    @property
    def path(self):
        parts = []
        t = self
        while t is not None and t.parent is not None:
            parts.append(t.name or "#%s" % (t.number or "?"))
            t = t.parent
        return ".".join(reversed(parts)) or "(top level)"

    def fresh(self):
        return self.plan is None and not self.children and self.pending is None

    def failing(self):
        """Own status failing, or any descendant failing."""
        return self.status in FAILING or any(c.failing() for c in self.children)

    def __repr__(self):
        return "<Test %s %s %d children>" % (self.path, self.status, len(self.children))


def _own_status(ok, directive):
    if directive in ("TIMEOUT", "ERROR"):
        return FAIL                      # even if printed as "ok"
    if directive == "SKIP":
        return SKIP
    if directive == "XFAIL":
        return PASS                      # failed as expected (kselftest)
    if directive == "TODO":
        return PASS if ok else SKIP      # TAP: a failing TODO is not a failure
    return PASS if ok else FAIL


class Report:
    """Result of parsing: the trees plus every structural problem found."""

    def __init__(self):
        self.found = False       # saw a version line at all
        self.roots = []
        self.errors = []         # human-readable structural problems
        self.passed = self.failed = self.skipped = 0
        self.failures = []       # failing leaves (and failing childless parents)

    @property
    def total(self):
        return self.passed + self.failed + self.skipped

    @property
    def all_passed(self):
        """True only for complete, well-formed KTAP with results and none failing."""
        return (self.found and not self.errors and self.failed == 0
                and self.total > 0)

    def crashed(self):
        return [t for t in self.failures if t.status == CRASHED]


class _Parser:
    def __init__(self):
        self.r = Report()
        self.stack = []
        self.prefix = None
        self.diags = []

    # -- structure helpers -------------------------------------------------
    def err(self, t, msg):
        self.r.errors.append("%s: %s" % (t.path, msg) if t.parent else msg)

    def commit_pending(self, parent):
        # A subtest block whose own result line never came: it crashed.
        t = parent.pending
        if t is None:
            return
        parent.pending = None
        t.status = CRASHED
        t.crash_note = "subtest ended without its result line"
        t.number = len(parent.children) + 1
        t.diags += self.take_diags()
        parent.children.append(t)
        self.err(t, "no result line for this subtest (crashed?)")

    def close(self, t):
        self.commit_pending(t)
        n = len(t.children)
        if t.plan is None:
            self.err(t, "missing plan line (1..N)")
        elif n < t.plan:
            self.err(t, "%d of %d planned results missing (crashed?)" % (t.plan - n, t.plan))
            for i in range(n + 1, t.plan + 1):
                c = Test(t, t.indent)
                c.number = i
                c.name = "#%d" % i
                c.status = CRASHED
                c.crash_note = "planned but never reported"
                if i == n + 1:
                    c.diags = self.take_diags()   # what it printed before dying
                t.children.append(c)
        elif n > t.plan:
            self.err(t, "%d results but the plan says %d" % (n, t.plan))
        if t.parent is not None:
            self.commit_pending(t.parent)
            t.parent.pending = t

    def pop_to(self, indent):
        # Close every open subtest indented deeper than this line.
        while len(self.stack) > 1 and self.stack[-1].indent > indent:
            self.close(self.stack.pop())
        top = self.stack[-1]
        if top.indent > indent:          # shallower than the top level itself
            self.err(top, "line indented less than the top-level version line")

    def open_child(self, indent):
        top = self.stack[-1]
        self.commit_pending(top)
        t = Test(top, indent)
        self.stack.append(t)
        return t

    def take_diags(self):
        d, self.diags = self.diags, []
        return d

    def new_root(self):
        while self.stack:
            self.close(self.stack.pop())
        t = Test(None, 0)
        self.r.roots.append(t)
        self.stack = [t]

    # -- line handling -----------------------------------------------------
    def strip_prefix(self, line):
        p = self.prefix
        if not p:
            return line
        if line.startswith(p):
            return line[len(p):]
        # Timestamps differ line to line; strip any of the same shape.
        # Timestamps differ line to line: strip any of the same shape, then
        # exactly the blanks the prefix had, keeping KTAP indentation intact.
        if _TIMESTAMP.match(p):
            m = _TIMESTAMP.match(line)
            if m:
                gap = p[_TIMESTAMP.match(p).end():]
                rest = line[m.end():]
                return rest[len(gap):] if rest.startswith(gap) else rest
        return line

    def feed(self, raw):
        line = clean(raw)
        if self.prefix is None:
            m = _VERSION_ANY.search(line)
            if not m:
                return                    # console output before KTAP
            self.prefix = line[:m.start()]
            self.r.found = True
            self.new_root()
            self.version(self.stack[0], m.group(2) or m.group(3), tap=bool(m.group(3)))
            return
        line = self.strip_prefix(line)
        body = line.lstrip()
        indent = len(line) - len(body)
        if not body:
            return
        m = _VERSION.match(body)
        if m:
            return self.on_version(indent, m.group(1) or m.group(2), tap=bool(m.group(2)))
        m = _PLAN.match(body)
        if m:
            return self.on_plan(indent, int(m.group(1)))
        m = _SUBTEST.match(body)
        if m:
            return self.on_subtest(indent, m.group(1))
        m = _RESULT.match(body)
        if m:
            return self.on_result(indent, m)
        m = _DIAG.match(body)
        if m:
            self.diags.append(m.group(1))
            return
        m = _BAIL.match(body)
        if m:
            self.err(self.stack[-1], "Bail out! %s" % m.group(1))
        # anything else is console output: ignored

    def version(self, t, num, tap):
        if (tap and num not in ("13", "14")) or (not tap and num != "1"):
            self.err(t, "unsupported version line (%s version %s)" % ("TAP" if tap else "KTAP", num))

    def on_version(self, indent, num, tap):
        if indent == 0 and (len(self.stack) > 1 or not self.stack[0].fresh()):
            # Another top-level document (e.g. a program after the kernel's
            # tests). Each is checked for completeness on its own.
            self.new_root()
            self.version(self.stack[0], num, tap)
            return
        self.pop_to(indent)
        top = self.stack[-1]
        if top.indent == indent and top.fresh():
            return self.version(top, num, tap)  # e.g. after "# Subtest:" opened it
        if top.indent == indent:
            # A new sibling block while this one never got a result line.
            self.close(self.stack.pop())
        t = self.open_child(indent)
        self.version(t, num, tap)

    def on_subtest(self, indent, name):
        self.pop_to(indent)
        top = self.stack[-1]
        if (top.indent == indent and top.parent is not None and not top.name
                and not top.children and top.pending is None):
            top.name = name                           # before or after its plan
            return
        if top.indent == indent and top.parent is not None:
            self.close(self.stack.pop())
        elif top.indent == indent:
            self.diags.append("Subtest: " + name)   # stray at top level
            return
        self.open_child(indent).name = name

    def on_plan(self, indent, n):
        self.pop_to(indent)
        top = self.stack[-1]
        if top.indent < indent:
            top = self.open_child(indent)
        if top.plan is not None:
            self.err(top, "second plan line 1..%d" % n)
        else:
            top.plan = n        # normally first; TAP also allows it last

    def on_result(self, indent, m):
        self.pop_to(indent)
        top = self.stack[-1]
        if top.indent < indent:
            top = self.open_child(indent)             # result without version/plan
        ok = m.group(1) == "ok"
        num = int(m.group(2))
        desc = m.group(3).strip()
        directive, text = None, ""
        if m.group(4) is not None:
            word, _, rest = m.group(4).partition(" ")
            if word.upper() in DIRECTIVES:
                directive, text = word.upper(), rest.strip()
        t = top.pending
        if t is not None:
            top.pending = None
            if t.name and desc and t.name != desc:
                self.err(t, "result line names '%s' but the subtest was '%s'" % (desc, t.name))
            if desc:
                t.name = desc
        else:
            t = Test(top, indent)
            t.name = desc
        expected = len(top.children) + 1
        t.number = num
        if num != expected:
            self.err(t, "result numbered %d, expected %d (out of order)" % (num, expected))
        t.has_result = True
        t.ok = ok
        t.directive, t.directive_text = directive, text
        t.status = _own_status(ok, directive)
        t.diags += self.take_diags()
        top.children.append(t)
        if t.children and any(c.failing() for c in t.children) and t.status not in FAILING:
            self.err(t, "reported %s but a subtest failed" % m.group(1))

    def finish(self):
        if self.prefix is None:
            self.r.errors.append("no KTAP version line: no test output (garbage, or a crash before tests started)")
            return self.r
        while self.stack:
            self.close(self.stack.pop())
        if self.diags and self.r.roots:
            # Trailing diagnostics (e.g. after a crash) go with the top level.
            self.r.roots[-1].diags += self.take_diags()
        for root in self.r.roots:
            _count(root, self.r)
        return self.r


def _count(t, r):
    """Count leaves; returns True if anything in t's subtree failed."""
    if not t.children:
        if t.parent is None:
            return False                   # an empty document has no tests
        if t.status in FAILING:
            r.failed += 1
            r.failures.append(t)
            return True
        if t.status == SKIP:
            r.skipped += 1
        else:
            r.passed += 1
        return False
    bad = False
    for c in t.children:
        bad |= _count(c, r)
    if t.parent is not None and t.status in FAILING and not bad:
        # "not ok" suite whose cases all passed (e.g. init failed): still a failure.
        r.failed += 1
        r.failures.append(t)
        bad = True
    return bad


def parse(lines):
    """Parse an iterable of lines (or one string) into a Report."""
    if isinstance(lines, str):
        lines = split_lines(lines)
    p = _Parser()
    for line in lines:
        p.feed(line)
    return p.finish()


def parse_file(path):
    with open(path, "rb") as f:
        return parse(f.read().decode("utf-8", "replace"))


def describe(t):
    """One line for a failing test: path and why."""
    if t.status == CRASHED:
        why = "crashed: " + (t.crash_note or "no result")
    elif t.directive in ("TIMEOUT", "ERROR"):
        why = "%s %s" % (t.directive, t.directive_text)
    elif t.children:
        why = "not ok (suite-level failure, its cases passed)"
    else:
        why = "not ok"
    return "%s: %s" % (t.path, why.strip())


if __name__ == "__main__":
    import sys
    rep = parse_file(sys.argv[1]) if len(sys.argv) > 1 else parse(sys.stdin.read())
    for t in rep.failures:
        print(describe(t))
        for d in t.diags:
            print("    # " + d)
    for e in rep.errors:
        print("error: " + e)
    print("%d passed, %d failed, %d skipped%s" % (
        rep.passed, rep.failed, rep.skipped, "" if rep.all_passed else " (NOT PASSED)"))
    sys.exit(0 if rep.all_passed else 1)
