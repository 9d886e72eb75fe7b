#!/usr/bin/env python3
"""make bench: every benchmark, printed as `bench <name> <value> <unit>`.

Host benchmarks (the ring buffer cores on host threads) run first. Then the
kernel boots with bench=all (in-kernel benchmarks) and benchprog=... (user
benchmark programs), and the bench lines of its console are printed.

Accelerator: KVM through QEMU's -kernel loader when /dev/kvm is usable and
is a real hardware-assisted KVM; TCG otherwise, with the reason. The KVM on
this project's build machines is "kvm-pvm" (a shadow-paging hypervisor for
nested guests) which runs a guest kernel that is not PVM-aware by emulating
its kernel-mode instructions one by one: the kernel paths these benchmarks
measure run far slower there than under TCG, so it is not used unless
BENCH_ACCEL=kvm forces it.

Instruction counts: a second, single-CPU boot under TCG with -icount
shift=0 (every guest instruction takes exactly 1 ns of guest time) runs
output_64b and bench_syscall again and reports their figures as guest
instructions (`bench <name>_insns <v> insns`). These do not depend on the
host, its load or the accelerator, so they show what a change costs where
wall-clock figures from an emulator cannot; the per-sample cost is
syscall_sample_cost_insns (sampled minus unsampled call).
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu  # noqa: E402


def pick_accel():
    forced = os.environ.get("BENCH_ACCEL", "")
    if forced in ("kvm", "tcg"):
        if forced == "kvm" and not qemu.kvm_usable():
            return "tcg", "BENCH_ACCEL=kvm but /dev/kvm is not usable"
        return forced, "forced by BENCH_ACCEL"
    if not qemu.kvm_usable():
        return "tcg", "/dev/kvm is not usable"
    if os.path.isdir("/sys/module/kvm_pvm"):
        return "tcg", ("/dev/kvm is kvm-pvm, which emulates a non-PVM guest's "
                       "kernel code instruction by instruction (slower than TCG)")
    return "kvm", "hardware KVM"


def run_qemu(argv):
    """Run QEMU to the end (10 minutes at most); its exit code, -1 if killed."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        return proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -1


def main():
    host_targets = sys.argv[1:]
    for t in host_targets:
        r = subprocess.run(["make", "-s", t], cwd=ROOT, capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("bench "):
                print(line, flush=True)
        if r.returncode:
            print("# host benchmark %s failed:\n%s" % (t, r.stderr[-2000:]), flush=True)
    accel, why = pick_accel()
    print("# kernel benchmarks run under %s (%s)" % (accel.upper(), why), flush=True)
    progs = [p for p in ("bench_syscall", "bench_pipeline", "bench_ringbuf")
             if os.path.exists(os.path.join(ROOT, "build/user", p))]
    cmdline = "bench=all"
    if progs:
        cmdline += " benchprog=" + ",".join(progs)
    log = os.path.join(ROOT, "build/bench.log")
    smp = os.environ.get("SMP", "2")
    argv = qemu.build_argv(os.path.join(ROOT, "build/ringtail.iso"),
                           os.path.join(ROOT, "build/kernel.elf"), cmdline,
                           smp=int(smp), kvm=accel == "kvm", serial="file:" + log,
                           modules=[(os.path.join(ROOT, "build/user", p), "") for p in progs])
    t0 = time.time()
    rc = run_qemu(argv)
    with open(log, errors="replace") as f:
        for line in f:
            # Figures, and the notes the benchmarks print about them
            # (setup, CPUs, what producers attempted).
            if re.match(r"^bench \S+ \S+ \S+", line) or line.startswith("# "):
                print(line.rstrip(), flush=True)
    print("# kernel run: %.1f s, QEMU exit %d, console log %s" % (time.time() - t0, rc, log))
    rc2 = icount_run()
    return 0 if rc == qemu.QEMU_OK and rc2 == qemu.QEMU_OK else 1


def icount_run():
    """The instruction-count pass (see the module comment)."""
    prog = os.path.join(ROOT, "build/user/bench_syscall")
    if not os.path.exists(prog):
        return qemu.QEMU_OK
    log = os.path.join(ROOT, "build/bench-icount.log")
    argv = qemu.build_argv(os.path.join(ROOT, "build/ringtail.iso"),
                           os.path.join(ROOT, "build/kernel.elf"),
                           "bench=output_64b_ns benchprog=bench_syscall", smp=1,
                           serial="file:" + log, modules=[(prog, "")],
                           extra=["-icount", "shift=0"])
    rc = run_qemu(argv)
    got = {}
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"^bench (\S+)_ns (\S+) ns$", line)
            if m:
                got[m.group(1)] = float(m.group(2))
    print("# instruction counts: TCG -icount shift=0, 1 CPU (1 ns = 1 guest instruction)")
    for name, v in got.items():
        print("bench %s_insns %.0f insns" % (name, v), flush=True)
    if "syscall" in got and "syscall_sampled" in got:
        print("bench syscall_sample_cost_insns %.0f insns"
              % (got["syscall_sampled"] - got["syscall"]), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
