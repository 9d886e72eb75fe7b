#!/usr/bin/env python3
"""Tests of make linux-run (scripts/linux_vm.py); prints KTAP.

    python3 scripts/tests/test_linux_vm.py [case1,case2]

The programs are compiled into a temporary directory (never inside the
repository) with musl-gcc (static) and gcc (dynamic, for the refusal).
Two cases boot Debian's kernel under TCG (tens of seconds each): a
program's output and exact exit status come back, and a program that never
exits is stopped by --timeout with QEMU's process gone. The rest check bad
input without booting: a missing kernel image, a missing file, a file that
is not ELF, a dynamically linked program; each must give exit status 2 and
a one-line reason. A missing image in the real cache is a failure: make
deps fetches it before make test.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LINUX_VM = os.path.join(ROOT, "scripts", "linux_vm.py")
sys.dont_write_bytecode = True

TMP = None


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def compile_prog(name, source, static=True):
    src = os.path.join(TMP, name + ".c")
    out = os.path.join(TMP, name)
    with open(src, "w") as f:
        f.write(source)
    cc = ["musl-gcc", "-static"] if static else ["gcc"]
    r = subprocess.run(cc + ["-O2", "-o", out, src], capture_output=True, text=True)
    if r.returncode:
        raise Skip("%s cannot build %s: %s" % (cc[0], name, r.stderr.strip()[:200]))
    return out


def linux_run(prog, *extra, env=None):
    """linux_vm.py run PROG ... -> (status, stdout, stderr)."""
    r = subprocess.run([sys.executable, LINUX_VM, "run", prog] + list(extra),
                       capture_output=True, text=True, env=env, timeout=900,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def need_image():
    cache = os.environ.get("RINGTAIL_LINUX_CACHE") or os.path.join(ROOT, ".cache", "linux")
    check(os.path.isfile(os.path.join(cache, "vmlinuz")),
          "no Linux image in %s: make deps fetches it" % cache)


# --- cases ---------------------------------------------------------------------

def case_status_and_output():
    need_image()
    prog = compile_prog("say_and_exit", r'''
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	printf("linux-vm-test: %d args, [%s]\n", argc - 1, argc > 1 ? argv[1] : "");
	return atoi(argc > 2 ? argv[2] : "0");
}
''')
    st, out, err = linux_run(prog, "--args", "'two words' 7", "--timeout", "120")
    check("linux-vm-test: 2 args, [two words]" in out, "program output missing: %r" % out[-500:])
    check(st == 7, "exit status %d, want 7 (stderr %r)" % (st, err[-300:]))


def case_hang_stopped():
    need_image()
    prog = compile_prog("never_exits", r'''
#include <unistd.h>
int main(void) { for (;;) pause(); }
''')
    t0 = time.monotonic()
    st, out, err = linux_run(prog, "--timeout", "3")
    check(st == 124, "exit status %d, want 124 (stderr %r)" % (st, err[-300:]))
    m = re.search(r"did not exit within 3 s; QEMU \(pid (\d+)\) stopped", err)
    check(m, "no timeout message: %r" % err[-300:])
    pid = int(m.group(1))
    # QEMU is our grandchild: reaped by linux_vm.py before it returned.
    check(not os.path.exists("/proc/%d" % pid) or
          "qemu" not in open("/proc/%d/cmdline" % pid, "rb").read().decode(errors="replace"),
          "QEMU pid %d still running" % pid)
    check(time.monotonic() - t0 < 600, "took too long to stop")


def bad_input(prog, want, env=None):
    st, out, err = linux_run(prog, "--timeout", "5", env=env)
    check(st == 2, "exit status %d, want 2 (stderr %r)" % (st, err))
    check(re.search(want, err), "message %r does not match %r" % (err.strip(), want))
    check("booting" not in err, "it booted anyway: %r" % err)


def case_missing_image():
    prog = compile_prog("tiny", "int main(void) { return 0; }\n")
    env = dict(os.environ, RINGTAIL_LINUX_CACHE=os.path.join(TMP, "no-cache"))
    bad_input(prog, r"no Linux kernel image at .*make deps", env=env)


def case_missing_file():
    bad_input(os.path.join(TMP, "does-not-exist"), r"no such file")


def case_not_elf():
    path = os.path.join(TMP, "script.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho hi\n")
    os.chmod(path, 0o755)
    bad_input(path, r"not an ELF executable")


def case_dynamic():
    prog = compile_prog("dynamic", "int main(void) { return 0; }\n", static=False)
    bad_input(prog, r"dynamically linked .*static")


CASES = [
    ("bad_input_missing_image", case_missing_image),
    ("bad_input_missing_file", case_missing_file),
    ("bad_input_not_elf", case_not_elf),
    ("bad_input_dynamic", case_dynamic),
    ("status_and_output_come_back", case_status_and_output),
    ("hang_stopped_by_timeout", case_hang_stopped),
]


def main():
    global TMP
    only = set(sys.argv[1].split(",")) if len(sys.argv) > 1 else None
    cases = [c for c in CASES if not only or c[0] in only]
    print("KTAP version 1\n1..%d" % len(cases), flush=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="ringtail-linuxvm-test-") as TMP:
        for i, (name, fn) in enumerate(cases, 1):
            try:
                fn()
                print("ok %d %s" % (i, name), flush=True)
            except Skip as e:
                print("ok %d %s # SKIP %s" % (i, name, e), flush=True)
            except Exception:
                failed += 1
                for line in traceback.format_exc().splitlines():
                    print("# " + line)
                print("not ok %d %s" % (i, name), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
