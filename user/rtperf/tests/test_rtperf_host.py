#!/usr/bin/env python3
"""Record in Ringtail with rtperf, read with the host's Linux perf; prints KTAP.

    python3 user/rtperf/tests/test_rtperf_host.py [case1,case2]

Three recordings, each a boot of build/ringtail.iso (scripts/rtperf_host.py
record: rtperf in the guest, the file out through /dev/ttyS1, length and
sha256 checked):
  a  the demo workload with call chains (what `make record` does);
  b  -a on two CPUs, five events with tracepoints (TRACING_DATA);
  c  pipe mode (-o -), read with `perf report -i -`.
Then Debian's perf (linux-perf) reads them: what rtperf printed in the guest
must be what perf reports (sample counts exactly), every sample listed once
by perf script, and perf must print nothing on stderr. Last, the flame graph
(`make flamegraph`) is rendered by headless Chromium and its screenshot must
show the workload's hottest function names (read back with tesseract OCR).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
WORK = os.path.join(BUILD, "rtperf-test")
HOST = [sys.executable, "-B", os.path.join(ROOT, "scripts", "rtperf_host.py")]
TEMPLATE = os.path.join(ROOT, ".cache", "flamegraph", "node_modules", "d3-flame-graph", "dist",
                        "templates", "d3-flamegraph-base.html")
# What each host tool is and where it comes from: `make deps` installs them
# all (CI runs it), so a case skips only on a machine without them.
TOOLS = {"perf": "Debian's linux-perf", "chromium": "Debian's chromium",
         "tesseract": "Debian's tesseract-ocr"}

RECORDINGS = {
    "a": dict(opts="-g", cmd="perf_demo --work 1000", smp=1, pipe=False),
    # 16 MiB rings hold all of b (about 4 MiB): a CPU whose rtperf the
    # host stalls (TCG, a loaded host) cannot lose records.
    "b": dict(opts="-a -m 4096 -c 20000000 -e cycles,page-faults,raw_syscalls:sys_enter,"
              "syscalls:sys_enter_getppid,context-switches",
              cmd="perf_demo --work 300", smp=2, pipe=False),
    "c": dict(opts="-g", cmd="perf_demo --work 500", smp=1, pipe=True),
}
_done = {}


class Skip(Exception):
    pass


def needs(*tools):
    """Skip the case, saying why, when a host tool is not installed."""
    missing = ["%s (%s)" % (t, TOOLS[t]) for t in tools if not shutil.which(t)]
    if missing:
        raise Skip("needs %s: make deps installs %s" % (", ".join(missing), "them" if len(missing) > 1 else "it"))


def eq(a, b, what):
    if a != b:
        raise AssertionError("%s: %r != %r" % (what, a, b))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def record(name):
    """Boot once per recording; return (data path, guest log text)."""
    if name in _done:
        return _done[name]
    r = RECORDINGS[name]
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    data, log = os.path.join(d, "perf.data"), os.path.join(d, "guest.log")
    argv = HOST + ["record", "--cmd", r["cmd"], "--opts=" + r["opts"], "--smp", str(r["smp"]),
                   "--out", data, "--log", log, "--timeout", "240"] + (["--pipe"] if r["pipe"] else [])
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                       universal_newlines=True, errors="replace")
    if p.returncode != 0 or not os.path.isfile(data):
        raise AssertionError("recording %s failed (exit %d):\n%s" % (name, p.returncode, p.stdout[-3000:]))
    with open(log, errors="replace") as f:
        text = f.read().replace("\r", "")
    _done[name] = (data, text)
    return _done[name]


def perf(data, tool, *args, stdin=None):
    """The host's perf with Ringtail's symbols, in the recording's directory;
    returns stdout; fails on a non-zero exit or anything on stderr."""
    needs("perf")
    d = os.path.dirname(data)
    for link, target in (("symfs", os.path.join(BUILD, "symfs")),
                         ("kernel.elf", os.path.join(BUILD, "kernel.elf"))):
        if not os.path.lexists(os.path.join(d, link)):
            os.symlink(target, os.path.join(d, link))
    argv = ["perf", tool, "-i", "-" if stdin else os.path.basename(data)]
    if tool != "buildid-list":
        argv += ["--symfs", "symfs", "--vmlinux", "kernel.elf"]
    argv += list(args)
    inp = open(data, "rb") if stdin else subprocess.DEVNULL
    p = subprocess.run(argv, stdin=inp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=d,
                       timeout=300)
    if stdin:
        inp.close()
    err = p.stderr.decode(errors="replace").strip()
    if p.returncode != 0 or err:
        raise AssertionError("%s: exit %d, stderr:\n%s" % (" ".join(argv), p.returncode, err[:3000]))
    return p.stdout.decode(errors="replace")


ROW = re.compile(r"^\s+([\d.]+)%\s+(\d+)\s+(\S+)\s+(\S+)\s+\[(.)\] (.+?)\s*$")
EVENT = re.compile(r"^# Samples: \S+\s+of event '([^']+)'")


def table(text, start=None):
    """{event: [(comm, dso, mode, sym, samples)]} from report --stdio -n
    (--sort comm,dso,sym) lines, from the line `start` on."""
    out, ev = {}, None
    lines = text.splitlines()
    if start:
        lines = lines[next(i for i, l in enumerate(lines) if start in l):]
    for l in lines:
        m = EVENT.match(l)
        if m:
            ev = m.group(1)
            out[ev] = []
            continue
        m = ROW.match(l)
        if m and ev:
            out[ev].append((m.group(3), m.group(4), m.group(5), m.group(6), int(m.group(2))))
    return out


def guest_counts(log):
    """rtperf record's closing lines: {event: samples} and the total."""
    per = {m.group(1): int(m.group(2))
           for m in re.finditer(r"^rtperf: (\S+) +(\d+) samples$", log, re.M)}
    m = re.search(r"Captured and wrote [\d.]+ MB .* \((\d+) samples\)", log)
    check(m, "rtperf record printed no summary")
    return per, int(m.group(1))


def build_id(path):
    """The GNU build id of an ELF file (hex), read with readelf."""
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


# --- cases ------------------------------------------------------------------------

def test_record_demo_workload():
    data, log = record("a")
    per, total = guest_counts(log)
    check(total > 100, "only %d samples" % total)
    eq(per.get("cycles"), total, "samples of cycles")
    check("lost 0 samples" in log, "rtperf reported lost samples")
    check("rtsend: sent" in log, "no transfer")


def test_header_only():
    data, _ = record("a")
    h = perf(data, "report", "--header-only")
    for want in ("# os release : 6.18.0-ringtail", "# arch : x86_64", "# nrcpus online : 1",
                 "# cpudesc : ", "# total memory : ", "# cmdline : /bin/rtperf record -g",
                 "# event : name = cycles", "sample_type = IP|TID|TIME|CALLCHAIN|CPU|PERIOD|IDENTIFIER",
                 "# hostname : ", "# perf version : ", "# time of first sample : "):
        check(want in h, "header lacks %r:\n%s" % (want, h))
    ids = perf(data, "buildid-list")
    eq(re.search(r"^(\S+) \[kernel.kallsyms\]$", ids, re.M).group(1),
       build_id(os.path.join(BUILD, "kernel.elf")), "kernel build id")
    eq(re.search(r"^(\S+) /bin/perf_demo$", ids, re.M).group(1),
       build_id(os.path.join(BUILD, "user", "perf_demo")), "perf_demo build id")


def compare_tables(guest, host, ev, user_and_kernel=True):
    """Every row rtperf printed (with a symbol) has perf's count exactly;
    returns (hottest user row, hottest kernel row), which must both be
    there if user_and_kernel."""
    hrows = {r[:4]: r[4] for r in host.get(ev, [])}
    rows = [r for r in guest.get(ev, []) if not r[3].startswith("0x")]
    check(rows, "rtperf printed no rows for %s" % ev)
    for r in rows:
        eq(hrows.get(r[:4]), r[4], "perf's samples for %s %s [%s] %s" % r[:4])
    user = next((r for r in rows if r[2] == "."), None)
    kern = next((r for r in rows if r[2] == "k"), None)
    check(not user_and_kernel or (user and kern),
          "rtperf's table has no user or no kernel function")
    return user, kern


def test_report_counts_match_guest():
    data, log = record("a")
    out = perf(data, "report", "--stdio", "-n", "--no-children", "-g", "none",
               "--sort", "comm,dso,sym")
    user, kern = compare_tables(table(log, "rtperf: top symbols"), table(out), "cycles")
    print("# hottest user function %s (%d samples), kernel function %s (%d), as in the guest"
          % (user[3], user[4], kern[3], kern[4]))
    check(user[3].startswith("demo_"), "the hottest user function is %s" % user[3])


def test_report_callchains():
    data, _ = record("a")
    out = perf(data, "report", "--stdio")
    check("Children" in out and "--" in out, "no call graph in perf report")
    for fn in ("workload", "demo_page_faults"):
        check(fn in out, "%s missing from the call graph" % fn)


def test_script_lists_every_sample_once():
    data, log = record("a")
    _, total = guest_counts(log)
    out = perf(data, "script", "-F", "comm,tid,cpu,time,event,ip,sym", "--ns", "-G")
    samples = [re.sub(r"\s+", " ", l.strip()) for l in out.splitlines() if l.strip()]
    eq(len(samples), total, "samples listed by perf script")
    eq(len(set(samples)), len(samples), "distinct samples (comm tid cpu time ip)")


def test_all_cpus_tracepoints():
    data, log = record("b")
    per, total = guest_counts(log)
    check("lost 0 samples" in log, "rtperf reported lost samples")
    out = perf(data, "script", "-F", "event")
    got = {}
    for l in out.split():
        ev = l.rstrip(":")
        got[ev] = got.get(ev, 0) + 1
    eq(got, {k: v for k, v in per.items() if v}, "samples per event (perf script vs rtperf)")
    check(per.get("syscalls:sys_enter_getppid", 0) >= 200, "too few getppid samples")
    fields = perf(data, "script", "-F", "trace:event,trace")
    check(re.search(r"raw_syscalls:sys_enter: +NR 110 \(", fields),
          "raw_syscalls fields not decoded:\n%s" % fields[:500])
    h = perf(data, "report", "--header-only")
    check("# nrcpus online : 2" in h, "nrcpus")
    rep = perf(data, "report", "--stdio", "-n", "--sort", "comm,dso,sym")
    check(re.search(r"^\s+\S+%\s+\d+\s+swapper\s+\[kernel.kallsyms\]\s+\[k\] arch_idle", rep, re.M),
          "no idle samples from the second CPU")
    guest = table(log, "rtperf: top symbols")
    # About 90 cycles samples over two CPUs, most of them idle or in the
    # kernel: the ten rows rtperf prints need not hold a user function.
    compare_tables(guest, table(rep), "cycles", user_and_kernel=False)
    dump = perf(data, "script", "-D")
    check(re.search(r"PERF_RECORD_MMAP -1/0: \[0xffffffff80100000\(", dump), "no kernel map")
    check(re.search(r"PERF_RECORD_COMM: \S+:1/1", dump), "pid 1 not synthesized")


def test_pipe_mode():
    data, log = record("c")
    _, total = guest_counts(log)
    out = perf(data, "report", "--stdio", "-n", "--no-children", "-g", "none",
               "--sort", "comm,dso,sym", stdin=True)
    compare_tables(table(log, "rtperf: top symbols"), table(out), "cycles")
    lines = perf(data, "script", "-F", "time", "--ns", "-G", stdin=True).split()
    eq(len(lines), total, "samples listed by perf script -i -")
    check("# os release : 6.18.0-ringtail" in perf(data, "report", "--header-only", stdin=True),
          "pipe-mode features")


def near(word, text):
    """word occurs in text with at most one letter added, dropped or
    changed (OCR doubles or misreads a letter now and then)."""
    n = len(word)
    for i in range(len(text)):
        for m in (n - 1, n, n + 1):
            s = text[i:i + m]
            if len(s) != m:
                continue
            prev = list(range(len(s) + 1))
            for a, ca in enumerate(word, 1):
                cur = [a]
                for b, cb in enumerate(s, 1):
                    cur.append(min(prev[b] + 1, cur[b - 1] + 1, prev[b - 1] + (ca != cb)))
                prev = cur
            if prev[-1] <= 1:
                return True
    return False


def ocr_words(png):
    """The screenshot's text as tesseract reads it, lower case, letters and
    digits only. Dark names on pastel boxes of every width: a global
    threshold and one page layout lose whole rows now and then, so the
    threshold is Sauvola's (local, thresholding_method=2) and the text is
    what two layouts read, a uniform block (6) and sparse text (11)."""
    text = ""
    for psm in ("6", "11"):
        p = subprocess.run(["tesseract", png, "-", "--psm", psm, "-c", "thresholding_method=2",
                            "-c", "tessedit_char_whitelist=abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.()"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=120)
        check(p.returncode == 0, "tesseract failed: %s" % p.stderr[-1000:])
        text += " " + p.stdout
    return re.sub(r"[^a-z0-9]", "", text.lower())


def test_flamegraph_renders_function_names():
    needs("perf", "chromium", "tesseract")
    if not os.path.isfile(TEMPLATE):
        raise Skip("needs d3-flame-graph from npm in .cache/flamegraph: "
                   "make deps installs it")
    data, log = record("a")
    html = os.path.join(os.path.dirname(data), "flamegraph.html")
    p = subprocess.run(HOST + ["flamegraph", "-i", data, "--out", html], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 0 and os.path.isfile(html), "make flamegraph failed:\n" + p.stderr)
    check("flamegraph.py" in p.stderr, "not Linux's flamegraph.py")
    png = os.path.join(os.path.dirname(data), "flamegraph.png")
    # The user functions wide enough to carry their whole name: at least 8%
    # of the samples (the graph is 1400 px wide; perf's own counts).
    out = perf(data, "report", "--stdio", "-n", "--children", "-g", "none", "--sort", "sym")
    wide = set()
    for m in re.finditer(r"^\s+([\d.]+)%\s+[\d.]+%\s+\d+\s+\[\.\] (demo_\w+|workload)\s*$", out, re.M):
        if float(m.group(1)) >= 8.0:
            wide.add(m.group(2))
    check(len(wide) >= 2, "fewer than two wide user functions:\n%s" % out[:2000])
    print("# screenshot %s: looking for %s" % (os.path.relpath(png, ROOT), ", ".join(sorted(wide))))
    # d3-flame-graph grows its frames from zero width in a 750 ms
    # transition. Virtual time lets it finish before the picture, but on a
    # loaded host headless Chromium now and then shoots mid-transition (the
    # frames still empty): such a picture is taken again, at most three
    # times with a longer budget. A graph that never shows the names fails.
    # Chromium itself once never exited (under a full make test beside a
    # soak; 0 of 50 runs alone, each 3-8 s): an attempt that has not ended
    # in 120 s is stopped, its whole process group with it, and counts as
    # one without a picture.
    words = []
    for attempt in (1, 2, 3):
        if os.path.exists(png):
            os.unlink(png)
        chrome = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--hide-scrollbars", "--window-size=1400,600",
             "--force-device-scale-factor=3", "--run-all-compositor-stages-before-draw",
             "--virtual-time-budget=%d" % (10000 * attempt), "--screenshot=" + png,
             "file://" + html],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            chrome.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(chrome.pid, signal.SIGKILL)
            chrome.wait()
            print("# screenshot %d: chromium did not exit in 120 s, stopped" % attempt)
            missing = sorted(wide)
            continue
        check(os.path.isfile(png) and os.path.getsize(png) > 10000, "no screenshot")
        with open(png, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG")
        words = ocr_words(png)
        missing = [fn for fn in sorted(wide) if not near(re.sub(r"[^a-z0-9]", "", fn), words)]
        if not missing:
            break
        print("# screenshot %d lacks %s (OCR read: %s)" % (attempt, missing, words[:200]))
    check(not missing, "not seen in the screenshot: %s (OCR read: %s)" % (missing, words[:400]))


CASES = [test_record_demo_workload, test_header_only, test_report_counts_match_guest,
         test_report_callchains, test_script_lists_every_sample_once, test_all_cpus_tracepoints,
         test_pipe_mode, test_flamegraph_renders_function_names]


def main():
    only = set(filter(None, (sys.argv[1] if len(sys.argv) > 1 else "").split(",")))
    out = sys.stdout
    out.write("KTAP version 1\n1..%d\n" % len(CASES))
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if os.path.isdir(WORK):
        shutil.rmtree(WORK)
    subprocess.run(HOST + ["symfs"], stdout=subprocess.DEVNULL, cwd=ROOT, check=True)
    for i, fn in enumerate(CASES, 1):
        name = fn.__name__[5:]
        if only and name not in only:
            out.write("ok %d %s # SKIP not selected\n" % (i, name))
            counts["skipped"] += 1
            continue
        out.flush()
        try:
            fn()
            line = "ok %d %s" % (i, name)
            counts["passed"] += 1
        except Skip as e:
            line = "ok %d %s # SKIP %s" % (i, name, e)
            counts["skipped"] += 1
        except Exception:
            for l in traceback.format_exc().rstrip().split("\n"):
                out.write("# %s\n" % l)
            line = "not ok %d %s" % (i, name)
            counts["failed"] += 1
        out.write(line + "\n")
        out.flush()
    out.write("# rtperf-host: %(passed)d passed, %(failed)d failed, %(skipped)d skipped\n" % counts)
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
