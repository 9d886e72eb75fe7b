#!/usr/bin/env python3
"""make bench: Ringtail and Linux side by side, in one table.

    bench.py [HOST-TARGETS...]   make bench (several minutes)
    bench.py --smoke             make test's check that the benchmark
                                 programs run and print figures that parse

The same static benchmark programs (user/perf/bench_syscall.c,
user/perf/bench_events.c) run on Ringtail and on Debian's Linux
(scripts/linux_vm.py, the image make deps fetched) in the same QEMU:
machine, CPU model, memory, CPUs, accelerator (scripts/qemu.py build_argv).

  1. Host benchmarks: the ring buffer cores on host threads (the make
     targets given as arguments: bench-host, bench-host-bpf).
  2. Instruction counts: both kernels boot with 1 CPU under TCG with
     -icount shift=0, where every guest instruction advances guest time by
     exactly 1 ns: a program's own clock_gettime difference is then the
     guest instructions it ran, on either kernel, independent of the host,
     its load and the accelerator. Ringtail also runs output_64b there.
  3. Wall time: both kernels boot with SMP CPUs (default 2) under the
     accelerator picked below; Ringtail adds its in-kernel benchmarks
     (bench=all) and bench_ringbuf.

Accelerator: KVM when /dev/kvm is usable and is a real hardware-assisted
KVM; TCG otherwise, with the reason. The KVM on this project's build
machines is "kvm-pvm" (a shadow-paging hypervisor for nested guests) which
runs a guest kernel that is not PVM-aware by emulating its kernel-mode
instructions one by one: the kernel paths these benchmarks measure run far
slower there than under TCG, so it is not used unless BENCH_ACCEL=kvm.

The table goes to stdout and build/bench.txt; progress and the console
logs' names to stderr. scripts/bench_table.py says what each row measures.
Exit status 0 when every run finished and every program exited 0.
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu  # noqa: E402
import bench_table  # noqa: E402

BUILD = os.path.join(ROOT, "build")
USER_PROGS = ["bench_syscall", "bench_events"]      # run on both kernels
RINGTAIL_PROGS = USER_PROGS + ["bench_ringbuf"]     # bench_ringbuf: Ringtail's handlers
ICOUNT = ["-icount", "shift=0"]
FIGURE = re.compile(r"^\s*bench (\S+) (-?[0-9.]+) (\S+)\s*$")


def say(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def pick_accel():
    forced = os.environ.get("BENCH_ACCEL", "")
    if forced in ("kvm", "tcg"):
        if forced == "kvm" and not qemu.kvm_usable():
            return "tcg", "BENCH_ACCEL=kvm but /dev/kvm is not usable"
        return forced, "forced by BENCH_ACCEL"
    if not qemu.kvm_usable():
        return "tcg", "/dev/kvm is not usable"
    if os.path.isdir("/sys/module/kvm_pvm"):
        return "tcg", "/dev/kvm is kvm-pvm, which emulates a non-PVM guest kernel"
    return "kvm", "hardware KVM"


def parse(text):
    """{name: (value, unit)} of the `bench NAME VALUE UNIT` lines."""
    got = {}
    for line in text.splitlines():
        m = FIGURE.match(line)
        if m:
            got[m.group(1)] = (float(m.group(2)), m.group(3))
    return got


def as_insns(figures):
    """Under -icount shift=0 a nanosecond is an instruction."""
    return {k: (v, "insns" if u == "ns" else u) for k, (v, u) in figures.items()}


def ringtail(progs, cmdline_bench, smp, kvm, extra, log):
    """Boot Ringtail with bench=... benchprog=...; (figures, problems)."""
    cmdline = "bench=%s benchprog=%s" % (cmdline_bench, ",".join(progs))
    argv = qemu.build_argv(os.path.join(BUILD, "ringtail.iso"), os.path.join(BUILD, "kernel.elf"),
                           cmdline, smp=smp, kvm=kvm, serial="file:" + log,
                           modules=[(os.path.join(BUILD, "user", p.split(":")[0]), "")
                                    for p in progs], extra=extra)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        rc = proc.wait(timeout=900)
    except subprocess.TimeoutExpired:
        proc.kill()             # QEMU's PID
        proc.wait()
        rc = None
    with open(log, errors="replace") as f:
        text = f.read()
    problems = []
    if rc != qemu.QEMU_OK:
        problems.append("Ringtail run %s (log %s)" % (
            "timed out" if rc is None else "ended with QEMU exit %d" % rc, rel(log)))
    for p in progs:
        name = p.split(":")[0]
        if "bench: %s exit status 0" % name not in text:
            problems.append("Ringtail: %s did not exit 0 (log %s)" % (name, rel(log)))
    return parse(text), problems, text


def linux(progs, smp, kvm, extra, log):
    """Boot Linux with the programs (linux_vm.py's run mode)."""
    import linux_vm
    jobs = [(os.path.join(BUILD, "user", p), p, []) for p in progs]
    try:
        res = linux_vm.boot(jobs, mode="run", smp=smp, kvm=kvm, extra=extra, log=log,
                            timeout=900)
    except linux_vm.VMError as e:
        return {}, ["Linux: %s" % e]
    problems = []
    if res.timed_out:
        problems.append("Linux run timed out (%s; log %s)" % (res.timed_out, rel(log)))
    for i, p in enumerate(progs, 1):
        if not re.search(r"^ok %d %s\b" % (i, re.escape(p)), res.text, re.M):
            problems.append("Linux: %s did not exit 0 (log %s)" % (p, rel(log)))
    return parse(res.text), problems


def rel(path):
    return os.path.relpath(path, ROOT)


def linux_name():
    import linux_vm
    try:
        return os.path.basename(linux_vm.kernel_image()).replace("vmlinuz-", "Linux ")
    except linux_vm.VMError:
        return "Linux (no image)"


def host_benchmarks(targets):
    got, problems = {}, []
    for t in targets:
        say("host benchmark: make %s" % t)
        r = subprocess.run(["make", "-s", t], cwd=ROOT, capture_output=True, text=True)
        got.update(parse(r.stdout))
        if r.returncode:
            problems.append("host benchmark %s failed: %s" % (t, r.stderr.strip()[-500:]))
    return got, problems


def main(host_targets):
    problems = []
    t_start = time.time()
    host, p = host_benchmarks(host_targets)
    problems += p
    lxname = linux_name()

    say("instruction counts: Ringtail, TCG -icount shift=0, 1 CPU")
    rt_ic, p, _ = ringtail(USER_PROGS, "output_64b_ns", 1, False, ICOUNT,
                           os.path.join(BUILD, "bench-icount.log"))
    problems += p
    say("instruction counts: %s, TCG -icount shift=0, 1 CPU" % lxname)
    lx_ic, p = linux(USER_PROGS, 1, False, ICOUNT, os.path.join(BUILD, "bench-icount-linux.log"))
    problems += p

    accel, why = pick_accel()
    smp = int(os.environ.get("SMP", "2"))
    load0 = os.getloadavg()[0]
    say("wall time: Ringtail under %s, %d CPUs (in-kernel benchmarks too)" % (accel.upper(), smp))
    rt_w, p, _ = ringtail(RINGTAIL_PROGS, "all", smp, accel == "kvm", None,
                          os.path.join(BUILD, "bench.log"))
    problems += p
    say("wall time: %s under %s, %d CPUs" % (lxname, accel.upper(), smp))
    lx_w, p = linux(USER_PROGS, smp, accel == "kvm", None,
                    os.path.join(BUILD, "bench-linux.log"))
    problems += p

    load = "host load average %.1f then %.1f on %d CPUs" % (load0, os.getloadavg()[0],
                                                             os.cpu_count() or 0)
    table = bench_table.render(
        host, as_insns(rt_ic), as_insns(lx_ic), rt_w, lx_w,
        "guest instructions per operation: TCG -icount shift=0, 1 CPU, Ringtail vs %s, "
        "same binaries" % lxname,
        "wall time under %s (%s), %d CPUs, Ringtail vs %s; %s" % (
            accel.upper(), why, smp, lxname, load))
    say("where one sample's instructions go: Ringtail, TCG -icount with scripts/insnprof.c")
    try:
        import insnprof
        rows, total, samples = insnprof.breakdown()
        table += ("\n\n-- one sampled getppid on Ringtail, guest instructions per sample by "
                  "function (TCG -icount, insnprof plugin; %d samples, total %.0f; [u] is the "
                  "reader in the benchmark itself)\n" % (samples, total))
        table += "\n".join("%10.1f  %s" % (v, name) for name, v in rows)
    except Exception as e:  # noqa: BLE001 - a missing profile must not hide the table
        problems.append("per-function profile: %s" % e)
    with open(os.path.join(BUILD, "bench.txt"), "w") as f:
        f.write(table + "\n")
    print(table, flush=True)
    for msg in problems:
        print("# problem: " + msg, flush=True)
    say("make bench took %.0f s; the table is also in build/bench.txt" % (time.time() - t_start))
    return 1 if problems else 0


# Every figure the quick runs must print (make test: bench-smoke).
SMOKE_FIGURES = [
    "syscall_ns", "syscall_sampled_ns", "syscall_sample_cost_ns", "syscall_sampled_lost",
    "syscall_samples",
    "fault_ns", "fault_sampled_ns", "fault_sample_cost_ns", "clock_sample_cost_ns",
    "clock_samples",
] + ["%s_%s" % (r, f) for r in ("rb_1p", "rb_2p", "rb_4p", "pb_1p", "rb_1p_sampled")
     for f in ("mrec_s", "tried_mrec_s", "drop_pct")]


def smoke():
    """One quick Ringtail boot (TCG, 2 CPUs): each benchmark program with
    --quick; KTAP: every program exited 0, every figure is there and
    parses, the table renders with them. Asserts nothing about the values'
    size: they come from an emulator on a shared host. The in-kernel
    benchmarks are left out (each runs millions of records; the in-kernel
    tests cover the code they time)."""
    log = os.path.join(BUILD, "test-logs", "bench-smoke.console.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    got, problems, text = ringtail([p + ":--quick" for p in RINGTAIL_PROGS], "none",
                                   2, False, None, log)
    checks = [("programs exit 0", not problems, "; ".join(problems))]
    for name in SMOKE_FIGURES:
        checks.append(("figure %s" % name, name in got, "not printed (log %s)" % rel(log)))
    table = bench_table.render({}, as_insns(got), {}, got, {}, "icount", "wall")
    rows = [r.split()[0] for r in table.splitlines() if r and not r.startswith(("-", " ", "*"))]
    for name in ("syscall_sample_cost", "fault_sample_cost", "clock_sample_cost",
                 "rb_2p_refused_pct"):
        checks.append(("table row %s" % name, name in rows, "missing from the table"))
    checks.append(("no unexplained figure", "-- other figures" not in table,
                   "figures without a row in scripts/bench_table.py"))
    print("KTAP version 1\n1..%d" % len(checks))
    for i, (what, ok, why) in enumerate(checks, 1):
        if not ok:
            print("# %s" % why)
        print("%s %d %s" % ("ok" if ok else "not ok", i, what))
    return 0 if all(c[1] for c in checks) else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:
        sys.exit(smoke())
    sys.exit(main(sys.argv[1:]))
