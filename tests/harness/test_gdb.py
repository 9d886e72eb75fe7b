#!/usr/bin/env python3
"""The debug path end to end; prints KTAP.

Starts QEMU halted with its GDB stub on a free port (scripts/qemu.py), runs
    timeout 60 gdb -batch -nx [-x scripts/ringtail.gdb] build/kernel.elf
        -ex 'target remote 127.0.0.1:PORT' -ex 'hbreak kmain' -ex continue
        -ex bt -ex kill
and checks that the breakpoint was hit in kmain with source file and line
(kernel/main.c). QEMU and gdb are always stopped by PID.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu  # noqa: E402

ISO = "build/ringtail.iso"
ELF = "build/kernel.elf"
SERIAL = "build/test-logs/gdb.log"
QLOG = "build/test-logs/gdb.qemu.log"
GDB_SCRIPT = "scripts/ringtail.gdb"
CASES = ["kernel_built", "qemu_gdb_stub_listening", "breakpoint_hit_in_kmain",
         "backtrace_has_kmain_source_line", "qemu_stopped_by_pid"]
# "Thread 1 hit Hardware breakpoint 1, kmain (...) at kernel/main.c:42"
HIT_RE = re.compile(r"[Bb]reakpoint \d+, (?:0x[0-9a-f]+ in )?kmain ?\(.*\) at (\S*kernel/main\.c):(\d+)")
BT_RE = re.compile(r"^#0\s+(?:0x[0-9a-f]+ in )?kmain ?\(.*\) at (\S*kernel/main\.c):(\d+)", re.M)

_n = 0


def result(ok, name, diags=()):
    global _n
    _n += 1
    for d in diags:
        print("# " + d)
    print("%s %d %s" % ("ok" if ok else "not ok", _n, name), flush=True)
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port):
    """Is something listening on 127.0.0.1:port? Read /proc/net/tcp rather
    than connecting, which would make QEMU's stub see a client come and go."""
    want = {"0100007F:%04X" % port, "00000000:%04X" % port}
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            return any(l.split()[1] in want and l.split()[3] == "0A" for l in f)
    except OSError:
        return False


def gone(pid, wait=5.0):
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


def stop(proc):
    """Stop a child we started (own process group, PGID = its PID) and reap it."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def start_qemu(qlog):
    """Start QEMU halted with its stub; retry if another process took the port."""
    for _ in range(3):
        port = free_port()
        argv = qemu.build_argv(iso=ISO, elf=ELF, gdb_port=port, halt=True,
                               serial="file:" + SERIAL)
        proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=qlog,
                                stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + 15
        while time.monotonic() < end and proc.poll() is None:
            if listening(port):
                return proc, port
            time.sleep(0.05)
        stop(proc)
    return proc, None


def tail(path, n=15):
    try:
        with open(os.path.join(ROOT, path), errors="replace") as f:
            return [l.rstrip() for l in f.read().splitlines()[-n:]]
    except OSError:
        return []


def main():
    os.chdir(ROOT)
    print("KTAP version 1\n1..%d" % len(CASES), flush=True)
    missing = [p for p in (ISO, ELF) if not os.path.isfile(p)]
    gdb = ["timeout", "60", "gdb"]
    if not result(not missing, CASES[0], ["%s does not exist (run make)" % p for p in missing]):
        for name in CASES[1:]:
            result(False, name, ["not run: the kernel is not built"])
        return 1
    os.makedirs(os.path.dirname(SERIAL), exist_ok=True)
    ok = True
    qproc = gproc = port = None
    out = ""
    qlog = open(QLOG, "wb")
    try:
        qproc, port = start_qemu(qlog)
        ok &= result(port is not None, CASES[1],
                     [] if port else ["QEMU did not open its GDB stub; %s:" % QLOG] + tail(QLOG))
        if port is not None:
            argv = gdb + ["-batch", "-nx"]
            if os.path.isfile(GDB_SCRIPT):
                argv += ["-x", GDB_SCRIPT]
            argv += [ELF, "-ex", "target remote 127.0.0.1:%d" % port, "-ex", "hbreak kmain",
                     "-ex", "continue", "-ex", "bt", "-ex", "kill"]
            gproc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
            try:
                out = gproc.communicate(timeout=75)[0].decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                stop(gproc)
                out = "(gdb did not finish in 75 s)"
    finally:
        # Always stop QEMU (gdb's `kill` normally ends it already) and gdb.
        stop(gproc)
        stop(qproc)
        qlog.close()
    if qproc is not None and port is not None:
        why = ["gdb said:"] + out.splitlines()[-30:] + ["serial log %s:" % SERIAL] + tail(SERIAL)
        hit = HIT_RE.search(out)
        ok &= result(bool(hit), CASES[2], [] if hit else why)
        bt = BT_RE.search(out)
        ok &= result(bool(bt), CASES[3], ["kmain at %s:%s" % bt.groups()] if bt else why)
    else:
        for name in CASES[2:4]:
            ok &= result(False, name, ["not run: no GDB stub"])
    ok &= result(qproc is not None and gone(qproc.pid), CASES[4])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
