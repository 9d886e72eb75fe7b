#!/usr/bin/env python3
"""Host side of Ringtail's profiling: record in the guest, read with Linux's perf.

    rtperf_host.py record [--cmd CMD] [--opts OPTS] [--pipe] [--out FILE] [--log FILE]
                          [--smp N] [--mem SIZE] [--timeout S]
        boots the ISO, runs `rtperf record OPTS -o /tmp/perf.data -- CMD` and
        `rtsend /tmp/perf.data` in the guest, and takes the file out of the
        second serial port (scripts/perf_xfer.py checks length and sha256).
    rtperf_host.py symfs
        build/symfs: the image's binaries, unstripped, where perf looks for
        them (bin/NAME, sbin/init), and the kernel ELF.
    rtperf_host.py perf TOOL [ARGS...]
        runs the host's `perf TOOL -i build/perf.data` with the --symfs and
        --vmlinux that name Ringtail's binaries (TOOL: report, script, ...).
    rtperf_host.py flamegraph [--out FILE]
        perf script's flame-graph report (Linux's flamegraph.py) with
        d3-flame-graph's template from npm (`make deps` installs it into
        .cache/flamegraph, the version scripts/flamegraph/package-lock.json pins).
"""
import argparse
import glob
import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import perf_xfer    # noqa: E402

BUILD = os.environ.get("BUILD", "build")
DEFAULT_CMD = "perf_demo --work 1000"
GUEST_FILE = "/tmp/perf.data"
TEMPLATE = os.path.join(ROOT, ".cache", "flamegraph", "node_modules", "d3-flame-graph", "dist",
                        "templates", "d3-flamegraph-base.html")


def build_path(*p):
    return os.path.join(ROOT, BUILD, *p)


def record(a):
    out = os.path.abspath(a.out)
    capture = out + ".ttyS1"
    for stale in (out, capture):
        if os.path.lexists(stale):
            os.unlink(stale)
    if a.pipe:      # perf.data in pipe mode: a stream on standard output
        guest = "rtperf record %s -o - -- %s > %s && rtsend %s" % (a.opts, a.cmd, GUEST_FILE,
                                                                  GUEST_FILE)
    else:
        guest = "rtperf record %s -o %s -- %s && rtsend %s" % (a.opts, GUEST_FILE, a.cmd,
                                                              GUEST_FILE)
    argv = [sys.executable, os.path.join(ROOT, "scripts", "qemu.py"),
            "--iso", build_path("ringtail.iso"), "--elf", build_path("kernel.elf"),
            "--smp", str(a.smp), "--mem", a.mem, "--timeout", str(a.timeout),
            "--serial2", capture, "--prog", "sh", "--args", "-c " + shlex.quote(guest), "run"]
    print("rtperf_host: in the guest: %s" % guest, flush=True)
    log = open(a.log, "wb") if a.log else None
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    for line in proc.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        if log:
            log.write(line)
    rc = proc.wait()
    if log:
        log.close()
    if rc != 0:
        print("rtperf_host: the guest command failed (exit %d); no %s" % (rc, a.out),
              file=sys.stderr)
        return 1
    try:
        name, n = perf_xfer.receive(capture, out)
    except perf_xfer.XferError as e:
        print("rtperf_host: error: %s; no %s written" % (e, a.out), file=sys.stderr)
        return 1
    os.unlink(capture)
    print("rtperf_host: %s: %d bytes out of the guest, length and sha256 checked" % (a.out, n))
    symfs()
    print("next: make report, make flamegraph, or  (cd %s && %s)"
          % (os.path.relpath(perf_dir(out)), " ".join(perf_argv("script", out))))
    return 0


def symfs():
    """build/symfs: bin/NAME -> build/user/NAME (unstripped, same build ids
    as the stripped copies in the image), sbin/init, bin/busybox."""
    root = build_path("symfs")
    for d in ("bin", "sbin"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    links = {"bin/busybox": "/bin/busybox", "kernel.elf": build_path("kernel.elf")}
    for p in glob.glob(build_path("user", "*")):
        name = os.path.basename(p)
        if os.path.isfile(p) and os.access(p, os.X_OK) and not name.endswith(".a"):
            links["sbin/init" if name == "init" else "bin/" + name] = p
    for rel, target in links.items():
        dst = os.path.join(root, rel)
        if os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(os.path.abspath(target), dst)
    return root


def perf_dir(data):
    """perf runs in the recording's directory, where --symfs symfs and
    --vmlinux kernel.elf resolve (perf looks for the vmlinux both there and
    under the symfs): links to build/'s outside build/."""
    d = os.path.dirname(os.path.abspath(data))
    for name in ("symfs", "kernel.elf"):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            if os.path.lexists(p):
                os.unlink(p)
            os.symlink(build_path(name), p)
    return d


def perf_argv(tool, data=None):
    """perf TOOL -i FILE with Ringtail's symbols, to run in perf_dir(FILE)."""
    data = os.path.abspath(data or build_path("perf.data"))
    return ["perf", tool, "-i", os.path.basename(data), "--symfs", "symfs",
            "--vmlinux", "kernel.elf"]


def have_perf():
    """The host's perf (Debian's linux-perf), or a clear error."""
    if shutil.which("perf"):
        return True
    print("rtperf_host: the host has no perf: `make deps` installs Debian's linux-perf",
          file=sys.stderr)
    return False


def run_perf(a):
    if not have_perf():
        return 1
    symfs()
    data = a.input or build_path("perf.data")
    if not os.path.isfile(data):
        print("rtperf_host: no %s: record one first (make record)" % os.path.relpath(data),
              file=sys.stderr)
        return 1
    d = perf_dir(data)
    argv = perf_argv(a.tool, data) + a.args
    print("rtperf_host: (cd %s && %s)" % (os.path.relpath(d), " ".join(shlex.quote(w) for w in argv)),
          file=sys.stderr, flush=True)
    return subprocess.call(argv, cwd=d)


def flamegraph(a):
    """Linux's own flame-graph report (flamegraph.py, what `perf script
    report flamegraph` runs, over perf script's samples) with d3-flame-graph's HTML
    template. flamegraph.py reads the header with `perf report
    --header-only` from ./perf.data, so it runs beside the recording."""
    if not have_perf():
        return 1
    symfs()
    template = TEMPLATE
    if not os.path.isfile(template):
        print("rtperf_host: %s is missing: `make deps` installs d3-flame-graph with npm"
              % os.path.relpath(template, ROOT), file=sys.stderr)
        return 1
    data = os.path.abspath(a.input or build_path("perf.data"))
    if not os.path.isfile(data):
        print("rtperf_host: no %s: record one first (make record)" % os.path.relpath(data),
              file=sys.stderr)
        return 1
    if os.path.basename(data) != "perf.data":
        print("rtperf_host: flamegraph.py reads ./perf.data: name the recording so",
              file=sys.stderr)
        return 1
    d = perf_dir(data)
    out = os.path.abspath(a.out)
    exec_path = subprocess.run(["perf", "--exec-path"], stdout=subprocess.PIPE,
                               universal_newlines=True).stdout.strip()
    script = os.path.join(exec_path, "scripts", "python", "flamegraph.py")
    # `perf script report flamegraph` would run flamegraph.py without our
    # --symfs/--vmlinux: call the same script through -s instead.
    argv = perf_argv("script", data) + ["-s", script, "--", "--template", template, "-o", out]
    print("rtperf_host: (cd %s && %s)" % (os.path.relpath(d), " ".join(shlex.quote(w) for w in argv)),
          file=sys.stderr, flush=True)
    rc = subprocess.call(argv, cwd=d)
    if rc == 0:
        print("rtperf_host: open %s in a browser" % os.path.relpath(out, ROOT))
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("record")
    r.add_argument("--cmd", default=os.environ.get("CMD") or DEFAULT_CMD)
    r.add_argument("--opts", default="-g")
    r.add_argument("--pipe", action="store_true", help="record with -o - (pipe mode)")
    r.add_argument("--out", default=build_path("perf.data"))
    r.add_argument("--log", default=build_path("record.log"))
    r.add_argument("--smp", type=int, default=1)
    r.add_argument("--mem", default="512M")
    r.add_argument("--timeout", type=float, default=600)
    sub.add_parser("symfs")
    p = sub.add_parser("perf")
    p.add_argument("tool")
    p.add_argument("-i", dest="input", default=None)
    p.add_argument("args", nargs=argparse.REMAINDER)
    f = sub.add_parser("flamegraph")
    f.add_argument("--out", default=build_path("flamegraph.html"))
    f.add_argument("-i", dest="input", default=None)
    a = ap.parse_args()
    if a.what == "record":
        return record(a)
    if a.what == "symfs":
        print(symfs())
        return 0
    if a.what == "perf":
        return run_perf(a)
    return flamegraph(a)


if __name__ == "__main__":
    sys.exit(main())
