#!/usr/bin/env python3
"""Run static programs on Debian's Linux kernel in the same QEMU as Ringtail.

    linux_vm.py run PROG [--args 'A B'] [--smp N] [--mem SIZE] [--kvm]
                         [--timeout S] [--boot-timeout S]      (make linux-run)

The kernel is the image `make deps` (scripts/get_linux.sh) unpacked from
Debian's linux-image-amd64 into .cache/linux (or $RINGTAIL_LINUX_CACHE); it
is never installed on the host. QEMU gets exactly the flags of `make run`
(scripts/qemu.py's build_argv: machine, CPU model, memory, CPUs,
accelerator, devices), except that it boots that kernel with -kernel,
-initrd and -append instead of Ringtail's ISO. The initrd is made for each
boot: user/linux/linux_init.c as /init (it mounts proc, sysfs, tracefs,
sets the perf knobs, runs the programs on a terminal, prints their exit
status and powers off) and the programs in /bin.

Linux's command line: console=ttyS0 (the serial port is the console),
quiet, panic=-1 (a panic ends QEMU at once instead of hanging until the
timeout), tsc=reliable: TCG's TSC is one emulated clock, so Linux's
clocksource watchdog, which compares it with HPET while the emulator is
descheduled, must not switch to HPET mid-run (with -icount both count
guest instructions anyway), and no5lvl: QEMU's "max" CPU offers 5-level
paging, which Debian's kernel would use; Ringtail and nearly every Linux
machine the tests were written on have 4-level paging (user space ends
at 2^47: access_ok() and so the errno of a bad pointer depend on it),
and a page-fault comparison should walk the same number of levels;
ringtail.scratch (Linux ignores an unknown dotted word) tells the test
programs that this machine is theirs to fill (rt_user.h scratch_machine()).
busybox is in the initrd as on Ringtail's image (/bin/sh and its applets).

Exit status (of `linux_vm.py run`): the program's own exit status, 128+N
when signal N killed it, 124 when it ran past --timeout (QEMU is then
stopped by its PID), 2 for bad input (a missing, non-ELF, non-x86_64 or
dynamically linked program, no kernel image) with a one-line reason, 3
when Linux stopped without reporting the program's status. --timeout
counts from the moment the program starts (Linux takes seconds to boot
under TCG, more on a loaded host: --boot-timeout bounds that part).

Other scripts import boot(): user/tests/compare_host.py runs its whole
list of programs in one boot (mode "run": Ringtail's run= output format),
scripts/bench.py the benchmark programs (also under -icount and gdb).
"""
import argparse
import os
import select
import shlex
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu  # noqa: E402

CACHE = os.environ.get("RINGTAIL_LINUX_CACHE") or os.path.join(ROOT, ".cache", "linux")
APPEND = "console=ttyS0 quiet panic=-1 tsc=reliable no5lvl ringtail.scratch"
STARTED = b"linux-run: started "
KTAP_START = b"KTAP version 1"
POWER_OFF = b"linux_init: powering off"

BUSYBOX = os.environ.get("BUSYBOX", "/bin/busybox")
EXIT_BAD_INPUT = 2
EXIT_NO_STATUS = 3
EXIT_TIMEOUT = 124


class VMError(Exception):
    """Bad input or a missing piece, said in one line."""


def kernel_image(cache=None):
    """The bzImage to boot, or VMError saying how to get one."""
    cache = cache or CACHE
    path = os.path.join(cache, "vmlinuz")
    if os.path.isfile(path):
        return os.path.realpath(path)
    raise VMError("no Linux kernel image at %s: run `make deps` (or `make linux-image`), "
                  "which downloads Debian's linux-image-amd64 package and unpacks its kernel "
                  "into %s without installing it" % (show(path), show(cache)))


def show(path):
    """A path as the user would type it: relative to the repository if inside."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def check_program(path):
    """A static x86_64 ELF executable, or VMError saying what it is not."""
    if not os.path.exists(path):
        raise VMError("%s: no such file" % path)
    if not os.path.isfile(path):
        raise VMError("%s: not a regular file" % path)
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF":
            raise VMError("%s: not an ELF executable" % path)
        if head[4] != 2 or head[5] != 1 or struct.unpack_from("<H", head, 18)[0] != 62:
            raise VMError("%s: not a 64-bit x86_64 ELF file" % path)
        if struct.unpack_from("<H", head, 16)[0] not in (2, 3):
            raise VMError("%s: not an ELF executable (ELF type %d)"
                          % (path, struct.unpack_from("<H", head, 16)[0]))
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            ph = f.read(phentsize)
            if len(ph) >= 4 and struct.unpack_from("<I", ph, 0)[0] == 3:   # PT_INTERP
                f.seek(struct.unpack_from("<Q", ph, 8)[0])
                interp = f.read(struct.unpack_from("<Q", ph, 32)[0]).rstrip(b"\0")
                raise VMError("%s: dynamically linked (interpreter %s); the VM runs static "
                              "programs only (build with musl-gcc -static)"
                              % (path, interp.decode(errors="replace")))


def encode_word(word):
    return qemu.encode_word(word)


def make_initramfs(out, mode, jobs, build):
    """jobs: [(path, spec, [args])]: spec is NAME[:exit=N|:sig=N], NAME the
    program's name in /bin."""
    init = os.path.join(build, "user", "linux_init")
    if not os.path.isfile(init):
        raise VMError("%s does not exist (run make)" % os.path.relpath(init, ROOT))
    jobs_file = out + ".jobs"
    with open(jobs_file, "w") as f:
        f.write(mode + "\n")
        for _path, spec, args in jobs:
            f.write(" ".join(encode_word(w) for w in [spec] + list(args)) + "\n")
    argv = [sys.executable, os.path.join(ROOT, "scripts", "mkinitramfs.py"), "-o", out,
            "--strip", "--busybox", BUSYBOX, "--file", init + ":/init:0755",
            "--file", jobs_file + ":/etc/linux-jobs:0644"]
    seen = set()
    for path, spec, _args in jobs:
        name = spec.split(":")[0]
        if name in seen:
            continue
        seen.add(name)
        argv += ["--file", "%s:/bin/%s:0755" % (os.path.abspath(path), name)]
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise VMError("mkinitramfs failed: %s" % r.stderr.strip())


class Result:
    def __init__(self):
        self.rc = None          # QEMU's exit code (None: killed by us)
        self.text = ""          # the serial console
        self.timed_out = None   # None, "boot" or "program"
        self.pid = None         # QEMU's PID
        self.boot_s = None      # wall seconds until the programs started


def boot(jobs, mode="run", smp=1, mem="512M", kvm=False, timeout=0, boot_timeout=300,
         extra=None, echo=None, log=None, build=None, stdin=None, gdb_port=None,
         on_start=None, job_timeout=0):
    """Boot Linux with these jobs (see make_initramfs). echo: a binary
    stream that gets the console output as it comes; log: a file that gets
    all of it. timeout counts from the start of the programs (0: none),
    boot_timeout until then. on_start(proc) is called once the programs
    have started (scripts/bench.py attaches gdb then). job_timeout (mode
    "run"): linux_init kills a program still running after that many
    seconds of guest time and goes on with the next. Returns a Result;
    QEMU is always stopped (by its PID) before this returns."""
    build = build or os.path.join(ROOT, "build")
    kernel = kernel_image()
    for path, _spec, _args in jobs:
        check_program(path)
    res = Result()
    with tempfile.TemporaryDirectory(prefix="ringtail-linux-") as tmp:
        initrd = os.path.join(tmp, "initrd.cpio")
        make_initramfs(initrd, mode if mode == "prog" else "run %d" % job_timeout, jobs, build)
        argv = qemu.build_argv(None, None, APPEND, smp=smp, mem=mem, kvm=kvm, serial="stdio",
                               extra=extra, gdb_port=gdb_port, linux=(kernel, initrd))
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        res.pid = proc.pid
        marker = STARTED if mode == "prog" else KTAP_START
        seen = bytearray()
        started_at = None
        if log:
            os.makedirs(os.path.dirname(os.path.abspath(log)), exist_ok=True)
        logf = open(log, "wb") if log else None
        try:
            fd = proc.stdout.fileno()
            while True:
                now = time.monotonic()
                if started_at is None:
                    deadline = t0 + boot_timeout if boot_timeout else None
                else:
                    deadline = started_at + timeout if timeout else None
                if deadline is not None and now >= deadline:
                    res.timed_out = "boot" if started_at is None else "program"
                    break
                wait = 0.5 if deadline is None else min(0.5, deadline - now)
                r, _, _ = select.select([fd], [], [], wait)
                if not r:
                    continue
                data = os.read(fd, 65536)
                if not data:
                    break
                seen += data
                if echo:
                    echo.write(data)
                    echo.flush()
                if logf:
                    logf.write(data)
                    logf.flush()
                if started_at is None and marker in seen:
                    started_at = time.monotonic()
                    res.boot_s = started_at - t0
                    if on_start:
                        on_start(proc)
        finally:
            if proc.poll() is None:
                proc.kill()             # SIGKILL to QEMU's PID
            res.rc = proc.wait()
            if res.timed_out:
                res.rc = None
            proc.stdout.close()
            if logf:
                logf.close()
        res.text = seen.decode("utf-8", "replace")
    return res


def program_status(text):
    """The status line of a prog-mode run -> exit code (128+N for a signal),
    or None if the program did not finish."""
    for line in reversed(text.splitlines()):
        if line.startswith("linux-run: ") and ": exit status " in line:
            return int(line.rsplit(" ", 1)[1])
        if line.startswith("linux-run: ") and ": killed by signal " in line:
            return 128 + int(line.split(": killed by signal ", 1)[1].split()[0])
    return None


def cmd_run(a):
    if a.kvm and not qemu.kvm_usable():
        print("linux_vm.py: KVM=1 but /dev/kvm is not usable; using TCG", file=sys.stderr)
        a.kvm = False
    try:
        words = shlex.split(a.args if a.args is not None else os.environ.get("ARGS", ""))
    except ValueError as e:
        print("linux-run: ARGS: %s" % e, file=sys.stderr)
        return EXIT_BAD_INPUT
    prog = a.prog
    if not os.path.exists(prog) and "/" not in prog and \
            os.path.isfile(os.path.join(a.build, "user", prog)):
        prog = os.path.join(a.build, "user", prog)      # a name: one of ours
    name = os.path.basename(prog)
    try:
        check_program(prog)
        kernel = kernel_image()
        print("linux-run: booting %s (%s, %s CPU(s), %s) to run %s" %
              (show(kernel), "KVM" if a.kvm else "TCG", a.smp, a.mem,
               " ".join([prog] + [shlex.quote(w) for w in words])), file=sys.stderr)
        sys.stderr.flush()
        res = boot([(prog, name, words)], mode="prog", smp=a.smp, mem=a.mem, kvm=a.kvm,
                   timeout=a.timeout, boot_timeout=a.boot_timeout, echo=sys.stdout.buffer,
                   build=a.build)
    except VMError as e:
        print("linux-run: %s" % e, file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.flush()
    if res.timed_out == "program":
        print("\nlinux-run: %s did not exit within %g s; QEMU (pid %d) stopped"
              % (name, a.timeout, res.pid), file=sys.stderr)
        return EXIT_TIMEOUT
    if res.timed_out == "boot":
        print("\nlinux-run: Linux did not start %s within %g s; QEMU (pid %d) stopped"
              % (name, a.boot_timeout, res.pid), file=sys.stderr)
        return EXIT_TIMEOUT
    st = program_status(res.text)
    if st is None:
        print("\nlinux-run: Linux stopped (QEMU exit %s) without reporting %s's exit status"
              % (res.rc, name), file=sys.stderr)
        return EXIT_NO_STATUS
    return st


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run one program (make linux-run)")
    r.add_argument("prog")
    r.add_argument("--args", default=None, help="shell-quoted arguments (default: $ARGS)")
    r.add_argument("--smp", type=int, default=1)
    r.add_argument("--mem", default="512M")
    r.add_argument("--kvm", action="store_true")
    r.add_argument("--timeout", type=float, default=600,
                   help="seconds the program may run (0: no limit)")
    r.add_argument("--boot-timeout", type=float, default=300)
    r.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    return cmd_run(a)


if __name__ == "__main__":
    sys.exit(main())
