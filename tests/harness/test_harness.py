#!/usr/bin/env python3
"""Tests of the test harness itself (ktap.py, run_tests.py); prints KTAP.

    python3 tests/harness/test_harness.py [case1,case2]

The parser is checked against recorded serial logs in tests/harness/logs/,
the verdict logic with fake exit codes, and the runner end to end through
temporary plan files (hangs, killed process groups, Ctrl-C, a fake QEMU, and
a real QEMU booting stub_kernel.asm when nasm/grub-mkrescue are installed).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import ktap          # noqa: E402
import run_tests     # noqa: E402

LOGS = os.path.join(HERE, "logs")
RUNNER = os.path.join(HERE, "run_tests.py")
SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")
QOK, QFAIL = run_tests.QEMU_OK, run_tests.QEMU_FAIL


class Skip(Exception):
    pass


def log(name):
    with open(os.path.join(LOGS, name), "rb") as f:
        return f.read().decode("utf-8", "replace")


def parse(text):
    return ktap.parse(textwrap.dedent(text))


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: %r != %r" % (what or "value", a, b))


def counts(r):
    return (r.passed, r.failed, r.skipped)


# --- ktap_parser ---------------------------------------------------------------

def test_pass_with_console_noise():
    r = ktap.parse(log("pass_noise.log"))
    eq(counts(r), (5, 0, 0), "counts")
    assert r.all_passed and not r.errors, r.errors
    eq([c.name for c in r.roots[0].children], ["fmt", "pmm"])
    eq(r.roots[0].children[1].children[1].path, "pmm.test_exhaust")


def test_failure_keeps_diagnostics():
    r = ktap.parse(log("fail_diag.log"))
    eq(counts(r), (3, 1, 0), "counts")
    assert not r.all_passed
    (t,) = r.failures
    eq(t.path, "ringbuf.test_wrap")
    assert any("ringbuf.c:212" in d for d in t.diags), t.diags
    eq(len(t.diags), 2, "diags before the result only")
    assert r.roots[0].children[0].failing()


def test_missing_plan():
    r = ktap.parse(log("missing_plan.log"))
    assert not r.all_passed
    assert any("missing plan" in e for e in r.errors), r.errors


def test_crash_mid_plan():
    r = ktap.parse(log("crash_midplan.log"))
    assert not r.all_passed
    eq(counts(r), (2, 4, 0), "counts: traps #2-#4 and top-level #3 crashed")
    crashed = r.crashed()
    eq(len(crashed), 4)
    eq(crashed[0].path, "traps.#2")
    assert "about to write through a NULL pointer" in crashed[0].diags
    assert any("3 of 4 planned results missing" in e for e in r.errors), r.errors


def test_garbage_is_not_ktap():
    r = ktap.parse(log("garbage.log"))
    assert not r.found and not r.all_passed
    eq(r.total, 0)
    r = ktap.parse("")
    assert not r.found and not r.all_passed


def test_nested_subtests():
    r = ktap.parse(log("nested.log"))
    eq(counts(r), (5, 1, 0), "leaves only")
    eq(r.failures[0].path, "percpu.test_cpus.cpu1")
    assert "expected this_cpu_read" in r.failures[0].diags[0]
    assert not r.errors, r.errors


def test_skip_directive():
    r = ktap.parse(log("skip.log"))
    eq(counts(r), (1, 0, 2), "counts")
    assert r.all_passed, r.errors
    eq(r.roots[0].children[0].children[0].directive_text, "needs smp=2 or more")


def test_timestamp_prefix():
    r = ktap.parse(log("timestamps.log"))
    eq(counts(r), (2, 0, 0), "counts")
    assert r.all_passed, r.errors


def test_glued_prefix_is_not_stripped_by_length():
    # Screen output without a newline glued to the version line must not
    # eat the start of later lines.
    r = parse("\x1b[2JBooting `Ringtail'KTAP version 1\n1..1\n  KTAP version 1\n"
              "  1..1\n  ok 1 a\nok 1 s\n")
    assert r.all_passed, r.errors
    eq(r.passed, 1)


def test_two_space_indentation_and_tap13():
    r = parse("""\
        TAP version 14
        1..2
          # Subtest: a
          1..1
          ok 1 x
        ok 1 a
        ok 2 - b
        """)
    assert r.all_passed, r.errors
    eq(counts(r), (2, 0, 0))
    eq(r.roots[0].children[1].name, "b")


def test_out_of_order():
    r = parse("KTAP version 1\n1..2\nok 2 b\nok 1 a\n")
    assert not r.all_passed
    assert any("out of order" in e for e in r.errors), r.errors


def test_extra_and_duplicate_results():
    r = parse("KTAP version 1\n1..1\nok 1 a\nok 2 b\n")
    assert not r.all_passed and any("plan says 1" in e for e in r.errors), r.errors
    r = parse("KTAP version 1\n1..2\nok 1 a\nok 1 a\n")
    assert not r.all_passed


def test_parent_ok_but_child_failed():
    r = parse("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n"
              "    not ok 1 x\nok 1 suite\n")
    eq(counts(r), (0, 1, 0))
    assert any("a subtest failed" in e for e in r.errors), r.errors
    assert r.roots[0].children[0].failing()


def test_parent_not_ok_children_passed():
    # Only leaves are counted, but a failing suite must not vanish.
    r = parse("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n"
              "    ok 1 x\nnot ok 1 suite\n")
    eq(counts(r), (1, 1, 0))
    assert not r.all_passed
    eq(r.failures[0].path, "suite")


def test_directives():
    r = parse("""\
        KTAP version 1
        1..6
        ok 1 a # TIMEOUT took too long
        not ok 2 b # ERROR bad setup
        not ok 3 c # XFAIL known bug
        not ok 4 d # TODO not written
        ok 5 e # skip lowercase
        ok 6 f # just a comment
        """)
    eq([t.status for t in r.roots[0].children],
       [ktap.FAIL, ktap.FAIL, ktap.PASS, ktap.SKIP, ktap.SKIP, ktap.PASS])
    eq(counts(r), (2, 2, 2))
    assert "TIMEOUT" in ktap.describe(r.failures[0])


def test_empty_plan_is_not_a_pass():
    r = parse("KTAP version 1\n1..0\n")
    assert r.found and not r.errors and not r.all_passed
    eq(r.total, 0)


def test_truncated_inside_subtest():
    r = parse("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n")
    assert not r.all_passed
    eq(r.failed, 1)
    r = parse("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 x\n")
    assert not r.all_passed and any("no result line" in e for e in r.errors), r.errors


def test_bail_out_and_bad_version():
    assert not parse("KTAP version 1\n1..1\nBail out! disk on fire\nok 1 a\n").all_passed
    assert not parse("KTAP version 2\n1..1\nok 1 a\n").all_passed


def test_second_document_is_checked():
    good = "KTAP version 1\n1..1\nok 1 a\n"
    r = ktap.parse(good + good)
    assert r.all_passed and r.passed == 2, r.errors
    r = ktap.parse("KTAP version 1\n1..2\nok 1 a\n" + good)   # restarted midway
    assert not r.all_passed and r.failed == 1


def test_subtest_name_mismatch():
    r = parse("KTAP version 1\n1..1\n  KTAP version 1\n  # Subtest: a\n  1..1\n"
              "  ok 1 x\nok 1 b\n")
    assert not r.all_passed and any("but the subtest was 'a'" in e for e in r.errors)


# --- verdicts ------------------------------------------------------------------

def test_boot_pass_needs_exit_33_and_complete_ktap():
    v = run_tests.boot_verdict(QOK, log("pass_noise.log"), False, 30)
    assert v.ok and (v.passed, v.failed) == (5, 0), v.reasons
    for name in ("crash_midplan.log", "garbage.log", "missing_plan.log", "fail_diag.log"):
        v = run_tests.boot_verdict(QOK, log(name), False, 30)
        assert not v.ok and v.failed >= 1, name
    v = run_tests.boot_verdict(QOK, log("crash_midplan.log"), False, 30)
    eq((v.passed, v.failed), (2, 4))
    v = run_tests.boot_verdict(QOK, log("garbage.log"), False, 30)
    eq((v.passed, v.failed), (0, 1))
    assert "no KTAP" in v.reasons[0]


def test_boot_exit_codes():
    good = log("pass_noise.log")
    cases = [(QFAIL, False, "kernel reported failure"), (0, False, "triple fault"),
             (1, False, "QEMU error: exit status 1"), (-9, False, "signal 9"),
             (-15, True, "timeout after 30s")]
    for rc, tmo, why in cases:
        v = run_tests.boot_verdict(rc, good, tmo, 30)
        assert not v.ok and v.failed == 1 and v.passed == 5, (rc, v.reasons)
        assert why in v.reasons[0], (why, v.reasons)


def test_expect_crash_verdict():
    crash = log("crash_midplan.log")
    rx = r"EXCEPTION 14 \(#PF\)"
    v = run_tests.boot_verdict(QFAIL, crash, False, 30, expect=rx)
    assert v.ok and (v.passed, v.failed, v.skipped) == (1, 0, 0), v.reasons
    for rc, text, tmo in [(QOK, crash, False), (0, crash, False), (1, crash, False),
                          (QFAIL, log("pass_noise.log"), False), (-15, crash, True)]:
        v = run_tests.boot_verdict(rc, text, tmo, 30, expect=rx)
        assert not v.ok and (v.passed, v.failed) == (0, 1), (rc, v.reasons)
    v = run_tests.boot_verdict(QFAIL, crash, False, 30, expect=r"^PANIC: unhandled")
    assert v.ok, "expect= regex is multi-line"


def test_no_wrong_pass_anywhere():
    # Exhaustively: only exit 33 + complete passing KTAP in time may pass.
    names = sorted(os.listdir(LOGS))
    for name in names:
        text, rep = log(name), ktap.parse(log(name))
        for rc in (QOK, QFAIL, 0, 1, -9):
            for tmo in (False, True):
                v = run_tests.boot_verdict(rc, text, tmo, 5)
                assert v.ok == (rc == QOK and not tmo and rep.all_passed), (name, rc, tmo)
                assert v.ok or (v.failed >= 1 and v.reasons), (name, rc, tmo)
                c = run_tests.cmd_verdict(0 if rc == QOK else (rc or 3), text, tmo, 5)
                assert c.ok == v.ok, (name, rc, tmo)


def test_cmd_verdict():
    ok = "KTAP version 1\n1..1\nok 1 a\n"
    assert run_tests.cmd_verdict(0, ok, False, 5).ok
    v = run_tests.cmd_verdict(1, ok, False, 5)
    assert not v.ok and "exit status 1" in v.reasons[0] and v.failed == 1
    v = run_tests.cmd_verdict(0, "", False, 5)
    assert not v.ok and v.failed == 1
    v = run_tests.cmd_verdict(0, "KTAP version 1\n1..2\nok 1 a\nnot ok 2 b\n", False, 5)
    assert not v.ok and (v.passed, v.failed) == (1, 1)


def test_plan_line_parsing():
    p = run_tests.parse_plan_line
    pl = p("cmd host-fmt 30 build/host/test_fmt 'a b'  # comment", "x")
    eq((pl.kind, pl.name, pl.timeout, pl.argv), ("cmd", "host-fmt", 30.0, ["build/host/test_fmt", "a b"]))
    pl = p("boot smp4 60 smp=4 mem=1G expect=crash:'page fault' -- ktest=all foo=1", "x")
    eq((pl.smp, pl.mem, pl.expect, pl.cmdline), (4, "1G", "page fault", "ktest=all foo=1"))
    eq(p("   # only a comment", "x"), None)
    pl = p(r"boot c 30 expect=crash:#UD.a\(CR2\) -- crashtest=ud # why", "x")
    eq((pl.expect, pl.cmdline), (r"#UD.a\(CR2\)", "crashtest=ud"))
    pl = p("""cmd q 5 sh -c 'echo "# not a comment"' "a #b" # comment""", "x")
    eq(pl.argv, ["sh", "-c", 'echo "# not a comment"', "a #b"])
    for bad in ["cmd x", "cmd x 0 true", "cmd x abc true", "run x 5 true", "cmd x/y 5 true",
                "boot x 5 ktest=all", "boot x 5 smp=0 -- a", "boot x 5 color=red -- a",
                "boot x 5 expect=crash:( -- a", "boot x 5 smp=2 smp=2 -- a", "cmd x 5",
                "cmd x 5 sh -c 'unclosed", "boot x 5 mem=lots -- a", "boot x 5 expect=hang:x -- a"]:
        try:
            p(bad, "x")
        except run_tests.PlanError:
            continue
        raise AssertionError("accepted bad plan line %r" % bad)


# --- runner (end to end through temporary plan files) ---------------------------

class Tmp:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ringtail-harness-")

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def run(self, plan, *args, env=None, timeout=60):
        """Run the runner; returns (rc, stdout, summary tuple)."""
        with open(self.path("t.plan"), "w") as f:
            f.write(textwrap.dedent(plan))
        argv = [sys.executable, RUNNER, "--log-dir", self.path("logs"), *args, self.path("t.plan")]
        p = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, check_summary(p.stdout)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def check_summary(out):
    assert out.endswith("\n"), "output must end with the summary line"
    last = out.rstrip("\n").split("\n")[-1]
    assert not out.endswith("\n\n"), "nothing after the summary line"
    m = SUMMARY_RE.match(last)
    assert m, "last line %r is not the summary" % last
    s = tuple(int(x) for x in m.groups(default="0"))
    assert m.group(3) is None or s[2] > 0, "', 0 skipped' must not be printed"
    return s


def gone(pid, wait=5.0):
    """True once pid no longer exists (a zombie left to a non-reaping init
    counts as gone: it no longer runs)."""
    end = time.monotonic() + wait
    while True:
        try:
            os.kill(pid, 0)
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


def wait_file(path, wait=10.0):
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().split()
        time.sleep(0.05)
    raise AssertionError("%s never appeared" % path)


def kill_leftover(pids):
    for pid in pids:     # only if the test failed: never leave strays behind
        if not gone(pid, 0):
            os.kill(pid, signal.SIGKILL)


KT_PASS = r"printf 'KTAP version 1\n1..2\nok 1 a\nok 2 b\n'"
KT_FAIL = r"printf 'KTAP version 1\n1..2\nok 1 a\n# want 1 got 2\nnot ok 2 b\n'"


def test_runner_pass_and_fail():
    t = Tmp()
    try:
        rc, out, s = t.run("""\
            cmd good 10 sh -c "%s"
            cmd bad 10 sh -c "%s"
            """ % (KT_PASS, KT_FAIL))
        eq(s, (3, 1, 0), "summary")
        assert rc != 0
        assert re.search(r"^PASS\s+good\s+\(2 passed, 0 failed\)", out, re.M), out
        assert re.search(r"^FAIL\s+bad\s+\(1 passed, 1 failed\)", out, re.M), out
        assert "failed: b: not ok" in out and "# want 1 got 2" in out, out
        assert "log: " + t.path("logs", "bad.log") in out, out
        assert "| not ok 2 b" in out, "last serial lines shown"
        rc, out, s = t.run("cmd good 10 sh -c \"%s\"\n" % KT_PASS)
        eq((rc, s), (0, (2, 0, 0)))
        eq(out.strip().split("\n")[-1], "2 passed, 0 failed")
    finally:
        t.close()


def test_runner_exit_status_and_no_output():
    t = Tmp()
    try:
        rc, out, s = t.run("""\
            cmd exit1 10 sh -c "%s; exit 1"
            cmd silent 10 true
            cmd stderr-only 10 sh -c "%s >&2"
            cmd missing 10 /nonexistent/program
            """ % (KT_PASS, KT_PASS))
        eq(s, (2, 4, 0), "summary")
        assert rc != 0
        assert "command failed: exit status 1" in out
        assert "no KTAP output" in out
        assert "cannot start /nonexistent/program" in out, out
    finally:
        t.close()


def test_runner_skip_summary():
    t = Tmp()
    try:
        rc, out, s = t.run(r"""cmd sk 10 printf 'KTAP version 1\n1..2\nok 1 a # SKIP no\nok 2 b\n'""")
        eq((rc, s), (0, (1, 0, 1)))
        eq(out.rstrip("\n").split("\n")[-1], "1 passed, 0 failed, 1 skipped")
    finally:
        t.close()


def test_runner_hang_is_killed():
    t = Tmp()
    pf = t.path("pids")
    pids = []
    try:
        t0 = time.monotonic()
        rc, out, s = t.run("""\
            cmd hang 1 sh -c 'sleep 100 & echo $$ $! > %s; wait'
            """ % pf)
        pids = open(pf).read().split()
        eq(len(pids), 2)
        assert time.monotonic() - t0 < 50, "timeout not enforced"   # vs sleep 100
        eq(s, (0, 1, 0), "summary")
        assert rc != 0 and "timeout after 1s" in out, out
        for pid in pids:   # the shell and its background sleep (same group)
            assert gone(int(pid)), "pid %s still running after timeout" % pid
    finally:
        kill_leftover(int(p) for p in pids)
        t.close()


def test_runner_kills_term_ignoring_child():
    t = Tmp()
    pf = t.path("pid")
    pids = []
    try:
        rc, out, s = t.run("""\
            cmd stubborn 1 sh -c 'trap "" TERM; echo $$ > %s; while :; do sleep 0.1; done'
            """ % pf)
        pids = open(pf).read().split()
        eq(s, (0, 1, 0))
        assert gone(int(pids[0])), "SIGTERM-ignoring child survived"
    finally:
        kill_leftover(int(p) for p in pids)
        t.close()


def test_runner_cleans_up_after_normal_exit():
    # A background process left in the run's group is killed; one that left
    # the group (setsid) and holds the output pipe cannot stall the runner.
    t = Tmp()
    pf, ef = t.path("pid"), t.path("escaped")
    pids = []
    try:
        t0 = time.monotonic()
        rc, out, s = t.run("""\
            cmd leftover 30 sh -c "sleep 100 >/dev/null 2>&1 & echo $! > %s; %s"
            cmd escaped 30 sh -c "setsid sleep 100 & echo $! > %s; %s"
            """ % (pf, KT_PASS, ef, KT_PASS))
        pids = [int(open(pf).read()), int(open(ef).read())]
        eq((rc, s), (0, (4, 0, 0)))
        assert time.monotonic() - t0 < 50, "runner waited on an escaped process"  # sleep 100
        assert gone(pids[0]), "background process outlived its run"
    finally:
        kill_leftover(pids)    # the escaped one is ours to stop, by PID
        t.close()


def test_runner_ctrl_c_stops_children():
    t = Tmp()
    pf = t.path("pid")
    pids = []
    with open(t.path("t.plan"), "w") as f:
        f.write("cmd long 100 sh -c 'echo $$ > %s; exec sleep 100'\n" % pf)
        # Exits 0 on SIGTERM after printing passing KTAP: still must not pass.
        f.write("""cmd graceful 100 sh -c '%s; trap "exit 0" TERM; echo $$ > %s.2; """
                """while :; do sleep 0.1; done'\n""" % (KT_PASS.replace("'", '"'), pf))
    p = subprocess.Popen([sys.executable, RUNNER, "--log-dir", t.path("logs"), t.path("t.plan")],
                         cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        pids = wait_file(pf) + wait_file(pf + ".2")
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=20)
        assert p.returncode != 0
        s = check_summary(out)
        assert s[1] >= 1, "interrupted run must count as failed"
        assert "interrupted" in out
        assert re.search(r"^FAIL\s+graceful\s", out, re.M), out
        assert s[1] >= 2, "both interrupted runs fail"
        assert gone(int(pids[0])) and gone(int(pids[1])), "child survived Ctrl-C"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        kill_leftover(int(x) for x in pids)
        t.close()


def test_runner_runs_in_parallel():
    # Each run marks its start, then waits for the other's mark: with two
    # jobs both are running at once and both pass; run one after the other,
    # the first would wait in vain and fail. No wall-clock bound involved.
    t = Tmp()
    try:
        mark = t.path("started")
        run = ('cmd p%d 30 sh -c "touch %s.%d; i=0; while [ ! -e %s.%d ] && [ $i -lt 200 ]; '
               'do sleep 0.1; i=$((i+1)); done; [ -e %s.%d ] && %s"\n')
        plan = "".join(run % (i, mark, i, mark, 1 - i, mark, 1 - i, KT_PASS) for i in range(2))
        rc, out, s = t.run(plan, "--jobs", "2")
        eq((rc, s), (0, (4, 0, 0)), "two runs did not overlap")
    finally:
        t.close()


def test_runner_repeat_counts_failures_per_line():
    # --repeat (make soak): every line N times, logs NAME.i, and a table of
    # failures per line; a line failing once in three shows 1/3.
    t = Tmp()
    try:
        cnt = t.path("count")
        flaky = ('cmd flaky 10 sh -c "echo x >> %s; [ $(wc -l < %s) -ne 2 ] && %s"\n'
                 % (cnt, cnt, KT_PASS))
        plan = 'cmd good 10 sh -c "%s"\n' % KT_PASS + flaky
        rc, out, s = t.run(plan, "--repeat", "3", "--jobs", "1")
        assert rc != 0
        eq(s, (10, 1, 0), "summary")
        assert re.search(r"^\s+flaky\s+1/3\s+<-- FLAKY$", out, re.M), out
        assert re.search(r"^\s+good\s+0/3$", out, re.M), out
        for i in (1, 2, 3):
            assert os.path.isfile(t.path("logs/good.%d.log" % i))
    finally:
        t.close()


def test_check_decls_rejects_prototypes_in_c_files():
    # The build's check (scripts/check_decls.py): a prototype inside a .c
    # file fails it, with file and line; static forward declarations and
    # definitions do not.
    t = Tmp()
    try:
        bad, good = t.path("bad.c"), t.path("good.c")
        with open(bad, "w") as f:
            f.write("/* x */\n#include <a.h>\nint x;\n"
                    "long file_mmap(int fd,\n\t       u64 off);\nvoid f(void) { }\n")
        with open(good, "w") as f:
            f.write("static void g(void);\nint y = 3;\nvoid (*hook)(int);\n"
                    "static void g(void) { }\nvoid h(void) { g(); }\n")
        tool = os.path.join(ROOT, "scripts", "check_decls.py")
        p = subprocess.run([sys.executable, tool, bad, good], capture_output=True, text=True)
        eq(p.returncode, 1, p.stdout)
        assert re.search(r"bad\.c:4: file_mmap is declared here", p.stdout), p.stdout
        assert "good.c" not in p.stdout, p.stdout
        p = subprocess.run([sys.executable, tool, good], capture_output=True, text=True)
        eq(p.returncode, 0, p.stdout)
    finally:
        t.close()


def test_runner_only_list_and_plan_errors():
    t = Tmp()
    try:
        plan = "cmd alpha 10 sh -c \"%s\"\ncmd beta 10 false\n" % KT_PASS
        rc, out, s = t.run(plan, "--only", "alp,zzz")
        eq((rc, s), (0, (2, 0, 0)))
        assert "beta" not in out
        rc, out, s = t.run(plan, "--only", "nomatch")
        eq(s, (0, 1, 0))
        assert rc != 0, "--only matching nothing must not pass"
        with open(t.path("t.plan"), "w") as f:
            f.write(plan)
        p = subprocess.run([sys.executable, RUNNER, "--list", t.path("t.plan")],
                           cwd=ROOT, capture_output=True, text=True, timeout=30)
        eq(p.returncode, 0)
        assert "alpha" in p.stdout and "beta" in p.stdout and "passed" not in p.stdout, p.stdout
        rc, out, s = t.run(plan + "bogus line here\ncmd alpha 5 true\n")
        assert rc != 0 and "plan error" in out and s[1] >= 2, out
    finally:
        t.close()




def test_runner_boot_with_fake_qemu():
    t = Tmp()
    pids = []
    try:
        os.makedirs(t.path("bin"))
        os.makedirs(t.path("build"))
        open(t.path("build", "ringtail.iso"), "w").close()
        os.symlink(os.path.join(HERE, "fake_qemu.py"), t.path("bin", "qemu-system-x86_64"))
        env = dict(os.environ, PATH=t.path("bin") + ":" + os.environ["PATH"],
                   FAKE_DIR=t.dir, RINGTAIL_KVM="0")
        os.makedirs(t.path("logs"))
        with open(t.path("logs", "b-nolog.log"), "w") as f:    # from an earlier run
            f.write("KTAP version 1\n1..1\nok 1 stale\n")
        rc, out, s = t.run("""\
            boot b-pass 10 -- pass ktest=all
            boot b-fail 10 smp=2 -- fail
            boot b-triple 10 -- triple
            boot b-hang 1 -- hang
            boot b-qemuerror 10 -- qemuerror
            boot b-crash 10 expect=crash:'general protection' -- crash
            boot b-crash-wrong 10 expect=crash:'page fault' -- crash
            boot b-nolog 10 -- nolog
            """, "--build", t.path("build"), "--jobs", "3", env=env)
        pids = [int(open(t.path(m + ".pid")).read()) for m in ("hang", "pass")]
        want = {"b-pass": "PASS", "b-fail": "FAIL", "b-triple": "FAIL", "b-hang": "FAIL",
                "b-qemuerror": "FAIL", "b-crash": "PASS", "b-crash-wrong": "FAIL",
                "b-nolog": "FAIL"}
        for name, verdict in want.items():
            assert re.search(r"^%s\s+%s\s" % (verdict, name), out, re.M), (name, out)
        eq(s, (3, 6, 0), "summary")   # b-fail's own "ok 1" counts as passed
        for why in ("kernel reported failure", "triple fault", "timeout after 1s",
                    "QEMU error: exit status 1", "Could not open image",
                    "does not match expect=crash:page fault"):
            assert why in out, (why, out)
        assert gone(pids[0]), "hung QEMU survived its timeout"
        rc, out, s = t.run("boot x 10 -- pass\n", "--build", t.path("nobuild"), env=env)
        assert rc != 0 and "ringtail.iso does not exist" in out, out
    finally:
        kill_leftover(pids)
        t.close()


def test_real_qemu_stub_kernel():
    tools = ["qemu-system-x86_64", "nasm", "grub-mkrescue", "xorriso"]
    missing = [x for x in tools if not shutil.which(x)]
    ld = shutil.which("x86_64-linux-gnu-ld") or shutil.which("ld")
    if missing or not ld:
        raise Skip("needs %s" % " ".join(missing or ["ld"]))
    t = Tmp()
    try:
        b = t.path("build")
        os.makedirs(b)
        o, elf = t.path("stub.o"), os.path.join(b, "kernel.elf")
        for argv in (["nasm", "-f", "elf32", os.path.join(HERE, "stub_kernel.asm"), "-o", o],
                     [ld, "-m", "elf_i386", "-Ttext=0x100000", "-e", "_start", "-o", elf, o],
                     [os.path.join(ROOT, "scripts", "mkiso.sh"), os.path.join(b, "ringtail.iso"),
                      elf, os.path.join(ROOT, "iso", "grub.cfg")]):
            subprocess.run(argv, check=True, capture_output=True, timeout=60)
        env = dict(os.environ, RINGTAIL_KVM="0")
        rc, out, s = t.run("""\
            boot q-pass 30 -- pass ktest=all
            boot q-fail 30 -- fail
            boot q-incomplete 30 -- incomplete
            boot q-noktap 30 -- noktap
            boot q-triple 30 -- triple
            boot q-hang 3 -- hang
            boot q-crash 30 expect=crash:'^PANIC: page fault' -- crash
            """, "--build", b, env=env, timeout=100)
        want = {"q-pass": "PASS", "q-fail": "FAIL", "q-incomplete": "FAIL", "q-noktap": "FAIL",
                "q-triple": "FAIL", "q-hang": "FAIL", "q-crash": "PASS"}
        for name, verdict in want.items():
            assert re.search(r"^%s\s+%s\s" % (verdict, name), out, re.M), (name, out)
        eq(s, (5, 6, 0), "summary")
        assert "stub.c:7: expected 1 == 2" in out and "triple fault" in out, out
        assert "| Ringtail stub: hang" in out, "serial tail shown for the hang"
    finally:
        t.close()


SUITES = [
    ("ktap_parser", [
        test_pass_with_console_noise, test_failure_keeps_diagnostics, test_missing_plan,
        test_crash_mid_plan, test_garbage_is_not_ktap, test_nested_subtests,
        test_skip_directive, test_timestamp_prefix, test_glued_prefix_is_not_stripped_by_length,
        test_two_space_indentation_and_tap13, test_out_of_order, test_extra_and_duplicate_results,
        test_parent_ok_but_child_failed, test_parent_not_ok_children_passed, test_directives,
        test_empty_plan_is_not_a_pass, test_truncated_inside_subtest,
        test_bail_out_and_bad_version, test_second_document_is_checked,
        test_subtest_name_mismatch]),
    ("verdicts", [
        test_boot_pass_needs_exit_33_and_complete_ktap, test_boot_exit_codes,
        test_expect_crash_verdict, test_no_wrong_pass_anywhere, test_cmd_verdict,
        test_plan_line_parsing]),
    ("runner", [
        test_runner_pass_and_fail, test_runner_exit_status_and_no_output,
        test_runner_skip_summary, test_runner_hang_is_killed,
        test_runner_kills_term_ignoring_child, test_runner_cleans_up_after_normal_exit,
        test_runner_ctrl_c_stops_children,
        test_runner_runs_in_parallel, test_runner_repeat_counts_failures_per_line,
        test_check_decls_rejects_prototypes_in_c_files,
        test_runner_only_list_and_plan_errors,
        test_runner_boot_with_fake_qemu, test_real_qemu_stub_kernel]),
]


def main():
    only = set(filter(None, (sys.argv[1] if len(sys.argv) > 1 else "").split(",")))
    out = sys.stdout
    out.write("KTAP version 1\n1..%d\n" % len(SUITES))
    all_ok = True
    for i, (suite, cases) in enumerate(SUITES, 1):
        out.write("    KTAP version 1\n    # Subtest: %s\n    1..%d\n" % (suite, len(cases)))
        suite_ok = True
        for j, fn in enumerate(cases, 1):
            name = fn.__name__
            if only and name not in only:
                out.write("    ok %d %s # SKIP not selected\n" % (j, name))
                continue
            out.flush()
            try:
                fn()
                line = "    ok %d %s" % (j, name)
            except Skip as e:
                line = "    ok %d %s # SKIP %s" % (j, name, e)
            except Exception:
                for l in traceback.format_exc().rstrip().split("\n"):
                    out.write("    # %s\n" % l)
                line = "    not ok %d %s" % (j, name)
                suite_ok = False
            out.write(line + "\n")
            out.flush()
        out.write("%s %d %s\n" % ("ok" if suite_ok else "not ok", i, suite))
        all_ok &= suite_ok
    out.flush()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
