#!/usr/bin/env python3
"""Run the lines of tests/plans/*.plan and count KTAP results.

    run_tests.py [--jobs N] [--only a,b] [--repeat N] [--list] PLAN...

Plan format: tests/README.md. Words are split like sh without variables:
blanks separate, quotes group, '#' at the start of a word starts a comment,
and backslashes are kept as written (for regexes). Every run gets its own process group and is
stopped by PID (its group) on timeout or Ctrl-C. The last line printed is
`N passed, N failed` (`, N skipped` when any were skipped); the exit status is
non-zero if anything failed. RINGTAIL_KVM=1 boots with KVM instead of TCG.
--repeat N runs every selected line N times (logs NAME.1 ... NAME.N) and
ends with a table of failures per line: the soak that finds flaky tests.
"""
import copy
import argparse
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, wait, FIRST_COMPLETED

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import ktap   # noqa: E402
import qemu   # noqa: E402  (scripts/qemu.py: the one place that knows QEMU)
import hangdump   # noqa: E402

QEMU_OK, QEMU_FAIL = qemu.QEMU_OK, qemu.QEMU_FAIL
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")   # used as a file name
MEM_RE = re.compile(r"^\d+[KMGT]?$")
TAIL_LINES = 25
MAX_LISTED = 30          # failing tests listed per run before "... and N more"
KILL_GRACE = 2.0         # seconds between SIGTERM and SIGKILL
STOP = threading.Event()  # set on Ctrl-C / SIGTERM: every run stops its group


# --- plan files ---------------------------------------------------------------

class PlanLine:
    def __init__(self, kind, name, timeout, where):
        self.kind, self.name, self.timeout, self.where = kind, name, timeout, where
        self.base = name        # the plan's name (NAME.i is a --repeat copy)
        self.argv = []          # cmd
        self.cmdline = ""       # boot
        self.smp, self.mem, self.expect = 1, "512M", None

    def describe(self):
        if self.kind == "cmd":
            return shlex.join(self.argv)
        keys = " smp=%d mem=%s" % (self.smp, self.mem)
        if self.expect is not None:
            keys += " expect=crash:" + self.expect
        return "boot%s -- %s" % (keys, self.cmdline)


class PlanError(Exception):
    pass


def _strip_comment(line):
    # '#' starts a comment only at the start of a word and outside quotes,
    # so regexes such as expect=crash:#UD keep theirs.
    q = None
    for i, ch in enumerate(line):
        if q:
            q = None if ch == q else q
        elif ch in "'\"":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def split_words(line):
    """Plan words: blanks separate, '...' and "..." group, and backslashes are
    literal (so expect=crash:a\(b\) reaches the regex as written)."""
    lex = shlex.shlex(_strip_comment(line), posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    lex.escape = ""
    return list(lex)


def parse_plan_line(text, where):
    """One plan line -> PlanLine, None for blank/comment; PlanError if bad."""
    try:
        words = split_words(text)
    except ValueError as e:
        raise PlanError("%s: %s" % (where, e))
    if not words:
        return None
    if len(words) < 3:
        raise PlanError("%s: need KIND NAME TIMEOUT ..." % where)
    kind, name, tmo = words[:3]
    if kind not in ("cmd", "boot"):
        raise PlanError("%s: unknown kind %r (cmd or boot)" % (where, kind))
    if not NAME_RE.match(name):
        raise PlanError("%s: bad name %r" % (where, name))
    try:
        timeout = float(tmo)
    except ValueError:
        timeout = -1
    if not timeout > 0:
        raise PlanError("%s: bad timeout %r" % (where, tmo))
    pl = PlanLine(kind, name, timeout, where)
    rest = words[3:]
    if kind == "cmd":
        if not rest:
            raise PlanError("%s: cmd needs a command" % where)
        pl.argv = rest
        return pl
    if "--" not in rest:
        raise PlanError("%s: boot needs '-- KERNEL CMDLINE'" % where)
    sep = rest.index("--")
    pl.cmdline = " ".join(rest[sep + 1:])
    seen = set()
    for kv in rest[:sep]:
        key, eq, val = kv.partition("=")
        if not eq or key in seen:
            raise PlanError("%s: bad or repeated option %r" % (where, kv))
        seen.add(key)
        if key == "smp" and val.isdigit() and int(val) >= 1:
            pl.smp = int(val)
        elif key == "mem" and MEM_RE.match(val):
            pl.mem = val
        elif key == "expect" and val.startswith("crash:") and len(val) > 6:
            pl.expect = val[6:]
            try:
                re.compile(pl.expect)
            except re.error as e:
                raise PlanError("%s: bad expect regex: %s" % (where, e))
        else:
            raise PlanError("%s: bad option %r (smp=N mem=SIZE expect=crash:REGEX)" % (where, kv))
    return pl


def read_plans(paths):
    lines, errors, names = [], [], set()
    for path in paths:
        try:
            with open(path) as f:
                text = f.read()
        except OSError as e:
            errors.append("%s: %s" % (path, e.strerror))
            continue
        for i, raw in enumerate(text.splitlines(), 1):
            try:
                pl = parse_plan_line(raw, "%s:%d" % (path, i))
            except PlanError as e:
                errors.append(str(e))
                continue
            if pl is None:
                continue
            if pl.name in names:   # two runs would share a log file
                errors.append("%s: duplicate name %r" % (pl.where, pl.name))
                continue
            names.add(pl.name)
            lines.append(pl)
    return lines, errors


def repeat_lines(lines, n):
    """n copies of every line, interleaved round by round (so a slow line
    does not run its copies back to back); copy i of NAME is NAME.i."""
    if n <= 1:
        return lines
    out = []
    for i in range(1, n + 1):
        for pl in lines:
            c = copy.copy(pl)
            c.name = "%s.%d" % (pl.name, i)
            c.base = pl.name
            out.append(c)
    return out


def soak_table(lines, results, n):
    """Failures per plan line over n rounds, worst first."""
    fails = {}
    for pl in lines:
        res = results.get(pl.name)
        base = pl.base
        fails.setdefault(base, 0)
        if res is not None and not res.verdict.ok:
            fails[base] += 1
    out = ["soak: %d round(s), failures per line:" % n]
    for base, f in sorted(fails.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append("  %-24s %d/%d%s" % (base, f, n, "  <-- FLAKY" if f else ""))
    return out


def select_lines(lines, only):
    subs = [s.strip() for s in (only or "").split(",") if s.strip()]
    if not subs:
        return lines
    return [pl for pl in lines if any(s in pl.name for s in subs)]


# --- verdicts (pure functions: unit-tested without QEMU) ----------------------

class Verdict:
    def __init__(self):
        self.ok = False
        self.passed = self.failed = self.skipped = 0
        self.reasons = []        # why the run failed
        self.failures = []       # (description, [diagnostics])


def exit_desc(rc):
    return "killed by signal %d" % -rc if rc < 0 else "exit status %d" % rc


def ktap_verdict(report, problems):
    """Combine a parsed KTAP report with run-level problems (exit code,
    timeout). Passing needs no problems and complete, all-passing KTAP."""
    v = Verdict()
    v.passed, v.failed, v.skipped = report.passed, report.failed, report.skipped
    v.reasons = list(problems)
    if report.found:
        v.reasons += ["KTAP: " + e for e in report.errors]
        if report.failed:
            v.reasons.append("%d test(s) failed" % report.failed)
        if report.total == 0:
            v.reasons.append("KTAP reported no test results")
    else:
        v.reasons.append("no KTAP output (garbage, or a crash before tests started)")
    v.failures = [(ktap.describe(t), t.diags) for t in report.failures]
    v.ok = not problems and report.all_passed
    if v.ok != (not v.reasons):
        raise AssertionError("verdict inconsistent: %r" % v.reasons)
    if not v.ok and v.failed == 0:
        v.failed = 1            # a failed run always counts as a failure
    return v


def cmd_verdict(rc, stdout_text, timed_out, timeout):
    problems = []
    if timed_out:
        problems.append("timeout after %gs: hung, process group killed" % timeout)
    elif rc != 0:
        problems.append("command failed: " + exit_desc(rc))
    return ktap_verdict(ktap.parse(stdout_text), problems)


def boot_verdict(rc, log_text, timed_out, timeout, expect=None):
    """QEMU exit code + serial log -> Verdict. 33 = kernel said success,
    35 = kernel said failure; 0 under -no-reboot = triple fault or reset."""
    if expect is not None:
        v = Verdict()
        text = "\n".join(ktap.clean(l) for l in ktap.split_lines(log_text))
        if timed_out:
            v.reasons.append("timeout after %gs: hung instead of crashing" % timeout)
        elif rc != QEMU_FAIL:
            v.reasons.append("expected the kernel's failure exit %d, got %s%s" % (
                QEMU_FAIL, exit_desc(rc), " (kernel reported success)" if rc == QEMU_OK else ""))
        if not re.search(expect, text, re.M):
            v.reasons.append("serial log does not match expect=crash:%s" % expect)
        v.ok = not v.reasons
        v.passed, v.failed = (1, 0) if v.ok else (0, 1)
        return v
    problems = []
    if timed_out:
        problems.append("timeout after %gs: kernel hung, QEMU stopped" % timeout)
    elif rc == QEMU_FAIL:
        problems.append("kernel reported failure (QEMU exit %d)" % QEMU_FAIL)
    elif rc == 0:
        problems.append("QEMU exited 0 without the kernel's exit code: triple fault, "
                        "reset or unexpected poweroff (-no-reboot)")
    elif rc != QEMU_OK:
        problems.append("QEMU error: " + exit_desc(rc))
    return ktap_verdict(ktap.parse(log_text), problems)


# --- running processes ---------------------------------------------------------

def _exited(pid):
    """Has the child exited? Does not reap it, so its PID (and process group
    ID) stays reserved until we have killed the rest of the group."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _killpg(pid, sig):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_process(argv, timeout, log_path, env=None, at_timeout=None):
    """Run argv from ROOT in a new session (process group = its PID).
    stdout+stderr go to log_path as they arrive. Returns
    (rc, timed_out, interrupted, stdout_bytes, stderr_bytes). at_timeout()
    runs once when the deadline passes, before anything is killed."""
    out, err = bytearray(), bytearray()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        sel = selectors.DefaultSelector()
        bufs = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
        for fd in bufs:
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        timed_out = interrupted = False
        term_at = exit_at = None
        try:
            while True:
                now = time.monotonic()
                if exit_at is None and _exited(proc.pid):
                    exit_at = now
                if exit_at is not None and (not sel.get_map() or now - exit_at > 1.0):
                    break   # done (or an escaped descendant holds the pipe)
                if exit_at is None and term_at is None and (now >= deadline or STOP.is_set()):
                    timed_out, interrupted = now >= deadline, STOP.is_set()
                    if timed_out and at_timeout:
                        at_timeout()
                    _killpg(proc.pid, signal.SIGTERM)
                    term_at = now
                if term_at is not None and exit_at is None and now - term_at > KILL_GRACE:
                    _killpg(proc.pid, signal.SIGKILL)
                for key, _ in sel.select(timeout=0.1):
                    try:
                        data = os.read(key.fd, 65536)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(key.fd)
                        continue
                    bufs[key.fd].extend(data)
                    log.write(data)
                    log.flush()
        finally:
            # Whatever happened, nothing of this run survives it: kill the
            # whole group while the leader's PID is still reserved, then reap.
            _killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
            sel.close()
            proc.stdout.close()
            proc.stderr.close()
    return rc, timed_out, interrupted, bytes(out), bytes(err)


def _read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def tail(text, n=TAIL_LINES):
    lines = [ktap.clean(l) for l in ktap.split_lines(text)]
    while lines and not lines[-1]:
        lines.pop()
    return lines[-n:]


class RunResult:
    def __init__(self, pl):
        self.pl = pl
        self.verdict = None
        self.seconds = 0.0
        self.log = None
        self.tail = []
        self.extra = []          # (title, lines), e.g. QEMU's own stderr


def rel(path):
    r = os.path.relpath(path, ROOT)
    return path if r.startswith("..") else r


def _interrupted(v):
    # A run stopped by Ctrl-C never passes, whatever it printed before.
    v.reasons.insert(0, "interrupted (Ctrl-C), process group killed")
    v.ok = False
    v.failed = max(v.failed, 1)


def execute(pl, opts):
    try:
        return _execute(pl, opts)
    except Exception as e:      # a harness bug must fail the run, loudly
        res = RunResult(pl)
        res.verdict = Verdict()
        res.verdict.reasons, res.verdict.failed = ["harness error: %r" % e], 1
        return res


def _execute(pl, opts):
    res = RunResult(pl)
    t0 = time.monotonic()
    log = os.path.join(opts.log_dir, pl.name + ".log")
    res.log = rel(log)
    try:
        os.unlink(log)       # never judge a stale log from an earlier run
    except FileNotFoundError:
        pass
    if pl.kind == "cmd":
        try:
            rc, tmo, intr, out, _ = run_process(pl.argv, pl.timeout, log)
        except OSError as e:
            v = Verdict()
            v.reasons, v.failed = ["cannot start %s: %s" % (pl.argv[0], e.strerror)], 1
            res.verdict = v
        else:
            res.verdict = cmd_verdict(rc, out.decode("utf-8", "replace"), tmo, pl.timeout)
            if intr:
                _interrupted(res.verdict)
        res.tail = tail(_read_text(log))
    else:
        iso = os.path.join(opts.build, "ringtail.iso")
        elf = os.path.join(opts.build, "kernel.elf")
        need = elf if opts.kvm else iso
        qlog = os.path.join(opts.log_dir, pl.name + ".qemu.log")
        if not os.path.isfile(need):
            v = Verdict()
            v.reasons, v.failed = ["%s does not exist (run make)" % rel(need)], 1
            res.verdict = v
        else:
            # A hung kernel is asked where each CPU is before QEMU stops.
            mdir = tempfile.mkdtemp(prefix="rt-mon-")
            msock = os.path.join(mdir, "monitor")
            gsock = os.path.join(mdir, "gdb")
            hang = []
            initramfs = os.path.join(opts.build, "initramfs")
            argv = qemu.build_argv(iso=rel(iso), elf=rel(elf), cmdline=pl.cmdline,
                                   smp=pl.smp, mem=pl.mem, kvm=opts.kvm,
                                   serial="file:" + rel(log), monitor=msock,
                                   gdb_port=gsock, modules=[(rel(initramfs), "")])
            try:
                rc, tmo, intr, out, err = run_process(
                    argv, pl.timeout, qlog,
                    at_timeout=lambda: hang.extend(hangdump.dump(msock, elf) +
                                                   hangdump.threads(gsock, elf)))
            finally:
                shutil.rmtree(mdir, ignore_errors=True)
            if hang:
                res.extra.append(("CPUs when the timeout hit (scripts/hangdump.py)", hang))
            text = _read_text(log)
            res.verdict = boot_verdict(rc, text, tmo, pl.timeout, pl.expect)
            if intr:
                _interrupted(res.verdict)
            res.tail = tail(text)
            qout = tail((out + err).decode("utf-8", "replace"), 10)
            if qout:
                res.extra.append(("QEMU's own output (%s)" % rel(qlog), qout))
    res.seconds = time.monotonic() - t0
    return res


# --- reporting -----------------------------------------------------------------

def counts(v):
    s = "%d passed, %d failed" % (v.passed, v.failed)
    return s + (", %d skipped" % v.skipped if v.skipped else "")


def progress_line(res):
    v = res.verdict
    return "%s  %-24s (%s)  %.1fs" % ("PASS" if v.ok else "FAIL", res.pl.name,
                                      counts(v), res.seconds)


def failure_report(res):
    v, out = res.verdict, []
    out.append("=== FAIL %s  [%s, %s]" % (res.pl.name, res.pl.where, res.pl.describe()))
    for r in v.reasons:
        out.append("  reason: " + r)
    for desc, diags in v.failures[:MAX_LISTED]:
        out.append("  failed: " + desc)
        out += ["      # " + d for d in diags[-15:]]
    if len(v.failures) > MAX_LISTED:
        out.append("  ... and %d more failed tests" % (len(v.failures) - MAX_LISTED))
    if res.log:
        out.append("  log: " + res.log)
    if res.tail:
        out.append("  last %d lines of %s:" % (len(res.tail), res.log))
        out += ["  | " + l for l in res.tail]
    elif res.log:
        out.append("  (log is empty)")
    for title, lines in res.extra:
        out.append("  " + title + ":")
        out += ["  | " + l for l in lines]
    return out


def summary(passed, failed, skipped):
    s = "%d passed, %d failed" % (passed, failed)
    return s + (", %d skipped" % skipped if skipped else "")


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plans", nargs="*")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated name substrings")
    ap.add_argument("--list", action="store_true", help="list the runs, run nothing")
    ap.add_argument("--repeat", type=int, default=1, help="run each line N times")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--log-dir", default=None, help="default: BUILD/test-logs")
    opts = ap.parse_args(argv)
    opts.build = os.path.abspath(opts.build)
    opts.log_dir = os.path.abspath(opts.log_dir or os.path.join(opts.build, "test-logs"))
    opts.kvm = os.environ.get("RINGTAIL_KVM", "0") == "1"
    if opts.kvm and not qemu.kvm_usable():
        print("run_tests: RINGTAIL_KVM=1 but /dev/kvm is not usable; using TCG", file=sys.stderr)
        opts.kvm = False

    lines, errors = read_plans(opts.plans)
    lines = repeat_lines(select_lines(lines, opts.only), opts.repeat)
    if opts.list:
        for pl in lines:
            print("%-5s %-24s %5gs  %s" % (pl.kind, pl.name, pl.timeout, pl.describe()))
        for e in errors:
            print("plan error: " + e, file=sys.stderr)
        return 1 if errors else 0

    passed = failed = skipped = 0
    for e in errors:
        print("FAIL  plan error: " + e)
        failed += 1
    if not lines:
        print("FAIL  no plan lines to run%s" % (" match --only " + opts.only if opts.only else ""))
        failed += 1
    os.makedirs(opts.log_dir, exist_ok=True)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    results = {}
    interrupted = False
    futures = {}
    pool = ThreadPoolExecutor(max_workers=max(1, opts.jobs))
    try:
        futures = {pool.submit(execute, pl, opts): pl for pl in lines}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in done:
                res = f.result()
                results[res.pl.name] = res
                print(progress_line(res), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        STOP.set()                 # every running child's group gets killed
        print("\nrun_tests: interrupted, stopping running tests", flush=True)
        for f in futures:
            f.cancel()
    # Waits for the runs to finish stopping their process groups.
    pool.shutdown(wait=True)
    if interrupted:
        for f in futures:
            if f.done() and not f.cancelled() and f.exception() is None:
                res = f.result()
                if res.pl.name not in results:
                    results[res.pl.name] = res
                    print(progress_line(res), flush=True)
    ordered = [results[pl.name] for pl in lines if pl.name in results]
    for res in ordered:
        v = res.verdict
        passed, failed, skipped = passed + v.passed, failed + v.failed, skipped + v.skipped
    failing = [r for r in ordered if not r.verdict.ok]
    if failing:
        print()
        for res in failing:
            print("\n".join(failure_report(res)))
            print()
    if opts.repeat > 1:
        print("\n".join(soak_table(lines, results, opts.repeat)))
    if interrupted:
        not_run = len(lines) - len(ordered)
        print("interrupted: %d run(s) not started" % not_run)
        failed = max(failed, 1)
    print(summary(passed, failed, skipped), flush=True)
    if interrupted:
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
