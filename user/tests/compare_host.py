#!/usr/bin/env python3
"""Run user test programs on Linux and on Ringtail; compare output.

    compare_host.py [--ref linux|host] [--host-only] [options] SPEC...

SPEC is a program in build/user/ with the kernel's expectation syntax:
`name` (must exit 0), `name:exit=N` or `name:sig=N`.

The reference Linux (--ref):
  linux (default)  Debian's kernel (linux-image-amd64, 6.1) booted once in
         the same QEMU as Ringtail (same CPU model, memory, CPU count,
         accelerator) by scripts/linux_vm.py; its /init runs every program
         in that one boot exactly as below, so the reference does not
         depend on the kernel of the machine the tests run on.
  host   this machine's own kernel, each program run directly.
Either way each program runs the way Ringtail runs it: argv = [name],
envp = HOME=/ PATH=/bin TERM=linux, and fds 0/1/2 on a pseudo-terminal in
raw mode sized 80x24 (Ringtail's console is a terminal, so musl line-buffers
stdout and TIOCGWINSZ works). Then Ringtail boots once under QEMU with
`run=SPEC,SPEC,...`; the kernel prints each program's output indented by four
spaces followed by its own `ok K name` verdict, and that output must equal
the reference's line for line.

Prints KTAP, one test per program. With --host-only, only the host half
runs (useful before the kernel runs programs, and to check the programs
themselves): each program's own KTAP is nested under its result so every
case counts, and its exit status must match the SPEC.
QEMU and host programs get their own process group and are stopped by PID.
"""
import argparse
import difflib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
import qemu   # noqa: E402  (scripts/qemu.py: the one place that knows QEMU)
import linux_vm   # noqa: E402  (scripts/linux_vm.py: Linux in the same QEMU)
import ktap   # noqa: E402

ENV = {"HOME": "/", "PATH": "/bin", "TERM": "linux"}
SPEC_RE = re.compile(r"^([A-Za-z0-9_.+-]+)(?::(exit|sig)=(\d+))?$")
MAX_DIFF = 20


class Spec:
    def __init__(self, text, build):
        m = SPEC_RE.match(text)
        if not m:
            raise ValueError("bad program spec %r (name, name:exit=N or name:sig=N)" % text)
        self.text, self.name = text, m.group(1)
        self.kind = m.group(2) or "exit"
        self.value = int(m.group(3) or 0)
        self.path = os.path.join(build, "user", self.name)

    def expectation(self):
        return "killed by signal %d" % self.value if self.kind == "sig" else "exit %d" % self.value

    def matches(self, rc):
        return rc == (-self.value if self.kind == "sig" else self.value)


def status_text(rc):
    if rc is None:
        return "timed out"
    return "killed by signal %d" % -rc if rc < 0 else "exit %d" % rc


def kill_group(proc):
    """Stop proc's process group: only while proc is not reaped yet, so its
    PID (= the group ID) cannot belong to anybody else."""
    if proc.returncode is not None:
        return
    pid = proc.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.2)


def run_host(spec, timeout):
    """Run one program on a raw 80x24 pty. Returns (rc or None, lines)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        proc = subprocess.Popen([spec.name], executable=spec.path, stdin=slave,
                                stdout=slave, stderr=slave, env=ENV, cwd=ROOT,
                                start_new_session=True, close_fds=True)
    finally:
        os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    rc = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([master], [], [], min(left, 0.2))
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:      # EIO: every slave fd is closed
                    data = b""
                if not data:
                    break
                out += data
            elif proc.poll() is not None:
                # Exited; drain what is left, then stop.
                while select.select([master], [], [], 0.1)[0]:
                    try:
                        data = os.read(master, 65536)
                    except OSError:
                        data = b""
                    if not data:
                        break
                    out += data
                break
        try:
            rc = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            rc = None
    finally:
        kill_group(proc)             # if it is still there (timeout)
        proc.wait()
        os.close(master)
    text = out.decode("utf-8", "replace")
    return rc, [ktap.clean(l) for l in ktap.split_lines(text)]


def boot_ringtail(specs, args):
    """Boot Ringtail with run=SPECS; return (qemu rc or None, serial text)."""
    build = args.build
    iso, elf = os.path.join(build, "ringtail.iso"), os.path.join(build, "kernel.elf")
    kvm = os.environ.get("RINGTAIL_KVM") == "1" and qemu.kvm_usable()
    need = elf if kvm else iso
    if not os.path.isfile(need):
        raise RuntimeError("%s does not exist (run make)" % os.path.relpath(need, ROOT))
    os.makedirs(os.path.dirname(args.log), exist_ok=True)
    try:
        os.unlink(args.log)
    except FileNotFoundError:
        pass
    # The programs are in the image (build/initramfs); under KVM it is the
    # -initrd module the ISO's GRUB would load.
    modules = [(os.path.join(build, "initramfs"), "")] if kvm else None
    argv = qemu.build_argv(iso=iso, elf=elf, cmdline="run=" + ",".join(s.text for s in specs),
                           smp=args.smp, mem=args.mem, kvm=kvm, serial="file:" + args.log,
                           modules=modules)
    with open(args.log + ".qemu", "wb") as qout:
        proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=qout,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=args.boot_timeout)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            kill_group(proc)
            proc.wait()
    try:
        with open(args.log, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    return rc, text


_SKIPPED = re.compile(r"^(\s*ok \d+ [^#]*?) # SKIP\b")


def tolerate_ref_skips(ref, ours):
    """The reference with each case it skipped replaced by Ringtail's line
    when Ringtail ran that case and passed it (a feature only Ringtail has
    here, e.g. its emulated PMU); the names of those cases."""
    if len(ref) != len(ours):
        return ref, []
    out, names = [], []
    for a, b in zip(ref, ours):
        m = _SKIPPED.match(a)
        if m and b == m.group(1):
            out.append(b)
            names.append(b.split(None, 2)[2])
        else:
            out.append(a)
    return out, names


_TOPRES = re.compile(r"^(ok|not ok) (\d+) (\S+)\s*(?:#\s*(.*))?$")


def split_sections(text):
    """The kernel's run= wrapper -> {name: (ok, reason, [output lines])};
    reason joins the result's directive and the kernel's own "# ..." lines."""
    lines = [ktap.clean(l) for l in ktap.split_lines(text)]
    start = next((i for i, l in enumerate(lines) if l.endswith("KTAP version 1")), None)
    if start is None:
        return {}
    prefix = lines[start][:-len("KTAP version 1")]
    ts = ktap._TIMESTAMP.match(prefix) if prefix else None
    sections, cur, notes = {}, [], []
    for line in lines[start + 1:]:
        if prefix and line.startswith(prefix):
            line = line[len(prefix):]
        elif ts:
            m = ktap._TIMESTAMP.match(line)
            if m:
                line = line[m.end():][len(prefix) - ts.end():]
        if line.startswith("    "):
            cur.append(line[4:])
            continue
        m = _TOPRES.match(line)
        if m:
            reason = "; ".join(([m.group(4)] if m.group(4) else []) + notes)
            sections.setdefault(m.group(3), (m.group(1) == "ok", reason, cur))
            cur, notes = [], []
        elif line.startswith("# "):
            notes.append(line[2:])
        # other column-0 lines: the plan and the kernel's own messages
    return sections


def ktap_ok(lines):
    rep = ktap.parse(lines)
    return rep.found, rep.all_passed


def emit(num, ok, name, diags=(), nested=()):
    for l in nested:
        print("    " + l if l else "")
    for d in diags:
        print("# " + d)
    print("%s %d %s" % ("ok" if ok else "not ok", num, name))
    sys.stdout.flush()


def host_checks(spec, rc, lines):
    """Reasons the host run is wrong (empty list = fine)."""
    why = []
    if not spec.matches(rc):
        why.append("host: %s, expected %s" % (status_text(rc), spec.expectation()))
    found, passed = ktap_ok(lines)
    if spec.kind == "exit" and spec.value == 0 and not found:
        why.append("host: no KTAP output")
    if found and not passed:
        why.append("host: its KTAP did not pass")
    return why


def run_linux_vm(specs, args):
    """Boot the Linux VM once with every program: {name: (rc, lines, why)}
    like the host runs give (rc: the expectation's value when Linux says
    ok, else None), or a VMError's text for all of them."""
    log = args.log.replace(".serial.log", ".linux.log")
    jobs = [(s.path, s.text, []) for s in specs]
    res = linux_vm.boot(jobs, mode="run", smp=args.smp, mem=args.mem,
                        kvm=os.environ.get("RINGTAIL_KVM") == "1" and qemu.kvm_usable(),
                        timeout=args.boot_timeout, job_timeout=int(args.timeout),
                        log=log, build=args.build)
    sections = split_sections(res.text)
    out = {}
    for s in specs:
        if s.name not in sections:
            out[s.name] = (None, [], ["linux: no result for %s (QEMU %s, console log %s)" % (
                s.name, "stopped: timed out" if res.rc is None else "exit %d" % res.rc,
                os.path.relpath(log, ROOT))])
            continue
        ok, reason, lines = sections[s.name]
        why = [] if ok else ["linux: not ok (%s)" % reason]
        found, passed = ktap_ok(lines)
        if s.kind == "exit" and s.value == 0 and not found:
            why.append("linux: no KTAP output")
        if found and not passed:
            why.append("linux: its KTAP did not pass")
        out[s.name] = (0 if ok else None, lines, why)
    return out


def ensure_tracefs():
    """The perf programs look tracepoint ids up in tracefs, as they do on
    Ringtail: mount it on the host if it is not (root only; best effort,
    a program that still finds none says SKIP and the comparison shows it)."""
    path = "/sys/kernel/tracing"
    if os.path.exists(os.path.join(path, "events")):
        return
    subprocess.run(["mount", "-t", "tracefs", "nodev", path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("specs", nargs="+", metavar="SPEC")
    ap.add_argument("--host-only", action="store_true")
    ap.add_argument("--ref", choices=["linux", "host"], default="linux",
                    help="the reference: Linux in QEMU (default) or this host's kernel")
    ap.add_argument("--timeout", type=float, default=120, help="per reference program (s)")
    ap.add_argument("--boot-timeout", type=float, default=300)
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--log", default=None, help="serial log path")
    ap.add_argument("--build", default=os.environ.get("RINGTAIL_BUILD") or os.path.join(ROOT, "build"),
                    help="build directory: programs in BUILD/user, the ISO, kernel.elf "
                         "(default $RINGTAIL_BUILD or build)")
    args = ap.parse_args()
    try:
        args.build = os.path.abspath(args.build)
        specs = [Spec(s, args.build) for s in args.specs]
    except ValueError as e:
        ap.error(str(e))
    if args.log is None:
        tag = "+".join(s.name for s in specs)[:80]
        args.log = os.path.join(args.build, "test-logs", "compare_host.%s.serial.log" % tag)

    if args.ref == "host" or args.host_only:
        ensure_tracefs()
    print("KTAP version 1")
    print("1..%d" % len(specs))
    sys.stdout.flush()
    host = {}
    if args.host_only:
        failed = 0
        for i, s in enumerate(specs, 1):
            if not os.path.isfile(s.path):
                emit(i, False, s.name, ["%s does not exist (run make)" % os.path.relpath(s.path, ROOT)])
                failed += 1
                continue
            t0 = time.monotonic()
            rc, lines = run_host(s, args.timeout)
            why = host_checks(s, rc, lines)
            found = ktap_ok(lines)[0]
            diags = list(why)
            if why:
                diags.append("host run took %.2fs" % (time.monotonic() - t0))
                if not found:
                    diags += ["output: " + l for l in lines[-MAX_DIFF:]]
            emit(i, not why, s.name, diags, lines if found else [])
            failed += bool(why)
        return 1 if failed else 0

    missing = [s for s in specs if not os.path.isfile(s.path)]
    for s in missing:
        host[s.name] = (None, [], ["%s does not exist (run make)" % os.path.relpath(s.path, ROOT)])
    ref = "linux" if args.ref == "linux" else "host"
    present = [s for s in specs if s not in missing]
    if args.ref == "linux" and present:
        try:
            host.update(run_linux_vm(present, args))
        except linux_vm.VMError as e:
            host.update({s.name: (None, [], ["linux: %s" % e]) for s in present})
    elif args.ref == "host":
        for s in present:
            rc, lines = run_host(s, args.timeout)
            host[s.name] = (rc, lines, host_checks(s, rc, lines))
    boot_err = None
    try:
        qrc, text = boot_ringtail(specs, args)
    except (OSError, RuntimeError) as e:
        qrc, text, boot_err = None, "", str(e)
    sections = split_sections(text)
    failed = 0
    for i, s in enumerate(specs, 1):
        rc, hlines, why = host[s.name]
        why, why_ok = list(why), []
        if boot_err:
            why.append("ringtail: " + boot_err)
        elif s.name not in sections:
            why.append("ringtail: no result for %s (QEMU %s, serial log %s)" % (
                s.name, "timed out" if qrc is None else "exit %d" % qrc,
                os.path.relpath(args.log, ROOT)))
        else:
            ok, reason, rlines = sections[s.name]
            if not ok:
                why.append("ringtail: not ok (%s)" % reason)
            hlines, extra = tolerate_ref_skips(hlines, rlines)
            if extra and rlines == hlines:
                why_ok = ["%s skipped %d case(s) that Ringtail ran and passed: %s"
                          % (ref, len(extra), ", ".join(extra))]
            if rlines != hlines:
                diff = list(difflib.unified_diff(hlines, rlines, ref, "ringtail", n=1, lineterm=""))
                why.append("output differs (%d %s lines, %d ringtail lines):" % (len(hlines), ref, len(rlines)))
                why += diff[:MAX_DIFF] + (["..."] if len(diff) > MAX_DIFF else [])
        emit(i, not why, s.name, why or why_ok)
        failed += bool(why)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
